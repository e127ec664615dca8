"""Elections: the roll drawn from the registry (age, hukou or a year's residence), each person on
one roll in the district per term (database constraint), turnout recomputed equals stored, and
the role matrix of the page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from gongzhi.core.errors import ApplicationError, PermissionDenied
from gongzhi.core.models import Region
from gongzhi.elections import services
from gongzhi.elections.models import VoterEntry

pytestmark = pytest.mark.django_db
C, OTHER = "350102004001", "350102004003"
DAY = dt.date(2026, 5, 18)


@pytest.fixture
def w(make_user):
    from gongzhi.registry.models import HouseholdMember
    from tests.factories import HouseholdFactory, PersonFactory

    def person(community, born, kind="registered", joined=None):
        p = PersonFactory(community=Region.objects.get(code=community), birth_date=born, residence_type=kind)
        if joined:
            h = HouseholdFactory(community=Region.objects.get(code=community))
            HouseholdMember.objects.create(
                community_id=community, household=h, person=p, relationship="02", joined_on=joined
            )
        return p

    return {
        "adult": person(C, dt.date(1980, 1, 1)),
        "just18": person(C, dt.date(2008, 5, 18)),
        "minor": person(C, dt.date(2008, 5, 19)),
        "settled_migrant": person(C, dt.date(1990, 1, 1), "migrant", joined=dt.date(2025, 1, 1)),
        "new_migrant": person(C, dt.date(1990, 1, 1), "migrant", joined=dt.date(2026, 3, 1)),
        "other_adult": person(OTHER, dt.date(1970, 1, 1)),
        "head": make_user("community_head", C),
        "other_head": make_user("community_head", OTHER),
        "worker": make_user("community_worker", C),
        "grid": make_user("grid_worker", C),
        "street": make_user("street_staff", "350102004"),
    }


def _election(w, community=C, head="head"):
    return services.election_create(
        community=Region.objects.get(code=community),
        term="2026",
        held_on=DAY,
        seats=7,
        method="direct",
        by=w[head],
    )


def test_roll_is_drawn_from_the_registry(w):
    e = _election(w)
    out = services.roll_draw(election=e, by=w["head"])
    on = set(VoterEntry.objects.filter(election=e).values_list("person_id", flat=True))
    assert on == {w["adult"].pk, w["just18"].pk, w["settled_migrant"].pk}
    assert out == {"registered": 3, "skipped": 0}
    with pytest.raises(ApplicationError) as err:
        services.roll_draw(election=e, by=w["head"])
    assert err.value.code == "wrong_state"


def test_each_person_on_one_roll_in_the_district(w):
    e = _election(w)
    services.roll_draw(election=e, by=w["head"])
    other = _election(w, OTHER, "other_head")
    with pytest.raises(IntegrityError), transaction.atomic():
        VoterEntry.objects.create(
            community_id=OTHER,
            election=other,
            person=w["adult"],
            district="350102",
            term="2026",
            basis="hukou",
        )
    # The person moved to 大根社区 after the first roll: the second draw leaves them off.
    w["adult"].community_id = OTHER
    w["adult"].save(update_fields=["community"])
    out = services.roll_draw(election=other, by=w["other_head"])
    assert out == {"registered": 1, "skipped": 1}


def test_turnout_recomputed_equals_stored(w):
    e = _election(w)
    services.roll_draw(election=e, by=w["head"])
    assert services.votes_record(election=e, person_ids=[w["adult"].pk, w["just18"].pk], by=w["head"]) == 2
    assert (
        services.votes_record(election=e, person_ids=[w["adult"].pk], by=w["head"]) == 0
    )  # twice counts once
    with pytest.raises(ApplicationError) as err:
        services.votes_record(election=e, person_ids=[w["minor"].pk], by=w["head"])
    assert err.value.code == "not_on_roll"
    e.refresh_from_db()
    assert (e.registered, e.voted, e.turnout) == (3, 2, 66.7)
    assert services.turnout_verify() == []
    from gongzhi.elections.models import Election

    Election.objects.filter(pk=e.pk).update(voted=3)  # a typed-in figure is caught
    assert services.turnout_verify() == [e.pk]


def test_only_the_head_or_street_manage(w):
    with pytest.raises(PermissionDenied):
        _election(w, C, "worker")
    with pytest.raises(ApplicationError) as err:
        services.election_create(
            community=Region.objects.get(code=C),
            term="26",
            held_on=DAY,
            seats=7,
            method="direct",
            by=w["head"],
        )
    assert err.value.code == "bad_term"


@pytest.mark.parametrize(
    "role,status", [("head", 200), ("worker", 200), ("street", 200), ("other_head", 200), ("grid", 403)]
)
def test_role_matrix(client, w, role, status):
    e = _election(w)
    client.force_login(w[role])
    r = client.get(reverse("elections:index"))
    assert r.status_code == status
    if status == 200:
        assert (str(e.held_on.year) in r.content.decode()) == (role != "other_head")


def test_anonymous(client):
    assert client.get(reverse("elections:index")).status_code == 302
