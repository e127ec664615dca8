"""Funding and allowance entitlements beside payments (应享与已享): each rule on hand-worked cases,
the selector on the register with frozen time, the ledger figures and their drill-downs, the
services' refusals, and who may see and record what."""

import datetime as dt
from decimal import Decimal as D

import pytest
from freezegun import freeze_time

from gongzhi.core.errors import ApplicationError, PermissionDenied
from gongzhi.core.models import Region
from gongzhi.facilities.entitlements import accrued_months, entitlements
from gongzhi.facilities.funding import annual_funding, due_by_month, monthly_allowance, months_held
from gongzhi.facilities.models import Payment, RuleKind, StaffPost, Standard
from gongzhi.facilities.services import payment_record, staff_post_add
from gongzhi.ledgers.figures import compute
from tests.factories import HouseholdFactory, PersonFactory

JM, OTHER, STREET = "350102004001", "350102001001", "350102004"
NOW = "2026-07-10 10:00:00+08:00"  # June is the last month that is over


def test_ningbo_per_thousand_households_rising_five_percent():
    # 1,250 households: 280,000 × 1.25 = 350,000 in 2024; × 1.05² = 385,875 in 2026.
    p = {"per_1000_households": 280000, "base_year": 2024, "yearly_increase": 0.05}
    k = RuleKind.FUNDING_PER_HOUSEHOLDS
    assert annual_funding(k, p, households=1250, residents=0, year=2024) == D("350000.00")
    assert annual_funding(k, p, households=1250, residents=0, year=2026) == D("385875.00")
    assert annual_funding(k, p, households=1250, residents=0, year=2023) == D("350000.00")  # no fall before
    assert due_by_month(D("385875.00"), 6) == D("192937.50")
    assert due_by_month(D("385875.00"), 0) == D("0.00")


def test_longyan_office_funding_over_five_thousand_residents():
    p = {"threshold": 5000, "above": 10000, "below": 8000}
    k = RuleKind.FUNDING_BY_RESIDENTS
    assert annual_funding(k, p, households=0, residents=5001, year=2026) == D("10000.00")
    assert annual_funding(k, p, households=0, residents=5000, year=2026) == D("8000.00")


def test_fujian_allowances_and_months_held():
    # heads 150% and members 130% of a 2,030 yuan minimum wage
    assert monthly_allowance({"ratio": 1.5, "minimum_wage": 2030}) == D("3045.00")
    assert monthly_allowance({"ratio": 1.3, "minimum_wage": 2030}) == D("2639.00")
    assert months_held(dt.date(2026, 3, 15), None, 2026, 5) == 3  # March, April, May
    assert months_held(dt.date(2025, 1, 1), dt.date(2026, 2, 10), 2026, 5) == 2  # January, February
    assert months_held(dt.date(2026, 6, 1), None, 2026, 5) == 0
    assert months_held(dt.date(2020, 1, 1), None, 2026, 12) == 12


@freeze_time(NOW)
def test_only_months_that_are_over_fall_due():
    assert accrued_months(2026, 7) == 6 and accrued_months(2026, 3) == 3 and accrued_months(2026, 12) == 6
    assert accrued_months(2025, 12) == 12 and accrued_months(2027, 1) == 0


@pytest.fixture
def funded(db, make_user):
    """军门: 4 households; 1,000,000 yuan per 1,000 households (4,000 in 2024, 4,410 in 2026);
    a head since March 2026; Fujian's allowances; one funding payment and two months' allowance."""
    for code, title, kind, params, scope in [
        (
            "fund",
            "社区工作经费",
            RuleKind.FUNDING_PER_HOUSEHOLDS,
            {"per_1000_households": 1000000, "base_year": 2024, "yearly_increase": 0.05},
            "350102",
        ),
        (
            "head-pay",
            "书记报酬",
            RuleKind.ALLOWANCE,
            {"post": "head", "ratio": 1.5, "minimum_wage": 2030},
            "35",
        ),
        ("elsewhere", "外地经费", RuleKind.FUNDING_PER_COMMUNITY, {"amount": 300000}, "3302"),
    ]:
        Standard.objects.create(
            code=code, title=title, source="测试", kind=kind, parameters=params, scope=scope
        )
    for _ in range(4):
        HouseholdFactory(community_id=JM)
    PersonFactory(community_id=JM)
    street = make_user("street_staff", STREET)
    with freeze_time(NOW):
        head = staff_post_add(community=JM, name="林秀英", post="head", start="2026-03-01", by=street)
        payment_record(
            community=JM,
            standard_code="fund",
            year=2026,
            amount="1000",
            paid_on="2026-01-15",
            voucher="V1",
            purpose="service",
            by=street,
        )
        for m in (3, 4):
            payment_record(
                community=JM,
                standard_code="head-pay",
                year=2026,
                month=m,
                staff=head.pk,
                amount="3045",
                paid_on=f"2026-0{m}-25",
                voucher=f"A{m}",
                by=street,
            )
        payment_record(
            community=JM,
            standard_code="fund",
            year=2026,
            amount="500",
            paid_on="2026-07-05",
            voucher="V2",
            purpose="office",
            by=street,
        )  # after June: not counted for June
    return street


