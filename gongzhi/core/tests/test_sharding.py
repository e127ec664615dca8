"""What sharding by community (Citus, docs/deploy.md) needs of the schema, checked on every model of
every app, from what the apps' manifests declare (so a new app answers for its own tables):

- every model is classified: distributed by its community column, or named by its app's manifest as
  a reference table (small, copied to every node) or a local one (kept on the coordinator);
- a distributed table's community column is the community itself (`community_fk()` or a 12-digit
  community code);
- a distributed table's unique keys include the community, or run over a co-located parent (a row of
  another distributed table: adding the community changes nothing), or are declared by the manifest
  as global keys (checked on the coordinator when sharded);
- foreign keys from a distributed table point at distributed (co-located) or reference tables, never
  at a coordinator-local one.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models

from gongzhi.core.manifests import manifests


def _ours():
    return [m for m in apps.get_models() if m.__module__.startswith("gongzhi.")]


def _declared():
    reference, local = set(), set()
    for m in manifests():
        reference |= {f"{m.app_label}.{name}" for name in m.reference_tables}
        local |= {f"{m.app_label}.{name}" for name in m.local_tables}
    return reference, local


def _global_keys():
    return {(f"{m.app_label}.{model}", tuple(fields)) for m in manifests() for model, fields in m.global_keys}


def _colocated_parents(model, local) -> set[str]:
    """The model's foreign keys to other distributed tables (rows of one community with it)."""
    return {
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.ForeignKey)
        and f.name != "community"
        and _distributed(f.related_model)
        and f.related_model._meta.label not in local
    }


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
    global_keys = _global_keys()
    offenders = []
    for model in _ours():
        if not _distributed(model) or model._meta.label in local:
            continue
        parents = _colocated_parents(model, local)
        keys = [tuple(c.fields) for c in model._meta.constraints if isinstance(c, models.UniqueConstraint)]
        keys += [tuple(t) for t in model._meta.unique_together]
        keys += [(f.name,) for f in model._meta.concrete_fields if f.unique and not f.primary_key]
        for fields in keys:
            if "community" in fields or "community_code" in fields or set(fields) & parents:
                continue
            if (model._meta.label, fields) in global_keys:
                continue
            offenders.append((model._meta.label, fields))
    assert offenders == [], "include the community, or declare the key in the app's manifest (global_keys)"


def test_distributed_tables_point_only_at_distributed_or_reference_tables():
    reference, local = _declared()
    offenders = []
    for model in _ours():
        if not _distributed(model) or model._meta.label in local:
            continue
        for f in model._meta.concrete_fields:
            if isinstance(f, models.ForeignKey) and f.related_model._meta.label in local:
                offenders.append((model._meta.label, f.name, f.related_model._meta.label))
    assert offenders == []


def test_declared_global_keys_exist():
    for label, fields in _global_keys():
        model = apps.get_model(label)
        names = {f.name for f in model._meta.concrete_fields}
        assert set(fields) <= names, (label, fields)
