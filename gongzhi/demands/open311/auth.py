"""Open311 API keys: core API tokens of service accounts.

An outside system (a city hotline, a resident app) gets a service account and a token
(`gongzhi tokens create USER --name open311`); it passes the token as `api_key`. The demo
key is the literal value `demo`, held by a demo account, so it works only while
GONGZHI_DEMO is on (core.tokens refuses demo accounts otherwise).
"""

from __future__ import annotations

from django.db import transaction

from gongzhi.core.models import ApiToken, User
from gongzhi.core.tokens import _hash, api_token_user

DEMO_KEY = "demo"
DEMO_USERNAME = "open311-demo"


def open311_key_user(key: str | None):
    """The active user behind an api_key, or None."""
    key = (key or "").strip()
    if not key or len(key) > 200:
        return None
    return api_token_user(key)


@transaction.atomic
def open311_demo_key_ensure() -> ApiToken:
    """Create (or repair) the demo Open311 key `demo`; idempotent. Called by the demo command."""
    user, _created = User.objects.get_or_create(
        username=DEMO_USERNAME,
        defaults={"display_name": "Open311 演示接入", "is_demo_account": True},
    )
    changed = []
    if not user.is_demo_account:
        user.is_demo_account = True
        changed.append("is_demo_account")
    if user.has_usable_password():
        user.set_unusable_password()
        changed.append("password")
    if changed:
        user.save(update_fields=changed)
    token, _created = ApiToken.objects.update_or_create(
        key_hash=_hash(DEMO_KEY),
        defaults={"user": user, "name": "Open311 demo", "prefix": DEMO_KEY, "revoked": False},
    )
    return token
