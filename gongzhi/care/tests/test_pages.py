"""The care profile page (facts, consented contacts, devices, calls, meals, orders), one-key devices
and the call centre's intake API, meal enrolment, the provider's service records and the monthly
statement: who may and who may not, and bad input that changes nothing."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.care import selectors, services
from gongzhi.care.models import (
    Call,
    CallDevice,
    EmergencyContact,
    MealEnrolment,
    MealPoint,
    ServiceRecord,
)
from gongzhi.core.errors import ApplicationError

pytestmark = pytest.mark.django_db
C = "350102004001"
OTHER = "350102004003"


@pytest.fixture
def w(make_user):
    from gongzhi.core.models import Region
    from gongzhi.registry.models import PersonTag
    from tests.factories import DwellingFactory, OrganizationFactory, PersonFactory

    worker = make_user("community_worker", C)
    elder = PersonFactory(birth_date=dt.date(1940, 3, 1), dwelling=DwellingFactory())
    PersonTag.objects.create(community_id=C, person=elder, kind="minimum_allowance")
    other_elder = PersonFactory(community=Region.objects.get(code=OTHER), birth_date=dt.date(1938, 1, 1))
    outsider = make_user("community_worker", OTHER)
    org = OrganizationFactory(kind="social_org")
    other_org = OrganizationFactory(kind="social_org")
    return {
        "elder": elder,
        "profile": services.profile_create(person=elder, by=worker, care_level=1),
        "other_profile": services.profile_create(person=other_elder, by=outsider),
        "worker": worker,
        "head": make_user("community_head", C),
        "grid": make_user("grid_worker", C),
        "street": make_user("street_staff", "350102004"),
        "outsider": outsider,
        "org": org,
        "provider": make_user("social_org_staff", org),
        "other_provider": make_user("social_org_staff", other_org),
        "resident": make_user("resident", C),
        "point": MealPoint.objects.create(community_id=C, name="长者食堂"),
        "other_point": MealPoint.objects.create(community_id=OTHER, name="别处食堂"),
    }


def _msgs(response) -> str:
    return " ".join(str(m) for m in response.wsgi_request._messages)


# ---- the care profile page -----------------------------------------------------------------------

PROFILE_EXPECTED = {
    "worker": (200, True),
    "head": (200, True),
    "grid": (200, False),
    "street": (200, False),
    "outsider": (404, False),
    "provider": (403, False),
    "resident": (403, False),
}


@pytest.mark.parametrize("role", list(PROFILE_EXPECTED))
def test_profile_page_role_matrix(client, w, role):
    services.contact_add(
        profile=w["profile"],
        by=w["worker"],
        name="林女士",
        phone="13900001111",
        consent=True,
        consent_by="本人",
    )
    client.force_login(w[role])
    r = client.get(reverse("care:profile", args=[w["profile"].pk]))
    status, edits = PROFILE_EXPECTED[role]
    assert r.status_code == status
    if status == 200:
        html = r.content.decode()
        assert "林女士" in html and "13900001111" not in html and "1111" in html
        assert ('data-testid="contact-form"' in html) is edits
        assert ('data-testid="device-form"' in html) is edits


def test_profile_page_anonymous_and_listed_on_the_index(client, w):
    url = reverse("care:profile", args=[w["profile"].pk])
    assert client.get(url).status_code == 302
    client.force_login(w["worker"])
    assert url in client.get(reverse("care:index")).content.decode()
    assert client.get(reverse("care:profile", args=[999999])).status_code == 404


def test_profile_page_query_count(client, w, django_assert_max_num_queries):
    for i in range(3):
        services.contact_add(
            profile=w["profile"], by=w["worker"], name=f"联系人{i}", phone="13900001111", consent=True
        )
        services.device_install(profile=w["profile"], serial=f"Q{i}", by=w["worker"])
    client.force_login(w["worker"])
    with django_assert_max_num_queries(40):
        assert client.get(reverse("care:profile", args=[w["profile"].pk])).status_code == 200


def test_contact_added_with_consent_and_removed(client, w):
    p = w["profile"]
    client.force_login(w["worker"])
    url = reverse("care:contact_add", args=[p.pk])
    data = {
        "name": "陈先生",
        "relation": "儿子",
        "phone": "13800002222",
        "consent": "1",
        "consent_by": "老人本人",
    }
    r = client.post(url, data)
    assert r.status_code == 302
    c = EmergencyContact.objects.get(profile=p)
    assert c.consent_by == "老人本人" and c.consent_recorded_by == w["worker"] and c.consent_at
    # the contact themselves by default
    client.post(url, {**data, "consent_by": "", "name": "王女士"})
    assert EmergencyContact.objects.get(name="王女士").consent_by == "王女士"
    # out of scope or read-only: 404, nothing removed
    for role in ("grid", "street", "outsider", "provider"):
        client.force_login(w[role])
        assert client.post(reverse("care:contact_remove", args=[c.pk])).status_code == 404
        assert client.post(url, data).status_code == 404
    assert EmergencyContact.objects.filter(profile=p).count() == 2
    client.force_login(w["head"])
    assert client.post(reverse("care:contact_remove", args=[c.pk])).status_code == 302
    assert not EmergencyContact.objects.filter(pk=c.pk).exists()


@pytest.mark.parametrize(
    "change,code",
    [
        ({"consent": ""}, "须记录紧急联系人本人同意"),
        ({"name": "  "}, "请填写联系人姓名"),
        ({"phone": "12ab"}, "联系电话格式不正确"),
        ({"phone": ""}, "联系电话格式不正确"),
    ],
)
def test_contact_bad_input_changes_nothing(client, w, change, code):
    client.force_login(w["worker"])
    url = reverse("care:profile", args=[w["profile"].pk])
    data = {"name": "陈先生", "phone": "13800002222", "consent": "1", **change}
    r = client.post(reverse("care:contact_add", args=[w["profile"].pk]), data, HTTP_REFERER=url, follow=True)
    assert r.status_code == 200 and code in r.content.decode()
    assert EmergencyContact.objects.count() == 0


def test_profile_update_and_bad_input(client, w):
    p = w["profile"]
    url = reverse("care:profile_update", args=[p.pk])
    client.force_login(w["grid"])
    assert client.post(url, {"care_level": "3"}).status_code == 404
    client.force_login(w["worker"])
    for bad in ({"care_level": "9"}, {"care_level": "x"}, {"care_level": "2", "assessed_on": "2020-13-40"}):
        r = client.post(url, bad, HTTP_REFERER=reverse("care:profile", args=[p.pk]))
        assert r.status_code == 302 and _msgs(r)
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    r = client.post(url, {"care_level": "2", "assessed_on": future}, HTTP_REFERER="/")
    assert "时间不能晚于现在" in _msgs(r)
    p.refresh_from_db()
    assert p.care_level == 1 and p.assessed_on is None
    client.post(url, {"care_level": "3", "assessed_on": "2026-01-05", "living_alone": "1"})
    p.refresh_from_db()
    assert (p.care_level, p.assessed_on, p.living_alone) == (3, dt.date(2026, 1, 5), True)


# ---- one-key call devices and the call centre's intake -------------------------------------------


def test_device_registered_and_deactivated(client, w):
    p = w["profile"]
    client.force_login(w["worker"])
    back = reverse("care:profile", args=[p.pk])
    assert (
        client.post(reverse("care:device_install", args=[p.pk]), {"serial": " yjt-001 "}).status_code == 302
    )
    d = CallDevice.objects.get(profile=p)
    assert d.serial == "YJT-001" and d.active
    for serial, text in (
        ("YJT-001", "该设备编号已登记"),
        ("", "设备编号须为"),
        ("一键通!", "设备编号须为"),
        ("X" * 31, "设备编号须为"),
    ):
        r = client.post(reverse("care:device_install", args=[p.pk]), {"serial": serial}, HTTP_REFERER=back)
        assert text in _msgs(r)
    assert CallDevice.objects.count() == 1
    for role in ("grid", "street", "outsider", "provider"):
        client.force_login(w[role])
        assert client.post(reverse("care:device_install", args=[p.pk]), {"serial": "Z1"}).status_code == 404
        assert client.post(reverse("care:device_deactivate", args=[d.pk])).status_code == 404
    assert CallDevice.objects.get(pk=d.pk).active and CallDevice.objects.count() == 1
    client.force_login(w["worker"])
    assert client.post(reverse("care:device_deactivate", args=[d.pk])).status_code == 302
    d.refresh_from_db()
    assert not d.active and d.deactivated_on == timezone.localdate()
    r = client.post(reverse("care:device_deactivate", args=[d.pk]), HTTP_REFERER=back)
    assert "已停用" in _msgs(r)


def _token(user) -> str:
    from gongzhi.core.tokens import api_token_create

    return api_token_create(user=user, name="callcentre")[1]


def _post_call(client, user, body):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {_token(user)}"} if user is not None else {}
    return client.post("/api/care/calls", json.dumps(body), content_type="application/json", **headers)


@pytest.mark.parametrize(
    "role,status",
    [
        ("worker", 201),
        ("head", 201),
        ("street", 201),
        ("grid", 403),
        ("provider", 403),
        ("resident", 403),
        ("outsider", 404),
    ],
)
def test_call_intake_role_matrix(client, w, role, status):
    services.device_install(profile=w["profile"], serial="YJT1", by=w["worker"])
    r = _post_call(client, w[role], {"device": "YJT1"})
    assert r.status_code == status, r.content
    assert Call.objects.count() == (1 if status == 201 else 0)
    if status == 201:
        assert r.json()["community"] == C and r.json()["outcome"] == "pending"
    elif status == 404:
        assert r.json()["code"] == "device_unknown"  # out of scope looks like unknown


def test_call_intake_shows_in_the_calls_list_and_refuses_bad_calls(client, w):
    d = services.device_install(profile=w["profile"], serial="YJT1", by=w["worker"])
    services.device_install(profile=w["profile"], serial="YJT2", by=w["worker"])
    services.device_deactivate(device=CallDevice.objects.get(serial="YJT2"), by=w["worker"])
    at = (timezone.now() - dt.timedelta(minutes=3)).isoformat()
    r = _post_call(client, w["worker"], {"device": "yjt1", "at": at})
    assert r.status_code == 201
    cases = [
        ({"device": "NOPE"}, 404, "device_unknown"),
        ({"device": "YJT2"}, 409, "device_inactive"),
        ({}, 400, "invalid_input"),
        ({"device": "YJT1", "at": "yesterday"}, 400, "invalid_input"),
        ({"device": "YJT1", "at": (timezone.now() + dt.timedelta(hours=2)).isoformat()}, 400, "future_time"),
        ({"device": "YJT1", "at": "2001-01-01T08:00:00"}, 400, "stale_time"),
    ]
    for body, status, code in cases:
        r = _post_call(client, w["worker"], body)
        assert (r.status_code, r.json()["code"]) == (status, code), body
        assert r.json()["message"]
    assert _post_call(client, None, {"device": "YJT1"}).status_code == 401
    assert Call.objects.count() == 1
    client.force_login(w["grid"])
    html = client.get(reverse("care:calls")).content.decode()
    assert "YJT1" in html and reverse("care:call_answer", args=[Call.objects.get().pk]) in html
    assert Call.objects.get().device == d


def test_a_retried_call_with_the_platforms_id_is_logged_once(client, w):
    services.device_install(profile=w["profile"], serial="YJT1", by=w["worker"])
    first = _post_call(client, w["worker"], {"device": "YJT1", "call_id": "cc-20261201-0001"})
    again = _post_call(client, w["worker"], {"device": "yjt1", "call_id": "cc-20261201-0001"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and Call.objects.count() == 1
    other = _post_call(client, w["worker"], {"device": "YJT1", "call_id": "cc-20261201-0002"})
    plain = _post_call(client, w["worker"], {"device": "YJT1"})
    assert (other.status_code, plain.status_code) == (201, 201) and Call.objects.count() == 3
    for bad in (" ", "x" * 65, "a\nb"):
        r = _post_call(client, w["worker"], {"device": "YJT1", "call_id": bad})
        assert r.status_code == 400 and r.json()["message"], bad
    # an id never reaches a device outside the gateway's scope
    r = _post_call(client, w["outsider"], {"device": "YJT1", "call_id": "cc-20261201-0001"})
    assert r.status_code == 404 and Call.objects.count() == 3


# ---- meal enrolment ------------------------------------------------------------------------------

ENROL_EXPECTED = {
    "worker": (200, True),
    "head": (200, True),
    "grid": (200, False),
    "street": (200, False),
    "outsider": (200, True),
    "provider": (403, False),
    "resident": (403, False),
}


@pytest.mark.parametrize("role", list(ENROL_EXPECTED))
def test_enrolment_page_role_matrix(client, w, role):
    services.meal_enrol(profile=w["profile"], point=w["point"], by=w["worker"])
    client.force_login(w[role])
    r = client.get(reverse("care:enrolments"))
    status, manage = ENROL_EXPECTED[role]
    assert r.status_code == status
    if status == 200:
        html = r.content.decode()
        assert (reverse("care:enrolment_end", args=[MealEnrolment.objects.get().pk]) in html) is (
            role in ("worker", "head")
        )
        assert ("长者食堂" in html) is (role != "outsider")
        assert ('data-testid="enrol"' in html) is manage


def test_enrol_with_subsidy_end_and_enrol_again(client, w):
    p = w["profile"]
    client.force_login(w["worker"])
    back = reverse("care:enrolments")
    r = client.post(reverse("care:enrolment_create"), {"profile": p.pk, "point": w["point"].pk})
    assert r.status_code == 302 and "8" in _msgs(r)
    e = MealEnrolment.objects.get()
    assert (e.subsidy, e.subsidy_basis, e.ended_on) == (Decimal("8"), "minimum_allowance", None)
    bad = [
        ({"profile": p.pk, "point": w["point"].pk}, "已登记助餐"),
        ({"profile": p.pk, "point": w["other_point"].pk}, "本社区的助餐点"),
        ({"profile": p.pk, "point": "x"}, "本社区的助餐点"),
        ({"profile": "", "point": w["point"].pk}, "请选择老人"),
    ]
    for data, text in bad:
        r = client.post(reverse("care:enrolment_create"), data, HTTP_REFERER=back)
        assert text in _msgs(r), data
    assert MealEnrolment.objects.count() == 1
    for role in ("grid", "street", "outsider", "provider"):
        client.force_login(w[role])
        assert client.post(reverse("care:enrolment_end", args=[e.pk])).status_code == 404
        assert (
            client.post(
                reverse("care:enrolment_create"), {"profile": p.pk, "point": w["point"].pk}
            ).status_code
            == 404
        )
    client.force_login(w["worker"])
    assert client.post(reverse("care:enrolment_end", args=[e.pk])).status_code == 302
    e.refresh_from_db()
    assert e.ended_on == timezone.localdate()
    assert "已结束" in _msgs(client.post(reverse("care:enrolment_end", args=[e.pk]), HTTP_REFERER=back))
    services.meal_log(enrolment=e, by=w["worker"])  # the last day itself is still served
    r = client.post(reverse("care:enrolment_create"), {"profile": p.pk, "point": w["point"].pk})
    assert r.status_code == 302 and MealEnrolment.objects.filter(ended_on__isnull=True).count() == 1


def test_no_meal_after_the_enrolment_ends(w):
    e = services.meal_enrol(profile=w["profile"], point=w["point"], by=w["worker"])
    services.meal_end(enrolment=e, by=w["worker"])
    assert selectors.meals_today(user=w["worker"]) == []
    again = services.meal_enrol(profile=w["profile"], point=w["point"], by=w["worker"])
    assert [r["e"] for r in selectors.meals_today(user=w["worker"])] == [again]
    assert [r["e"] for r in selectors.enrolment_rows(user=w["worker"], ended=True)] == [e]
    with pytest.raises(ApplicationError) as err:
        services.meal_end(enrolment=e, by=w["worker"])
    assert err.value.code == "enrolment_ended" and err.value.status == 409


# ---- the provider's service records and the monthly statement ------------------------------------


@pytest.fixture
def order(w):
    return services.order_create(profile=w["profile"], provider=w["org"], hours_per_month=12, by=w["worker"])


ORDER_EXPECTED = {
    "provider": (200, True),
    "worker": (200, True),
    "head": (200, True),
    "grid": (200, False),
    "street": (200, False),
    "other_provider": (404, False),
    "outsider": (404, False),
    "resident": (404, False),
}


@pytest.mark.parametrize("role", list(ORDER_EXPECTED))
def test_order_page_role_matrix(client, w, order, role):
    client.force_login(w[role])
    r = client.get(reverse("care:order", args=[order.pk]))
    status, records = ORDER_EXPECTED[role]
    assert r.status_code == status
    if status == 200:
        assert ('data-testid="record-form"' in r.content.decode()) is records


def test_provider_sees_its_orders_and_records_a_service(client, w, order):
    client.force_login(w["provider"])
    html = client.get(reverse("care:orders")).content.decode()
    assert reverse("care:order", args=[order.pk]) in html
    at = timezone.localtime() - dt.timedelta(hours=2)
    r = client.post(
        reverse("care:record_add", args=[order.pk]),
        {"at": at.strftime("%Y-%m-%dT%H:%M"), "minutes": "90", "content": " 助浴 "},
    )
    assert r.status_code == 302
    rec = ServiceRecord.objects.get()
    assert (rec.minutes, rec.content, rec.recorded_by, rec.confirmed_at) == (90, "助浴", w["provider"], None)
    assert abs((rec.at - at).total_seconds()) < 60
    # the elder's confirmation works as built, back on the order's page
    r = client.post(reverse("care:record_confirm", args=[rec.pk]), {"confirmer": "本人"})
    assert r.url == reverse("care:order", args=[order.pk])
    rec.refresh_from_db()
    assert rec.confirmed_by_name == "本人"
    client.force_login(w["other_provider"])
    assert (
        client.get(reverse("care:orders")).content.decode().count(reverse("care:order", args=[order.pk])) == 0
    )


@pytest.mark.parametrize(
    "data,text",
    [
        ({"minutes": "abc"}, "10到480分钟"),
        ({"minutes": "5"}, "10到480分钟"),
        ({"minutes": "481"}, "10到480分钟"),
        ({"content": "  "}, "请填写服务内容"),
        ({"at": "31/12/2025"}, "日期格式不正确"),
        ({"at": "2099-01-01T10:00"}, "时间不能晚于现在"),
        ({"at": "2001-01-01T10:00"}, "早于工单开始日期"),
    ],
)
def test_record_bad_input_changes_nothing(client, w, order, data, text):
    client.force_login(w["provider"])
    back = reverse("care:order", args=[order.pk])
    body = {"at": "", "minutes": "60", "content": "助洁", **data}
    r = client.post(reverse("care:record_add", args=[order.pk]), body, HTTP_REFERER=back)
    assert text in _msgs(r)
    assert ServiceRecord.objects.count() == 0


def test_record_refused_to_those_who_may_not(client, w, order):
    body = {"minutes": "60", "content": "助洁"}
    for role, status in (
        ("other_provider", 404),
        ("outsider", 404),
        ("resident", 404),
        ("grid", 403),
        ("street", 403),
    ):
        client.force_login(w[role])
        assert client.post(reverse("care:record_add", args=[order.pk]), body).status_code == status, role
    assert ServiceRecord.objects.count() == 0


def test_monthly_statement_lines_sum_to_the_provider(w, order):
    from gongzhi.registry.models import PersonTag
    from tests.factories import PersonFactory

    second = PersonFactory(birth_date=dt.date(1941, 5, 1))
    PersonTag.objects.create(community_id=C, person=second, kind="extreme_hardship")
    p2 = services.profile_create(person=second, by=w["worker"])
    small = services.order_create(
        profile=p2, provider=w["org"], hours_per_month=1, by=w["worker"], hourly_rate=Decimal("40")
    )
    a = services.record_add(order=order, by=w["provider"], minutes=60, content="助洁")
    services.record_add(order=order, by=w["provider"], minutes=120, content="助浴")
    b = services.record_add(order=small, by=w["provider"], minutes=90, content="陪诊")
    services.record_confirm(record=a, by=w["provider"], confirmer="本人")
    services.record_confirm(record=b, by=w["provider"], confirmer="女儿")
    month = timezone.localdate()
    (row,) = selectors.monthly_statement(user=w["provider"], month=month)
    lines = {x["order"].pk: x for x in row["lines"]}
    assert (lines[order.pk]["confirmed"], lines[order.pk]["unconfirmed"]) == (1, 1)
    assert (lines[order.pk]["hours"], lines[order.pk]["amount"]) == (Decimal("1.00"), Decimal("30.00"))
    # the small order: 1.5 confirmed hours, paid at most its 1 hour a month, at its own rate
    assert (lines[small.pk]["hours"], lines[small.pk]["billable_hours"]) == (Decimal("1.50"), Decimal("1.00"))
    assert lines[small.pk]["amount"] == Decimal("40.00")
    assert (row["orders"], row["records"], row["confirmed"], row["unconfirmed"]) == (2, 3, 2, 1)
    assert row["amount"] == sum(x["amount"] for x in row["lines"]) == Decimal("70.00")
    assert row["billable_hours"] == Decimal("2.00")
    assert selectors.monthly_statement(user=w["other_provider"], month=month) == []
    assert selectors.monthly_statement(user=w["street"], month=month)[0]["amount"] == Decimal("70.00")
    last_month = (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    assert selectors.monthly_statement(user=w["provider"], month=last_month) == []


@pytest.mark.parametrize(
    "role,status",
    [
        ("provider", 200),
        ("worker", 200),
        ("street", 200),
        ("grid", 200),
        ("other_provider", 200),
        ("resident", 403),
    ],
)
def test_statement_page_role_matrix(client, w, order, role, status):
    rec = services.record_add(order=order, by=w["provider"], minutes=60, content="助洁")
    services.record_confirm(record=rec, by=w["provider"], confirmer="本人")
    client.force_login(w[role])
    r = client.get(reverse("care:statement"))
    assert r.status_code == status
    if status == 200:
        assert (w["org"].name in r.content.decode()) is (role != "other_provider")
    for month in ("garbage", "0001-01", "2999-01", "2025-02"):
        assert client.get(reverse("care:statement"), {"month": month}).status_code == status


def test_the_demo_shows_the_new_pages_data(make_user):
    """The demo step on a handful of elders: consented contacts, a device taken back, an ended
    enrolment, the provider's records on the statement."""
    from gongzhi.care.demo import demo_care
    from gongzhi.core.manifests import DemoContext
    from gongzhi.registry.models import PersonTag
    from tests.factories import OrganizationFactory, PersonFactory

    worker = make_user("community_worker", C, username="community")
    org = OrganizationFactory(kind="social_org")
    provider = make_user("social_org_staff", org)
    for i in range(8):
        p = PersonFactory(birth_date=dt.date(1938 + i, 1, 1))
        PersonTag.objects.create(
            community_id=C, person=p, kind="elderly_alone", valid_from=dt.date(2020, 1, 1)
        )
        if i % 2:
            PersonTag.objects.create(
                community_id=C, person=p, kind="minimum_allowance", valid_from=dt.date(2020, 1, 1)
            )
    out: list[str] = []
    demo_care(DemoContext(district=C[:6], residents=0, seed=1, out=out.append))
    assert EmergencyContact.objects.filter(community_id=C).count() == 8
    assert all(c.consent_by for c in EmergencyContact.objects.all())
    assert CallDevice.objects.filter(active=False).count() == 1
    assert MealEnrolment.objects.filter(ended_on__isnull=False).count() == 1
    rows = [r for r in selectors.records(user=provider)]
    assert rows and all(r.recorded_by == provider for r in rows)
    assert worker.pk and out
