"""The access log is anchored outside the database (issue 7, item 5): a keyed chain and signed
checkpoints in a file. Whoever can write the database (but has neither the key nor the
checkpoint copy) cannot cut the end off, wipe it, or rewrite it without `audit verify` naming it."""

import hashlib
import hmac
import json

import pytest
from django.core.management import CommandError, call_command

from gongzhi.core.audit import GENESIS, access_log_record, access_log_verify
from gongzhi.core.models import AccessLogEntry, AccessLogHead

pytestmark = pytest.mark.django_db

OTHER_KEY = hashlib.sha256(b"an attacker's own key").digest()


@pytest.fixture
def sink(settings, tmp_path):
    settings.GONGZHI_AUDIT_CHECKPOINTS = str(tmp_path / "audit-checkpoints.log")
    settings.GONGZHI_AUDIT_CHECKPOINT_EVERY = 2
    return tmp_path / "audit-checkpoints.log"


def _write(user, n, capture):
    """n entries, each committed (so the checkpoints they trigger are written)."""
    out = []
    for i in range(n):
        with capture(execute=True):
            out.append(
                access_log_record(
                    user=user,
                    action="reveal",
                    object_type="registry.person",
                    object_id=str(i),
                    community_code="350102004001",
                    fields=["id_number"],
                    purpose="home_visit",
                )
            )
    return out


def _set_head(entries: int, last_hash: str) -> None:
    AccessLogHead.objects.update_or_create(id=1, defaults={"entries": entries, "last_hash": last_hash})


def _cut(entries):
    for e in entries:
        AccessLogEntry.objects.filter(pk=e.pk)._raw_delete(AccessLogEntry.objects.db)


def _rewrite_with(key: bytes | None, *, purpose_note: str = "") -> str:
    """Rewrite every entry (new content, hashes recomputed), as someone with database access
    would: with their own key, or (key None) with the old unkeyed scheme. Returns the head."""
    prev = GENESIS
    for entry in AccessLogEntry.objects.order_by("id"):
        entry.purpose_note = purpose_note
        entry.prev_hash = prev
        if key is None:
            entry.scheme = 1
            entry.hash = hashlib.sha256(entry.canonical().encode()).hexdigest()
        else:
            entry.hash = hmac.new(key, entry.canonical().encode(), hashlib.sha256).hexdigest()
        AccessLogEntry.objects.filter(pk=entry.pk).update(
            purpose_note=entry.purpose_note, prev_hash=prev, hash=entry.hash, scheme=entry.scheme
        )
        prev = entry.hash
    _set_head(AccessLogEntry.objects.count(), prev)
    return prev


def test_an_honest_log_verifies_against_its_checkpoints(
    sink, community_worker, django_capture_on_commit_callbacks
):
    _write(community_worker, 5, django_capture_on_commit_callbacks)
    lines = [json.loads(x) for x in sink.read_text().splitlines()]
    assert [x["entries"] for x in lines] == [2, 4]
    result = access_log_verify()
    assert result.ok and result.checked == 5 and result.checkpoints == 2


def test_entries_are_keyed_so_a_plain_hash_does_not_verify(community_worker):
    entry = access_log_record(
        user=community_worker, action="export", object_type="x", purpose="export_filing"
    )
    assert entry.scheme == 2
    assert entry.hash != hashlib.sha256(entry.canonical().encode()).hexdigest()


def test_cutting_the_end_and_rewriting_the_head_is_detected(
    sink, community_worker, django_capture_on_commit_callbacks
):
    entries = _write(community_worker, 5, django_capture_on_commit_callbacks)
    _cut(entries[3:])
    _set_head(3, entries[2].hash)
    result = access_log_verify()
    assert (result.ok, result.reason, result.checked) == (False, "truncated", 3)
    assert "4" in result.message and "截断" in result.message
    with pytest.raises(CommandError, match="truncated"):
        call_command("audit_verify")


def test_wiping_everything_and_resetting_the_head_is_detected(
    sink, community_worker, django_capture_on_commit_callbacks
):
    _cut(_write(community_worker, 4, django_capture_on_commit_callbacks))
    _set_head(0, GENESIS)
    result = access_log_verify()
    assert (result.ok, result.reason, result.checked) == (False, "truncated", 0)


def test_a_chain_rewritten_under_another_key_is_detected_and_named(
    sink, community_worker, django_capture_on_commit_callbacks
):
    entries = _write(community_worker, 4, django_capture_on_commit_callbacks)
    _rewrite_with(OTHER_KEY, purpose_note="例行")
    result = access_log_verify()
    assert (result.ok, result.reason, result.broken_id) == (False, "rekeyed", entries[0].pk)
    assert "另一把密钥" in result.message


