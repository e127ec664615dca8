"""Two handlers sign for the same demand at the same moment: exactly one succeeds.

Runs on PostgreSQL only, with real threads, each on its own connection. The test's own
connection sits inside the per-test transaction, so every read and write here happens in
other threads (autocommit): the rows are really committed, the two signers really race,
and the rows are removed afterwards. (A TransactionTestCase-style flush would also wipe the
shared region tree and the seeded reference data for the tests that follow.)
"""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from django.db import connection, connections

from tests.concurrency import in_thread

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _setup(tag: str):
    from gongzhi.core.models import Region, RoleAssignment, User
    from gongzhi.demands import services
    from gongzhi.demands.models import Category, HandlingUnit
    from gongzhi.demands.units import unit_for_region

    existing_units = set(HandlingUnit.objects.values_list("id", flat=True))
    community = Region.objects.get(code="350102004001")
    unit = unit_for_region(community)
    users = []
    for name, role, code in [
        ("street", "street_staff", "350102004"),
        ("worker", "community_worker", "350102004001"),
        ("head", "community_head", "350102004001"),
    ]:
        user = User.objects.create(username=f"cc_{name}_{tag}")
        RoleAssignment.objects.create(user=user, role=role, region_id=code)
        users.append(user)
    demand = services.demand_create(
        by=users[0], channel="hotline", title="并发签收", body="两人同时签收", community=community
    )
    services.demand_dispatch(
        demand=demand, unit=unit, by=users[0], category=Category.objects.get(code="env-noise")
    )
    return demand.pk, users, existing_units


def _teardown(demand_pk, users, existing_units):
    from gongzhi.core.models import RoleAssignment, User
    from gongzhi.demands.models import Demand, HandlingUnit

    Demand.objects.filter(pk=demand_pk).delete()
    RoleAssignment.objects.filter(user__in=users).delete()
    User.objects.filter(pk__in=[u.pk for u in users]).delete()
    created = HandlingUnit.objects.exclude(id__in=existing_units)
    for unit in sorted(created, key=lambda u: -len(u.region_id)):  # children before parents
        unit.delete()


def _state(demand_pk):
    from gongzhi.demands.models import Demand, DemandEvent

    return Demand.objects.get(pk=demand_pk).state, DemandEvent.objects.filter(
        demand_id=demand_pk, kind="signed"
    ).count()


def test_two_handlers_sign_at_once_exactly_one_succeeds(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real parallel connections)")
    from gongzhi.core.errors import ApplicationError
    from gongzhi.demands import services
    from gongzhi.demands.models import Demand

    demand_pk, users, existing_units = in_thread(_setup, uuid.uuid4().hex[:8])
    # Widen the race: pause between reading the demand and writing it, so that without the
    # row lock both signers would pass the state check and both would "succeed".
    original_step = services._step

    def slow_step(*args, **kwargs):
        original_step(*args, **kwargs)
        time.sleep(0.3)

    monkeypatch.setattr(services, "_step", slow_step)
    try:
        barrier = threading.Barrier(2)
        results: dict[str, str] = {}

        def sign(user):
            try:
                d = Demand.objects.get(pk=demand_pk)  # both read "dispatched" before either signs
                barrier.wait(timeout=10)
                services.demand_sign(demand=d, by=user)
                results[user.username] = "ok"
            except ApplicationError as exc:
                results[user.username] = exc.code
            finally:
                connections.close_all()

        threads = [threading.Thread(target=sign, args=(u,)) for u in users[1:]]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert sorted(results.values()) == ["already_signed", "ok"], results
        assert in_thread(_state, demand_pk) == ("handling", 1)
    finally:
        in_thread(_teardown, demand_pk, users, existing_units)
