"""Registers: services (refusals change nothing, events), selectors (scope, overdue, coverage),
the Excel import's per-row report, and the role matrix of the pages and the API."""

import datetime as dt
import io

import openpyxl
import pytest
from django.test import Client

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError, PermissionDenied
from gongzhi.organizations import imports, selectors, services
from gongzhi.organizations.models import (
    CoBuildingAgreement,
    Organization,
    OrganizationEvent,
    OwnersCommittee,
    PledgedResource,
)

from .conftest import JUNMEN, OTHER

pytestmark = pytest.mark.django_db


def test_register_records_profile_served_and_event(social_org):
    assert social_org.profile.registration == "filed"
    assert list(social_org.profile.communities_served.values_list("code", flat=True)) == [JUNMEN]
    assert OrganizationEvent.objects.filter(
        kind="organization_registered", subject=f"organization:{social_org.pk}"
    ).exists()


@pytest.mark.parametrize(
    "kwargs, code",
    [
        ({"name": " "}, "name_required"),
        ({"kind": "club"}, "kind_invalid"),
        ({"credit_code": "123"}, "credit_code_invalid"),
        ({"grade": "6A"}, "choice_invalid"),
        ({"staff_count": 1, "social_worker_count": 2}, "social_workers_exceed_staff"),
        ({"staff_count": "many"}, "number_invalid"),
        ({"communities_served": [OTHER]}, "region_out_of_scope"),
        ({"communities_served": ["350102004"]}, "not_community"),
    ],
)
def test_register_refusals_change_nothing(staff, regions, kwargs, code):
    args = {"by": staff, "name": "新组织", "kind": "social_org", "region": regions["junmen"]} | kwargs
    with pytest.raises(ApplicationError) as exc:
        services.organization_register(**args)
    assert exc.value.code == code
    assert not Organization.objects.filter(name="新组织").exists()
    assert not OrganizationEvent.objects.exists()


def test_register_duplicate_and_out_of_scope(staff, regions, social_org):
    with pytest.raises(ApplicationError) as exc:
        services.organization_register(
            by=staff, name=social_org.name, kind=social_org.kind, region=regions["junmen"]
        )
    assert exc.value.code == "duplicate"
    with pytest.raises(PermissionDenied):
        services.organization_register(
            by=staff, name="外社区组织", kind="social_org", region=regions["other"]
        )


def test_agreement_with_resources_and_refusals(staff, regions):
    unit = services.organization_register(
        by=staff, name="军门小学", kind="resident_unit", region=regions["junmen"]
    )
    a = services.agreement_sign(
        by=staff,
        organization=unit,
        community=regions["junmen"],
        signed_on=dt.date(2026, 1, 5),
        expires_on=dt.date(2029, 1, 5),
        resources=[{"kind": "space", "description": "操场", "quantity": 16, "unit": "小时/周"}],
    )
    assert a.resources.count() == 1
    with pytest.raises(ApplicationError) as exc:
        services.agreement_sign(
            by=staff, organization=unit, community=regions["junmen"], signed_on=dt.date(2026, 1, 5)
        )
    assert exc.value.code == "agreement_exists"
    with pytest.raises(ApplicationError) as exc:
        services.agreement_sign(
            by=staff,
            organization=unit,
            community=regions["junmen"],
            signed_on=dt.date(2026, 2, 1),
            resources=[{"kind": "funds", "description": "经费", "quantity": 0, "unit": "元"}],
        )
    assert exc.value.code == "resource_invalid"
    assert CoBuildingAgreement.objects.count() == 1 and PledgedResource.objects.count() == 1


def test_agreement_only_for_units(staff, regions, social_org):
    with pytest.raises(ApplicationError) as exc:
        services.agreement_sign(
            by=staff, organization=social_org, community=regions["junmen"], signed_on=dt.date(2026, 1, 1)
        )
    assert exc.value.code == "not_unit"


def test_committee_current_term_overdue_and_coverage(staff, estate, regions, today):
    from gongzhi.registry.models import Estate

    Estate.objects.create(community=regions["junmen"], name="没有业委会的小区")
    services.committee_record(
        by=staff, estate=estate, term_start=dt.date(2016, 1, 1), term_end=dt.date(2021, 1, 1)
    )
    with clock.at(dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC)):
        assert selectors.committee_list(user=staff, overdue=True).count() == 1
        services.committee_record(
            by=staff, estate=estate, term_start=dt.date(2021, 3, 1), term_end=dt.date(2026, 3, 1)
        )
        assert selectors.committee_list(user=staff).count() == 1  # only the current term
        assert selectors.committee_list(user=staff, overdue=True).count() == 1  # 2026-03 is past too
        services.committee_record(
            by=staff, estate=estate, term_start=dt.date(2026, 5, 1), term_end=dt.date(2031, 5, 1)
        )
        assert selectors.committee_list(user=staff, overdue=True).count() == 0
    figure = selectors.committee_coverage(user=staff)
    assert (figure.numerator, figure.denominator, figure.value) == (1, 2, 50.0)
    assert [e.name for e in figure.records] == ["军门小区"]


