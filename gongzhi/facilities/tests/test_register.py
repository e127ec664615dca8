"""Entry of the register: who may record, correct and retire premises and facilities (pages,
API, services: one guard), bad input refused plainly with nothing changed, compliance
recomputed after an edit, and the operator taken from the organisations register."""

import json
from decimal import Decimal

import pytest

from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied
from gongzhi.facilities import rules, services
from gongzhi.facilities.demo import standards_seed
from gongzhi.facilities.models import Facility, Premises
from gongzhi.facilities.selectors import compliance, figure_premises_area, operator_choices

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


def _user(make_user, role, scope):
    if scope is None:
        from gongzhi.core.models import Department

        dept = Department.objects.first()
        return make_user(role, dept) if dept else make_user("resident", JM)
    return make_user(role, scope)


@pytest.fixture
def data(db):
    from tests.factories import EstateFactory

    standards_seed()
    EstateFactory(latitude=26.08, longitude=119.30)  # the district's located estates: near 福州
    room = Premises.objects.create(community_id=JM, name="办公室", use="office", area=80)
    other_room = Premises.objects.create(community_id=OTHER, name="外社区用房", use="office", area=300)
    f = Facility.objects.create(
        community_id=JM, kind="service_centre", name="军门服务站", latitude=26.08, longitude=119.3
    )
    other_f = Facility.objects.create(
        community_id=OTHER, kind="fitness", name="外社区健身场地", latitude=26.09, longitude=119.29
    )
    return {"room": room, "other_room": other_room, "facility": f, "other_facility": other_f}


def _gap(user, code: str, standard: str) -> Decimal:
    rows = compliance(user=user, prefix=code)[0].rows
    return next(r.result.gap for r in rows if r.standard.code == standard)


# --- who may -----------------------------------------------------------------------------


@pytest.mark.parametrize("role,scope,status", ROLES)
def test_pages_role_matrix(client, make_user, data, role, scope, status):
    user = _user(make_user, role, scope)
    client.force_login(user)
    for url in (
        f"/facilities/community/{JM}/premises/new/",
        f"/facilities/premises/{data['room'].pk}/",
        f"/facilities/community/{JM}/facilities/new/",
        f"/facilities/facility/{data['facility'].pk}/",
    ):
        assert client.get(url).status_code == status, url
    r = client.post(
        f"/facilities/community/{JM}/premises/new/", {"name": "新活动室", "use": "elderly", "area": "45"}
    )
    assert r.status_code == (302 if status == 200 else status)
    assert Premises.objects.filter(name="新活动室").exists() == (status == 200)
    assert rules.may_manage(user, JM) == (status == 200)
    body = client.get(f"/facilities/community/{JM}/").content.decode() if status == 200 else ""
    assert ("登记社区用房" in body) == (status == 200)


@pytest.mark.parametrize("role,scope,status", ROLES)
def test_api_role_matrix(client, make_user, data, role, scope, status):
    client.force_login(_user(make_user, role, scope))
    created = 201 if status == 200 else status
    r = client.post(
        "/api/facilities/premises/",
        {"community": JM, "name": "接口用房", "use": "youth", "area": 30},
        content_type="application/json",
    )
    assert r.status_code == created, r.content
    r = client.put(
        f"/api/facilities/premises/{data['room'].pk}",
        {"name": "办公室", "use": "office", "area": "90"},
        content_type="application/json",
    )
    assert r.status_code in ((200,) if status == 200 else (403, 404)), r.content
    r = client.post(
        "/api/facilities/facilities/",
        {
            "community": JM,
            "kind": "meal_point",
            "name": "接口助餐点",
            "latitude": 26.081,
            "longitude": 119.301,
        },
        content_type="application/json",
    )
    assert r.status_code == created, r.content
    r = client.post(
        f"/api/facilities/facilities/{data['facility'].pk}/retire",
        {"reason": "迁址"},
        content_type="application/json",
    )
    assert r.status_code in ((200,) if status == 200 else (403, 404)), r.content
    data["room"].refresh_from_db()
    assert (data["room"].area == 90) == (status == 200)


