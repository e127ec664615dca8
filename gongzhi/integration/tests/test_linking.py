"""Linking import records to registered people, through the import service."""

import datetime as dt

import pytest

from gongzhi.core.idnumber import compose
from gongzhi.core.models import Region
from gongzhi.integration.models import CandidateState, Conflict, FieldValue, LinkCandidate, LinkDecision
from gongzhi.integration.services import (
    batch_submit,
    candidate_accept,
    candidate_reject,
    conflict_resolve,
    source_create,
)
from gongzhi.registry.models import Person
from tests.factories import PersonFactory

from .conftest import CIVIL_CODES, CIVIL_COLUMNS, JUNMEN, csv_bytes, idn, row

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1980, 5, 17)


@pytest.fixture
def zhang(db):
    """张伟, registered by the community with his number and phone."""
    return PersonFactory(
        name="张伟",
        sex="M",
        birth_date=BIRTH,
        id_number=idn(seq=11),
        id_number__phone="13800000001",
        community=Region.objects.get(code=JUNMEN),
    )


def _import(officer, source, rows, name="x.csv"):
    batch, _new = batch_submit(by=officer, source=source, data=csv_bytes(rows), filename=name)
    return batch, list(batch.records.order_by("row_number"))


def test_the_same_identity_number_links_exactly(officer, civil_source, zhang):
    _batch, [record] = _import(officer, civil_source, [row(name="张伟", id_number=idn(seq=11))])
    assert (record.decision, record.person_id, record.probability) == (LinkDecision.EXACT, zhang.pk, 1.0)
    assert Person.objects.count() == 1


def test_traditional_characters_and_spaces_in_the_name_still_link(officer, civil_source, zhang):
    _batch, [record] = _import(officer, civil_source, [row(name="張 偉", id_number="", phone="13800000001")])
    assert record.decision == LinkDecision.PROBABLE and record.person_id == zhang.pk
    assert record.probability >= 0.95
    zhang.refresh_from_db()
    assert zhang.name == "张伟"


def test_a_typo_in_the_identity_number_still_links(officer, civil_source, zhang):
    good = idn(seq=11)
    typo = good[:15] + str((int(good[15]) + 1) % 10) + good[16:]  # one digit off: the check fails
    _batch, [record] = _import(officer, civil_source, [row(id_number=typo, phone="")])
    assert record.decision == LinkDecision.PROBABLE and record.person_id == zhang.pk
    zhang.refresh_from_db()
    assert zhang.id_number == good  # the mistyped number is never written over the good one


def test_a_15_digit_number_is_upgraded_and_links_exactly(officer, civil_source):
    number18 = compose("350102", dt.date(1965, 3, 8), 123)
    number15 = number18[:6] + number18[8:17]
    old = PersonFactory(name="陈明", sex="M", birth_date=dt.date(1965, 3, 8), id_number=number18)
    _batch, [record] = _import(
        officer, civil_source, [row(name="陈明", id_number=number15, birth="1965-03-08", phone="")]
    )
    assert record.decision == LinkDecision.EXACT and record.person_id == old.pk


def test_a_missing_number_links_on_name_birth_date_sex_and_community(officer, civil_source, zhang):
    _batch, [record] = _import(officer, civil_source, [row(id_number="", phone="")])
    assert record.decision == LinkDecision.PROBABLE and record.person_id == zhang.pk
    assert FieldValue.objects.filter(person=zhang, field="id_number").count() == 0


def test_two_people_with_the_same_name_and_birth_date_stay_apart(officer, civil_source, zhang):
    _batch, [record] = _import(officer, civil_source, [row(name="张伟", id_number=idn(seq=23), phone="")])
    assert record.decision == LinkDecision.CREATED
    assert record.person_id != zhang.pk
    assert Person.objects.filter(name="张伟").count() == 2
    assert not LinkCandidate.objects.exists()


def test_an_uncertain_pair_waits_for_review_and_accepting_links_it(officer, civil_source, zhang):
    batch, [record] = _import(officer, civil_source, [row(id_number="", phone="", birth="1980-05-18")])
    assert record.decision == LinkDecision.REVIEW and record.person_id is None
    assert batch.review == 1
    candidate = LinkCandidate.objects.get()
    assert candidate.person_id == zhang.pk and 0.5 <= candidate.probability < 0.95
    assert candidate.agreements["birth_date"] == "near"

    record = candidate_accept(by=officer, candidate=candidate)
    assert record.decision == LinkDecision.ACCEPTED and record.person_id == zhang.pk
    candidate.refresh_from_db()
    assert candidate.state == CandidateState.ACCEPTED
    batch.refresh_from_db()
    assert (batch.review, batch.matched) == (0, 1)
    # the birth dates disagree: the conflict is listed, the number decides what is shown
    assert FieldValue.objects.filter(person=zhang, field="birth_date").count() == 1


def test_rejecting_the_last_candidate_registers_a_new_person(officer, civil_source, zhang):
    _batch, [record] = _import(officer, civil_source, [row(id_number="", phone="", birth="1980-05-18")])
    record = candidate_reject(by=officer, candidate=LinkCandidate.objects.get())
    assert record.decision == LinkDecision.SEPARATE
    assert record.person_id != zhang.pk and Person.objects.count() == 2


def test_disagreeing_sources_are_listed_and_the_field_rule_chooses(officer, civil_source, zhang):
    from tests.factories import DepartmentFactory

    police = DepartmentFactory(name="公安分局", kind="public_security", code="gl-police")
    police_source = source_create(
        by=officer,
        department=police,
        name="户籍",
        file_format="csv",
        columns=CIVIL_COLUMNS,
        code_maps=CIVIL_CODES,
        trust_rank=1,
    )
    _import(officer, civil_source, [row(id_number=idn(seq=11), 住址="旧地址1号")], name="civil.csv")
    _import(
        officer, police_source, [row(id_number=idn(seq=11), 住址="新地址2号", 民族="畲")], name="police.csv"
    )
    zhang.refresh_from_db()
    # ethnicity: most trusted source (the police, rank 1); address: the most recent (same date: the later)
    assert zhang.ethnicity == "22"
    assert zhang.address == "新地址2号"
    conflicts = {c.field: c for c in Conflict.objects.filter(person=zhang, state="open")}
    assert set(conflicts) == {"ethnicity", "address"}
    assert {v["display"] for v in conflicts["ethnicity"].values} == {"汉族", "畲族"}

    civil_value = FieldValue.objects.get(person=zhang, field="ethnicity", source=civil_source)
    conflict_resolve(by=officer, conflict=conflicts["ethnicity"], value_id=civil_value.pk)
    zhang.refresh_from_db()
    assert zhang.ethnicity == "01"
    # taking the same lists in again does not reopen what the reviewer decided
    _import(
        officer, police_source, [row(id_number=idn(seq=11), 住址="新地址2号", 民族="畲")], name="police.csv"
    )
    assert not Conflict.objects.filter(person=zhang, field="ethnicity", state="open").exists()


def test_a_reviewer_outside_the_community_cannot_decide(make_user, officer, civil_source, zhang):
    from gongzhi.core.errors import NotFound

    _import(officer, civil_source, [row(id_number="", phone="", birth="1980-05-18")])
    other_street = make_user("street_staff", "350102001")
    with pytest.raises(NotFound):
        candidate_accept(by=other_street, candidate=LinkCandidate.objects.get())
    same_street = make_user("street_staff", "350102004")
    assert candidate_accept(by=same_street, candidate=LinkCandidate.objects.get()).person_id == zhang.pk
