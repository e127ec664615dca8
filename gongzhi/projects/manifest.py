"""Public-benefit funding (公益创投) declares itself."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.manifests import AppManifest, DemoStep, Figure, MenuEntry

from . import rules
from .demo import demo_funding_build
from .home import funding_panel

_S = "gongzhi.projects.selectors."

manifest = AppManifest(
    app_label="projects",
    permissions=rules.ROLE_PERMISSIONS,
    scoped_permissions=rules.SCOPED,
    reference_tables=("FundingCall", "CallItem", "Bar"),
    local_tables=("FundAccount", "FundEntry", "ProjectEvent"),
    menu_section=_("社会组织"),
    menu=(MenuEntry(_("公益创投"), "projects:index", rules.VIEW, order=63),),
    home_panels=(funding_panel,),
    api=("/projects/", "gongzhi.projects.api:router"),
    urls=(("projects/", "gongzhi.projects.urls"),),
    demo=(DemoStep(88, _("公益创投：评审中的征集与中期评估中的项目"), demo_funding_build),),
    figures=(
        Figure(
            "projects.paid_vs_committed",
            _("创投资金拨付率（已拨付/已立项）"),
            _S + "funding_committed_vs_paid",
            "%",
        ),
        Figure("projects.on_time", _("评估报告按时提交率"), _S + "projects_on_time", "%"),
        Figure("projects.households", _("立项项目计划服务户数"), _S + "households_served"),
        Figure(
            "projects.satisfaction",
            _("受益户满意率（评估抽样回访）"),
            _S + "households_satisfaction",
            "%",
        ),
    ),
)