def test_out_of_scope_records_are_hidden(client, make_user, data):
    worker = make_user("community_worker", JM)
    client.force_login(worker)
    assert client.get(f"/facilities/community/{OTHER}/premises/new/").status_code == 404
    assert client.get(f"/facilities/premises/{data['other_room'].pk}/").status_code == 404
    assert client.get(f"/facilities/facility/{data['other_facility'].pk}/").status_code == 404
    assert (
        client.post(f"/facilities/premises/{data['other_room'].pk}/retire/", {"reason": "x"}).status_code
        == 404
    )
    r = client.put(
        f"/api/facilities/premises/{data['other_room'].pk}",
        {"name": "外社区用房", "use": "office", "area": "1"},
        content_type="application/json",
    )
    assert r.status_code == 404
    with pytest.raises(NotFound):
        services.premises_retire(premises=data["other_room"].pk, reason="x", by=worker)
    with pytest.raises(PermissionDenied):
        services.facility_create(
            community=OTHER, kind="fitness", name="越界", latitude=26.08, longitude=119.3, by=worker
        )
    # the street's staff reach their own communities only; the district's reach both
    street = make_user("street_staff", "350102004")
    with pytest.raises(NotFound):
        services.premises_update(premises=data["other_room"].pk, name="x", use="office", area=1, by=street)
    district = make_user("district_staff", "350102")
    services.premises_update(
        premises=data["other_room"].pk, name="外社区用房", use="office", area=310, by=district
    )
    data["other_room"].refresh_from_db()
    assert data["other_room"].area == 310


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change,message",
    [
        ({"area": "-3"}, "面积必须是大于0的数字"),
        ({"area": "0"}, "面积必须是大于0的数字"),
        ({"area": "0.001"}, "面积必须是大于0的数字"),
        ({"area": "abc"}, "面积必须是大于0的数字"),
        ({"area": "NaN"}, "面积必须是大于0的数字"),
        ({"area": "Infinity"}, "面积必须是大于0的数字"),
        ({"area": "60000"}, "超出一处社区用房的合理范围"),
        ({"use": ""}, "请选择用房用途"),
        ({"use": "casino"}, "所选项目无效"),
        ({"tenure": "stolen"}, "所选项目无效"),
        ({"name": "  "}, "请填写名称"),
        ({"name": "办公室"}, "本社区已有同名记录"),
    ],
)
def test_premises_bad_input(client, make_user, data, change, message):
    client.force_login(make_user("community_worker", JM))
    before = list(Premises.objects.values_list("pk", "name", "area").order_by("pk"))
    post = {"name": "新用房", "use": "elderly", "area": "50", "tenure": "owned", **change}
    r = client.post(f"/facilities/community/{JM}/premises/new/", post)
    assert r.status_code == 400 and message in r.content.decode()
    assert f'value="{post["name"]}"' in r.content.decode() or not post["name"].strip()  # kept
    r = client.post("/api/facilities/premises/", {"community": JM, **post}, content_type="application/json")
    assert r.status_code == 400 and message in r.json()["message"]
    if change.get("name") != "办公室":  # renaming a room to its own name is no clash
        r = client.post(f"/facilities/premises/{data['room'].pk}/", post)
        assert r.status_code == 400 and message in r.content.decode()
    assert list(Premises.objects.values_list("pk", "name", "area").order_by("pk")) == before


@pytest.mark.parametrize(
    "change,message",
    [
        ({"kind": ""}, "请选择设施类型"),
        ({"kind": "casino"}, "所选项目无效"),
        ({"latitude": "91"}, "纬度在-90到90之间"),
        ({"latitude": "abc"}, "位置坐标无效"),
        ({"latitude": "nan"}, "位置坐标无效"),
        ({"latitude": "0", "longitude": "0"}, "不在中国境内"),
        ({"latitude": "119.3", "longitude": "26.08"}, "纬度在-90到90之间"),  # swapped
        ({"latitude": "26.08", "longitude": "26.08"}, "不在中国境内"),
        ({"latitude": "39.9", "longitude": "116.4"}, "最近的已定位小区也有"),  # Beijing
        # 10 km north of the district's estate, in 福州 still: the old 30 km radius let it through
        ({"latitude": "26.17", "longitude": "119.30"}, "最近的已定位小区也有10.0公里（超过2公里）"),
        # 2.2 km east: past the walking circles of every estate of the district
        ({"latitude": "26.08", "longitude": "119.322"}, "最近的已定位小区也有2.2公里"),
        ({"name": ""}, "请填写名称"),
        ({"name": "军门服务站"}, "本社区已有同名记录"),
        ({"operator": "社区居委会", "operator_org": "ORG"}, "运营方只需填一处"),
        ({"operator_org": "ELSEWHERE"}, "所选组织不服务于该社区"),
        ({"operator_org": "xyz"}, "所选组织不服务于该社区"),
    ],
)
def test_facility_bad_input(client, make_user, data, change, message):
    from gongzhi.core.models import Region
    from tests.factories import OrganizationFactory

    ours = OrganizationFactory(name="军门社区互助社")
    elsewhere = OrganizationFactory(name="外社区互助社", region=Region.objects.get(code=OTHER))
    ids = {"ORG": str(ours.pk), "ELSEWHERE": str(elsewhere.pk)}
    change = {k: ids.get(v, v) for k, v in change.items()}
    client.force_login(make_user("community_worker", JM))
    before = list(Facility.objects.values_list("pk", "name", "latitude", "operator_org").order_by("pk"))
    post = {
        "kind": "meal_point",
        "name": "长者食堂",
        "latitude": "26.0805",
        "longitude": "119.3005",
        **change,
    }
    r = client.post(f"/facilities/community/{JM}/facilities/new/", post)
    assert r.status_code == 400 and message in r.content.decode()
    r = client.post("/api/facilities/facilities/", {"community": JM, **post}, content_type="application/json")
    assert r.status_code == 400 and message in r.json()["message"], r.content
    assert (
        list(Facility.objects.values_list("pk", "name", "latitude", "operator_org").order_by("pk")) == before
    )


