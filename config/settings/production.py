"""Production settings: everything secret comes from the environment and is required."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403

for _name in ("SECRET_KEY", "GONGZHI_FIELD_KEY", "DATABASE_URL"):
    if not os.environ.get(_name):
        raise ImproperlyConfigured(f"{_name} must be set in production")

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
