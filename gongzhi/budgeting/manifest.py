"""微实事 (participatory budgeting) declares itself."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.manifests import AppManifest, DemoStep, MenuEntry

from . import rules
from .demo import demo_budgeting_build

manifest = AppManifest(
    app_label="budgeting",
    permissions=rules.ROLE_PERMISSIONS,
    scoped_permissions=rules.SCOPED,
    menu_section=_("议事协商"),
    menu=(MenuEntry(_("微实事"), "budgeting:rounds", rules.VIEW, order=42),),
    urls=(("budgeting/", "gongzhi.budgeting.urls"),),
    api=("/budgeting/", "gongzhi.budgeting.api:router"),
    demo=(DemoStep(75, _("微实事：投票中的一轮和已完成的一轮"), demo_budgeting_build),),
    # A round (and its projects and ballots) may span a street: kept on the coordinator when sharded.
    local_tables=(
        "Project",
        "RollEntry",
        "Voted",
        "Ballot",
    ),
)