def test_committee_refusals(staff, estate):
    for kwargs, code in [
        ({"term_start": dt.date(2026, 1, 1), "term_end": dt.date(2025, 1, 1)}, "term_invalid"),
        (
            {"term_start": dt.date(2026, 1, 1), "term_end": dt.date(2031, 1, 1), "member_count": 2},
            "members_invalid",
        ),
    ]:
        with pytest.raises(ApplicationError) as exc:
            services.committee_record(by=staff, estate=estate, **kwargs)
        assert exc.value.code == code
    assert not OwnersCommittee.objects.exists()


def test_property_coverage_from_registry_estates(staff, regions, estate):
    from gongzhi.registry.models import Estate

    company = Organization.objects.create(
        name="榕城物业", kind="property_company", region=regions["district"]
    )
    Estate.objects.create(community=regions["junmen"], name="老院落", has_property_management=False)
    estate.property_company = company
    estate.save()
    Estate.objects.create(community=regions["other"], name="外社区小区", property_company=company)
    figure = selectors.property_coverage(user=staff)
    assert (figure.numerator, figure.denominator, figure.value) == (1, 2, 50.0)
    companies = selectors.property_companies(user=staff)
    assert [(c.name, c.estate_count) for c in companies] == [("榕城物业", 1)]  # 外社区小区 is out of scope


def test_district_org_visible_below_and_community_org_not_to_other_community(make_user, regions, social_org):
    district_org = Organization.objects.create(name="区级组织", kind="social_org", region=regions["district"])
    other = make_user("community_worker", OTHER)
    names = set(selectors.organization_list(user=other).values_list("name", flat=True))
    assert district_org.name in names and social_org.name not in names


def test_orgs_per_10k(staff, social_org):
    from tests.factories import PersonFactory

    for _ in range(4):
        PersonFactory(community_id=JUNMEN)
    figure = selectors.orgs_per_10k(user=staff)
    assert figure.numerator == 1 and figure.denominator == 4 and figure.value == 2500.0


def _xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for r in rows:
        book.active.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_import_social_reports_each_row(staff):
    data = _xlsx(
        [
            [
                "*名称",
                "类别",
                "*所在区域代码",
                "登记或备案",
                "服务领域",
                "评估等级",
                "专职人员",
                "持证社工",
                "服务社区代码",
            ],
            ["军门书画社", "社区社会组织", JUNMEN, "备案", "文体活动", "", 2, 1, JUNMEN],
            ["", "", JUNMEN, "", "", "", "", "", ""],
            ["军门健康社", "", JUNMEN, "登记", "不存在的领域", "", "", "", ""],
            ["外社区组织", "", OTHER, "", "", "", "", "", ""],
            ["军门助老社", "", JUNMEN, "登记", "养老服务", "3A", 5, 2, f"{JUNMEN}、{OTHER}"],
        ]
    )
    report = imports.register_import(by=staff, register="social", data=data)
    assert report.imported == 1
    assert [(r.row, r.ok) for r in report.rows] == [(2, True), (3, False), (4, False), (5, False), (6, False)]
    assert "请填写名称" in report.rows[1].message
    assert Organization.objects.get(name="军门书画社").profile.service_field == "culture"
    assert not Organization.objects.filter(name="军门助老社").exists()


def test_import_units_and_committees(staff, estate):
    units = _xlsx(
        [
            ["名称", "所在区域代码", "共建社区代码", "签订日期", "资源类型", "资源说明", "数量", "单位"],
            ["军门银行", JUNMEN, JUNMEN, dt.date(2026, 3, 1), "资金", "活动经费", 5000, "元"],
            ["军门银行", JUNMEN, JUNMEN, "2026-13-01", "", "", "", ""],
        ]
    )
    report = imports.register_import(by=staff, register="units", data=units)
    assert [r.ok for r in report.rows] == [True, False]
    assert Organization.objects.filter(name="军门银行").count() == 1
    committees = _xlsx(
        [
            ["小区名称", "社区代码", "任期开始", "任期届满", "委员人数"],
            ["军门小区", JUNMEN, "2022-01-01", "2027-01-01", 7],
            ["不存在小区", JUNMEN, "2022-01-01", "2027-01-01", 7],
        ]
    )
    report = imports.register_import(by=staff, register="committees", data=committees)
    assert [r.ok for r in report.rows] == [True, False]
    assert OwnersCommittee.objects.get().member_count == 7


def test_import_bad_file_and_header(staff):
    with pytest.raises(ApplicationError) as exc:
        imports.register_import(by=staff, register="social", data=_xlsx([["甲", "乙"], ["1", "2"]]))
    assert exc.value.code == "import_no_header"
    with pytest.raises(ApplicationError):
        imports.register_import(by=staff, register="nope", data=b"x")


