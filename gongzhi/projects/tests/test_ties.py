"""Known ties between an expert and an application (ties.py): each tie the platform can see, with
a case that flags it and one that does not; the flags on the declaration page and in the API; a
"no conflict" answer refused while a tie is flagged, the conflict recorded with the ties."""

import pytest
from django.test import Client

from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import RoleAssignment
from gongzhi.organizations.models import Organization, OrganizationProfile
from gongzhi.projects import services
from gongzhi.projects.models import ProjectEvent
from gongzhi.projects.ties import known_ties, same_name
from tests.factories import BuildingFactory, DwellingFactory, PersonFactory

from .test_funding import to_review

pytestmark = pytest.mark.django_db


def _apply(w, funds=(), team=()):
    app = services.application_create(
        by=w["org_staff"],
        call=w["call"],
        organization=w["org"],
        community=w["junmen"],
        title="长者助餐",
        budget_total=60000,
        requested=30000,
        matched_funds=sum(a for _s, a in funds),
        fund_lines=[{"source": s, "amount": str(a)} for s, a in funds] or None,
        team=[{"name": n, "role": "社工", "certified": False} for n in team] or None,
    )
    services.application_act(by=w["org_staff"], application=app, action="submit")
    return app


def _codes(w, app, expert="expert"):
    return [t.code for t in known_ties(expert=w[expert], application=app)]


def _resident(user, name, dwelling, workplace=""):
    person = PersonFactory(name=name, dwelling=dwelling, workplace=workplace)
    user.person = person
    user.save(update_fields=["person"])
    return person


def test_same_name_rule():
    assert same_name("兴业银行军门支行", " 兴业银行军门支行 ")
    assert same_name("兴业银行军门支行", "兴业银行军门支行营业部")
    assert not same_name("银行", "兴业银行军门支行")  # too short to be found inside a name
    assert not same_name("", "邻里服务社")


def test_no_ties_for_an_expert_the_platform_knows_nothing_about(w):
    app = _apply(w, funds=[("兴业银行军门支行", 5000)], team=["王芳"])
    assert _codes(w, app) == []


def test_role_at_the_applying_organization(w):
    app = _apply(w)
    RoleAssignment.objects.create(user=w["expert"], role="social_org_staff", organization=w["org"])
    assert _codes(w, app) == ["same_organization"]
    assert _codes(w, app, "expert2") == []


def test_role_at_a_matched_funds_source(w):
    bank = Organization.objects.create(name="兴业银行军门支行", kind="resident_unit", region=w["junmen"])
    other = Organization.objects.create(name="军门社区卫生服务站", kind="resident_unit", region=w["junmen"])
    RoleAssignment.objects.create(user=w["expert"], role="unit_contact", organization=bank)
    RoleAssignment.objects.create(user=w["expert2"], role="unit_contact", organization=other)
    app = _apply(w, funds=[("兴业银行军门支行", 5000), ("街道配套", 3000)])
    ties = known_ties(expert=w["expert"], application=app)
    assert [t.code for t in ties] == ["fund_source_role"] and "兴业银行军门支行" in ties[0].reason
    assert _codes(w, app, "expert2") == []


def test_registered_workplace_is_the_organization_or_a_fund_source(w):
    dwelling = DwellingFactory()
    _resident(w["expert"], "陈明", dwelling, workplace="邻里服务社")
    _resident(w["expert2"], "林华", DwellingFactory(), workplace="福州大学")
    app = _apply(w, funds=[("福州市慈善总会", 2000)])
    assert _codes(w, app) == ["workplace"]
    assert _codes(w, app, "expert2") == []
    w["expert2"].person.workplace = "福州市慈善总会"
    w["expert2"].person.save()
    assert _codes(w, app, "expert2") == ["workplace_fund_source"]


def test_team_member_with_the_experts_name(w):
    _resident(w["expert"], "王芳", DwellingFactory())
    _resident(w["expert2"], "林华", DwellingFactory())
    app = _apply(w, team=["王芳", "李强"])
    assert _codes(w, app) == ["team_same_name"]
    assert _codes(w, app, "expert2") == []


