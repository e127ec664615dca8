from __future__ import annotations

from gongzhi.core.errors import NotFound
from gongzhi.core.scoping import scope_q

from . import rules
from .models import Round


def rounds(*, user):
    return Round.objects.filter(scope_q(user, rules.VIEW, "region_id")).select_related("region")


def round_get(*, user, pk: int) -> Round:
    r = rounds(user=user).filter(pk=pk).first()
    if r is None:
        raise NotFound()
    return r
