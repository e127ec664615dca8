"""The figures' Excel ledgers and drill-downs: the same selector result as the card (values, breakdown
and records agree), text stays text, the person in need of a micro-wish never appears, exports that
name people are in the access log, and only figure holders may export, within their scope."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from gongzhi.core.models import AccessLogEntry, Region
from gongzhi.volunteers import figures as f
from gongzhi.volunteers import services, wishes
from gongzhi.volunteers.figure_ledgers import LEDGERS
from gongzhi.volunteers.manifest import manifest

from .conftest import DAGEN, JUNMEN

pytestmark = pytest.mark.django_db
KEYS = [fig.key for fig in manifest.figures]


@pytest.fixture
def world(make_volunteer, make_resident, staff):
    junmen = Region.objects.get(code=JUNMEN)
    (u1, v1), (_u2, v2) = make_volunteer(), make_volunteer()
    act = services.activity_create(community=junmen, title="=1+1 楼道清洁", place="军门小区", by=staff)
    for v, h in ((v1, "2.5"), (v2, "1")):
        services.hours_enter(
            volunteer=v, activity=act, hours=Decimal(h), served_on=dt.date.today(), reason="补录", by=staff
        )
    needy = make_resident(JUNMEN, name="王困难")
    wish = wishes.wish_post(community=junmen, beneficiary=needy.person, title="冬季棉被", by=staff)
    wishes.wish_claim(wish=wish, by=u1)
    wishes.party_member_register(person=v1.person, employer="鼓楼区税务局", posts=["patrol"], by=u1)
    _o, other = make_volunteer(DAGEN)
    return {"volunteers": [v1, v2], "other": other}


def _book(response):
    return openpyxl.load_workbook(io.BytesIO(response.content))


@pytest.mark.parametrize("key", KEYS)
def test_each_ledger_holds_what_the_card_counted(client, make_user, world, key):
    head = make_user("community_head", JUNMEN)
    client.force_login(head)
    logged = AccessLogEntry.objects.count()
    r = client.get(reverse("volunteers:figure_export", args=[key]))
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    book = _book(r)
    assert book.sheetnames == ["汇总", "明细"]
    result = next(fig for fig in manifest.figures if fig.key == key).compute(user=head)
    records = list(book["明细"].iter_rows(values_only=True))
    assert list(records[0]) == [str(h) for h in LEDGERS[key].records.header]
    assert len(records) - 1 == (result.records.count() if result.records is not None else 0)
    summary = list(book["汇总"].iter_rows(values_only=True))
    assert summary[1][1] == (float(result.value) if result.value is not None else None)
    # The drill-down lists the same records.
    html = client.get(reverse("volunteers:figure_drill", args=[key])).content.decode()
    assert html.count('data-testid="record"') == len(records) - 1
    personal = LEDGERS[key].personal and len(records) > 1
    assert AccessLogEntry.objects.count() == logged + (1 if personal else 0)
    if personal:
        e = AccessLogEntry.objects.latest("id")
        assert (e.action, e.purpose, e.count) == ("export", "export_filing", len(records) - 1)


def test_parts_sum_to_the_whole_and_text_stays_text(client, make_user, world):
    head = make_user("community_head", JUNMEN)
    client.force_login(head)
    book = _book(client.get(reverse("volunteers:figure_export", args=["volunteers.hours_by_month"])))
    summary = list(book["汇总"].iter_rows(values_only=True))
    header_at = next(i for i, row in enumerate(summary) if row and row[0] == "月份")
    this_month = dt.date.today().strftime("%Y-%m")
    total = sum(row[4] for row in summary[header_at + 1 :] if row[0] == this_month)
    assert Decimal(str(total)) == f.hours_by_month(user=head).value == Decimal("3.5")
    details = book["明细"]
    cell = next(c for row in details.iter_rows(min_row=2) for c in row if c.value == "=1+1 楼道清洁")
    assert cell.data_type == "s"
    # The share-of-residents breakdown sums to its numerator.
    book = _book(client.get(reverse("volunteers:figure_export", args=["volunteers.share_of_residents"])))
    rows = list(book["汇总"].iter_rows(values_only=True))
    at = next(i for i, row in enumerate(rows) if row and row[0] == "社区代码")
    assert sum(row[2] for row in rows[at + 1 :]) == f.share_of_residents(user=head).numerator == 2


def test_the_wish_ledger_never_names_the_person_in_need(client, make_user, world):
    client.force_login(make_user("community_head", JUNMEN))
    r = client.get(reverse("volunteers:figure_export", args=["volunteers.wishes"]))
    cells = [str(c) for row in _book(r)["明细"].iter_rows(values_only=True) for c in row if c]
    assert "冬季棉被" in cells and not any("王困难" in c for c in cells)


@pytest.mark.parametrize(
    "role,scope,status",
    [
        ("community_head", JUNMEN, 200),
        ("street_staff", "350102004", 200),
        ("district_staff", "350102", 200),
        ("community_worker", JUNMEN, 403),
        ("grid_worker", JUNMEN, 403),
        ("resident", JUNMEN, 403),
    ],
)
def test_export_role_matrix(client, make_user, world, role, scope, status):
    client.force_login(make_user(role, scope))
    r = client.get(reverse("volunteers:figure_export", args=["volunteers.share_of_residents"]))
    assert r.status_code == status
    if status == 200:
        names = {row[1] for row in _book(r)["明细"].iter_rows(min_row=2, values_only=True)}
        expect = {v.name for v in world["volunteers"]}
        if scope != JUNMEN:
            expect.add(world["other"].name)  # 大根 is in the street and the district
        assert names == expect


def test_unknown_figures_are_not_found(client, make_user):
    client.force_login(make_user("community_head", JUNMEN))
    assert client.get(reverse("volunteers:figure_export", args=["volunteers.nope"])).status_code == 404
    assert client.get(reverse("volunteers:figure_drill", args=["volunteers.nope"])).status_code == 404
