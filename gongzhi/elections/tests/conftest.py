"""An election of 军门社区 on 18 May 2026 at any point of its course, built through the services
at the dates they happen (clock.at): the roll drawn on 1 April, published on 20 April (objections
until 25 April), candidates published on 1 May, voting on 18 May."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.core import clock
from gongzhi.core.models import Region

C, OTHER = "350102004001", "350102004003"
DAY = dt.date(2026, 5, 18)
CREATED, DRAWN, PUBLISHED, OBJECTING, NOMINATING = (
    dt.date(2026, 3, 20),
    dt.date(2026, 4, 1),
    dt.date(2026, 4, 20),
    dt.date(2026, 4, 22),
    dt.date(2026, 4, 27),
)
CANDIDATES = dt.date(2026, 5, 1)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def w(make_user):
    from gongzhi.registry.models import HouseholdMember
    from tests.factories import HouseholdFactory, PersonFactory

    def person(community, born, kind="registered", joined=None):
        p = PersonFactory(community=Region.objects.get(code=community), birth_date=born, residence_type=kind)
        if joined:
            h = HouseholdFactory(community=Region.objects.get(code=community))
            HouseholdMember.objects.create(
                community_id=community, household=h, person=p, relationship="02", joined_on=joined
            )
        return p

    def resident(community, p):
        u = make_user("resident", community)
        u.person = p
        u.save(update_fields=["person"])
        return u

    voters = [person(C, dt.date(1960 + i, 1, 1)) for i in range(9)]
    people = {
        "adult": person(C, dt.date(1980, 1, 1)),
        "just18": person(C, dt.date(2008, 5, 18)),
        "minor": person(C, dt.date(2008, 5, 19)),
        "settled_migrant": person(C, dt.date(1990, 1, 1), "migrant", joined=dt.date(2025, 1, 1)),
        "new_migrant": person(C, dt.date(1990, 1, 1), "migrant", joined=dt.date(2026, 3, 1)),
        "other_adult": person(OTHER, dt.date(1970, 1, 1)),
    }
    return {
        **people,
        "voters": voters,
        "head": make_user("community_head", C),
        "other_head": make_user("community_head", OTHER),
        "worker": make_user("community_worker", C),
        "grid": make_user("grid_worker", C),
        "street": make_user("street_staff", "350102004"),
        "district": make_user("district_staff", "350102"),
        "resident": resident(C, people["adult"]),
        "nominee": resident(C, voters[0]),
        "other_resident": resident(OTHER, people["other_adult"]),
    }


def make_election(w, community=C, head="head"):
    from gongzhi.elections import services

    with clock.at(at(CREATED)):
        return services.election_create(
            community=Region.objects.get(code=community),
            term="2026",
            held_on=DAY,
            seats=3,
            method="direct",
            by=w[head],
        )


def election_in(state: str, w):
    """An election of 军门社区 in `state`, with one pending objection while published and four
    accepted candidates (three seats) from `candidates` on."""
    from gongzhi.elections import services
    from gongzhi.elections.models import VoterEntry

    e = make_election(w)
    if state == "draft":
        return e
    with clock.at(at(DRAWN)):
        services.roll_draw(election=e, by=w["head"])
    with clock.at(at(PUBLISHED)):
        services.roll_publish(election=e, by=w["head"])
    with clock.at(at(OBJECTING)):
        services.objection_file(
            election=e, by=w["resident"], kind="detail", reason="我的楼栋写错了", about_self=True
        )
    entries = {v.person_id: v.pk for v in VoterEntry.objects.filter(election=e)}
    with clock.at(at(NOMINATING)):
        cands = [
            services.candidate_nominate(election=e, by=w["head"], entry_id=entries[p.pk], basis="self")
            for p in w["voters"][:5]
        ]
    e.refresh_from_db()
    if state == "published":
        return e
    with clock.at(at(NOMINATING)):
        from gongzhi.elections.models import Objection

        for o in Objection.objects.filter(election=e, state="pending"):
            services.objection_dismiss(objection=o, by=w["head"], answer="楼栋登记无误")
        for c in cands[:4]:
            services.candidate_accept(candidate=c, by=w["head"])
        services.candidate_decline(candidate=cands[4], by=w["head"])
    with clock.at(at(CANDIDATES)):
        services.candidates_publish(election=e, by=w["head"])
    e.refresh_from_db()
    if state == "candidates":
        return e
    with clock.at(at(DAY, 18)):
        ids = [entries[p.pk] for p in w["voters"]]
        services.votes_record(election=e, by=w["head"], numbers=ids)
        votes = {c.pk: v for c, v in zip(cands[:4], (9, 8, 6, 3), strict=True)}
        services.results_record(election=e, by=w["head"], votes=votes)
    e.refresh_from_db()
    return e
