from django.utils.translation import gettext_lazy as _

from gongzhi.core.manifests import AppManifest, DemoStep, Figure, HomePanel, MenuEntry, PanelItem

from . import rules
from .demo import demo_election


def resident_panel(user):
    """A resident: the roll of their community in publication (check it, object), and a
    nomination waiting for their answer."""
    if not user.has_perm(rules.OBJECT):
        return None
    from .selectors import resident_todo

    todo = resident_todo(user=user)
    if not (todo["publishing"] or todo["nominations"]):
        return None
    items = [PanelItem(_("选民名单公示中"), todo["publishing"], "/elections/mine/")]
    if todo["nominations"]:
        items.append(PanelItem(_("待您确认的提名"), todo["nominations"], "/elections/mine/", "warn"))
    return HomePanel(_("居委会换届选举"), items, order=30)


manifest = AppManifest(
    app_label="elections",
    permissions=rules.ROLE_PERMISSIONS,
    scoped_permissions=rules.SCOPED,
    menu_section=_("网格与关爱"),
    menu=(
        MenuEntry(_("居委会选举"), "elections:index", rules.VIEW, order=28),
        MenuEntry(_("换届选举"), "elections:resident", rules.OBJECT, order=60),
    ),
    home_panels=(resident_panel,),
    urls=(("elections/", "gongzhi.elections.urls"),),
    demo=(DemoStep(67, _("居委会选举：选民名单公示、异议、候选人与参选率"), demo_election),),
    figures=(Figure("elections.turnout", _("参选率"), "gongzhi.elections.selectors.turnout", "%"),),
)
