"""Every read of work admission, scoped; figures return the number and the records behind it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet, Sum

from gongzhi.core.errors import NotFound
from gongzhi.core.models import Region
from gongzhi.core.scoping import scope_prefixes, scoped  # noqa: F401 (scope_prefixes used by views)

from . import rules
from .models import (
    ADMITTED,
    Application,
    ApplicationEvent,
    FundEntry,
    InboxTask,
    ListKind,
    ListVersion,
    Withdrawal,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def list_in_force(*, region: str) -> ListVersion | None:
    return (
        ListVersion.objects.filter(region_id=region[:6], state=ListVersion.State.PUBLISHED)
        .select_related("region")
        .order_by("-number")
        .first()
    )


def districts_for(user) -> list[Region]:
    """The districts whose lists a user sees: those their scope lies in (everyone sees published lists;
    anonymous visitors get every district that has one)."""
    prefixes = scope_prefixes(user, rules.VIEW_LISTS) if user is not None and user.is_authenticated else []
    qs = Region.objects.filter(level=3)
    if prefixes and prefixes != [""]:
        codes = {p[:6] for p in prefixes if len(p) >= 6}
        qs = qs.filter(code__in=codes) if codes else qs.filter(code__startswith=prefixes[0])
    return list(qs.filter(code__in=ListVersion.objects.values("region_id")).order_by("code"))


def list_versions(*, region: str, user) -> QuerySet[ListVersion]:
    qs = ListVersion.objects.filter(region_id=region).select_related("region")
    if not user.has_perm(rules.MANAGE_LISTS, region):
        qs = qs.filter(state=ListVersion.State.PUBLISHED)
    return qs.order_by("-number")


def list_version_get(*, pk: int, user) -> ListVersion:
    v = ListVersion.objects.select_related("region").filter(pk=pk).first()
    if v is None or (v.state != ListVersion.State.PUBLISHED and not user.has_perm(rules.MANAGE_LISTS, v)):
        raise NotFound()
    return v


def list_grouped(version: ListVersion) -> list[tuple[str, StrOrPromise, list]]:
    items = list(version.items.all())
    return [(k, label, [i for i in items if i.kind == k]) for k, label in ListKind.choices]


def list_workbook(version: ListVersion) -> bytes:
    """The version as an Excel workbook, in the import's own columns (text cells, formulas made inert)."""
    import io

    import openpyxl
    from openpyxl.styles import Font

    from .services import HEADERS

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "清单"
    sheet.append(list(HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    labels = dict(ListKind.choices)
    for i in version.items.all():
        sheet.append(
            [
                _safe(str(labels[i.kind])),
                _safe(i.code),
                _safe(i.title),
                _safe(i.basis),
                _safe(i.note),
                _safe(i.template),
                _safe(i.platform_work),
            ]
        )
    for letter, width in zip("ABCDEF", (18, 10, 40, 40, 24, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _safe(text: str) -> str:
    text = "".join(ch for ch in text if ch >= " " or ch in "\t\n")
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


# Applications and the catalogue ----------------------------------------------------------------


def application_queryset(*, user) -> QuerySet[Application]:
    """Department staff see their departments' applications; reviewers every one in their district."""
    qs = Application.objects.select_related("department", "region")
    q = scoped(qs, user, rules.REVIEW, "region_id").values("pk")
    mine = qs.filter(department_id__in=rules.user_department_ids(user)).values("pk")
    return qs.filter(Q(pk__in=q) | Q(pk__in=mine))


def application_get(*, user, pk: int) -> Application:
    app = application_queryset(user=user).filter(pk=pk).first()
    if app is None:  # an item admitted (or withdrawn since) where the user works
        app = (
            Application.objects.select_related("department", "region")
            .filter(_community_q(user, rules.VIEW_CATALOGUE), pk=pk)
            .filter(state__in=[Application.State.APPROVED, Application.State.WITHDRAWN])
            .first()
        )
    if app is None:
        raise NotFound()
    return app


def _community_q(user, perm: str) -> Q:
    """Applications touching a community within the user's scope (JSON list of codes)."""
    prefixes = scope_prefixes(user, perm)
    if not prefixes:
        return Q(pk__in=[])
    if prefixes == [""]:
        return Q()
    q = Q()
    for p in prefixes:
        if len(p) <= 6:
            q |= Q(region__code__startswith=p) if len(p) < 6 else Q(region_id=p)
        else:
            codes = Region.objects.filter(level=5, code__startswith=p).values_list("code", flat=True)
            for c in codes:
                q |= Q(communities__contains=[c]) if _json_contains_ok() else Q(communities__icontains=c)
    return q


def _json_contains_ok() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def catalogue(*, user, at: dt.datetime | None = None) -> QuerySet[Application]:
    """The admitted catalogue (now, or as it stood at `at`, read from the events), in the user's scope."""
    qs = Application.objects.select_related("department", "region").filter(
        _community_q(user, rules.VIEW_CATALOGUE)
    )
    if at is None:
        return qs.filter(state=Application.State.APPROVED).order_by("period_start", "pk")
    admitted = ApplicationEvent.objects.filter(kind=ApplicationEvent.Kind.APPROVED, at__lte=at).values(
        "application_id"
    )
    withdrawn = ApplicationEvent.objects.filter(kind=ApplicationEvent.Kind.WITHDRAWN, at__lte=at).values(
        "application_id"
    )
    return qs.filter(pk__in=admitted).exclude(pk__in=withdrawn).order_by("period_start", "pk")


def withdrawals_of(app: Application) -> list[Withdrawal]:
    """An item's withdrawals (whole or per community), each with the community's name."""
    rows = list(app.withdrawals.select_related("by").order_by("at", "id"))
    names = dict(
        Region.objects.filter(code__in=[w.unit_code for w in rows if w.unit_code]).values_list("code", "name")
    )
    for w in rows:
        w.unit_name = names.get(w.unit_code, w.unit_code)  # type: ignore[attr-defined]
    return rows


def withdrawn_units(apps) -> dict[int, list[str]]:
    """{application id: names of the communities it was withdrawn from} for a page of items."""
    rows = list(
        Withdrawal.objects.filter(application__in=apps)
        .exclude(unit_code="")
        .values_list("application_id", "unit_code")
    )
    names = dict(Region.objects.filter(code__in={c for _a, c in rows}).values_list("code", "name"))
    out: dict[int, list[str]] = {}
    for a, c in rows:
        out.setdefault(a, []).append(names.get(c, c))
    return out


def catalogue_history(*, user) -> QuerySet[ApplicationEvent]:
    apps = Application.objects.filter(_community_q(user, rules.VIEW_CATALOGUE)).values("pk")
    return (
        ApplicationEvent.objects.filter(
            application_id__in=apps,
            kind__in=[
                ApplicationEvent.Kind.APPROVED,
                ApplicationEvent.Kind.WITHDRAWN,
                ApplicationEvent.Kind.WITHDRAWN_UNIT,
            ],
        )
        .select_related("application", "application__department")
        .order_by("-at", "-id")
    )


def review_queue(*, user) -> QuerySet[Application]:
    return (
        scoped(Application.objects.select_related("department"), user, rules.REVIEW, "region_id")
        .filter(state=Application.State.UNDER_REVIEW)
        .order_by("review_due")
    )


def review_overdue(*, user) -> QuerySet[Application]:
    """Applications still under review after their working-day limit."""
    from gongzhi.core import clock

    return review_queue(user=user).filter(review_due__lt=clock.now())


# The inbox and reconciliation -----------------------------------------------------------------


def inbox(*, user, state: str = "") -> QuerySet[InboxTask]:
    qs = scoped(
        InboxTask.objects.select_related("application", "department", "community", "list_item"),
        user,
        rules.INBOX,
    )
    if state in InboxTask.State.values:
        qs = qs.filter(state=state)
    return qs


def task_get(*, user, pk: int) -> InboxTask:
    task = inbox(user=user).filter(pk=pk).first()
    if task is None:
        raise NotFound()
    return task


# Sending tasks --------------------------------------------------------------------------------


def task_senders(*, user) -> list[tuple[str, str, object]]:
    """Who the user may send tasks as: their departments, and the streets they work for."""
    from gongzhi.core.models import Department

    out: list[tuple[str, str, object]] = [
        (f"d:{d.pk}", d.name, d)
        for d in Department.objects.filter(pk__in=rules.user_department_ids(user)).order_by("code")
    ]
    streets = [p for p in scope_prefixes(user, rules.SEND_TASK) if len(p) == 9]
    out += [(f"s:{r.code}", r.name, r) for r in Region.objects.filter(code__in=streets).order_by("code")]
    return out


def task_communities(*, user) -> QuerySet[Region]:
    """The communities the user may send tasks to."""
    prefixes = [p for p in scope_prefixes(user, rules.SEND_TASK) if len(p) >= 6]
    if not prefixes:
        return Region.objects.none()
    q = Q()
    for p in prefixes:
        q |= Q(code__startswith=p)
    return Region.objects.filter(q, level=5).order_by("code")


def sendable_applications(*, user) -> QuerySet[Application]:
    """Admitted items a department may send tasks under: its own, approved."""
    return (
        Application.objects.filter(
            department_id__in=rules.user_department_ids(user), state=Application.State.APPROVED
        )
        .select_related("department")
        .order_by("-decided_at", "-pk")
    )


def sent_tasks(*, user) -> QuerySet[InboxTask]:
    """Tasks the user's departments sent, and those their streets sent, with how they ended."""
    q = Q(department_id__in=rules.user_department_ids(user))
    for p in scope_prefixes(user, rules.SEND_TASK):
        if len(p) == 9:
            q |= Q(source=InboxTask.Source.STREET, community__code__startswith=p)
    return (
        InboxTask.objects.filter(q).select_related("community", "application").order_by("-received_at", "-pk")
    )


def task_funding(task: InboxTask) -> Decimal:
    if task.application_id is None:
        return Decimal("0")
    total = FundEntry.objects.filter(
        account__application_id=task.application_id, account__community_id=task.community_id
    ).aggregate(s=Sum("amount"))["s"]
    return Decimal(str(total or 0))


@dataclass
class DepartmentRow:
    department_id: int
    name: str
    admitted_items: int
    tasks_admitted: int
    tasks_unadmitted: int
    refused: int
    hours_planned: Decimal
    hours_spent: Decimal
    funds_sent: Decimal

    @property
    def yuan_per_hour(self):
        return (self.funds_sent / self.hours_spent).quantize(Decimal("0.01")) if self.hours_spent else None


def reconciliation(*, user, year: int | None = None) -> tuple[int, list[DepartmentRow]]:
    """Per department: the workload it imposed on communities in the user's scope and the money it sent
    (tasks received and money sent in `year`, or ever)."""
    tasks = scoped(InboxTask.objects.filter(department__isnull=False), user, rules.VIEW_RECONCILIATION)
    if year is not None:
        tasks = tasks.filter(received_at__year=year)
    dept_ids = set(rules.user_department_ids(user))
    if dept_ids and not scope_prefixes(user, rules.REVIEW):
        tasks = tasks.filter(department_id__in=dept_ids)
    per = {
        r["department_id"]: r
        for r in tasks.values("department_id", "department__name").annotate(
            admitted=Count("pk", filter=ADMITTED),
            unadmitted=Count("pk", filter=~ADMITTED),
            refused=Count("pk", filter=Q(state=InboxTask.State.REFUSED)),
            hours=Sum("hours_spent"),
            items=Count("application", distinct=True),
        )
    }
    planned = {
        r["department_id"]: r
        for r in tasks.filter(application__isnull=False)
        .values("department_id")
        .annotate(h=Sum("application__hours_per_community"))
    }
    communities = tasks.values("community_id")
    sent = FundEntry.objects.filter(
        account__application__isnull=False, account__community_id__in=communities, amount__gt=0
    )
    if year is not None:
        sent = sent.filter(at__year=year)
    funds = {
        r["account__department_id"]: r["s"]
        for r in sent.values("account__department_id").annotate(s=Sum("amount"))
    }
    rows = [
        DepartmentRow(
            department_id=d,
            name=r["department__name"],
            admitted_items=r["items"],
            tasks_admitted=r["admitted"],
            tasks_unadmitted=r["unadmitted"],
            refused=r["refused"],
            hours_planned=Decimal(str(planned.get(d, {}).get("h") or 0)),
            hours_spent=Decimal(str(r["hours"] or 0)),
            funds_sent=Decimal(str(funds.get(d) or 0)).quantize(Decimal("0.01")),
        )
        for d, r in per.items()
    ]
    rows.sort(key=lambda r: (-r.tasks_unadmitted, r.name))
    return len(rows), rows


@dataclass
class CommunityWorkload:
    code: str
    tasks_admitted: int = 0
    tasks_unadmitted: int = 0
    refused: int = 0
    hours_spent: Decimal = Decimal("0")
    funds_received: Decimal = Decimal("0")
    withdrawn: int = 0


def community_workload(*, prefixes: list[str], year: int) -> dict[str, CommunityWorkload]:
    """Per community under `prefixes` (the caller's scope), in `year`: tasks received admitted and not,
    unadmitted ones it refused, hours it recorded, funds it received, items withdrawn from it. For the
    annual assessment sheet (evaluation.assessment)."""
    from .models import TaskEvent

    if not prefixes:
        return {}
    where, fund_where = Q(), Q()
    for p in prefixes:
        where |= Q(community__code__startswith=p)
        fund_where |= Q(account__community__code__startswith=p)
    out: dict[str, CommunityWorkload] = {}

    def row(code: str) -> CommunityWorkload:
        return out.setdefault(code, CommunityWorkload(code))

    for t in (
        InboxTask.objects.filter(where, received_at__year=year)
        .values("community_id")
        .annotate(
            n_admitted=Count("pk", filter=Q(application__isnull=False)),
            n_unadmitted=Count("pk", filter=Q(application__isnull=True)),
        )
    ):
        row(t["community_id"]).tasks_admitted = t["n_admitted"]
        row(t["community_id"]).tasks_unadmitted = t["n_unadmitted"]
    for refused in (
        InboxTask.objects.filter(where, state=InboxTask.State.REFUSED, refused_at__year=year)
        .values("community_id")
        .annotate(n=Count("pk"))
    ):
        row(refused["community_id"]).refused = refused["n"]
    for hours in (
        TaskEvent.objects.filter(where, kind=TaskEvent.Kind.HOURS, at__year=year)
        .values("community_id")
        .annotate(h=Sum("hours"))
    ):
        row(hours["community_id"]).hours_spent = Decimal(str(hours["h"] or 0))
    for funds in (
        FundEntry.objects.filter(fund_where, account__application__isnull=False, amount__gt=0, at__year=year)
        .values("account__community_id")
        .annotate(s=Sum("amount"))
    ):
        code = funds["account__community_id"]
        assert code is not None  # accounts of a task and community
        row(code).funds_received = Decimal(str(funds["s"] or 0)).quantize(Decimal("0.01"))
    for w in (
        Withdrawal.objects.filter(at__year=year)
        .exclude(unit_code="")
        .values("unit_code")
        .annotate(n=Count("pk"))
    ):
        if any(w["unit_code"].startswith(p) for p in prefixes):
            row(w["unit_code"]).withdrawn = w["n"]
    return out


# Figures ---------------------------------------------------------------------------------------


def unadmitted_refused(*, user, **_):
    """Figure: tasks refused as not admitted, with the tasks."""
    qs = (
        inbox(user=user, state=InboxTask.State.REFUSED)
        if scope_prefixes(user, rules.INBOX)
        else scoped(InboxTask.objects.filter(state=InboxTask.State.REFUSED), user, rules.VIEW_RECONCILIATION)
    )
    departments = rules.user_department_ids(user)
    if departments and not scope_prefixes(user, rules.REVIEW):
        qs = qs.filter(department_id__in=departments)  # a department sees the refusals of its own tasks
    records = list(qs.select_related("department").order_by("-refused_at")[:200])
    return qs.count(), records


def admitted_items(*, user, **_):
    """Figure: items in the admitted catalogue now, with the items."""
    qs = catalogue(user=user)
    return qs.count(), list(qs[:200])


def community_names(codes: list[str]) -> list[str]:
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return [names.get(c, c) for c in codes]
