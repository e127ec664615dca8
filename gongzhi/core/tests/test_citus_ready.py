"""Sharding readiness (docs/deploy.md §3): every table of the capability apps either carries
the community column (the Citus distribution column) or is named here as a reference table
(replicated to every node) or a coordinator-local one. A new table that is neither fails
this test until its place is decided. (The finer conditions — unique constraints that
include the community, foreign keys between distributed tables through the community — are
the lead's conformance test, still to come.)"""

from __future__ import annotations

from django.apps import apps

# Apps whose rows belong to places; the framework's own tables are reference tables.
CAPABILITY_APPS = {"registry", "integration", "demands", "organizations", "jobs"}
REFERENCE_TABLES = {
    "organizations_organization",
    "demands_category",
    "demands_holidaycalendar",
    "demands_handlingunit",
    "integration_nationalcode",
    "integration_source",
    "integration_fieldrule",
    "integration_sharingrule",
    "integration_importbatch",
}
COORDINATOR_TABLES = {"jobs_job"}


def test_every_capability_table_is_distributed_by_community_or_named_as_reference():
    undecided = []
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label not in CAPABILITY_APPS or meta.db_table in REFERENCE_TABLES | COORDINATOR_TABLES:
            continue
        field = next((f for f in meta.concrete_fields if f.name == "community"), None)
        if field is None or field.related_model is None or field.related_model._meta.label != "core.Region":
            undecided.append(meta.db_table)
    assert undecided == []


def test_the_reference_list_names_real_tables():
    tables = {m._meta.db_table for m in apps.get_models()}
    assert tables >= REFERENCE_TABLES | COORDINATOR_TABLES
