"""Every write of grid work: coverage, plans, visits, confirmation codes, ledger items."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
import uuid as uuidlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypedDict

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import clock, outbox, pii
from gongzhi.core.manifests import run_hook
from gongzhi.core.models import Region, RoleAssignment, User
from gongzhi.core.permissions import require
from gongzhi.registry.models import Household, HouseholdMember, PersonTag

from . import policy, rules
from .errors import error
from .models import Category as ItemCategory
from .models import (
    ConfirmationCode,
    Coverage,
    ItemEvent,
    ItemState,
    LedgerItem,
    PlanItem,
    Visit,
    VisitPhoto,
    VisitPlan,
)
from .workflow import WORKFLOW

MAX_PHOTOS = 6
MAX_PHOTO_BYTES = 5 * 1024 * 1024
_PHOTO_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF")


def _text(value, label, limit: int, *, required: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        raise error(required)
    if len(value) > limit:
        raise error("too_long", field=str(label), n=limit)
    return value


# ---- coverage (包片联户) -------------------------------------------------------------------


def covering_workers(community_code: str):
    """The users who may cover households of a community: its grid and community workers."""
    from gongzhi.core.models import User

    ids = RoleAssignment.objects.filter(
        role__in=rules.COVERING_ROLES, region_id=community_code, active=True
    ).values("user_id")
    return User.objects.filter(pk__in=ids, is_active=True).order_by("username")


@dataclass
class Patch:
    worker: User
    buildings: list = field(default_factory=list)  # (building_id or None, label, household ids)
    households: int = 0

    @property
    def labels(self) -> list[str]:
        return [label for _b, label, _h in self.buildings]


@dataclass
class Proposal:
    patches: list[Patch]
    uncovered: list[int]
    quota: int


def coverage_propose(*, community: Region, by, size: int = policy.HOUSEHOLDS_PER_WORKER) -> Proposal:
    """A balanced assignment by building: whole buildings, about `size` households per worker
    (fewer when there are more workers than needed). Nothing is written."""
    require(by, rules.ASSIGN, community.code)
    if not isinstance(size, int) or not 5 <= size <= 1000:
        raise error("bad_size")
    workers = list(covering_workers(community.code))
    if not workers:
        raise error("no_workers")
    groups: dict = defaultdict(list)
    labels: dict = {}
    rows = Household.objects.filter(community=community).values_list(
        "pk", "dwelling__building_id", "dwelling__building__estate__name", "dwelling__building__name"
    )
    for pk, building_id, estate, name in rows.order_by(
        "dwelling__building__estate_id", "dwelling__building__name", "pk"
    ):
        groups[building_id].append(pk)
        labels[building_id] = f"{estate or ''}{name or ''}" or "—"
    total = sum(len(v) for v in groups.values())
    quota = min(size, math.ceil(total / len(workers))) if total else size
    patches = [Patch(worker=w) for w in workers]
    i = 0
    uncovered: list[int] = []
    for building_id, hh in groups.items():
        while i < len(patches) and patches[i].households and patches[i].households + len(hh) / 2 > quota:
            i += 1
        if i >= len(patches):
            uncovered.extend(hh)
            continue
        patches[i].buildings.append((building_id, labels[building_id], hh))
        patches[i].households += len(hh)
    return Proposal(patches=patches, uncovered=uncovered, quota=quota)


@transaction.atomic
def coverage_apply(*, community: Region, by, size: int = policy.HOUSEHOLDS_PER_WORKER) -> Proposal:
    """Apply the proposal: every household of the community gets the proposed worker (or none)."""
    proposal = coverage_propose(community=community, by=by, size=size)
    now = clock.now()
    Coverage.objects.filter(community=community).delete()
    Coverage.objects.bulk_create(
        [
            Coverage(community=community, household_id=h, worker=p.worker, assigned_by=by, assigned_at=now)
            for p in proposal.patches
            for _b, _l, hh in p.buildings
            for h in hh
        ],
        batch_size=2000,
    )
    return proposal


@transaction.atomic
def coverage_assign(*, community: Region, household_ids: Iterable[int], worker, by) -> int:
    """The head moves households to a worker (or, with worker=None, leaves them uncovered)."""
    require(by, rules.ASSIGN, community.code)
    ids = {int(h) for h in household_ids}
    found = set(Household.objects.filter(community=community, pk__in=ids).values_list("pk", flat=True))
    if found != ids:
        raise error("other_community")
    if worker is not None and not covering_workers(community.code).filter(pk=worker.pk).exists():
        raise error("not_covering")
    Coverage.objects.filter(household_id__in=ids).delete()
    if worker is not None:
        now = clock.now()
        Coverage.objects.bulk_create(
            [
                Coverage(community=community, household_id=h, worker=worker, assigned_by=by, assigned_at=now)
                for h in ids
            ]
        )
    return len(ids)


# ---- visit plans ---------------------------------------------------------------------------


class HouseholdFacts(TypedDict):
    last: dt.date | None
    freq: int
    flag: bool
    tags: set[str]


def household_facts(
    community_code: str, household_ids=None, today: dt.date | None = None
) -> dict[int, HouseholdFacts]:
    """Per household: last visit date, visit frequency (days) and whether it has open items or
    recent demands. One query per fact, for a whole community at once; tags and demands reach
    their household through the membership in the database (no members read into Python)."""
    from gongzhi.demands.models import Demand

    today = today or timezone.localdate()
    hh = Household.objects.filter(community_id=community_code)
    if household_ids is not None:
        hh = hh.filter(pk__in=household_ids)
    facts: dict[int, HouseholdFacts] = {
        pk: {"last": None, "freq": policy.ORDINARY_DAYS, "flag": False, "tags": set()}
        for pk in hh.values_list("pk", flat=True)
    }
    visits = Visit.objects.filter(community_id=community_code)
    for h, last in (
        visits.values("household_id").annotate(last=Max("visited_at")).values_list("household_id", "last")
    ):
        if h in facts:
            facts[h]["last"] = timezone.localdate(last)
    tags = PersonTag.objects.filter(community_id=community_code, kind__in=policy.FREQUENCY_DAYS).exclude(
        valid_to__lt=today
    )
    for hid, kind in tags.values_list("person__membership__household_id", "kind"):
        if hid is not None and hid in facts:
            facts[hid]["freq"] = min(facts[hid]["freq"], policy.FREQUENCY_DAYS[kind])
            facts[hid]["tags"].add(kind)
    for h in (
        LedgerItem.objects.filter(community_id=community_code, state=ItemState.OPEN)
        .values_list("household_id", flat=True)
        .distinct()
    ):
        if h in facts:
            facts[h]["flag"] = True
    since = timezone.now() - dt.timedelta(days=60)
    for hid in (
        Demand.objects.filter(community_id=community_code, created_at__gte=since, person__isnull=False)
        .values_list("person__membership__household_id", flat=True)
        .distinct()
    ):
        if hid is not None and hid in facts:
            facts[hid]["flag"] = True
    return facts


def _due(last: dt.date | None, freq: int, start: dt.date, end: dt.date) -> dt.date:
    due = start if last is None else last + dt.timedelta(days=freq)
    return min(max(due, start), end)


@transaction.atomic
def plans_generate(
    *, community: Region, month: dt.date, by, minimum: int = policy.VISITS_PER_MONTH, today=None
) -> list[VisitPlan]:
    """Draft every covering worker's plan for the month (a plan already drafted is redrafted)."""
    require(by, rules.ASSIGN, community.code)
    if not isinstance(minimum, int) or not 1 <= minimum <= 200:
        raise error("bad_minimum")
    start, end = policy.month_start(month), policy.month_end(month)
    facts = household_facts(community.code, today=today or start)
    by_worker: dict = defaultdict(list)
    for h, w in Coverage.objects.filter(community=community).values_list("household_id", "worker_id"):
        if h in facts:
            by_worker[w].append(h)
    # A redraft replaces the month's plans: their items in one statement, then the plans.
    PlanItem.objects.filter(community=community, plan__month=start).delete()
    VisitPlan.objects.filter(community=community, month=start).delete()
    plans, items = [], []
    for worker_id, households in sorted(by_worker.items()):
        plan = VisitPlan(community=community, worker_id=worker_id, month=start, minimum=minimum)
        plans.append(plan)
        ranked = []
        for h in households:
            f = facts[h]
            due = _due(f["last"], f["freq"], start, end)
            vulnerable_due = f["freq"] < policy.ORDINARY_DAYS and due <= end
            reason = (
                PlanItem.Reason.OPEN_ITEMS
                if f["flag"]
                else PlanItem.Reason.VULNERABLE
                if vulnerable_due
                else PlanItem.Reason.LONGEST
            )
            rank = 0 if f["flag"] else 1 if vulnerable_due else 2
            ranked.append((rank, f["last"] or dt.date.min, h, reason, due, f["last"]))
        ranked.sort(key=lambda r: (r[0], r[1], r[2]))
        must = sum(1 for r in ranked if r[0] < 2)
        for pos, (_rank, _l, h, reason, due, last) in enumerate(ranked[: max(minimum, must)], start=1):
            items.append(
                (
                    plan,
                    PlanItem(
                        community=community,
                        household_id=h,
                        position=pos,
                        reason=reason,
                        due=due,
                        last_visit=last,
                    ),
                )
            )
    VisitPlan.objects.bulk_create(plans)
    for plan, item in items:
        item.plan = plan
    PlanItem.objects.bulk_create([i for _p, i in items], batch_size=2000)
    if plans:  # the month's visits reach the community's inbox as the platform's work
        run_hook(
            "community_work",
            key=policy.WORK_MONTHLY_VISITS,
            ref=policy.plans_work_ref(community.code, start),
            community_code=community.code,
            title=f"{start.year}年{start.month}月包片联户入户走访：{len(plans)} 名包户人员，{len(items)} 户",
            by=by,
            deadline=end,
            link=f"{reverse('visits:plans')}?month={start:%Y-%m}",
        )
        # a new month's visits end the month before's: its task leaves the inbox's open work
        before = policy.month_start(start - dt.timedelta(days=1))
        run_hook(
            "community_work_done",
            ref=policy.plans_work_ref(community.code, before),
            community_code=community.code,
            by=by,
        )
    return plans


