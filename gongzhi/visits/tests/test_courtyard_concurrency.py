"""Two staff record overlapping 准物业 arrangements for one courtyard at the same moment, on
PostgreSQL with real parallel connections: the lock on the estate lets one through and refuses
the others (courtyards.arrangement_record)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from tests.concurrency import in_thread, race, require_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
C = "350102004001"


def _setup() -> dict:
    from tests.factories import EstateFactory, user_with_role

    head = user_with_role("community_head", C)
    estate = EstateFactory(name="并发测试老院落", has_property_management=False)
    return {"head": head.pk, "estate": estate.pk}


def _teardown(ids: dict) -> None:
    from gongzhi.core.models import RoleAssignment, User
    from gongzhi.registry.models import Estate
    from gongzhi.visits.models import QuasiPropertyArrangement

    QuasiPropertyArrangement.objects.filter(estate_id=ids["estate"]).delete()
    Estate.objects.filter(pk=ids["estate"]).delete()
    RoleAssignment.objects.filter(user_id=ids["head"]).delete()
    User.objects.filter(pk=ids["head"]).delete()


def _count(estate_pk: int) -> int:
    from gongzhi.visits.models import QuasiPropertyArrangement

    return QuasiPropertyArrangement.objects.filter(estate_id=estate_pk).count()


def test_parallel_overlapping_arrangements_make_one():
    require_postgres()
    from gongzhi.core.models import User
    from gongzhi.registry.models import Estate
    from gongzhi.visits import courtyards

    ids = in_thread(_setup)
    try:
        counter = itertools.count()

        def record():
            i = next(counter)
            return courtyards.arrangement_record(
                estate=Estate.objects.get(pk=ids["estate"]),
                by=User.objects.get(pk=ids["head"]),
                provider_name=f"自管小组{i}",
                services=["cleaning"],
                starts_on=dt.date(2026, 1, 1) + dt.timedelta(days=i),
            ).pk

        n = 6
        results = race(n, record)
        made = [r for r in results if isinstance(r, int)]
        refused = [r for r in results if isinstance(r, str)]  # a refusal comes back as its code
        assert len(made) == 1 and len(refused) == n - 1, results
        assert set(refused) == {"overlapping_arrangement"}
        assert in_thread(_count, ids["estate"]) == 1
    finally:
        in_thread(_teardown, ids)
