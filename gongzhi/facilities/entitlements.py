"""Entitlements beside payments (应享与已享): for each community in scope, what each funding and
allowance standard in force entitles it (and each of its post holders) to by the end of the
month, what was paid, and what is still owed (应享未享). One selector, `entitlements`, answers the
page, the API, the drill-down and the two ledger figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from gongzhi.core.models import Region

from .funding import annual_funding, due_by_month, monthly_allowance, months_held, yuan
from .models import Payment, Purpose, RuleKind, StaffPost, Standard
from .selectors import FigureValue, communities_in_scope, community_facts, standards_for

ZERO = Decimal("0")


@dataclass
class Row:
    """One beneficiary under one standard: the community itself, or a post holder."""

    standard: Standard
    subject: str  # the community's name or the post holder's
    staff: StaffPost | None
    annual: Decimal  # the year's entitlement (allowances: for the months held so far, ×12/M)
    due: Decimal  # due by the end of the month
    payments: list[Payment] = field(default_factory=list)
    note: str = ""  # a condition not met (the service share)
    condition_met: bool = True

    @property
    def paid(self) -> Decimal:
        return sum((p.amount for p in self.payments), ZERO)

    @property
    def owed(self) -> Decimal:
        """应享未享: what is due and not paid (never negative)."""
        return max(self.due - self.paid, ZERO)

    @property
    def short(self) -> bool:
        return self.owed > 0 or not self.condition_met


@dataclass
class CommunityEntitlements:
    region: Region
    rows: list[Row]

    @property
    def due(self) -> Decimal:
        return sum((r.due for r in self.rows), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((r.paid for r in self.rows), ZERO)

    @property
    def owed(self) -> Decimal:
        return sum((r.owed for r in self.rows), ZERO)

    @property
    def short(self) -> bool:
        return any(r.short for r in self.rows)


def parse_period(period: str) -> tuple[int, int]:
    """("YYYY-MM") → (year, month); anything else is the current month."""
    from gongzhi.core import clock

    try:
        y, m = int(period[:4]), int(period[5:7])
        if len(period) == 7 and period[4] == "-" and 1 <= m <= 12 and 2000 <= y <= 2100:
            return y, m
    except (TypeError, ValueError):
        pass
    today = timezone.localdate(clock.now())
    return today.year, today.month


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def accrued_months(year: int, month: int) -> int:
    """Months of the year up to `month` that are over: an entitlement falls due at the end of its
    month, so the month in progress is not owed yet."""
    from gongzhi.core import clock

    today = timezone.localdate(clock.now())
    return sum(1 for m in range(1, month + 1) if _month_end(year, m) < today)


def entitlements(*, user, prefix: str = "", period: str = "") -> list[CommunityEntitlements]:
    """Every community in the user's scope under `prefix`: its funding and allowance rows for the
    year up to the month (the months that are over), each with the payments counted against it
    (paid for that year, on or before the month's end)."""
    year, month = parse_period(period)
    months = accrued_months(year, month)
    regions = list(communities_in_scope(user=user, prefix=prefix).order_by("code"))
    if not regions:
        return []
    codes = [r.code for r in regions]
    common = prefix if len(prefix) >= 6 else ""
    facts = community_facts(common)
    end = _month_end(year, month)
    first = dt.date(year, 1, 1)
    staff: dict[str, list[StaffPost]] = {}
    for s in StaffPost.objects.filter(community_id__in=codes, start__lte=end).filter(
        Q(end__isnull=True) | Q(end__gte=first)
    ):
        staff.setdefault(s.community_id, []).append(s)
    paid: dict[tuple, list[Payment]] = {}
    for p in Payment.objects.filter(community_id__in=codes, year=year, paid_on__lte=end).order_by(
        "paid_on", "id"
    ):
        paid.setdefault((p.community_id, p.standard_code, p.staff_id), []).append(p)
    cache: dict[str, list[Standard]] = {}
    out = []
    for region in regions:
        if region.code[:9] not in cache:
            cache[region.code[:9]] = standards_for(region.code, funding=True)
        f = facts.get(region.code)
        households, residents = (f.households, f.residents) if f else (0, 0)
        rows: list[Row] = []
        for std in cache[region.code[:9]]:
            p = std.parameters
            if std.kind == RuleKind.ALLOWANCE:
                each = monthly_allowance(p)
                for holder in staff.get(region.code, []):
                    if holder.post != p["post"]:
                        continue
                    held = months_held(holder.start, holder.end, year, months)
                    if not held:
                        continue
                    rows.append(
                        Row(
                            std,
                            holder.name,
                            holder,
                            yuan(each * 12),
                            yuan(each * held),
                            paid.get((region.code, std.code, holder.pk), []),
                        )
                    )
                continue
            annual = annual_funding(std.kind, p, households=households, residents=residents, year=year)
            row = Row(
                std,
                region.name,
                None,
                annual,
                due_by_month(annual, months),
                paid.get((region.code, std.code, None), []),
            )
            share = p.get("service_share")
            if share is not None and row.paid > 0:
                service = sum((x.amount for x in row.payments if x.purpose == Purpose.SERVICE), ZERO)
                if service < Decimal(str(share)) * row.paid:
                    row.condition_met = False
                    row.note = f"服务项目支出 {service} 元，占已拨 {100 * service / row.paid:.0f}%，低于 {100 * float(share):.0f}%"
            rows.append(row)
        out.append(CommunityEntitlements(region, rows))
    return out


def _line(c: CommunityEntitlements, r: Row) -> str:
    who = c.region.name if r.staff is None else f"{c.region.name} · {r.subject}"
    text = f"{who} · {r.standard.title}：应享 {r.due} 元，已享 {r.paid} 元"
    if r.owed:
        text += f"，未享 {r.owed} 元"
    if r.note:
        text += f"；{r.note}"
    return text


def figure_owed(*, user, region, period: str = "") -> FigureValue:
    """应享未享金额（元）：本年度截至本月，按经费与报酬标准应拨给本地区各社区及其干部、尚未拨付的金额之和
    （每个社区、每名干部、每项标准分别计算，多拨的不抵少拨的）；记录为每一笔未足额拨付的应享项目。"""
    rows = entitlements(user=user, prefix=region.code, period=period)
    short = [(c, r) for c in rows for r in c.rows if r.short]
    total = sum((c.owed for c in rows), ZERO)
    return FigureValue(float(total), [_line(c, r) for c, r in short], below=bool(short))


def figure_paid_share(*, user, region, period: str = "") -> FigureValue:
    """应享已享比例：本年度截至本月，各项应享中已经拨付的比例（每项已拨超过应拨的，按应拨计）；
    记录为每一项应享与已享的对照。"""
    rows = entitlements(user=user, prefix=region.code, period=period)
    due = sum((c.due for c in rows), ZERO)
    covered = sum((max(min(r.paid, r.due), ZERO) for c in rows for r in c.rows), ZERO)
    lines = [_line(c, r) for c in rows for r in c.rows]
    return FigureValue(None if not due else float(covered / due), lines, below=covered < due)
