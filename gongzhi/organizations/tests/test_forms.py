"""Create and edit pages of the registers, owners' committees (members are owners from the
registry), spaces (with prices: fees recorded on bookings) and a need turned into a volunteer
activity: services (refusals change nothing, events), pages through the services with plain
Chinese messages (400, nothing written), and the role matrix of every new page."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied
from gongzhi.organizations import bookings, lists, selectors, services
from gongzhi.organizations.models import (
    CommitteeMember,
    Need,
    NeedActivity,
    Organization,
    OrganizationEvent,
    OwnersCommittee,
    Space,
)

from .conftest import JUNMEN, OTHER

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=TZ)  # a Tuesday


@pytest.fixture(autouse=True)
def frozen():
    with clock.at(NOW):
        yield


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


# --- organisations: edit service and pages ---------------------------------------------------


def test_update_changes_entry_and_records_event(staff, regions, social_org):
    services.organization_update(
        by=staff,
        organization=social_org,
        name="军门长者服务中心",
        kind="social_org",
        region=regions["junmen"],
        registration="registered",
        grade="3A",
        staff_count=5,
        social_worker_count=2,
        communities_served=[JUNMEN],
    )
    social_org.refresh_from_db()
    assert (social_org.name, social_org.kind, social_org.profile.grade) == (
        "军门长者服务中心",
        "social_org",
        "3A",
    )
    ev = OrganizationEvent.objects.get(kind="organization_updated")
    assert ev.data["before"]["name"] == "军门长者服务社"


@pytest.mark.parametrize(
    "kwargs, code",
    [
        ({"name": ""}, "name_required"),
        ({"kind": "owners_committee"}, "kind_invalid"),
        ({"credit_code": "91350102MA"}, "credit_code_invalid"),
        ({"staff_count": 1, "social_worker_count": 3}, "social_workers_exceed_staff"),
        ({"communities_served": [OTHER]}, "region_out_of_scope"),
    ],
)
def test_update_refusals_change_nothing(staff, regions, social_org, kwargs, code):
    args = {
        "by": staff,
        "organization": social_org,
        "name": "改名",
        "kind": "social_org",
        "region": regions["junmen"],
    } | kwargs
    with pytest.raises(ApplicationError) as exc:
        services.organization_update(**args)
    assert exc.value.code == code
    social_org.refresh_from_db()
    assert social_org.name == "军门长者服务社" and social_org.profile.staff_count == 3
    assert not OrganizationEvent.objects.filter(kind="organization_updated").exists()


def test_update_out_of_scope_refused(make_user, regions, social_org):
    other_worker = make_user("community_worker", OTHER)
    with pytest.raises(PermissionDenied):
        services.organization_update(
            by=other_worker, organization=social_org, name="x", kind="social_org", region=regions["other"]
        )


def test_register_page_creates_and_bad_input_is_400(staff):
    client = _client(staff)
    form = {
        "name": "军门书画社",
        "kind": "community_social_org",
        "region": JUNMEN,
        "registration": "filed",
        "service_field": "culture",
        "staff_count": "2",
        "social_worker_count": "5",
        "communities_served": [JUNMEN],
    }
    r = client.post("/organizations/new/", form)
    assert r.status_code == 400
    assert "持证社工人数不能多于专职人员人数" in r.content.decode()
    assert not Organization.objects.filter(name="军门书画社").exists()
    r = client.post("/organizations/new/", form | {"staff_count": "abc"})
    assert r.status_code == 400 and "“专职人员”请填写整数" in r.content.decode()
    r = client.post("/organizations/new/", form | {"social_worker_count": "1"})
    org = Organization.objects.get(name="军门书画社")
    assert r.status_code == 302 and r["Location"] == f"/organizations/{org.pk}/"
    r = client.post(
        f"/organizations/{org.pk}/edit/", form | {"name": "军门书画院", "social_worker_count": "0"}
    )
    assert r.status_code == 302
    org.refresh_from_db()
    assert org.name == "军门书画院"


def test_agreement_page_with_resources(staff, regions):
    unit = services.organization_register(
        by=staff, name="军门小学", kind="resident_unit", region=regions["junmen"]
    )
    client = _client(staff)
    base = {
        "community": JUNMEN,
        "signed_on": "2026-11-01",
        "expires_on": "2029-11-01",
        "content": "场地共享",
        "res-TOTAL_FORMS": "3",
        "res-INITIAL_FORMS": "0",
        "res-0-kind": "space",
        "res-0-description": "操场",
        "res-0-quantity": "16",
        "res-0-unit": "小时/周",
    }
    r = client.post(f"/organizations/{unit.pk}/agreements/new/", base | {"res-1-description": "无类型"})
    assert r.status_code == 400 and "每项承诺资源都要选择类型" in r.content.decode()
    r = client.post(f"/organizations/{unit.pk}/agreements/new/", base | {"expires_on": "2026-01-01"})
    assert r.status_code == 400 and "到期日期必须晚于签订日期" in r.content.decode()
    assert not unit.agreements.exists()
    assert client.post(f"/organizations/{unit.pk}/agreements/new/", base).status_code == 302
    assert unit.agreements.get().resources.get().description == "操场"


# --- owners' committees: members are owners of the estate ------------------------------------


@pytest.fixture
def owners(estate, regions):
    from gongzhi.registry.models import Building, Dwelling, DwellingOwner, Person

    b = Building.objects.create(community=regions["junmen"], estate=estate, name="1号楼")
    people = []
    for i in range(4):
        d = Dwelling.objects.create(community=regions["junmen"], building=b, number=f"10{i}", area=80)
        p = Person.objects.create(community=regions["junmen"], name=f"业主{i}", sex="1")
        DwellingOwner.objects.create(community=regions["junmen"], dwelling=d, person=p)
        people.append(p)
    outsider = Person.objects.create(community=regions["junmen"], name="租户", sex="2")
    return people, outsider


@pytest.fixture
def committee(staff, estate):
    return services.committee_record(
        by=staff,
        estate=estate,
        term_start=dt.date(2024, 1, 1),
        term_end=dt.date(2029, 1, 1),
        member_count=3,
    )


def test_committee_members_are_owners(staff, committee, owners):
    people, outsider = owners
    services.committee_member_add(by=staff, committee=committee, person=people[0], role="director")
    committee.refresh_from_db()
    assert committee.director_name == "业主0"
    for person, code in (
        (outsider, "not_an_owner"),
        (people[0], "member_exists"),
    ):
        with pytest.raises(ApplicationError) as exc:
            services.committee_member_add(by=staff, committee=committee, person=person)
        assert exc.value.code == code
    with pytest.raises(ApplicationError) as exc:
        services.committee_member_add(by=staff, committee=committee, person=people[1], role="director")
    assert exc.value.code == "director_exists"
    services.committee_member_add(by=staff, committee=committee, person=people[1])
    services.committee_member_add(by=staff, committee=committee, person=people[2])
    with pytest.raises(ApplicationError) as exc:
        services.committee_member_add(by=staff, committee=committee, person=people[3])
    assert exc.value.code == "committee_full"
    assert CommitteeMember.objects.filter(committee=committee).count() == 3
    services.committee_update(
        by=staff,
        committee=committee,
        term_start=dt.date(2024, 1, 1),
        term_end=dt.date(2029, 1, 1),
        member_count=3,
    )
    with pytest.raises(ApplicationError) as exc:
        services.committee_update(
            by=staff, committee=committee, term_start=dt.date(2024, 1, 1), term_end=dt.date(2023, 1, 1)
        )
    assert exc.value.code == "term_invalid"
    director = CommitteeMember.objects.get(committee=committee, role="director")
    services.committee_member_remove(by=staff, member=director)
    committee.refresh_from_db()
    assert committee.director_name == ""
    kinds = list(
        OrganizationEvent.objects.filter(subject=f"ownerscommittee:{committee.pk}").values_list(
            "kind", flat=True
        )
    )
    assert kinds.count("committee_member_added") == 3 and "committee_member_removed" in kinds


def test_committee_pages(staff, committee, owners, estate):
    people, outsider = owners
    client = _client(staff)
    page = client.get(f"/organizations/committees/{committee.pk}/")
    assert (
        page.status_code == 200 and "业主3" in page.content.decode() and "租户" not in page.content.decode()
    )
    r = client.post(
        f"/organizations/committees/{committee.pk}/", {"person": str(outsider.pk), "role": "member"}
    )
    assert r.status_code == 400  # not a choice: only the estate's owners are offered
    r = client.post(
        f"/organizations/committees/{committee.pk}/", {"person": str(people[1].pk), "role": "member"}
    )
    assert r.status_code == 302 and committee.members.count() == 1
    r = client.post(
        f"/organizations/committees/{committee.pk}/edit/",
        {"term_start": "2024-01-01", "term_end": "2023-06-01", "member_count": "5"},
    )
    assert r.status_code == 400 and "任期届满日期必须晚于任期开始日期" in r.content.decode()
    r = client.post(
        "/organizations/committees/new/",
        {"estate": str(estate.pk), "term_start": "2029-01-01", "term_end": "2034-01-01", "member_count": "5"},
    )
    assert r.status_code == 302 and OwnersCommittee.objects.filter(estate=estate).count() == 2
    member = committee.members.get()
    assert client.post(f"/organizations/committees/members/{member.pk}/remove/").status_code == 302
    assert not committee.members.exists()


# --- spaces: create and edit, prices and fees ------------------------------------------------

SPACE = {
    "name": "百姓大舞台",
    "kind": "hall",
    "place": "党群服务中心一楼",
    "capacity": 60,
    "area": "120",
    "opens": dt.time(8),
    "closes": dt.time(20),
    "open_weekdays": "12345",
    "slot_minutes": 60,
    "window_days": 14,
    "quota_hours_per_week": 0,
    "price_per_hour": "30",
    "residents_may_book": True,
    "organizations_may_book": True,
    "approval_required": False,
    "active": True,
}


@pytest.mark.parametrize(
    "change, code",
    [
        ({"name": " "}, "name_required"),
        ({"closes": dt.time(8)}, "hours_invalid"),
        ({"slot_minutes": 90, "closes": dt.time(20, 30)}, "slot_invalid"),
        ({"open_weekdays": "89"}, "weekdays_invalid"),
        ({"capacity": 0}, "capacity_invalid"),
        ({"area": "-3"}, "area_invalid"),
        ({"price_per_hour": "abc"}, "price_invalid"),
        ({"quota_hours_per_week": 200}, "quota_invalid"),
        ({"window_days": 0}, "window_invalid"),
    ],
)
def test_space_create_refusals_change_nothing(staff, regions, change, code):
    with pytest.raises(ApplicationError) as exc:
        bookings.space_create(by=staff, community=regions["junmen"], **(SPACE | change))
    assert exc.value.code == code
    assert not Space.objects.exists() and not OrganizationEvent.objects.exists()


def test_space_owner_must_serve_the_community(staff, regions, make_user):
    far = Organization.objects.create(name="外区单位", kind="resident_unit", region=regions["other"])
    with pytest.raises(ApplicationError) as exc:
        bookings.space_create(by=staff, community=regions["junmen"], owner=far, **SPACE)
    assert exc.value.code == "owner_not_serving"
    with pytest.raises(NotFound):  # out of scope: hidden
        bookings.space_create(by=make_user("community_worker", OTHER), community=regions["junmen"], **SPACE)
    assert not Space.objects.exists()


def test_fees_for_residents_and_organisations_staff_free(staff, regions, make_user):
    space = bookings.space_create(by=staff, community=regions["junmen"], **SPACE)
    resident = make_user("resident", JUNMEN)
    b = bookings.booking_create(
        by=resident,
        space=space,
        starts_at=NOW + dt.timedelta(hours=1),
        ends_at=NOW + dt.timedelta(hours=3),
        purpose="合唱排练",
    )
    assert b.fee == Decimal("60.00")
    s = bookings.booking_create(
        by=staff,
        space=space,
        starts_at=NOW + dt.timedelta(hours=4),
        ends_at=NOW + dt.timedelta(hours=5),
        purpose="居民议事",
    )
    assert s.fee == 0
    series = bookings.series_book(
        by=resident,
        space=space,
        starts_at=NOW + dt.timedelta(days=1, hours=1),
        ends_at=NOW + dt.timedelta(days=1, hours=2),
        weeks=3,
        purpose="书法",
    )
    assert [b.fee for b in series.bookings.all()] == [Decimal("30.00")] * 3
    # A new price applies to new bookings only.
    bookings.space_update(by=staff, space=space, **(SPACE | {"price_per_hour": "0"}))
    b.refresh_from_db()
    assert b.fee == Decimal("60.00")
    client = _client(resident)
    assert "60.00" in client.get("/organizations/bookings/").content.decode()
    with clock.at(NOW + dt.timedelta(days=10)):  # the figure: fees of the past 30 days
        fees = selectors.booking_fees(user=staff)
        assert (fees.value, fees.numerator) == (120.0, 3)
        page = _client(staff).get("/organizations/figures/?key=organizations.booking_fees").content.decode()
        assert "百姓大舞台" in page and "60.00" in page


def test_space_pages_create_edit_and_bad_input(staff, regions):
    client = _client(staff)
    form = {k: str(v) for k, v in SPACE.items() if not isinstance(v, bool)}
    form |= {"community": JUNMEN, "opens": "08:00", "closes": "20:00", "open_weekdays": ["1", "2", "3"]}
    form |= {"residents_may_book": "on", "active": "on"}
    r = client.post("/organizations/spaces/new/", form | {"closes": "07:00"})
    assert r.status_code == 400 and "关闭时间必须晚于开放时间" in r.content.decode()
    r = client.post("/organizations/spaces/new/", form | {"capacity": "很多"})
    assert r.status_code == 400 and "“容纳人数”请填写整数" in r.content.decode()
    assert not Space.objects.exists()
    r = client.post("/organizations/spaces/new/", form)
    space = Space.objects.get()
    assert r.status_code == 302 and space.open_weekdays == "123" and not space.organizations_may_book
    edit = {k: v for k, v in form.items() if k != "community"} | {
        "name": "百姓舞台",
        "approval_required": "on",
    }
    assert client.post(f"/organizations/spaces/{space.pk}/edit/", edit).status_code == 302
    space.refresh_from_db()
    assert space.name == "百姓舞台" and space.approval_required
    r = client.post("/organizations/spaces/new/", form | {"name": "百姓舞台"})
    assert r.status_code == 400 and "本社区已有同名的场地" in r.content.decode()


# --- a need turned into a volunteer activity -------------------------------------------------


def test_need_to_volunteer_activity(staff, regions, make_user):
    need = lists.need_submit(
        by=make_user("resident", JUNMEN),
        community=regions["junmen"],
        title="独居老人陪伴",
        service_field="elderly",
    )
    client = _client(staff)
    r = client.post(
        f"/organizations/needs/{need.pk}/activity/",
        {
            "title": "陪伴独居老人",
            "place": "军门小区",
            "starts_at": "2026-12-05T09:00",
            "ends_at": "2026-12-05T08:00",
            "places": "5",
        },
    )
    assert r.status_code == 400 and not NeedActivity.objects.exists()
    r = client.post(
        f"/organizations/needs/{need.pk}/activity/",
        {
            "title": "陪伴独居老人",
            "place": "军门小区",
            "starts_at": "2026-12-05T09:00",
            "ends_at": "2026-12-05T11:00",
            "places": "5",
        },
    )
    assert r.status_code == 302
    link = NeedActivity.objects.select_related("activity").get()
    assert link.activity.serves == "独居老人陪伴" and link.activity.community_id == JUNMEN
    need.refresh_from_db()
    assert need.status == "matched"
    assert "陪伴独居老人" in client.get(f"/organizations/needs/{need.pk}/").content.decode()
    Need.objects.filter(pk=need.pk).update(status="met")
    with pytest.raises(ApplicationError) as exc:
        lists.activity_from_need(
            by=staff,
            need=need,
            title="x",
            place="y",
            starts_at=NOW,
            ends_at=NOW + dt.timedelta(hours=1),
            places=1,
        )
    assert exc.value.code == "need_closed"


# --- role matrix of the new pages ------------------------------------------------------------

MANAGERS = {"community_worker", "community_head", "street_staff", "district_staff"}
SPACE_MANAGERS = {"community_worker", "community_head", "street_staff"}
VIEWERS = MANAGERS | {"grid_worker", "social_org_staff"}
ROLES = sorted(VIEWERS | {"resident", "expert"})
SCOPES = {"street_staff": "350102004", "district_staff": "350102", "expert": "350102"}


def _user(make_user, role, regions, in_scope=True):
    if role == "social_org_staff":
        org = Organization.objects.create(
            name="员工所属组织", kind="social_org", region=regions["junmen" if in_scope else "other"]
        )
        return make_user(role, org)
    return make_user(role, SCOPES.get(role, JUNMEN) if in_scope else OTHER)


@pytest.mark.parametrize("role", ROLES)
def test_new_pages_role_matrix(make_user, regions, social_org, committee, role):
    client = _client(_user(make_user, role, regions))
    space = bookings.space_create(
        by=make_user("community_worker", JUNMEN), community=regions["junmen"], **SPACE
    )
    need = Need.objects.create(
        community=regions["junmen"], title="电梯", service_field="other", source="visit"
    )

    def expect(url, allowed):
        assert client.get(url).status_code == (200 if allowed else 403), url

    expect("/organizations/new/", role in MANAGERS)
    expect(f"/organizations/{social_org.pk}/edit/", role in MANAGERS)
    expect(f"/organizations/{social_org.pk}/agreements/new/", role in MANAGERS)
    expect("/organizations/committees/new/", role in MANAGERS)
    expect(f"/organizations/committees/{committee.pk}/", role in VIEWERS)
    expect(f"/organizations/committees/{committee.pk}/edit/", role in MANAGERS)
    expect("/organizations/spaces/new/", role in SPACE_MANAGERS)
    expect(f"/organizations/spaces/{space.pk}/edit/", role in SPACE_MANAGERS)
    expect(f"/organizations/needs/{need.pk}/activity/", role in MANAGERS)
    # A viewer who may not manage cannot post a member either.
    if role in VIEWERS - MANAGERS:
        assert client.post(f"/organizations/committees/{committee.pk}/", {"person": "1"}).status_code == 403


@pytest.mark.parametrize("role", ["community_worker", "community_head"])
def test_new_pages_out_of_scope_404(make_user, regions, social_org, committee, role):
    client = _client(make_user(role, OTHER))
    space = bookings.space_create(
        by=make_user("community_worker", JUNMEN), community=regions["junmen"], **SPACE
    )
    for url in (
        f"/organizations/{social_org.pk}/edit/",
        f"/organizations/committees/{committee.pk}/",
        f"/organizations/committees/{committee.pk}/edit/",
        f"/organizations/spaces/{space.pk}/edit/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/organizations/{social_org.pk}/edit/", {"name": "x"}).status_code == 404
    social_org.refresh_from_db()
    assert social_org.name == "军门长者服务社"
