"""Demands (接诉即办) declare themselves: permissions, menu, API, pages, Open311, demo history."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.manifests import AppManifest, DemoStep, MenuEntry

from . import rules
from .demo_steps import demo_demands_history, demo_units_and_keys

manifest = AppManifest(
    app_label="demands",
    permissions=rules.ROLE_PERMISSIONS,
    scoped_permissions=rules.SCOPED,
    reference_tables=("Category", "HolidayCalendar", "HandlingUnit"),
    menu=(
        MenuEntry(_("诉求办理"), "demands:work_list", rules.HANDLE, order=30, phone_tab=True),
        MenuEntry(_("派单"), "demands:queue", rules.DISPATCH, order=31),
        MenuEntry(_("热线受理"), "demands:intake", rules.INTAKE, order=32, phone_tab=True),
        MenuEntry(_("三率统计"), "demands:rates", rules.VIEW_RATES, order=33),
        MenuEntry(_("超期督办"), "demands:overdue", rules.SUPERVISE, order=34),
        MenuEntry(_("热点问题"), "demands:hot_issues", rules.VIEW_RATES, order=35),
        MenuEntry(_("我的诉求"), "demands:mine", rules.OWN, order=36, phone_tab=True),
    ),
    api=("/demands/", "gongzhi.demands.api:router"),
    urls=(("demands/", "gongzhi.demands.urls"), ("open311/", "gongzhi.demands.open311.urls")),
    demo=(
        DemoStep(50, _("接诉即办的处理单位与 Open311 密钥"), demo_units_and_keys),
        DemoStep(60, _("接诉即办：近六个月的诉求与分类模型"), demo_demands_history),
    ),
)
