"""The estates a property company manages (registry `Estate.property_company`): the service
(scope, the company's region, moving from another company only with the flag, events and
history, the coverage figure), the company's page (role matrix, add, move, remove), the API and
the import column."""

import io
import json

import openpyxl
import pytest
from django.test import Client

from gongzhi.core.errors import ApplicationError, PermissionDenied
from gongzhi.core.models import ChangeRecord
from gongzhi.organizations import estates, imports, selectors
from gongzhi.organizations.models import Organization, OrganizationEvent
from gongzhi.registry.models import Estate

from .conftest import JUNMEN, OTHER

pytestmark = pytest.mark.django_db

STREET = "350102004"


@pytest.fixture
def company(regions):
    """A property company based at the district (as most are)."""
    return Organization.objects.create(name="榕城物业", kind="property_company", region=regions["district"])


@pytest.fixture
def rival(regions):
    return Organization.objects.create(name="闽都物业", kind="property_company", region=regions["district"])


@pytest.fixture
def old_courtyard(regions):
    return Estate.objects.create(community=regions["junmen"], name="老院落", has_property_management=False)


@pytest.fixture
def outside(regions):
    return Estate.objects.create(community=regions["other"], name="大根小区")


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


# --- the service -------------------------------------------------------------------------------


def test_add_links_estate_logs_it_and_coverage_goes_from_0_to_the_share(
    staff, company, estate, old_courtyard
):
    before = selectors.property_coverage(user=staff)
    assert (before.value, before.numerator, before.denominator) == (0.0, 0, 2)

    change = estates.property_estates_add(by=staff, company=company, estates=[old_courtyard])

    old_courtyard.refresh_from_db()
    assert old_courtyard.property_company_id == company.pk
    assert old_courtyard.has_property_management  # the registry now says it has property management
    assert [e.pk for e in change.added] == [old_courtyard.pk] and not change.moved
    after = selectors.property_coverage(user=staff)
    assert (after.value, after.numerator, after.denominator) == (50.0, 1, 2)
    assert [e.name for e in after.records] == ["老院落"]
    event = OrganizationEvent.objects.get(kind="property_estate_added")
    assert (event.subject, event.community_id, event.data["estate"]) == (
        f"organization:{company.pk}",
        JUNMEN,
        old_courtyard.pk,
    )
    history = ChangeRecord.objects.get(object_type="registry.estate", object_id=str(old_courtyard.pk))
    assert history.changes == {"property_company": [None, "榕城物业"]}

    estates.property_estates_add(by=staff, company=company, estates=[estate])
    assert selectors.property_coverage(user=staff).value == 100.0
    assert [e.name for e in selectors.company_estates(user=staff, organization=company)] == [
        "军门小区",
        "老院落",
    ]


def test_estate_out_of_scope_is_refused_and_nothing_changes(staff, company, estate, outside):
    with pytest.raises(ApplicationError) as exc:
        estates.property_estates_add(by=staff, company=company, estates=[estate, outside])
    assert exc.value.code == "estate_out_of_scope" and exc.value.status == 403
    assert "大根小区" in str(exc.value.message)
    assert not Estate.objects.filter(property_company=company).exists()  # the first one rolled back too
    assert not OrganizationEvent.objects.exists()


def test_company_out_of_reach_and_estate_outside_company_region(make_user, staff, regions, estate):
    other_company = Organization.objects.create(
        name="大根物业", kind="property_company", region=regions["other"]
    )
    # a worker of 军门 has no reach over a company based in 大根社区
    with pytest.raises(PermissionDenied):
        estates.property_estates_add(by=staff, company=other_company, estates=[estate])
    # the street's staff reach both, but 军门's estate is outside the company's region
    street = make_user("street_staff", STREET)
    with pytest.raises(ApplicationError) as exc:
        estates.property_estates_add(by=street, company=other_company, estates=[estate])
    assert exc.value.code == "estate_outside_company_region"
    estate.refresh_from_db()
    assert estate.property_company_id is None


