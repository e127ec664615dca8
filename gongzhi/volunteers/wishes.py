"""Micro-wishes (微心愿) and in-service party members' registration (在职党员报到): services and
selectors. Every micro-wish step goes through workflow.WORKFLOW (one guard for service, page and API)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied
from gongzhi.core.models import Region
from gongzhi.core.permissions import require
from gongzhi.core.scoping import scope_q, scoped

from . import rules
from .models import HourRecord, MicroWish, PartyMember, WishEvent
from .workflow import WORKFLOW

CLAIM_DAYS = 14
# A household may have this many wishes waiting for the community's review at once.
OPEN_REQUESTS = 2
# Asked for, not yet (or never) published: seen by the community's staff and the household only.
PRIVATE_STATES = (MicroWish.State.REQUESTED, MicroWish.State.DECLINED)


def _event(wish: MicroWish, step: str, before: str, by) -> None:
    WishEvent.objects.create(
        community_id=wish.community_id, wish=wish, step=step, from_state=before, to_state=wish.state, by=by
    )


@transaction.atomic
def wish_post(
    *, community: Region, beneficiary, title: str, by, description: str = "", group: str = ""
) -> MicroWish:
    """Staff post a wish for a resident of their community (from a registry group, say)."""
    require(by, rules.MANAGE, community)
    if beneficiary.community_id != community.code:
        raise ApplicationError("person_elsewhere", _("该居民不在这个社区。"))
    title = (title or "").strip()[:100]
    if not title:
        raise ApplicationError("name_required", _("请填写心愿内容。"))
    wish = MicroWish.objects.create(
        community=community,
        beneficiary=beneficiary,
        title=title,
        description=(description or "").strip()[:300],
        group=(group or "")[:30],
        posted_by=by,
    )
    _event(wish, "post", "", by)
    return wish


def household_person_ids(person_id: int | None) -> list[int]:
    """The person and everyone of their household (by the register)."""
    if not person_id:
        return []
    from gongzhi.registry.models import HouseholdMember

    ids = list(
        HouseholdMember.objects.filter(household__members__person_id=person_id).values_list(
            "person_id", flat=True
        )
    )
    return ids or [person_id]


def request_choices(*, user) -> list:
    """The people a resident may ask a wish for: themselves and their household, by the register."""
    from gongzhi.registry.models import Person

    ids = household_person_ids(getattr(user, "person_id", None))
    return list(Person.objects.filter(pk__in=ids, status="active").order_by("birth_date"))


@transaction.atomic
def wish_request(*, beneficiary, title: str, by, description: str = "") -> MicroWish:
    """A resident asks for a wish for themselves or someone of their household. It waits for the
    community's review (publish or decline with a reason) before volunteers see it."""
    require(by, rules.JOIN)
    if beneficiary.pk not in household_person_ids(getattr(by, "person_id", None)):
        raise ApplicationError("not_household", _("只能为自己或同户家人提出心愿。"), status=403)
    title = (title or "").strip()[:100]
    if not title:
        raise ApplicationError("name_required", _("请填写心愿内容。"))
    community = Region.objects.get(code=beneficiary.community_id)
    household = household_person_ids(beneficiary.pk)
    # Lock the household's requests so two taps at once cannot both pass the limit.
    waiting = list(
        MicroWish.objects.select_for_update()
        .filter(beneficiary_id__in=household, state=MicroWish.State.REQUESTED)
        .values_list("pk", flat=True)
    )
    if len(waiting) >= OPEN_REQUESTS:
        raise ApplicationError(
            "too_many_requests",
            _("您家已有 %(n)s 个心愿在等社区审核，请等审核后再提。") % {"n": len(waiting)},
            status=409,
        )
    now = clock.now()
    wish = MicroWish.objects.create(
        community=community,
        beneficiary=beneficiary,
        title=title,
        description=(description or "").strip()[:300],
        state=MicroWish.State.REQUESTED,
        posted_by=by,
        posted_at=now,
        requested_at=now,
    )
    _event(wish, "request", "", by)
    return wish


