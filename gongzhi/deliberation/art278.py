"""Civil Code art. 278: owners' joint decisions, computed from the registry's dwelling ownership.

Who counts as one owner follows the Supreme People's Court's interpretation on building
ownership (法释〔2009〕7号, arts. 8–9): area is each exclusive part's (dwelling's) area, and owners
are counted by exclusive part — co-owners of one dwelling are one owner, and one buyer (or one set
of co-owners) of several dwellings is one owner; dwellings with no owner on record (unsold or not
yet handed over) count as one owner together. Such an ownership unit votes once, with the whole
area of its dwellings: any of its co-owners may cast its vote, the first one counts.

Participation: owners holding ≥ 2/3 of the exclusive area and ≥ 2/3 of the owners by number.
Adoption: > 1/2 of the participating area and owners (≥ 3/4 of both for items 6–8: raising or using
the maintenance fund, rebuilding, changing the use of common parts or running a business in them).
The first option is "agree". Exact fractions, no floating point."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db.models import Sum


@dataclass(frozen=True)
class OwnerUnit:
    key: str  # the roll's voter key: "p:<person>" for one owner, "o:<first dwelling>" for co-owners
    owners: frozenset[int]
    area: Decimal


def owner_units(estate_id) -> list[OwnerUnit]:
    """The estate's owners as art. 278 counts them, read from the registry now."""
    from gongzhi.registry.models import DwellingOwner

    owners: dict[int, set[int]] = {}
    areas: dict[int, Decimal] = {}
    rows = DwellingOwner.objects.filter(dwelling__building__estate_id=estate_id).values_list(
        "dwelling_id", "person_id", "dwelling__area"
    )
    for dwelling_id, person_id, area in rows:
        owners.setdefault(dwelling_id, set()).add(person_id)
        areas[dwelling_id] = area or Decimal(0)
    units: dict[frozenset[int], list] = {}
    for dwelling_id in sorted(owners):
        unit = units.setdefault(frozenset(owners[dwelling_id]), [dwelling_id, Decimal(0)])
        unit[1] += areas[dwelling_id]
    return [
        OwnerUnit(key=f"p:{next(iter(who))}" if len(who) == 1 else f"o:{first}", owners=who, area=area)
        for who, (first, area) in units.items()
    ]


def ownerless_dwellings(estate_id) -> bool:
    from gongzhi.registry.models import Dwelling

    return Dwelling.objects.filter(building__estate_id=estate_id, owners__isnull=True).exists()


def owners_decision(poll, tally: dict) -> dict:
    from gongzhi.registry.models import Dwelling

    from .polls import RollEntry

    total_area = Dwelling.objects.filter(building__estate=poll.estate).aggregate(s=Sum("area"))[
        "s"
    ] or Decimal(0)
    # dwellings with no owner on record (unsold, not handed over) count as one owner together
    total_owners = RollEntry.objects.filter(poll=poll).count() + int(ownerless_dwellings(poll.estate_id))
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
