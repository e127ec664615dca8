import pytest

from gongzhi.admission import services
from gongzhi.core.manifests import figures

from .conftest import JUNMEN

pytestmark = pytest.mark.django_db


def test_figures_are_declared_and_count_what_the_pages_list(
    now, dept, dept_user, other_dept, make_user, published, community_worker, reviewer, client
):
    other_user = make_user("department_staff", other_dept)
    [t1] = services.task_send(title="台账甲", communities=[JUNMEN], by=dept_user, department=dept)
    [t2] = services.task_send(title="台账乙", communities=[JUNMEN], by=other_user, department=other_dept)
    services.task_refuse(task=t1, by=community_worker)
    services.task_refuse(task=t2, by=community_worker)
    fig = figures()["admission.refused"]
    n, records = fig.compute(user=community_worker)
    assert n == 2 and {r.pk for r in records} == {t1.pk, t2.pk}
    # drill-down: the community's inbox filtered to refused shows the same records
    client.force_login(community_worker)
    html = client.get("/admission/inbox/?state=refused").content.decode()
    assert html.count("data-task=") == n
    n, records = fig.compute(user=dept_user)
    assert n == 1 and [r.pk for r in records] == [t1.pk]  # a department sees its own refusals only
    assert fig.compute(user=reviewer)[0] == 2
    assert fig.compute(user=make_user("district_staff", "350103"))[0] == 0


def test_admitted_figure_matches_the_catalogue_page(
    now, draft_app, dept_user, reviewer, community_worker, client
):
    services.application_submit(application=draft_app, by=dept_user)
    services.application_decide(application=draft_app, step="approve", reason="ok", by=reviewer)
    n, records = figures()["admission.admitted"].compute(user=community_worker)
    assert n == 1 and records == [draft_app]
    client.force_login(community_worker)
    assert draft_app.title in client.get("/admission/catalogue/").content.decode()
    assert (
        figures()["admission.admitted"].compute(
            user=community_worker.__class__.objects.create(username="nobody")
        )[0]
        == 0
    )
