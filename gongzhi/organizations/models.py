"""Organisations a role can be scoped to: social organisations, units based in the area,
property companies and owners' committees."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import Region, TimeStampedModel


class OrganizationKind(models.TextChoices):
    SOCIAL_ORGANIZATION = "social_org", _("社会组织")
    COMMUNITY_SOCIAL_ORGANIZATION = "community_social_org", _("社区社会组织")
    RESIDENT_UNIT = "resident_unit", _("驻区单位")
    PROPERTY_COMPANY = "property_company", _("物业公司")
    OWNERS_COMMITTEE = "owners_committee", _("业主委员会")


class Organization(TimeStampedModel):
    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类别"), max_length=30, choices=OrganizationKind.choices)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    # The region it works in: a community for most, a street or district for larger ones.
    region = models.ForeignKey(Region, verbose_name=_("服务区域"), on_delete=models.PROTECT, related_name="+")
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
