import pytest

from gongzhi.core.models import Region
from gongzhi.core.scoping import in_scope, scope_prefixes, scoped
from gongzhi.registry.rules import CHANGE_PERSON, VIEW_PERSON
from tests.factories import DepartmentFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_region_tree_loaded_with_prefix_ancestry():
    junmen = Region.objects.get(code="350102004001")
    assert junmen.parent_id == "350102004"
    assert junmen.parent.parent_id == "350102"
    assert Region.objects.filter(level=5, code__startswith="350102").count() == 69
    assert Region.objects.filter(level=4, code__startswith="350102").count() == 10


@pytest.mark.parametrize(
    "role,scope,sees_junmen,sees_other_street,sees_other_district",
    [
        ("community_worker", "350102004001", True, False, False),
        ("street_staff", "350102004", True, False, False),
        ("district_staff", "350102", True, True, False),
        ("resident", "350102004001", False, False, False),
        ("social_org_staff", "350102004001", False, False, False),
    ],
)
def test_people_are_seen_by_prefix_of_the_scope(
    make_user, role, scope, sees_junmen, sees_other_street, sees_other_district
):
    junmen = PersonFactory(community=Region.objects.get(code="350102004001"))
    other_street = PersonFactory(community=Region.objects.get(code="350102001001"))
    other_district = PersonFactory(
        community=Region.objects.filter(level=5, code__startswith="350103").first()
    )
    user = make_user(role, scope)
    visible = set(scoped(junmen.__class__.objects.all(), user, VIEW_PERSON))
    assert (junmen in visible) is sees_junmen
    assert (other_street in visible) is sees_other_street
    assert (other_district in visible) is sees_other_district
    assert user.has_perm(VIEW_PERSON, junmen) is sees_junmen


def test_department_scope_is_the_department_region(make_user):
    from gongzhi.integration.rules import DEPARTMENT_READ

    user = make_user("department_staff", DepartmentFactory())
    assert scope_prefixes(user, DEPARTMENT_READ) == ["350102"]
    assert scope_prefixes(user, VIEW_PERSON) == []  # the register only through the sharing rules
    assert not user.has_perm(CHANGE_PERSON)


def test_overlapping_scopes_collapse_to_the_widest(make_user):
    user = make_user("community_worker", "350102004001")
    from gongzhi.core.models import RoleAssignment

    RoleAssignment.objects.create(user=user, role="street_staff", region_id="350102004")
    user = user.__class__.objects.get(pk=user.pk)
    assert scope_prefixes(user, VIEW_PERSON) == ["350102004"]
    assert in_scope(user, VIEW_PERSON, "350102004003")
    assert not in_scope(user, CHANGE_PERSON, "350102004003")  # street staff do not edit


def test_anonymous_sees_nothing():
    from django.contrib.auth.models import AnonymousUser

    assert scope_prefixes(AnonymousUser(), VIEW_PERSON) == []
