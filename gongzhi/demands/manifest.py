"""Demands (接诉即办) declare themselves: permissions, menu, API, pages, Open311, demo history."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.manifests import AppManifest, DemoStep, MenuEntry

from . import rules
from .demo_steps import demo_demands_history, demo_units_and_keys
from .figures import FIGURES
from .home import home_panel
from .units import unit_for_new_department, units_for_regions

manifest = AppManifest(
    app_label="demands",
    permissions=rules.ROLE_PERMISSIONS,
    scoped_permissions=rules.SCOPED,
    # RatesMonthState: one row per month (is its rollup stale), small and global like a code table.
    reference_tables=("Category", "HolidayCalendar", "HandlingUnit", "RatesMonthState"),
    menu_section=_("诉求办理"),
    menu=(
        MenuEntry(_("诉求办理"), "demands:work_list", rules.HANDLE, order=30),
        MenuEntry(_("派单"), "demands:queue", rules.DISPATCH, order=31),
        MenuEntry(_("诉求受理"), "demands:intake", rules.INTAKE, order=32, tab=30, tab_label=_("上报")),
        MenuEntry(_("我上报的"), "demands:reported", rules.INTAKE, order=33, tab=40, tab_label=_("我上报的")),
        MenuEntry(_("三率统计"), "demands:rates", rules.VIEW_RATES, order=34),
        MenuEntry(_("超期督办"), "demands:overdue", rules.SUPERVISE, order=35),
        MenuEntry(_("热点问题"), "demands:hot_issues", rules.VIEW_RATES, order=36),
        MenuEntry(_("我要反映"), "demands:submit", rules.OWN, order=37, tab=10, tab_label=_("反映")),
        MenuEntry(_("我的诉求"), "demands:mine", rules.OWN, order=38, tab=20, tab_label=_("我的诉求")),
        MenuEntry(_("查询进度"), "demands:track_lookup", rules.OWN, order=39, tab=30, tab_label=_("查进度")),
    ),
    public_menu=(
        MenuEntry(_("我要反映"), "demands:submit", None, tab=10, tab_label=_("我要反映")),
        MenuEntry(_("查询进度"), "demands:track_lookup", None, tab=20, tab_label=_("查询进度")),
    ),
    home_panels=(home_panel,),
    api=("/demands/", "gongzhi.demands.api:router"),
    urls=(("demands/", "gongzhi.demands.urls"), ("open311/", "gongzhi.demands.open311.urls")),
    hooks={"regions_imported": units_for_regions, "department_created": unit_for_new_department},
    demo=(
        DemoStep(50, _("接诉即办的处理单位与 Open311 密钥"), demo_units_and_keys),
        DemoStep(60, _("接诉即办：近六个月的诉求与分类模型"), demo_demands_history),
    ),
    figures=FIGURES,
    global_keys=(
        ("Demand", ("tracking_code",)),
        ("Demand", ("created_by", "idempotency_key")),
        ("Demand", ("idempotency_key",)),
    ),
)
