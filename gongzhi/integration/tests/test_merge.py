"""Merging two registered people and undoing it."""

import datetime as dt

import pytest

from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import Region
from gongzhi.integration.merging import merge_undo, person_merge
from gongzhi.integration.models import FieldValue, Merge, SourceRecord
from gongzhi.integration.services import batch_submit
from gongzhi.registry.models import HouseholdMember, Person, PersonTag
from gongzhi.registry.services import household_member_add, person_tag_add
from tests.factories import HouseholdFactory, PersonFactory

from .conftest import JUNMEN, csv_bytes, idn, row

pytestmark = pytest.mark.django_db


def _picture(pk):
    """A person as the register and the provenance tables hold them."""
    p = Person.objects.get(pk=pk)
    return {
        "fields": (p.name, p.sex, p.birth_date, p.id_number_hash, p.phone_hash, p.address, p.community_id),
        "tags": sorted((t.pk, t.kind) for t in PersonTag.objects.filter(person_id=pk)),
        "membership": list(
            HouseholdMember.objects.filter(person_id=pk).values_list("household_id", "relationship")
        ),
        "values": sorted(FieldValue.objects.filter(person_id=pk).values_list("pk", "field", "value_hash")),
        "records": sorted(SourceRecord.objects.filter(person_id=pk).values_list("pk", flat=True)),
    }


@pytest.fixture
def duplicates(officer, civil_source):
    """The same woman twice: registered by the community with her number, household and a
    tag; and created from a department list without a number."""
    junmen = Region.objects.get(code=JUNMEN)
    kept = PersonFactory(
        name="林秀英",
        sex="F",
        birth_date=dt.date(1950, 1, 2),
        id_number=idn(dt.date(1950, 1, 2), 22),
        community=junmen,
    )
    household = HouseholdFactory(community=junmen)
    household_member_add(
        by=officer.__class__.objects.get(pk=officer.pk),
        household=household,
        person=kept,
        relationship="02",
        perm="integration.review",
    )
    person_tag_add(by=officer, person=kept, kind="elderly_alone", perm="integration.review")
    batch, _new = batch_submit(
        by=officer,
        source=civil_source,
        data=csv_bytes(
            [
                row(
                    name="林秀英",
                    id_number="",
                    sex="女",
                    birth="1950-01-03",
                    phone="13600000003",
                    住址="军门社区5号楼",
                )
            ]
        ),
        filename="a.csv",
    )
    record = batch.records.get()
    if record.person_id is None:  # the birth date differs by a day: it waits for review
        from gongzhi.integration.models import LinkCandidate
        from gongzhi.integration.services import candidate_reject

        record = candidate_reject(by=officer, candidate=LinkCandidate.objects.get(record=record))
    absorbed = record.person
    second = HouseholdFactory(community=junmen)
    household_member_add(
        by=officer, household=second, person=absorbed, relationship="02", perm="integration.review"
    )
    person_tag_add(
        by=officer,
        person=absorbed,
        kind="minimum_allowance",
        source_department=civil_source.department,
        perm="integration.review",
    )
    return kept, absorbed


def test_merge_folds_everything_into_the_kept_person(officer, duplicates):
    kept, absorbed = duplicates
    merge = person_merge(by=officer, kept=kept, absorbed=absorbed, reason="同一人")
    assert not Person.objects.filter(pk=absorbed.pk).exists()
    kept.refresh_from_db()
    assert kept.phone == "13600000003"  # taken from the absorbed record's source
    assert set(PersonTag.objects.filter(person=kept).values_list("kind", flat=True)) == {
        "elderly_alone",
        "minimum_allowance",
    }
    assert SourceRecord.objects.filter(person=kept).count() == 1
    assert FieldValue.objects.filter(person=kept, field="phone").exists()
    assert HouseholdMember.objects.filter(person=kept).count() == 1  # one membership; the other kept for undo
    assert merge.removed and merge.moved


def test_undoing_a_merge_restores_both_people_and_their_provenance(officer, duplicates):
    kept, absorbed = duplicates
    before_kept, before_absorbed = _picture(kept.pk), _picture(absorbed.pk)
    merge = person_merge(by=officer, kept=kept, absorbed=absorbed)
    assert _picture(kept.pk) != before_kept

    merge_undo(by=officer, merge=merge)
    assert _picture(kept.pk) == before_kept
    assert _picture(absorbed.pk) == before_absorbed
    merge.refresh_from_db()
    assert merge.is_undone
    with pytest.raises(ApplicationError) as exc:
        merge_undo(by=officer, merge=merge)
    assert exc.value.code == "merge_undone"


def test_people_with_two_different_valid_numbers_are_not_merged(officer):
    a = PersonFactory(name="王芳")
    b = PersonFactory(name="王芳")
    with pytest.raises(ApplicationError) as exc:
        person_merge(by=officer, kept=a, absorbed=b)
    assert exc.value.code == "different_id_numbers"
    assert Merge.objects.count() == 0 and Person.objects.count() == 2


@pytest.mark.parametrize(
    "role,scope,allowed",
    [
        ("district_staff", "350102", True),
        ("street_staff", "350102004", True),
        ("street_staff", "350102001", False),
        ("community_head", "350102004001", False),
        ("department_staff", None, False),
    ],
)
def test_who_may_merge(make_user, civil_affairs, role, scope, allowed):
    a = PersonFactory(name="甲", id_number="")
    b = PersonFactory(name="甲", id_number="")
    user = make_user(role, scope or civil_affairs)
    if allowed:
        person_merge(by=user, kept=a, absorbed=b)
        assert not Person.objects.filter(pk=b.pk).exists()
    else:
        with pytest.raises(ApplicationError):
            person_merge(by=user, kept=a, absorbed=b)
        assert Person.objects.count() == 2