@transaction.atomic
def wish_publish(*, wish: MicroWish, by, group: str = "") -> MicroWish:
    """Staff publish a resident's wish to the pool; its waiting time for a volunteer starts now."""
    changes: dict = {"posted_at": clock.now()}
    if group:
        changes["group"] = group.strip()[:30]
    return _step("publish", wish, by, **changes)


@transaction.atomic
def wish_decline(*, wish: MicroWish, by, reason: str = "") -> MicroWish:
    reason = (reason or "").strip()[:200]
    if not reason:
        raise ApplicationError("reason_required", _("请写明不予采纳的原因，居民会看到。"))
    return _step("decline", wish, by, decline_reason=reason)


@transaction.atomic
def wish_cancel(*, wish: MicroWish, by) -> MicroWish:
    return _step("cancel", wish, by)


def _step(name: str, wish: MicroWish, by, **changes) -> MicroWish:
    wish = MicroWish.objects.select_for_update(of=("self",)).select_related("beneficiary").get(pk=wish.pk)
    WORKFLOW.require(name, wish, by)
    before = wish.state
    wish.state = WORKFLOW.steps[name].target or wish.state
    for k, v in changes.items():
        setattr(wish, k, v)
    wish.save()
    _event(wish, name, before, by)
    return wish


@transaction.atomic
def wish_claim(*, wish: MicroWish, by, claimant: str = "") -> MicroWish:
    now = clock.now()
    return _step(
        "claim",
        wish,
        by,
        claimed_by=by,
        claimant=(claimant or by.display_name or by.username)[:60],
        claimed_at=now,
        due_at=now + dt.timedelta(days=CLAIM_DAYS),
    )


@transaction.atomic
def wish_fulfil(*, wish: MicroWish, by) -> MicroWish:
    return _step("fulfil", wish, by, fulfilled_at=clock.now())


@transaction.atomic
def wish_confirm(*, wish: MicroWish, by) -> MicroWish:
    """The household (or staff on its behalf) confirms; the claimant, if a volunteer, earns points."""
    from .points import points_for_wish

    wish = _step("confirm", wish, by, confirmed_at=clock.now())
    points_for_wish(wish=wish, by=by)
    return wish


@transaction.atomic
def wish_release(*, wish: MicroWish, by) -> MicroWish:
    return _step("release", wish, by, claimed_by=None, claimant="", claimed_at=None, due_at=None)


@transaction.atomic
def wish_withdraw(*, wish: MicroWish, by) -> MicroWish:
    return _step("withdraw", wish, by)


