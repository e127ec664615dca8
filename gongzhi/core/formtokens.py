"""One-time form tokens: a page that creates something hands out a signed random token in a
hidden field; the service stores it with what it created (under a unique constraint), so a
form posted twice (double click, back and resubmit, a retry) creates one record, not two."""

from __future__ import annotations

import secrets

from django.core import signing

SALT = "gongzhi.formtoken"
MAX_AGE = 7 * 24 * 3600  # a form left open for a week must be reloaded


def form_token_new() -> str:
    return signing.dumps(secrets.token_urlsafe(18), salt=SALT)


def form_token_key(token: str | None) -> str | None:
    """The idempotency key behind a token this site issued; None when absent or not ours."""
    if not token:
        return None
    try:
        return "form:" + signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except (signing.BadSignature, TypeError, ValueError):
        return None
