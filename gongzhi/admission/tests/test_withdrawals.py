"""Withdrawal of admitted items: by the joint office, or after a poor evaluation (whole item or one
community), idempotent, logged as events, visible in the inbox, the catalogue and the item's page."""

import pytest

from gongzhi.admission import services
from gongzhi.admission.models import Application, ApplicationEvent, InboxTask, TaskEvent, Withdrawal

from .conftest import JUNMEN

pytestmark = pytest.mark.django_db

DACHENG = "350102004003"


@pytest.fixture
def admitted(draft_app, dept_user, reviewer):
    services.application_submit(application=draft_app, by=dept_user)
    return services.application_decide(application=draft_app, step="approve", reason="符合清单", by=reviewer)


def _withdraw(app, unit=""):
    return services.application_withdraw_after_evaluation(
        application=app,
        unit_code=unit,
        reason=f"居民评分低 {unit}",
        source="evaluation:1:8",
        data={"mean": 2.1},
    )


def test_the_office_withdraws_with_a_reason_and_open_tasks_end(admitted, reviewer, community_worker, client):
    services.application_decide(
        application=admitted, step="withdraw", reason="居民普遍反映负担重", by=reviewer
    )
    w = Withdrawal.objects.get(application=admitted)
    assert (w.unit_code, w.source, w.by, w.automatic) == ("", "review", reviewer, False)
    assert set(InboxTask.objects.filter(application=admitted).values_list("state", flat=True)) == {
        "withdrawn"
    }
    assert TaskEvent.objects.filter(task__application=admitted, kind="withdrawn").count() == 2
    client.force_login(community_worker)
    html = client.get("/admission/inbox/?state=withdrawn").content.decode()
    assert 'data-testid="withdrawal-reason"' in html and "居民普遍反映负担重" in html


def test_withdrawal_from_one_community_is_idempotent_and_logged(admitted, dept, dept_user):
    w = _withdraw(admitted, JUNMEN)
    assert w is not None and w.automatic and w.by is None
    states = dict(InboxTask.objects.filter(application=admitted).values_list("community_id", "state"))
    assert states == {JUNMEN: "withdrawn", DACHENG: "open"}
    assert Application.objects.get(pk=admitted.pk).state == "approved"
    event = ApplicationEvent.objects.get(application=admitted, kind="withdrawn_unit")
    assert event.by is None and event.data["unit"] == JUNMEN and event.data["mean"] == 2.1
    counts = (Withdrawal.objects.count(), ApplicationEvent.objects.count(), TaskEvent.objects.count())
    assert _withdraw(admitted, JUNMEN) is None  # again: nothing more
    assert _withdraw(admitted, "350102001001") is None  # a community the item does not cover
    assert counts == (Withdrawal.objects.count(), ApplicationEvent.objects.count(), TaskEvent.objects.count())
    # a task sent later under the item reaches that community as not admitted
    (late,) = services.task_send(
        title="补充材料", communities=[JUNMEN], by=dept_user, department=dept, application=admitted
    )
    assert late.application_id is None
    (fine,) = services.task_send(
        title="补充材料", communities=[DACHENG], by=dept_user, department=dept, application=admitted
    )
    assert fine.application_id == admitted.pk


def test_withdrawal_of_the_whole_item(admitted, community_worker, client):
    _withdraw(admitted, JUNMEN)
    w = _withdraw(admitted)
    assert w is not None
    app = Application.objects.get(pk=admitted.pk)
    assert app.state == "withdrawn" and app.decision_reason == "居民评分低 "
    assert set(InboxTask.objects.filter(application=admitted).values_list("state", flat=True)) == {
        "withdrawn"
    }
    assert _withdraw(admitted) is None and _withdraw(admitted, DACHENG) is None
    client.force_login(community_worker)
    html = client.get(f"/admission/applications/{admitted.pk}/").content.decode()
    assert 'data-testid="withdrawals"' in html and html.count("依评议结果自动撤出") == 2


def test_only_admitted_items_are_withdrawn(draft_app):
    assert _withdraw(draft_app) is None and _withdraw(draft_app, JUNMEN) is None
    assert not Withdrawal.objects.exists()


def test_the_catalogue_shows_where_an_item_was_withdrawn(admitted, reviewer, client):
    _withdraw(admitted, JUNMEN)
    client.force_login(reviewer)
    html = client.get("/admission/catalogue/").content.decode()
    assert "已从部分社区撤出" in html and "军门社区" in html and "居民评分低" in html
