"""Maps done the Chinese way (GCJ-02 converted to WGS-84, Tianditu or offline vectors, one layer
for the circle map and the demand form) and rooms' use read from the organisations' bookings."""

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.core.models import Region
from gongzhi.facilities.geo import gcj02_to_wgs84, out_of_china, to_wgs84, wgs84_to_gcj02
from gongzhi.facilities.models import Facility, Premises
from gongzhi.facilities.selectors import room_use
from gongzhi.facilities.services import facility_create, premises_link_space
from gongzhi.ledgers.figures import compute
from tests.factories import EstateFactory

JM, OTHER = "350102004001", "350102001001"


def test_gcj02_is_the_published_offset_and_its_inverse():
    # 天安门: WGS-84 (39.9087, 116.3975) is GCJ-02 (39.91010, 116.40374), some 500 m east
    lat, lng = wgs84_to_gcj02(39.9087, 116.3975)
    assert (round(lat, 5), round(lng, 5)) == (39.9101, 116.40374)
    back = gcj02_to_wgs84(lat, lng)
    assert abs(back[0] - 39.9087) < 1e-8 and abs(back[1] - 116.3975) < 1e-8
    assert out_of_china(51.5, -0.12) and gcj02_to_wgs84(51.5, -0.12) == (51.5, -0.12)
    assert to_wgs84(26.08, 119.3, "cgcs2000") == (26.08, 119.3)


@pytest.mark.django_db
def test_a_facility_read_from_a_consumer_map_is_stored_in_wgs84(make_user):
    worker = make_user("community_worker", JM)
    gcj = wgs84_to_gcj02(26.0800, 119.3000)
    f = facility_create(
        community=JM,
        kind="fitness",
        name="健身点",
        latitude=gcj[0],
        longitude=gcj[1],
        datum="gcj02",
        by=worker,
    )
    assert abs(f.latitude - 26.08) < 1e-7 and abs(f.longitude - 119.3) < 1e-7
    with pytest.raises(ApplicationError):
        facility_create(
            community=JM, kind="fitness", name="另一个", latitude=26, longitude=119, datum="bd09", by=worker
        )
    assert Facility.objects.count() == 1


@pytest.mark.django_db
def test_the_public_layer_draws_estates_and_facilities_only(client):
    EstateFactory(community=Region.objects.get(code=JM), name="军门小区", latitude=26.08, longitude=119.3)
    EstateFactory(community=Region.objects.get(code=JM), name="没有坐标的小区", latitude=None, longitude=None)
    EstateFactory(community=Region.objects.get(code=OTHER), name="别的小区", latitude=26.1, longitude=119.31)
    Facility.objects.create(
        community_id=JM, kind="police_room", name="警务室", latitude=26.081, longitude=119.3
    )
    r = client.get(f"/facilities/layer.json?community={JM}")  # signed out: the demand form is public
    assert r.status_code == 200
    data = r.json()
    assert data["estates"] == [{"name": "军门小区", "lat": 26.08, "lng": 119.3}]
    assert data["facilities"] == [{"name": "警务室", "kind": "police_room", "lat": 26.081, "lng": 119.3}]
    assert set(data) == {"estates", "facilities"}
    for bad in ("", "350102004", "999999999999", "<x>"):
        assert client.get(f"/facilities/layer.json?community={bad}").status_code == 404


def _scripts(body: str) -> list[tuple[str, str]]:
    return re.findall(r"<script([^>]*)>(.*?)</script>", body, re.S)


@pytest.mark.django_db
def test_circle_map_and_demand_form_share_the_layer(client, make_user, settings):
    settings.TIANDITU_KEY = "tk-test"
    client.force_login(make_user("community_worker", JM))
    body = client.get(f"/facilities/circle/?region={JM}").content.decode()
    assert "facilities/map.js" in body and "facilities/circle.js" in body
    config = json.loads(
        re.search(r'id="gz-map-config" type="application/json">(.*?)</script>', body).group(1)
    )
    assert config == {"tianditu": "tk-test", "layer": "/facilities/layer.json"}
    assert all(
        'type="application/json"' in a or not code.strip() for a, code in _scripts(body)
    )  # no inline code
    client.logout()
    form = client.get("/demands/submit/").content.decode()
    assert "facilities/map.js" in form and 'id="gz-map-config"' in form
    assert "openstreetmap" not in form and "gzMap.base(map" in form


def test_no_foreign_tile_server_is_allowed():
    from django.conf import settings

    img = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]
    assert "https://*.tianditu.gov.cn" in img and not any("openstreetmap" in x for x in img)


@pytest.fixture
def rooms(db, make_user):
    from gongzhi.organizations.models import Booking, Space

    worker = make_user("community_worker", JM)
    room = Premises.objects.create(community_id=JM, name="养老服务用房", use="elderly", area=60)
    space = Space.objects.create(
        community_id=JM,
        name="第一活动室",
        kind="room",
        capacity=30,
        opens=dt.time(8),
        closes=dt.time(18),
        open_weekdays="1234567",
    )
    elsewhere = Space.objects.create(
        community_id=OTHER,
        name="外社区活动室",
        kind="room",
        capacity=10,
        opens=dt.time(8),
        closes=dt.time(18),
    )
    tz = timezone.get_current_timezone()
    today = timezone.localdate(clock.now())
    for days_ago, hours, status in [
        (3, 2, "confirmed"),
        (5, 3, "checked_in"),
        (6, 1, "cancelled"),
        (40, 4, "confirmed"),
    ]:
        start = dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(9), tzinfo=tz)
        Booking.objects.create(
            community_id=JM,
            space=space,
            status=status,
            booker_kind="resident",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=hours),
            booked_by=worker,
            purpose="活动",
        )
    return worker, room, space, elsewhere


def test_rooms_use_is_read_from_the_bookings(rooms, client, make_user):
    worker, room, space, elsewhere = rooms
    assert room_use(user=worker, prefix=JM) == []  # not linked yet: not counted
    premises_link_space(premises=room.pk, space=space.pk, by=worker)
    (use,) = room_use(user=worker, prefix=JM)
    # the last 30 days: 2 + 3 hours held (the cancelled one and the one 40 days ago are not)
    assert use.booked_hours == 5 and use.open_hours == pytest.approx(300, abs=10)
    v = compute("facilities.room_use", user=worker, region=Region.objects.get(code=JM), period="2026-11")
    assert v.number == pytest.approx(5 / use.open_hours) and v.count == 1 and "第一活动室" in v.records[0]
    client.force_login(worker)
    page = client.get(f"/facilities/community/{JM}/").content.decode()
    assert "5.0 / " in page and "第一活动室" in page


def test_linking_a_room_refuses_what_does_not_fit(rooms, make_user):
    worker, room, space, elsewhere = rooms
    with pytest.raises(ApplicationError) as exc:
        premises_link_space(premises=room.pk, space=elsewhere.pk, by=worker)
    assert exc.value.code == "space_elsewhere"
    premises_link_space(premises=room.pk, space=space.pk, by=worker)
    other_room = Premises.objects.create(community_id=JM, name="另一间", use="youth", area=20)
    with pytest.raises(ApplicationError) as exc:
        premises_link_space(premises=other_room.pk, space=space.pk, by=worker)
    assert exc.value.code == "space_taken"
    with pytest.raises(NotFound):
        premises_link_space(premises=room.pk, space=None, by=make_user("community_worker", OTHER))
    assert Premises.objects.get(pk=room.pk).space_id == space.pk
    premises_link_space(premises=room.pk, space=None, by=worker)
    assert Premises.objects.get(pk=room.pk).space_id is None
