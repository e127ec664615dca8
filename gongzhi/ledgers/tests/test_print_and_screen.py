"""The printed ledger (PDF) and the big screen: the same figures as the dashboard, for the same
people, and nothing else."""

import json
import re

import pytest

from gongzhi.core.models import Region
from gongzhi.facilities.models import Premises
from gongzhi.ledgers import selectors
from gongzhi.ledgers.models import Rollup
from gongzhi.ledgers.rollups import rollups_refresh
from gongzhi.ledgers.viewers import SYSTEM
from tests.factories import HouseholdFactory, PersonFactory

from .pdftext import pdf_pages, pdf_text

JM, OTHER, STREET = "350102004001", "350102001001", "350102004"
PERIOD = "2026-10"


@pytest.fixture
def data(db):
    from gongzhi.facilities.demo import standards_seed

    standards_seed()
    for _ in range(3):
        PersonFactory(community_id=JM)
    HouseholdFactory(community_id=JM)
    Premises.objects.create(community_id=JM, name="办公室", use="office", area=80)


def test_pdf_is_the_dashboards_ledger(client, make_user, data):
    user = make_user("community_worker", JM)
    client.force_login(user)
    r = client.get(f"/ledgers/ledger.pdf?region={JM}&period={PERIOD}")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF") and b"/STSong-Light" in r.content and pdf_pages(r.content) >= 1
    text = pdf_text(r.content)
    jm = Region.objects.get(code=JM)
    assert f"{jm.name}2026年10月电子台账" in text and "统计期" in text and PERIOD in text
    values = selectors.ledger(user=user, region=jm, period=PERIOD)
    lines = text.splitlines()
    for v in values:  # every figure of the page, with its number, in its order
        i = lines.index(str(v.figure.label))
        assert v.display in lines[i + 1 : i + 3], v.figure.key  # after the unit, if it has one
    # what falls short is listed with the records behind it (80 ㎡ of office < 100 ㎡)
    assert "二、未达标事项" in text and "社区办公用房不少于100㎡ 缺 20.00㎡" in text
    assert "实时计算" in text  # no rollups yet: said so


def test_pdf_reads_the_rollups_when_there_are_some(client, make_user, data):
    rollups_refresh(region_code=JM, period=PERIOD)
    Rollup.objects.filter(region_id=JM, figure="registry.residents").update(value=42)
    client.force_login(make_user("street_staff", STREET))
    text = pdf_text(client.get(f"/ledgers/ledger.pdf?region={JM}&period={PERIOD}").content)
    lines = text.splitlines()
    assert lines[lines.index("在册居民") + 2] == "42" and "实时计算" not in text  # 在册居民 · 人 · 42


def test_big_screen(client, make_user, data):
    rollups_refresh(region_code=STREET, period=PERIOD)
    client.force_login(make_user("street_staff", STREET))
    r = client.get(f"/ledgers/screen/?region={STREET}&period={PERIOD}")
    body = r.content.decode()
    assert r.status_code == 200 and 'class="screen"' in body
    assert "vendor/echarts/echarts.min.js" in body and "ledgers/screen.js" in body
    # no inline script: only the JSON data block and scripts from this site
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", body, re.S)
    assert all(
        'type="application/json"' in attrs or (not code.strip() and "src=" in attrs)
        for attrs, code in scripts
    )
    data = json.loads(
        re.search(r'<script id="screen-data" type="application/json">(.*?)</script>', body, re.S).group(1)
    )
    street = Region.objects.get(code=STREET)
    board = selectors.ledger(user=SYSTEM, region=street, period=PERIOD)
    assert [f["key"] for f in data["figures"]] == [v.figure.key for v in board]
    assert [f["value"] for f in data["figures"]] == [v.number for v in board]
    assert len(data["areas"]) == Region.objects.filter(parent=street).count()
    jm = next(a for a in data["areas"] if a["name"] == Region.objects.get(code=JM).short_name)
    assert jm["values"][[f["key"] for f in data["figures"]].index("registry.residents")] == 3
    assert jm["below"] is True and 'data-testid="screen-flags"' in body


ROLES = [
    ("resident", JM, 403),
    ("grid_worker", JM, 403),
    ("community_worker", JM, 200),
    ("community_head", JM, 200),
    ("street_staff", STREET, 200),
    ("district_staff", "350102", 200),
]


@pytest.mark.parametrize("role,scope,status", ROLES)
@pytest.mark.parametrize("url", ["/ledgers/ledger.pdf", "/ledgers/screen/"])
def test_role_matrix(client, make_user, data, role, scope, status, url):
    client.force_login(make_user(role, scope))
    assert client.get(url).status_code == status


@pytest.mark.parametrize("url", ["/ledgers/ledger.pdf", "/ledgers/screen/"])
def test_out_of_scope_is_hidden(client, make_user, data, url):
    client.force_login(make_user("street_staff", STREET))
    assert client.get(f"{url}?region={OTHER}").status_code == 404
    assert client.get(f"{url}?region={JM}").status_code == 200


def test_anonymous_is_sent_to_login(client, data):
    assert client.get("/ledgers/ledger.pdf").status_code == 302
    assert client.get("/ledgers/screen/").status_code == 302