def test_only_property_companies_and_managers(make_user, staff, social_org, company, estate):
    with pytest.raises(ApplicationError) as exc:
        estates.property_estates_add(by=staff, company=social_org, estates=[estate])
    assert exc.value.code == "not_property_company"
    for role in ("grid_worker", "resident"):
        with pytest.raises(PermissionDenied):
            estates.property_estates_add(by=make_user(role, JUNMEN), company=company, estates=[estate])
    with pytest.raises(ApplicationError) as exc:
        estates.property_estates_add(by=staff, company=company, estates=[])
    assert exc.value.code == "estates_required"
    assert not Estate.objects.filter(property_company__isnull=False).exists()


def test_moving_from_another_company_needs_the_flag_and_says_so(staff, company, rival, estate):
    estate.property_company = rival
    estate.save()
    with pytest.raises(ApplicationError) as exc:
        estates.property_estates_add(by=staff, company=company, estates=[estate])
    assert exc.value.code == "estate_managed_by_other" and exc.value.status == 409
    assert "闽都物业" in str(exc.value.message)
    estate.refresh_from_db()
    assert estate.property_company_id == rival.pk

    change = estates.property_estates_add(by=staff, company=company, estates=[estate], move=True)
    estate.refresh_from_db()
    assert estate.property_company_id == company.pk
    assert [(e.pk, name) for e, name in change.moved] == [(estate.pk, "闽都物业")]
    assert "闽都物业" in change.message() and "军门小区" in change.message()
    moved_out = OrganizationEvent.objects.get(kind="property_estate_moved_out")
    assert moved_out.subject == f"organization:{rival.pk}" and moved_out.data["to_company"] == company.pk
    assert OrganizationEvent.objects.get(kind="property_estate_added").data["moved_from"] == rival.pk
    # already managed by this company: nothing to do, nothing logged
    again = estates.property_estates_add(by=staff, company=company, estates=[estate])
    assert not again.added and OrganizationEvent.objects.filter(kind="property_estate_added").count() == 1


def test_remove_and_set_leave_estates_out_of_scope_alone(staff, company, estate, old_courtyard, outside):
    Estate.objects.filter(pk__in=[estate.pk, outside.pk]).update(property_company=company)
    change = estates.property_estates_set(by=staff, company=company, estates=[old_courtyard])
    assert [e.pk for e in change.added] == [old_courtyard.pk]
    assert [e.pk for e in change.removed] == [estate.pk]
    assert set(Estate.objects.filter(property_company=company).values_list("name", flat=True)) == {
        "老院落",
        "大根小区",  # outside the worker's scope: kept
    }
    estates.property_estate_remove(by=staff, company=company, estate=old_courtyard)
    assert OrganizationEvent.objects.filter(kind="property_estate_removed").count() == 2
    with pytest.raises(ApplicationError) as exc:
        estates.property_estate_remove(by=staff, company=company, estate=old_courtyard)
    assert exc.value.code == "estate_not_managed"
    with pytest.raises(ApplicationError) as exc:
        estates.property_estate_remove(by=staff, company=company, estate=outside)
    assert exc.value.code == "estate_out_of_scope"


# --- the page: role matrix ---------------------------------------------------------------------

MANAGERS = {"community_worker", "community_head", "street_staff", "district_staff"}
VIEWERS = MANAGERS | {"grid_worker", "social_org_staff"}
ROLES = sorted(VIEWERS | {"resident", "department_staff", "expert"})
SCOPES = {"street_staff": STREET, "district_staff": "350102", "expert": "350102"}


def _user(make_user, role, regions):
    if role == "social_org_staff":
        org = Organization.objects.create(name="员工所属组织", kind="social_org", region=regions["junmen"])
        return make_user(role, org)
    if role == "department_staff":
        from tests.factories import DepartmentFactory

        return make_user(role, DepartmentFactory())
    return make_user(role, SCOPES.get(role, JUNMEN))


