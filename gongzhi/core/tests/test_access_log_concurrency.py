"""One user fires many reveals at the same moment: exactly the hourly limit succeed, and the
chain stays one line (issue 7, item 6).

Runs on PostgreSQL only, with real threads, each on its own connection, committing for real
(the pattern of gongzhi/demands/tests/test_concurrency.py); what they wrote is removed and
the chain head restored afterwards.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection, connections

from gongzhi.demands.tests.test_concurrency import in_thread

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

LIMIT = 3
THREADS = 8


def _setup(tag: str):
    from gongzhi.core.models import AccessLogHead, RoleAssignment, User

    head = AccessLogHead.objects.filter(id=1).values("entries", "last_hash").first()
    user = User.objects.create(username=f"burst_{tag}")
    RoleAssignment.objects.create(user=user, role="grid_worker", region_id="350102004001")
    return user, head


def _teardown(user, head):
    from gongzhi.core.models import AccessLogEntry, AccessLogHead, RoleAssignment, User

    AccessLogEntry.objects.filter(user=user)._raw_delete(AccessLogEntry.objects.db)
    if head is None:
        AccessLogHead.objects.filter(id=1).delete()
    else:
        AccessLogHead.objects.filter(id=1).update(**head)
    RoleAssignment.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).delete()


def _outcome(user):
    from gongzhi.core.audit import access_log_verify
    from gongzhi.core.models import AccessLogEntry

    return AccessLogEntry.objects.filter(user=user, action="reveal").count(), access_log_verify()


def test_a_burst_of_reveals_stops_exactly_at_the_limit(settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real parallel connections)")
    from gongzhi.core.audit import access_log_record
    from gongzhi.core.errors import ApplicationError

    settings.GONGZHI_REVEAL_LIMIT_PER_HOUR = LIMIT
    user, head = in_thread(_setup, uuid.uuid4().hex[:8])
    try:
        barrier = threading.Barrier(THREADS)
        results: list[str] = []
        lock = threading.Lock()

        def reveal(i):
            try:
                barrier.wait(timeout=10)
                access_log_record(
                    user=user,
                    action="reveal",
                    object_type="registry.person",
                    object_id=str(i),
                    community_code="350102004001",
                    purpose="home_visit",
                )
                outcome = "ok"
            except ApplicationError as exc:
                outcome = exc.code
            finally:
                connections.close_all()
            with lock:
                results.append(outcome)

        threads = [threading.Thread(target=reveal, args=(i,)) for i in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert sorted(results) == ["ok"] * LIMIT + ["reveal_limit"] * (THREADS - LIMIT), results
        count, verified = in_thread(_outcome, user)
        assert count == LIMIT
        assert verified.ok, verified
    finally:
        in_thread(_teardown, user, head)
