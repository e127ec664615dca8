"""Rollups: recomputed by the figures' own selectors, equal to the live figures (and the check
notices when they are not), read by the dashboard in a bounded number of queries, refreshed by
the task queue; and every figure computed for its region, not for the user's whole scope."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gongzhi.core.models import Region
from gongzhi.facilities.models import Premises
from gongzhi.ledgers.figures import compute
from gongzhi.ledgers.models import Rollup, Snapshot
from gongzhi.ledgers.rollups import regions_under, rollups_check, rollups_refresh
from gongzhi.ledgers.services import snapshots_take
from gongzhi.ledgers.viewers import SYSTEM, viewer_for
from tests.factories import HouseholdFactory, PersonFactory

JM, OTHER = "350102004001", "350102001001"
STREET = "350102004"
PERIOD = "2026-10"
KEYS = ["registry.residents", "facilities.premises_area", "facilities.standards_met", "sample.wallets"]


@pytest.fixture
def data(db):
    from gongzhi.facilities.demo import standards_seed

    standards_seed()
    for _ in range(3):
        PersonFactory(community_id=JM)
    PersonFactory(community_id=OTHER)
    HouseholdFactory(community_id=JM)
    Premises.objects.create(community_id=JM, name="办公室", use="office", area=80)
    Premises.objects.create(community_id=OTHER, name="外社区", use="office", area=300)


def test_refresh_stores_every_figure_of_every_region_and_equals_the_live_figures(data):
    report = rollups_refresh(region_code=STREET, period=PERIOD)
    regions = regions_under(STREET)
    assert report.regions == len(regions) and report.cells == len(regions) * len(report.by_figure_ms)
    assert Rollup.objects.filter(period=PERIOD).count() == report.cells
    assert rollups_check(region_code=STREET, period=PERIOD) == []
    row = Rollup.objects.get(region_id=JM, figure="registry.residents", period=PERIOD)
    assert (row.value, row.records, row.error) == (3, 3, "")
    street = Rollup.objects.get(region_id=STREET, figure="facilities.premises_area", period=PERIOD)
    assert street.value == 80.0  # the other street's 300 ㎡ is not in this street


def test_the_check_notices_a_stale_rollup_and_a_refresh_mends_it(data):
    rollups_refresh(region_code=JM, period=PERIOD, keys=KEYS)
    PersonFactory(community_id=JM)
    diff = rollups_check(region_code=JM, period=PERIOD, keys=KEYS)
    assert [(d.region, d.figure, d.stored[0], d.live[0]) for d in diff] == [(JM, "registry.residents", 3, 4)]
    with pytest.raises(CommandError):
        call_command("ledger_rollup", region=JM, period=PERIOD, check=True)
    rollups_refresh(region_code=JM, period=PERIOD, keys=KEYS)
    assert Rollup.objects.filter(region_id=JM, figure="registry.residents", period=PERIOD).get().value == 4
    assert rollups_check(region_code=JM, period=PERIOD, keys=KEYS) == []
    Rollup.objects.filter(region_id=JM, figure="facilities.premises_area").delete()
    assert [d.figure for d in rollups_check(region_code=JM, period=PERIOD, keys=KEYS)] == [
        "facilities.premises_area"
    ]


def test_a_refresh_is_as_of_its_start_and_the_check_compares_as_of_then(data):
    """A figure can change with the clock alone (a tag that starts tomorrow; a dispatch whose
    sign-for limit passes). Every rollup of a refresh is measured as of its start, and the check
    computes each figure as of then: time moving on is not a difference, a record written since is."""
    import datetime as dt

    from gongzhi.core import clock
    from gongzhi.registry.models import PersonTag

    today = dt.date(2026, 10, 20)
    moment = dt.datetime(2026, 10, 20, 23, 59, tzinfo=dt.UTC)
    PersonTag.objects.create(
        community_id=JM,
        person=PersonFactory(community_id=JM),
        kind="elderly_80",
        valid_from=today + dt.timedelta(2),
    )
    keys = ["registry.elderly_80", "registry.residents"]
    with clock.at(moment):
        report = rollups_refresh(region_code=JM, period=PERIOD, keys=keys)
    assert report.at == moment
    assert set(Rollup.objects.filter(period=PERIOD).values_list("computed_at", flat=True)) == {moment}
    assert Rollup.objects.get(region_id=JM, figure="registry.elderly_80").value == 0
    later = moment + dt.timedelta(days=3)
    with clock.at(later):
        assert (
            compute(
                "registry.elderly_80", user=SYSTEM, region=Region.objects.get(code=JM), period=PERIOD
            ).number
            == 1
        )
        assert rollups_check(region_code=JM, period=PERIOD, keys=keys) == []
        PersonFactory(community_id=JM)
        diff = rollups_check(region_code=JM, period=PERIOD, keys=keys)
    assert [(d.figure, d.stored[0], d.live[0]) for d in diff] == [("registry.residents", 4, 5)]


def test_a_figure_without_a_region_parameter_measures_the_region(data, make_user):
    """The organisations' coverage figures take only `user`: for a community they must measure
    the community, not the district user's whole scope."""
    from gongzhi.organizations.models import Organization
    from gongzhi.registry import selectors as registry
    from gongzhi.registry.models import Estate

    company = Organization.objects.create(name="物业公司", kind="property_company", region_id="350102")
    Estate.objects.create(community_id=JM, name="军门小区", property_company=company)
    Estate.objects.create(community_id=OTHER, name="别的小区", property_company=None)
    district = make_user("district_staff", "350102")
    jm, other = Region.objects.get(code=JM), Region.objects.get(code=OTHER)
    key = "organizations.property_coverage"
    assert compute(key, user=district, region=jm, period=PERIOD).number == 1
    assert compute(key, user=district, region=other, period=PERIOD).number == 0
    assert compute(key, user=district, region=Region.objects.get(code="350102"), period=PERIOD).number == 0.5
    assert compute(key, user=SYSTEM, region=jm, period=PERIOD).number == 1
    # a narrowed view never widens: a community worker's view of the street is still 军门
    worker = make_user("community_worker", JM)
    assert registry.estate_list(user=viewer_for(worker, STREET), perm="organizations.view").count() == 1
    assert viewer_for(SYSTEM, OTHER).has_perm("ledgers.view", other)
    assert not viewer_for(SYSTEM, OTHER).has_perm("ledgers.view", jm)


