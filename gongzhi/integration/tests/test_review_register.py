"""The review queue lists every record waiting for a reviewer — with candidates or without —
and next to "link to this candidate" offers "register as a new person": a service under the
review permission, in the reviewer's scope, logged."""

from __future__ import annotations

import datetime as dt

import pytest

from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.core.history import history_for
from gongzhi.integration.models import CandidateState, FieldValue, LinkCandidate, LinkDecision
from gongzhi.integration.services import batch_submit, record_register
from gongzhi.registry.models import Person
from tests.factories import PersonFactory

from .conftest import csv_bytes, idn, row

pytestmark = pytest.mark.django_db

ROLES = [
    ("district_staff", "350102"),
    ("street_staff", "350102004"),  # the street of 军门社区
    ("street_staff", "350102001"),  # another street
    ("community_head", "350102004001"),
    ("grid_worker", "350102004001"),
    ("department_staff", "dept"),
    ("resident", "350102004001"),
    ("system_admin", "35"),
]
MAY = {("district_staff", "350102"), ("street_staff", "350102004")}


@pytest.fixture
def user_for(make_user, civil_affairs):
    def make(role, scope):
        return make_user(role, civil_affairs if scope == "dept" else scope)

    return make


def _waiting(officer, source, rows, name="a.csv"):
    batch, _new = batch_submit(by=officer, source=source, data=csv_bytes(rows), filename=name)
    return [r for r in batch.records.order_by("row_number") if r.decision == LinkDecision.REVIEW]


@pytest.fixture
def no_candidate(officer, civil_source):
    """A row with no number, no sex and nobody alike: waits for review with no candidate."""
    [record] = _waiting(officer, civil_source, [row(name="欧阳新", id_number="", sex="", phone="")])
    assert not LinkCandidate.objects.filter(record=record).exists()
    return record


@pytest.fixture
def with_candidate(officer, civil_source):
    """A row born a day apart from 张伟, no number, no phone: 张伟 is offered."""
    PersonFactory(name="张伟", id_number=idn(seq=11))
    [record] = _waiting(
        officer, civil_source, [row(id_number="", phone="", birth="1980-05-18")], name="b.csv"
    )
    assert LinkCandidate.objects.filter(record=record, state=CandidateState.OPEN).count() == 1
    return record


def test_a_record_without_candidates_is_in_the_queue_with_the_register_action(client, officer, no_candidate):
    client.force_login(officer)
    html = client.get("/integration/review/").content.decode()
    assert "欧阳新" in html and "无合适候选" in html
    page = client.get(f"/integration/review/records/{no_candidate.pk}/").content.decode()
    assert "登记为新居民" in page and 'name="sex"' in page  # the row has no sex: the reviewer gives it
    body = client.get("/api/integration/review/records").json()
    assert [(r["id"], r["best"], r["allowed_actions"]) for r in body] == [
        (no_candidate.pk, None, ["link", "reject", "register"])
    ]


def test_register_from_the_page_rejects_every_candidate_and_logs_it(client, officer, with_candidate):
    client.force_login(officer)
    page = client.get(f"/integration/review/records/{with_candidate.pk}/").content.decode()
    assert "是此人，关联" in page and "登记为新居民" in page and 'name="sex"' not in page
    r = client.post(f"/integration/review/records/{with_candidate.pk}/", {"action": "register"})
    assert r.status_code == 302
    with_candidate.refresh_from_db()
    assert with_candidate.decision == LinkDecision.SEPARATE and with_candidate.person_id
    assert with_candidate.decided_by == officer
    assert LinkCandidate.objects.get(record=with_candidate).state == CandidateState.REJECTED
    person = with_candidate.person
    assert (person.name, person.birth_date) == ("张伟", dt.date(1980, 5, 18))
    [logged] = history_for(with_candidate).filter(action="register_new")
    assert logged.by == officer and logged.changes["person"] == [None, person.pk]
    assert history_for(person).filter(action="create", note__contains="核对后登记为新居民").exists()
    assert with_candidate.batch.__class__.objects.get(pk=with_candidate.batch_id).created == 1
    # decided: the page offers nothing more, and a second register is refused plainly
    page = client.get(f"/integration/review/records/{with_candidate.pk}/").content.decode()
    assert 'value="register"' not in page
    with pytest.raises(ApplicationError, match="已经核对过了"):
        record_register(by=officer, record=with_candidate)


