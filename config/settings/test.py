"""Test settings: SQLite in memory by default, PostgreSQL when DATABASE_URL is set."""

import os

from .base import *  # noqa: F401,F403
from .base import DATABASES

DEBUG = False
GONGZHI_FIELD_KEY = "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdCE="  # 32 bytes, tests only
GONGZHI_AUDIT_KEY = "test-audit-key-test-audit-key-test-audit-key"  # tests only
GONGZHI_AUDIT_CHECKPOINTS = ""  # tests that need the sink point it at a temporary file
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

# A trivial capability app: proves a new app needs only its folder and this one line.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.sampleapp"]  # noqa: F405