@transaction.atomic
def plan_item_move(*, item: PlanItem, position: int, by) -> PlanItem:
    """The worker reorders the plan: the item goes to `position`, the others shift."""
    plan = VisitPlan.objects.select_for_update().get(pk=item.plan_id)
    if plan.worker_id != by.pk:
        require(by, rules.ASSIGN, plan.community_id)
    require(by, rules.RECORD, plan.community_id)
    order = list(plan.items.order_by("position").values_list("pk", flat=True))
    order.remove(item.pk)
    position = max(1, min(int(position), len(order) + 1))
    order.insert(position - 1, item.pk)
    for pos, pk in enumerate(order, start=1):
        PlanItem.objects.filter(pk=pk).update(position=pos + 100000)
    for pos, pk in enumerate(order, start=1):
        PlanItem.objects.filter(pk=pk).update(position=pos)
    item.refresh_from_db()
    return item


# ---- confirmation codes and visits ---------------------------------------------------------


@transaction.atomic
def _household_phones(household: Household) -> list[str]:
    """The household's registered mobile numbers: the head's first, then the other members'."""
    people = [household.head] if household.head_id else []
    people += [
        m.person
        for m in household.members.select_related("person").order_by("pk")
        if m.person_id != household.head_id
    ]
    phones: list[str] = []
    for person in people:
        if person is not None and person.phone_encrypted:
            phone = person.phone
            if phone and phone not in phones:
                phones.append(phone)
    return phones


