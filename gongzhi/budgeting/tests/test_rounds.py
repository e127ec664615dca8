"""微实事 rounds: phases gate every step (guard agreement), one ballot per voter, ballot rules,
roll refusals, tallies recomputed equal stored results, export/import round trip, role matrix."""

from __future__ import annotations

import datetime as dt

import pytest

from gongzhi.budgeting import pabulib
from gongzhi.budgeting import services as s
from gongzhi.budgeting.models import Ballot, Round, Voted
from gongzhi.budgeting.tally import tally
from gongzhi.budgeting.workflow import ROUND
from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError

from .conftest import JUNMEN

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_(staff, junmen):
    r = s.round_create(by=staff, region=junmen, title="微实事", budget=100, max_choices=2)
    for title, cost in [("A", 60), ("B", 50), ("C", 40)]:
        s.project_propose(by=staff, round=r, title=title, cost=cost)
    return r


def _to_voting(r, staff):
    s.round_advance(by=staff, round=r, step="start_review")
    for p in r.projects.all():
        s.project_review(by=staff, project=p, feasible=True)
    return s.round_advance(by=staff, round=r, step="start_voting")


def test_phases_gate_steps_and_voting_needs_review(round_, staff, make_resident):
    voter = make_resident()
    with pytest.raises(ApplicationError) as exc:
        s.budget_ballot_cast(by=voter, round=round_, project_ids=[round_.projects.first().pk])
    assert exc.value.code == "wrong_phase"
    s.round_advance(by=staff, round=round_, step="start_review")
    with pytest.raises(ApplicationError) as exc:
        s.round_advance(by=staff, round=round_, step="start_voting")
    assert exc.value.code in ("no_feasible", "review_pending")
    with pytest.raises(ApplicationError) as exc:
        s.project_review(by=staff, project=round_.projects.first(), feasible=False, reason="")
    assert exc.value.code == "reason_required"
    with pytest.raises(ApplicationError):
        s.project_propose(by=voter, round=round_, title="晚了", cost=10)
    assert Round.objects.get(pk=round_.pk).phase == "review"


def test_one_ballot_per_voter_and_ballot_rules(round_, staff, make_resident):
    voter = make_resident()
    r = _to_voting(round_, staff)
    ids = list(r.projects.values_list("id", flat=True))
    with pytest.raises(ApplicationError) as exc:
        s.budget_ballot_cast(by=voter, round=r, project_ids=ids)  # 3 > max 2
    assert exc.value.code == "too_many"
    with pytest.raises(ApplicationError) as exc:
        s.budget_ballot_cast(by=voter, round=r, project_ids=[999999])
    assert exc.value.code == "bad_choice"
    s.budget_ballot_cast(by=voter, round=r, project_ids=ids[:2])
    with pytest.raises(ApplicationError) as exc:
        s.budget_ballot_cast(by=voter, round=r, project_ids=ids[:1])
    assert exc.value.code == "already_voted"
    assert Ballot.objects.count() == Voted.objects.count() == 1
    assert not hasattr(Ballot, "voter")  # the ballot carries no voter


def test_knapsack_bounds(staff, junmen, make_resident):
    voter = make_resident()
    r = s.round_create(by=staff, region=junmen, title="k", budget=100, ballot_kind="knapsack")
    for title, cost in [("A", 60), ("B", 50), ("C", 30)]:
        s.project_propose(by=staff, round=r, title=title, cost=cost)
    r = _to_voting(r, staff)
    a, b, c = r.projects.order_by("id").values_list("id", flat=True)
    for ids, code in [([a, b], "over_budget"), ([c], "under_spend")]:
        with pytest.raises(ApplicationError) as exc:
            s.budget_ballot_cast(by=voter, round=r, project_ids=ids)
        assert exc.value.code == code
    s.budget_ballot_cast(by=voter, round=r, project_ids=[a, c])


def test_roll_refusals(round_, staff, make_resident, other_community):
    young = make_resident(birth=clock.now().date() - dt.timedelta(days=365 * 12))
    outsider = make_resident(community=other_community.code)
    r = _to_voting(round_, staff)
    late = make_resident()
    pid = [r.projects.first().pk]
    for user, code in [(young, "under_age"), (late, "not_in_roll")]:
        with pytest.raises(ApplicationError) as exc:
            s.budget_ballot_cast(by=user, round=r, project_ids=pid)
        assert exc.value.code == code
    assert s.roll_refusal(r, outsider).code == "outside_region"


