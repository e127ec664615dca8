"""Who a user is for a council or a poll: their household, their place on the frozen roll, and,
when they are not on it, why — in plain words."""

from __future__ import annotations

import datetime as dt

from gongzhi.core.models import Region

from .errors import error


def person_of(user):
    return getattr(user, "person", None) if user is not None and user.is_authenticated else None


def household_of(user):
    from gongzhi.registry.models import HouseholdMember

    person = person_of(user)
    if person is None:
        return None
    m = HouseholdMember.objects.filter(person=person).select_related("household__dwelling").first()
    return m.household if m else None


def household_refusal(topic, user):
    """Why this user's household may not support this topic (None: it may)."""
    household = household_of(user)
    if household is None:
        return error("no_household")
    council = topic.council
    if not household.community_id.startswith(council.region_id):
        return error("outside_council")
    if council.building_id and (
        household.dwelling is None or household.dwelling.building_id != council.building_id
    ):
        return error("outside_council")
    return None


def member_ids_of(poll, user) -> list[int]:
    from django.db.models import Q

    from .models import CouncilMember

    person = person_of(user)
    q = Q(user=user) | (Q(person=person) if person is not None else Q(pk__in=[]))
    return list(CouncilMember.objects.filter(q, council=poll.council).values_list("id", flat=True))


def voter_key(poll, user) -> str | None:
    """The key this user votes under in this poll (None: no key at all)."""
    if user is None or not user.is_authenticated:
        return None
    if poll.kind == "member":
        ids = member_ids_of(poll, user)
        return f"m:{ids[0]}" if ids else None
    if poll.kind == "household":
        household = household_of(user)
        return f"h:{household.pk}" if household else None
    person = person_of(user)
    if person is None:
        return None
    if poll.kind == "owner":
        return _owner_key(poll, person)
    return f"p:{person.pk}"


def _owner_key(poll, person) -> str:
    """The ownership unit this owner votes for: their own dwellings first, then those they own with
    others; one whose vote is already cast is skipped (a co-owner cast it), so an owner of both
    votes for both. Checked against the frozen roll by the caller."""
    from .art278 import owner_units
    from .polls import VoteRecord

    mine = sorted(
        (u for u in owner_units(poll.estate_id) if person.pk in u.owners),
        key=lambda u: (len(u.owners), u.key),
    )
    if not mine:
        return f"p:{person.pk}"
    voted = set(
        VoteRecord.objects.filter(poll=poll, voter__in=[u.key for u in mine]).values_list("voter", flat=True)
    )
    return next((u.key for u in mine if u.key not in voted), mine[0].key)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def roll_refusal(poll, user):
    """Why this user may not vote in this poll (None: they are on the roll). The roll is frozen when
    voting opens; the reason given for someone not on it is read from the registry as it is now."""
    from .models import RollEntry

    key = voter_key(poll, user)
    if key is not None and RollEntry.objects.filter(poll=poll, voter=key).exists():
        return None
    if poll.kind == "member":
        return error("not_member")
    person = person_of(user)
    if person is None:
        return error("no_person")
    if poll.kind == "household" and key is None:
        return error("no_household")
    if poll.kind == "owner":
        return error("not_owner")
    if not person.community_id.startswith(poll.region_id):
        return error("outside_region", region=Region.objects.get(code=poll.region_id).name)
    if poll.kind == "resident" and (
        person.birth_date is None
        or age_on(person.birth_date, (poll.opens_at or poll.closes_at).date()) < poll.min_age
    ):
        return error("under_age", age=poll.min_age)
    return error("not_in_roll")


def council_member_of(council, user, day: dt.date):
    """This user's membership of the council in term on `day` (by account or person), or None."""
    from .models import CouncilMember
    from .rules import member_q

    if user is None or not user.is_authenticated:
        return None
    return (
        CouncilMember.objects.filter(member_q(user), council=council, term_start__lte=day, term_end__gte=day)
        .order_by("pk")
        .first()
    )


def resident_refusal(council, user):
    """Why this user may not speak in the online discussion of a council's topic (None: may). Staff
    of the area may; a resident must live in the council's area (its building, for a group)."""
    from .rules import MANAGE

    if user.has_perm(MANAGE, council.community_id or council.region_id):
        return None
    person = person_of(user)
    if person is None:
        return error("no_person")
    if not person.community_id.startswith(council.region_id):
        return error("comment_outside")
    if council.building_id:
        household = household_of(user)
        dwelling = household.dwelling if household is not None else None
        if dwelling is None or dwelling.building_id != council.building_id:
            return error("comment_outside")
    return None


def asked_households(topic) -> set[int]:
    """The households asked how satisfied they are once a topic is reported back: those of the
    residents whose demands started it (or who filed them), and its followers — the supporting
    households and the proposer's."""
    from gongzhi.core.models import User
    from gongzhi.demands.models import Demand
    from gongzhi.registry.models import HouseholdMember

    from .models import TopicSupport

    demands = Demand.objects.filter(pk__in=topic.demand_links.values_list("demand_id", flat=True))
    persons = set(demands.filter(person__isnull=False).values_list("person_id", flat=True))
    users = set(demands.filter(submitted_by__isnull=False).values_list("submitted_by_id", flat=True))
    if topic.proposed_by_id:
        users.add(topic.proposed_by_id)
    persons |= set(
        User.objects.filter(pk__in=users, person__isnull=False).values_list("person_id", flat=True)
    )
    households = set(
        HouseholdMember.objects.filter(person_id__in=persons).values_list("household_id", flat=True)
    )
    return households | set(TopicSupport.objects.filter(topic=topic).values_list("household_id", flat=True))


def satisfaction_refusal(topic, user):
    """Why this user's household is not asked about this topic (None: it is)."""
    household = household_of(user)
    if household is None:
        return error("no_household")
    if household.pk not in asked_households(topic):
        return error("satisfaction_not_asked")
    return None
