"""Merging two registered people found to be one, and undoing it.

A merge folds `absorbed` into `kept`: every row anywhere that points to the absorbed person
(records, field values, tags, household membership, users, other apps' rows) is re-pointed
to the kept one, and the absorbed row is removed. The Merge keeps both people's rows as
they were and the list of re-pointed rows, so that undoing it puts everything back.
"""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.core import serializers
from django.db import IntegrityError, transaction
from django.db.models import ForeignObjectRel
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.history import change_record
from gongzhi.core.permissions import require
from gongzhi.registry import services as registry_services
from gongzhi.registry.models import Person

from .. import batchlink
from ..errors import error
from ..models import Conflict, FieldValue, LinkCandidate, Merge
from ..rules import REVIEW
from .provenance import ORIGIN, person_fields_apply

# Integration rows whose community follows their person's.
_FOLLOW_COMMUNITY = (FieldValue, Conflict, LinkCandidate)
# Fields filled on the kept person from the absorbed one when the kept lacks them.
_FILL = ("birth_date", "address", "hukou_address", "workplace", "former_names")


def _serialise(objs) -> list:
    return json.loads(serializers.serialize("json", objs))


def _deserialise(data: list):
    return serializers.deserialize("json", json.dumps(data))


def _repoint(absorbed: Person, kept: Person) -> tuple[list, list]:
    moved: list = []
    removed: list = []
    # Every relation to Person, the hidden ones (related_name="+") included.
    relations = [
        f
        for f in Person._meta.get_fields(include_hidden=True)
        if isinstance(f, ForeignObjectRel) and f.auto_created and not f.concrete
    ]
    for rel in relations:
        if rel.many_to_many:
            continue
        model = rel.related_model
        fk = rel.field
        for obj in model._base_manager.filter(**{fk.attname: absorbed.pk}).order_by("pk"):
            update: dict[str, Any] = {fk.attname: kept.pk}
            old_community = None
            if isinstance(obj, _FOLLOW_COMMUNITY):
                old_community = obj.community_id
                update["community_id"] = kept.community_id
            clash = rel.one_to_one and model._base_manager.filter(**{fk.attname: kept.pk}).exists()
            if not clash:
                try:
                    with transaction.atomic():
                        model._base_manager.filter(pk=obj.pk).update(**update)
                    moved.append([model._meta.label, obj.pk, fk.attname, old_community])
                    continue
                except IntegrityError:
                    pass
            removed.extend(_serialise([obj]))
            model._base_manager.filter(pk=obj.pk).delete()
    return moved, removed


@transaction.atomic
def person_merge(*, by, kept: Person, absorbed: Person, reason: str = "") -> Merge:
    """Fold `absorbed` into `kept`, keeping full provenance and what is needed to undo it."""
    require(by, REVIEW, kept, hide=True)
    require(by, REVIEW, absorbed, hide=True)
    if kept.pk == absorbed.pk:
        raise error("same_person")
    locked = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[kept.pk, absorbed.pk])}
    kept, absorbed = locked[kept.pk], locked[absorbed.pk]
    if kept.id_number_hash and absorbed.id_number_hash and kept.id_number_hash != absorbed.id_number_hash:
        raise error("different_id_numbers")
    kept_snapshot = _serialise([kept])
    absorbed_snapshot = _serialise([absorbed])
    id_number = absorbed.id_number if absorbed.id_number_hash and not kept.id_number_hash else ""
    phone = absorbed.phone if absorbed.phone_hash and not kept.phone_hash else ""
    fill = {f: getattr(absorbed, f) for f in _FILL if getattr(absorbed, f) and not getattr(kept, f)}
    moved, removed = _repoint(absorbed, kept)
    absorbed_pk, absorbed_name = absorbed.pk, absorbed.name
    change_record(obj=absorbed, by=by, action="merge", changes={"merged_into": [None, kept.pk]}, note=reason)
    Person.objects.filter(pk=absorbed_pk).delete()
    merge = Merge.objects.create(
        community_id=kept.community_id,
        kept=kept,
        kept_pk=kept.pk,
        absorbed_pk=absorbed_pk,
        absorbed_name=absorbed_name,
        kept_snapshot=kept_snapshot,
        absorbed_snapshot=absorbed_snapshot,
        moved=moved,
        removed=removed,
        reason=reason[:200],
        by=by,
    )
    data = dict(fill)
    if id_number:
        data["id_number"] = id_number
    if phone:
        data["phone"] = phone
    if data.get("id_number") or kept.id_number_hash:
        data.pop("birth_date", None)
    if data:
        # Filled from the absorbed person: not a community observation (origin ORIGIN).
        registry_services.person_update(
            by=by,
            person=kept,
            data=data,
            perm=REVIEW,
            note=_("合并居民 %(pk)s") % {"pk": absorbed_pk},
            origin=ORIGIN,
        )
    else:
        change_record(obj=kept, by=by, action="merge", changes={"absorbed": [None, absorbed_pk]}, note=reason)
    person_fields_apply(person=kept, by=by, perm=REVIEW)
    # the absorbed person's blocking keys may have been moved onto the kept one
    batchlink.keys_sync([kept.pk])
    return merge


@transaction.atomic
def merge_undo(*, by, merge: Merge) -> tuple[Person, Person]:
    """Put both people back as they were before the merge, with their memberships, tags,
    records and field provenance."""
    require(by, REVIEW, merge, hide=True)
    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    if merge.is_undone:
        raise error("merge_undone")
    kept = Person.objects.select_for_update().filter(pk=merge.kept_pk).first()
    if kept is None:
        raise error("kept_missing")
    require(by, REVIEW, kept, hide=True)
    for item in _deserialise(merge.kept_snapshot):
        item.object.save()
    for item in _deserialise(merge.absorbed_snapshot):
        if (
            Person.objects.filter(id_number_hash=item.object.id_number_hash)
            .exclude(id_number_hash="")
            .exists()
        ):
            raise error("id_taken")
        item.object.save(force_insert=True)
    for label, pk, attname, old_community in merge.moved:
        model = apps.get_model(label)
        update = {attname: merge.absorbed_pk}
        if old_community is not None:
            update["community_id"] = old_community
        model._base_manager.filter(pk=pk, **{attname: merge.kept_pk}).update(**update)
    for item in _deserialise(merge.removed):
        item.object.save(force_insert=True)
    merge.undone_at = timezone.now()
    merge.undone_by = by
    merge.save(update_fields=["undone_at", "undone_by"])
    kept = Person.objects.get(pk=merge.kept_pk)
    absorbed = Person.objects.get(pk=merge.absorbed_pk)
    change_record(obj=kept, by=by, action="merge_undo", changes={"absorbed": [merge.absorbed_pk, None]})
    change_record(obj=absorbed, by=by, action="merge_undo", changes={"merged_into": [merge.kept_pk, None]})
    # both people put back behind the register's services: their blocking keys follow
    batchlink.keys_sync([kept.pk, absorbed.pk])
    return kept, absorbed