def test_tally_recomputed_equals_stored_and_explains(round_, staff, make_resident):
    voters = [make_resident() for _ in range(3)]
    r = _to_voting(round_, staff)
    a, b, c = r.projects.order_by("id").values_list("id", flat=True)
    for v, ids in zip(voters, [[a, b], [a, b], [b, c]], strict=True):
        s.budget_ballot_cast(by=v, round=r, project_ids=ids)
    r = s.round_advance(by=staff, round=r, step="tally")
    assert r.results == s.round_tally(r)
    row = r.results["projects"]
    assert (
        row[str(b)]["selected"] and not row[str(a)]["selected"]
    )  # B 3 votes (50), A 60 > 50 left, C 40 fits
    assert row[str(a)]["why"] == "票数第 2，但剩余预算 50 元 不足其 60 元"
    with pytest.raises(ApplicationError) as exc:  # ballots cannot be added after the phase closes
        s.budget_ballot_cast(by=make_resident(), round=r, project_ids=[a])
    assert exc.value.code == "wrong_phase"
    # Export as .pb, read it back, tally with its rule: the same selection.
    e = pabulib.parse(s.round_export_pb(r))
    assert tally(e).selected == e.selected_in_file() == [str(p) for p in (b, c)]


def test_paper_ballots_once(round_, staff, make_resident):
    voter = make_resident()
    r = _to_voting(round_, staff)
    key = f"p:{voter.person_id}"
    pid = r.projects.first().pk
    s.budget_paper_ballots_record(by=staff, round=r, entries=[(key, [pid])])
    with pytest.raises(ApplicationError) as exc:
        s.budget_paper_ballots_record(by=staff, round=r, entries=[(key, [pid])])
    assert exc.value.code == "already_voted"
    with pytest.raises(ApplicationError) as exc:
        s.budget_ballot_cast(by=voter, round=r, project_ids=[pid])
    assert exc.value.code == "already_voted"
    assert Ballot.objects.count() == 1


PHASES = ["collect", "review", "voting", "results", "implementation"]


@pytest.mark.parametrize("phase", PHASES)
def test_guard_agreement(phase, round_, staff, make_user, make_resident, client):
    r = round_
    if phase != "collect":
        s.round_advance(by=staff, round=r, step="start_review")
    if phase in ("voting", "results", "implementation"):
        for p in r.projects.all():
            s.project_review(by=staff, project=p, feasible=True)
        s.round_advance(by=staff, round=r, step="start_voting")
    if phase in ("results", "implementation"):
        s.round_advance(by=staff, round=r, step="tally")
    if phase == "implementation":
        s.round_advance(by=staff, round=r, step="implement")
    r = Round.objects.get(pk=r.pk)
    for user in [make_resident(), staff, make_user("grid_worker", JUNMEN)]:
        allowed = ROUND.allowed(r, user)
        client.force_login(user)
        html = client.get(f"/budgeting/{r.pk}/").content.decode()
        for step in ["propose", "start_review", "start_voting", "tally", "implement", "vote"]:
            assert (f'data-action="{step}"' in html) == (step in allowed), (phase, user, step)


@pytest.mark.parametrize(
    "role,scope,page,export",
    [
        ("resident", JUNMEN, 200, 404),
        ("community_worker", JUNMEN, 200, 200),
        ("street_staff", "350102004", 200, 200),
        ("community_worker", "OTHER", 404, 404),
        ("department_staff", "350102", 404, 404),
    ],
)
def test_role_matrix(role, scope, page, export, round_, make_user, client, other_community):
    client.force_login(make_user(role, other_community.code if scope == "OTHER" else scope))
    assert client.get(f"/budgeting/{round_.pk}/").status_code == page
    assert client.get(f"/budgeting/{round_.pk}/export.pb").status_code == export


def test_anonymous_redirected(round_, client):
    assert client.get(f"/budgeting/{round_.pk}/").status_code == 302
