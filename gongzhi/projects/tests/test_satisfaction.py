"""The households a project serves (entered by its organisation from the registry, its community
only) and their satisfaction sampled for an evaluation by the street or district: one answer per
sampled household, 1–5, results on the project page, the API and the figure."""

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from gongzhi.core.errors import ApplicationError, PermissionDenied
from gongzhi.projects import satisfaction, selectors
from gongzhi.projects.models import Beneficiary, SatisfactionSample
from gongzhi.registry.models import Household

from .conftest import JUNMEN, OTHER
from .test_funding import _project

pytestmark = pytest.mark.django_db


@pytest.fixture
def p(w):
    for i in range(12):
        Household.objects.create(community_id=JUNMEN, number=f"JM{i:03d}")
    Household.objects.create(community_id=OTHER, number="OT001")
    return _project(w)


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_beneficiaries_entered_by_the_organisation_in_its_community(w, p):
    assert satisfaction.beneficiaries_add(by=w["org_staff"], project=p, numbers="JM000\nJM001，JM001") == 2
    assert satisfaction.beneficiaries_add(by=w["org_staff"], project=p, numbers=["JM001", "JM002"]) == 1
    for numbers, code in (
        ("OT001", "household_unknown"),
        ("JM003\nnope", "household_unknown"),
        ("", "beneficiaries_required"),
    ):
        with pytest.raises(ApplicationError) as exc:
            satisfaction.beneficiaries_add(by=w["org_staff"], project=p, numbers=numbers)
        assert exc.value.code == code
    with pytest.raises(ApplicationError) as exc:
        satisfaction.beneficiaries_add(by=w["org_staff"], project=p, numbers=[f"x{i}" for i in range(501)])
    assert exc.value.code == "beneficiaries_too_many"
    for who in ("staff", "expert"):
        with pytest.raises(PermissionDenied):
            satisfaction.beneficiaries_add(by=w[who], project=p, numbers="JM004")
    with pytest.raises(ApplicationError) as exc:
        satisfaction.beneficiaries_add(by=w["other_staff"], project=p, numbers="JM004")
    assert exc.value.code == "not_your_organization"
    assert Beneficiary.objects.count() == 3
    with pytest.raises(IntegrityError), transaction.atomic():
        Beneficiary.objects.create(
            community_id=JUNMEN, project=p, household=Household.objects.get(number="JM000")
        )


def test_sample_once_answers_once_and_results(w, p):
    ev = p.evaluations.get(kind="midterm")
    with pytest.raises(ApplicationError) as exc:
        satisfaction.sample_draw(by=w["staff"], evaluation=ev, size=5)
    assert exc.value.code == "no_beneficiaries"
    satisfaction.beneficiaries_add(by=w["org_staff"], project=p, numbers=[f"JM{i:03d}" for i in range(12)])
    for size in ("0", "abc", "201", "-3"):
        with pytest.raises(ApplicationError) as exc:
            satisfaction.sample_draw(by=w["staff"], evaluation=ev, size=size)
        assert exc.value.code == "sample_size"
    with pytest.raises(PermissionDenied):
        satisfaction.sample_draw(by=w["org_staff"], evaluation=ev, size=5)
    rows = satisfaction.sample_draw(by=w["staff"], evaluation=ev, size="5")
    assert len(rows) == 5
    with pytest.raises(ApplicationError) as exc:
        satisfaction.sample_draw(by=w["staff"], evaluation=ev, size=5)
    assert exc.value.code == "sample_drawn"
    for bad in ("0", "6", "五", True, "=1"):
        with pytest.raises(ApplicationError) as exc:
            satisfaction.answer_record(by=w["staff"], sample=rows[0], score=bad)
        assert exc.value.code == "satisfaction_score"
    with pytest.raises(PermissionDenied):
        satisfaction.answer_record(by=w["org_staff"], sample=rows[0], score=5)
    for s, score in zip(rows[:4], (5, 4, 2, 4), strict=True):
        satisfaction.answer_record(by=w["street"], sample=s, score=score)
    with pytest.raises(ApplicationError) as exc:
        satisfaction.answer_record(by=w["staff"], sample=rows[0], score=1)
    assert exc.value.code == "already_answered" and exc.value.status == 409
    r = satisfaction.results(ev)
    assert (r.sampled, r.answered, r.mean, r.satisfied_share) == (5, 4, 3.75, 0.75)
    fig = selectors.households_satisfaction(user=w["staff"])
    assert (fig.value, fig.numerator, fig.denominator, fig.records.count()) == (75.0, 3, 4, 4)
    assert selectors.households_satisfaction(user=w["other_staff"]).denominator in (0, 4)
    with pytest.raises(IntegrityError), transaction.atomic():
        SatisfactionSample.objects.create(community_id=JUNMEN, evaluation=ev, beneficiary=rows[0].beneficiary)


@pytest.mark.parametrize(
    "role", ["org_staff", "other_staff", "staff", "street", "expert", "community_worker"]
)
def test_pages_and_api_role_matrix(w, make_user, p, role):
    user = w.get(role) or make_user(role, JUNMEN)
    client = _client(user)
    ev = p.evaluations.get(kind="midterm")
    r = client.post(f"/projects/projects/{p.pk}/beneficiaries/", {"numbers": "JM000\nJM001\nJM002"})
    assert r.status_code == (302 if role in ("org_staff", "other_staff") else 403)
    added = Beneficiary.objects.count()
    assert added == (3 if role == "org_staff" else 0)
    r = client.post(f"/projects/evaluations/{ev.pk}/sample/", {"size": "2"})
    manager = role in ("staff", "street")
    assert r.status_code == (302 if manager else 403)
    page = client.get(f"/projects/projects/{p.pk}/").content.decode()
    assert ('name="numbers"' in page) == (role == "org_staff")
    api = client.get(f"/api/projects/projects/{p.pk}").json()
    assert api["evaluations"][0]["satisfaction"]["sampled"] == 0
    if manager:
        satisfaction.beneficiaries_add(by=w["org_staff"], project=p, numbers="JM000\nJM001\nJM002")
        r = client.post(f"/api/projects/surveys/{ev.pk}/sample", {"size": 2}, content_type="application/json")
        assert r.status_code == 200 and len(r.json()) == 2
        sid = r.json()[0]["id"]
        r = client.post(
            f"/api/projects/samples/{sid}/answer", {"score": "9"}, content_type="application/json"
        )
        assert r.status_code == 400 and r.json()["code"] == "satisfaction_score"
        r = client.post(f"/projects/samples/{sid}/answer/", {"score": "5"})
        assert r.status_code == 302
        r = client.post(f"/api/projects/samples/{sid}/answer", {"score": 4}, content_type="application/json")
        assert r.status_code == 409
        page = client.get(f"/projects/projects/{p.pk}/").content.decode()
        assert "100%" in page
    else:
        r = client.post(f"/api/projects/surveys/{ev.pk}/sample", {"size": 2}, content_type="application/json")
        assert r.status_code == 403
