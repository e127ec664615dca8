"""Organisations declare themselves: registers, shared spaces and the demo's organisations."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.manifests import AppManifest, DemoStep, Figure, MenuEntry

from . import rules
from .demo import (
    demo_lists_build,
    demo_organization_staff,
    demo_registers_build,
    demo_spaces_build,
    demo_unit_contact,
)
from .home import bookings_panel, registers_panel, unit_panel

_S = "gongzhi.organizations.selectors."

manifest = AppManifest(
    app_label="organizations",
    permissions=rules.ROLE_PERMISSIONS,
    scoped_permissions=rules.SCOPED,
    reference_tables=("Organization", "OrganizationProfile"),
    menu_section=_("社会组织"),
    menu=(
        MenuEntry(_("本单位"), "organizations:unit", rules.UNIT, order=59),
        MenuEntry(_("组织名册"), "organizations:register", rules.VIEW, order=60),
        MenuEntry(_("场地预约"), "organizations:space_list", rules.BOOK, order=61),
        MenuEntry(_("四个清单"), "organizations:lists", rules.VIEW, order=62),
        MenuEntry(_("共建共治指标"), "organizations:figures", rules.VIEW, order=64),
    ),
    home_panels=(unit_panel, registers_panel, bookings_panel),
    api=("/organizations/", "gongzhi.organizations.api:router"),
    urls=(("organizations/", "gongzhi.organizations.urls"),),
    demo=(
        DemoStep(85, _("社会组织、驻区单位、物业公司与业委会名册"), demo_registers_build),
        DemoStep(86, _("共享场地与预约"), demo_spaces_build),
        DemoStep(87, _("四个清单与需求对接"), demo_lists_build),
    ),
    demo_account_hooks=(demo_organization_staff, demo_unit_contact),
    figures=(
        Figure("organizations.per_10k", _("每万名居民拥有社会组织数"), _S + "orgs_per_10k"),
        Figure("organizations.property_coverage", _("物业管理覆盖率"), _S + "property_coverage", "%"),
        Figure("organizations.committee_coverage", _("业委会覆盖率"), _S + "committee_coverage", "%"),
        Figure("organizations.space_usage", _("场地使用率（近30天）"), _S + "space_usage", "%"),
        Figure("organizations.booking_fees", _("场地收费（近30天，元）"), _S + "booking_fees"),
        Figure(
            "organizations.premises_by_orgs",
            _("社区场地由社会组织使用的占比"),
            _S + "organization_share_of_premises",
            "%",
        ),
        Figure("organizations.needs_met", _("需求对接率"), "gongzhi.organizations.lists.needs_met", "%"),
        Figure("organizations.resources_used", _("承诺资源使用率"), _S + "resources_pledged_vs_used", "%"),
    ),
)