def test_a_facility_near_any_estate_of_the_district_is_accepted(client, make_user, data):
    """The check is the distance to the nearest located estate, not to the district's centre: a
    point 1.8 km east of one estate is taken, and so is one 10 km north once an estate of the
    district stands there."""
    from tests.factories import EstateFactory

    client.force_login(make_user("community_worker", JM))
    new = {"kind": "meal_point", "longitude": "119.318"}
    r = client.post(
        f"/facilities/community/{JM}/facilities/new/", {**new, "name": "东侧", "latitude": "26.08"}
    )
    assert r.status_code == 302, r.content.decode()[:300]
    far = {**new, "name": "北侧", "latitude": "26.17", "longitude": "119.30"}
    assert client.post(f"/facilities/community/{JM}/facilities/new/", far).status_code == 400
    EstateFactory(latitude=26.165, longitude=119.30)
    assert client.post(f"/facilities/community/{JM}/facilities/new/", far).status_code == 302
    assert set(Facility.objects.filter(community_id=JM).values_list("name", flat=True)) >= {"东侧", "北侧"}


def test_missing_fields_in_api_are_plain_messages_not_500(client, make_user, data):
    client.force_login(make_user("community_worker", JM))
    r = client.post("/api/facilities/facilities/", {"community": JM}, content_type="application/json")
    assert r.status_code == 400 and "请选择设施类型" in r.json()["message"]
    r = client.post(
        "/api/facilities/premises/", {"community": JM, "name": "x"}, content_type="application/json"
    )
    assert r.status_code == 400 and "请选择用房用途" in r.json()["message"]
    r = client.post("/api/facilities/premises/", "{not json", content_type="application/json")
    assert r.status_code in (400, 422)
    r = client.put("/api/facilities/premises/999999", {}, content_type="application/json")
    assert r.status_code == 404


# --- compliance after an edit --------------------------------------------------------------


def test_adding_a_60_m2_room_closes_the_gap_by_60(make_user, data):
    worker = make_user("community_worker", JM)
    district = make_user("district_staff", "350102")
    services.standard_add(
        code="elderly-rooms",
        title="养老服务用房不少于200㎡",
        source="测试",
        kind="minimum_area",
        parameters={"minimum": "200", "uses": ["elderly"]},
        scope="350102",
        unit_price=5000,
        by=district,
    )
    assert _gap(worker, JM, "elderly-rooms") == Decimal("200.00")
    room = services.premises_create(community=JM, name="日间照料室", use="elderly", area="60", by=worker)
    assert _gap(worker, JM, "elderly-rooms") == Decimal("140.00")
    assert compliance(user=worker, prefix=JM)[0].rows  # still measured
    services.premises_update(premises=room.pk, name="日间照料室", use="elderly", area="75.5", by=worker)
    assert _gap(worker, JM, "elderly-rooms") == Decimal("124.50")
    services.premises_update(premises=room.pk, name="日间照料室", use="youth", area="75.5", by=worker)
    assert _gap(worker, JM, "elderly-rooms") == Decimal("200.00")  # no longer an elderly room
    services.premises_update(premises=room.pk, name="日间照料室", use="elderly", area="60", by=worker)
    area_before = figure_premises_area(user=worker, region=room.community).number
    services.premises_retire(premises=room.pk, reason="租约到期", by=worker)
    assert _gap(worker, JM, "elderly-rooms") == Decimal("200.00")  # a retired room no longer counts
    assert figure_premises_area(user=worker, region=room.community).number == area_before - 60
    room.refresh_from_db()
    assert room.retired_on is not None and room.retired_reason == "租约到期"


