"""`gongzhi demo`: one account per role with the right scope, usable only in demo mode."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import override_settings

from gongzhi.core.demo import DEMO_ACCOUNTS
from gongzhi.core.models import RoleAssignment, User
from gongzhi.registry.models import Grid, Person
from gongzhi.registry.rules import VIEW_PERSON
from gongzhi.registry.selectors import person_search

EXPECTED = {
    "resident": ("resident", "region", "350102004001"),
    "grid": ("grid_worker", "region", "350102004001"),
    "community": ("community_worker", "region", "350102004001"),
    "head": ("community_head", "region", "350102004001"),
    "street": ("street_staff", "region", "350102004"),
    "district": ("district_staff", "region", "350102"),
    "department": ("department_staff", "department", "350102"),
    "socialorg": ("social_org_staff", "organization", "350102004001"),
    "unitcontact": ("unit_contact", "organization", "350102004001"),
    "expert": ("expert", "region", "350102"),
    "admin": ("system_admin", "region", "350102"),
}


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path  # the classifier the demo trains is saved under it


@pytest.fixture
def demo(db):
    call_command(
        "demo",
        "--no-serve",
        "--skip-migrate",
        "--residents",
        "400",
        "--demands",
        "120",
        "--seed",
        "1",
        stdout=StringIO(),
    )


def test_one_account_per_role_with_its_scope(demo):
    assert {a.username for a in DEMO_ACCOUNTS} == set(EXPECTED)
    assert len({a.role for a in DEMO_ACCOUNTS}) == len(DEMO_ACCOUNTS)  # every role once
    for username, (role, kind, code) in EXPECTED.items():
        user = User.objects.get(username=username)
        assert user.is_demo_account
        (a,) = RoleAssignment.objects.filter(user=user)
        assert a.role == role and a.active
        if kind == "region":
            assert a.region_id == code
        elif kind == "department":
            assert a.department.region_id == code and a.department.name == "鼓楼区民政局"
        else:
            kind = "resident_unit" if role == "unit_contact" else "social_org"
            assert a.organization.region_id == code and a.organization.kind == kind
    resident = User.objects.get(username="resident")
    assert resident.person is not None and resident.person.community_id == "350102004001"
    grid = Grid.objects.get(worker__username="grid")
    assert grid.community_id == "350102004001"
    admin = User.objects.get(username="admin")
    assert admin.is_staff and not admin.is_superuser
    assert not User.objects.filter(is_demo_account=True, is_staff=True).exclude(username="admin").exists()


def test_scopes_decide_what_each_account_sees(demo):
    community = person_search(user=User.objects.get(username="community"))
    street = person_search(user=User.objects.get(username="street"))
    district = person_search(user=User.objects.get(username="district"))
    assert set(community.values_list("community_id", flat=True)) == {"350102004001"}
    assert {c[:9] for c in street.values_list("community_id", flat=True)} == {"350102004"}
    assert district.count() == Person.objects.filter(community__code__startswith="350102").count() == 400
    assert community.count() < street.count() < district.count()
    assert person_search(user=User.objects.get(username="resident"), perm=VIEW_PERSON).count() == 0


def test_demo_accounts_log_in_only_in_demo_mode(demo, client):
    with override_settings(GONGZHI_DEMO=False):
        assert authenticate(None, username="community", password="demo") is None
        assert not client.login(username="community", password="demo")
    with override_settings(GONGZHI_DEMO=True):
        assert authenticate(None, username="community", password="demo").username == "community"
        assert authenticate(None, username="community", password="wrong") is None
        assert client.login(username="admin", password="demo")


def test_demo_is_idempotent(demo):
    from gongzhi.demands.models import Demand, DemandEvent

    people, demands, events = Person.objects.count(), Demand.objects.count(), DemandEvent.objects.count()
    out = StringIO()
    call_command("demo", "--no-serve", "--skip-migrate", "--residents", "400", "--demands", "120", stdout=out)
    assert Person.objects.count() == people
    assert RoleAssignment.objects.filter(user__is_demo_account=True).count() == len(EXPECTED)
    assert (Demand.objects.count(), DemandEvent.objects.count()) == (demands, events)
    assert "已有诉求，跳过" in out.getvalue()


def test_demo_has_demands_to_work_on(demo):
    """Six months of demands lived through the services; the 军门社区 accounts find work waiting,
    and the classifier trained on the closed ones suggests for the new ones."""
    from gongzhi.demands import classifier, selectors
    from gongzhi.demands.models import Demand, DemandState

    assert Demand.objects.filter(state=DemandState.CLOSED).count() >= 30
    community = User.objects.get(username="community")
    assert selectors.work_list(user=community).exists()
    assert selectors.dispatch_queue(user=community).filter(state=DemandState.SUBMITTED).exists()
    assert selectors.overdue(user=User.objects.get(username="street")).exists()
    assert selectors.my_demands(user=User.objects.get(username="resident")).exists()
    assert classifier.demand_classifier_load() is not None
    assert Demand.objects.filter(state=DemandState.SUBMITTED, suggested_category__isnull=False).exists()


def test_demo_refuses_to_take_over_a_real_account(db):
    User.objects.create_user("admin", password="a real password")
    with pytest.raises(CommandError, match="admin"):
        call_command("demo", "--no-serve", "--skip-migrate", "--residents", "50")
    assert not User.objects.get(username="admin").is_demo_account


def test_demo_open311_key_works_only_in_demo_mode(demo, client):
    with override_settings(GONGZHI_DEMO=True):
        ok = client.post("/open311/v2/requests.json", {"api_key": "demo", "jurisdiction_id": "350102"})
    with override_settings(GONGZHI_DEMO=False):
        refused = client.post("/open311/v2/requests.json", {"api_key": "demo", "jurisdiction_id": "350102"})
    assert ok.status_code == 400  # the key is accepted; the request lacks a service_code
    assert refused.status_code == 403


def test_unit_contact_has_real_work(demo):
    """The unit contact's unit owns the sports hall: its bookings wait for them, and the needs of
    军门社区 (covered by the unit's agreement) are there to offer resources to."""
    from gongzhi.organizations import selectors
    from gongzhi.organizations.models import ResourceOffer, Space

    user = User.objects.get(username="unitcontact")
    unit = selectors.unit_get(user=user)
    assert Space.objects.filter(owner=unit, kind="sports").exists()
    counts = selectors.unit_counts(user=user)
    assert counts["pending"] >= 1
    assert selectors.unit_needs(unit=unit).exists()
    assert ResourceOffer.objects.filter(resource__agreement__organization=unit, status="offered").exists()
    from django.test import Client

    client = Client()
    with override_settings(GONGZHI_DEMO=True):  # demo accounts sign in only in demo mode
        client.force_login(user)
        home = client.get("/")
        assert home.status_code == 200 and "本单位共建" in home.content.decode()
        page = client.get("/organizations/unit/").content.decode()
    assert unit.name in page and 'data-action="approve"' in page and 'data-action="offer"' in page
