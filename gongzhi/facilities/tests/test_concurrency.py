"""On PostgreSQL with real parallel connections: versions of a standard never collide, and a
month's ledger snapshot is written once however many runs take it at the same time."""

import pytest
from django.db import connection

from gongzhi.facilities.models import Standard
from gongzhi.facilities.services import standard_add
from gongzhi.ledgers.models import Snapshot
from gongzhi.ledgers.services import snapshots_take
from tests.concurrency import in_thread, race
from tests.factories import user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_parallel_versions_of_a_standard():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real parallel connections)")
    user = in_thread(lambda: user_with_role("district_staff", "350102"))

    def add():
        return standard_add(
            code="pg-race",
            title="t",
            source="s",
            kind="minimum_area",
            parameters={"minimum": 1},
            scope="350102",
            by=user,
        ).version

    try:
        first = race(6, add)
        assert all(isinstance(r, int) or r == "standard_changed" for r in first), first
        then = race(6, add)  # the code exists now: the row lock queues them, none is refused
        versions = sorted(
            in_thread(lambda: list(Standard.objects.filter(code="pg-race").values_list("version", flat=True)))
        )
        assert versions == list(range(1, len(versions) + 1))
        assert (
            all(isinstance(r, int) for r in then)
            and len(versions) == sum(isinstance(r, int) for r in first) + 6
        )
    finally:
        in_thread(lambda: (Standard.objects.filter(code="pg-race").delete(), user.delete()))


def test_parallel_snapshots_of_a_month():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real parallel connections)")
    take = lambda: snapshots_take(region_code="350102004001", period="1999-01", keys=["registry.residents"])  # noqa: E731
    try:
        results = race(4, take)
        assert sorted(results) == [0, 0, 0, 1], results
        assert in_thread(lambda: Snapshot.objects.filter(period="1999-01").count()) == 1
    finally:
        in_thread(lambda: Snapshot.objects.filter(period="1999-01")._raw_delete(Snapshot.objects.db))
