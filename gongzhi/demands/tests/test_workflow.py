"""Each step allowed and refused, by state and by role (the permission matrix)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from freezegun import freeze_time

from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied
from gongzhi.demands import services
from gongzhi.demands.models import Category, DemandEvent, DemandState
from gongzhi.demands.workflow import STEPS

ALL_STATES = [s.value for s in DemandState]

# Who takes each step in the happy path (a community unit handles; the street dispatches).
ACTOR = {
    "classify": "street_staff",
    "dispatch": "street_staff",
    "sign": "community_worker",
    "return": "community_worker",
    "decide_return": "street_staff",
    "request_extension": "community_worker",
    "decide_extension": "street_staff",
    "remind": "street_staff",
    "supervise": "street_staff",
    "reply": "community_worker",
    "callback": "street_staff",
    "rate": "resident",
    "reopen": "street_staff",
    "close": "street_staff",
}


def run(action: str, demand, user, units):
    if action == "classify":
        return services.demand_classify(
            demand=demand, category=Category.objects.get(code="env-noise"), by=user
        )
    if action == "dispatch":
        cat = Category.objects.get(code="property-leaks")
        return services.demand_dispatch(demand=demand, unit=units["community"], by=user, category=cat)
    if action == "sign":
        return services.demand_sign(demand=demand, by=user)
    if action == "return":
        return services.demand_return(demand=demand, by=user, reason="应由物业公司处理")
    if action == "decide_return":
        return services.return_decide(demand=demand, by=user, accept=True)
    if action == "request_extension":
        return services.extension_request(demand=demand, by=user, reason="需协调施工", working_days=3)
    if action == "decide_extension":
        return services.extension_decide(demand=demand, by=user, approve=True)
    if action == "remind":
        return services.demand_remind(demand=demand, by=user)
    if action == "supervise":
        return services.demand_supervise(demand=demand, by=user)
    if action == "reply":
        return services.demand_reply(demand=demand, by=user, reply="已处理", resolution_kind="referral")
    if action == "callback":
        return services.demand_callback(demand=demand, by=user, satisfaction="basic", resolved=True)
    if action == "rate":
        return services.demand_rate(demand=demand, by=user, satisfaction="satisfied", resolved=True)
    if action == "reopen":
        return services.demand_reopen(demand=demand, by=user, note="居民仍不满意")
    if action == "close":
        return services.demand_close(demand=demand, by=user)
    raise AssertionError(action)


def prepare(action: str, state: str, demand_in, people):
    """A demand in `state`, with what the step needs besides the state (an unsatisfied
    rating to reopen, a pending extension to decide)."""
    unsatisfied = action == "reopen"
    demand = demand_in(
        state, satisfaction="unsatisfied" if unsatisfied else "satisfied", resolved=not unsatisfied
    )
    if action == "decide_extension" and state == "handling":
        services.extension_request(
            demand=demand, by=people["community_worker"], reason="需协调", working_days=2
        )
    return demand


@pytest.mark.parametrize("state", ALL_STATES)
@pytest.mark.parametrize("action", list(STEPS))
def test_step_by_state(action, state, demand_in, people, units):
    demand = prepare(action, state, demand_in, people)
    events_before = DemandEvent.objects.filter(demand=demand).count()
    user = people[ACTOR[action]]
    later = timezone.now() + dt.timedelta(days=40) if action == "supervise" else timezone.now()
    with freeze_time(later):
        if state in STEPS[action].sources:
            run(action, demand, user, units)
            assert DemandEvent.objects.filter(demand=demand).count() == events_before + 1
        else:
            with pytest.raises(ApplicationError) as exc:
                run(action, demand, user, units)
            # Signing twice says so plainly; every other misfit names the state and the step.
            expected = "already_signed" if (action, state) == ("sign", "handling") else "wrong_state"
            assert exc.value.code == expected
            assert exc.value.status == 409
            assert DemandEvent.objects.filter(demand=demand).count() == events_before
            demand.refresh_from_db()
            assert demand.state == state


ROLES = [
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
]
DISPATCHERS = {"community_worker", "community_head", "street_staff", "district_staff"}
HANDLERS = {"community_worker", "community_head"}  # members of 军门社区's unit
ALLOWED = {
    "classify": DISPATCHERS,
    "dispatch": DISPATCHERS,
    "sign": HANDLERS,
    "return": HANDLERS,
    "decide_return": {"street_staff"},  # one level up from the community
    "request_extension": HANDLERS,
    "decide_extension": {"street_staff"},
    "remind": {"street_staff", "district_staff"},
    "supervise": {"street_staff", "district_staff"},
    "reply": HANDLERS,
    "callback": {"street_staff", "district_staff"},
    "rate": {"resident"},
    "reopen": DISPATCHERS,
    "close": DISPATCHERS,
}
# Out of scope: the demand is not even shown (404); in scope without the right: 403.
HIDDEN = {
    "dagen_worker",
    "other_street_staff",
    "other_community_worker",
    "other_resident",
    "department_staff",
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(STEPS))
def test_step_by_role(action, role, demand_in, people, units):
    state = STEPS[action].sources[0]
    demand = prepare(action, state, demand_in, people)
    user = people[role]
    later = timezone.now() + dt.timedelta(days=40) if action == "supervise" else timezone.now()
    with freeze_time(later):
        if role in ALLOWED[action]:
            run(action, demand, user, units)
        else:
            with pytest.raises(ApplicationError) as exc:
                run(action, demand, user, units)
            if action == "rate":
                assert exc.value.code in ("not_owner", "phone_mismatch")
            elif role in HIDDEN:
                assert isinstance(exc.value, NotFound), exc.value
            else:
                assert isinstance(exc.value, PermissionDenied), exc.value
            demand.refresh_from_db()
            assert demand.state == state


def test_department_handles_its_own_demand(demand_in, people):
    demand = demand_in("dispatched", unit="department")
    services.demand_sign(demand=demand, by=people["department_staff"])
    with pytest.raises(PermissionDenied):
        services.demand_reply(
            demand=demand, by=people["community_worker"], reply="x", resolution_kind="referral"
        )
    services.demand_reply(
        demand=demand, by=people["department_staff"], reply="已修复", resolution_kind="referral"
    )
    # A department's disputed returns are decided by the district, not by a street.
    other = demand_in("return_pending", unit="department")
    with pytest.raises(PermissionDenied):
        services.return_decide(demand=other, by=people["street_staff"], accept=False)
    services.return_decide(demand=other, by=people["district_staff"], accept=False)
    other.refresh_from_db()
    assert other.state == "dispatched"


def test_full_loop_records_every_step_in_the_timeline(demand_in):
    demand = demand_in("closed")
    kinds = list(DemandEvent.objects.filter(demand=demand).values_list("kind", flat=True))
    assert kinds == ["created", "dispatched", "signed", "replied", "called_back", "closed"]
    ev = DemandEvent.objects.filter(demand=demand, kind="signed").get()
    assert (ev.from_state, ev.to_state, ev.unit.name) == ("dispatched", "handling", "军门社区")


def test_events_are_append_only(demand_in):
    ev = DemandEvent.objects.filter(demand=demand_in("submitted")).first()
    with pytest.raises(ValueError):
        ev.save()
    with pytest.raises(ValueError):
        ev.delete()


def test_unsatisfied_answer_reopens_for_the_same_unit(demand_in, people):
    demand = demand_in("called_back", satisfaction="unsatisfied", resolved=False)
    with pytest.raises(ApplicationError) as exc:
        services.demand_close(demand=demand, by=people["community_worker"])
    assert exc.value.code == "close_unsatisfied"
    services.demand_reopen(demand=demand, by=people["street_staff"], note="再次上门")
    demand.refresh_from_db()
    assert (demand.state, demand.reopen_count, demand.satisfaction) == ("handling", 1, "")
    assert demand.unit.name == "军门社区"


def test_satisfied_answer_cannot_be_reopened(demand_in, people):
    demand = demand_in("called_back")
    with pytest.raises(ApplicationError) as exc:
        services.demand_reopen(demand=demand, by=people["street_staff"])
    assert exc.value.code == "reopen_not_needed"


def test_reviewer_may_force_close_an_unsatisfied_demand_with_a_note(demand_in, people):
    demand = demand_in("called_back", satisfaction="unsatisfied", resolved=False)
    services.demand_close(demand=demand, by=people["street_staff"], force=True, note="诉求不合理，已解释")
    demand.refresh_from_db()
    assert demand.state == "closed"


def test_accepted_return_goes_back_to_the_queue_and_refused_back_to_the_unit(demand_in, people, units):
    demand = demand_in("return_pending")
    services.return_decide(demand=demand, by=people["street_staff"], accept=True, note="改派")
    demand.refresh_from_db()
    assert (demand.state, demand.unit_id, demand.due_at) == ("submitted", None, None)
    services.demand_dispatch(demand=demand, unit=units["street"], by=people["street_staff"])
    assert list(demand.assignments.values_list("outcome", flat=True)) == ["returned", "active"]

    refused = demand_in("return_pending")
    services.return_decide(demand=refused, by=people["street_staff"], accept=False, note="属本社区职责")
    refused.refresh_from_db()
    assert refused.state == "dispatched" and refused.unit == units["community"]
    # …and cannot be returned again for the same dispatch.
    with pytest.raises(ApplicationError) as exc:
        services.demand_return(demand=refused, by=people["community_worker"], reason="再退")
    assert exc.value.code == "return_already_refused"


def test_dispatch_needs_a_category_and_a_unit_serving_the_place(demand_in, people, units):
    demand = demand_in("submitted")
    with pytest.raises(ApplicationError) as exc:
        services.demand_dispatch(demand=demand, unit=units["community"], by=people["street_staff"])
    assert exc.value.code == "category_required"
    cat = Category.objects.get(code="env-noise")
    with pytest.raises(ApplicationError) as exc:
        services.demand_dispatch(
            demand=demand, unit=units["other_community"], by=people["street_staff"], category=cat
        )
    assert exc.value.code == "unit_out_of_area"
    with pytest.raises(ApplicationError) as exc:
        services.demand_classify(demand=demand, category=cat.parent, by=people["street_staff"])
    assert exc.value.code == "category_not_leaf"


def test_notifications_go_to_the_resident_and_the_unit(demand_in, people):
    from gongzhi.demands.models import Notification

    demand = demand_in("dispatched")
    resident_kinds = set(
        Notification.objects.filter(recipient=people["resident"]).values_list("kind", flat=True)
    )
    # Not told of their own submission (they saw the confirmation page), told of the dispatch.
    assert resident_kinds == {"dispatched"}
    assert Notification.objects.filter(recipient=people["community_worker"], kind="dispatched").count() == 1
    assert Notification.objects.filter(recipient=people["community_head"], kind="dispatched").count() == 1
    assert not Notification.objects.filter(recipient=people["dagen_worker"]).exists()
    assert demand.notifications.count() == 3


def test_signed_out_resident_is_told_by_sms_through_the_console_backend(people, junmen):
    from gongzhi.demands.notifications import ConsoleBackend

    ConsoleBackend.sent.clear()
    from django.contrib.auth.models import AnonymousUser

    demand = services.demand_create(
        by=AnonymousUser(),
        channel="web",
        title="路灯不亮",
        body="巷口路灯坏了",
        community=junmen,
        contact_phone="13912345678",
    )
    assert ConsoleBackend.sent[-1]["to"] == "139****5678"
    assert demand.tracking_code in ConsoleBackend.sent[-1]["body"]
