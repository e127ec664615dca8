"""一表通: a form's fields mapped to figures; the community's return filled from the records through
the ledgers' ledger_fill, typed only where no figure answers, once per period; what the
department reads back; refusals change nothing."""

import datetime as dt

import pytest

from gongzhi.admission import reports, services
from gongzhi.admission.models import Application, FormReport, InboxTask, TaskEvent
from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError
from gongzhi.demands.calendar import TZ

from .conftest import JUNMEN, app_data

pytestmark = pytest.mark.django_db

DACHENG = "350102004003"
JULY = dt.datetime(2026, 7, 6, 10, 0, tzinfo=TZ)
FIELDS = [
    {"name": "在册居民", "figure": "registry.residents", "unit": ""},
    {"name": "户数", "figure": "registry.households", "unit": ""},
    {"name": "本季度走访困难群众次数", "figure": "", "unit": "次"},
]


def _approved_form(dept, dept_user, reviewer, *, fields=FIELDS, every="quarter", title="困难群众季度统计表"):
    app = services.application_create(
        department=dept,
        data=app_data(kind="form", title=title, form_fields=fields, report_every=every),
        by=dept_user,
    )
    services.application_submit(application=app, by=dept_user)
    return services.application_decide(application=app, step="approve", reason="一表通", by=reviewer)


@pytest.fixture
def residents(db):
    from gongzhi.core.models import Region
    from tests.factories import PersonFactory

    junmen = Region.objects.get(code=JUNMEN)
    return PersonFactory.create_batch(4, community=junmen)


@pytest.fixture
def form_task(now, dept, dept_user, reviewer, published, residents):
    app = _approved_form(dept, dept_user, reviewer)
    return InboxTask.objects.get(application=app, community_id=JUNMEN)


def _figure(key, user):
    from gongzhi.core.models import Region
    from gongzhi.ledgers.figures import compute

    return compute(key, user=user, region=Region.objects.get(code=JUNMEN), period="2026-07")


@pytest.mark.parametrize(
    ("fields", "kind", "code"),
    [
        ([{"name": "x", "figure": "no.such_figure"}], "form", "form_field_figure"),
        ([{"name": "x", "figure": ""}, {"name": "x", "figure": ""}], "form", "form_field_twice"),
        ([{"name": "", "figure": "registry.residents"}], "form", "form_field_name"),
        ([{"name": "x", "figure": ""}], "task", "form_fields_kind"),
    ],
)
def test_bad_form_fields_are_refused_and_nothing_is_written(
    now, dept, dept_user, published, fields, kind, code
):
    before = Application.objects.count()
    with pytest.raises(ApplicationError) as e:
        services.application_create(
            department=dept, data=app_data(kind=kind, form_fields=fields), by=dept_user
        )
    assert e.value.code == code
    assert Application.objects.count() == before


def test_a_form_without_fields_cannot_be_submitted(now, dept, dept_user, published):
    app = services.application_create(department=dept, data=app_data(kind="form"), by=dept_user)
    with pytest.raises(ApplicationError) as e:
        services.application_submit(application=app, by=dept_user)
    assert e.value.code == "form_fields_required"
    assert Application.objects.get(pk=app.pk).state == "draft"


def test_periods_and_the_month_figures_are_computed_for(now, dept, dept_user, reviewer, published):
    app = _approved_form(dept, dept_user, reviewer)
    assert reports.report_periods(app, dt.date(2026, 5, 1)) == []
    assert reports.report_periods(app, dt.date(2026, 7, 6)) == ["2026-Q2", "2026-Q3"]
    app.report_every = "month"
    assert reports.report_periods(app, dt.date(2026, 8, 2)) == ["2026-06", "2026-07", "2026-08"]
    app.report_every = "once"
    assert reports.report_periods(app, dt.date(2026, 6, 1)) == ["once"]
    assert reports.figure_month("2026-Q2", dt.date(2026, 7, 6)) == "2026-06"
    assert reports.figure_month("2026-Q3", dt.date(2026, 7, 6)) == "2026-07"
    assert reports.figure_month("2026", dt.date(2026, 7, 6)) == "2026-07"


def test_the_return_is_filled_from_the_records_and_only_the_rest_typed(form_task, community_worker):
    with clock.at(JULY):
        rows = reports.report_rows(task=form_task, period="2026-Q3", user=community_worker)
        assert [r.source for r in rows] == ["records", "records", "typed"]
        assert rows[0].number == _figure("registry.residents", community_worker).number == 4
        assert rows[1].number == _figure("registry.households", community_worker).number
        # a typed field left empty: refused, nothing written
        with pytest.raises(ApplicationError) as e:
            reports.report_submit(task=form_task, period="2026-Q3", typed={}, by=community_worker)
        assert e.value.code == "report_missing" and FormReport.objects.count() == 0
        # a value posted for a field the records answer is ignored: computed again
        report = reports.report_submit(
            task=form_task,
            period="2026-Q3",
            typed={"本季度走访困难群众次数": "12", "在册居民": "999"},
            by=community_worker,
        )
    assert (report.from_records, report.typed) == (2, 1)
    values = {v["name"]: v for v in report.values}
    assert values["在册居民"]["value"] == "4" and values["在册居民"]["figure"] == "registry.residents"
    assert values["本季度走访困难群众次数"] == {
        "name": "本季度走访困难群众次数",
        "unit": "次",
        "value": "12",
        "source": "typed",
        "figure": "",
    }
    assert TaskEvent.objects.filter(task=form_task, kind="reported").count() == 1
    assert InboxTask.objects.get(pk=form_task.pk).state == "open"  # quarterly: the task goes on