def confirmation_code_issue(*, household: Household, by) -> ConfirmationCode:
    """A six-digit code sent to the household's registered phone, for the resident to tell the
    worker: the visit is then confirmed by the household, not by the worker alone. The code is
    never shown to the worker (the demo shows it, having no real phones). ``sent_to`` on the
    returned code is the masked number it went to."""
    require(by, rules.RECORD, household, hide=True)
    phones = _household_phones(household)
    if not phones:
        raise error("no_phone")
    now = clock.now()
    code = ConfirmationCode.objects.create(
        community_id=household.community_id,
        household=household,
        code=f"{secrets.randbelow(10**6):06d}",
        issued_by=by,
        issued_at=now,
        expires_at=now + dt.timedelta(minutes=policy.CODE_MINUTES),
    )
    body = _(
        "社区走访确认码：%(code)s，%(minutes)s分钟内有效。网格员上门走访时，请您当面告知。如无人走访，请勿告知他人。"
    ) % {
        "code": code.code,
        "minutes": policy.CODE_MINUTES,
    }
    outbox.send(to_phone=phones[0], subject=str(_("走访确认码")), body=body)
    code.sent_to = pii.mask_phone(phones[0])  # type: ignore[attr-defined]
    return code


def _distance_m(lat1, lon1, lat2, lon2) -> int:
    r = 6371000
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return int(2 * r * math.asin(math.sqrt(a)))


