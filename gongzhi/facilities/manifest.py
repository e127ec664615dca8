"""The facilities register declares itself: permissions, menu, API, pages, demo, figures."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.manifests import AppManifest, DemoStep, Figure, MenuEntry

from . import rules
from .demo import demo_facilities_build
from .demo_funding import demo_funding_build

manifest = AppManifest(
    app_label="facilities",
    permissions=rules.ROLE_PERMISSIONS,
    scoped_permissions=rules.SCOPED,
    reference_tables=("Standard",),
    menu_section=_("设施与台账"),
    menu=(
        MenuEntry(_("设施达标"), "facilities:compliance", rules.VIEW, order=95),
        MenuEntry(_("十分钟服务圈"), "facilities:circle", rules.VIEW, order=96),
        MenuEntry(_("经费与报酬"), "facilities:funding", rules.VIEW, order=96),
    ),
    api=("/facilities/", "gongzhi.facilities.api:router"),
    urls=(("facilities/", "gongzhi.facilities.urls"),),
    demo=(
        DemoStep(95, _("社区设施、服务设施与建设标准"), demo_facilities_build),
        DemoStep(96, _("经费与报酬：社区干部和本年度拨付"), demo_funding_build),
    ),
    figures=(
        Figure(
            "facilities.standards_met",
            _("设施全部达标的社区占比"),
            "gongzhi.facilities.selectors.figure_standards_met",
            unit="%",
        ),
        Figure(
            "facilities.premises_area",
            _("社区用房面积"),
            "gongzhi.facilities.selectors.figure_premises_area",
            unit="㎡",
        ),
        Figure(
            "facilities.circle_500",
            _("综合服务站500米内户数占比"),
            "gongzhi.facilities.selectors.figure_circle_500",
            unit="%",
        ),
        Figure(
            "facilities.room_use",
            _("社区用房实际使用率（近30天）"),
            "gongzhi.facilities.selectors.figure_room_use",
            unit="%",
        ),
        Figure(
            "facilities.funding_owed",
            _("应享未享经费与报酬"),
            "gongzhi.facilities.entitlements.figure_owed",
            unit="元",
        ),
        Figure(
            "facilities.funding_paid_share",
            _("应享经费与报酬已拨付比例"),
            "gongzhi.facilities.entitlements.figure_paid_share",
            unit="%",
        ),
    ),
)