def test_retire_keeps_the_record_and_frees_the_name(client, make_user, data):
    worker = make_user("community_worker", JM)
    client.force_login(worker)
    f = data["facility"]
    r = client.post(f"/facilities/facility/{f.pk}/retire/", {"reason": " "})
    assert r.status_code == 302
    f.refresh_from_db()
    assert f.retired_on is None  # a reason is required
    assert client.post(f"/facilities/facility/{f.pk}/retire/", {"reason": "迁往新址"}).status_code == 302
    f.refresh_from_db()
    assert f.retired_on is not None and Facility.objects.filter(pk=f.pk).exists()
    with pytest.raises(ApplicationError) as exc:
        services.facility_retire(facility=f.pk, reason="again", by=worker)
    assert exc.value.code == "already_retired"
    with pytest.raises(ApplicationError) as exc:
        services.facility_update(
            facility=f.pk, kind="service_centre", name="x", latitude=26.08, longitude=119.3, by=worker
        )
    assert exc.value.code == "retired"
    body = client.get(f"/facilities/community/{JM}/").content.decode()
    assert "迁往新址" in body  # listed among the retired
    # the service circle and the public layer leave it out; the name may be used again
    layer = json.loads(client.get(f"/facilities/layer.json?community={JM}").content)
    assert all(x["name"] != "军门服务站" for x in layer["facilities"])
    g = services.facility_create(
        community=JM,
        kind="service_centre",
        name="军门服务站",
        latitude=26.0801,
        longitude=119.3001,
        by=worker,
    )
    assert g.pk != f.pk
    # a retired room is not linked to a bookable space any more
    room = data["room"]
    services.premises_retire(premises=room.pk, reason="拆除", by=worker)
    with pytest.raises(ApplicationError) as exc:
        services.premises_link_space(premises=room.pk, space=None, by=worker)
    assert exc.value.code == "retired"


# --- the operator from the organisations register -------------------------------------------


def test_operator_from_the_register(client, make_user, data):
    from gongzhi.core.models import Region
    from gongzhi.organizations.models import OrganizationProfile
    from tests.factories import OrganizationFactory

    ours = OrganizationFactory(name="军门长者服务社")
    district_org = OrganizationFactory(name="区康乐养老服务中心", region=Region.objects.get(code="350102"))
    serving = OrganizationFactory(name="外社区但服务军门", region=Region.objects.get(code=OTHER))
    OrganizationProfile.objects.create(organization=serving).communities_served.add(JM)
    elsewhere = OrganizationFactory(name="外社区互助社", region=Region.objects.get(code=OTHER))
    choices = set(operator_choices(community=JM).values_list("name", flat=True))
    assert {ours.name, district_org.name, serving.name} <= choices and elsewhere.name not in choices

    worker = make_user("community_worker", JM)
    client.force_login(worker)
    page = client.get(f"/facilities/community/{JM}/facilities/new/").content.decode()
    assert ours.name in page and elsewhere.name not in page
    r = client.post(
        f"/facilities/community/{JM}/facilities/new/",
        {
            "kind": "meal_point",
            "name": "军门长者食堂",
            "latitude": "26.0802",
            "longitude": "119.3003",
            "hours": "11:00–13:00",
            "operator_org": str(district_org.pk),
        },
    )
    assert r.status_code == 302
    f = Facility.objects.get(name="军门长者食堂")
    assert f.operator_org == district_org and f.operator == "" and f.operator_name == district_org.name
    body = client.get(f"/facilities/community/{JM}/").content.decode()
    assert district_org.name in body
    # corrected to an operator outside the register (a hospital): the link goes, the name stays
    services.facility_update(
        facility=f.pk,
        kind="meal_point",
        name="军门长者食堂",
        latitude=26.0802,
        longitude=119.3003,
        operator="福州市第一医院",
        by=worker,
    )
    f.refresh_from_db()
    assert f.operator_org is None and f.operator_name == "福州市第一医院"
    api = client.get(f"/api/facilities/operators/?community={JM}").json()
    assert ours.name in [o["name"] for o in api]


def test_gcj02_point_is_stored_as_wgs84(make_user, data):
    from gongzhi.facilities.geo import wgs84_to_gcj02

    worker = make_user("community_worker", JM)
    glat, glng = wgs84_to_gcj02(26.08, 119.30)
    f = services.facility_create(
        community=JM, kind="fitness", name="健身点", latitude=glat, longitude=glng, datum="gcj02", by=worker
    )
    assert abs(f.latitude - 26.08) < 1e-6 and abs(f.longitude - 119.30) < 1e-6
