"""How the demands app is put together: URLs, menu, the classifier hook, handling units."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gongzhi.core.models import Department, DepartmentKind, Region
from gongzhi.demands import classifier, services
from gongzhi.demands.apps import suggest_on_create
from gongzhi.demands.models import HandlingUnit
from gongzhi.demands.units import units_ensure_for_community, units_sync

from .conftest import DISTRICT, JUNMEN


def test_hot_issue_urls_and_menu():
    from gongzhi.core.manifests import menu_entries

    assert reverse("demands:hot_issues") == "/demands/hot-issues/"
    assert reverse("demands:hot_issue_task") == "/demands/hot-issues/task/"
    entry = next(e for e in menu_entries() if e.url_name == "demands:hot_issues")
    assert entry.perm == "demands.view_rates" and str(entry.label) == "热点问题"


def test_suggestions_hooked_into_intake(settings, tmp_path):
    assert services.SUGGESTERS.count(suggest_on_create) == 1
    settings.DATA_DIR = tmp_path
    # the hook looks for the model where the classifier saves it
    assert classifier.model_path() == tmp_path / "models" / "demand_classifier.pickle"


def test_intake_without_a_model(db, people, junmen, settings, tmp_path):
    settings.DATA_DIR = tmp_path  # no model trained here
    d = services.demand_create(
        by=people["resident"], channel="web", title="路灯不亮", body="小区路灯坏了", community=junmen
    )
    d.refresh_from_db()
    assert d.pk and d.suggested_category is None


@pytest.mark.django_db
def test_units_sync_skips_the_communities_department(db):
    district = Region.objects.get(code=DISTRICT)
    builtin = Department.objects.create(
        code=f"community-{DISTRICT}", name="鼓楼区各社区", kind=DepartmentKind.OTHER, region=district
    )
    office = Department.objects.create(
        code="gl-civil", name="鼓楼区民政局", kind=DepartmentKind.CIVIL_AFFAIRS, region=district
    )
    units_sync(district)
    assert HandlingUnit.objects.filter(department=office, active=True).exists()
    assert not HandlingUnit.objects.filter(department=builtin).exists()
    units_ensure_for_community(Region.objects.get(code=JUNMEN))
    assert not HandlingUnit.objects.filter(department=builtin).exists()


@pytest.mark.django_db
def test_units_sync_retires_a_unit_made_for_it_before(db):
    from gongzhi.demands.units import unit_for_department

    district = Region.objects.get(code=DISTRICT)
    builtin = Department.objects.create(
        code=f"community-{DISTRICT}", name="鼓楼区各社区", kind=DepartmentKind.OTHER, region=district
    )
    old = unit_for_department(builtin)  # as an earlier version did
    units_sync(district)
    old.refresh_from_db()
    assert not old.active