def test_dashboard_reads_the_rollups(client, make_user, data, django_assert_max_num_queries):
    rollups_refresh(region_code=STREET, period=PERIOD)
    Rollup.objects.filter(region_id=JM, figure="registry.residents").update(value=777)
    client.force_login(make_user("street_staff", STREET))
    with django_assert_max_num_queries(25):
        body = client.get(f"/ledgers/?region={STREET}&period={PERIOD}").content.decode()
    assert ">777<" in body  # the table shows the stored rollup, not a recomputation
    assert 'data-testid="freshness"' in body and "尚未汇总" not in body
    assert 'data-flag="below"' in body


def test_dashboard_without_rollups_computes_the_region_and_says_what_is_missing(client, make_user, data):
    client.force_login(make_user("street_staff", STREET))
    body = client.get(f"/ledgers/?region={STREET}&period={PERIOD}").content.decode()
    assert "本月尚无指标汇总" in body and "项尚未汇总" in body
    assert 'data-testid="figures"' in body


def test_refresh_runs_in_the_task_queue(client, make_user, data):
    user = make_user("street_staff", STREET)
    client.force_login(user)
    r = client.post("/ledgers/refresh/", {"region": STREET, "period": PERIOD})
    assert r.status_code == 302 and "/jobs/" in r["Location"]
    from gongzhi.jobs.models import Job

    job = Job.objects.get(kind="ledgers.rollup_refresh")
    assert (job.status, job.done, job.total) == (
        "done",
        len(regions_under(STREET)),
        len(regions_under(STREET)),
    )
    assert rollups_check(region_code=STREET, period=PERIOD) == []
    assert client.get(r["Location"]).status_code == 200


@pytest.mark.parametrize(
    "role,scope,region,status",
    [
        ("resident", JM, JM, 403),
        ("grid_worker", JM, JM, 403),
        ("community_worker", JM, JM, 302),
        ("community_head", JM, JM, 302),
        ("community_worker", JM, OTHER, 404),
        ("street_staff", STREET, OTHER, 404),
        ("district_staff", "350102", OTHER, 302),
    ],
)
def test_refresh_role_matrix(client, make_user, data, role, scope, region, status):
    client.force_login(make_user(role, scope))
    assert client.post("/ledgers/refresh/", {"region": region, "period": PERIOD}).status_code == status
    assert Rollup.objects.exists() == (status == 302)
    assert client.get("/ledgers/refresh/").status_code in (403, 405)


def test_snapshots_copy_the_months_rollups(data):
    rollups_refresh(region_code=JM, period=PERIOD, keys=KEYS)
    Rollup.objects.filter(region_id=JM, figure="registry.residents").update(value=5)
    snapshots_take(region_code=JM, period=PERIOD, keys=KEYS)
    assert Snapshot.objects.get(region_id=JM, figure="registry.residents").value == 5


def test_command_refreshes_and_checks(data, capsys):
    call_command("ledger_rollup", region=JM, period=PERIOD)
    call_command("ledger_rollup", region=JM, period=PERIOD, check=True)
    assert "equal the live figures" in capsys.readouterr().out
