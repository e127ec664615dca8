"""Role matrix of the facilities pages and endpoints; services refuse bad input and change nothing."""

import pytest

from gongzhi.core.errors import ApplicationError, PermissionDenied
from gongzhi.facilities.demo import standards_seed
from gongzhi.facilities.models import Facility, Premises, Standard
from gongzhi.facilities.services import facility_create, premises_create, standard_add

JM, OTHER = "350102004001", "350102001001"
ROLES = [
    ("resident", JM, 403),
    ("grid_worker", JM, 403),
    ("community_worker", JM, 200),
    ("community_head", JM, 200),
    ("street_staff", "350102004", 200),
    ("district_staff", "350102", 200),
    ("department_staff", None, 403),
]


@pytest.fixture
def data(db):
    standards_seed()
    Premises.objects.create(community_id=JM, name="办公室", use="office", area=80)
    Premises.objects.create(community_id=OTHER, name="外社区用房", use="office", area=300)
    Facility.objects.create(
        community_id=JM, kind="service_centre", name="军门服务站", latitude=26.08, longitude=119.3
    )


def _user(make_user, role, scope):
    if scope is None:
        from gongzhi.core.models import Department

        dept = Department.objects.first()
        return make_user(role, dept) if dept else make_user("resident", JM)
    return make_user(role, scope)


@pytest.mark.parametrize("role,scope,status", ROLES)
@pytest.mark.parametrize(
    "url",
    [
        "/facilities/",
        f"/facilities/community/{JM}/",
        "/facilities/circle/",
        "/facilities/standards/",
        f"/api/facilities/compliance/?region={JM}",
        f"/api/facilities/circle/?region={JM}",
    ],
)
def test_role_matrix(client, make_user, data, role, scope, status, url):
    client.force_login(_user(make_user, role, scope))
    r = client.get(url)
    assert r.status_code == status, r.content[:300]
    if status == 200 and url.startswith("/facilities/") and "standards" not in url:
        assert "外社区用房" not in r.content.decode()


@pytest.mark.parametrize("url", ["/facilities/", "/facilities/circle/"])
def test_anonymous_is_sent_to_login(client, data, url):
    assert client.get(url).status_code == 302


def test_out_of_scope_is_hidden(client, make_user, data):
    client.force_login(make_user("community_worker", JM))
    assert client.get(f"/facilities/community/{OTHER}/").status_code == 404
    assert client.get(f"/facilities/?region={OTHER[:9]}").status_code == 404
    assert client.get(f"/api/facilities/compliance/?region={OTHER}").status_code == 404
    assert client.get(f"/facilities/community/{JM}/").content.decode().count("办公室") >= 1


def test_compliance_page_flags_short_communities(client, make_user, data):
    client.force_login(make_user("street_staff", "350102004"))
    body = client.get("/facilities/?region=350102004").content.decode()
    assert "社区办公用房不少于100㎡：缺 20.00㎡" in body  # 80 ㎡ of office against 100


def test_api_compliance_and_circle(client, make_user, data):
    client.force_login(make_user("community_worker", JM))
    rows = client.get(f"/api/facilities/compliance/?region={JM}").json()
    office = next(s for s in rows[0]["standards"] if s["standard"] == "office-minimum")
    assert (office["gap"], office["met"]) == ("20.00", False)
    assert client.get(f"/api/facilities/circle/?region={JM}&kind=nope").status_code == 400


def test_services_refuse_bad_input_and_change_nothing(make_user, data):
    worker = make_user("community_worker", JM)
    before = Premises.objects.count()
    for kwargs in (
        {"area": "-3"},
        {"area": "abc"},
        {"area": "NaN"},
        {"use": "x"},
        {"name": " "},
        {"community": "350102004"},
        {"name": "办公室"},
    ):
        with pytest.raises(ApplicationError):
            premises_create(
                **{"community": JM, "name": "新用房", "use": "elderly", "area": "50", **kwargs}, by=worker
            )
    with pytest.raises(PermissionDenied):
        premises_create(community=OTHER, name="越界", use="elderly", area=50, by=worker)
    assert Premises.objects.count() == before
    p = premises_create(community=JM, name="新用房", use="elderly", area="50.5", by=worker)
    assert str(p.area) == "50.50"
    with pytest.raises(ApplicationError):
        facility_create(community=JM, kind="fitness", name="x", latitude=91, longitude=0, by=worker)
    with pytest.raises(ApplicationError):
        facility_create(
            community=JM, kind="fitness", name="军门服务站", latitude=26, longitude=119, by=worker
        )


def test_standard_versions(make_user, data):
    district = make_user("district_staff", "350102")
    with pytest.raises(PermissionDenied):
        standard_add(
            code="service-rooms",
            title="x",
            source="y",
            kind="area_per_households",
            parameters={"per_100_households": 30},
            by=make_user("community_worker", JM),
        )
    with pytest.raises(ApplicationError):
        standard_add(
            code="service-rooms",
            title="x",
            source="y",
            kind="area_per_households",
            parameters={},
            by=district,
        )
    s = standard_add(
        code="service-rooms",
        title="每百户30㎡",
        source="y",
        kind="area_per_households",
        parameters={"per_100_households": 30},
        scope="350102",
        by=district,
    )
    assert s.version == 2 and Standard.objects.filter(code="service-rooms").count() == 2


def test_circle_page_what_if(client, make_user, data):
    from tests.factories import BuildingFactory, DwellingFactory, EstateFactory, HouseholdFactory

    building = BuildingFactory(estate=EstateFactory(latitude=26.10, longitude=119.30))
    HouseholdFactory(community_id=JM, dwelling=DwellingFactory(building=building))
    client.force_login(make_user("community_worker", JM))
    body = client.get(f"/facilities/circle/?region={JM}").content.decode()
    assert "新增前" not in body and building.estate.name in body  # 2.2 km from the service centre
    body = client.get(f"/facilities/circle/?region={JM}&lat=26.1001&lng=119.3").content.decode()
    assert "新增前" in body and "全部楼栋都在500米内" in body
    assert client.get(f"/facilities/circle/?region={JM}&lat=abc&lng=1").status_code == 200
