"""Sharing rules: which fields each kind of department may read."""

from __future__ import annotations

from django.db import transaction

from gongzhi.core.permissions import require

from ..models import (
    SharedField,
    SharingRule,
)
from ..rules import MANAGE_SHARING

# --- sharing rules ------------------------------------------------------------------------


@transaction.atomic
def sharing_rules_set(*, by, department_kind: str, fields: list[str]) -> list[str]:
    """Which fields a kind of department may read (replaces the current list)."""
    require(by, MANAGE_SHARING)
    fields = sorted({f for f in fields if f in SharedField.values})
    SharingRule.objects.filter(department_kind=department_kind).exclude(field__in=fields).delete()
    for f in fields:
        SharingRule.objects.get_or_create(department_kind=department_kind, field=f)
    return fields
