"""Test settings: SQLite in memory by default, PostgreSQL when DATABASE_URL is set."""

import os

from .base import *  # noqa: F401,F403
from .base import DATABASES

DEBUG = False
GONGZHI_FIELD_KEY = "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdCE="  # 32 bytes, tests only
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if not os.environ.get("DATABASE_URL"):
    DATABASES["default"] = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"].setdefault("TEST", {})
if os.environ.get("GONGZHI_TEST_DB_NAME"):
    DATABASES["default"]["TEST"]["NAME"] = os.environ["GONGZHI_TEST_DB_NAME"]
# Tasks run at once, inside the request, in tests (one test drives the real database worker).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
WHITENOISE_AUTOREFRESH = True  # no collected static folder in tests
