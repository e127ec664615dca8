"""Races the database must settle (PostgreSQL, real threads, each on its own connection; the rows
are committed in other threads and removed afterwards, as in demands/tests/test_concurrency.py):

- two runs of the evaluation's outcome withdraw an item from a community at the same moment:
  one withdrawal, one event, the task withdrawn once;
- a community's form sent twice for the same period at the same moment: one return."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from tests.concurrency import in_thread, race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

JUNMEN = "350102004001"


def _setup(form_fields: list, report_every: str) -> dict:
    from gongzhi.admission.models import Application, InboxTask
    from gongzhi.core.models import Region
    from tests.factories import DepartmentFactory, user_with_role

    dept = DepartmentFactory()
    app = Application.objects.create(
        region=Region.objects.get(code="350102"),
        department=dept,
        kind="form",
        title="并发测试事项",
        communities=[JUNMEN],
        period_start=dt.date(2020, 1, 1),
        period_end=dt.date(2099, 12, 31),
        hours_per_community=1,
        funding_per_community=0,
        legal_basis="测试",
        form_fields=form_fields,
        report_every=report_every,
        state="approved",
    )
    task = InboxTask.objects.create(
        community_id=JUNMEN,
        source="department",
        department=dept,
        sender=dept.name,
        title=app.title,
        application=app,
    )
    worker = user_with_role("community_worker", JUNMEN)
    return {"dept": dept.pk, "app": app.pk, "task": task.pk, "worker": worker.pk}


def _teardown(ids: dict) -> None:
    from gongzhi.admission.models import (
        Application,
        ApplicationEvent,
        FormReport,
        InboxTask,
        TaskEvent,
        Withdrawal,
    )
    from gongzhi.core.models import Department, RoleAssignment, User

    for model in (TaskEvent, FormReport):
        model.objects.filter(task_id=ids["task"])._raw_delete(model.objects.db)
    for model in (ApplicationEvent, Withdrawal):
        model.objects.filter(application_id=ids["app"])._raw_delete(model.objects.db)
    InboxTask.objects.filter(pk=ids["task"]).delete()
    Application.objects.filter(pk=ids["app"]).delete()
    Department.objects.filter(pk=ids["dept"]).delete()
    RoleAssignment.objects.filter(user_id=ids["worker"]).delete()
    User.objects.filter(pk=ids["worker"]).delete()


@pytest.fixture
def pg():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real parallel connections)")


def test_parallel_withdrawals_from_one_community_make_one(pg):
    from gongzhi.admission import services
    from gongzhi.admission.models import Application, ApplicationEvent, InboxTask, TaskEvent, Withdrawal

    ids = in_thread(_setup, [], "once")
    try:

        def withdraw():
            app = Application.objects.get(pk=ids["app"])
            w = services.application_withdraw_after_evaluation(
                application=app, unit_code=JUNMEN, reason="评分低", source="evaluation:0:1", data={}
            )
            return "made" if w is not None else "none"

        results = race(6, withdraw)
        assert sorted(results) == ["made"] + ["none"] * 5, results

        def counts():
            return (
                Withdrawal.objects.filter(application_id=ids["app"]).count(),
                ApplicationEvent.objects.filter(application_id=ids["app"], kind="withdrawn_unit").count(),
                TaskEvent.objects.filter(task_id=ids["task"], kind="withdrawn").count(),
                InboxTask.objects.get(pk=ids["task"]).state,
            )

        assert in_thread(counts) == (1, 1, 1, "withdrawn")
    finally:
        in_thread(_teardown, ids)


def test_a_form_sent_twice_at_once_gives_one_return(pg):
    from gongzhi.admission import reports
    from gongzhi.admission.models import FormReport, InboxTask
    from gongzhi.core.models import User

    fields = [{"name": "户数", "figure": "registry.households", "unit": "户"}, {"name": "备注", "figure": ""}]
    ids = in_thread(_setup, fields, "month")
    try:
        period = reports.report_periods(in_thread(lambda: InboxTask.objects.get(pk=ids["task"]).application))[
            -1
        ]

        def send():
            task = InboxTask.objects.get(pk=ids["task"])
            worker = User.objects.get(pk=ids["worker"])
            reports.report_submit(task=task, period=period, typed={"备注": "无"}, by=worker)
            return "ok"

        results = race(6, send)
        assert sorted(results) == ["ok"] + ["report_exists"] * 5, results
        assert in_thread(lambda: FormReport.objects.filter(task_id=ids["task"]).count()) == 1
    finally:
        in_thread(_teardown, ids)