@freeze_time(NOW)
def test_entitlements_beside_payments(funded):
    (c,) = entitlements(user=funded, prefix=JM, period="2026-06")
    fund, head = c.rows
    # 4,410 a year; six months due = 2,205; 1,000 paid by the end of June → 1,205 owed
    assert (fund.annual, fund.due, fund.paid, fund.owed) == (
        D("4410.00"),
        D("2205.00"),
        D("1000"),
        D("1205.00"),
    )
    # March–June held = 4 × 3,045 = 12,180 due; two months paid → 6,090 owed
    assert (head.subject, head.due, head.paid, head.owed) == (
        "林秀英",
        D("12180.00"),
        D("6090"),
        D("6090.00"),
    )
    assert (c.due, c.paid, c.owed, c.short) == (D("14385.00"), D("7090"), D("7295.00"), True)
    (july,) = entitlements(user=funded, prefix=JM, period="2026-07")  # July is not over: same dues
    assert july.rows[0].due == D("2205.00") and july.rows[0].paid == D("1500")


@freeze_time(NOW)
def test_ledger_figures_and_their_drill_downs(funded):
    jm = Region.objects.get(code=JM)
    owed = compute("facilities.funding_owed", user=funded, region=jm, period="2026-06")
    assert owed.number == 7295.0 and owed.below and owed.count == 2
    assert owed.records[0] == "军门社区 · 社区工作经费：应享 2205.00 元，已享 1000.00 元，未享 1205.00 元"
    assert owed.records[1].startswith("军门社区 · 林秀英 · 书记报酬：应享 12180.00 元")
    share = compute("facilities.funding_paid_share", user=funded, region=jm, period="2026-06")
    assert share.number == pytest.approx(7090 / 14385) and share.count == 2
    street = compute(
        "facilities.funding_owed", user=funded, region=Region.objects.get(code=STREET), period="2026-06"
    )
    assert (street.number, street.count) == (7295.0, 2)  # the street's other communities have no households


@freeze_time(NOW)
def test_yuhuatai_half_for_service_projects(db, make_user):
    Standard.objects.create(
        code="yht",
        title="雨花台定额",
        source="测试",
        kind=RuleKind.FUNDING_PER_COMMUNITY,
        parameters={"amount": 300000, "service_share": 0.5},
        scope="350102",
    )
    district = make_user("district_staff", "350102")
    payment_record(
        community=JM,
        standard_code="yht",
        year=2026,
        amount="100000",
        paid_on="2026-02-01",
        voucher="S",
        purpose="service",
        by=district,
    )
    payment_record(
        community=JM,
        standard_code="yht",
        year=2026,
        amount="150000",
        paid_on="2026-03-01",
        voucher="O",
        purpose="office",
        by=district,
    )
    (row,) = entitlements(user=district, prefix=JM, period="2026-06")[0].rows
    assert row.due == D("150000.00") and row.owed == 0 and not row.condition_met and row.short
    assert "40%" in row.note and "低于 50%" in row.note


@freeze_time(NOW)
def test_payment_refusals_change_nothing(funded, make_user):
    head = StaffPost.objects.get(name="林秀英")
    before = Payment.objects.count()
    bad = [
        ({"amount": "0"}, "bad_amount"),
        ({"amount": "12.345"}, "bad_amount"),
        ({"amount": "abc"}, "bad_amount"),
        ({"voucher": " "}, "voucher_required"),
        ({"voucher": "V1"}, "voucher_taken"),
        ({"year": "20x6"}, "bad_period"),
        ({"month": 13}, "bad_period"),
        ({"paid_on": "2026-02-30"}, "bad_date"),
        ({"standard_code": "no-such"}, "not_funding"),
        ({"community": STREET}, "not_community"),
        ({"standard_code": "head-pay"}, "staff_required"),
    ]
    ok = {
        "community": JM,
        "standard_code": "fund",
        "year": 2026,
        "amount": "10",
        "paid_on": "2026-06-01",
        "voucher": "NEW",
    }
    for change, code in bad:
        with pytest.raises(ApplicationError) as exc:
            payment_record(**{**ok, **change}, by=funded)
        assert exc.value.code == code, change
    other_head = staff_post_add(
        community=OTHER,
        name="外社区书记",
        post="head",
        start="2026-01-01",
        by=make_user("district_staff", "350102"),
    )
    with pytest.raises(ApplicationError) as exc:
        payment_record(**{**ok, "standard_code": "head-pay", "staff": other_head.pk}, by=funded)
    assert exc.value.code == "staff_elsewhere"
    for role, scope in [("community_worker", JM), ("community_head", JM), ("street_staff", "350102001")]:
        with pytest.raises(PermissionDenied):
            payment_record(**ok, by=make_user(role, scope))
    assert Payment.objects.count() == before
    with pytest.raises(ApplicationError) as exc:
        staff_post_add(
            community=JM, name="林秀英", post="head", start="2026-05-01", end="2026-04-01", by=funded
        )
    assert exc.value.code == "bad_date"
    with pytest.raises(ValueError):
        Payment.objects.filter(voucher="V1").update(amount=1)
    assert head.payments.count() == 2


