"""Pages: who may open what (in scope / out of scope / anonymous), and the main flows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gongzhi.demands.models import Demand

from .conftest import JUNMEN

pytestmark = pytest.mark.django_db


def client_for(client, user):
    if user is not None:
        client.force_login(user)
    return client


# page → roles that get 200; anonymous is redirected to the login page; others get 403/404.
STAFF_PAGES = {
    "demands:work_list": {
        "community_worker",
        "community_head",
        "street_staff",
        "district_staff",
        "department_staff",
    },
    "demands:queue": {"community_worker", "community_head", "street_staff", "district_staff"},
    "demands:intake": {"grid_worker", "community_worker", "community_head", "street_staff", "district_staff"},
    "demands:reported": {
        "grid_worker",
        "community_worker",
        "community_head",
        "street_staff",
        "district_staff",
    },
    "demands:rates": {"community_head", "street_staff", "district_staff"},
    "demands:overdue": {"street_staff", "district_staff"},
    "demands:mine": {
        "resident",
        "other_resident",
        "grid_worker",
        "community_worker",
        "community_head",
        "dagen_worker",
        "street_staff",
        "district_staff",
        "department_staff",
        "other_street_staff",
        "other_community_worker",
    },
}
ROLES = [
    "resident",
    "grid_worker",
    "community_worker",
    "community_head",
    "street_staff",
    "district_staff",
    "department_staff",
    "other_street_staff",
]


@pytest.mark.parametrize("role", [*ROLES, None])
@pytest.mark.parametrize("page", list(STAFF_PAGES))
def test_staff_pages_by_role(page, role, client, people, demand_in):
    demand_in("handling")
    if role == "other_street_staff":
        # Another street's staff hold the same rights over their own street: the page opens,
        # showing their own area (what it lists is checked in the scope tests below).
        expected = 200 if "street_staff" in STAFF_PAGES[page] else 403
    elif role is None:
        expected = 302
    elif page == "demands:work_list" and role == "grid_worker":
        expected = 302  # grid workers do not handle demands: their list is 我上报的
    else:
        expected = 200 if role in STAFF_PAGES[page] else 403
    response = client_for(client, people.get(role) if role else None).get(reverse(page))
    assert response.status_code == expected
    if role is None:
        assert response["Location"].startswith(reverse("login"))
    elif expected == 302:
        assert response["Location"] == reverse("demands:reported")


DETAIL_VISIBLE = {
    "resident",
    "grid_worker",
    "community_worker",
    "community_head",
    "street_staff",
    "district_staff",
}


@pytest.mark.parametrize("role", [*ROLES, "other_resident", "dagen_worker", "other_community_worker", None])
def test_detail_in_scope_out_of_scope_anonymous(role, client, people, demand_in):
    demand = demand_in("handling")
    response = client_for(client, people.get(role) if role else None).get(
        reverse("demands:detail", args=[demand.pk])
    )
    if role is None:
        assert response.status_code == 302
    elif role in DETAIL_VISIBLE:
        assert response.status_code == 200
        assert demand.title in response.content.decode()
    else:
        assert response.status_code == 404


def test_department_sees_its_own_demand_only(client, people, demand_in):
    mine, other = demand_in("dispatched", unit="department"), demand_in("dispatched")
    c = client_for(client, people["department_staff"])
    assert c.get(reverse("demands:detail", args=[mine.pk])).status_code == 200
    assert c.get(reverse("demands:detail", args=[other.pk])).status_code == 404
    body = c.get(reverse("demands:work_list")).content.decode()
    assert mine.tracking_code in body and other.tracking_code not in body


def test_detail_shows_only_the_allowed_buttons(client, people, demand_in):
    demand = demand_in("dispatched")
    worker = client_for(client, people["community_worker"]).get(reverse("demands:detail", args=[demand.pk]))
    html = worker.content.decode()
    assert 'data-action="sign"' in html and 'data-action="return"' in html
    assert 'data-action="reply"' not in html and 'data-action="dispatch"' not in html
    client.logout()
    street = client_for(client, people["street_staff"]).get(reverse("demands:detail", args=[demand.pk]))
    html = street.content.decode()
    assert 'data-action="sign"' not in html and 'data-action="remind"' in html


def test_act_with_htmx_signs_and_re_renders(client, people, demand_in):
    demand = demand_in("dispatched")
    c = client_for(client, people["community_worker"])
    response = c.post(reverse("demands:act", args=[demand.pk, "sign"]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'data-action="reply"' in response.content.decode()
    demand.refresh_from_db()
    assert demand.state == "handling"
    # A step that does not fit: the panel shows the Chinese message and nothing changes.
    response = c.post(reverse("demands:act", args=[demand.pk, "sign"]), HTTP_HX_REQUEST="true")
    assert "已被签收" in response.content.decode()


def test_act_refused_by_role(client, people, demand_in):
    demand = demand_in("dispatched")
    response = client_for(client, people["street_staff"]).post(
        reverse("demands:act", args=[demand.pk, "sign"])
    )
    assert response.status_code == 403
    client.logout()
    response = client_for(client, people["dagen_worker"]).post(
        reverse("demands:act", args=[demand.pk, "sign"])
    )
    assert response.status_code == 404
    demand.refresh_from_db()
    assert demand.state == "dispatched"


def test_anonymous_resident_submits_tracks_and_rates_with_the_phone(client, people, units):
    response = client.get(reverse("demands:submit"))
    assert response.status_code == 200 and "军门社区" in response.content.decode()
    response = client.post(
        reverse("demands:submit"),
        {
            "title": "路灯不亮",
            "body": "巷口路灯坏了一周",
            "community": JUNMEN,
            "contact_phone": "13912345678",
        },
    )
    assert response.status_code == 302
    demand = Demand.objects.get(title="路灯不亮")
    assert response["Location"] == reverse("demands:track", args=[demand.tracking_code])
    page = client.get(response["Location"]).content.decode()
    assert demand.tracking_code in page and "13912345678" not in page

    from gongzhi.demands import services

    cat = demand_category()
    services.demand_dispatch(demand=demand, unit=units["community"], by=people["street_staff"], category=cat)
    services.demand_sign(demand=demand, by=people["community_worker"])
    services.demand_reply(
        demand=demand, by=people["community_worker"], reply="已更换灯泡", resolution_kind="deliberation"
    )
    url = reverse("demands:track", args=[demand.tracking_code])
    wrong = client.post(url, {"satisfaction": "satisfied", "resolved": "1", "phone": "13900000000"})
    assert "不一致" in wrong.content.decode()
    ok = client.post(url, {"satisfaction": "satisfied", "resolved": "1", "phone": "13912345678"})
    assert ok.status_code == 302
    demand.refresh_from_db()
    assert (demand.state, demand.satisfaction, demand.resolved) == ("called_back", "satisfied", True)


def demand_category():
    from gongzhi.demands.models import Category

    return Category.objects.get(code="urban-street-lights")


def test_submit_without_phone_when_signed_out_is_refused(client, people):
    response = client.post(
        reverse("demands:submit"), {"title": "噪音", "body": "夜间施工", "community": JUNMEN}
    )
    assert response.status_code == 200
    assert "联系电话" in response.content.decode()
    assert not Demand.objects.filter(title="噪音").exists()


def test_submit_with_a_photo_and_a_building(client, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import BuildingFactory

    building = BuildingFactory()
    client.force_login(people["resident"])
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    response = client.post(
        reverse("demands:submit"),
        {
            "title": "楼道堆物",
            "body": "楼道堆放杂物，有消防隐患",
            "community": JUNMEN,
            "building": building.pk,
            "latitude": "26.08",
            "longitude": "119.29",
            "photos": [SimpleUploadedFile("a.png", png, content_type="image/png")],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    demand = Demand.objects.get(title="楼道堆物")
    assert demand.building == building and demand.estate == building.estate
    assert demand.submitted_by == people["resident"] and demand.photos.count() == 1
    bad = client.post(
        reverse("demands:submit"),
        {
            "title": "x",
            "body": "y",
            "community": JUNMEN,
            "photos": [SimpleUploadedFile("a.png", b"not an image")],
        },
    )
    assert "照片格式不支持" in bad.content.decode()


def test_buildings_options(client, people):
    from tests.factories import BuildingFactory

    b = BuildingFactory(name="9号楼")
    html = client.get(reverse("demands:buildings"), {"community": JUNMEN}).content.decode()
    assert f'value="{b.pk}"' in html and "9号楼" in html


def test_intake_creates_a_hotline_demand(client, people):
    client.force_login(people["community_worker"])
    response = client.post(
        reverse("demands:intake"),
        {
            "channel": "hotline",
            "title": "噪声扰民",
            "body": "夜间施工噪声",
            "community": JUNMEN,
            "contact_phone": "13800002222",
        },
    )
    assert response.status_code == 302
    demand = Demand.objects.get(title="噪声扰民")
    assert demand.channel == "hotline" and demand.created_by == people["community_worker"]
    assert demand.submitted_by is None


def test_intake_out_of_scope_community_is_refused(client, people):
    client.force_login(people["community_worker"])
    response = client.post(
        reverse("demands:intake"),
        {"channel": "hotline", "title": "越界", "body": "x", "community": "350102001001"},
    )
    assert response.status_code == 200  # not one of the choices
    assert not Demand.objects.filter(title="越界").exists()


def test_rates_dashboard_and_drill_down(client, people, demand_in):
    demand_in("closed")
    client.force_login(people["district_staff"])
    html = client.get(reverse("demands:rates")).content.decode()
    assert "东街街道" in html and "响应率" in html and "echarts.min.js" in html
    assert "本期办结且居民已答复是否解决的件数" in html  # definitions on the page
    street = client.get(reverse("demands:rates"), {"region": "350102004"}).content.decode()
    assert "军门社区" in street
    drill = client.get(reverse("demands:rates_drill"), {"region": "350102004", "metric": "resolution"})
    assert drill.status_code == 200 and "楼道漏水" in drill.content.decode()


def test_rates_dashboard_stays_in_scope(client, people, demand_in):
    client.force_login(people["street_staff"])
    html = client.get(reverse("demands:rates"), {"region": "350102001"}).content.decode()
    assert "东街街道" in html  # asked for another street: shown their own
    assert client.get(reverse("demands:rates_drill"), {"area": "350102001001"}).status_code == 404


def test_work_list_query_count(client, people, demand_in, django_assert_max_num_queries):
    for _ in range(5):
        demand_in("dispatched")
    client.force_login(people["community_worker"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("demands:work_list"))
    assert response.content.decode().count('class="state state-dispatched"') == 5


def test_overdue_board_lists_late_demands(client, people, demand_in):
    import datetime as dt

    from django.utils import timezone

    late = demand_in("handling")
    Demand.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(hours=3))
    on_time = demand_in("handling")
    client.force_login(people["street_staff"])
    html = client.get(reverse("demands:overdue")).content.decode()
    assert late.tracking_code in html and on_time.tracking_code not in html


def test_mine_lists_own_demands(client, people, demand_in):
    d = demand_in("replied")
    client.force_login(people["resident"])
    html = client.get(reverse("demands:mine")).content.decode()
    assert d.tracking_code in html and "待您评价" in html
    client.logout()
    client.force_login(people["other_resident"])
    assert d.tracking_code not in client.get(reverse("demands:mine")).content.decode()


def test_detail_hides_steps_whose_window_has_passed(client, people, demand_in):
    """Return only within its window, extension only before the deadline: no button for them
    afterwards (the services would refuse)."""
    import datetime as dt

    from freezegun import freeze_time

    demand = demand_in("handling")
    url = reverse("demands:detail", args=[demand.pk])
    worker = client_for(client, people["community_worker"])
    html = worker.get(url).content.decode()
    assert 'data-action="request_extension"' in html
    with freeze_time(demand.return_deadline + dt.timedelta(minutes=1)):
        html = worker.get(url).content.decode()
    assert 'data-action="return"' not in html and "可退单至" not in html
    with freeze_time(demand.due_at + dt.timedelta(minutes=1)):
        html = worker.get(url).content.decode()
    assert 'data-action="request_extension"' not in html and 'data-action="reply"' in html


def test_dispatch_queue_puts_new_demands_first(people, demand_in):
    from gongzhi.demands import selectors

    called_back = demand_in("called_back", satisfaction="unsatisfied", resolved=False)
    replied = demand_in("replied")
    new = demand_in("submitted")
    queue = list(selectors.dispatch_queue(user=people["street_staff"]))
    assert queue.index(new) < queue.index(called_back) < queue.index(replied)
