"""The registry's dashboard figures (residents, households, group tags): each selector returns
the number and the records it counted. People are listed with masked names only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from gongzhi.core import pii
from gongzhi.core.manifests import Figure
from gongzhi.core.scoping import scope_q

from .codes import PersonStatus, TagKind
from .models import Household, Person
from .rules import VIEW_PERSON
from .selectors import _current_tags


class MaskedPeople:
    """People shown by masked name and community (for a figure's drill-down)."""

    def __init__(self, qs: QuerySet[Person]):
        self.qs = qs.order_by("community_id", "id")

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, s):
        rows = self.qs.values_list("name", "community__name")[s]
        return [f"{pii.mask_name(n)} · {c}" for n, c in rows]


@dataclass
class Count:
    number: Any
    records: Any


def _people(user, region) -> QuerySet[Person]:
    return Person.objects.filter(
        scope_q(user, VIEW_PERSON), community__code__startswith=region.code, status=PersonStatus.ACTIVE
    )


def residents(*, user, region) -> Count:
    """Residents on the register (status 在册) living in the region."""
    qs = _people(user, region)
    return Count(qs.count(), MaskedPeople(qs))


def households(*, user, region) -> Count:
    """Households registered in the region."""
    qs = Household.objects.filter(scope_q(user, VIEW_PERSON), community__code__startswith=region.code)
    return Count(qs.count(), qs.order_by("community_id", "number"))


def _tagged(kind):
    def selector(*, user, region) -> Count:
        qs = _people(user, region).filter(
            id__in=_current_tags(kind).filter(community__code__startswith=region.code).values("person_id")
        )
        return Count(qs.count(), MaskedPeople(qs))

    selector.__doc__ = f"在册居民中当前带有“{TagKind(kind).label}”标签（在有效期内）的人数。"
    return selector


elderly_80 = _tagged(TagKind.ELDERLY_80)
elderly_alone = _tagged(TagKind.ELDERLY_ALONE)
disabled = _tagged(TagKind.DISABLED)
minimum_allowance = _tagged(TagKind.MINIMUM_ALLOWANCE)

residents.__doc__ = "户籍与居住登记中状态为“在册”、居住在本地区的居民人数。"
households.__doc__ = "本地区登记的户数（家庭户与集体户）。"

FIGURES = (
    Figure("registry.residents", _("在册居民"), "gongzhi.registry.figures.residents", unit="人"),
    Figure("registry.households", _("户数"), "gongzhi.registry.figures.households", unit="户"),
    Figure("registry.elderly_80", _("高龄老人"), "gongzhi.registry.figures.elderly_80", unit="人"),
    Figure("registry.elderly_alone", _("独居老人"), "gongzhi.registry.figures.elderly_alone", unit="人"),
    Figure("registry.disabled", _("残疾人"), "gongzhi.registry.figures.disabled", unit="人"),
    Figure(
        "registry.minimum_allowance", _("低保对象"), "gongzhi.registry.figures.minimum_allowance", unit="人"
    ),
)
