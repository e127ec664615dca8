"""The personal-data access log: record every full view and export, verify the chain.

Each entry carries the hash of the one before it, keyed with the audit key (which is not in
the database), so an entry cannot be changed, inserted or removed without the key. What the
chain alone cannot show is its end being cut off; for that, signed checkpoints (the number
of entries and the newest hash) are appended to a sink outside the database, and
`access_log_verify` compares the chain against them. See docs/audit.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .errors import ApplicationError
from .keys import audit_key, audit_key_id
from .models import AccessAction, AccessLogEntry, AccessLogHead
from .purposes import SYSTEM_PURPOSES, Purpose

GENESIS = "0" * 64
SCHEME = 2  # keyed; 1 was plain SHA-256
NOTE_MAX = 200

checkpoint_logger = logging.getLogger("gongzhi.audit.checkpoint")


# Purposes ---------------------------------------------------------------------------------


def clean_purpose(purpose: str | None, note: str | None = "") -> tuple[str, str]:
    """A purpose code from the lawful list and an optional note, or a clear refusal.
    Free text ("看看"), an empty choice and invisible characters are refused."""
    code = (purpose or "").strip()
    if code not in Purpose.values:
        raise ApplicationError("purpose_required", _("请从列表中选择查看或导出的用途。"), field="purpose")
    text = (note or "").strip()
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in text):
        raise ApplicationError(
            "purpose_note_invalid", _("用途说明里有不可见的控制字符，请删去后重试。"), field="note"
        )
    if len(text) > NOTE_MAX:
        raise ApplicationError("purpose_note_too_long", _("用途说明不能超过200个字。"), field="note")
    return code, text


def purpose_choices() -> list[tuple[str, str]]:
    """The choices for a purpose select: an empty first option, so nothing is pre-selected."""
    return [
        ("", gettext("请选择用途")),
        *((code, str(label)) for code, label in Purpose.choices if code not in SYSTEM_PURPOSES),
    ]


# Writing ----------------------------------------------------------------------------------


def _reveals_in_last_hour(user) -> int:
    since = timezone.now() - dt.timedelta(hours=1)
    return AccessLogEntry.objects.filter(user=user, action=AccessAction.REVEAL, at__gte=since).count()


def _check_reveal_limit(user) -> None:
    """Refuse a reveal beyond the per-user hourly limit. Counted from the log itself while the
    head row is locked, so it holds across processes and parallel requests."""
    limit = settings.GONGZHI_REVEAL_LIMIT_PER_HOUR
    if not limit or user is None or not user.is_authenticated:
        return
    if _reveals_in_last_hour(user) >= limit:
        raise ApplicationError(
            "reveal_limit",
            _(
                "您在一小时内查看完整个人信息已达%(n)d次的上限，请稍后再试。"
                "确因工作需要，请联系社区书记/主任。"
            )
            % {"n": limit},
            status=429,
        )


@transaction.atomic
def access_log_record(
    *,
    user,
    action: str,
    object_type: str,
    purpose: str,
    note: str = "",
    object_id: str = "",
    community_code: str = "",
    fields: list[str] | None = None,
    count: int = 1,
) -> AccessLogEntry:
    """Append one entry, chained to the previous one. The head row is locked so that
    concurrent writers queue rather than fork the chain (and the reveal limit is exact)."""
    purpose, note = clean_purpose(purpose, note)
    AccessLogHead.objects.get_or_create(id=1)
    head = AccessLogHead.objects.select_for_update().get(id=1)
    if action == AccessAction.REVEAL:
        _check_reveal_limit(user)
    entry = AccessLogEntry(
        user=user if user is not None and user.is_authenticated else None,
        username=getattr(user, "username", "") or "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        community_code=community_code or "",
        fields=sorted(fields or []),
        count=count,
        purpose=purpose,
        purpose_note=note,
        prev_hash=head.last_hash,
        scheme=SCHEME,
    )
    entry.hash = entry.compute_hash()
    entry.save()
    entries = head.entries + 1
    AccessLogHead.objects.filter(id=1).update(last_hash=entry.hash, entries=entries)
    every = settings.GONGZHI_AUDIT_CHECKPOINT_EVERY
    if every and entries % every == 0:
        state = (entries, entry.hash, entry.pk)
        transaction.on_commit(lambda: _checkpoint_after_commit(*state))
    return entry


# Checkpoints ------------------------------------------------------------------------------


def _checkpoint_sig(key: bytes, data: dict) -> str:
    message = "|".join(str(data[k]) for k in ("entries", "head", "last_id", "at", "key"))
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def checkpoints_path() -> Path | None:
    path = settings.GONGZHI_AUDIT_CHECKPOINTS
    return Path(path) if path else None


def checkpoint_write(entries: int, head: str, last_id: int | None, *, path: Path | None = None) -> dict:
    """Append one signed checkpoint line to the sink (and to the checkpoint logger)."""
    key = audit_key()
    data = {
        "entries": entries,
        "head": head,
        "last_id": last_id,
        "at": timezone.now().isoformat(timespec="seconds"),
        "key": audit_key_id(key),
    }
    data["sig"] = _checkpoint_sig(key, data)
    line = json.dumps(data, sort_keys=True)
    checkpoint_logger.info("access-log checkpoint %s", line)
    path = path or checkpoints_path()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, (line + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
    return data


def _checkpoint_after_commit(entries: int, head: str, last_id: int | None) -> None:
    """A sink that cannot be written must not fail the reveal that was already committed; it
    is logged as an error, and `audit verify` will report the checkpoint as missing."""
    try:
        checkpoint_write(entries, head, last_id)
    except OSError:
        checkpoint_logger.exception("access-log checkpoint could not be written to the sink")


def access_log_checkpoint(*, path: Path | None = None) -> dict:
    """Write a checkpoint of the chain as it is now (the command `gongzhi audit checkpoint`,
    meant to run from cron): the head row is locked so the count and hash belong together."""
    with transaction.atomic():
        AccessLogHead.objects.get_or_create(id=1)
        head = AccessLogHead.objects.select_for_update().get(id=1)
        last = AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first()
        state = (head.entries, head.last_hash, last)
    return checkpoint_write(*state, path=path)


@dataclass
class Checkpoint:
    line: int
    entries: int
    head: str
    key: str
    signed: bool


def _read_checkpoints(path: Path, key: bytes) -> tuple[list[Checkpoint], int | None]:
    """The checkpoints in the sink and the line number of the first unreadable one."""
    found: list[Checkpoint] = []
    for n, raw in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
            cp = Checkpoint(n, int(data["entries"]), str(data["head"]), str(data["key"]), False)
            cp.signed = hmac.compare_digest(str(data["sig"]), _checkpoint_sig(key, data))
        except (ValueError, KeyError, TypeError):
            return found, n
        found.append(cp)
    return found, None


# Verifying --------------------------------------------------------------------------------


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""
    detail: dict = field(default_factory=dict)
    checkpoints: int | None = None  # how many checkpoints matched; None when there is no sink

    @property
    def message(self) -> str:
        """The finding in plain words."""
        d = {"id": self.broken_id, "n": self.checked, **self.detail}
        texts = {
            "link": _("第 %(id)s 号记录与前一条记录接不上：中间的记录被删除或插入过。"),
            "content": _("第 %(id)s 号记录的内容与校验值不符：记录被改动过。"),
            "rekeyed": _(
                "从第 %(id)s 号记录起，整段链条的校验值都与本服务器的审计密钥不符："
                "日志被人用另一把密钥重写过。"
            ),
            "downgrade": _("第 %(id)s 号记录用的是已停用的无密钥校验方式：记录是伪造的。"),
            "head": _("日志末尾与记录的链头不符（已核验 %(n)s 条）：末尾的记录被删除或改动过。"),
            "truncated": _(
                "检查点记载日志已有 %(expected)s 条记录，数据库里只有 %(n)s 条：日志末尾被截断或被清空。"
            ),
            "rewritten": _("第 %(expected)s 条记录与检查点记载的校验值不符：日志被重写过。"),
            "checkpoint_key": _(
                "检查点文件第 %(line)s 行由另一把审计密钥签名：核验时用的密钥不对，或检查点被替换过。"
            ),
            "checkpoint_forged": _("检查点文件第 %(line)s 行的签名不对：检查点被伪造或改动过。"),
            "checkpoint_unreadable": _("检查点文件第 %(line)s 行无法读取：检查点文件被改动过。"),
            "checkpoints_missing": _("日志已有 %(n)s 条记录，却找不到任何检查点：检查点文件丢失或被删除。"),
        }
        if self.ok:
            return gettext("已核验全部 %(n)s 条记录，没有发现篡改或删除。") % d
        return str(texts.get(self.reason, _("日志链条异常。"))) % d


def access_log_verify(*, checkpoints: Path | str | None = None) -> VerifyResult:
    """Walk the chain in order and compare it with the checkpoints outside the database;
    name the first thing that does not hold. `checkpoints` defaults to the configured sink
    (pass the copy kept on write-once storage to check against that one)."""
    key = audit_key()
    path = Path(checkpoints) if checkpoints else checkpoints_path()
    expected: dict[int, Checkpoint] = {}
    if path is not None and path.exists():
        try:
            found, bad_line = _read_checkpoints(path, key)
        except OSError:  # a directory, or not readable by this process
            found, bad_line = [], 0
        if bad_line is not None:
            return VerifyResult(False, 0, reason="checkpoint_unreadable", detail={"line": bad_line})
        key_id = audit_key_id(key)
        for cp in found:
            if cp.key != key_id:
                return VerifyResult(False, 0, reason="checkpoint_key", detail={"line": cp.line})
            if not cp.signed:
                return VerifyResult(False, 0, reason="checkpoint_forged", detail={"line": cp.line})
            expected.setdefault(cp.entries, cp)

    prev = GENESIS
    checked = keyed = matched = 0
    last_id = None
    content_fail: AccessLogEntry | None = None  # first keyed entry whose hash does not hold
    fails_since = 0
    for entry in AccessLogEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != prev:
            return VerifyResult(False, checked, entry.id, "link")
        if entry.scheme < SCHEME and keyed:
            return VerifyResult(False, checked, entry.id, "downgrade")
        holds = hmac.compare_digest(entry.compute_hash(key), entry.hash)
        if entry.scheme >= SCHEME:
            keyed += 1
            if not holds and content_fail is None:
                content_fail, fails_since = entry, 0
            if content_fail is not None:
                if holds:  # the chain holds again after it: one entry was edited in place
                    return VerifyResult(False, checked, content_fail.id, "content")
                fails_since += 1
        elif not holds:
            return VerifyResult(False, checked, entry.id, "content")
        prev = entry.hash
        checked += 1
        last_id = entry.id
        anchor = expected.get(checked)
        if anchor is not None and content_fail is None:
            if not hmac.compare_digest(anchor.head, entry.hash):
                return VerifyResult(False, checked, entry.id, "rewritten", {"expected": checked})
            matched += 1
    if content_fail is not None:
        reason = "rekeyed" if fails_since > 1 else "content"
        return VerifyResult(False, checked, content_fail.id, reason)
    if expected and max(expected) > checked:
        return VerifyResult(False, checked, last_id, "truncated", {"expected": max(expected)})
    head = AccessLogHead.objects.filter(id=1).first()
    if head is not None and (head.last_hash != prev or head.entries != checked):
        return VerifyResult(False, checked, last_id, "head")
    every = settings.GONGZHI_AUDIT_CHECKPOINT_EVERY
    if path is not None and not expected and every and keyed >= every:
        return VerifyResult(False, checked, None, "checkpoints_missing")
    return VerifyResult(True, checked, checkpoints=matched if path is not None else None)
