"""The handler's home panel (to sign, overdue, returned, due today) and work list order; the
grid worker's 我上报的 and intake channel."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.demands import selectors, services
from gongzhi.demands.models import Demand

from .conftest import JUNMEN, OTHER_STREET_COMMUNITY

pytestmark = pytest.mark.django_db


def _set(demand, **fields):
    Demand.objects.filter(pk=demand.pk).update(**fields)
    demand.refresh_from_db()
    return demand


@pytest.fixture
def work(demand_in):
    """One demand per filter at 军门社区's unit, deadlines set relative to now."""
    now = timezone.now()
    end_of_today = timezone.localtime(now).replace(hour=23, minute=59, second=59, microsecond=0)
    # A demand waiting to be signed for, its signing deadline soon, its handling deadline late.
    to_sign = _set(
        demand_in("dispatched"),
        sign_deadline=now + dt.timedelta(minutes=30),
        due_at=now + dt.timedelta(days=9),
    )
    overdue = _set(demand_in("handling"), due_at=now - dt.timedelta(hours=3))
    due_today = _set(demand_in("handling"), due_at=end_of_today)
    later = _set(demand_in("handling"), due_at=now + dt.timedelta(days=3))
    returned = _set(demand_in("return_pending"), due_at=now + dt.timedelta(days=4))
    replied = demand_in("replied")
    return {
        "to_sign": to_sign,
        "overdue": overdue,
        "due_today": due_today,
        "later": later,
        "returned": returned,
        "replied": replied,
    }


def test_work_list_puts_the_nearest_deadline_first(client, people, work):
    client.force_login(people["community_worker"])
    response = client.get(reverse("demands:work_list"))
    order = [d.pk for d in response.context["page"]]
    expected = [
        work["overdue"].pk,  # past its handling deadline
        work["to_sign"].pk,  # signing due in 30 minutes, although its handling deadline is in 9 days
        work["due_today"].pk,
        work["later"].pk,
        work["returned"].pk,
        work["replied"].pk,  # answered: no deadline binds the handler, last
    ]
    assert order == expected


def test_community_worker_home_shows_the_counts_with_links(client, people, work):
    user = people["community_worker"]
    client.force_login(user)
    html = client.get(reverse("web:home")).content.decode()
    summary = selectors.work_summary(user=user)
    now = timezone.now()
    end = timezone.localtime(now).replace(hour=23, minute=59, second=59, microsecond=999999)
    deadlines = {
        "to_sign": work["to_sign"].sign_deadline,
        "due_today": work["due_today"].due_at,
        "later": work["later"].due_at,
        "returned": work["returned"].due_at,
    }
    expected = {
        "to_sign": {work["to_sign"].pk},
        "overdue": {work["overdue"].pk},
        "returned": {work["returned"].pk},
        # the signing deadline in 30 minutes is today too, unless it is nearly midnight
        "due_today": {work[k].pk for k, d in deadlines.items() if now <= d <= end},
    }
    assert summary == {k: len(v) for k, v in expected.items()}
    assert summary["overdue"] == 1 and work["due_today"].pk in expected["due_today"]
    for key, n in summary.items():
        link = re.search(
            rf'<a class="stat[^"]*" href="([^"]+)" data-testid="home-demands-{key}">'
            rf'<span class="num">(\d+)</span>',
            html,
        )
        assert link is not None, key
        assert int(link.group(2)) == n
        assert link.group(1) == f"{reverse('demands:work_list')}?due={key}"
        listed = {d.pk for d in client.get(link.group(1)).context["page"]}
        assert listed == expected[key]


def test_home_counts_follow_the_data(client, people, work):
    services.demand_sign(demand=work["to_sign"], by=people["community_worker"])
    summary = selectors.work_summary(user=people["community_worker"])
    assert summary["to_sign"] == 0


def test_home_panel_only_for_handlers(client, people, work):
    client.force_login(people["resident"])
    assert 'data-testid="home-demands"' not in client.get(reverse("web:home")).content.decode()
    client.force_login(people["street_staff"])  # a member of the street's unit: nothing there yet
    html = client.get(reverse("web:home")).content.decode()
    assert 'data-testid="home-demands-to_sign"' in html


def test_unknown_work_filter_is_ignored(client, people, work):
    client.force_login(people["community_worker"])
    response = client.get(reverse("demands:work_list") + "?due=drop-table")
    assert response.status_code == 200 and len(response.context["page"]) == 6


# --------------------------------------------------------------------------- grid workers


def _intake(client, user, community=JUNMEN, channel=None):
    client.force_login(user)
    data = {"title": "楼道堆放杂物", "body": "3号楼楼道堆满纸箱，消防通道不畅。", "community": community}
    data["channel"] = channel or "grid_visit"
    return client.post(reverse("demands:intake"), data)


def test_intake_defaults_to_grid_visit_for_grid_workers(client, people):
    client.force_login(people["grid_worker"])
    form = client.get(reverse("demands:intake")).context["form"]
    assert form["channel"].value() == "grid_visit"
    assert form["community"].value() == JUNMEN  # their only community, chosen already
    client.force_login(people["community_worker"])
    form = client.get(reverse("demands:intake")).context["form"]
    assert form["channel"].value() == "hotline"


def test_grid_worker_lists_what_they_reported(client, people, demand_in):
    demand_in("handling")  # a resident's own demand: not the grid worker's
    assert _intake(client, people["grid_worker"]).status_code == 302
    assert _intake(client, people["community_worker"]).status_code == 302  # someone else's report
    client.force_login(people["grid_worker"])
    response = client.get(reverse("demands:work_list"))
    assert response.status_code == 302 and response["Location"] == reverse("demands:reported")
    page = client.get(reverse("demands:reported"))
    rows = list(page.context["page"])
    assert [(d.channel, d.created_by_id) for d in rows] == [("grid_visit", people["grid_worker"].pk)]
    assert "楼道堆放杂物" in page.content.decode()


def test_reported_list_stays_in_scope(client, people, make_user):
    from gongzhi.core.models import RoleAssignment

    grid = people["grid_worker"]
    _intake(client, grid)
    # The grid worker moves to another community: what they reported in 军门社区 is no longer theirs to see.
    RoleAssignment.objects.filter(user=grid).update(region_id=OTHER_STREET_COMMUNITY)
    from gongzhi.core.scoping import clear_cache

    clear_cache(grid)
    assert list(selectors.reported_by(user=grid)) == []


def test_reported_page_refused_without_intake(client, people):
    client.force_login(people["resident"])
    assert client.get(reverse("demands:reported")).status_code == 403
