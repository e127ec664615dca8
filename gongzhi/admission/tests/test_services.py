import datetime as dt
from decimal import Decimal

import pytest

from gongzhi.admission import selectors, services
from gongzhi.admission.models import (
    Application,
    ApplicationEvent,
    FundAccount,
    InboxTask,
    ListItem,
    ListVersion,
)
from gongzhi.core import clock
from gongzhi.core.append_only import AppendOnlyError
from gongzhi.core.errors import ApplicationError, PermissionDenied
from gongzhi.core.ledger import ledger_verify

from .conftest import DISTRICT, JUNMEN, NOW, app_data

pytestmark = pytest.mark.django_db


def _xlsx(rows):
    import io

    import openpyxl

    book = openpyxl.Workbook()
    for r in rows:
        book.active.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_lists_are_versioned_and_a_published_version_never_changes(reviewer, published):
    assert published.state == "published" and published.items.count() > 20
    with pytest.raises(ApplicationError) as e:
        services.list_items_set(version=published, items=[], by=reviewer)
    assert e.value.code == "version_published"
    v2 = services.list_draft_open(region=DISTRICT, by=reviewer)
    assert v2.number == 2 and v2.items.count() == published.items.count()
    assert selectors.list_in_force(region=JUNMEN).pk == published.pk  # the draft is not in force


def test_import_reports_each_row_and_imports_nothing_when_one_is_wrong(reviewer, published):
    draft = services.list_draft_open(region=DISTRICT, by=reviewer)
    before = draft.items.count()
    bad = _xlsx(
        [
            ["清单类别", "编号", "事项名称", "依据"],
            ["负面清单", "N1", "招商引资", ""],
            ["别的清单", "N2", "x", ""],
            ["负面清单", "N1", "重复", ""],
        ]
    )
    report = services.list_import(version=draft, data=bad, by=reviewer)
    assert [r["ok"] for r in report.rows] == [True, False, False]
    assert report.rows[1]["row"] == 3 and "不认识" in report.rows[1]["message"]
    assert draft.items.count() == before
    good = _xlsx(
        [
            ["清单类别", "编号", "事项名称", "依据", "备注", "证明模板"],
            ["负面清单", "N1", "招商引资", ""],
            [
                "出具证明事项",
                "residence",
                "居住证明",
                "",
                "",
                "兹证明 {姓名}（{公民身份号码}）居住于{住址}。",
            ],
        ]
    )
    report = services.list_import(version=draft, data=good, by=reviewer)
    assert report.imported == 2 and draft.items.count() == 2


def test_export_round_trips_through_import(reviewer, published):
    data = selectors.list_workbook(published)
    draft = services.list_draft_open(region=DISTRICT, by=reviewer)
    report = services.list_import(version=draft, data=data, by=reviewer)
    assert report.errors == 0 and report.imported == published.items.count()


def test_only_district_staff_manage_lists(make_user, dept_user, published):
    for user in (dept_user, make_user("street_staff", "350102004"), make_user("district_staff", "350103")):
        with pytest.raises(PermissionDenied):
            services.list_draft_open(region=DISTRICT, by=user)
    assert ListVersion.objects.count() == 1


def test_application_review_and_approval_deliver_tasks_and_funds(now, draft_app, dept_user, reviewer):
    app = services.application_submit(application=draft_app, by=dept_user)
    assert app.state == "under_review" and app.review_due > NOW
    app = services.application_decide(application=app, step="approve", reason="符合清单", by=reviewer)
    assert app.state == "approved"
    tasks = InboxTask.objects.filter(application=app)
    assert sorted(tasks.values_list("community_id", flat=True)) == [JUNMEN, "350102004003"]
    assert FundAccount.objects.get(application=app, community_id=JUNMEN).balance == Decimal("1000.00")
    assert FundAccount.objects.get(department=app.department, application__isnull=True).balance == Decimal(
        "-2000.00"
    )
    assert ledger_verify(FundAccount)[1] == []
    kinds = list(app.events.values_list("kind", flat=True))
    assert kinds == ["created", "submitted", "approved"]


def test_changes_requested_then_resubmitted_with_changes(now, draft_app, dept_user, reviewer):
    services.application_submit(application=draft_app, by=dept_user)
    services.application_decide(application=draft_app, step="request_changes", reason="补充依据", by=reviewer)
    app = services.application_submit(application=draft_app, by=dept_user, changes={"legal_basis": "新依据"})
    assert app.state == "under_review" and app.legal_basis == "新依据"


def test_refusal_needs_a_reason_and_changes_nothing_without_one(now, draft_app, dept_user, reviewer):
    services.application_submit(application=draft_app, by=dept_user)
    with pytest.raises(ApplicationError):
        services.application_decide(application=draft_app, step="refuse", reason=" ", by=reviewer)
    draft_app.refresh_from_db()
    assert draft_app.state == "under_review" and draft_app.events.count() == 2


def test_lead_time_of_thirty_working_days(now, dept, dept_user, published):
    app = services.application_create(
        department=dept, data=app_data(period_start=dt.date(2026, 3, 20)), by=dept_user
    )
    with pytest.raises(ApplicationError) as e:
        services.application_submit(application=app, by=dept_user)
    assert e.value.code == "lead_time"
    app.refresh_from_db()
    assert app.state == "draft"


