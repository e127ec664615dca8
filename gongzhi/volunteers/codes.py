"""Rotating check-in codes: the activity leader's screen shows a code valid for one minute and bound
to the activity — an HMAC of the activity id and the minute, keyed by the site's secret. Nothing is
stored; the server recomputes the code for this minute (and, for a few seconds after the minute
turns, the one before) and compares."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from django.conf import settings

GRACE_SECONDS = 10
LENGTH = 8


def _minute(moment: dt.datetime) -> int:
    return int(moment.timestamp()) // 60


def _code(activity_id: int, minute: int) -> str:
    key = hashlib.sha256(("gongzhi.volunteers.checkin:" + settings.SECRET_KEY).encode()).digest()
    mac = hmac.new(key, f"{activity_id}:{minute}".encode(), hashlib.sha256).hexdigest()
    return mac[:LENGTH].upper()


def checkin_code(activity_id: int, moment: dt.datetime) -> str:
    return _code(activity_id, _minute(moment))


def seconds_left(moment: dt.datetime) -> int:
    return 60 - int(moment.timestamp()) % 60


def checkin_code_valid(activity_id: int, code: str, moment: dt.datetime) -> bool:
    code = (code or "").strip().upper()
    if len(code) != LENGTH:
        return False
    minute = _minute(moment)
    candidates = [minute]
    if int(moment.timestamp()) % 60 < GRACE_SECONDS:
        candidates.append(minute - 1)
    return any(hmac.compare_digest(code, _code(activity_id, m)) for m in candidates)