def _photo_check(f) -> str:
    name = (getattr(f, "name", "") or "").lower()
    if not name.endswith((".jpg", ".jpeg", ".png", ".webp")) or f.size > MAX_PHOTO_BYTES:
        raise error("bad_photo")
    head = f.read(12)
    f.seek(0)
    if not head.startswith(_PHOTO_MAGIC):
        raise error("bad_photo")
    digest = hashlib.sha256()
    for chunk in f.chunks():
        digest.update(chunk)
    f.seek(0)
    return digest.hexdigest()


def _parse_uuid(value) -> uuidlib.UUID | None:
    if value in (None, ""):
        return None
    try:
        return uuidlib.UUID(str(value))
    except (ValueError, AttributeError, TypeError):
        raise error("bad_uuid") from None


def _replayed(client_uuid, by) -> Visit | None:
    first = Visit.objects.filter(client_uuid=client_uuid).first()
    if first is None:
        return None
    if first.worker_id != by.pk:
        raise error("uuid_other_worker")
    first.replayed = True
    return first


@transaction.atomic
def visit_record(
    *,
    household: Household,
    by,
    visited_at: dt.datetime | None = None,
    met: str,
    situation: str,
    raised: str = "",
    category: str = ItemCategory.OTHER,
    latitude: float | None = None,
    longitude: float | None = None,
    confirmation_code: str = "",
    client_uuid=None,
    photos: Iterable = (),
    offline: bool = False,
    captured_at: dt.datetime | None = None,
) -> Visit:
    """Record a visit. Future times and times more than a day back are refused; a visit far from
    the estate is flagged, not refused; a confirmation code confirms one visit only; a repeated
    upload with the same client id returns the first visit unchanged (`replayed = True`).

    An offline capture (`offline` with the phone's `captured_at`) is judged at the moment the phone
    captured it: the visit at most a day before the capture, the code valid then; the capture
    itself not in the future and at most `policy.offline_days()` old. Accepted more than a day
    after the visit, it is marked `late_upload` for the head to see."""
    require(by, rules.RECORD, household, hide=True)
    client_uuid = _parse_uuid(client_uuid)
    if client_uuid is not None:
        first = _replayed(client_uuid, by)
        if first is not None:
            return first
    now = clock.now()
    captured = None
    if offline and captured_at is not None:
        if captured_at > now + policy.CLOCK_SKEW:
            raise error("future_capture")
        days = policy.offline_days()
        if captured_at < now - dt.timedelta(days=days):
            raise error("offline_too_old", days=days)
        captured = min(captured_at, now)
    at = captured or now  # the moment the visit is judged at
    visited_at = visited_at or at
    if visited_at > at + policy.CLOCK_SKEW:
        raise error("future_visit")
    visited_at = min(visited_at, at)
    if visited_at < at - policy.BACKDATE:
        raise error("backdated_visit")
    late_upload = captured is not None and visited_at < now - policy.BACKDATE
    met = _text(met, "见到", 50, required="met_required")
    situation = _text(situation, "走访情况", 2000, required="situation_required")
    raised = _text(raised, "反映的问题", 2000)
    if category not in ItemCategory.values:
        raise error("bad_category")
    if (latitude is None) != (longitude is None) or (
        latitude is not None
        and longitude is not None
        and not (-90 <= latitude <= 90 and -180 <= longitude <= 180)
    ):
        raise error("bad_location")
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        raise error("too_many_photos", n=MAX_PHOTOS)
    digests = [_photo_check(f) for f in photos]
    code = None
    confirmation_code = (confirmation_code or "").strip()
    if confirmation_code:
        code = (
            ConfirmationCode.objects.filter(
                household=household, code=confirmation_code, expires_at__gte=at, issued_at__lte=at
            )
            .order_by("-issued_at")
            .first()
        )
        if code is None:
            raise error("code_invalid")
        if Visit.objects.filter(confirmation=code).exists():
            raise error("code_used")
    distance = None
    dwelling = household.dwelling if household.dwelling_id else None
    estate = dwelling.building.estate if dwelling is not None and dwelling.building_id else None
    if latitude is not None and estate is not None and estate.latitude is not None:
        distance = _distance_m(latitude, longitude, estate.latitude, estate.longitude)
    visit = Visit(
        community_id=household.community_id,
        household=household,
        worker=by,
        visited_at=visited_at,
        recorded_at=now,
        met=met,
        situation=situation,
        raised=raised,
        latitude=latitude,
        longitude=longitude,
        distance_m=distance,
        far_away=distance is not None and distance > policy.FAR_METRES,
        confirmation=code,
        client_uuid=client_uuid,
        offline=offline,
        captured_at=captured,
        late_upload=late_upload,
    )
    try:
        with transaction.atomic():
            visit.save()
    except IntegrityError:
        # A parallel request committed first: the same upload, or the same code.
        if client_uuid is not None:
            first = _replayed(client_uuid, by)
            if first is not None:
                return first
        if code is not None and Visit.objects.filter(confirmation=code).exists():
            raise error("code_used") from None
        raise
    visit.replayed = False
    for f, digest in zip(photos, digests, strict=True):
        reused = VisitPhoto.objects.filter(sha256=digest).exists()
        VisitPhoto.objects.create(
            community_id=visit.community_id, visit=visit, file=f, sha256=digest, reused=reused
        )
    if raised:
        ledger_item_open(
            community_code=household.community_id,
            household=household,
            visit=visit,
            category=category,
            title=raised[:100],
            detail=raised,
            owner=by,
            by=by,
        )
    return visit