def test_negative_list_items_are_refused_on_submit(now, dept, dept_user, published):
    app = services.application_create(
        department=dept, data=app_data(title="招商引资、协税护税"), by=dept_user
    )
    with pytest.raises(ApplicationError) as e:
        services.application_submit(application=app, by=dept_user)
    assert e.value.code == "negative_list"


def test_a_department_applies_only_for_itself_and_in_its_district(
    now, dept, other_dept, make_user, published
):
    other = make_user("department_staff", other_dept)
    with pytest.raises(PermissionDenied):
        services.application_create(department=dept, data=app_data(), by=other)
    user = make_user("department_staff", dept)
    with pytest.raises(ApplicationError) as e:
        services.application_create(department=dept, data=app_data(communities=["350103001001"]), by=user)
    assert e.value.code in ("foreign_community",)
    assert Application.objects.count() == 0


def test_events_are_append_only(draft_app):
    e = draft_app.events.first()
    with pytest.raises(AppendOnlyError):
        e.delete()
    with pytest.raises(AppendOnlyError):
        ApplicationEvent.objects.filter(pk=e.pk).update(note="x")


def test_catalogue_history_shows_what_was_admitted_when(
    now, draft_app, dept_user, reviewer, community_worker
):
    services.application_submit(application=draft_app, by=dept_user)
    services.application_decide(application=draft_app, step="approve", reason="ok", by=reviewer)
    with clock.at(NOW + dt.timedelta(days=30)):
        services.application_decide(application=draft_app, step="withdraw", reason="评议差", by=reviewer)
    assert not selectors.catalogue(user=community_worker).exists()
    assert list(selectors.catalogue(user=community_worker, at=NOW + dt.timedelta(days=1))) == [draft_app]
    assert not selectors.catalogue(user=community_worker, at=NOW - dt.timedelta(days=1)).exists()
    assert selectors.catalogue_history(user=community_worker).count() == 2


# The inbox -------------------------------------------------------------------------------------


def test_unadmitted_task_is_refused_in_one_click_citing_the_rule(
    now, dept, dept_user, published, community_worker
):
    [task] = services.task_send(title="商户消防台账", communities=[JUNMEN], by=dept_user, department=dept)
    assert not task.admitted
    task = services.task_refuse(task=task, by=community_worker)
    assert task.state == "refused" and "未经准入" in task.refusal_rule and "第 1 版" in task.refusal_rule
    count, rows = selectors.reconciliation(user=dept_user)
    assert rows[0].refused == 1 and rows[0].tasks_unadmitted == 1


def test_an_admitted_task_cannot_be_refused_and_hours_add_up(
    now, draft_app, dept_user, reviewer, community_worker
):
    services.application_submit(application=draft_app, by=dept_user)
    services.application_decide(application=draft_app, step="approve", reason="ok", by=reviewer)
    task = InboxTask.objects.get(application=draft_app, community_id=JUNMEN)
    with pytest.raises(ApplicationError) as e:
        services.task_refuse(task=task, by=community_worker)
    assert e.value.code == "task_admitted"
    services.task_hours_record(task=task, hours="3.5", by=community_worker)
    services.task_hours_record(task=task, hours=2, by=community_worker)
    with pytest.raises(ApplicationError):
        services.task_hours_record(task=task, hours="-1", by=community_worker)
    task.refresh_from_db()
    assert task.hours_spent == Decimal("5.5") and selectors.task_funding(task) == Decimal("1000")
    _n, rows = selectors.reconciliation(user=reviewer)
    row = rows[0]
    assert (
        row.hours_spent == Decimal("5.5") and row.funds_sent == Decimal("2000.00") and row.hours_planned == 20
    )


def test_another_community_cannot_touch_the_task(now, dept, dept_user, published, make_user):
    [task] = services.task_send(title="x", communities=[JUNMEN], by=dept_user, department=dept)
    other = make_user("community_worker", "350102004003")
    with pytest.raises(ApplicationError) as e:
        services.task_refuse(task=task, by=other)
    assert e.value.status == 404
    task.refresh_from_db()
    assert task.state == "open"


def test_refusal_of_an_admitted_task_is_impossible_in_the_database(now, draft_app, dept_user, reviewer):
    from django.db import IntegrityError, transaction

    services.application_submit(application=draft_app, by=dept_user)
    services.application_decide(application=draft_app, step="approve", reason="ok", by=reviewer)
    task = InboxTask.objects.filter(application=draft_app).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        InboxTask.objects.filter(pk=task.pk).update(state="refused")


def test_list_items_listed_per_kind(published):
    kinds = set(ListItem.objects.filter(version=published).values_list("kind", flat=True))
    assert kinds == {"duty", "assist", "negative", "certificate"}


def test_review_past_its_working_day_limit_is_flagged(now, draft_app, dept_user, reviewer, client):
    services.application_submit(application=draft_app, by=dept_user)
    assert not selectors.review_overdue(user=reviewer).exists()
    with clock.at(NOW + dt.timedelta(days=20)):  # 14 working days
        assert not selectors.review_overdue(user=reviewer).exists()
    with clock.at(NOW + dt.timedelta(days=23)):  # past the 15th working day
        assert list(selectors.review_overdue(user=reviewer)) == [draft_app]
        client.force_login(reviewer)
        assert 'data-testid="overdue"' in client.get("/admission/applications/").content.decode()
