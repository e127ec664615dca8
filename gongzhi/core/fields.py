"""Fields every app uses the same way."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


def community_fk(*, null: bool = False, related_name: str = "+", verbose_name=None) -> models.ForeignKey:
    """The community (a level-5 region) a row belongs to.

    Every per-community table carries it: it is what scoping filters on (by code prefix), and the
    distribution column if the database is ever sharded by community (docs/deploy.md)."""
    return models.ForeignKey(
        "core.Region",
        verbose_name=verbose_name or _("社区"),
        on_delete=models.PROTECT,
        related_name=related_name,
        limit_choices_to={"level": 5},
        null=null,
        blank=null,
    )
