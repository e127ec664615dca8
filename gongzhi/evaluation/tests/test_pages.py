import re

import pytest

from gongzhi.evaluation.models import Response, SampleHousehold

from .conftest import DACHENG, JUNMEN, answers

pytestmark = pytest.mark.django_db

ROLES = {
    # role, scope -> (list, results, visit, rate) statuses
    ("district_staff", "350102"): (200, 200, 403, 403),
    ("street_staff", "350102004"): (200, 200, 403, 403),
    ("community_head", JUNMEN): (200, 200, 200, 200),
    ("community_worker", JUNMEN): (200, 200, 200, 403),
    ("resident", JUNMEN): (403, 404, 404, 404),
    ("district_staff", "350103"): (200, 404, 404, 404),
}


@pytest.mark.parametrize("role,scope", sorted(ROLES))
def test_role_matrix(role, scope, open_survey, client, make_user):
    survey, _codes = open_survey
    client.force_login(make_user(role, scope))
    got = tuple(
        client.get(u).status_code
        for u in (
            "/evaluation/",
            f"/evaluation/{survey.pk}/results/",
            f"/evaluation/{survey.pk}/visit/",
            f"/evaluation/{survey.pk}/rate/",
        )
    )
    assert got == ROLES[(role, scope)]


def test_anonymous(open_survey, client):
    survey, _codes = open_survey
    assert client.get("/evaluation/").status_code == 302
    assert client.get(f"/api/evaluation/{survey.pk}/results/").status_code == 401
    assert client.get("/evaluation/answer/").status_code == 200


def test_resident_answers_through_the_link_once(open_survey, client):
    survey, codes = open_survey
    code = next(iter(codes.values()))
    page = client.get(f"/evaluation/answer/?code={code}")
    assert page.status_code == 200 and 'name="q_7"' in page.content.decode()
    r = client.post(
        "/evaluation/answer/", {"code": code, "submit": "1", **{f"q_{k}": v for k, v in answers().items()}}
    )
    assert 'data-testid="thanks"' in r.content.decode()
    assert client.get(f"/evaluation/answer/?code={code}").status_code == 400
    r = client.post(
        "/api/evaluation/answer/", {"code": code, "answers": answers()}, content_type="application/json"
    )
    assert r.status_code == 400 and r.json()["code"] == "code_invalid"
    assert Response.objects.count() == 1


def test_worker_records_a_visit_in_own_community_only(open_survey, client, community_worker, make_user):
    survey, _codes = open_survey
    client.force_login(community_worker)
    mine = SampleHousehold.objects.filter(community_id=JUNMEN).first()
    theirs = SampleHousehold.objects.filter(community_id=DACHENG).first()
    data = {f"q_{k}": v for k, v in answers().items()}
    assert client.post(f"/evaluation/{survey.pk}/visit/", {"sample": theirs.pk, **data}).status_code == 404
    assert client.post(f"/evaluation/{survey.pk}/visit/", {"sample": mine.pk, **data}).status_code == 302
    assert Response.objects.get().channel == "visit"


def test_builder_page(now, office, client):
    client.force_login(office)
    r = client.post("/evaluation/new/", {"title": "问卷", "target": "community", "year": "2026"})
    assert r.status_code == 302
    url = r["Location"]
    client.post(url, {"action": "question", "text": "附加题", "kind": "yesno"})
    html = client.get(url).content.decode()
    assert "附加题" in html and html.count("<li>") >= 8


def test_bad_input_is_refused_without_a_500(open_survey, client, community_worker, make_user, office):
    survey, _codes = open_survey
    client.force_login(community_worker)
    assert client.post(f"/evaluation/{survey.pk}/visit/", {"sample": "abc"}).status_code == 404
    assert (
        client.post("/evaluation/new/", {"title": "x", "target": "community", "year": "x"}).status_code == 403
    )
    client.force_login(make_user("community_head", JUNMEN))
    assert client.post(f"/evaluation/{survey.pk}/rate/", {"department": "1e9"}).status_code == 404
    client.force_login(office)
    assert (
        client.post("/evaluation/new/", {"title": "x", "target": "community", "year": "x"}).status_code == 302
    )
    r = client.post(f"/evaluation/{survey.pk}/", {"action": "sample", "per_community": "lots"})
    assert r.status_code in (400, 409)


def _draft_survey(office):
    from gongzhi.evaluation import services

    from .conftest import make_households

    make_households(JUNMEN, 12)
    make_households(DACHENG, 6)
    return services.survey_create(
        region="350102", title="=居民评社区", target="community", year=2026, by=office
    )


def test_codes_are_shown_once_with_the_household_to_give_them_to(now, office, client):
    from gongzhi.evaluation.services import code_hash

    survey = _draft_survey(office)
    client.force_login(office)
    html = client.post(
        f"/evaluation/{survey.pk}/", {"action": "sample", "per_community": "5"}
    ).content.decode()
    sample = SampleHousehold.objects.filter(survey=survey).select_related("household")
    assert sample.count() == 10
    for s in sample:
        assert s.household.number in html
    shown = set(re.findall(r"<code>([A-Z0-9]{10})</code>", html))
    assert {code_hash(c) for c in shown} == {s.code_hash for s in sample}
    again = client.get(f"/evaluation/{survey.pk}/").content.decode()
    assert not any(c in again for c in shown)


def test_more_codes_than_a_page_holds_come_as_a_workbook_with_every_one(now, office, client, monkeypatch):
    import io

    import openpyxl

    from gongzhi.evaluation import selectors
    from gongzhi.evaluation.services import code_hash

    monkeypatch.setattr(selectors, "SLIPS_ON_PAGE", 7)
    survey = _draft_survey(office)
    client.force_login(office)
    r = client.post(f"/evaluation/{survey.pk}/", {"action": "sample", "per_community": "5"})
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "社区" and "=居民评社区" in rows[0][2]
    assert sheet["C1"].data_type == "s"  # a title starting with = stays text
    codes = {row[2] for row in rows[1:]}
    assert len(codes) == 10
    assert {code_hash(c) for c in codes} == set(
        SampleHousehold.objects.filter(survey=survey).values_list("code_hash", flat=True)
    )
