"""The four lists: needs drawn from repeated demand categories (one per category, households
de-duplicated), direct submissions counted per household, staff-confirmed matching, projects;
pages by role."""

import datetime as dt

import pytest
from django.test import Client

from gongzhi.core.errors import ApplicationError, PermissionDenied
from gongzhi.organizations import lists
from gongzhi.organizations.models import CoBuildingProject, Need, NeedMatch, Organization

from .conftest import JUNMEN, OTHER

pytestmark = pytest.mark.django_db


def _demands(category, n, *, households=None, address="军门路1号"):
    from gongzhi.demands.models import Demand

    for i in range(n):
        person = None
        if households:
            from gongzhi.registry.models import HouseholdMember
            from tests.factories import HouseholdFactory, PersonFactory

            person = PersonFactory(community_id=JUNMEN)
            household = households[i % len(households)]
            if household is None:
                household = HouseholdFactory()
                households[i % len(households)] = household
            HouseholdMember.objects.create(
                community_id=JUNMEN, household=household, person=person, relationship="01"
            )
        Demand.objects.create(
            channel="web",
            title="反映",
            body="内容",
            community_id=JUNMEN,
            category=category,
            person=person,
            address=address,
        )


def test_needs_drawn_from_repeated_categories_once_with_households(staff):
    from gongzhi.demands.models import Category

    leaks, noise, rare = Category.objects.filter(parent__isnull=False).order_by("code")[:3]
    _demands(leaks, 4, households=[None, None])  # 4 demands from 2 households
    _demands(noise, 3, address="")  # no person: counted by address
    _demands(rare, 2)  # under the threshold
    needs = lists.needs_from_demands(by=staff, community=staff_community(), min_count=3)
    by_cat = {n.demand_category_id: n for n in needs}
    assert set(by_cat) == {leaks.pk, noise.pk}
    assert (by_cat[leaks.pk].demand_count, by_cat[leaks.pk].households) == (4, 2)
    assert by_cat[noise.pk].households == 1
    _demands(leaks, 1, households=[None])
    lists.needs_from_demands(by=staff, community=staff_community(), min_count=3)
    assert Need.objects.filter(demand_category=leaks).count() == 1  # updated, not duplicated
    assert Need.objects.get(demand_category=leaks).demand_count == 5


def staff_community():
    from gongzhi.core.models import Region

    return Region.objects.get(code=JUNMEN)


def test_direct_need_deduplicated_and_counted_per_household(make_user):
    community = staff_community()
    a, b = make_user("resident", JUNMEN), make_user("resident", JUNMEN)
    need = lists.need_submit(by=a, community=community, title="暑期儿童托管", service_field="children")
    again = lists.need_submit(by=b, community=community, title="暑期儿童托管", service_field="children")
    assert again.pk == need.pk and Need.objects.get(pk=need.pk).households == 2
    with pytest.raises(ApplicationError) as exc:
        lists.need_submit(by=a, community=community, title="暑期儿童托管", service_field="children")
    assert exc.value.code == "already_supported"
    assert Need.objects.get(pk=need.pk).households == 2
    with pytest.raises(ApplicationError) as exc:
        lists.need_submit(by=a, community=community, title=" ", service_field="children")
    assert exc.value.code == "title_required"
    with pytest.raises(PermissionDenied):
        lists.need_submit(
            by=make_user("resident", OTHER), community=community, title="x", service_field="other"
        )


