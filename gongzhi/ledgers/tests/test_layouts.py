"""Excel ledgers in the layouts offices file: built by the task queue, their numbers the same cells
the dashboard reads, downloadable only by whoever may see the region's ledgers."""

import io

import openpyxl
import pytest

from gongzhi.jobs.models import Job
from gongzhi.ledgers import layouts
from gongzhi.ledgers.models import Snapshot
from gongzhi.ledgers.selectors import ledger
from tests.factories import HouseholdFactory, PersonFactory

JM, OTHER = "350102004001", "350102001001"
STREET = "350102004"
PERIOD = "2026-10"


@pytest.fixture
def data(db):
    from gongzhi.core.models import Region

    for _ in range(3):
        PersonFactory(community_id=JM)
    PersonFactory(community_id=OTHER)
    HouseholdFactory(community_id=JM)
    Snapshot.objects.create(
        region=Region.objects.get(code=JM),
        figure="registry.residents",
        period="2026-09",
        value=2,
        records=2,
        taken_at="2026-09-30T16:00:00Z",
    )


def _rows(content: bytes) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def test_every_layout_names_known_figures_once():
    from gongzhi.core.manifests import figures

    for layout in layouts.LAYOUTS:
        keys = [k for _t, ks in layout.sections for k in ks]
        assert len(keys) == len(set(keys)), layout.key
        assert set(keys) <= set(figures()), set(keys) - set(figures())


def test_the_workbook_is_built_by_the_queue_and_holds_the_dashboards_numbers(client, make_user, data):
    from gongzhi.core.models import Region

    user = make_user("community_worker", JM)
    client.force_login(user)
    r = client.post("/ledgers/workbook/", {"region": JM, "period": PERIOD, "layout": "basic"})
    assert r.status_code == 302 and "/jobs/" in r["Location"]
    job = Job.objects.get(kind=layouts.WORKBOOK)
    assert (job.status, job.done, job.total) == ("done", 2, 2)
    download = client.get(f"/jobs/{job.id}/download/")
    assert download.status_code == 200
    rows = _rows(b"".join(download.streaming_content))
    assert rows[0][0] == "军门社区社区基本情况台账" and rows[1][1] == "军门社区" and rows[1][3] == PERIOD
    shown = {row[1]: row for row in rows if isinstance(row[0], int)}
    cells = {c.figure.key: c for c in ledger(user=user, region=Region.objects.get(code=JM), period=PERIOD)}
    residents = cells["registry.residents"]
    assert shown[str(residents.figure.label)][3] == residents.number == 3
    assert shown[str(residents.figure.label)][4] == 2  # last month's snapshot beside it
    assert len(shown) == sum(len(ks) for _t, ks in layouts.layout_get("basic").sections)


@pytest.mark.parametrize(
    "role,scope,region,status",
    [
        ("resident", JM, JM, 403),
        ("grid_worker", JM, JM, 403),
        ("community_worker", JM, JM, 302),
        ("community_worker", JM, OTHER, 404),
        ("street_staff", STREET, OTHER, 404),
        ("district_staff", "350102", OTHER, 302),
    ],
)
def test_workbook_role_matrix(client, make_user, data, role, scope, region, status):
    client.force_login(make_user(role, scope))
    r = client.post("/ledgers/workbook/", {"region": region, "period": PERIOD, "layout": "governance"})
    assert r.status_code == status
    assert Job.objects.filter(kind=layouts.WORKBOOK).exists() == (status == 302)


def test_an_unknown_layout_is_refused_in_plain_words_and_queues_nothing(client, make_user, data):
    client.force_login(make_user("community_worker", JM))
    r = client.post("/ledgers/workbook/", {"region": JM, "period": PERIOD, "layout": "nope"}, follow=True)
    assert "没有这种台账" in r.content.decode() and not Job.objects.exists()


def test_another_user_cannot_download_someone_elses_ledger(client, make_user, data):
    client.force_login(make_user("community_worker", JM))
    client.post("/ledgers/workbook/", {"region": JM, "period": PERIOD, "layout": "grid"})
    job = Job.objects.get(kind=layouts.WORKBOOK)
    client.force_login(make_user("community_worker", OTHER))
    assert client.get(f"/jobs/{job.id}/download/").status_code in (403, 404)


def test_the_monthly_timer_snapshots_the_month_just_ended(data):
    import datetime as dt

    from django.core.management import call_command

    from gongzhi.core import clock
    from gongzhi.ledgers.management.commands.ledger_snapshot import month_before

    assert month_before(dt.date(2027, 1, 1)) == "2026-12" and month_before(dt.date(2026, 11, 1)) == "2026-10"
    with clock.at(dt.datetime(2026, 11, 1, 1, 0, tzinfo=dt.UTC)):
        call_command("ledger_snapshot", "--region", JM, "--last-month")
    taken = Snapshot.objects.filter(region_id=JM, period="2026-10", figure="registry.residents").get()
    assert taken.value == 3
    with clock.at(dt.datetime(2026, 11, 1, 1, 0, tzinfo=dt.UTC)):
        call_command("ledger_snapshot", "--region", JM, "--last-month")  # run twice: nothing rewritten
    assert Snapshot.objects.filter(region_id=JM, period="2026-10", figure="registry.residents").count() == 1
