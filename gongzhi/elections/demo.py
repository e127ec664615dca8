"""The last residents' committee election of 军门社区: the roll drawn from the register, 91% turnout."""

from __future__ import annotations

import datetime as dt
import random


def demo_election(ctx) -> None:
    from gongzhi.core.demo import COMMUNITY
    from gongzhi.core.models import Region, User

    from . import services
    from .models import Election, VoterEntry

    if Election.objects.filter(community_id=COMMUNITY).exists():
        ctx.out("  已有选举，跳过")
        return
    head = User.objects.filter(username="head").first()
    if head is None:
        return
    e = services.election_create(
        community=Region.objects.get(code=COMMUNITY),
        term="2024",
        held_on=dt.date(2024, 5, 18),
        seats=7,
        method="direct",
        by=head,
    )
    roll = services.roll_draw(election=e, by=head)
    rng = random.Random(ctx.seed)
    ids = list(VoterEntry.objects.filter(election=e).values_list("person_id", flat=True))
    voted = rng.sample(ids, k=round(len(ids) * 0.91))
    services.votes_record(election=e, person_ids=voted, by=head)
    services.election_close(election=e, by=head)
    e.refresh_from_db()
    ctx.out(f"  2024年换届选举：登记选民 {roll['registered']} 人，参选 {e.voted} 人，参选率 {e.turnout}%")
