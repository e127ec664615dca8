"""Demands' dashboard figures for the ledgers: the three rates and the 622 shares of a month,
each with the records it counted (the same counting as the rates page)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from gongzhi.core.manifests import Figure

from .models import ResolutionKind
from .rates import Period, _closings, _proactive_ids, figure, shares_622


@dataclass
class Share:
    number: Any
    records: Any


def _rate(metric: str, doc: str):
    def selector(*, region, period: str):
        return figure(region, Period.parse(period), metric=metric)

    selector.__doc__ = doc
    return selector


response = _rate(
    "response", "本月派单中在签收时限内签收的件数 ÷ 本月已有结果的派单件数（口径同“三率统计”）。"
)
resolution = _rate(
    "resolution", "本月办结诉求中居民表示“已解决”的件数 ÷ 本月办结且居民已答复是否解决的件数。"
)
satisfaction = _rate("satisfaction", "本月办结诉求中评价为“满意”和“基本满意”的件数 ÷ 本月有评价的办结件数。")


def _share(kind: str, doc: str):
    def selector(*, region, period: str) -> Share:
        p = Period.parse(period)
        rows = shares_622(region, p)
        total = sum(r["total"] for r in rows)
        records = (
            _closings(region.code, p).exclude(id__in=_proactive_ids(region.code)).filter(resolution_kind=kind)
        )
        return Share(
            None if not total else sum(r[kind] for r in rows) / total, records.order_by("-closed_at")
        )

    selector.__doc__ = doc
    return selector


share_deliberation = _share(
    ResolutionKind.DELIBERATION, "“622”：本月办结诉求中由社区协商解决的占比（目标60%）。"
)
share_social_org = _share(
    ResolutionKind.SOCIAL_ORG, "“622”：本月办结诉求中由社会组织服务解决的占比（目标20%）。"
)
share_referral = _share(ResolutionKind.REFERRAL, "“622”：本月办结诉求中转办职能部门的占比（目标20%）。")

FIGURES = (
    Figure("demands.response", _("响应率"), "gongzhi.demands.figures.response", unit="%"),
    Figure("demands.resolution", _("解决率"), "gongzhi.demands.figures.resolution", unit="%"),
    Figure("demands.satisfaction", _("满意率"), "gongzhi.demands.figures.satisfaction", unit="%"),
    Figure(
        "demands.share_deliberation",
        _("协商解决占比"),
        "gongzhi.demands.figures.share_deliberation",
        unit="%",
    ),
    Figure(
        "demands.share_social_org",
        _("社会组织服务占比"),
        "gongzhi.demands.figures.share_social_org",
        unit="%",
    ),
    Figure(
        "demands.share_referral", _("转办职能部门占比"), "gongzhi.demands.figures.share_referral", unit="%"
    ),
)
