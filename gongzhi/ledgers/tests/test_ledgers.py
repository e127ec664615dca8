"""Ledgers: figures discovered from every manifest, drill-downs matching their figures, snapshots,
the Excel ledger, the 一表通 filler and the role matrix."""

import io

import openpyxl
import pytest

from gongzhi.core import clock
from gongzhi.core.manifests import Figure, figures
from gongzhi.core.models import Region
from gongzhi.facilities.models import Premises
from gongzhi.ledgers.figures import compute, normalise
from gongzhi.ledgers.models import Snapshot
from gongzhi.ledgers.rollups import rollups_refresh
from gongzhi.ledgers.services import ledger_fill, snapshots_take
from tests.factories import HouseholdFactory, PersonFactory

JM, OTHER = "350102004001", "350102001001"


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


def test_figures_are_discovered_from_every_manifest():
    keys = set(figures())
    assert {
        "registry.residents",
        "demands.response",
        "demands.share_deliberation",
        "facilities.standards_met",
        "facilities.circle_500",
    } <= keys
    assert "sample.wallets" in keys  # the test-only sample app's figure, returning a bare number


def test_normalise_accepts_every_shape():
    f = Figure("x.y", "x", "x.y")
    assert normalise(f, 3).number == 3 and normalise(f, 3).records is None
    assert normalise(f, (2, [1, 2])).count == 2
    assert normalise(f, None).display == "—"


def test_percentages_read_as_fractions_whatever_shape_the_app_returns():
    from dataclasses import dataclass

    pct = Figure("x.pct", "x", "x.y", unit="%")

    @dataclass
    class NumDen:  # organisations', volunteers', demands' rates: numerator and denominator
        value: float
        numerator: int
        denominator: int
        records: object = None

    @dataclass
    class Percent:  # care, visits, elections: a percentage in `value`
        value: float
        records: object = None

    @dataclass
    class Fraction:  # facilities, demands' 622 shares: a fraction in `number`
        number: float
        records: object = None

    assert normalise(pct, NumDen(66.67, 2, 3)).number == 2 / 3
    assert normalise(pct, NumDen(0, 0, 0)).number is None
    assert normalise(pct, Percent(91.0)).number == 0.91
    assert normalise(pct, Fraction(0.25)).number == 0.25
    assert normalise(pct, Fraction(0.25)).display == "25.0%"
    count = Figure("x.n", "x", "x.y", unit="人")
    assert normalise(pct, 0.5).number == 0.5 and normalise(count, Percent(12)).number == 12


@pytest.mark.parametrize(
    "key",
    [
        "registry.residents",
        "registry.households",
        "facilities.premises_area",
        "demands.resolution",
        "demands.share_referral",
    ],
)
def test_drill_down_matches_its_figure(make_user, data, key):
    user = make_user("community_head", JM)
    v = compute(key, user=user, region=Region.objects.get(code=JM), period=clock.now().strftime("%Y-%m"))
    assert not v.error
    if key.startswith("registry."):
        assert v.number == v.count > 0
    if key == "facilities.premises_area":
        assert v.number == 80.0 and v.count == 1


def test_snapshots_are_taken_once_per_month(data):
    n = snapshots_take(region_code="350102004", period="2026-10", keys=["registry.residents"])
    assert n == Region.objects.filter(code__startswith="350102004").count()
    assert snapshots_take(region_code="350102004", period="2026-10", keys=["registry.residents"]) == 0
    row = Snapshot.objects.get(region_id=JM, figure="registry.residents", period="2026-10")
    assert (row.value, row.records) == (3, None)  # counts of querysets are not stored (time)
    with pytest.raises(ValueError):
        Snapshot.objects.filter(pk=row.pk).update(value=9)


ROLES = [
    ("resident", JM, 403),
    ("grid_worker", JM, 403),
    ("community_worker", JM, 200),
    ("community_head", JM, 200),
    ("street_staff", "350102004", 200),
    ("district_staff", "350102", 200),
]


