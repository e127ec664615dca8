"""What sharding by community (Citus, docs/deploy.md) needs of the schema, checked on every model:

- every model is classified: distributed by its community column, or named by its app's manifest as
  a reference table (small, copied to every node) or a local one (kept on the coordinator);
- a distributed table's community column is the community itself (`community_fk()` or a 12-digit
  community code);
- a distributed table's unique constraints include the community, or are on a random token;
- foreign keys from a distributed table point at reference tables, or at another distributed table
  (co-located: both rows carry the community — listed here so that a new one is a decision).
"""

from __future__ import annotations

from django.apps import apps
from django.db import models

from gongzhi.core.manifests import manifests

# Co-located links between distributed tables. Each joins rows that carry the same community, except
# where noted: those are the cross-community links a sharded deployment must route through the
# coordinator (or re-key) — see docs/deploy.md.
COLOCATED = {
    ("registry.Building", "estate"),
    ("registry.Building", "grid"),
    ("registry.Dwelling", "building"),
    ("registry.Person", "dwelling"),
    ("registry.Household", "dwelling"),
    ("registry.Household", "head"),
    ("registry.HouseholdMember", "household"),
    ("registry.HouseholdMember", "person"),
    ("registry.PersonTag", "person"),
    ("integration.SourceRecord", "person"),  # a person who moves keeps older records: cross-community
    ("integration.LinkCandidate", "record"),
    ("integration.LinkCandidate", "person"),  # candidates may live in another community
    ("integration.Merge", "kept"),
    ("integration.FieldValue", "person"),
    ("integration.FieldValue", "record"),
    ("integration.Conflict", "person"),
    ("integration.Conflict", "chosen"),
    ("demands.Demand", "estate"),
    ("demands.Demand", "building"),
    ("demands.Demand", "person"),
    ("demands.Demand", "proactive_task"),  # a street's task may gather demands of several communities
    ("demands.DemandPhoto", "demand"),
    ("demands.Assignment", "demand"),
    ("demands.DemandEvent", "demand"),
    ("demands.ExtensionRequest", "demand"),
    ("demands.ReturnRequest", "demand"),
    ("demands.Notification", "demand"),
}
# Unique keys on distributed tables that cannot simply take the community column:
# - a random token, unique by construction;
# - one identity number, one person, across the whole district: sharded, this key moves to a
#   lookup table distributed by the hash itself (docs/deploy.md), checked before the insert.
GLOBAL_KEYS = {
    ("demands.Demand", ("tracking_code",)),
    ("registry.Person", ("id_number_hash",)),
    # an import batch spans a district: its row numbers are checked on the coordinator, then routed
    ("integration.SourceRecord", ("batch", "row_number")),
    # an Idempotency-Key is the caller's (per account, or per signed-out caller): checked on the
    # coordinator before the demand is routed to its community
    ("demands.Demand", ("created_by", "idempotency_key")),
    ("demands.Demand", ("idempotency_key",)),
}


def _ours():
    return [m for m in apps.get_models() if m.__module__.startswith("gongzhi.")]


def _declared():
    reference, local = set(), set()
    for m in manifests():
        reference |= {f"{m.app_label}.{name}" for name in m.reference_tables}
        local |= {f"{m.app_label}.{name}" for name in m.local_tables}
    return reference, local


def _distributed(model) -> bool:
    names = {f.name for f in model._meta.concrete_fields}
    return "community" in names or "community_code" in names


def test_every_model_is_distributed_or_declared():
    reference, local = _declared()
    unclassified = [
        m._meta.label for m in _ours() if not _distributed(m) and m._meta.label not in reference | local
    ]
    assert unclassified == [], "name these in their app's manifest (reference_tables / local_tables)"
    both = [m._meta.label for m in _ours() if _distributed(m) and m._meta.label in reference]
    assert both == []


def test_the_community_column_is_a_community():
    reference, local = _declared()
    for model in _ours():
        if not _distributed(model) or model._meta.label in local:
            continue
        names = {f.name: f for f in model._meta.concrete_fields}
        field = names.get("community") or names["community_code"]
        if isinstance(field, models.ForeignKey):
            assert field.related_model._meta.label == "core.Region", model
            assert field.remote_field.limit_choices_to == {"level": 5}, model
        else:
            assert field.max_length == 12, model


def test_unique_keys_of_distributed_tables_include_the_community():
    reference, local = _declared()
    offenders = []
    for model in _ours():
        if not _distributed(model) or model._meta.label in local:
            continue
        keys = [c.fields for c in model._meta.constraints if isinstance(c, models.UniqueConstraint)]
        keys += [tuple(t) for t in model._meta.unique_together]
        keys += [(f.name,) for f in model._meta.concrete_fields if f.unique and not f.primary_key]
        for fields in keys:
            if "community" in fields or "community_code" in fields:
                continue
            if (model._meta.label, tuple(fields)) in GLOBAL_KEYS:
                continue
            # A key over a co-located parent (an estate, a batch, a demand…) means the same with the
            # community added, so the sharded schema can include it.
            if any((model._meta.label, name) in COLOCATED for name in fields):
                continue
            offenders.append((model._meta.label, fields))
    assert offenders == []


def test_links_between_distributed_tables_are_known():
    reference, local = _declared()
    found = set()
    for model in _ours():
        if not _distributed(model) or model._meta.label in local:
            continue
        for f in model._meta.concrete_fields:
            if not isinstance(f, models.ForeignKey):
                continue
            target = f.related_model
            if target._meta.label in reference or not target.__module__.startswith("gongzhi."):
                continue
            if f.name == "community":
                continue
            found.add((model._meta.label, f.name))
    assert found - COLOCATED == set(), (
        "a new link between distributed tables: add it here and to docs/deploy.md"
    )