def test_suggestions_and_staff_confirmed_match_then_project(staff, regions, social_org, make_user):
    far = Organization.objects.create(name="外社区养老组织", kind="social_org", region=regions["other"])
    from gongzhi.organizations.models import OrganizationProfile

    OrganizationProfile.objects.create(organization=far, service_field="elderly")
    need = lists.need_submit(
        by=make_user("resident", JUNMEN),
        community=regions["junmen"],
        title="长者助浴",
        service_field="elderly",
    )
    suggested = lists.match_suggestions(need=need)["organizations"]
    assert [o.name for o in suggested] == [social_org.name]  # same field, serves 军门; not the far one
    with pytest.raises(PermissionDenied):
        lists.need_match(by=make_user("resident", JUNMEN), need=need, organization=social_org)
    with pytest.raises(ApplicationError) as exc:
        lists.need_match(by=staff, need=need, organization=far)
    assert exc.value.code == "match_other_community"
    lists.need_match(by=staff, need=need, organization=social_org)
    with pytest.raises(ApplicationError) as exc:
        lists.need_match(by=staff, need=need, organization=social_org)
    assert exc.value.code == "already_matched"
    need.refresh_from_db()
    assert need.status == "matched" and NeedMatch.objects.count() == 1
    project = lists.project_from_need(by=staff, need=need, lead=social_org)
    assert project.households_target == 1 and CoBuildingProject.objects.get().need == need
    figure = lists.needs_met(user=staff)
    assert (figure.numerator, figure.denominator) == (1, 1)


ROLES = ["resident", "grid_worker", "community_worker", "social_org_staff", "street_staff", "expert"]
VIEWERS = {"grid_worker", "community_worker", "social_org_staff", "street_staff"}
MANAGERS = {"community_worker", "street_staff"}
BOOKERS = {"resident", "community_worker", "social_org_staff", "street_staff"}


@pytest.mark.parametrize("role", ROLES)
def test_pages_role_matrix(make_user, regions, role):
    scope = {"street_staff": "350102004", "expert": "350102"}.get(role, JUNMEN)
    if role == "social_org_staff":
        scope = Organization.objects.create(name="本社区组织", kind="social_org", region=regions["junmen"])
    user = make_user(role, scope)
    need = lists.need_submit(
        by=make_user("resident", JUNMEN),
        community=regions["junmen"],
        title="长者助浴",
        service_field="elderly",
    )
    client = Client()
    client.force_login(user)
    for tab in ("needs", "services", "resources", "projects"):
        assert client.get(f"/organizations/lists/?tab={tab}").status_code == (200 if role in VIEWERS else 403)
    assert client.get(f"/organizations/needs/{need.pk}/").status_code == (200 if role in VIEWERS else 403)
    assert client.get("/organizations/needs/new/").status_code == (200 if role in BOOKERS else 403)
    r = client.post(f"/organizations/needs/{need.pk}/project/")
    assert r.status_code == (302 if role in MANAGERS else 403)
    assert CoBuildingProject.objects.count() == (1 if role in MANAGERS else 0)
    r = client.post(
        "/organizations/needs/submit/",
        {"community": JUNMEN, "title": "楼道照明", "service_field": "environment"},
    )
    assert r.status_code == (302 if role in BOOKERS else 403)


def test_out_of_scope_need_is_404(make_user, regions):
    need = lists.need_submit(
        by=make_user("resident", JUNMEN),
        community=regions["junmen"],
        title="长者助浴",
        service_field="elderly",
    )
    client = Client()
    client.force_login(make_user("community_worker", OTHER))
    assert client.get(f"/organizations/needs/{need.pk}/").status_code == 404
    assert client.post(f"/organizations/needs/{need.pk}/match/", {"organization": "1"}).status_code == 404
    assert "长者助浴" not in client.get("/organizations/lists/").content.decode()
    assert Client().get("/organizations/lists/").status_code == 302


def test_harvest_page(staff, make_user):
    client = Client()
    client.force_login(staff)
    assert client.post("/organizations/needs/harvest/", {"community": JUNMEN}).status_code == 302
    assert client.post("/organizations/needs/harvest/", {"community": "nope"}).status_code == 404
    other = Client()
    other.force_login(make_user("community_worker", OTHER))
    assert other.post("/organizations/needs/harvest/", {"community": JUNMEN}).status_code == 403
    assert dt.date.today()