@pytest.mark.parametrize("role,scope,status", ROLES)
@pytest.mark.parametrize(
    "url",
    [
        "/ledgers/",
        "/ledgers/figure/registry.residents/",
        "/ledgers/export.xlsx",
        f"/api/ledgers/figures/?region={JM}",
    ],
)
def test_role_matrix(client, make_user, data, role, scope, status, url):
    client.force_login(make_user(role, scope))
    assert client.get(url).status_code == status


def test_out_of_scope_and_anonymous(client, make_user, data):
    assert client.get("/ledgers/").status_code == 302
    client.force_login(make_user("community_worker", JM))
    assert client.get(f"/ledgers/?region={OTHER}").status_code == 404
    assert client.get(f"/api/ledgers/figures/?region={OTHER}").status_code == 404
    assert client.get("/ledgers/figure/no.such/").status_code == 404


def test_figure_page_and_dashboard(client, make_user, data):
    snapshots_take(region_code=JM, period="2026-10", keys=["registry.residents"])
    client.force_login(make_user("street_staff", "350102004"))
    body = client.get(f"/ledgers/figure/registry.residents/?region={JM}").content.decode()
    assert 'data-testid="record-count">3<' in body and "在册" in body and "2026-10" in body
    assert 'data-flag="below"' not in client.get("/ledgers/?region=350102004").content.decode()
    rollups_refresh(region_code="350102004", period=clock.now().strftime("%Y-%m"))  # the areas' rollups
    dash = client.get("/ledgers/?region=350102004").content.decode()
    assert 'data-flag="below"' in dash  # 军门: 80 ㎡ of office is below the standards in force
    assert "外社区" not in client.get("/ledgers/figure/facilities.premises_area/").content.decode()


def test_excel_ledger(client, make_user, data):
    client.force_login(make_user("community_worker", JM))
    r = client.get(f"/ledgers/export.xlsx?region={JM}&period=2026-11")
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[1][:4] == ["填报单位", Region.objects.get(code=JM).name, "统计期", "2026-11"]
    residents = next(r for r in rows if r[4] == "registry.residents")
    assert (residents[1], residents[2], residents[3]) == ("人", "3", 3)


def test_ledger_fill_for_the_admission_app(make_user, data):
    fields = [
        {"name": "常住人口", "figure": "registry.residents"},
        {"name": "户数", "figure": "registry.households"},
        {"name": "社区书记姓名", "figure": ""},
        {"name": "旧指标", "figure": "gone.away"},
    ]
    out = ledger_fill(fields, JM, user=make_user("community_worker", JM))
    assert [(f.name, f.value) for f in out["filled"]] == [("常住人口", 3), ("户数", 1)]
    assert (out["unmapped"], out["unknown"]) == (["社区书记姓名"], ["旧指标"])
    from gongzhi.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        ledger_fill(fields, OTHER, user=make_user("community_worker", JM))


@pytest.mark.parametrize(
    "role, scope",
    [
        ("system", None),
        ("district_head", "350102"),
        ("street_staff", "350102004"),
        ("community_head", JM),
        ("community_worker", JM),
    ],
)
def test_every_figure_computes_for_every_ledger_level(make_user, data, role, scope):
    """No figure of any manifest fails in the ledgers: a figure that raises shows as an error on
    every dashboard (the 622 share and the refused tasks once did, for every user)."""
    from gongzhi.ledgers.viewers import SYSTEM

    user = SYSTEM if role == "system" else make_user(role, scope)
    period = clock.now().strftime("%Y-%m")
    for code in ("350102", "350102004", JM):
        if scope and not code.startswith(scope):
            continue
        region = Region.objects.get(code=code)
        failed = {
            k: v.error for k in figures() if (v := compute(k, user=user, region=region, period=period)).error
        }
        assert failed == {}, (code, failed)