@pytest.mark.parametrize("role", ROLES)
def test_company_page_role_matrix(make_user, regions, company, estate, role):
    from tests.factories import BuildingFactory, DwellingFactory, HouseholdFactory

    managed = Estate.objects.create(community=regions["junmen"], name="已管理小区", property_company=company)
    dwelling = DwellingFactory(building=BuildingFactory(estate=managed))
    HouseholdFactory(dwelling=dwelling)
    HouseholdFactory(dwelling=dwelling)
    client = _client(_user(make_user, role, regions))

    page = client.get(f"/organizations/{company.pk}/")
    assert page.status_code == (200 if role in VIEWERS else 403)
    if role in VIEWERS:
        body = page.content.decode()
        assert "已管理小区" in body and 'data-label="户数">2<' in body
        assert ("添加管理的小区" in body) == (role in MANAGERS)
        assert ("/estates/add/" in body) == (role in MANAGERS)

    add = client.post(f"/organizations/{company.pk}/estates/add/", {"estates": [estate.pk]})
    estate.refresh_from_db()
    if role in MANAGERS:
        assert add.status_code == 302
        assert estate.property_company_id == company.pk
    else:
        assert add.status_code == 403
        assert estate.property_company_id is None

    remove = client.post(f"/organizations/{company.pk}/estates/{managed.pk}/remove/")
    managed.refresh_from_db()
    assert remove.status_code == (302 if role in MANAGERS else 403)
    assert (managed.property_company_id is None) == (role in MANAGERS)


def test_manager_of_another_community_cannot_pick_an_estate_outside_scope(make_user, company, estate):
    client = _client(make_user("community_worker", OTHER))
    page = client.get(f"/organizations/{company.pk}/").content.decode()
    assert "军门小区" not in page  # not offered in the picker
    response = client.post(f"/organizations/{company.pk}/estates/add/", {"estates": [estate.pk]})
    assert response.status_code == 400
    estate.refresh_from_db()
    assert estate.property_company_id is None
    # and cannot remove one of 军门 either
    estate.property_company = company
    estate.save()
    assert client.post(f"/organizations/{company.pk}/estates/{estate.pk}/remove/").status_code == 404


def test_page_move_needs_the_box_and_the_message_says_from_where(staff, company, rival, estate):
    estate.property_company = rival
    estate.save()
    client = _client(staff)
    assert "现由“闽都物业”管理" in client.get(f"/organizations/{company.pk}/").content.decode()
    refused = client.post(f"/organizations/{company.pk}/estates/add/", {"estates": [estate.pk]})
    assert refused.status_code == 400
    assert "请勾选“从其他物业公司移交”" in refused.content.decode()
    estate.refresh_from_db()
    assert estate.property_company_id == rival.pk
    moved = client.post(
        f"/organizations/{company.pk}/estates/add/", {"estates": [estate.pk], "move": "on"}, follow=True
    )
    assert moved.status_code == 200
    assert "原由“闽都物业”管理" in moved.content.decode()
    estate.refresh_from_db()
    assert estate.property_company_id == company.pk


def test_page_without_a_pick_shows_the_message(staff, company):
    response = _client(staff).post(f"/organizations/{company.pk}/estates/add/", {})
    assert response.status_code == 400 and "field-error" in response.content.decode()


def test_no_picker_for_other_kinds(staff, social_org):
    body = _client(staff).get(f"/organizations/{social_org.pk}/").content.decode()
    assert "管理的小区" not in body
    assert _client(staff).post(f"/organizations/{social_org.pk}/estates/add/", {}).status_code == 403


# --- the API -----------------------------------------------------------------------------------


