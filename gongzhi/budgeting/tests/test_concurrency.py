"""100 parallel ballots by one voter in a 微实事 round → exactly 1 (PostgreSQL, real threads)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection

from gongzhi.deliberation.tests.test_concurrency import _race, in_thread

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _setup(tag):
    from gongzhi.budgeting import services as s
    from gongzhi.core.models import Region, RoleAssignment, User
    from gongzhi.registry.models import Person

    community = Region.objects.get(code="350102004001")
    staff = User.objects.create(username=f"bc_staff_{tag}")
    RoleAssignment.objects.create(user=staff, role="community_worker", region=community)
    person = Person.objects.create(community=community, name="并发", sex="M", birth_date=dt.date(1980, 1, 1))
    voter = User.objects.create(username=f"bc_voter_{tag}", person=person)
    r = s.round_create(by=staff, region=community, title=f"并发{tag}", budget=100)
    p = s.project_propose(by=staff, round=r, title="A", cost=50)
    s.round_advance(by=staff, round=r, step="start_review")
    s.project_review(by=staff, project=p, feasible=True)
    s.round_advance(by=staff, round=r, step="start_voting")
    return {"staff": staff.pk, "voter": voter.pk, "round": r.pk, "person": person.pk, "project": p.pk}


def _teardown(ids):
    from gongzhi.budgeting.models import Round
    from gongzhi.core.models import RoleAssignment, User
    from gongzhi.registry.models import Person

    Round.objects.filter(pk=ids["round"]).delete()
    RoleAssignment.objects.filter(user_id__in=[ids["staff"], ids["voter"]]).delete()
    User.objects.filter(pk__in=[ids["staff"], ids["voter"]]).delete()
    Person.objects.filter(pk=ids["person"]).delete()


def test_hundred_parallel_budget_ballots_make_one():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real parallel connections)")
    ids = in_thread(_setup, uuid.uuid4().hex[:8])
    try:
        from gongzhi.budgeting import services as s
        from gongzhi.budgeting.models import Ballot, Round
        from gongzhi.core.models import User

        def cast():
            s.budget_ballot_cast(
                by=User.objects.get(pk=ids["voter"]),
                round=Round.objects.get(pk=ids["round"]),
                project_ids=[ids["project"]],
            )

        results = _race(100, cast)
        assert results.count("ok") == 1, results
        assert set(results) - {"ok"} == {"already_voted"}
        assert in_thread(lambda: Ballot.objects.filter(round_id=ids["round"]).count()) == 1
    finally:
        in_thread(_teardown, ids)
