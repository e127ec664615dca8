"""Writes of the facilities register: premises, facilities, versions of standards, post holders
and the funding paid."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from gongzhi.core import clock
from gongzhi.core.errors import NotFound
from gongzhi.core.models import Region
from gongzhi.core.permissions import require

from . import rules
from .compliance import missing_parameters
from .errors import error
from .facilities_services import (  # noqa: F401  (the register's writes, re-exported)
    facility_create,
    facility_retire,
    facility_update,
    premises_create,
    premises_retire,
    premises_update,
)
from .models import (
    Payment,
    Post,
    Premises,
    Purpose,
    RuleKind,
    StaffPost,
    Standard,
)
from .parameters import clean as parameters_clean


def _community(code: str) -> Region:
    region = Region.objects.filter(code=code, level=5).first()
    if region is None:
        raise error("not_community")
    return region


SCOPE_LENGTHS = (2, 4, 6, 9)  # province, city, district, street


@transaction.atomic
def standard_add(
    *,
    code: str,
    title: str,
    source: str,
    kind: str,
    parameters: dict,
    scope: str = "",
    unit_price=0,
    in_force_from=None,
    by,
) -> Standard:
    """A new version of a standard (older versions are kept; compliance uses, for each code, the
    newest version in force whose scope covers the community). Only within the adder's scope:
    district staff for their district, nationwide only for whoever holds it everywhere."""
    require(by, rules.STANDARDS)
    code = (code or "").strip().lower()
    if not code or len(code) > 40 or not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", code):
        raise error("code_required")
    title, source = (title or "").strip(), (source or "").strip()
    if not title:
        raise error("title_required")
    if not source:
        raise error("source_required")
    scope = (scope or "").strip()
    if scope and (not scope.isdigit() or len(scope) not in SCOPE_LENGTHS):
        raise error("bad_scope")
    if not rules.may_add_standard(by, scope):
        raise error("bad_scope")
    if kind not in RuleKind.values:
        raise error("bad_choice")
    clean = parameters_clean(kind, parameters)
    if missing := missing_parameters(kind, clean):  # the rules' own list, a second guard
        raise error("bad_parameters", missing="、".join(missing))
    try:
        price = Decimal(str(unit_price if unit_price not in (None, "") else 0).strip())
    except (InvalidOperation, ValueError):
        raise error("bad_price") from None
    if not price.is_finite() or price < 0 or price >= Decimal("100000000"):
        raise error("bad_price")
    start = _date(in_force_from) if in_force_from else timezone.localdate(clock.now())
    # Lock the code's versions, then read the newest again: a version added by whoever held the
    # lock before is seen by this second statement (READ COMMITTED).
    list(Standard.objects.select_for_update().filter(code=code).values_list("pk", flat=True))
    last = Standard.objects.filter(code=code).order_by("-version").first()
    if last is not None and last.kind != kind:
        raise error("kind_changed")
    try:
        with transaction.atomic():
            return Standard.objects.create(
                code=code,
                version=(last.version + 1) if last else 1,
                title=title[:100],
                source=source[:200],
                kind=kind,
                parameters=clean,
                scope=scope,
                unit_price=price.quantize(Decimal("0.01")),
                in_force_from=start,
            )
    except IntegrityError:  # another version of a new code was added at the same moment
        raise error("standard_changed") from None


def _date(value) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise error("bad_date") from None


@transaction.atomic
def staff_post_add(*, community: str, name: str, post: str, start, end=None, by) -> StaffPost:
    """Record who holds a paid post in the community (the allowances are computed from it)."""
    region = _community(community)
    require(by, rules.MANAGE, region)
    name = (name or "").strip()
    if not name:
        raise error("name_required")
    if post not in Post.values:
        raise error("bad_choice")
    start_d, end_d = _date(start), (_date(end) if end else None)
    if end_d is not None and end_d < start_d:
        raise error("bad_date")
    try:
        with transaction.atomic():
            return StaffPost.objects.create(
                community=region, name=name[:30], post=post, start=start_d, end=end_d
            )
    except IntegrityError:
        raise error("name_taken") from None


@transaction.atomic
def payment_record(
    *,
    community: str,
    standard_code: str,
    year: int,
    amount,
    paid_on,
    voucher: str,
    purpose: str = "",
    month: int | None = None,
    staff: int | None = None,
    note: str = "",
    by,
) -> Payment:
    """Record money paid to a community, or to one of its post holders, under a funding or
    allowance standard. A voucher is recorded once per community (the database holds it)."""
    region = _community(community)
    require(by, rules.PAY, region)
    from .funding import FUNDING_KINDS

    standard = Standard.objects.filter(code=standard_code).order_by("-version").first()
    if standard is None or standard.kind not in FUNDING_KINDS:
        raise error("not_funding")
    try:
        year_i, month_i = int(year), (int(month) if month not in (None, "") else None)
    except (TypeError, ValueError):
        raise error("bad_period") from None
    if not 2000 <= year_i <= 2100 or (month_i is not None and not 1 <= month_i <= 12):
        raise error("bad_period")
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise error("bad_amount") from None
    if (
        not value.is_finite()
        or value == 0
        or value != value.quantize(Decimal("0.01"))
        or abs(value) >= 10**10
    ):
        raise error("bad_amount")
    voucher = (voucher or "").strip()
    if not voucher:
        raise error("voucher_required")
    holder = None
    if standard.kind == RuleKind.ALLOWANCE:
        if not staff:
            raise error("staff_required")
        holder = StaffPost.objects.filter(pk=staff).first()
        if holder is None or holder.community_id != region.code:
            raise error("staff_elsewhere")
        purpose = Purpose.ALLOWANCE
    elif purpose not in Purpose.values:
        purpose = Purpose.OTHER
    paid = _date(paid_on)
    try:
        with transaction.atomic():
            return Payment.objects.create(
                community=region,
                standard_code=standard.code,
                year=year_i,
                month=month_i,
                staff=holder,
                amount=value,
                purpose=purpose,
                paid_on=paid,
                voucher=voucher[:40],
                note=(note or "")[:200],
                recorded_by=by if getattr(by, "pk", None) else None,
            )
    except IntegrityError:
        raise error("voucher_taken") from None


@transaction.atomic
def premises_link_space(*, premises: int, space: int | None, by) -> Premises:
    """Say which bookable space (organisations' register) a room is, so that its use is read
    from the bookings; `space=None` unlinks it. The space must be the same community's."""
    from gongzhi.organizations.models import Space

    room = Premises.objects.select_for_update().filter(pk=premises).first()
    if room is None:
        raise NotFound()
    require(by, rules.MANAGE, room.community, hide=True)
    if room.retired_on is not None:
        raise error("retired")
    target = None
    if space:
        target = Space.objects.filter(pk=space).first()
        if target is None or target.community_id != room.community_id:
            raise error("space_elsewhere")
        if Premises.objects.filter(space=target).exclude(pk=room.pk).exists():
            raise error("space_taken")
    room.space = target
    try:
        with transaction.atomic():
            room.save(update_fields=["space"])
    except IntegrityError:  # linked to another room at the same moment
        raise error("space_taken") from None
    return room
