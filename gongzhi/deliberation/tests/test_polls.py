"""Polls: the frozen roll, eligibility refusals with their reasons, online and paper ballots never
both, secret ballots unlinked, tallies recomputed equal stored results, art. 278, role matrix."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError
from gongzhi.deliberation import poll_services as ps
from gongzhi.deliberation.polls import Ballot, VoteRecord

from .conftest import JUNMEN

pytestmark = pytest.mark.django_db


def _poll(council, staff, kind="resident", **kw):
    poll = ps.poll_create(
        by=staff,
        council=council,
        title="增设充电棚",
        kind=kind,
        options=["同意", "不同意"],
        closes_at=clock.now() + dt.timedelta(days=3),
        **kw,
    )
    return poll


def _opt(poll, i=0):
    return poll.options.all()[i].pk


def test_online_then_paper_refused_and_code_works_once(council, staff, make_resident):
    voter, other = make_resident(), make_resident()
    poll = _poll(council, staff)
    ps.poll_open(by=staff, poll=poll)
    codes = dict(ps.paper_codes_issue(by=staff, poll=poll))
    assert len(codes) == poll.roll.count() == 2
    assert not poll.paper_codes.filter(code_hash__in=list(codes.values())).exists()  # only hashes kept
    ps.ballot_cast(by=voter, poll=poll, option_id=_opt(poll))
    with pytest.raises(ApplicationError) as exc:
        ps.paper_ballot_enter(
            by=staff, poll=poll, code=codes[f"p:{voter.person_id}"], option_id=_opt(poll, 1)
        )
    assert exc.value.code == "already_voted"
    code = codes[f"p:{other.person_id}"]
    ps.paper_ballot_enter(by=staff, poll=poll, code=code.lower(), option_id=_opt(poll, 1))
    with pytest.raises(ApplicationError) as exc:
        ps.paper_ballot_enter(by=staff, poll=poll, code=code, option_id=_opt(poll, 0))
    assert exc.value.code == "code_used"
    with pytest.raises(ApplicationError) as exc:  # online after paper
        ps.ballot_cast(by=other, poll=poll, option_id=_opt(poll))
    assert exc.value.code == "already_voted"
    with pytest.raises(ApplicationError) as exc:
        ps.paper_ballot_enter(by=staff, poll=poll, code="WRONGCODE1", option_id=_opt(poll))
    assert exc.value.code == "bad_code"
    assert Ballot.objects.filter(poll=poll).count() == VoteRecord.objects.filter(poll=poll).count() == 2


def test_refusals_say_why(council, staff, make_resident, make_user, other_community):
    poll = _poll(council, staff, min_age=18)
    young = make_resident(birth=clock.now().date() - dt.timedelta(days=365 * 16))
    outsider = make_resident(community=other_community.code)
    nobody = make_user("resident", JUNMEN)
    ps.poll_open(by=staff, poll=poll)
    late = make_resident()  # moved in after voting opened: the roll is frozen
    cases = [(young, "under_age"), (nobody, "no_person"), (late, "not_in_roll")]
    for user, code in cases:
        with pytest.raises(ApplicationError) as exc:
            ps.ballot_cast(by=user, poll=poll, option_id=_opt(poll))
        assert exc.value.code == code
    from gongzhi.deliberation.eligibility import roll_refusal

    assert roll_refusal(poll, outsider).code == "outside_region"
    assert not Ballot.objects.exists()


def test_bad_option_and_closed_poll(council, staff, make_resident):
    voter = make_resident()
    poll = _poll(council, staff)
    with pytest.raises(ApplicationError) as exc:
        ps.ballot_cast(by=voter, poll=poll, option_id=_opt(poll))
    assert exc.value.code == "poll_wrong_state"
    ps.poll_open(by=staff, poll=poll)
    with pytest.raises(ApplicationError) as exc:
        ps.ballot_cast(by=voter, poll=poll, option_id="x")
    assert exc.value.code == "bad_option"
    with clock.at(poll.closes_at + dt.timedelta(minutes=1)), pytest.raises(ApplicationError) as exc:
        ps.ballot_cast(by=voter, poll=poll, option_id=_opt(poll))
    assert exc.value.code == "poll_closed"
    assert not VoteRecord.objects.exists()


def test_household_poll_one_vote_per_household_and_secret(council, staff, make_resident):
    from gongzhi.registry.models import HouseholdMember

    a = make_resident()
    b = make_resident(household=HouseholdMember.objects.get(person=a.person).household)
    poll = _poll(council, staff, kind="household", secret=True)
    ps.poll_open(by=staff, poll=poll)
    ps.ballot_cast(by=a, poll=poll, option_id=_opt(poll))
    with pytest.raises(ApplicationError) as exc:
        ps.ballot_cast(by=b, poll=poll, option_id=_opt(poll))
    assert exc.value.code == "already_voted"
    assert list(Ballot.objects.filter(poll=poll).values_list("voter", flat=True)) == [
        ""
    ]  # no link to the voter


def test_tally_recomputed_equals_stored_and_ballots_frozen_after_close(council, staff, make_resident):
    voters = [make_resident() for _ in range(3)]
    poll = _poll(council, staff)
    ps.poll_open(by=staff, poll=poll)
    for i, v in enumerate(voters):
        ps.ballot_cast(by=v, poll=poll, option_id=_opt(poll, i % 2))
    poll = ps.poll_close(by=staff, poll=poll)
    assert poll.results == ps.poll_tally(poll)
    assert [o["votes"] for o in poll.results["options"]] == [2, 1]
    with pytest.raises(ApplicationError) as exc:
        ps.ballot_cast(by=voters[0], poll=poll, option_id=_opt(poll))
    assert exc.value.code == "poll_wrong_state"


def test_member_poll(council, staff, make_resident):
    from gongzhi.deliberation import services as s

    member, outsider = make_resident(), make_resident()
    s.council_member_add(
        by=staff,
        council=council,
        kind="resident_rep",
        name="张三",
        person=member.person,
        term_start=dt.date(2026, 1, 1),
        term_end=dt.date(2028, 12, 31),
    )
    poll = _poll(council, staff, kind="member")
    ps.poll_open(by=staff, poll=poll)
    ps.ballot_cast(by=member, poll=poll, option_id=_opt(poll))
    with pytest.raises(ApplicationError) as exc:
        ps.ballot_cast(by=outsider, poll=poll, option_id=_opt(poll))
    assert exc.value.code == "not_member"


def _owners(estate_area_shares):
    """Dwellings in one estate with their owners: [(area, [share, ...]), ...] → (estate, [[user...]])."""
    from gongzhi.registry.models import DwellingOwner
    from tests.factories import BuildingFactory, DwellingFactory, EstateFactory, PersonFactory

    estate = EstateFactory()
    building = BuildingFactory(estate=estate)
    people = []
    for area, shares in estate_area_shares:
        d = DwellingFactory(building=building, area=Decimal(area))
        row = []
        for share in shares:
            p = PersonFactory()
            DwellingOwner.objects.create(
                dwelling=d, person=p, share=Decimal(share), community_id=d.community_id
            )
            row.append(p)
        people.append(row)
    return estate, people


@pytest.mark.parametrize(
    "major,votes,participation,adopted",
    [
        # 4 owners, 400 m²: three take part with 300 m² (≥ 2/3 of both), 2 agree with 200 m² (> 1/2).
        (False, {0: 0, 1: 0, 2: 1}, True, True),
        # items 6–8 need 3/4 of participating area and owners: 2 of 3 is not enough.
        (True, {0: 0, 1: 0, 2: 1}, True, False),
        # two owners with 200 m²: 1/2 of the owners, below 2/3 → not valid.
        (False, {0: 0, 1: 0}, False, False),
    ],
)
def test_owners_vote_art_278(council, staff, make_user, major, votes, participation, adopted):
    estate, owners = _owners([("100", ["1"]), ("100", ["1"]), ("100", ["1"]), ("100", ["1"])])
    poll = _poll(council, staff, kind="owner", estate=estate, major_matter=major)
    ps.poll_open(by=staff, poll=poll)
    codes = dict(ps.paper_codes_issue(by=staff, poll=poll))
    for i, option in votes.items():
        ps.paper_ballot_enter(
            by=staff, poll=poll, code=codes[f"p:{owners[i][0].pk}"], option_id=_opt(poll, option)
        )
    poll = ps.poll_close(by=staff, poll=poll)
    a = poll.results["art278"]
    assert (a["participation_met"], a["adopted"]) == (participation, adopted)


def test_owners_are_counted_by_dwelling_as_the_supreme_court_interprets_art_278(council, staff):
    """法释〔2009〕7号 arts. 8–9: co-owners of one dwelling are one owner with its whole area; one
    buyer of several dwellings is one owner; dwellings with no owner count as one together."""
    from gongzhi.registry.models import DwellingOwner
    from tests.factories import DwellingFactory

    estate, owners = _owners([("90", ["0.5", "0.5"]), ("60", ["1"]), ("70", ["1"])])
    # the owner of the 60 m² dwelling also owns the 70 m² one: one owner, 130 m²
    d70 = DwellingOwner.objects.get(person=owners[2][0]).dwelling
    DwellingOwner.objects.filter(dwelling=d70).update(person=owners[1][0])
    owners[2] = [owners[1][0]]
    d90 = DwellingOwner.objects.get(person=owners[0][0]).dwelling
    DwellingFactory(building=d90.building, area=Decimal("50"))  # unsold: no owner on record
    poll = _poll(council, staff, kind="owner", estate=estate)
    ps.poll_open(by=staff, poll=poll)
    weights = dict(poll.roll.values_list("voter", "weight_area"))
    assert weights == {f"o:{d90.pk}": Decimal("90.00"), f"p:{owners[1][0].pk}": Decimal("130.00")}
    poll = ps.poll_close(by=staff, poll=poll)
    a = poll.results["art278"]
    assert a["total_owners"] == 3 and Decimal(a["total_area"]) == Decimal("270")


def test_co_owners_cast_one_vote_between_them(council, staff, make_user):
    from gongzhi.core.errors import ApplicationError as Refused

    estate, owners = _owners([("90", ["0.5", "0.5"]), ("60", ["1"]), ("30", ["1"])])
    poll = _poll(council, staff, kind="owner", estate=estate)
    ps.poll_open(by=staff, poll=poll)

    def account(person):
        user = make_user("resident", JUNMEN)
        user.person = person
        user.save(update_fields=["person"])
        return user

    first, second = (account(p) for p in owners[0])
    ps.ballot_cast(by=first, poll=poll, option_id=_opt(poll, 0))
    with pytest.raises(Refused) as exc:
        ps.ballot_cast(by=second, poll=poll, option_id=_opt(poll, 1))
    assert exc.value.code == "already_voted"
    ps.ballot_cast(by=account(owners[1][0]), poll=poll, option_id=_opt(poll, 0))
    poll = ps.poll_close(by=staff, poll=poll)
    a = poll.results["art278"]
    # two of three owners (150 of 180 m²) took part and both agreed
    assert (a["voted_owners"], a["voted_area"], a["participation_met"], a["adopted"]) == (
        2,
        "150.00",
        True,
        True,
    )


def test_ownership_shares_cannot_exceed_one(staff):
    from gongzhi.registry.ownership import DwellingOwner, dwelling_owner_set
    from tests.factories import DwellingFactory, PersonFactory

    d = DwellingFactory(area=Decimal("80"))
    dwelling_owner_set(by=staff, dwelling=d, person=PersonFactory(), share=Decimal("0.6"))
    with pytest.raises(ApplicationError) as exc:
        dwelling_owner_set(by=staff, dwelling=d, person=PersonFactory(), share=Decimal("0.5"))
    assert exc.value.code == "owner_share_total"
    assert DwellingOwner.objects.count() == 1


@pytest.mark.parametrize(
    "role,scope,status",
    [
        ("resident", JUNMEN, 200),
        ("community_worker", JUNMEN, 200),
        ("street_staff", "350102004", 200),
        ("community_worker", "OTHER", 404),
        ("department_staff", "350102", 404),
    ],
)
def test_poll_page_role_matrix(role, scope, status, council, staff, make_user, client, other_community):
    poll = _poll(council, staff)
    ps.poll_open(by=staff, poll=poll)
    client.force_login(make_user(role, other_community.code if scope == "OTHER" else scope))
    assert client.get(f"/deliberation/poll/{poll.pk}/").status_code == status
    assert client.get(f"/api/deliberation/polls/{poll.pk}").status_code == status


def test_phone_vote_page(council, staff, make_resident, client):
    voter = make_resident()
    poll = _poll(council, staff)
    ps.poll_open(by=staff, poll=poll)
    client.force_login(voter)
    assert 'data-action="vote"' in client.get(f"/deliberation/poll/{poll.pk}/").content.decode()
    client.post(f"/deliberation/poll/{poll.pk}/", {"action": "vote", "option": _opt(poll)})
    page = client.get(f"/deliberation/poll/{poll.pk}/").content.decode()
    assert 'data-action="vote"' not in page and "您已经投过票了" in page
    r = client.post(
        f"/api/deliberation/polls/{poll.pk}/ballot", {"option": _opt(poll)}, content_type="application/json"
    )
    assert r.status_code == 409
    assert client.post(f"/deliberation/poll/{poll.pk}/", {"action": "close"}).status_code == 403
