"""Standards as data from a page: who may add a version (district staff, within their own
scope), the parameters checked against the rule kind, and compliance using the newest version in
force for the community's scope."""

import datetime as dt
from decimal import Decimal

import pytest

from gongzhi.core.errors import ApplicationError, PermissionDenied
from gongzhi.facilities import parameters, services
from gongzhi.facilities.demo import standards_seed
from gongzhi.facilities.models import Premises, Standard
from gongzhi.facilities.selectors import compliance, standards_for

JM, OTHER = "350102004001", "350102001001"


@pytest.fixture
def data(db):
    standards_seed()
    Premises.objects.create(community_id=JM, name="办公室", use="office", area=80)


@pytest.mark.parametrize(
    "role,scope,status",
    [
        ("resident", JM, 403),
        ("community_worker", JM, 403),
        ("community_head", JM, 403),
        ("street_staff", "350102004", 403),
        ("district_staff", "350102", 200),
    ],
)
def test_standard_page_role_matrix(client, make_user, data, role, scope, status):
    client.force_login(make_user(role, scope))
    assert client.get("/facilities/standards/new/?kind=minimum_area").status_code == status
    r = client.post(
        "/facilities/standards/new/",
        {
            "step": "save",
            "kind": "minimum_area",
            "code": "office-minimum",
            "title": "办公用房不少于120㎡",
            "source": "区文件",
            "scope": "350102",
            "minimum": "120",
            "uses": ["office"],
        },
    )
    assert r.status_code == (302 if status == 200 else status)
    assert Standard.objects.filter(code="office-minimum").count() == (2 if status == 200 else 1)
    page = (
        client.get("/facilities/standards/").content.decode() if status != 403 or role != "resident" else ""
    )
    assert ("添加标准版本" in page) == (status == 200)
    r = client.post(
        "/api/facilities/standards/",
        {
            "code": "new-one",
            "title": "t",
            "source": "s",
            "kind": "minimum_area",
            "parameters": {"minimum": 5},
            "scope": "350102",
        },
        content_type="application/json",
    )
    assert r.status_code == (201 if status == 200 else 403)


def test_new_version_page_starts_from_the_newest(client, make_user, data):
    client.force_login(make_user("district_staff", "350102"))
    body = client.get("/facilities/standards/new/?code=service-share").content.decode()
    assert 'name="share" value="0.8"' in body and 'value="elderly" checked' in body
    assert 'name="kind" value="share_of_area"' in body


@pytest.mark.parametrize(
    "change,message",
    [
        ({"minimum": ""}, "请填写参数“最低面积（㎡）”"),
        ({"minimum": "-5"}, "参数“最低面积（㎡）”无效"),
        ({"minimum": "abc"}, "参数“最低面积（㎡）”无效"),
        ({"minimum": "1e12"}, "参数“最低面积（㎡）”无效"),
        ({"uses": ["casino"]}, "计入的用房用途"),
        ({"code": "Bad Code!"}, "请填写标准编号"),
        ({"title": " "}, "请填写标准名称"),
        ({"source": ""}, "请填写标准的依据"),
        ({"scope": "3501"}, "适用地区无效"),  # wider than the district
        ({"scope": ""}, "适用地区无效"),  # nationwide: not a district's to set
        ({"scope": "35x"}, "适用地区无效"),
        ({"scope": "350101"}, "适用地区无效"),  # another district
        ({"unit_price": "-1"}, "补齐单价必须是0或正数"),
        ({"in_force_from": "2026-13-40"}, "日期无效"),
        ({"code": "service-rooms"}, "新版本的规则类型须与原标准相同"),
    ],
)
def test_standard_bad_input(client, make_user, data, change, message):
    client.force_login(make_user("district_staff", "350102"))
    before = Standard.objects.count()
    post = {
        "step": "save",
        "kind": "minimum_area",
        "code": "elderly-minimum",
        "title": "养老用房不少于200㎡",
        "source": "区文件",
        "scope": "350102",
        "minimum": "200",
        "uses": ["elderly"],
        **change,
    }
    r = client.post("/facilities/standards/new/", post)
    assert r.status_code == 400 and message in r.content.decode(), r.content.decode()[-3000:]
    assert 'value="区文件"' in r.content.decode() or not post["source"]  # what was typed is kept
    assert Standard.objects.count() == before


@pytest.mark.parametrize(
    "kind,raw,ok",
    [
        ("share_of_area", {"uses": ["social_org"], "share": "0.5"}, {"uses": ["social_org"], "share": 0.5}),
        ("share_of_area", {"uses": ["social_org"], "share": "1.5"}, None),
        ("share_of_area", {"uses": [], "share": "0.5"}, None),
        ("items_required", {"kinds": ["health_station", "health_station"]}, {"kinds": ["health_station"]}),
        ("items_required", {"kinds": ["spa"]}, None),
        (
            "estate_reserve",
            {"threshold": "50000", "below": "0.03", "above": "0.02"},
            {"threshold": 50000, "below": 0.03, "above": 0.02},
        ),
        ("funding_by_residents", {"threshold": "5000.5", "above": "10000", "below": "8000"}, None),
        ("funding_per_households", {"per_1000_households": "280000", "base_year": "1999"}, None),
        (
            "allowance",
            {"post": "head", "ratio": "1.5", "minimum_wage": "2030"},
            {"post": "head", "ratio": 1.5, "minimum_wage": 2030},
        ),
        ("allowance", {"post": "king", "ratio": "1.5", "minimum_wage": "2030"}, None),
        ("nonsense", {}, None),
        ("minimum_area", {"minimum": 5, "uses": 7}, None),
        ("minimum_area", {"minimum": [5]}, None),
        ("minimum_area", {"minimum": True}, None),
    ],
)
def test_parameters_are_checked_by_kind(kind, raw, ok):
    if ok is None:
        with pytest.raises(ApplicationError):
            parameters.clean(kind, raw)
    else:
        assert parameters.clean(kind, raw) == ok


def test_compliance_uses_the_newest_version_in_force_for_the_scope(make_user, data):
    district = make_user("district_staff", "350102")
    worker = make_user("community_worker", JM)

    def office_gap(code=JM):
        rows = compliance(user=make_user("district_staff", "350102"), prefix=code)[0].rows
        row = next(r for r in rows if r.standard.code == "office-minimum")
        return row.standard.version, row.result.gap

    assert office_gap() == (1, Decimal("20.00"))  # 80 ㎡ against the province's 100
    v2 = services.standard_add(
        code="office-minimum",
        title="办公用房不少于150㎡",
        source="鼓楼区",
        kind="minimum_area",
        parameters={"minimum": "150", "uses": ["office"]},
        scope="350102004",  # one street of the district
        by=district,
    )
    assert v2.version == 2 and v2.in_force_from is not None
    assert office_gap() == (2, Decimal("70.00"))
    assert office_gap(OTHER) == (1, Decimal("100.00"))  # another street: still the province's
    services.standard_add(
        code="office-minimum",
        title="办公用房不少于300㎡（明年起）",
        source="鼓楼区",
        kind="minimum_area",
        parameters={"minimum": "300", "uses": ["office"]},
        scope="350102",
        in_force_from=dt.date.today() + dt.timedelta(days=365),
        by=district,
    )
    assert office_gap() == (2, Decimal("70.00"))  # not in force yet
    assert [s.version for s in standards_for(JM) if s.code == "office-minimum"] == [2]
    with pytest.raises(PermissionDenied):
        services.standard_add(
            code="x", title="x", source="x", kind="minimum_area", parameters={"minimum": 1}, by=worker
        )
