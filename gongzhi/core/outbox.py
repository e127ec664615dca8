"""Messages to people outside the platform (SMS, e-mail) behind one small interface.

settings.GONGZHI_NOTIFY_BACKENDS lists dotted paths of classes with
``send(*, to_phone, to_email, subject, body)`` — an SMS or e-mail gateway in production. The
default, ConsoleBackend, logs each message with the phone masked and keeps the last hundred in
memory (what tests and the demo read); nothing leaves the machine.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from gongzhi.core import pii

log = logging.getLogger("gongzhi.outbox")
DEFAULT = "gongzhi.core.outbox.ConsoleBackend"


class Backend(Protocol):
    def send(self, *, to_phone: str, to_email: str, subject: str, body: str) -> None: ...


class ConsoleBackend:
    """Logs the message (phone masked) instead of sending it: the default without a gateway."""

    sent: list[dict] = []

    def send(self, *, to_phone: str, to_email: str, subject: str, body: str) -> None:
        record = {"to": pii.mask_phone(to_phone) or to_email, "subject": subject, "body": body}
        ConsoleBackend.sent.append(record)
        del ConsoleBackend.sent[:-100]
        log.info("send %(to)s: %(subject)s — %(body)s", record)


@lru_cache(maxsize=8)
def _classes(paths: tuple[str, ...]) -> list[type]:
    return [import_string(p) for p in paths]


def backends() -> list[Backend]:
    paths = getattr(settings, "GONGZHI_NOTIFY_BACKENDS", None)
    if paths is None:
        paths = [DEFAULT]  # an empty list sends nothing (the demo's history is built that way)
    return [cls() for cls in _classes(tuple(paths))]


def send(*, to_phone: str = "", to_email: str = "", subject: str, body: str) -> int:
    """Hand one message to every backend; the number of backends that took it."""
    taken = 0
    for backend in backends():
        try:
            backend.send(to_phone=to_phone, to_email=to_email, subject=subject, body=body)
        except Exception:  # noqa: BLE001 - a gateway's failure must not undo the step that sent it
            log.exception("outbox backend %s failed", type(backend).__name__)
        else:
            taken += 1
    return taken