ROLES = [
    ("resident", JM, 403),
    ("grid_worker", JM, 403),
    ("community_worker", JM, 200),
    ("community_head", JM, 200),
    ("street_staff", STREET, 200),
    ("district_staff", "350102", 200),
]


@freeze_time(NOW)
@pytest.mark.parametrize("role,scope,status", ROLES)
@pytest.mark.parametrize(
    "url", ["/facilities/funding/", f"/facilities/funding/{JM}/", f"/api/facilities/funding/?region={JM}"]
)
def test_role_matrix(client, make_user, funded, role, scope, status, url):
    client.force_login(make_user(role, scope))
    r = client.get(url)
    assert r.status_code == status
    if status == 200 and not url.startswith("/api/"):
        assert "林秀英" in r.content.decode() or url == "/facilities/funding/"


@freeze_time(NOW)
def test_pages_show_the_comparison_and_record_payments(client, make_user, funded):
    client.force_login(funded)
    body = client.get("/facilities/funding/?region=350102004&period=2026-06").content.decode()
    assert 'data-flag="short"' in body and "7295.00" in body
    page = client.get(f"/facilities/funding/{JM}/?period=2026-06").content.decode()
    assert "享受对象与发放对照" in page and "登记拨付" in page and "A3" in page
    r = client.post(
        f"/facilities/funding/{JM}/?period=2026-06",
        {
            "form": "payment",
            "standard": "fund",
            "year": "2026",
            "amount": "1205",
            "purpose": "service",
            "paid_on": "2026-06-30",
            "voucher": "V3",
        },
    )
    assert r.status_code == 302
    (c,) = entitlements(user=funded, prefix=JM, period="2026-06")
    assert c.rows[0].owed == 0
    # bad input: a message, nothing written
    n = Payment.objects.count()
    r = client.post(
        f"/facilities/funding/{JM}/",
        {
            "form": "payment",
            "standard": "fund",
            "year": "2026",
            "amount": "0",
            "paid_on": "2026-06-30",
            "voucher": "V4",
        },
        follow=True,
    )
    assert (
        r.status_code == 200
        and "金额必须是不为0的数字" in r.content.decode()
        and Payment.objects.count() == n
    )
    # a community worker sees the comparison but may not record a payment
    client.force_login(make_user("community_worker", JM))
    page = client.get(f"/facilities/funding/{JM}/").content.decode()
    assert "登记拨付" not in page and "登记社区干部" in page
    r = client.post(
        f"/facilities/funding/{JM}/",
        {
            "form": "payment",
            "standard": "fund",
            "year": "2026",
            "amount": "5",
            "paid_on": "2026-06-30",
            "voucher": "V5",
        },
    )
    assert r.status_code == 403 and Payment.objects.count() == n
    assert client.get(f"/facilities/funding/{OTHER}/").status_code == 404


@freeze_time(NOW)
def test_api_lists_and_records(client, make_user, funded):
    client.force_login(funded)
    rows = client.get(f"/api/facilities/funding/?region={JM}&period=2026-06").json()
    assert rows[0]["owed"] == "7295.00" and [r["standard"] for r in rows[0]["rows"]] == ["fund", "head-pay"]
    body = {
        "community": JM,
        "standard_code": "fund",
        "year": 2026,
        "amount": "1",
        "paid_on": "2026-06-01",
        "voucher": "API1",
    }
    assert client.post("/api/facilities/payments/", body, content_type="application/json").status_code == 201
    r = client.post("/api/facilities/payments/", body, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "voucher_taken"
    assert client.get(f"/api/facilities/funding/?region={OTHER}").status_code == 404
