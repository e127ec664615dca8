"""The platform's own work reaches the community's inbox (平台交办): admitted when the district's
list names it on a duty, otherwise refusable like any unadmitted task; one task per piece of work."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from gongzhi.admission import services
from gongzhi.admission.models import InboxTask, ListItem, TaskEvent
from gongzhi.admission.platform_work import platform_work_receive
from gongzhi.core.errors import ApplicationError
from gongzhi.core.manifests import community_work, run_hook

from .conftest import DISTRICT, JUNMEN
from .test_services import _xlsx

pytestmark = pytest.mark.django_db


def _send(key="visits.monthly_visits", ref="visits.plans:x:2026-03", title="三月入户走访", **kw):
    run_hook(
        "community_work",
        key=key,
        ref=ref,
        community_code=kw.pop("community_code", JUNMEN),
        title=title,
        deadline=kw.pop("deadline", dt.date(2026, 3, 31)),
        link=kw.pop("link", "/visits/plans/"),
        **kw,
    )
    return InboxTask.objects.get(community_id=JUNMEN, work_ref=ref)


def test_the_apps_declare_their_community_work():
    keys = community_work()
    for key in (
        "visits.monthly_visits",
        "visits.courtyard_inspection",
        "evaluation.household_survey",
        "evaluation.department_rating",
    ):
        assert key in keys and str(keys[key])


def test_work_a_listed_duty_names_arrives_admitted_under_that_duty(now, published):
    task = _send()
    assert task.source == InboxTask.Source.PLATFORM and task.admitted and task.application_id is None
    assert task.list_item.code == "YF06" and task.list_item.version == published
    assert task.sender.startswith("平台") and task.deadline == dt.date(2026, 3, 31)
    assert task.events.get().kind == TaskEvent.Kind.RECEIVED


def test_announcing_the_same_work_again_updates_the_one_task(now, published):
    first = _send(title="三月入户走访：2 名包户人员，60 户")
    again = _send(title="三月入户走访：3 名包户人员，90 户", deadline=dt.date(2026, 3, 30))
    assert again.pk == first.pk and InboxTask.objects.count() == 1
    assert again.title.endswith("90 户") and again.deadline == dt.date(2026, 3, 30)
    with pytest.raises(IntegrityError), transaction.atomic():
        InboxTask.objects.create(
            community_id=JUNMEN, source="platform", sender="x", title="x", work_ref=first.work_ref
        )


def test_work_no_list_names_arrives_unadmitted_and_the_community_refuses_it(now, published, community_worker):
    task = _send(key="evaluation.department_rating", ref="evaluation.survey:9")
    assert not task.admitted
    refused = services.task_refuse(task=task, by=community_worker)
    assert refused.state == InboxTask.State.REFUSED and "未经准入" in refused.refusal_rule
    # refused work announced again stays refused: no second task, nothing reopened
    again = _send(key="evaluation.department_rating", ref="evaluation.survey:9", title="再次派发")
    assert again.pk == task.pk and again.state == InboxTask.State.REFUSED and again.title != "再次派发"


def test_admitted_platform_work_cannot_be_refused(now, published, community_worker):
    task = _send()
    with pytest.raises(ApplicationError) as e:
        services.task_refuse(task=task, by=community_worker)
    assert e.value.code == "task_admitted"
    with pytest.raises(IntegrityError), transaction.atomic():
        InboxTask.objects.filter(pk=task.pk).update(state=InboxTask.State.REFUSED)


def test_without_a_list_in_force_work_arrives_unadmitted_and_a_new_list_admits_the_open_ones(
    now, reviewer, community_worker
):
    from gongzhi.admission.listdata import list_items

    waiting = _send(ref="visits.plans:a")
    refused = _send(key="visits.courtyard_inspection", ref="visits.inspection:1")
    services.task_refuse(task=refused, by=community_worker)
    assert not waiting.admitted
    v = services.list_draft_open(region=DISTRICT, by=reviewer)
    services.list_items_set(version=v, items=list_items(), by=reviewer)
    services.list_publish(version=v, by=reviewer)
    waiting.refresh_from_db()
    refused.refresh_from_db()
    assert waiting.list_item.code == "YF06"
    assert list(waiting.events.values_list("kind", flat=True)) == ["received", "admitted"]
    assert refused.state == InboxTask.State.REFUSED and refused.list_item is None


def test_an_undeclared_key_is_a_programming_error(now, published):
    with pytest.raises(ValueError):
        platform_work_receive(key="nope.work", ref="r", community_code=JUNMEN, title="x")


def test_the_lists_column_is_imported_checked_and_exported(now, reviewer, published):
    from gongzhi.admission.selectors import list_workbook

    v = services.list_draft_open(region=DISTRICT, by=reviewer)
    head = ["清单类别", "编号", "事项名称", "依据", "备注", "证明模板", "对应平台工作"]
    bad = _xlsx(
        [
            head,
            ["依法履职事项", "A1", "走访", "", "", "", "visits.monthly_visit"],
            ["负面清单", "A2", "招商引资", "", "", "", "visits.monthly_visits"],
        ]
    )
    report = services.list_import(version=v, data=bad, by=reviewer)
    assert report.errors == 2 and "visits.monthly_visits" in report.rows[0]["message"]
    assert "只有依法履职事项和协助政府工作事项" in report.rows[1]["message"]
    assert ListItem.objects.filter(version=v).count() == len(published.items.all())  # nothing replaced
    good = _xlsx(
        [
            head,
            [
                "协助政府工作事项",
                "B1",
                "入户调查",
                "",
                "",
                "",
                "evaluation.household_survey、visits.monthly_visits",
            ],
        ]
    )
    assert services.list_import(version=v, data=good, by=reviewer).errors == 0
    item = ListItem.objects.get(version=v, code="B1")
    assert item.platform_work == "evaluation.household_survey,visits.monthly_visits"
    assert [str(x) for x in item.work_labels] == [
        str(community_work()["evaluation.household_survey"]),
        str(community_work()["visits.monthly_visits"]),
    ]
    import io

    import openpyxl

    rows = list(openpyxl.load_workbook(io.BytesIO(list_workbook(v))).active.iter_rows(values_only=True))
    assert rows[0][-1] == "对应平台工作" and rows[1][-1] == item.platform_work


def test_the_inbox_shows_which_duty_admits_platform_work_and_offers_refusal_only_otherwise(
    now, published, community_worker, client
):
    listed = _send()
    unlisted = _send(key="evaluation.department_rating", ref="evaluation.survey:3", title="社区评部门")
    client.force_login(community_worker)
    html = client.get("/admission/inbox/").content.decode()
    row = {t.pk: html.split(f'data-task="{t.pk}"', 1)[1].split("</tr>", 1)[0] for t in (listed, unlisted)}
    assert 'data-testid="listed"' in row[listed.pk] and "YF06" in row[listed.pk]
    assert 'data-testid="refuse"' not in row[listed.pk]
    assert 'data-testid="unadmitted"' in row[unlisted.pk] and 'data-testid="refuse"' in row[unlisted.pk]
    assert client.post(f"/admission/inbox/{listed.pk}/refuse/").status_code in (302, 409)
    listed.refresh_from_db()
    assert listed.state == InboxTask.State.OPEN
    body = client.get("/api/admission/inbox/").json()
    got = {t["id"]: t for t in body}
    assert got[listed.pk]["admitted"] is True and got[listed.pk]["listed_duty"].startswith("YF06")
    assert got[listed.pk]["source"] == "platform" and got[listed.pk]["link"] == "/visits/plans/"
    assert got[unlisted.pk]["admitted"] is False and got[unlisted.pk]["listed_duty"] == ""
