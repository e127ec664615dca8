from __future__ import annotations

from django.db.models import Q

from gongzhi.core.errors import NotFound
from gongzhi.core.scoping import scope_prefixes, scope_q

from . import rules
from .models import Round

LEVEL_LENGTHS = (2, 4, 6, 9)  # province, city, district, street: the prefixes of a community code


def rounds(*, user):
    """Rounds in the user's area, and those of the street (or district) their community lies in:
    a resident of 军门社区 votes in 东街街道's round too."""
    prefixes = scope_prefixes(user, rules.VIEW)
    if not prefixes:
        return Round.objects.none()
    above = {p[:n] for p in prefixes for n in LEVEL_LENGTHS if len(p) > n}
    return (
        Round.objects.filter(scope_q(user, rules.VIEW, "region_id") | Q(region_id__in=above))
        .select_related("region")
        .order_by("-id")
    )


def round_get(*, user, pk: int) -> Round:
    r = rounds(user=user).filter(pk=pk).first()
    if r is None:
        raise NotFound()
    return r


def collecting_rounds(region_code: str):
    """Rounds of exactly this region (a community or a street) now collecting proposals: where a
    council's resolution may become a project (deliberation's resolution_services)."""
    from .models import Phase

    return Round.objects.filter(region_id=region_code, phase=Phase.COLLECT).order_by("-id")
