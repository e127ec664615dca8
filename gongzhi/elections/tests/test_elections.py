"""Elections through the services: the roll drawn from the registry (age, hukou or a year's
residence), each person on one roll in the district per term (database constraint), the roll's
publication period and objections, nominations and acceptance, candidates' publication,
votes, results by the rule, and turnout recomputed equals stored. Each refusal changes nothing."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError, PermissionDenied
from gongzhi.core.models import Region
from gongzhi.elections import selectors, services
from gongzhi.elections.models import Candidate, Election, Objection, VoterEntry

from .conftest import (
    CANDIDATES,
    CREATED,
    DAY,
    DRAWN,
    NOMINATING,
    OBJECTING,
    OTHER,
    PUBLISHED,
    C,
    at,
    election_in,
    make_election,
)

pytestmark = pytest.mark.django_db


def _code(fn, *args, **kwargs) -> str:
    with pytest.raises(ApplicationError) as err:
        fn(*args, **kwargs)
    return err.value.code


def _snapshot(e: Election) -> tuple:
    e.refresh_from_db()
    return (
        e.state,
        e.registered,
        e.voted,
        VoterEntry.objects.filter(election=e).count(),
        list(Objection.objects.filter(election=e).values_list("state", flat=True)),
        list(Candidate.objects.filter(election=e).values_list("state", "votes", "elected")),
    )


def test_roll_is_drawn_from_the_registry(w):
    e = make_election(w)
    with clock.at(at(DRAWN)):
        out = services.roll_draw(election=e, by=w["head"])
        on = set(VoterEntry.objects.filter(election=e).values_list("person_id", flat=True))
        assert on == {w["adult"].pk, w["just18"].pk, w["settled_migrant"].pk} | {p.pk for p in w["voters"]}
        assert out == {"registered": 12, "skipped": 0}
        assert _code(services.roll_draw, election=e, by=w["head"]) == "roll_drawn"
    e.refresh_from_db()
    assert e.state == "draft" and e.roll_drawn_at is not None


def test_each_person_on_one_roll_in_the_district(w):
    e = make_election(w)
    with clock.at(at(DRAWN)):
        services.roll_draw(election=e, by=w["head"])
    other = make_election(w, OTHER, "other_head")
    with pytest.raises(IntegrityError), transaction.atomic():
        VoterEntry.objects.create(
            community_id=OTHER,
            election=other,
            person=w["adult"],
            district="350102",
            term="2026",
            basis="hukou",
        )
    # The person moved to 大根社区 after the first roll: the second draw leaves them off.
    w["adult"].community_id = OTHER
    w["adult"].save(update_fields=["community"])
    with clock.at(at(DRAWN)):
        out = services.roll_draw(election=other, by=w["other_head"])
    assert out == {"registered": 1, "skipped": 1}


def test_only_the_head_or_street_manage_and_bad_input_is_refused(w):
    with clock.at(at(CREATED)):
        with pytest.raises(PermissionDenied):
            make_election(w, C, "worker")
        community = Region.objects.get(code=C)
        base = {"community": community, "term": "2026", "held_on": DAY, "seats": 7, "method": "direct"}
        for change, code in (
            ({"term": "26"}, "bad_term"),
            ({"seats": 12}, "bad_seats"),
            ({"method": "lottery"}, "bad_method"),
            ({"held_on": CREATED.replace(day=1)}, "past_date"),
        ):
            assert _code(services.election_create, **{**base, **change}, by=w["head"]) == code
    assert not Election.objects.exists()


def test_publication_needs_the_roll_and_twenty_days(w):
    e = make_election(w)
    with clock.at(at(DRAWN)):
        assert _code(services.roll_publish, election=e, by=w["head"]) == "no_roll"
        services.roll_draw(election=e, by=w["head"])
    with clock.at(at(DAY.replace(day=1))):  # 17 days before the election
        assert _code(services.roll_publish, election=e, by=w["head"]) == "too_late_for_roll"
    with clock.at(at(PUBLISHED)):
        services.roll_publish(election=e, by=w["head"])
    e.refresh_from_db()
    assert (e.state, e.roll_published_on, str(e.objections_until)) == ("published", PUBLISHED, "2026-04-25")


def test_residents_object_during_the_period_only(w):
    e = election_in("published", w)
    before = Objection.objects.count()
    with clock.at(at(OBJECTING)):
        o = services.objection_file(
            election=e, by=w["nominee"], kind="omitted", reason="邻居漏登", subject_name="王大爷"
        )
        assert (o.answer_due.isoformat(), o.subject_id, o.state) == ("2026-04-25", None, "pending")
        # Staff do not object; a resident of another community cannot; an empty reason is refused.
        with pytest.raises(PermissionDenied):
            services.objection_file(election=e, by=w["worker"], kind="omitted", reason="x", about_self=True)
        with pytest.raises(PermissionDenied):
            services.objection_file(
                election=e, by=w["other_resident"], kind="omitted", reason="x", about_self=True
            )
        assert _code(services.objection_file, election=e, by=w["resident"], kind="omitted", reason=" ") == (
            "reason_required"
        )
        assert _code(
            services.objection_file, election=e, by=w["resident"], kind="other", reason="x", about_self=True
        ) == ("bad_kind")
    with clock.at(at(PUBLISHED.replace(day=26))):
        assert _code(
            services.objection_file, election=e, by=w["resident"], kind="omitted", reason="x", about_self=True
        ) == ("objections_closed")
    assert Objection.objects.count() == before + 1


def test_an_upheld_objection_corrects_the_roll_and_the_count(w):
    e = election_in("published", w)
    with clock.at(at(OBJECTING)):
        left_off = services.objection_file(
            election=e, by=w["resident"], kind="omitted", reason="租住满一年", subject_name="新邻居"
        )
        wrongly = services.objection_file(
            election=e, by=w["resident"], kind="wrongly_included", reason="已去世", subject_name="张某"
        )
    with clock.at(at(OBJECTING, 15)):
        before = _snapshot(e)
        # Refusals change nothing: no person named, a minor, someone not on the roll, a candidate.
        assert (
            _code(services.objection_uphold, objection=left_off, by=w["head"], answer="核实")
            == "person_required"
        )
        assert (
            _code(
                services.objection_uphold,
                objection=left_off,
                by=w["head"],
                answer="核实",
                person_id=w["minor"].pk,
            )
            == "not_eligible"
        )
        assert (
            _code(
                services.objection_uphold,
                objection=wrongly,
                by=w["head"],
                answer="核实",
                person_id=w["minor"].pk,
            )
            == "not_on_roll"
        )
        assert (
            _code(
                services.objection_uphold,
                objection=wrongly,
                by=w["head"],
                answer="核实",
                person_id=w["voters"][0].pk,
            )
            == "is_candidate"
        )
        assert (
            _code(services.objection_dismiss, objection=wrongly, by=w["head"], answer="") == "answer_required"
        )
        with pytest.raises(PermissionDenied):
            services.objection_dismiss(objection=wrongly, by=w["worker"], answer="不成立")
        assert _snapshot(e) == before

        services.objection_uphold(
            objection=left_off, by=w["head"], answer="已核实，补登", person_id=w["new_migrant"].pk
        )
        services.objection_uphold(
            objection=wrongly, by=w["head"], answer="已核实，移出", person_id=w["settled_migrant"].pk
        )
        assert _code(services.objection_dismiss, objection=wrongly, by=w["head"], answer="再次") == (
            "objection_handled"
        )
    e.refresh_from_db()
    roll = set(VoterEntry.objects.filter(election=e).values_list("person_id", flat=True))
    assert w["new_migrant"].pk in roll and w["settled_migrant"].pk not in roll
    assert e.registered == 12 and services.turnout_verify() == []
    left_off.refresh_from_db()
    assert (left_off.state, left_off.roll_change, left_off.subject_id) == (
        "upheld",
        "added",
        w["new_migrant"].pk,
    )


def test_nominations_come_from_the_roll_and_the_nominee_answers(w):
    e = election_in("published", w)
    entry = VoterEntry.objects.get(election=e, person=w["adult"])
    with clock.at(at(NOMINATING)):
        assert _code(
            services.candidate_nominate, election=e, by=w["head"], entry_id=999999, basis="self"
        ) == ("not_on_roll")
        assert _code(
            services.candidate_nominate,
            election=e,
            by=w["head"],
            entry_id=entry.pk,
            basis="joint",
            supporters=9,
        ) == ("too_few_supporters")
        c = services.candidate_nominate(
            election=e, by=w["head"], entry_id=entry.pk, basis="joint", supporters=10
        )
        assert _code(
            services.candidate_nominate, election=e, by=w["head"], entry_id=entry.pk, basis="self"
        ) == ("already_nominated")
        # Only the nominee (or the committee for them) answers.
        with pytest.raises(PermissionDenied):
            services.candidate_accept(candidate=c, by=w["nominee"])
        with pytest.raises(PermissionDenied):
            services.candidate_accept(candidate=c, by=w["worker"])
        services.candidate_accept(candidate=c, by=w["resident"])
        assert _code(services.candidate_decline, candidate=c, by=w["resident"]) == "candidate_answered"
    c.refresh_from_db()
    assert c.state == "accepted" and c.responded_at is not None


def test_candidates_are_published_after_the_objections_with_more_than_the_seats(w):
    e = election_in("published", w)
    cands = list(Candidate.objects.filter(election=e))
    with clock.at(at(OBJECTING)):
        assert _code(services.candidates_publish, election=e, by=w["head"]) == "objections_still_open"
    with clock.at(at(NOMINATING)):
        assert _code(services.candidates_publish, election=e, by=w["head"]) == "objections_pending"
        for o in Objection.objects.filter(election=e):
            services.objection_dismiss(objection=o, by=w["head"], answer="无误")
        for c in cands[:3]:
            services.candidate_accept(candidate=c, by=w["head"])
        # Three accepted for three seats: 差额选举 needs more.
        assert _code(services.candidates_publish, election=e, by=w["head"]) == "too_few_candidates"
        services.candidate_accept(candidate=cands[3], by=w["head"])
    with clock.at(at(DAY.replace(day=15))):
        assert _code(services.candidates_publish, election=e, by=w["head"]) == "too_late_for_candidates"
    with clock.at(at(CANDIDATES)):
        services.candidates_publish(election=e, by=w["head"])
    e.refresh_from_db()
    assert e.state == "candidates" and e.candidates_published_on == CANDIDATES


def test_votes_on_election_day_and_turnout_recomputed_equals_stored(w):
    e = election_in("candidates", w)
    entries = dict(VoterEntry.objects.filter(election=e).values_list("person_id", "pk"))
    with clock.at(at(DAY.replace(day=17))):
        assert _code(services.votes_record, election=e, by=w["head"], person_ids=[w["adult"].pk]) == (
            "not_yet_election_day"
        )
    with clock.at(at(DAY, 12)):
        assert (
            services.votes_record(election=e, person_ids=[w["adult"].pk, w["just18"].pk], by=w["head"]) == 2
        )
        assert (
            services.votes_record(election=e, person_ids=[w["adult"].pk], by=w["head"]) == 0
        )  # twice counts once
        assert services.votes_record(election=e, numbers=[entries[w["voters"][0].pk]], by=w["head"]) == 1
        assert (
            _code(services.votes_record, election=e, person_ids=[w["minor"].pk], by=w["head"])
            == "not_on_roll"
        )
        assert _code(services.votes_record, election=e, numbers=[999999], by=w["head"]) == "bad_voter_numbers"
        with pytest.raises(ApplicationError):
            services.parse_numbers("12, 1x")
        assert services.parse_numbers("12，13 14\n15") == [12, 13, 14, 15]
    e.refresh_from_db()
    assert (e.registered, e.voted, e.turnout) == (12, 3, 25.0)
    assert services.turnout_verify() == []
    Election.objects.filter(pk=e.pk).update(voted=4)  # a typed-in figure is caught
    assert services.turnout_verify() == [e.pk]


def test_results_follow_the_rule(w):
    e = election_in("candidates", w)
    accepted = list(Candidate.objects.filter(election=e, state="accepted").order_by("pk"))
    entries = list(VoterEntry.objects.filter(election=e).values_list("pk", flat=True))
    with clock.at(at(DAY, 18)):
        assert _code(services.results_record, election=e, by=w["head"], votes={}) == "no_votes"
        services.votes_record(election=e, by=w["head"], numbers=entries[:9])
        before = _snapshot(e)
        good = {c.pk: v for c, v in zip(accepted, (9, 8, 6, 3), strict=True)}
        assert _code(
            services.results_record, election=e, by=w["head"], votes={**good, accepted[0].pk: 10}
        ) == ("bad_votes")
        assert _code(
            services.results_record, election=e, by=w["head"], votes=dict(list(good.items())[:3])
        ) == ("bad_votes")
        too_many = {c.pk: v for c, v in zip(accepted, (9, 9, 9, 1), strict=True)}
        assert _code(services.results_record, election=e, by=w["head"], votes=too_many) == "too_many_votes"
        assert _snapshot(e) == before
        services.results_record(election=e, by=w["head"], votes=good)
    e.refresh_from_db()
    assert e.state == "closed" and e.valid
    assert [c.pk for c in Candidate.objects.filter(election=e, elected=True).order_by("pk")] == [
        c.pk for c in accepted[:3]
    ]
    assert _code(services.results_record, election=e, by=w["head"], votes=good) == "wrong_state"
    r = selectors.results(election=e)
    assert r["unfilled"] == 0 and r["turnout"] == 75.0
    figure = selectors.turnout(user=w["street"])
    assert figure.value == 75.0 and figure.records == [("军门社区", "2026", 12, 9, 75.0)]


@pytest.mark.parametrize(
    "votes,seats,voted,valid,elected",
    [
        ({1: 9, 2: 8, 3: 7, 4: 6}, 3, 9, True, {1, 2, 3}),
        ({1: 9, 2: 8, 3: 4, 4: 3}, 3, 9, True, {1, 2}),  # 4 of 9 is not more than half
        ({1: 9, 2: 7, 3: 7, 4: 6}, 2, 9, True, {1}),  # a tie for the last seat: a further ballot
        ({1: 9, 2: 8, 3: 7, 4: 7}, 3, 9, True, {1, 2}),
        ({1: 9, 2: 8, 3: 7, 4: 6}, 3, 9, False, set()),  # fewer than half the voters took part
    ],
)
def test_who_is_elected(votes, seats, voted, valid, elected):
    assert services.elected_of(votes, seats=seats, voted=voted, valid=valid) == elected
