"""Creating rounds from the page, cumulative-points ballots, the threshold rule, importing a .pb
file from the page (bad file: the line named, nothing created), the API, and the role matrix."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongzhi.budgeting import pabulib
from gongzhi.budgeting import services as s
from gongzhi.budgeting.models import Ballot, Project, Round, Voted
from gongzhi.budgeting.tally import tally
from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError

from .conftest import JUNMEN

pytestmark = pytest.mark.django_db


def _to_voting(r, staff):
    s.round_advance(by=staff, round=r, step="start_review")
    for p in r.projects.all():
        s.project_review(by=staff, project=p, feasible=True)
    return s.round_advance(by=staff, round=r, step="start_voting")


def _round(staff, junmen, costs=(("A", 60), ("B", 50), ("C", 40)), **kw):
    r = s.round_create(by=staff, region=junmen, title="微实事", budget=100, **kw)
    for title, cost in costs:
        s.project_propose(by=staff, round=r, title=title, cost=cost)
    return r


# ------------------------------------------------------------------ creation


def test_create_page_makes_a_round_and_refuses_bad_input(staff, client):
    client.force_login(staff)
    assert client.get("/budgeting/new/").status_code == 200
    base = {
        "region": JUNMEN,
        "title": "2027 微实事",
        "budget": "150000",
        "ballot_kind": "cumulative",
        "max_choices": "3",
        "points": "10",
        "min_spend": "0.7",
        "eligibility": "household",
        "min_age": "16",
        "rule": "greedy-threshold",
        "min_votes": "5",
    }
    for bad, message in [
        ({"budget": "-5"}, "预算须为正整数"),
        ({"budget": "12.5"}, "预算须为正整数"),
        ({"rule": "borda"}, "未知的计票规则"),
        ({"points": "0"}, "可分配分数"),
        ({"min_spend": "1.5"}, "最低使用比例"),
        ({"region": "350103001001"}, "管辖范围内"),
        ({"max_choices": "x"}, "须为整数"),
        ({"voting_closes_at": "2000-01-01T10:00"}, "投票截止时间须晚于现在"),
    ]:
        r = client.post("/budgeting/new/", {**base, **bad}, follow=True)
        assert message in r.content.decode(), bad
        assert Round.objects.count() == 0, bad
    r = client.post("/budgeting/new/", base)
    made = Round.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/budgeting/{made.pk}/"
    assert (made.ballot_kind, made.points, made.rule, made.min_votes, made.eligibility) == (
        "cumulative",
        10,
        "greedy-threshold",
        5,
        "household",
    )


@pytest.mark.parametrize(
    "role,scope,new,import_",
    [
        ("community_worker", JUNMEN, 200, 200),
        ("street_staff", "350102004", 200, 200),
        ("resident", JUNMEN, 403, 403),
        ("grid_worker", JUNMEN, 403, 403),
        ("department_staff", "350102", 403, 403),
    ],
)
def test_role_matrix_creation_pages(role, scope, new, import_, make_user, client):
    client.force_login(make_user(role, scope))
    assert client.get("/budgeting/new/").status_code == new
    assert client.get("/budgeting/import/").status_code == import_


def test_street_round_is_seen_by_the_streets_residents(street_user, make_resident, client):
    from gongzhi.core.models import Region

    r = s.round_create(by=street_user, region=Region.objects.get(code="350102004"), title="街道", budget=10)
    client.force_login(make_resident())
    assert client.get(f"/budgeting/{r.pk}/").status_code == 200


# ------------------------------------------------------------------ cumulative ballots, threshold


def test_cumulative_points_ballots(staff, junmen, make_resident, client):
    v1, v2, v3 = make_resident(), make_resident(), make_resident()
    r = _to_voting(_round(staff, junmen, ballot_kind="cumulative", points=10), staff)
    a, b, c = r.projects.order_by("id").values_list("id", flat=True)
    for bad, code in [
        ({a: 8, b: 3}, "bad_points"),
        ({a: -1, b: 2}, "bad_points"),
        ({999999: 2}, "bad_choice"),
    ]:
        with pytest.raises(ApplicationError) as exc:
            s.budget_ballot_cast(by=v1, round=r, project_ids=bad)
        assert exc.value.code == code
    assert Voted.objects.count() == 0
    s.budget_ballot_cast(by=v1, round=r, project_ids={a: 7, b: 3})
    s.budget_ballot_cast(by=v2, round=r, project_ids={c: 10})
    client.force_login(v3)
    page = client.get(f"/budgeting/{r.pk}/").content.decode()
    assert f'name="points_{a}"' in page and 'type="checkbox"' not in page
    resp = client.post(f"/budgeting/{r.pk}/", {"action": "vote", f"points_{b}": "6", f"points_{c}": "4"})
    assert resp.status_code == 302
    assert sorted(Ballot.objects.values_list("points", flat=True), key=str) == sorted(
        [[7, 3], [10], [6, 4]], key=str
    )
    r = s.round_advance(by=staff, round=r, step="tally")
    votes = {int(p): row["votes"] for p, row in r.results["projects"].items()}
    assert votes == {a: 7, b: 9, c: 14}
    assert r.results == s.round_tally(r)
    # C (14 points, 40) then B (9, 50): 90; A (60) does not fit the 10 left.
    assert sorted(int(p) for p, row in r.results["projects"].items() if row["selected"]) == [b, c]
    e = pabulib.parse(s.round_export_pb(r))
    assert e.vote_type == "cumulative" and tally(e).selected == e.selected_in_file()


def test_greedy_threshold_round(staff, junmen, make_resident):
    voters = [make_resident() for _ in range(3)]
    r = _to_voting(_round(staff, junmen, rule="greedy-threshold", min_votes=2, max_choices=3), staff)
    a, b, c = r.projects.order_by("id").values_list("id", flat=True)
    for voter, ids in zip(voters, ([a, c], [a], [b]), strict=True):
        s.budget_ballot_cast(by=voter, round=r, project_ids=ids)
    r = s.round_advance(by=staff, round=r, step="tally")
    row = r.results["projects"]
    assert row[str(a)]["selected"] and not row[str(c)]["selected"]  # C fits but has 1 < 2 votes
    assert row[str(c)]["why"] == "得票 1，未达最低票数 2"
    e = pabulib.parse(s.round_export_pb(r))
    assert tally(e).selected == e.selected_in_file() == [str(a)]


# ------------------------------------------------------------------ import from the page

GOOD = """META
key;value
description;导入测试
num_projects;3
num_votes;4
budget;100
vote_type;approval
rule;greedy
currency;CNY
PROJECTS
project_id;cost;votes;selected;name
1;60;3;1;健身角
2;50;2;0;充电棚
3;40;2;1;读书角
VOTES
voter_id;vote
v1;1,2
v2;1,3
v3;1
v4;2,3
"""


def _upload(client, text, name="round.pb"):
    return client.post(
        "/budgeting/import/",
        {"region": JUNMEN, "file": SimpleUploadedFile(name, text.encode("utf-8"))},
        follow=True,
    )


def test_import_page_makes_a_finished_round_reproducing_selected(staff, client):
    client.force_login(staff)
    r = _upload(client, GOOD)
    made = Round.objects.get()
    assert made.phase == "results" and made.source == "round.pb" and made.title == "导入测试"
    assert made.results["matches_file"] is True
    assert sorted(Project.objects.filter(selected=True).values_list("title", flat=True)) == [
        "健身角",
        "读书角",
    ]
    assert Ballot.objects.count() == 4 and Voted.objects.count() == 0  # anonymous: no voters
    page = r.content.decode()
    assert "计票结果与文件 selected 列一致" in page and "票数第 2，但剩余预算 40 元 不足其 50 元" in page
    stored = {k: v for k, v in made.results.items() if k not in ("file_selected", "matches_file")}
    assert stored == s.round_tally(made)


@pytest.mark.parametrize(
    "broken,line",
    [
        (GOOD.replace("2;50;2;0;充电棚", "2;五十;2;0;充电棚"), 13),
        (GOOD.replace("v4;2,3", "v4;2,9"), 20),
        (GOOD.replace("budget;100", "budget;-1"), 6),
        (GOOD.replace("budget;100", "budget;100.5"), 6),
        (GOOD.replace("rule;greedy", "rule;borda"), 8),
        (GOOD.replace("3;40;2;1;读书角", "3;0;2;1;读书角"), 14),
        (GOOD.replace("v2;1,3", "v2;1;3"), 18),
    ],
)
def test_bad_file_names_the_line_and_creates_nothing(staff, client, broken, line):
    client.force_login(staff)
    page = _upload(client, broken).content.decode()
    assert f"第 {line} 行" in page, page[page.find("messages") : page.find("messages") + 400]
    assert Round.objects.count() == Project.objects.count() == Ballot.objects.count() == 0


def test_import_refuses_missing_file_and_foreign_region(staff, client):
    client.force_login(staff)
    assert (
        "请选择一个 .pb 文件"
        in client.post("/budgeting/import/", {"region": JUNMEN}, follow=True).content.decode()
    )
    r = client.post(
        "/budgeting/import/",
        {"region": "350103001001", "file": SimpleUploadedFile("x.pb", GOOD.encode())},
        follow=True,
    )
    assert "管辖范围内" in r.content.decode() and Round.objects.count() == 0


def test_import_cumulative_file(staff, client):
    text = (
        GOOD.replace("vote_type;approval", "vote_type;cumulative")
        .replace("voter_id;vote\n", "voter_id;vote;points\n")
        .replace("v1;1,2\n", "v1;1,2;3,2\n")
        .replace("v2;1,3\n", "v2;1,3;1,4\n")
        .replace("v3;1\n", "v3;1;5\n")
        .replace("v4;2,3\n", "v4;2,3;2,3\n")
    )
    client.force_login(staff)
    _upload(client, text)
    made = Round.objects.get()
    assert made.ballot_kind == "cumulative"
    by_title = {p.title: p.votes for p in made.projects.all()}
    assert by_title == {"健身角": 9, "充电棚": 4, "读书角": 7}


# ------------------------------------------------------------------ API


def test_api_ballot(staff, junmen, make_resident, client, make_user, other_community):
    voter, second = make_resident(), make_resident()
    r = _to_voting(_round(staff, junmen, max_choices=2), staff)
    a, b, _c = r.projects.order_by("id").values_list("id", flat=True)
    client.force_login(voter)
    got = client.get(f"/api/budgeting/rounds/{r.pk}").json()
    assert got["allowed_actions"] == ["vote"] and len(got["projects"]) == 3
    resp = client.post(
        f"/api/budgeting/rounds/{r.pk}/ballot", {"projects": [a, b]}, content_type="application/json"
    )
    assert resp.status_code == 201
    resp = client.post(
        f"/api/budgeting/rounds/{r.pk}/ballot", {"projects": [a]}, content_type="application/json"
    )
    assert resp.status_code == 409 and resp.json()["code"] == "already_voted"
    client.force_login(second)
    resp = client.post(
        f"/api/budgeting/rounds/{r.pk}/ballot", {"projects": [a, b, _c]}, content_type="application/json"
    )
    assert resp.status_code == 400 and resp.json()["code"] == "too_many"
    client.force_login(make_user("community_worker", other_community.code))
    assert client.get(f"/api/budgeting/rounds/{r.pk}").status_code == 404
    assert Ballot.objects.count() == 1


def test_voting_closes_at_the_set_time(staff, junmen, make_resident):
    voter = make_resident()
    r = _round(staff, junmen, voting_closes_at=clock.now() + dt.timedelta(days=2))
    r = _to_voting(r, staff)
    with clock.at(r.voting_closes_at + dt.timedelta(seconds=1)):
        with pytest.raises(ApplicationError) as exc:
            s.budget_ballot_cast(by=voter, round=r, project_ids=[r.projects.first().pk])
        assert exc.value.code == "voting_closed"
    assert Ballot.objects.count() == 0