def test_team_member_in_the_experts_dwelling_or_building(w):
    building = BuildingFactory()
    home, next_door = DwellingFactory(building=building), DwellingFactory(building=building)
    _resident(w["expert"], "陈明", home)
    PersonFactory(name="陈小红", dwelling=home)  # lives with the expert
    PersonFactory(name="李强", dwelling=next_door)  # same building
    PersonFactory(name="赵六", dwelling=DwellingFactory())  # another building
    app = _apply(w, team=["陈小红", "李强", "赵六", "周七"])
    ties = known_ties(expert=w["expert"], application=app)
    assert [(t.code, "陈小红" in t.reason or "李强" in t.reason) for t in ties] == [
        ("team_same_dwelling", True),
        ("team_same_building", True),
    ]
    assert "陈小红" in ties[0].reason and "李强" in ties[1].reason
    # An expert with no dwelling on record: no address ties.
    _resident(w["expert2"], "林华", None)
    assert _codes(w, app, "expert2") == []


def test_organization_registered_at_the_experts_address(w):
    home = DwellingFactory()
    _resident(w["expert"], "陈明", home)
    elsewhere = DwellingFactory()
    _resident(w["expert2"], "林华", elsewhere)
    profile = OrganizationProfile.objects.create(organization=w["org"], address="福州市鼓楼区" + home.address)
    app = _apply(w)
    assert _codes(w, app) == ["org_same_dwelling"]
    assert _codes(w, app, "expert2") == []
    b = home.building
    profile.address = f"{b.estate.name}{b.name}一楼"
    profile.save()
    w["org"].refresh_from_db()
    app.organization.refresh_from_db()
    app = type(app).objects.get(pk=app.pk)
    assert _codes(w, app) == ["org_same_building"]
    assert _codes(w, app, "expert2") == []


def test_flags_on_the_declaration_page_and_api_refusal_then_conflict_recorded(w):
    bank = Organization.objects.create(name="兴业银行军门支行", kind="resident_unit", region=w["junmen"])
    RoleAssignment.objects.create(user=w["expert2"], role="unit_contact", organization=bank)
    app = _apply(w, funds=[("兴业银行军门支行", 5000)])
    a1, a2 = to_review(w, app)
    client = Client()
    client.force_login(w["expert2"])
    page = client.get(f"/projects/reviews/{a2.pk}/").content.decode()
    assert 'data-tie="fund_source_role"' in page and "兴业银行军门支行" in page
    api = client.get("/api/projects/reviews").json()
    assert [t["code"] for t in api[0]["known_ties"]] == ["fund_source_role"]
    r = client.post(
        f"/api/projects/reviews/{a2.pk}/declare", {"conflict": False}, content_type="application/json"
    )
    assert r.status_code == 400 and r.json()["code"] == "known_tie"
    a2.refresh_from_db()
    assert a2.declared_at is None
    services.review_declare(by=w["expert2"], assignment=a2, conflict=True, note="本单位出资")
    event = ProjectEvent.objects.filter(kind="review_declared").latest("pk")
    assert event.data["conflict"] is True and [c for c, _r in event.data["ties"]] == ["fund_source_role"]
    # The expert without ties: nothing flagged, "no conflict" accepted, the event records no tie.
    other = Client()
    other.force_login(w["expert"])
    assert "known-ties" not in other.get(f"/projects/reviews/{a1.pk}/").content.decode()
    services.review_declare(by=w["expert"], assignment=a1, conflict=False)
    assert ProjectEvent.objects.filter(kind="review_declared").latest("pk").data["ties"] == []
    with pytest.raises(ApplicationError):
        services.review_declare(by=w["expert"], assignment=a1, conflict=False)


def test_english_reasons(w, settings):
    from django.utils import translation

    RoleAssignment.objects.create(user=w["expert"], role="social_org_staff", organization=w["org"])
    app = _apply(w)
    with translation.override("en"):
        reason = known_ties(expert=w["expert"], application=app)[0].reason
    assert "邻里服务社" in reason and "您" not in reason
