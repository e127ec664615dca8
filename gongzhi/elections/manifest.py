from django.utils.translation import gettext_lazy as _

from gongzhi.core.manifests import AppManifest, DemoStep, Figure, MenuEntry

from . import rules
from .demo import demo_election

manifest = AppManifest(
    app_label="elections",
    permissions=rules.ROLE_PERMISSIONS,
    scoped_permissions=rules.SCOPED,
    menu=(MenuEntry(_("居委会选举"), "elections:index", rules.VIEW, order=28),),
    urls=(("elections/", "gongzhi.elections.urls"),),
    demo=(DemoStep(67, _("居委会选举：选民名单与参选率"), demo_election),),
    figures=(Figure("elections.turnout", _("参选率"), "gongzhi.elections.selectors.turnout", "%"),),
)