def test_api_reads_and_sets_through_the_service(make_user, staff, company, rival, estate, old_courtyard):
    url = f"/api/organizations/organizations/{company.pk}/estates"
    client = _client(staff)
    body = client.get(url).json()
    assert body == {"company_id": company.pk, "can_set": True, "items": []}

    put = client.put(url, json.dumps({"estate_ids": [estate.pk]}), content_type="application/json")
    assert put.status_code == 200
    assert put.json()["added"] == [estate.pk] and [i["name"] for i in put.json()["items"]] == ["军门小区"]

    old_courtyard.property_company = rival
    old_courtyard.save()
    both = {"estate_ids": [estate.pk, old_courtyard.pk]}
    refused = client.put(url, json.dumps(both), content_type="application/json")
    assert refused.status_code == 409 and refused.json()["code"] == "estate_managed_by_other"
    moved = client.put(url, json.dumps(both | {"move": True}), content_type="application/json")
    assert moved.status_code == 200 and moved.json()["moved"] == [
        {"estate": old_courtyard.pk, "from": "闽都物业"}
    ]

    cleared = client.put(url, json.dumps({"estate_ids": []}), content_type="application/json")
    assert sorted(cleared.json()["removed"]) == sorted([estate.pk, old_courtyard.pk])
    assert not Estate.objects.filter(property_company=company).exists()

    unknown = client.put(url, json.dumps({"estate_ids": [999999]}), content_type="application/json")
    assert unknown.status_code == 400 and unknown.json()["code"] == "estate_ids_not_found"

    grid = _client(make_user("grid_worker", JUNMEN))
    assert grid.get(url).json()["can_set"] is False
    put_grid = grid.put(url, json.dumps({"estate_ids": [estate.pk]}), content_type="application/json")
    assert put_grid.status_code == 403
    assert _client(make_user("resident", JUNMEN)).get(url).status_code == 403


# --- the import column -------------------------------------------------------------------------


def _xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for r in rows:
        book.active.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_import_resolves_estates_and_reports_unknown_and_ambiguous(make_user, regions, estate, outside):
    street = make_user("street_staff", STREET)
    Estate.objects.create(community=regions["junmen"], name="同名小区")
    Estate.objects.create(community=regions["other"], name="同名小区")
    junmen = regions["junmen"].name
    data = _xlsx(
        [
            ["名称", "所在区域代码", "管理小区", "移交"],
            ["东街物业", STREET, "军门小区、大根小区", ""],
            ["无名物业", STREET, "军门小区；不存在的小区", ""],
            ["重名物业", STREET, "同名小区", ""],
            ["分清物业", STREET, f"{junmen}/同名小区", ""],
            ["抢先物业", STREET, "军门小区", ""],
            ["东街物业", STREET, "", ""],
        ]
    )
    report = imports.register_import(by=street, register="companies", data=data)
    assert [(r.row, r.ok) for r in report.rows] == [
        (2, True),
        (3, False),
        (4, False),
        (5, True),
        (6, False),
        (7, False),
    ]
    east = Organization.objects.get(name="东街物业")
    assert set(Estate.objects.filter(property_company=east).values_list("name", flat=True)) == {
        "军门小区",
        "大根小区",
    }
    assert "不存在的小区" in report.rows[1].message and "找不到" in report.rows[1].message
    assert "军门小区" not in report.rows[1].message  # only the name that failed
    assert not Organization.objects.filter(name__in=["无名物业", "重名物业", "抢先物业"]).exists()
    assert "同名小区" in report.rows[2].message and regions["other"].name in report.rows[2].message
    assert (
        Estate.objects.get(name="同名小区", community=regions["junmen"]).property_company.name == "分清物业"
    )
    assert "东街物业" in report.rows[4].message  # managed by another company: not moved silently
    assert "同名" in report.rows[5].message or "已登记" in report.rows[5].message  # a plain duplicate


def test_import_adds_estates_to_a_company_already_registered_and_moves_with_the_flag(
    staff, company, rival, estate, old_courtyard
):
    old_courtyard.property_company = rival
    old_courtyard.save()
    data = _xlsx(
        [
            ["名称", "所在区域代码", "管理小区", "移交"],
            ["榕城物业", "350102", "老院落", ""],
            ["榕城物业", "350102", "军门小区、老院落", "是"],
        ]
    )
    report = imports.register_import(by=staff, register="companies", data=data)
    assert [r.ok for r in report.rows] == [False, True]
    assert "闽都物业" in report.rows[0].message and "“移交”列" in report.rows[0].message
    assert Organization.objects.filter(name="榕城物业").count() == 1
    assert set(Estate.objects.filter(property_company=company).values_list("name", flat=True)) == {
        "军门小区",
        "老院落",
    }
