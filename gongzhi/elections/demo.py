"""The last residents' committee election of 军门社区, the whole way through the services on the
dates it took place: the roll drawn from the register and published 23 days before, two
objections (one upheld, one not), nine nominations (one declined), the candidates published,
91% turnout and the results."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

HELD_ON = dt.date(2024, 5, 18)


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def demo_election(ctx) -> None:
    from gongzhi.core import clock
    from gongzhi.core.demo import COMMUNITY
    from gongzhi.core.models import Region, User
    from gongzhi.registry.models import Person

    from . import services
    from .models import Candidate, Election, ObjectionKind, VoterEntry

    if Election.objects.filter(community_id=COMMUNITY).exists():
        ctx.out("  已有选举，跳过")
        return
    head = User.objects.filter(username="head").first()
    if head is None:
        return
    rng = random.Random(ctx.seed)
    community = Region.objects.get(code=COMMUNITY)
    with clock.at(_at(dt.date(2024, 4, 1))):
        e = services.election_create(
            community=community, term="2024", held_on=HELD_ON, seats=7, method="direct", by=head
        )
    with clock.at(_at(dt.date(2024, 4, 22))):
        roll = services.roll_draw(election=e, by=head)
    with clock.at(_at(dt.date(2024, 4, 25))):
        services.roll_publish(election=e, by=head)

    resident = User.objects.filter(username="resident").first()
    if resident is not None and resident.person_id:
        on_roll = set(VoterEntry.objects.filter(election=e).values_list("person_id", flat=True))
        left_off = (
            Person.objects.filter(
                community_id=COMMUNITY, status="active", birth_date__lte=dt.date(2006, 5, 18)
            )
            .exclude(pk__in=on_roll)
            .order_by("pk")
            .first()
        )
        if left_off is not None:
            with clock.at(_at(dt.date(2024, 4, 26), 19)):
                o = services.objection_file(
                    election=e,
                    by=resident,
                    kind=ObjectionKind.OMITTED,
                    reason="邻居在本社区租住已满一年，名单上没有他。",
                    subject_name=left_off.name,
                )
            with clock.at(_at(dt.date(2024, 4, 28), 15)):
                services.objection_uphold(
                    objection=o,
                    by=head,
                    answer="经入户核实，已在本社区居住满一年，予以补登。",
                    person_id=left_off.pk,
                )
        with clock.at(_at(dt.date(2024, 4, 27), 20)):
            o = services.objection_file(
                election=e,
                by=resident,
                kind=ObjectionKind.WRONGLY_INCLUDED,
                reason="3号楼一位老人已搬去女儿家住，不应在名单上。",
                subject_name="3号楼住户",
            )
        with clock.at(_at(dt.date(2024, 4, 29), 11)):
            services.objection_dismiss(
                objection=o, by=head, answer="经核实，该老人户籍仍在本社区，依法应当登记。"
            )

    entries = list(VoterEntry.objects.filter(election=e).values_list("pk", flat=True))
    nominees = rng.sample(entries, k=min(9, len(entries)))
    candidates = []
    with clock.at(_at(dt.date(2024, 5, 3))):
        for i, entry_id in enumerate(nominees):
            basis = ("joint", "group", "self")[i % 3]
            candidates.append(
                services.candidate_nominate(
                    election=e,
                    by=head,
                    entry_id=entry_id,
                    basis=basis,
                    supporters=12 + i if basis == "joint" else 0,
                )
            )
    with clock.at(_at(dt.date(2024, 5, 6))):
        for i, c in enumerate(candidates):
            (services.candidate_decline if i == len(candidates) - 1 else services.candidate_accept)(
                candidate=c, by=head
            )
    accepted = candidates[:-1]
    if len(accepted) <= e.seats:
        ctx.out(f"  2024年换届选举：登记选民 {roll['registered']} 人（候选人不足，未继续）")
        return
    with clock.at(_at(dt.date(2024, 5, 10))):
        services.candidates_publish(election=e, by=head)
    people = list(VoterEntry.objects.filter(election=e).values_list("person_id", flat=True))
    voted = rng.sample(people, k=round(len(people) * 0.91))
    with clock.at(_at(HELD_ON, 17)):
        services.votes_record(election=e, person_ids=voted, by=head)
        n = len(voted)
        shares = [0.88, 0.84, 0.8, 0.77, 0.72, 0.66, 0.61, 0.35]
        votes = {c.pk: int(n * shares[i % len(shares)]) for i, c in enumerate(accepted)}
        services.results_record(election=e, by=head, votes=votes)
    e.refresh_from_db()
    elected = Candidate.objects.filter(election=e, elected=True).count()
    ctx.out(
        f"  2024年换届选举：登记选民 {e.registered} 人，参选 {e.voted} 人，参选率 {e.turnout}%，当选 {elected} 人"
    )
