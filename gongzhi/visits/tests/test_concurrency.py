"""Two uploads race on PostgreSQL with real parallel connections: the same confirmation code
confirms one visit only; the same client id (a replayed offline upload) makes one visit only.
Rows are committed in other threads (autocommit) and removed afterwards (pattern:
gongzhi/demands/tests/test_concurrency.py)."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection, connections

from tests.concurrency import in_thread

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
C = "350102004001"


def _setup(tag):
    from gongzhi.core.models import RoleAssignment, User
    from gongzhi.registry.models import Building, Dwelling, Estate, Household

    estate = Estate.objects.create(community_id=C, name=f"并发小区{tag}")
    building = Building.objects.create(community_id=C, estate=estate, name="1号楼")
    dwelling = Dwelling.objects.create(community_id=C, building=building, number="101")
    # the head's registered phone is where a confirmation code is sent
    from tests.factories import PersonFactory

    head = PersonFactory(dwelling=dwelling)
    household = Household.objects.create(community_id=C, number=f"CC{tag}", dwelling=dwelling, head=head)
    users = []
    for i in range(2):
        u = User.objects.create(username=f"vc_{i}_{tag}")
        RoleAssignment.objects.create(user=u, role="grid_worker", region_id=C)
        users.append(u)
    return household.pk, [u.pk for u in users], estate.pk


def _teardown(household_pk, user_pks, estate_pk):
    from gongzhi.core.models import RoleAssignment, User
    from gongzhi.registry.models import Building, Dwelling, Estate, Household, Person
    from gongzhi.visits.models import ConfirmationCode, ItemEvent, LedgerItem, Visit

    ItemEvent.objects.filter(item__household_id=household_pk)._raw_delete(using="default")
    LedgerItem.objects.filter(household_id=household_pk).delete()
    Visit.objects.filter(household_id=household_pk)._raw_delete(using="default")
    ConfirmationCode.objects.filter(household_id=household_pk).delete()
    Household.objects.filter(pk=household_pk).delete()
    Person.objects.filter(dwelling__building__estate_id=estate_pk).delete()
    Dwelling.objects.filter(building__estate_id=estate_pk).delete()
    Building.objects.filter(estate_id=estate_pk).delete()
    Estate.objects.filter(pk=estate_pk).delete()
    RoleAssignment.objects.filter(user_id__in=user_pks).delete()
    User.objects.filter(pk__in=user_pks).delete()


def _race(household_pk, user_pks, **kwargs_for):
    """Both workers record a visit at the same moment; returns their outcomes."""
    from gongzhi.core.errors import ApplicationError
    from gongzhi.core.models import User
    from gongzhi.registry.models import Household
    from gongzhi.visits import services

    barrier = threading.Barrier(2)
    results: list = []

    def record(user_pk, kwargs):
        try:
            user = User.objects.get(pk=user_pk)
            h = Household.objects.get(pk=household_pk)
            barrier.wait(timeout=10)
            v = services.visit_record(household=h, by=user, met="户主", situation="并发", **kwargs)
            results.append(("ok", v.pk, v.replayed))
        except ApplicationError as exc:
            results.append((exc.code, None, None))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=record, args=(pk, kw))
        for pk, kw in zip(user_pks, kwargs_for["kwargs"], strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def _visits(household_pk):
    from gongzhi.visits.models import Visit

    return Visit.objects.filter(household_id=household_pk).count()


def _code(household_pk, user_pk):
    from gongzhi.core.models import User
    from gongzhi.registry.models import Household
    from gongzhi.visits import services

    return services.confirmation_code_issue(
        household=Household.objects.get(pk=household_pk), by=User.objects.get(pk=user_pk)
    ).code


def test_one_code_confirms_one_visit_under_parallel_uploads():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real parallel connections)")
    household_pk, user_pks, estate_pk = in_thread(_setup, uuid.uuid4().hex[:8])
    try:
        code = in_thread(_code, household_pk, user_pks[0])
        results = _race(household_pk, user_pks, kwargs=[{"confirmation_code": code}] * 2)
        assert sorted(r[0] for r in results) == ["code_used", "ok"], results
        assert in_thread(_visits, household_pk) == 1
    finally:
        in_thread(_teardown, household_pk, user_pks, estate_pk)


def test_a_replayed_upload_makes_one_visit_under_parallel_uploads():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real parallel connections)")
    household_pk, user_pks, estate_pk = in_thread(_setup, uuid.uuid4().hex[:8])
    try:
        key = str(uuid.uuid4())
        same_worker = [user_pks[0], user_pks[0]]
        results = _race(household_pk, same_worker, kwargs=[{"client_uuid": key, "raised": "楼道灯不亮"}] * 2)
        assert [r[0] for r in results] == ["ok", "ok"], results
        assert results[0][1] == results[1][1] and sorted(r[2] for r in results) == [False, True]
        assert in_thread(_visits, household_pk) == 1
    finally:
        in_thread(_teardown, household_pk, user_pks, estate_pk)