# ---- the public-sentiment ledger (民情台账) -------------------------------------------------


def _event(item: LedgerItem, action: str, by, note: str = "") -> None:
    ItemEvent.objects.create(
        community_id=item.community_id, item=item, action=action, by=by, at=clock.now(), note=note[:200]
    )


@transaction.atomic
def ledger_item_open(
    *,
    community_code: str,
    by,
    title: str,
    category: str,
    owner=None,
    deadline: dt.date | None = None,
    detail: str = "",
    household: Household | None = None,
    visit: Visit | None = None,
) -> LedgerItem:
    require(by, rules.RECORD, community_code)
    title = _text(title, "事项", 100, required="title_required")
    detail = _text(detail, "详细情况", 2000)
    if category not in ItemCategory.values:
        raise error("bad_category")
    if household is not None and household.community_id != community_code:
        raise error("other_community")
    now = clock.now()
    today = timezone.localdate(now)
    deadline = deadline or today + dt.timedelta(days=policy.LEDGER_DAYS)
    if deadline < today:
        raise error("bad_deadline")
    owner = owner or by
    if owner != by and not covering_workers(community_code).filter(pk=owner.pk).exists():
        raise error("not_covering")
    item = LedgerItem.objects.create(
        community_id=community_code,
        household=household,
        visit=visit,
        category=category,
        title=title,
        detail=detail,
        owner=owner,
        deadline=deadline,
        created_by=by,
        created_at=now,
    )
    _event(item, "opened", by)
    return item


