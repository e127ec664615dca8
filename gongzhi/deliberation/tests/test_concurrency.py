"""One vote per voter per poll, enforced by the database: 100 parallel submissions → 1 ballot;
a paper code used twice in parallel → 1. PostgreSQL only, real threads on their own connections
(the pattern of gongzhi/demands/tests/test_concurrency.py: rows really committed, removed after)."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid

import pytest
from django.db import OperationalError, connection, connections

from tests.concurrency import in_thread

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _setup(tag):
    from gongzhi.core import clock
    from gongzhi.core.models import Region, RoleAssignment, User
    from gongzhi.deliberation import poll_services as ps
    from gongzhi.deliberation import services as s
    from gongzhi.registry.models import Household, HouseholdMember, Person

    community = Region.objects.get(code="350102004001")
    staff = User.objects.create(username=f"dc_staff_{tag}")
    RoleAssignment.objects.create(user=staff, role="community_worker", region=community)
    person = Person.objects.create(community=community, name="并发", sex="M", birth_date=dt.date(1980, 1, 1))
    household = Household.objects.create(community=community, number=f"C{tag}", head=person)
    HouseholdMember.objects.create(household=household, person=person, relationship="02", community=community)
    voter = User.objects.create(username=f"dc_voter_{tag}", person=person)
    RoleAssignment.objects.create(user=voter, role="resident", region=community)
    council = s.council_create(by=staff, region=community, level="community", name=f"并发议事会{tag}")
    poll = ps.poll_create(
        by=staff,
        council=council,
        title="并发",
        kind="household",
        options=["同意", "不同意"],
        closes_at=clock.now() + dt.timedelta(days=1),
    )
    # Only this household on the roll: open with the region narrowed is not possible, so freeze by hand.
    ps.poll_open(by=staff, poll=poll)
    return {
        "staff": staff.pk,
        "voter": voter.pk,
        "poll": poll.pk,
        "council": council.pk,
        "person": person.pk,
        "household": household.pk,
    }


def _teardown(ids):
    from gongzhi.core.models import RoleAssignment, User
    from gongzhi.deliberation.models import Council
    from gongzhi.deliberation.polls import Ballot, Poll
    from gongzhi.registry.models import Household, HouseholdMember, Person

    Ballot.objects.filter(poll_id=ids["poll"]).delete()
    Poll.objects.filter(pk=ids["poll"]).delete()
    Council.objects.filter(pk=ids["council"]).delete()
    RoleAssignment.objects.filter(user_id__in=[ids["staff"], ids["voter"]]).delete()
    User.objects.filter(pk__in=[ids["staff"], ids["voter"]]).delete()
    HouseholdMember.objects.filter(household_id=ids["household"]).delete()
    Household.objects.filter(pk=ids["household"]).delete()
    Person.objects.filter(pk=ids["person"]).delete()


def _race(n, fn):
    barrier = threading.Barrier(n)
    results: list = []
    lock = threading.Lock()

    def run():
        barrier.wait(timeout=60)
        for attempt in range(30):
            try:
                fn()
                out = "ok"
            except OperationalError as exc:
                # The shared server may be out of connection slots: the client tries again later.
                out = repr(exc)
                if "too many clients" in str(exc) and attempt < 29:
                    connections.close_all()
                    time.sleep(0.2 + 0.1 * attempt)
                    continue
            except Exception as exc:  # noqa: BLE001
                out = getattr(exc, "code", repr(exc))
            break
        connections.close_all()
        with lock:
            results.append(out)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    return results


def test_hundred_parallel_ballots_by_one_voter_make_one():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real parallel connections)")
    tag = uuid.uuid4().hex[:8]
    ids = in_thread(_setup, tag)
    try:
        from gongzhi.core.models import User
        from gongzhi.deliberation import poll_services as ps
        from gongzhi.deliberation.polls import Ballot, Poll, VoteRecord

        def cast():
            poll = Poll.objects.get(pk=ids["poll"])
            ps.ballot_cast(by=User.objects.get(pk=ids["voter"]), poll=poll, option_id=poll.options.first().pk)

        results = _race(100, cast)
        assert results.count("ok") == 1, results
        assert set(results) - {"ok"} == {"already_voted"}
        key = f"h:{ids['household']}"
        assert in_thread(lambda: VoteRecord.objects.filter(poll_id=ids["poll"], voter=key).count()) == 1
        assert in_thread(lambda: Ballot.objects.filter(poll_id=ids["poll"]).count()) == 1
    finally:
        in_thread(_teardown, ids)


def test_paper_code_in_parallel_and_online_after_paper():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real parallel connections)")
    tag = uuid.uuid4().hex[:8]
    ids = in_thread(_setup, tag)
    try:
        from gongzhi.core.models import User
        from gongzhi.deliberation import poll_services as ps
        from gongzhi.deliberation.polls import Ballot, Poll

        key = f"h:{ids['household']}"
        codes = in_thread(
            lambda: ps.paper_codes_issue(
                by=User.objects.get(pk=ids["staff"]), poll=Poll.objects.get(pk=ids["poll"]), voters=[key]
            )
        )
        code = codes[0][1]

        def enter():
            poll = Poll.objects.get(pk=ids["poll"])
            ps.paper_ballot_enter(
                by=User.objects.get(pk=ids["staff"]), poll=poll, code=code, option_id=poll.options.first().pk
            )

        results = _race(10, enter)
        assert results.count("ok") == 1, results
        assert set(results) - {"ok"} <= {"code_used", "already_voted"}

        def online():
            poll = Poll.objects.get(pk=ids["poll"])
            try:
                ps.ballot_cast(
                    by=User.objects.get(pk=ids["voter"]), poll=poll, option_id=poll.options.first().pk
                )
            except Exception as exc:  # noqa: BLE001
                return exc.code
            return "ok"

        assert in_thread(online) == "already_voted"
        assert in_thread(lambda: Ballot.objects.filter(poll_id=ids["poll"]).count()) == 1
    finally:
        in_thread(_teardown, ids)