def test_a_chain_rewritten_without_a_key_is_detected(
    sink, community_worker, django_capture_on_commit_callbacks
):
    """Downgrading every entry to the old unkeyed scheme: the checkpoints do not match."""
    _write(community_worker, 4, django_capture_on_commit_callbacks)
    _rewrite_with(None, purpose_note="例行")
    result = access_log_verify()
    assert (result.ok, result.reason) == (False, "rewritten")


def test_an_unkeyed_entry_after_keyed_ones_is_refused(community_worker):
    access_log_record(user=community_worker, action="export", object_type="x", purpose="export_filing")
    head = AccessLogHead.objects.get()
    forged = AccessLogEntry(
        username="x",
        action="reveal",
        object_type="x",
        purpose="aid_check",
        prev_hash=head.last_hash,
        scheme=1,
    )
    forged.hash = forged.compute_hash()
    forged.save()
    _set_head(2, forged.hash)
    result = access_log_verify()
    assert (result.ok, result.reason, result.broken_id) == (False, "downgrade", forged.pk)


def test_entries_from_before_the_key_still_verify(community_worker):
    """Scheme-1 entries (plain SHA-256, free-text purpose) written before this change."""
    prev = GENESIS
    for i in range(3):
        old = AccessLogEntry(
            username="old",
            action="reveal",
            object_type="registry.person",
            object_id=str(i),
            purpose="核对低保资格",
            prev_hash=prev,
            scheme=1,
        )
        old.hash = hashlib.sha256(old.canonical().encode()).hexdigest()
        old.save()
        prev = old.hash
    _set_head(3, prev)
    access_log_record(user=community_worker, action="reveal", object_type="x", purpose="aid_check")
    result = access_log_verify()
    assert result.ok and result.checked == 4
    assert AccessLogEntry.objects.order_by("id").first().purpose_label == "核对低保资格"


def test_forged_or_foreign_checkpoints_are_named(
    sink, settings, community_worker, django_capture_on_commit_callbacks
):
    _write(community_worker, 2, django_capture_on_commit_callbacks)
    line = json.loads(sink.read_text())
    # Someone edits the checkpoint to match a shorter chain (without the key to sign it).
    sink.write_text(json.dumps({**line, "entries": 1}) + "\n")
    assert access_log_verify().reason == "checkpoint_forged"
    sink.write_text("not json\n")
    assert access_log_verify().reason == "checkpoint_unreadable"
    sink.write_text(json.dumps(line) + "\n")
    assert access_log_verify().ok
    settings.GONGZHI_AUDIT_KEY = "a-different-key-a-different-key-a-different-key"
    result = access_log_verify()
    assert (result.ok, result.reason) == (False, "checkpoint_key")


def test_a_deleted_checkpoint_file_is_noticed(sink, community_worker, django_capture_on_commit_callbacks):
    _write(community_worker, 3, django_capture_on_commit_callbacks)
    sink.unlink()
    assert access_log_verify().reason == "checkpoints_missing"


def test_the_checkpoint_command_and_an_external_copy(sink, settings, tmp_path, community_worker, capsys):
    settings.GONGZHI_AUDIT_CHECKPOINT_EVERY = 0  # only the command writes checkpoints
    for _ in range(3):
        access_log_record(user=community_worker, action="reveal", object_type="x", purpose="aid_check")
    call_command("audit_checkpoint")
    assert json.loads(sink.read_text())["entries"] == 3
    copy = tmp_path / "worm-copy.log"
    copy.write_bytes(sink.read_bytes())
    # The local sink is deleted together with the newest entry; the kept copy still tells.
    sink.unlink()
    last = AccessLogEntry.objects.order_by("-id").first()
    _cut([last])
    _set_head(2, AccessLogEntry.objects.order_by("-id").first().hash)
    call_command("audit_verify")  # nothing local to compare with any more
    with pytest.raises(CommandError, match="truncated"):
        call_command("audit_verify", checkpoints=str(copy))
    assert "checkpoint written" in capsys.readouterr().out


def test_an_unwritable_sink_does_not_fail_the_reveal_and_is_reported(
    settings, tmp_path, community_worker, django_capture_on_commit_callbacks, caplog
):
    settings.GONGZHI_AUDIT_CHECKPOINTS = str(tmp_path / "a-directory")
    (tmp_path / "a-directory").mkdir()  # cannot be opened as a file
    settings.GONGZHI_AUDIT_CHECKPOINT_EVERY = 1
    _write(community_worker, 1, django_capture_on_commit_callbacks)
    assert AccessLogEntry.objects.count() == 1
    assert "could not be written" in caplog.text
    assert access_log_verify().reason == "checkpoint_unreadable"
