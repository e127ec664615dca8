"""Local and demo settings: SQLite in the data folder, field and audit keys generated on first use."""

from .base import *  # noqa: F401,F403
from .base import DATA_DIR, GONGZHI_AUDIT_KEY, GONGZHI_DEMO, GONGZHI_FIELD_KEY

# The demo is shown to people who are not developers: it answers with the project's own
# 404/500 pages, not Django's debug pages (WhiteNoise serves the static files, below).
DEBUG = not GONGZHI_DEMO

if not GONGZHI_FIELD_KEY:
    from gongzhi.core.keys import load_or_create_key_file

    GONGZHI_FIELD_KEY = load_or_create_key_file(DATA_DIR / "field.key")

if not GONGZHI_AUDIT_KEY:
    from gongzhi.core.keys import load_or_create_key_file

    GONGZHI_AUDIT_KEY = load_or_create_key_file(DATA_DIR / "audit.key")

# The demo runs with DEBUG off behind gunicorn: WhiteNoise serves the static files straight from
# the apps and node_modules (no collectstatic step for a newcomer); production collects them.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
