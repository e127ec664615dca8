"""Integrity under real parallel connections (PostgreSQL): a shift never takes more sign-ups than
places, one volunteer signs up once, the database refuses overlapping bookings, and the last
reward in stock goes to exactly one of many parallel redemptions."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, connections, transaction

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError

from .conftest import JUNMEN

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real parallel connections)")


def run(fn):
    box: dict = {}

    def target():
        try:
            box["v"] = fn()
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            box["e"] = exc
        finally:
            connections.close_all()

    t = threading.Thread(target=target)
    t.start()
    t.join(120)
    if "e" in box:
        raise box["e"]
    return box.get("v")


def parallel(n: int, fn) -> list[str]:
    barrier = threading.Barrier(n)
    results: list[str] = []

    def target(i):
        try:
            barrier.wait(20)
            fn(i)
            results.append("ok")
        except ApplicationError as exc:
            results.append(exc.code)
        except IntegrityError:
            results.append("integrity")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def _world(n_volunteers: int):
    """Committed rows: a staff user, n resident volunteers, an activity with one shift of 3 places
    tomorrow and a second overlapping shift."""
    from gongzhi.core.models import Region
    from gongzhi.volunteers.services import activity_create, volunteer_register
    from tests.factories import PersonFactory, user_with_role

    junmen = Region.objects.get(code=JUNMEN)
    staff = user_with_role("community_worker", JUNMEN)
    pairs = []
    for _ in range(n_volunteers):
        person = PersonFactory(community=junmen)
        user = user_with_role("resident", JUNMEN)
        user.person = person
        user.save(update_fields=["person"])
        pairs.append((user.pk, volunteer_register(person=person, by=user).pk))
    start = (clock.now() + dt.timedelta(days=1)).replace(microsecond=0)
    activity = activity_create(
        community=junmen,
        title="并发测试活动",
        place="活动室",
        by=staff,
        shifts=[
            (start, start + dt.timedelta(hours=2), 3),
            (start + dt.timedelta(hours=1), start + dt.timedelta(hours=3), 5),
        ],
    )
    return staff.pk, pairs, activity.pk


def _teardown(staff_pk, pairs, activity_pk):
    from gongzhi.core.models import RoleAssignment, User
    from gongzhi.registry.models import Person
    from gongzhi.volunteers.models import (
        Activity,
        CheckIn,
        HourRecord,
        PointAccount,
        PointEntry,
        Redemption,
        RewardItem,
        SignUp,
        Volunteer,
    )

    vols = [v for _u, v in pairs]
    users = [u for u, _v in pairs] + [staff_pk]
    Redemption.objects.filter(volunteer_id__in=vols)._raw_delete(Redemption.objects.db)
    PointEntry.objects.filter(account__community_id=JUNMEN)._raw_delete(PointEntry.objects.db)
    HourRecord.objects.filter(volunteer_id__in=vols)._raw_delete(HourRecord.objects.db)
    PointAccount.objects.filter(community_id=JUNMEN).delete()
    RewardItem.objects.filter(community_id=JUNMEN, name="最后一件").delete()
    CheckIn.objects.filter(signup__volunteer_id__in=vols).delete()
    SignUp.objects.filter(volunteer_id__in=vols).delete()
    Activity.objects.filter(pk=activity_pk).delete()
    person_ids = list(Volunteer.objects.filter(pk__in=vols).values_list("person_id", flat=True))
    Volunteer.objects.filter(pk__in=vols).delete()
    RoleAssignment.objects.filter(user_id__in=users).delete()
    User.objects.filter(pk__in=users).delete()
    Person.objects.filter(pk__in=person_ids).delete()


def test_parallel_sign_ups_beyond_capacity_confirm_exactly_capacity():
    staff_pk, pairs, activity_pk = run(lambda: _world(8))
    try:
        from gongzhi.core.models import User
        from gongzhi.volunteers.models import Shift, SignUp, Volunteer
        from gongzhi.volunteers.services import signup_create

        shift_pk = run(lambda: Shift.objects.filter(activity_id=activity_pk).order_by("starts_at").first().pk)

        def sign(i):
            user_pk, vol_pk = pairs[i]
            signup_create(
                shift=Shift.objects.get(pk=shift_pk),
                volunteer=Volunteer.objects.get(pk=vol_pk),
                by=User.objects.get(pk=user_pk),
            )

        results = parallel(8, sign)
        assert results.count("ok") == 8, results
        statuses = run(
            lambda: sorted(SignUp.objects.filter(shift_id=shift_pk).values_list("status", flat=True))
        )
        assert statuses.count("confirmed") == 3 and statuses.count("waiting") == 5
        assert run(lambda: Shift.objects.get(pk=shift_pk).taken) == 3
    finally:
        run(lambda: _teardown(staff_pk, pairs, activity_pk))


def test_the_same_volunteer_signing_up_in_parallel_gets_one_place():
    staff_pk, pairs, activity_pk = run(lambda: _world(1))
    try:
        from gongzhi.core.models import User
        from gongzhi.volunteers.models import Shift, SignUp, Volunteer
        from gongzhi.volunteers.services import signup_create

        shift_pks = run(
            lambda: list(
                Shift.objects.filter(activity_id=activity_pk)
                .order_by("starts_at")
                .values_list("pk", flat=True)
            )
        )
        user_pk, vol_pk = pairs[0]

        def sign(i):
            # Half the threads ask for the first shift, half for the overlapping second one.
            signup_create(
                shift=Shift.objects.get(pk=shift_pks[i % 2]),
                volunteer=Volunteer.objects.get(pk=vol_pk),
                by=User.objects.get(pk=user_pk),
            )

        results = parallel(6, sign)
        assert results.count("ok") == 1, results
        assert run(lambda: SignUp.objects.filter(volunteer_id=vol_pk).count()) == 1
        assert run(lambda: sum(Shift.objects.filter(pk__in=shift_pks).values_list("taken", flat=True))) == 1
    finally:
        run(lambda: _teardown(staff_pk, pairs, activity_pk))


def test_the_database_itself_refuses_an_overlapping_booking():
    """Past the service: a raw insert of an overlapping live sign-up fails on the exclusion constraint."""
    staff_pk, pairs, activity_pk = run(lambda: _world(1))
    try:
        from gongzhi.volunteers.models import Shift, SignUp

        def insert_both():
            a, b = Shift.objects.filter(activity_id=activity_pk).order_by("starts_at")
            vol_pk = pairs[0][1]
            SignUp.objects.create(
                community_id=JUNMEN,
                shift=a,
                volunteer_id=vol_pk,
                status="confirmed",
                starts_at=a.starts_at,
                ends_at=a.ends_at,
            )
            with pytest.raises(IntegrityError), transaction.atomic():
                SignUp.objects.create(
                    community_id=JUNMEN,
                    shift=b,
                    volunteer_id=vol_pk,
                    status="waiting",
                    starts_at=b.starts_at,
                    ends_at=b.ends_at,
                )
            # A cancelled one does not count.
            SignUp.objects.create(
                community_id=JUNMEN,
                shift=b,
                volunteer_id=vol_pk,
                status="cancelled",
                starts_at=b.starts_at,
                ends_at=b.ends_at,
            )
            return SignUp.objects.filter(volunteer_id=vol_pk).count()

        assert run(insert_both) == 2
    finally:
        run(lambda: _teardown(staff_pk, pairs, activity_pk))


def test_the_last_reward_in_stock_goes_to_exactly_one_of_many():
    staff_pk, pairs, activity_pk = run(lambda: _world(10))
    try:
        from gongzhi.core.models import Region, User
        from gongzhi.volunteers.models import Activity, PointAccount, RewardItem, Volunteer
        from gongzhi.volunteers.points import reward_create, reward_redeem
        from gongzhi.volunteers.services import hours_enter

        def prepare():
            staff = User.objects.get(pk=staff_pk)
            activity = Activity.objects.get(pk=activity_pk)
            for _u, v in pairs:
                hours_enter(
                    volunteer=Volunteer.objects.get(pk=v),
                    activity=activity,
                    hours=Decimal("2"),
                    served_on=dt.date.today(),
                    reason="补录",
                    by=staff,
                )
            return reward_create(
                community=Region.objects.get(code=JUNMEN), name="最后一件", cost=5, stock=1, by=staff
            ).pk

        item_pk = run(prepare)

        def redeem(i):
            user_pk, vol_pk = pairs[i]
            reward_redeem(
                item=RewardItem.objects.get(pk=item_pk),
                volunteer=Volunteer.objects.get(pk=vol_pk),
                by=User.objects.get(pk=user_pk),
            )

        results = parallel(10, redeem)
        assert results.count("ok") == 1 and results.count("out_of_stock") == 9, results
        assert run(lambda: RewardItem.objects.get(pk=item_pk).stock) == 0
        from gongzhi.core.ledger import ledger_verify

        assert run(lambda: ledger_verify(PointAccount)[1]) == []
    finally:
        run(lambda: _teardown(staff_pk, pairs, activity_pk))


def test_parallel_time_bank_spends_never_go_below_zero():
    """A member holding 5 hours confirms 30 one-hour services at once: exactly 5 go through."""
    from gongzhi.core.models import Region, User
    from gongzhi.registry.models import Person
    from gongzhi.volunteers import timebank as tb
    from gongzhi.volunteers.models import TimeAccount, TimeEntry, TimeService
    from tests.factories import PersonFactory, user_with_role

    def setup():
        junmen = Region.objects.get(code=JUNMEN)
        staff = user_with_role("community_worker", JUNMEN)
        users = []
        for _ in range(2):
            p = PersonFactory(community=junmen)
            u = user_with_role("resident", JUNMEN)
            u.person = p
            u.save(update_fields=["person"])
            users.append(u)
        payer, provider = users
        s = tb.timeservice_record(
            provider=payer.person,
            served=provider.person,
            hours=5,
            description="起始",
            served_on=dt.date.today(),
            by=payer,
            from_pool=True,
        )
        tb.timeservice_confirm(service=s, by=staff)
        ids = [
            tb.timeservice_record(
                provider=provider.person,
                served=payer.person,
                hours=1,
                description=f"服务{i}",
                served_on=dt.date.today(),
                by=provider,
            ).pk
            for i in range(30)
        ]
        return staff.pk, payer.pk, provider.pk, ids

    staff_pk, payer_pk, provider_pk, ids = run(setup)
    try:

        def confirm(i):
            tb.timeservice_confirm(
                service=TimeService.objects.get(pk=ids[i]), by=User.objects.get(pk=payer_pk)
            )

        results = parallel(30, confirm)
        assert results.count("ok") == 5 and results.count("ledger_insufficient") == 25, results
        payer_person = run(lambda: User.objects.get(pk=payer_pk).person_id)
        assert run(lambda: TimeAccount.objects.get(person_id=payer_person).balance) == 0
        from gongzhi.core.ledger import ledger_verify

        assert run(lambda: ledger_verify(TimeAccount)[1]) == []
    finally:

        def teardown():
            from gongzhi.core.models import RoleAssignment

            users = [staff_pk, payer_pk, provider_pk]
            persons = list(
                User.objects.filter(pk__in=users).exclude(person=None).values_list("person_id", flat=True)
            )
            TimeEntry.objects.filter(account__community_id=JUNMEN)._raw_delete(TimeEntry.objects.db)
            TimeService.objects.filter(provider_id__in=persons).delete()
            TimeAccount.objects.filter(community_id=JUNMEN).delete()
            RoleAssignment.objects.filter(user_id__in=users).delete()
            User.objects.filter(pk__in=users).delete()
            Person.objects.filter(pk__in=persons).delete()

        run(teardown)
