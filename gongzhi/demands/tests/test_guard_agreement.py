"""Page, API and service agree on what a user may do now, for every demand state × role × step.

For each situation (every state, a pending extension, a pending return, a call-back that left the
resident unsatisfied, a deadline passed) and each role around 军门社区:
- the API's `allowed_actions` is taken from GET /api/demands/{id};
- the detail page's buttons from its `data-action` forms;
- every step's service is called with valid input inside a rolled-back savepoint.
A step is in the API's list exactly when its service succeeds, and the page shows exactly the API's
list, less the steps drawn elsewhere (workflow.NOT_BUTTONS: the dispatch form classifies too; the
resident rates on the tracking page). Before the one guard, a freshly signed demand offered street
staff `decide_extension`, `remind` and `supervise` in the API, `remind` alone on the page, and
`supervise` answered 400.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import transaction
from freezegun import freeze_time

from gongzhi.core.errors import ApplicationError
from gongzhi.demands import services
from gongzhi.demands.workflow import NOT_BUTTONS, STEPS

pytestmark = pytest.mark.django_db

ROLES = [
    "resident",
    "other_resident",
    "grid_worker",
    "community_worker",
    "community_head",
    "street_staff",
    "district_staff",
    "department_staff",
    "other_street_staff",
]


class _Rollback(Exception):
    pass


def _service_calls(units, category):
    return {
        "classify": lambda d, u: services.demand_classify(demand=d, category=category, by=u),
        "dispatch": lambda d, u: services.demand_dispatch(
            demand=d, unit=units["community"], by=u, category=category
        ),
        "sign": lambda d, u: services.demand_sign(demand=d, by=u),
        "return": lambda d, u: services.demand_return(demand=d, by=u, reason="不属于本单位职责"),
        "decide_return": lambda d, u: services.return_decide(demand=d, by=u, accept=True),
        "request_extension": lambda d, u: services.extension_request(
            demand=d, by=u, reason="等待配件", working_days=3
        ),
        "decide_extension": lambda d, u: services.extension_decide(demand=d, by=u, approve=True),
        "remind": lambda d, u: services.demand_remind(demand=d, by=u, note="请尽快办理"),
        "supervise": lambda d, u: services.demand_supervise(demand=d, by=u, note="已超期"),
        "reply": lambda d, u: services.demand_reply(
            demand=d, by=u, reply="已维修。", resolution_kind="deliberation"
        ),
        "callback": lambda d, u: services.demand_callback(
            demand=d, by=u, satisfaction="satisfied", resolved=True
        ),
        "rate": lambda d, u: services.demand_rate(demand=d, by=u, satisfaction="satisfied", resolved=True),
        "reopen": lambda d, u: services.demand_reopen(demand=d, by=u, note="居民不满意"),
        "close": lambda d, u: services.demand_close(demand=d, by=u, note="经确认办结", force=True),
    }


def _service_allows(call, demand, user) -> bool:
    from gongzhi.demands.models import Demand

    fresh = Demand.objects.get(pk=demand.pk)
    try:
        with transaction.atomic():
            call(fresh, user)
            raise _Rollback
    except _Rollback:
        return True
    except ApplicationError:
        return False


def _api_actions(client, demand) -> list[str]:
    response = client.get(f"/api/demands/{demand.pk}")
    if response.status_code != 200:
        return []
    return response.json()["allowed_actions"]


def _page_actions(client, demand) -> list[str]:
    response = client.get(f"/demands/{demand.pk}/")
    if response.status_code != 200:
        return []
    return re.findall(r'data-action="([a-z_]+)"', response.content.decode())


def _situations(demand_in, people):
    def with_extension():
        d = demand_in("handling")
        services.extension_request(demand=d, by=people["community_worker"], reason="等待配件", working_days=2)
        return d

    return {
        "submitted": lambda: demand_in("submitted"),
        "dispatched": lambda: demand_in("dispatched"),
        "return_pending": lambda: demand_in("return_pending"),
        "handling": lambda: demand_in("handling"),
        "handling_extension_pending": with_extension,
        "replied": lambda: demand_in("replied"),
        "called_back": lambda: demand_in("called_back"),
        "called_back_unsatisfied": lambda: demand_in(
            "called_back", satisfaction="unsatisfied", resolved=False
        ),
        "closed": lambda: demand_in("closed"),
    }


SITUATIONS = [
    ("submitted", False),
    ("dispatched", False),
    ("dispatched", True),
    ("return_pending", False),
    ("return_pending", True),
    ("handling", False),
    ("handling", True),
    ("handling_extension_pending", False),
    ("handling_extension_pending", True),
    ("replied", False),
    ("called_back", False),
    ("called_back_unsatisfied", False),
    ("closed", False),
]


# `later`: 30 days on, every window and deadline has passed (only where one applies).
@pytest.mark.parametrize("situation,later", SITUATIONS)
def test_page_api_and_service_agree(client, demand_in, people, units, category, situation, later):
    with freeze_time("2026-03-02 10:00:00+08:00") as frozen:  # a Monday morning, a working day
        demand = _situations(demand_in, people)[situation]()
        if later:
            frozen.tick(dt.timedelta(days=30))  # every window and deadline has passed
        calls = _service_calls(units, category)
        for role in ROLES:
            user = people[role]
            client.force_login(user)
            api = _api_actions(client, demand)
            page = _page_actions(client, demand)
            served = [step for step in STEPS if _service_allows(calls[step], demand, user)]
            assert api == served, (situation, role, api, served)
            expected_page = [
                a for a in api if a not in NOT_BUTTONS or (NOT_BUTTONS[a] and NOT_BUTTONS[a] not in api)
            ]
            assert page == expected_page, (situation, role, page, expected_page)
            client.logout()


def test_a_freshly_signed_demand_offers_street_staff_only_what_it_may_do(client, demand_in, people):
    """The case the issue found: API, page and service disagreed right after signing."""
    with freeze_time("2026-03-02 10:00:00+08:00"):
        demand = demand_in("handling")
        client.force_login(people["street_staff"])
        api = _api_actions(client, demand)
        assert "supervise" not in api and "decide_extension" not in api
        assert "remind" in api
        assert _page_actions(client, demand) == [a for a in api if a != "classify"]
