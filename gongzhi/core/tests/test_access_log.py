import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from gongzhi.core.audit import access_log_record, access_log_verify
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AccessLogEntry

pytestmark = pytest.mark.django_db


def _write(user, n=3):
    return [
        access_log_record(
            user=user,
            action="reveal",
            object_type="registry.person",
            object_id=str(i),
            community_code="350102004001",
            fields=["id_number"],
            purpose="aid_check",
            note="核对低保资格",
        )
        for i in range(n)
    ]


def test_chain_verifies(community_worker):
    entries = _write(community_worker)
    assert entries[1].prev_hash == entries[0].hash
    result = access_log_verify()
    assert result.ok and result.checked == 3


def test_tampering_with_one_entry_is_detected_and_named(community_worker):
    entries = _write(community_worker, 4)
    AccessLogEntry.objects.filter(pk=entries[1].pk).update(purpose_note="随便看看")
    result = access_log_verify()
    assert not result.ok and result.broken_id == entries[1].pk
    with pytest.raises(CommandError, match=f"entry {entries[1].pk}"):
        call_command("audit_verify")


def test_deleting_an_entry_is_detected(community_worker):
    entries = _write(community_worker, 4)
    AccessLogEntry.objects.filter(pk=entries[2].pk)._raw_delete(AccessLogEntry.objects.db)
    result = access_log_verify()
    assert not result.ok and result.broken_id == entries[3].pk


def test_deleting_the_newest_entry_is_detected(community_worker):
    entries = _write(community_worker, 3)
    AccessLogEntry.objects.filter(pk=entries[2].pk)._raw_delete(AccessLogEntry.objects.db)
    assert not access_log_verify().ok


def test_entries_cannot_be_edited_through_the_orm(community_worker):
    entry = _write(community_worker, 1)[0]
    entry.purpose = "x"
    with pytest.raises(ValidationError):
        entry.save()


@pytest.mark.parametrize("purpose", ["", " ", "a", "ab", "看看", "\u200b\u200b", "核对低保资格", "x" * 201])
def test_a_purpose_is_required(community_worker, purpose):
    with pytest.raises(ApplicationError):
        access_log_record(
            user=community_worker, action="reveal", object_type="registry.person", purpose=purpose
        )
    assert AccessLogEntry.objects.count() == 0


def test_verify_command_ok(community_worker, capsys):
    _write(community_worker, 2)
    call_command("audit_verify")
    assert "2 entries verified" in capsys.readouterr().out


@pytest.mark.parametrize(
    "note", ["\u200b", "核对\u200d材料", "a\x00b", "核对\u202e材料", "x" * 201], ids=repr
)
def test_a_note_with_invisible_characters_or_too_long_is_refused(community_worker, note):
    with pytest.raises(ApplicationError) as exc:
        access_log_record(
            user=community_worker,
            action="reveal",
            object_type="registry.person",
            purpose="aid_check",
            note=note,
        )
    assert exc.value.field == "note"
    assert AccessLogEntry.objects.count() == 0


def test_a_purpose_code_with_an_optional_note_is_recorded(community_worker):
    plain = access_log_record(
        user=community_worker, action="reveal", object_type="registry.person", purpose="home_visit"
    )
    noted = access_log_record(
        user=community_worker,
        action="export",
        object_type="registry.person",
        purpose="export_filing",
        note="  季度报表  ",
    )
    assert (plain.purpose, plain.purpose_note) == ("home_visit", "")
    assert (noted.purpose, noted.purpose_note) == ("export_filing", "季度报表")
    assert str(noted.purpose_label) == "报表报送：季度报表"
    assert access_log_verify().ok
