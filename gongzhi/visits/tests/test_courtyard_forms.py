"""Old courtyards from the page: scheduling inspections (which courtyards, which items, due date)
and 准物业 arrangements (provider, services, fee, period; overlaps refused) — one guard
(rules.COURTYARDS) for page and service, the role matrix, bad input refused with nothing changed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.visits import courtyards
from gongzhi.visits.models import CourtyardInspection, QuasiPropertyArrangement

from .conftest import OTHER, C

pytestmark = pytest.mark.django_db

SCHEDULE = "visits:inspections_plan"
ARRANGE = "visits:arrangement_create"


@pytest.fixture
def roles(staff, make_user):
    return {
        **staff,
        "worker": make_user("community_worker", C),
        "other_head": make_user("community_head", OTHER),
        "other_street": make_user("street_staff", "350102001"),
        "district": make_user("district_staff", "350102"),
    }


def _today():
    return timezone.localdate()


def _schedule_post(e, **extra):
    data = {"estate": [e.pk], "item": ["pipes", "fire"], "due": (_today() + dt.timedelta(days=7)).isoformat()}
    data.update(extra)
    return data


# ---- scheduling ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,status",
    [
        ("head", 302),
        ("worker", 302),
        ("street", 302),
        ("grid", 404),
        ("district", 404),
        ("other_grid", 404),
        ("other_head", 404),
        ("other_street", 404),
    ],
)
def test_schedule_role_matrix(client, place, roles, role, status):
    client.force_login(roles[role])
    r = client.post(reverse(SCHEDULE), _schedule_post(place["estate"]))
    assert r.status_code == status
    inspections = CourtyardInspection.objects.filter(estate=place["estate"])
    if status == 302:
        (one,) = inspections
        assert (one.items, one.scheduled_by) == ("pipes,fire", roles[role])
        assert one.item_labels == ["管网", "消防安全"]
    else:
        assert not inspections.exists()


def test_schedule_anonymous_is_sent_to_login(client, place):
    r = client.post(reverse(SCHEDULE), _schedule_post(place["estate"]))
    assert r.status_code == 302 and "login" in r["Location"]
    assert not CourtyardInspection.objects.exists()


def test_page_shows_the_forms_only_to_those_who_may_use_them(client, place, roles):
    for role, shown in (
        ("head", True),
        ("street", True),
        ("worker", True),
        ("grid", False),
        ("district", False),
    ):
        client.force_login(roles[role])
        body = client.get(reverse("visits:courtyards")).content.decode()
        assert ('data-testid="schedule-form"' in body) == shown, role
        assert ('data-testid="arrangement-form"' in body) == shown, role


@pytest.mark.parametrize(
    "change,code",
    [
        ({"estate": []}, "no_courtyards"),
        ({"item": []}, "no_items"),
        ({"item": ["pipes", "roof"]}, "bad_item"),
        ({"due": ""}, "due_required"),
        ({"due": "2026-13-40"}, "bad_date"),
        ({"due": "yesterday"}, "bad_date"),
    ],
)
def test_schedule_bad_input_is_refused_with_a_message(client, place, roles, change, code):
    from gongzhi.visits.errors import MESSAGES

    client.force_login(roles["head"])
    r = client.post(reverse(SCHEDULE), _schedule_post(place["estate"], **change))
    assert r.status_code == 400
    message = MESSAGES[code] if code != "bad_date" else "不是有效的日期"
    assert str(message).split("%")[0] in r.content.decode()
    assert not CourtyardInspection.objects.exists()


def test_schedule_dates_in_the_past_too_far_or_taken(place, roles):
    head, estate = roles["head"], place["estate"]
    for due, code in (
        (_today() - dt.timedelta(days=1), "due_past"),
        (_today() + dt.timedelta(days=400), "due_too_far"),
    ):
        with pytest.raises(ApplicationError) as e:
            courtyards.inspections_plan(estate_ids=[estate.pk], items=["waste"], due=due, by=head)
        assert e.value.code == code
    courtyards.inspections_plan(estate_ids=[estate.pk], items=["waste"], due=_today(), by=head)
    with pytest.raises(ApplicationError) as e:
        courtyards.inspections_plan(estate_ids=[estate.pk], items=["fire"], due=_today(), by=head)
    assert e.value.code == "already_scheduled" and e.value.status == 409 and estate.name in str(e.value)
    assert CourtyardInspection.objects.get().items == "waste"


def test_schedule_is_all_or_nothing(place, roles):
    from tests.factories import EstateFactory

    managed = EstateFactory(has_property_management=True)
    elsewhere = EstateFactory(community_id=OTHER, has_property_management=False)
    for bad, exc in ((managed, ApplicationError), (elsewhere, NotFound)):
        with pytest.raises(exc):
            courtyards.inspections_plan(
                estate_ids=[place["estate"].pk, bad.pk], items=["fire"], due=_today(), by=roles["head"]
            )
    assert not CourtyardInspection.objects.exists()
    # The street schedules several of its communities' courtyards at once.
    done = courtyards.inspections_plan(
        estate_ids=[place["estate"].pk, elsewhere.pk], items=["fire"], due=_today(), by=roles["street"]
    )
    assert {i.community_id for i in done} == {C, OTHER}


def test_the_next_inspection_shows_its_items(client, place, roles):
    courtyards.inspections_plan(
        estate_ids=[place["estate"].pk], items=["lighting"], due=_today(), by=roles["head"]
    )
    client.force_login(roles["grid"])
    body = client.get(reverse("visits:courtyards")).content.decode()
    assert "照明" in body and 'data-testid="schedule-form"' not in body


# ---- 准物业 arrangements ----------------------------------------------------------------------


def _arrange_post(e, **extra):
    data = {
        "estate": e.pk,
        "provider_name": "居民自管小组",
        "service": ["cleaning", "security"],
        "fee": "12.50",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize(
    "role,status",
    [
        ("head", 302),
        ("worker", 302),
        ("street", 302),
        ("grid", 404),
        ("district", 404),
        ("other_grid", 404),
        ("other_head", 404),
        ("other_street", 404),
    ],
)
def test_arrangement_role_matrix(client, place, roles, role, status):
    client.force_login(roles[role])
    r = client.post(reverse(ARRANGE), _arrange_post(place["estate"]))
    assert r.status_code == status
    if status == 302:
        a = QuasiPropertyArrangement.objects.get()
        assert (a.provider, a.services, a.fee, a.community_id) == (
            "居民自管小组",
            "cleaning,security",
            Decimal("12.50"),
            C,
        )
        assert a.service_labels == ["保洁", "门卫安保"]
    else:
        assert not QuasiPropertyArrangement.objects.exists()


@pytest.mark.parametrize(
    "change,code",
    [
        ({"provider_name": ""}, "provider_required"),
        ({"provider_name": "   "}, "provider_required"),
        ({"provider_name": "甲" * 61}, "provider_too_long"),
        ({"service": []}, "no_services"),
        ({"service": ["cleaning", "catering"]}, "no_services"),
        ({"fee": "-1"}, "bad_fee"),
        ({"fee": "abc"}, "bad_fee"),
        ({"fee": "1.234"}, "bad_fee"),
        ({"fee": "1001"}, "bad_fee"),
        ({"fee": "NaN"}, "bad_fee"),
        ({"starts_on": ""}, "start_required"),
        ({"starts_on": "2026-02-30"}, "bad_date"),
        ({"ends_on": "2025-12-31"}, "ends_before_start"),
        ({"organization": "999999"}, "provider_required"),
    ],
)
def test_arrangement_bad_input(client, place, roles, change, code):
    from gongzhi.visits.errors import MESSAGES

    client.force_login(roles["head"])
    r = client.post(reverse(ARRANGE), _arrange_post(place["estate"], **change))
    assert r.status_code == 400
    message = MESSAGES[code] if code != "bad_date" else "不是有效的日期"
    assert str(message).split("%")[0][:12] in r.content.decode()
    assert not QuasiPropertyArrangement.objects.exists()


def test_arrangement_by_an_organisation_of_the_area(place, roles):
    from gongzhi.core.models import Region
    from tests.factories import OrganizationFactory

    head, estate = roles["head"], place["estate"]
    org = OrganizationFactory(name="军门物业服务社")
    with pytest.raises(ApplicationError) as e:  # both an organisation and a name
        courtyards.arrangement_record(
            estate=estate,
            by=head,
            organization=org,
            provider_name="自管小组",
            services=["repairs"],
            starts_on=_today(),
        )
    assert e.value.code == "provider_required"
    far = OrganizationFactory(region=Region.objects.get(code=OTHER))
    with pytest.raises(ApplicationError) as e:
        courtyards.arrangement_record(
            estate=estate, by=head, organization=far, services=["repairs"], starts_on=_today()
        )
    assert e.value.code == "org_out_of_area"
    a = courtyards.arrangement_record(
        estate=estate, by=head, organization=org, services=["repairs"], starts_on=_today()
    )
    assert (a.provider, a.fee, a.ends_on) == ("军门物业服务社", None, None)
    assert org in courtyards.provider_choices([estate]) and far not in courtyards.provider_choices([estate])


def test_arrangement_only_for_courtyards_without_property_management(roles):
    from tests.factories import EstateFactory

    with pytest.raises(ApplicationError) as e:
        courtyards.arrangement_record(
            estate=EstateFactory(has_property_management=True),
            by=roles["head"],
            provider_name="自管小组",
            services=["cleaning"],
            starts_on=_today(),
        )
    assert e.value.code == "has_property_management"


D = dt.date


@pytest.mark.parametrize(
    "start,end,clash",
    [
        (D(2026, 3, 1), D(2026, 3, 31), True),  # inside
        (D(2025, 6, 1), D(2026, 1, 1), True),  # touches the first day
        (D(2026, 12, 31), None, True),  # open-ended from the last day
        (D(2025, 1, 1), None, True),  # open-ended, starting before
        (D(2025, 1, 1), D(2025, 12, 31), False),  # the day before
        (D(2027, 1, 1), None, False),  # the day after
    ],
)
def test_overlapping_arrangements_for_one_estate_are_refused(place, roles, start, end, clash):
    from tests.factories import EstateFactory

    head, estate = roles["head"], place["estate"]
    kw = {"by": head, "provider_name": "自管小组", "services": ["cleaning"]}
    courtyards.arrangement_record(estate=estate, starts_on=D(2026, 1, 1), ends_on=D(2026, 12, 31), **kw)
    if clash:
        with pytest.raises(ApplicationError) as e:
            courtyards.arrangement_record(estate=estate, starts_on=start, ends_on=end, **kw)
        assert e.value.code == "overlapping_arrangement" and e.value.status == 409
        assert "2026-01-01" in str(e.value) and QuasiPropertyArrangement.objects.count() == 1
    else:
        courtyards.arrangement_record(estate=estate, starts_on=start, ends_on=end, **kw)
        assert QuasiPropertyArrangement.objects.count() == 2
    # Another courtyard's arrangement never clashes.
    other = EstateFactory(has_property_management=False)
    courtyards.arrangement_record(estate=other, starts_on=D(2026, 3, 1), **kw)


def test_an_open_ended_arrangement_blocks_every_later_one(place, roles):
    kw = {
        "estate": place["estate"],
        "by": roles["head"],
        "provider_name": "自管小组",
        "services": ["greening"],
    }
    courtyards.arrangement_record(starts_on=D(2026, 1, 1), **kw)
    with pytest.raises(ApplicationError) as e:
        courtyards.arrangement_record(starts_on=D(2030, 1, 1), ends_on=D(2030, 2, 1), **kw)
    assert e.value.code == "overlapping_arrangement"


def test_page_lists_the_arrangement_and_the_courtyards_without_one(client, place, roles):
    from tests.factories import EstateFactory

    bare = EstateFactory(has_property_management=False, name="无人管院落")
    courtyards.arrangement_record(
        estate=place["estate"],
        by=roles["head"],
        provider_name="居民自管小组",
        services=["cleaning"],
        fee="8",
        starts_on=_today() - dt.timedelta(days=30),
    )
    # An arrangement that has ended does not count.
    courtyards.arrangement_record(
        estate=bare,
        by=roles["head"],
        provider_name="旧自管小组",
        services=["cleaning"],
        starts_on=_today() - dt.timedelta(days=90),
        ends_on=_today() - dt.timedelta(days=60),
    )
    client.force_login(roles["grid"])
    body = client.get(reverse("visits:courtyards")).content.decode()
    without = body.split('data-testid="without-arrangement"')[1].split("</section>")[0]
    assert bare.name in without and place["estate"].name not in without
    assert "居民自管小组" in body and "每户每月8.00元" in body
    rows = courtyards.courtyard_rows(user=roles["grid"])
    assert {r["estate"].name: r["arrangement"] is not None for r in rows} == {
        place["estate"].name: True,
        bare.name: False,
    }
    client.force_login(roles["other_grid"])
    assert "居民自管小组" not in client.get(reverse("visits:courtyards")).content.decode()


def test_the_demo_courtyard_has_an_arrangement_and_a_scheduled_inspection(place, roles):
    """The demo step's courtyard (军门社区): last month's inspection with a finding, one inspection
    scheduled with its items, one 准物业 arrangement in force; run twice, nothing doubles."""
    from gongzhi.visits.demo import _courtyard
    from gongzhi.visits.models import Finding

    tz = timezone.get_current_timezone()
    last_month = (_today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)

    def moment(day, hour):
        return dt.datetime.combine(day, dt.time(hour), tzinfo=tz)

    for _run in range(2):
        assert _courtyard(C, roles["head"], last_month, moment) == place["estate"].name
    (row,) = courtyards.courtyard_rows(user=roles["head"])
    assert row["arrangement"].provider == "院落居民自管小组" and row["arrangement"].fee == Decimal("10.00")
    assert row["next"].items == "pipes,fire,waste,lighting" and row["state"] == "due"
    assert Finding.objects.count() == 1 and QuasiPropertyArrangement.objects.count() == 1


def test_a_scheduled_inspection_reaches_the_communitys_inbox_with_its_due_date(place, roles):
    from gongzhi.admission.models import InboxTask

    (inspection,) = courtyards.inspections_plan(
        estate_ids=[place["estate"].pk], items=["waste"], due=_today(), by=roles["head"]
    )
    (task,) = InboxTask.objects.filter(work_ref=f"visits.inspection:{inspection.pk}")
    assert task.community_id == C and task.deadline == _today() and place["estate"].name in task.title
    assert task.link == reverse("visits:inspection_record", args=[inspection.pk])
    assert not task.admitted  # no list in force in this test: the community may refuse it
    courtyards.inspection_record(inspection=inspection, by=roles["head"], note="巡查完毕")
    task.refresh_from_db()
    assert task.state == InboxTask.State.DONE
    assert list(task.events.values_list("kind", flat=True)) == ["received", "done"]
