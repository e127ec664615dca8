from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import scoped
from gongzhi.visits.selectors import FigureResult

from . import rules
from .models import Election


def elections(*, user):
    return scoped(Election.objects.select_related("community"), user, rules.VIEW)


def turnout(*, user, **params):
    records = [(e.community.name, e.term, e.registered, e.voted, e.turnout) for e in elections(user=user)]
    reg = sum(r[2] for r in records)
    value = round(100 * sum(r[3] for r in records) / reg, 1) if reg else None
    return FigureResult(
        value, records, "%", (_("社区"), _("届次"), _("登记选民数"), _("参选人数"), _("参选率"))
    )
