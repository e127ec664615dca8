"""Civil Code art. 278: owners' joint decisions, computed from the registry's dwelling ownership.

Participation: owners holding ≥ 2/3 of the exclusive area and ≥ 2/3 of the owners by number.
Adoption: > 1/2 of the participating area and owners (≥ 3/4 of both for items 6–8: raising or using
the maintenance fund, rebuilding, changing the use of common parts or running a business in them).
The first option is "agree". Exact fractions, no floating point."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from django.db.models import Sum


def owners_decision(poll, tally: dict) -> dict:
    from gongzhi.registry.models import Dwelling

    from .polls import RollEntry

    total_area = Dwelling.objects.filter(building__estate=poll.estate).aggregate(s=Sum("area"))[
        "s"
    ] or Decimal(0)
    total_owners = RollEntry.objects.filter(poll=poll).count()
    voted_area = sum(Decimal(o["area"]) for o in tally["options"])
    voted_n = sum(o["votes"] for o in tally["options"])
    agree = tally["options"][0]
    agree_area, agree_n = Decimal(agree["area"]), agree["votes"]
    two_thirds = Fraction(2, 3)
    participation = (
        total_area > 0
        and total_owners > 0
        and Fraction(voted_area) >= two_thirds * Fraction(total_area)
        and Fraction(voted_n) >= two_thirds * total_owners
    )
    if poll.major_matter:
        adopted = (
            voted_n > 0
            and Fraction(agree_area) >= Fraction(3, 4) * Fraction(voted_area)
            and Fraction(agree_n) >= Fraction(3, 4) * voted_n
        )
    else:
        adopted = voted_n > 0 and 2 * agree_area > voted_area and 2 * agree_n > voted_n
    return {
        "total_area": str(total_area),
        "total_owners": total_owners,
        "voted_area": str(voted_area),
        "voted_owners": voted_n,
        "agree_area": str(agree_area),
        "agree_owners": agree_n,
        "participation_met": bool(participation),
        "adopted": bool(participation and adopted),
        "rule": "3/4" if poll.major_matter else "1/2",
    }