def test_link_to_a_candidate_from_the_record_page(client, officer, with_candidate):
    candidate = LinkCandidate.objects.get(record=with_candidate)
    client.force_login(officer)
    r = client.post(
        f"/integration/review/records/{with_candidate.pk}/", {"action": "accept", "candidate": candidate.pk}
    )
    assert r.status_code == 302
    with_candidate.refresh_from_db()
    assert (
        with_candidate.person_id == candidate.person_id and with_candidate.decision == LinkDecision.ACCEPTED
    )


def test_a_candidate_of_another_record_cannot_be_linked_through_this_one(client, officer, civil_source):
    PersonFactory(name="张伟", id_number=idn(seq=11))
    a, b = _waiting(
        officer,
        civil_source,
        [
            row(id_number="", phone="", birth="1980-05-18"),
            row(name="欧阳新", id_number="", sex="", phone=""),
        ],
    )
    other = LinkCandidate.objects.get(record=a)
    client.force_login(officer)
    r = client.post(f"/integration/review/records/{b.pk}/", {"action": "accept", "candidate": other.pk})
    assert r.status_code == 404
    a.refresh_from_db()
    assert a.person_id is None


def test_the_reviewer_supplies_a_missing_sex_kept_as_their_observation(client, officer, no_candidate):
    client.force_login(officer)
    # without a sex: refused in plain words, nothing changes
    r = client.post(
        f"/integration/review/records/{no_candidate.pk}/",
        {"action": "register"},
        HTTP_REFERER=f"/integration/review/records/{no_candidate.pk}/",
        follow=True,
    )
    assert "请先填写性别" in r.content.decode()
    assert not Person.objects.exists()
    r = client.post(f"/integration/review/records/{no_candidate.pk}/", {"action": "register", "sex": "F"})
    assert r.status_code == 302
    person = Person.objects.get()
    assert (person.name, person.sex) == ("欧阳新", "F")
    sex = FieldValue.objects.get(person=person, field="sex")
    assert sex.source.builtin and sex.recorded_by == officer  # 社区采集, by the reviewer


def test_a_birth_date_the_reviewer_gives_must_be_a_past_date(client, officer, civil_source):
    """A row with a name, sex and community only (too little to register on its own)."""
    [record] = _waiting(officer, civil_source, [row(name="欧阳新", id_number="", birth="", phone="")])
    client.force_login(officer)
    assert 'name="birth_date"' in client.get(f"/integration/review/records/{record.pk}/").content.decode()
    url = f"/integration/review/records/{record.pk}/"
    for bad in ("2999-01-01", "1990-02-30"):
        r = client.post(url, {"action": "register", "birth_date": bad}, HTTP_REFERER=url, follow=True)
        assert "不晚于今天" in r.content.decode() and not Person.objects.exists()
    client.post(url, {"action": "register", "birth_date": "1990-02-03"})
    person = Person.objects.get()
    assert (person.sex, person.birth_date) == ("M", dt.date(1990, 2, 3))


def test_bad_input_through_the_api_is_a_clear_400(client, officer, no_candidate):
    client.force_login(officer)
    r = client.post(
        f"/api/integration/review/records/{no_candidate.pk}/register",
        {"sex": "X"},
        content_type="application/json",
    )
    assert r.status_code == 400 and "性别请选择男或女" in r.json()["message"]
    r = client.post(
        f"/api/integration/review/records/{no_candidate.pk}/register",
        {"sex": "M", "birth_date": "1990-02-03"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert r.json()["decision"] == LinkDecision.SEPARATE
    # the row's own birth date stands: the reviewer only fills what the row lacks
    person = Person.objects.get()
    assert (person.sex, person.birth_date) == ("M", dt.date(1980, 5, 17))


@pytest.mark.parametrize("role,scope", ROLES, ids=[f"{r}-{s}" for r, s in ROLES])
def test_role_matrix_for_the_record_page_and_the_register_action(client, user_for, no_candidate, role, scope):
    user = user_for(role, scope)
    client.force_login(user)
    page = client.get(f"/integration/review/records/{no_candidate.pk}/")
    api = client.post(
        f"/api/integration/review/records/{no_candidate.pk}/register",
        {"sex": "M"},
        content_type="application/json",
    )
    if (role, scope) in MAY:
        assert page.status_code == 200
        assert api.status_code == 200, api.content
        assert Person.objects.get().name == "欧阳新"
    else:
        assert page.status_code in (403, 404), page.status_code
        post = client.post(
            f"/integration/review/records/{no_candidate.pk}/", {"action": "register", "sex": "M"}
        )
        assert post.status_code in (403, 404), post.status_code
        assert api.status_code in (403, 404), api.status_code
        assert not Person.objects.exists()
        with pytest.raises((ApplicationError, NotFound)):
            record_register(by=user, record=no_candidate, sex="M")
        assert not Person.objects.exists()
