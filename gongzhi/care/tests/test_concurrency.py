"""A call centre's gateway retries a one-key call after a timeout while the first request is still
in flight: the same call id arriving on parallel connections is logged once (PostgreSQL)."""

from __future__ import annotations

import pytest

from tests.concurrency import in_thread, race, require_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

C = "350102004001"


def _setup() -> dict:
    import datetime as dt

    from gongzhi.care import services
    from tests.factories import DwellingFactory, PersonFactory, user_with_role

    worker = user_with_role("community_worker", C)
    elder = PersonFactory(birth_date=dt.date(1940, 3, 1), dwelling=DwellingFactory())
    profile = services.profile_create(person=elder, by=worker)
    device = services.device_install(profile=profile, serial="RACE1", by=worker)
    dwelling = elder.dwelling
    return {
        "worker": worker.pk,
        "person": elder.pk,
        "profile": profile.pk,
        "device": device.pk,
        "dwelling": dwelling.pk,
        "building": dwelling.building_id,
        "estate": dwelling.building.estate_id,
    }


def _teardown(ids: dict) -> None:
    from gongzhi.care.models import Call, CallDevice, CareProfile
    from gongzhi.core.models import RoleAssignment, User
    from gongzhi.registry.models import Building, Dwelling, Estate, Person

    Call.objects.filter(device_id=ids["device"]).delete()
    CallDevice.objects.filter(pk=ids["device"]).delete()
    CareProfile.objects.filter(pk=ids["profile"])._raw_delete(CareProfile.objects.db)
    Person.objects.filter(pk=ids["person"])._raw_delete(Person.objects.db)
    # what the factories made for the elder's home: later tests count the community's estates
    for model, key in ((Dwelling, "dwelling"), (Building, "building"), (Estate, "estate")):
        model.objects.filter(pk=ids[key])._raw_delete(model.objects.db)
    RoleAssignment.objects.filter(user_id=ids["worker"]).delete()
    User.objects.filter(pk=ids["worker"]).delete()


def test_parallel_retries_of_one_call_make_one_call():
    require_postgres()
    from gongzhi.care import services
    from gongzhi.care.models import Call
    from gongzhi.core.models import User

    ids = in_thread(_setup)
    try:

        def retry():
            worker = User.objects.get(pk=ids["worker"])
            call, created = services.call_receive_once(serial="RACE1", external_id="cc-race-1", by=worker)
            return call.pk, created

        n = 8
        results = race(n, retry)
        assert len(results) == n and all(isinstance(r, tuple) for r in results), results
        assert len({pk for pk, _ in results}) == 1
        assert sorted(created for _, created in results) == [False] * (n - 1) + [True]
        assert Call.objects.filter(external_id="cc-race-1").count() == 1
    finally:
        in_thread(_teardown, ids)
