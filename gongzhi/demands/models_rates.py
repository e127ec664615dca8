"""The three rates' monthly rollup (rates_rollup.py): additive counts per month, community and
unit, and one state row per month saying whether its counts may stand in for the records."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RatesMonth(models.Model):
    """What the rates count in one month (local time), for the demands located in one
    community and one unit: the dispatches made in the month (response rate, keyed by
    dispatched_at) and the demands closed in it (resolution and satisfaction, keyed by
    closed_at), proactive tasks left out and counted apart, and the 622 kinds of the closed
    demands. Every column is a count, so months, communities and units add up."""

    month = models.DateField(_("月份"))  # the first day of the month
    community = models.CharField(_("社区代码"), max_length=12)
    per_unit = models.BooleanField(_("按承办单位"), default=True)
    unit_id = models.IntegerField(_("承办单位"), null=True)
    dispatched = models.IntegerField(default=0)  # dispatches whose response is known
    signed_in_time = models.IntegerField(default=0)
    sign_pending = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    resolution_known = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    tasks_dispatched = models.IntegerField(default=0)
    tasks_closed = models.IntegerField(default=0)
    # 622: the closed demands (tasks left out) by resolution kind
    kind_deliberation = models.IntegerField(default=0)
    kind_social_org = models.IntegerField(default=0)
    kind_referral = models.IntegerField(default=0)
    kind_unspecified = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("三率月度汇总")
        verbose_name_plural = _("三率月度汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "per_unit", "community", "unit_id"], name="rates_month_unique"
            ),
        ]
        indexes = [models.Index(fields=["month", "per_unit", "community"], name="rates_month_community_idx")]


class RatesMonthState(models.Model):
    """Whether a month's rollup may be used. The demands services set `stale` in the same
    transaction as any change to what the month counts; a refresh clears it. The rollup is
    used only when it is not stale and was computed once the month was settled: over, and
    every dispatch in it past its sign-for limit (`settled_at`), so that the time of reading
    no longer changes its counts."""

    month = models.DateField(_("月份"), primary_key=True)
    stale = models.BooleanField(_("需要重算"), default=True)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    settled_at = models.DateTimeField(_("结果确定时间"), null=True, blank=True)
    rows = models.IntegerField(_("行数"), default=0)
    seconds = models.FloatField(_("用时（秒）"), default=0)

    class Meta:
        verbose_name = _("三率月度汇总状态")
        verbose_name_plural = _("三率月度汇总状态")
