"""Two administrators give the same user the same role at the same moment: exactly one
assignment is made (PostgreSQL, real threads, each on its own connection; see
gongzhi/demands/tests/test_concurrency.py for why the rows are committed and removed here)."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from django.db import connection, connections

from gongzhi.demands.tests.test_concurrency import in_thread

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _setup(tag: str):
    from gongzhi.core.models import RoleAssignment, User

    admins = []
    for n in (1, 2):
        admin = User.objects.create(username=f"uc_admin{n}_{tag}")
        RoleAssignment.objects.create(user=admin, role="system_admin", region_id="350102")
        admins.append(admin)
    target = User.objects.create(username=f"uc_target_{tag}")
    RoleAssignment.objects.create(user=target, role="resident", region_id="350102004001")
    return admins, target


def _teardown(admins, target):
    from gongzhi.core.models import ChangeRecord, RoleAssignment, User

    ids = [u.pk for u in [*admins, target]]
    ChangeRecord.objects.filter(object_type="core.user", object_id__in=[str(i) for i in ids]).delete()
    RoleAssignment.objects.filter(user_id__in=ids).delete()
    User.objects.filter(pk__in=ids).delete()


def _grid_roles(target):
    from gongzhi.core.models import ChangeRecord, RoleAssignment

    return (
        RoleAssignment.objects.filter(user=target, role="grid_worker", active=True).count(),
        ChangeRecord.objects.filter(object_id=str(target.pk), action="role_assign").count(),
    )


def test_two_admins_assign_the_same_role_at_once(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real parallel connections)")
    from gongzhi.core import users
    from gongzhi.core.errors import ApplicationError
    from gongzhi.core.models import Region

    admins, target = in_thread(_setup, uuid.uuid4().hex[:8])
    # Widen the race: pause after the scope check, before the assignment is written.
    original = users._check_scope

    def slow_check(**kwargs):
        code = original(**kwargs)
        time.sleep(0.3)
        return code

    monkeypatch.setattr(users, "_check_scope", slow_check)
    try:
        barrier = threading.Barrier(2)
        results: dict[str, str] = {}

        def assign(admin):
            try:
                community = Region.objects.get(code="350102004001")
                barrier.wait(timeout=10)
                users.role_assign(by=admin, user=target, role="grid_worker", region=community)
                results[admin.username] = "ok"
            except ApplicationError as exc:
                results[admin.username] = exc.code
            finally:
                connections.close_all()

        threads = [threading.Thread(target=assign, args=(a,)) for a in admins]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert sorted(results.values()) == ["already_assigned", "ok"], results
        assert in_thread(_grid_roles, target) == (1, 1)
    finally:
        in_thread(_teardown, admins, target)
