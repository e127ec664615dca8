"""Monthly snapshots of every figure, per region (community, street, district): append-only."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core.append_only import AppendOnlyModel


class Snapshot(AppendOnlyModel):
    region = models.ForeignKey(
        "core.Region", verbose_name=_("地区"), on_delete=models.PROTECT, related_name="+"
    )
    figure = models.CharField(_("指标"), max_length=60)
    period = models.CharField(_("月份"), max_length=7)  # YYYY-MM
    value = models.FloatField(_("数值"), null=True)
    records = models.PositiveIntegerField(_("记录数"), null=True)
    taken_at = models.DateTimeField(_("生成时间"))

    class Meta:
        verbose_name = _("指标快照")
        verbose_name_plural = _("指标快照")
        ordering = ["figure", "region_id", "period"]
        constraints = [
            models.UniqueConstraint(fields=["region", "figure", "period"], name="snapshot_unique_period"),
        ]


class Rollup(models.Model):
    """A figure pre-computed for one region and month, so that dashboards answer from one
    indexed read. Recomputed from the records by the figure's own selector
    (`ledgers.rollups.rollups_refresh`); `rollups_check` recomputes live and compares."""

    region = models.ForeignKey(
        "core.Region", verbose_name=_("地区"), on_delete=models.PROTECT, related_name="+"
    )
    figure = models.CharField(_("指标"), max_length=60)
    period = models.CharField(_("月份"), max_length=7)  # YYYY-MM
    value = models.FloatField(_("数值"), null=True)
    records = models.PositiveIntegerField(_("记录数"), null=True)
    below = models.BooleanField(_("未达标"), default=False)
    error = models.CharField(_("计算错误"), max_length=60, blank=True)
    computed_at = models.DateTimeField(_("计算时间"))
    took_ms = models.PositiveIntegerField(_("计算耗时（毫秒）"), default=0)

    class Meta:
        verbose_name = _("指标汇总")
        verbose_name_plural = _("指标汇总")
        constraints = [
            models.UniqueConstraint(fields=["period", "region", "figure"], name="rollup_unique"),
        ]
