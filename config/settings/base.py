"""Settings shared by every environment. Configuration comes from the environment with safe local defaults."""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(os.environ.get("GONGZHI_DATA_DIR", BASE_DIR / "var"))

SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-local-only-key-change-me")
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

# The demo accepts the shared password `demo` and the Open311 key `demo`; nothing else does.
GONGZHI_DEMO = os.environ.get("GONGZHI_DEMO", "") == "1"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "gongzhi.core",
    "gongzhi.jobs",
    "gongzhi.organizations",
    "gongzhi.registry",
    "gongzhi.integration",
    "gongzhi.demands",
    "gongzhi.volunteers",
    "gongzhi.facilities",
    "gongzhi.ledgers",
    "gongzhi.visits",
    "gongzhi.care",
    "gongzhi.elections",
    "gongzhi.projects",
    "gongzhi.admission",
    "gongzhi.evaluation",
    "gongzhi.deliberation",
    "gongzhi.budgeting",
    "gongzhi.web",
]

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "gongzhi.core.auth.GongzhiModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "gongzhi.core.input_guard.InputGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "gongzhi.core.middleware.ApplicationErrorMiddleware",
    "config.routers.ReplicaReadsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gongzhi.web.context_processors.navigation",
                "csp.context_processors.nonce",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'gongzhi.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several gunicorn workers and the task worker share the file: WAL lets readers go on
    # while one writes, and a writer waits up to 20 s (busy timeout) instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
# Each language is named in itself in the switcher.
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# Each app keeps its English catalogue in gongzhi/<app>/locale/en (source strings are Chinese).
LOCALE_PATHS: list = []
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# Front-end libraries come from npm (package.json); only their dist folders are served.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
    ("vendor/leaflet", NODE_MODULES / "leaflet" / "dist"),
]
STORAGES_DEFAULT = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STORAGES = STORAGES_DEFAULT
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"
# Uploaded files are never public (no /media/ location). Demand photos are served by a view
# that checks the permission; the file itself is sent by Django (""), or, in production, by the
# web server: "x-accel-redirect" (nginx: an `internal` location at the prefix below, aliased to
# MEDIA_ROOT) or "x-sendfile" (Apache mod_xsendfile).
GONGZHI_PROTECTED_MEDIA = os.environ.get("GONGZHI_PROTECTED_MEDIA", "")
GONGZHI_PROTECTED_MEDIA_PREFIX = os.environ.get("GONGZHI_PROTECTED_MEDIA_PREFIX", "/protected-media/")

# Personal data: a 32-byte key (urlsafe base64) for field encryption and keyed hashes.
GONGZHI_FIELD_KEY = os.environ.get("GONGZHI_FIELD_KEY", "")

# The personal-data access log (docs/audit.md). Its chain is keyed with GONGZHI_AUDIT_KEY
# (derived from the field key when unset); every GONGZHI_AUDIT_CHECKPOINT_EVERY entries a
# signed checkpoint (count + newest hash) is appended to GONGZHI_AUDIT_CHECKPOINTS, a file
# outside the database that operators copy to write-once storage ("" turns checkpoints off).
GONGZHI_AUDIT_KEY = os.environ.get("GONGZHI_AUDIT_KEY", "")
GONGZHI_AUDIT_CHECKPOINTS = os.environ.get(
    "GONGZHI_AUDIT_CHECKPOINTS", str(DATA_DIR / "audit-checkpoints.log")
)
GONGZHI_AUDIT_CHECKPOINT_EVERY = int(os.environ.get("GONGZHI_AUDIT_CHECKPOINT_EVERY", "100"))
# Reveals of full identity numbers/phones: refused beyond this many per user per rolling hour;
# the community head and street see an alert for anyone above the alert threshold.
GONGZHI_REVEAL_LIMIT_PER_HOUR = int(os.environ.get("GONGZHI_REVEAL_LIMIT_PER_HOUR", "30"))
GONGZHI_REVEAL_ALERT_PER_HOUR = int(os.environ.get("GONGZHI_REVEAL_ALERT_PER_HOUR", "20"))
# Login lockout (core/logins.py, docs/deploy.md).
GONGZHI_LOGIN_FAILURES_PER_ACCOUNT = int(os.environ.get("GONGZHI_LOGIN_FAILURES_PER_ACCOUNT", "5"))
GONGZHI_LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("GONGZHI_LOGIN_FAILURES_PER_ADDRESS", "20"))
GONGZHI_LOGIN_LOCK_MINUTES = int(os.environ.get("GONGZHI_LOGIN_LOCK_MINUTES", "15"))
GONGZHI_CLIENT_ADDRESS_HEADER = os.environ.get("GONGZHI_CLIENT_ADDRESS_HEADER", "")

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if os.environ.get("REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
    }

# Background work (docs/deploy.md): Django's tasks API (the django-tasks backport, built into
# Django 6) with its database backend, so the queue lives in the same database and survives
# restarts. `gongzhi worker` runs it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Exports of more residents than this run in the worker, with progress on the page.
GONGZHI_EXPORT_BACKGROUND_ABOVE = int(os.environ.get("GONGZHI_EXPORT_BACKGROUND_ABOVE", "3000"))
# Behind nginx: the internal location that serves job files (X-Accel-Redirect); empty = Django sends them.
GONGZHI_X_ACCEL_REDIRECT = os.environ.get("GONGZHI_X_ACCEL_REDIRECT", "")

# Read replica (a city): set DATABASE_REPLICA_URL and dashboard and search reads go there.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"], conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60"))
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
GONGZHI_READ_REPLICA = "replica" if "replica" in DATABASES else ""
DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]
# The pages whose reads may lag the primary by a moment: dashboards and searches.
GONGZHI_REPLICA_VIEWS = ["web:home", "demands:rates", "registry:person_list", "registry:place_tree"]

# Maps: 天地图 (Tianditu, the national platform) tiles when the operator sets a key; without one the
# maps draw the register's vector layers offline. No foreign tile server.
TIANDITU_KEY = os.environ.get("GONGZHI_TIANDITU_KEY", "")

# Content-Security-Policy: scripts only from this site (inline ones carry the request's
# nonce); styles from this site plus style attributes (bar widths are set inline); map tiles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "https://*.tianditu.gov.cn"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # Each access-log checkpoint is also a log line: point this logger at syslog or a remote
    # collector to keep a second copy off this host (docs/audit.md).
    "loggers": {"gongzhi.audit.checkpoint": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}
