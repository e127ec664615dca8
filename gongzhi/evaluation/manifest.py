"""Dual evaluation (双评议) declares itself."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.manifests import AppManifest, DemoStep, Figure, MenuEntry

from . import rules
from .demo import demo_evaluation
from .services import WORK_DEPARTMENT_RATING, WORK_HOUSEHOLD_SURVEY

manifest = AppManifest(
    app_label="evaluation",
    permissions=rules.ROLE_PERMISSIONS,
    scoped_permissions=rules.SCOPED,
    reference_tables=("Survey", "Question", "DepartmentAnswer"),
    menu_section=_("准入与评议"),
    menu=(
        MenuEntry(
            _("双评议"),
            "evaluation:list",
            (
                rules.MANAGE,
                rules.VISIT,
                rules.RATE_DEPARTMENTS,
                rules.VIEW_RESULTS,
                rules.VIEW_DEPARTMENT_RESULTS,
            ),
            order=66,
        ),
    ),
    api=("/evaluation/", "gongzhi.evaluation.api:router"),
    urls=(("evaluation/", "gongzhi.evaluation.urls"),),
    demo=(DemoStep(92, _("双评议：去年的居民评社区与社区评部门"), demo_evaluation),),
    figures=(
        Figure(
            "evaluation.satisfaction", _("居民对社区的满意率"), "gongzhi.evaluation.selectors.satisfaction"
        ),
    ),
    global_keys=(("SampleHousehold", ("code_hash",)),),
    community_work={
        WORK_HOUSEHOLD_SURVEY: _("双评议入户调查（居民评社区）"),
        WORK_DEPARTMENT_RATING: _("双评议社区评部门"),
    },
)