def test_once_per_period_and_only_in_its_periods(form_task, community_worker):
    with clock.at(JULY):
        reports.report_submit(
            task=form_task, period="2026-Q2", typed={"本季度走访困难群众次数": "3"}, by=community_worker
        )
        for period, code in (
            ("2026-Q2", "report_exists"),
            ("2026-Q4", "report_period"),
            ("x", "report_period"),
        ):
            with pytest.raises(ApplicationError) as e:
                reports.report_submit(
                    task=form_task, period=period, typed={"本季度走访困难群众次数": "3"}, by=community_worker
                )
            assert e.value.code == code
    assert FormReport.objects.count() == 1


def test_a_one_off_form_completes_its_task_and_typed_values_are_offered_again(
    form_task, dept, dept_user, reviewer, community_worker
):
    with clock.at(dt.datetime(2026, 3, 2, 10, tzinfo=TZ)):
        other = _approved_form(
            dept,
            dept_user,
            reviewer,
            fields=[
                {"name": "本季度走访困难群众次数", "figure": ""},
                {"name": "户数", "figure": "registry.households"},
            ],
            every="once",
            title="走访情况一次性统计",
        )
    task = InboxTask.objects.get(application=other, community_id=JUNMEN)
    with clock.at(JULY):
        reports.report_submit(
            task=form_task, period="2026-Q3", typed={"本季度走访困难群众次数": "12"}, by=community_worker
        )
        rows = reports.report_rows(task=task, period="once", user=community_worker)
        assert rows[0].source == "reused" and rows[0].value == "12" and "困难群众季度统计表" in rows[0].note
        report = reports.report_submit(
            task=task, period="once", typed={"本季度走访困难群众次数": "12"}, by=community_worker
        )
    assert report.values[0]["source"] == "reused"
    assert InboxTask.objects.get(pk=task.pk).state == "done"


def test_pages_fill_send_and_read_back(form_task, community_worker, dept_user, make_user, client, other_dept):
    with clock.at(JULY):
        client.force_login(community_worker)
        inbox = client.get("/admission/inbox/").content.decode()
        assert f"/admission/inbox/{form_task.pk}/report/" in inbox
        page = client.get(f"/admission/inbox/{form_task.pk}/report/").content.decode()
        assert page.count('data-source="records"') == 2 and page.count('data-source="typed"') == 1
        r = client.post(
            f"/admission/inbox/{form_task.pk}/report/",
            {"period": "2026-Q3", "field:本季度走访困难群众次数": "7"},
        )
        assert r.status_code == 302 and FormReport.objects.get().typed == 1
        # another community's worker: not found
        client.force_login(make_user("community_worker", DACHENG))
        assert client.get(f"/admission/inbox/{form_task.pk}/report/").status_code == 404
        # the department reads every community's return and exports it
        client.force_login(dept_user)
        url = f"/admission/applications/{form_task.application_id}/reports/"
        html = client.get(url).content.decode()
        assert 'data-testid="reports"' in html and "军门社区" in html and ">7<" in html.replace(" ", "")
        xlsx = client.get(url + "?format=xlsx")
        assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")
        detail = client.get(f"/admission/applications/{form_task.application_id}/").content.decode()
        assert 'data-testid="coverage"' in detail and "其中 2 项由系统数据生成" in detail
        # another department, a community worker: not theirs
        client.force_login(make_user("department_staff", other_dept))
        assert client.get(url).status_code in (403, 404)
        client.force_login(community_worker)
        assert client.get(url).status_code == 403


def test_the_report_api(form_task, community_worker, client):
    with clock.at(JULY):
        client.force_login(community_worker)
        body = client.get(f"/api/admission/inbox/{form_task.pk}/report/").json()
        assert body["period"] == "2026-Q3" and [r["source"] for r in body["rows"]] == [
            "records",
            "records",
            "typed",
        ]
        r = client.post(
            f"/api/admission/inbox/{form_task.pk}/report/",
            {"period": "2026-Q3", "values": {}},
            content_type="application/json",
        )
        assert r.status_code == 400 and r.json()["code"] == "report_missing"
        r = client.post(
            f"/api/admission/inbox/{form_task.pk}/report/",
            {"period": "2026-Q3", "values": {"本季度走访困难群众次数": "5"}},
            content_type="application/json",
        )
        assert r.json()["from_records"] == 2
        again = client.post(
            f"/api/admission/inbox/{form_task.pk}/report/",
            {"period": "2026-Q3", "values": {"本季度走访困难群众次数": "5"}},
            content_type="application/json",
        )
        assert again.status_code == 409
