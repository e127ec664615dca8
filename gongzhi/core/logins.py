"""Login throttling: after repeated wrong passwords an account, or a network address, is locked
for a while; an administrator can unlock it (`gongzhi login unlock`).

Counted in the database (LoginFailure), so every server process sees the same counts:

- an account is locked after GONGZHI_LOGIN_FAILURES_PER_ACCOUNT (5) wrong passwords within
  GONGZHI_LOGIN_LOCK_MINUTES (15), until that long after the last of them;
- an address after GONGZHI_LOGIN_FAILURES_PER_ADDRESS (20), whatever accounts it tried.

While locked, even the right password is refused (that is what stops guessing). A successful
login clears the account's failures (not the address's). Lockouts and unlocks are logged to
the `gongzhi.security` logger and kept in the table (cleared_at/cleared_by).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import LoginFailure

logger = logging.getLogger("gongzhi.security")


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def per_account() -> int:
    return _setting("GONGZHI_LOGIN_FAILURES_PER_ACCOUNT", 5)


def per_address() -> int:
    return _setting("GONGZHI_LOGIN_FAILURES_PER_ADDRESS", 20)


def lock_minutes() -> int:
    return _setting("GONGZHI_LOGIN_LOCK_MINUTES", 15)


def normal_username(username: str | None) -> str:
    return (username or "").strip().lower()[:150]


def client_address(request) -> str:
    """The caller's address: REMOTE_ADDR, or the header the reverse proxy sets
    (GONGZHI_CLIENT_ADDRESS_HEADER, e.g. HTTP_X_REAL_IP) when there is one."""
    if request is None:
        return ""
    header = getattr(settings, "GONGZHI_CLIENT_ADDRESS_HEADER", "")
    value = request.META.get(header, "") if header else ""
    value = value.split(",")[0].strip() or request.META.get("REMOTE_ADDR", "")
    return value[:45]


def _open(since: dt.datetime):
    return LoginFailure.objects.filter(cleared_at__isnull=True, at__gte=since)


def login_locked(*, username: str, address: str) -> str | None:
    """'account' or 'address' when that is locked now, else None."""
    since = timezone.now() - dt.timedelta(minutes=lock_minutes())
    name = normal_username(username)
    if name and _open(since).filter(username=name).count() >= per_account():
        return "account"
    if address and _open(since).filter(address=address).count() >= per_address():
        return "address"
    return None


def login_failure_record(*, username: str, address: str) -> str | None:
    """Count one wrong password; returns what is locked now (the caller tells the person)."""
    name = normal_username(username)
    LoginFailure.objects.create(username=name, address=address)
    locked = login_locked(username=name, address=address)
    if locked:
        logger.warning("login locked: %s (account %r, address %s)", locked, name, address)
    return locked


def login_success_record(*, username: str) -> None:
    LoginFailure.objects.filter(username=normal_username(username), cleared_at__isnull=True).update(
        cleared_at=timezone.now(), cleared_reason="success"
    )


@transaction.atomic
def login_unlock(*, by=None, username: str = "", address: str = "") -> int:
    """Clear the open failures of an account and/or an address; returns how many were cleared."""
    name, address = normal_username(username), (address or "").strip()
    if not name and not address:
        return 0
    cond = Q()
    if name:
        cond |= Q(username=name)
    if address:
        cond |= Q(address=address)
    n = LoginFailure.objects.filter(cond, cleared_at__isnull=True).update(
        cleared_at=timezone.now(), cleared_by=by, cleared_reason="unlock"
    )
    logger.warning(
        "login unlocked by %s: account %r, address %r (%d failures cleared)",
        getattr(by, "username", "command line"),
        name,
        address,
        n,
    )
    return n


def locked_now() -> dict[str, list[str]]:
    """The accounts and addresses locked at this moment (for the unlock command's --list)."""
    from django.db.models import Count

    since = timezone.now() - dt.timedelta(minutes=lock_minutes())
    accounts = (
        _open(since)
        .values("username")
        .annotate(n=Count("id"))
        .filter(n__gte=per_account())
        .order_by("username")
    )
    addresses = (
        _open(since)
        .values("address")
        .annotate(n=Count("id"))
        .filter(n__gte=per_address())
        .order_by("address")
    )
    return {"accounts": [a["username"] for a in accounts], "addresses": [a["address"] for a in addresses]}
