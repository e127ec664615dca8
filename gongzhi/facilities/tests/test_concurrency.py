"""On PostgreSQL with real parallel connections: versions of a standard never collide, and a
month's ledger snapshot is written once however many runs take it at the same time."""

import threading

import pytest
from django.db import connection, connections

from gongzhi.core.errors import ApplicationError
from gongzhi.facilities.models import Standard
from gongzhi.facilities.services import standard_add
from gongzhi.ledgers.models import Snapshot
from gongzhi.ledgers.services import snapshots_take
from tests.factories import user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _parallel(fn, n):
    barrier = threading.Barrier(n)
    results: list = []

    def target():
        try:
            barrier.wait(10)
            results.append(fn())
        except ApplicationError as exc:
            results.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _run(fn):
    box: dict = {}

    def target():
        try:
            box["v"] = fn()
        finally:
            connections.close_all()

    t = threading.Thread(target=target)
    t.start()
    t.join(60)
    return box.get("v")


def test_parallel_versions_of_a_standard():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real parallel connections)")
    user = _run(lambda: user_with_role("district_staff", "350102"))

    def add():
        return standard_add(
            code="pg-race", title="t", source="s", kind="minimum_area", parameters={"minimum": 1}, by=user
        ).version

    try:
        first = _parallel(add, 6)
        assert all(isinstance(r, int) or r == "standard_changed" for r in first), first
        then = _parallel(add, 6)  # the code exists now: the row lock queues them, none is refused
        versions = sorted(
            _run(lambda: list(Standard.objects.filter(code="pg-race").values_list("version", flat=True)))
        )
        assert versions == list(range(1, len(versions) + 1))
        assert (
            all(isinstance(r, int) for r in then)
            and len(versions) == sum(isinstance(r, int) for r in first) + 6
        )
    finally:
        _run(lambda: (Standard.objects.filter(code="pg-race").delete(), user.delete()))


def test_parallel_snapshots_of_a_month():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real parallel connections)")
    take = lambda: snapshots_take(region_code="350102004001", period="1999-01", keys=["registry.residents"])  # noqa: E731
    try:
        results = _parallel(take, 4)
        assert sorted(results) == [0, 0, 0, 1], results
        assert _run(lambda: Snapshot.objects.filter(period="1999-01").count()) == 1
    finally:
        _run(lambda: Snapshot.objects.filter(period="1999-01")._raw_delete(Snapshot.objects.db))