# --- role matrix ---------------------------------------------------------------------------

VIEWERS = {
    "grid_worker",
    "community_worker",
    "community_head",
    "street_staff",
    "district_staff",
    "social_org_staff",
}
MANAGERS = {"community_worker", "community_head", "street_staff", "district_staff"}
ROLES = sorted(VIEWERS | {"resident", "department_staff", "expert"})
SCOPES = {"street_staff": "350102004", "district_staff": "350102", "expert": "350102"}


def _user(make_user, role, regions, in_scope=True):
    if role == "social_org_staff":
        org = Organization.objects.create(
            name="员工所属组织", kind="social_org", region=regions["junmen" if in_scope else "other"]
        )
        return make_user(role, org)
    if role == "department_staff":
        from tests.factories import DepartmentFactory

        return make_user(role, DepartmentFactory())
    return make_user(role, SCOPES.get(role, JUNMEN) if in_scope else OTHER)


@pytest.mark.parametrize("role", ROLES)
def test_pages_role_matrix(make_user, regions, social_org, role):
    client = Client()
    client.force_login(_user(make_user, role, regions))
    for tab in ("social", "units", "companies", "committees"):
        assert client.get(f"/organizations/?tab={tab}").status_code == (200 if role in VIEWERS else 403)
    detail = client.get(f"/organizations/{social_org.pk}/").status_code
    assert detail == (200 if role in VIEWERS else 403)
    assert client.get("/organizations/import/").status_code == (200 if role in MANAGERS else 403)
    assert client.get("/organizations/import/template/social/").status_code == (
        200 if role in MANAGERS else 403
    )
    api = client.get("/api/organizations/organizations")
    assert api.status_code == (200 if role in VIEWERS else 403)
    if role in VIEWERS:
        assert social_org.name in {o["name"] for o in api.json()["items"]}
        assert client.get(f"/api/organizations/organizations/{social_org.pk}").status_code == 200


@pytest.mark.parametrize("role", sorted(VIEWERS - {"street_staff", "district_staff"}))
def test_out_of_scope_detail_is_404(make_user, regions, social_org, role):
    client = Client()
    client.force_login(_user(make_user, role, regions, in_scope=False))
    assert client.get(f"/organizations/{social_org.pk}/").status_code == 404
    assert client.get(f"/api/organizations/organizations/{social_org.pk}").status_code == 404
    assert social_org.name not in {
        o["name"] for o in client.get("/api/organizations/organizations").json()["items"]
    }


def test_anonymous_is_sent_to_login_and_api_401(social_org):
    client = Client()
    assert client.get("/organizations/").status_code == 302
    assert client.get("/organizations/import/").status_code == 302
    assert client.get("/api/organizations/organizations").status_code == 401


def test_import_page_posts_and_reports(staff):
    client = Client()
    client.force_login(staff)
    data = _xlsx([["名称", "所在区域代码"], ["页面导入组织", JUNMEN], ["", JUNMEN]])
    response = client.post("/organizations/import/", {"register": "social", "file": io.BytesIO(data)})
    assert response.status_code == 200
    assert "第3行" in response.content.decode()
    assert client.post("/organizations/import/", {"register": "social"}).status_code == 400


def test_home_panel_for_social_org_staff(make_user, regions, social_org, estate):
    services.committee_record(
        by=make_user("community_worker", JUNMEN),
        estate=estate,
        term_start=dt.date(2015, 1, 1),
        term_end=dt.date(2020, 1, 1),
    )
    user = make_user("social_org_staff", social_org)
    client = Client()
    client.force_login(user)
    page = client.get("/").content.decode()
    assert "社会组织与共建" in page and "业委会逾期未换届" in page


@pytest.mark.parametrize(
    "role, status", [("district_staff", 200), ("social_org_staff", 200), ("resident", 403)]
)
def test_figures_page_and_drill_down(make_user, regions, estate, role, status):
    from gongzhi.registry.models import Estate

    company = Organization.objects.create(
        name="榕城物业", kind="property_company", region=regions["district"]
    )
    Estate.objects.create(community=regions["junmen"], name="有物业小区", property_company=company)
    scope = {"district_staff": "350102", "resident": JUNMEN}.get(role) or Organization.objects.create(
        name="本组织", kind="social_org", region=regions["junmen"]
    )
    client = Client()
    client.force_login(make_user(role, scope))
    page = client.get("/organizations/figures/")
    assert page.status_code == status
    if status == 200:
        body = page.content.decode()
        assert "物业管理覆盖率" in body and "50.0%" in body and "1 / 2" in body
        drill = client.get("/organizations/figures/?key=organizations.property_coverage").content.decode()
        assert "有物业小区" in drill and "军门小区" not in drill.split("<h2>")[-1]
        assert client.get("/organizations/figures/?key=nope").status_code == 404