def wishes_release_overdue(*, now: dt.datetime | None = None) -> int:
    """Background task: overdue claims go back to the pool (recorded as a release without a user)."""
    now = now or clock.now()
    n = 0
    for pk in MicroWish.objects.filter(state=MicroWish.State.CLAIMED, due_at__lt=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            wish = MicroWish.objects.select_for_update().get(pk=pk)
            if wish.state != MicroWish.State.CLAIMED or wish.due_at is None or wish.due_at >= now:
                continue
            wish.state = MicroWish.State.POSTED
            wish.claimed_by, wish.claimant, wish.claimed_at, wish.due_at = None, "", None, None
            wish.save()
            _event(wish, "release", MicroWish.State.CLAIMED, None)
            n += 1
    return n


def wish_list(*, user, state: str = "") -> QuerySet[MicroWish]:
    """Published wishes in the user's scope; wishes still under review (or declined) only for the
    community's staff and the household that asked."""
    qs = scoped(MicroWish.objects.all(), user, rules.BROWSE)
    own = household_person_ids(getattr(user, "person_id", None))
    qs = qs.filter(
        ~Q(state__in=PRIVATE_STATES)
        | scope_q(user, rules.MANAGE, field="community_id")
        | Q(beneficiary_id__in=own)
    )
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-posted_at", "-id")


def wish_get(*, user, pk: int) -> MicroWish:
    wish = wish_list(user=user).select_related("beneficiary").filter(pk=pk).first()
    if wish is None:
        raise NotFound()
    return wish


def wish_beneficiary_visible(*, wish: MicroWish, user) -> bool:
    """Personal details of the one in need: staff of the community, and the household itself."""
    from .workflow import is_beneficiary_household

    return user.has_perm(rules.MANAGE, wish) or bool(is_beneficiary_household(user, wish))


# In-service party members ------------------------------------------------------------------------


@transaction.atomic
def party_member_register(*, person, employer: str, posts: list[str], by) -> PartyMember:
    """Register with the community where they live (the registry person's community)."""
    own = by.person_id and by.person_id == person.pk and by.has_perm(rules.JOIN, person)
    if not own:
        require(by, rules.MANAGE, person, hide=True)
    employer = (employer or "").strip()[:100]
    if not employer:
        raise ApplicationError("employer_required", _("请填写工作单位。"))
    bad = [p for p in posts if p not in PartyMember.Post.values]
    if bad or not posts:
        raise ApplicationError("bad_posts", _("请至少认领一个服务岗位。"))
    if PartyMember.objects.filter(person=person).exists():
        raise ApplicationError("already_registered", _("已经报到，无需重复报到。"), status=409)
    return PartyMember.objects.create(
        community_id=person.community_id,
        person=person,
        name=person.name,
        employer=employer,
        posts=",".join(dict.fromkeys(posts)),
        registered_by=by,
    )


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    if quarter not in (1, 2, 3, 4):
        raise ApplicationError("bad_quarter", _("季度须为1到4。"))
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    return start, end


def party_service_cards(*, user, year: int, quarter: int, employer: str = "") -> list[dict]:
    """The quarterly service card of each registered party member in the user's scope: hours served
    (all sources) and micro-wishes fulfilled in the quarter — what goes back to the employer unit."""
    if not user.has_perm(rules.VIEW):
        raise PermissionDenied()
    start, end = quarter_bounds(year, quarter)
    qs = scoped(PartyMember.objects.all(), user, rules.VIEW)
    if employer:
        qs = qs.filter(employer=employer)
    members = list(qs.order_by("employer", "name"))
    person_ids = [m.person_id for m in members]
    hours = dict(
        HourRecord.objects.filter(
            volunteer__person_id__in=person_ids, served_on__gte=start, served_on__lt=end
        )
        .values_list("volunteer__person_id")
        .annotate(s=Sum("hours"))
    )
    from gongzhi.core.models import User

    users = dict(User.objects.filter(person_id__in=person_ids).values_list("person_id", "pk"))
    wishes = dict(
        MicroWish.objects.filter(
            claimed_by_id__in=list(users.values()),
            state__in=[MicroWish.State.FULFILLED, MicroWish.State.CONFIRMED],
            fulfilled_at__date__gte=start,
            fulfilled_at__date__lt=end,
        )
        .values_list("claimed_by_id")
        .annotate(n=Count("id"))
    )
    return [
        {
            "member": m,
            "hours": hours.get(m.person_id) or 0,
            "wishes": wishes.get(users.get(m.person_id), 0),
            "posts": "、".join(m.post_labels),
        }
        for m in members
    ]


def party_members_by_community(*, user) -> QuerySet:
    return (
        scoped(PartyMember.objects.all(), user, rules.VIEW)
        .values("community_id", "community__name")
        .annotate(n=Count("id"), employers=Count("employer", distinct=True))
        .order_by("community_id")
    )


def wish_counts(*, user) -> dict:
    qs = wish_list(user=user)
    return qs.aggregate(
        requested=Count("id", filter=Q(state=MicroWish.State.REQUESTED)),
        posted=Count("id", filter=Q(state=MicroWish.State.POSTED)),
        claimed=Count("id", filter=Q(state=MicroWish.State.CLAIMED)),
        fulfilled=Count("id", filter=Q(state=MicroWish.State.FULFILLED)),
        confirmed=Count("id", filter=Q(state=MicroWish.State.CONFIRMED)),
    )