def _lock(item: LedgerItem) -> LedgerItem:
    return LedgerItem.objects.select_for_update().get(pk=item.pk)


@transaction.atomic
def ledger_item_answer(*, item: LedgerItem, by, answer: str, on_the_spot: bool = False) -> LedgerItem:
    item = _lock(item)
    WORKFLOW.require("answer", item, by)
    item.answer = _text(answer, "答复", 2000, required="answer_required")
    item.on_the_spot = bool(on_the_spot)
    item.state = ItemState.ANSWERED
    item.closed_at = clock.now()
    item.save(update_fields=["answer", "on_the_spot", "state", "closed_at"])
    _event(item, "answered", by)
    return item


@transaction.atomic
def ledger_item_to_demand(*, item: LedgerItem, by) -> LedgerItem:
    """One tap: the item becomes a grid-visit demand in the demands loop (demands service)."""
    from gongzhi.demands.models import Channel
    from gongzhi.demands.services import demand_create

    item = _lock(item)
    WORKFLOW.require("to_demand", item, by)
    household = item.household
    dwelling = household.dwelling if household and household.dwelling_id else None
    building = dwelling.building if dwelling is not None else None
    demand = demand_create(
        by=by,
        channel=Channel.GRID_VISIT,
        title=item.title,
        body=item.detail or item.title,
        community=Region.objects.get(code=item.community_id),
        building=building,
        person=household.head if household else None,
        created_at=clock.now(),
    )
    item.demand = demand
    item.state = ItemState.DEMAND
    item.closed_at = clock.now()
    item.save(update_fields=["demand", "state", "closed_at"])
    _event(item, "to_demand", by, demand.tracking_code)
    return item


@transaction.atomic
def ledger_item_to_topic(*, item: LedgerItem, by) -> LedgerItem:
    """The hook for deliberation: refused (no_deliberation) until that app is installed; then
    `gongzhi.deliberation.services.topic_from_ledger_item(item=, by=)` makes the topic."""
    from django.utils.module_loading import import_string

    item = _lock(item)
    WORKFLOW.require("to_topic", item, by)
    topic = import_string("gongzhi.deliberation.services.topic_from_ledger_item")(item=item, by=by)
    item.topic_ref = str(getattr(topic, "pk", topic))[:40]
    item.state = ItemState.TOPIC
    item.closed_at = clock.now()
    item.save(update_fields=["topic_ref", "state", "closed_at"])
    _event(item, "to_topic", by)
    return item


# Facts a worker checks at the door and may correct (registry fields).
CORRECTABLE = ("phone", "workplace", "hukou_address")


def household_fact_correct(*, household: Household, person_id: int, field: str, value: str, by):
    """A correction seen at the door goes to the registry through its own service, so that it is
    kept as an observation of the district's 社区采集 source (integration's field provenance)."""
    from gongzhi.registry.services import person_update

    require(by, rules.RECORD, household, hide=True)
    if field not in CORRECTABLE:
        raise error("bad_field")
    member = (
        HouseholdMember.objects.filter(household=household, person_id=person_id)
        .select_related("person")
        .first()
    )
    if member is None:
        raise error("not_member")
    return person_update(
        by=by, person=member.person, data={field: value}, note="入户走访核实", via="入户走访核实"
    )
