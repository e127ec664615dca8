"""Grid work (包片联户、走访日记、民情台账) declares itself to the platform."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.manifests import AppManifest, DemoStep, Figure, MenuEntry

from . import policy, rules
from .demo import demo_grid_work
from .home import head_panel, worker_panel

manifest = AppManifest(
    app_label="visits",
    permissions=rules.ROLE_PERMISSIONS,
    scoped_permissions=rules.SCOPED,
    menu_section=_("网格与关爱"),
    menu=(
        MenuEntry(_("今日走访"), "visits:my_day", rules.RECORD, order=20, tab=5, tab_label=_("走访")),
        MenuEntry(_("民情台账"), "visits:ledger", rules.VIEW, order=21, tab=45, tab_label=_("台账")),
        MenuEntry(_("包片联户"), "visits:coverage", rules.VIEW, order=22),
        MenuEntry(_("走访计划"), "visits:plans", rules.VIEW, order=23),
        MenuEntry(_("网格工作指标"), "visits:figures", rules.VIEW, order=24),
        MenuEntry(_("老旧院落"), "visits:courtyards", rules.VIEW, order=29),
    ),
    home_panels=(worker_panel, head_panel),
    urls=(("visits/", "gongzhi.visits.urls"),),
    demo=(DemoStep(65, _("网格工作：包片联户、走访计划、走访日记与民情台账"), demo_grid_work),),
    figures=(
        Figure(
            "visits.households_per_worker", _("每人包户数"), "gongzhi.visits.selectors.households_per_worker"
        ),
        Figure(
            "visits.visits_per_worker", _("每人每月走访户数"), "gongzhi.visits.selectors.visits_per_worker"
        ),
        Figure(
            "visits.vulnerable_on_time",
            _("重点人群按时走访率"),
            "gongzhi.visits.selectors.vulnerable_on_time",
            "%",
        ),
        Figure(
            "visits.ledger_open_overdue", _("民情事项逾期数"), "gongzhi.visits.selectors.ledger_open_overdue"
        ),
    ),
    global_keys=(("Visit", ("client_uuid",)),),
    community_work={
        policy.WORK_MONTHLY_VISITS: _("包片联户每月入户走访"),
        policy.WORK_COURTYARD_INSPECTION: _("老旧院落巡查"),
    },
)
