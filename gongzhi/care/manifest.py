"""Home-based elderly care (居家养老) declares itself to the platform."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.manifests import AppManifest, DemoStep, Figure, HomePanel, MenuEntry, PanelItem

from . import rules
from .demo import demo_care


def _panel(user):
    if not user.has_perm(rules.CALLS):
        return None
    from .selectors import calls

    n = calls(user=user, pending=True).count()
    return HomePanel(
        _("居家养老"), [PanelItem(_("待处理的一键通呼叫"), n, "/care/calls/", "bad" if n else "")], order=15
    )


manifest = AppManifest(
    app_label="care",
    permissions=rules.ROLE_PERMISSIONS,
    scoped_permissions=rules.SCOPED,
    menu_section=_("网格与关爱"),
    menu=(
        MenuEntry(_("居家养老"), "care:index", rules.VIEW, order=25),
        MenuEntry(_("助餐登记"), "care:meals", rules.SERVE, order=26),
        MenuEntry(_("购买服务"), "care:orders", rules.SERVE, order=27),
    ),
    home_panels=(_panel,),
    urls=(("care/", "gongzhi.care.urls"),),
    api=("/care/", "gongzhi.care.api:router"),
    demo=(DemoStep(66, _("居家养老：照护档案、一键通、助餐与购买服务"), demo_care),),
    figures=(
        Figure(
            "care.calls_answered_in_time",
            _("一键通及时响应率"),
            "gongzhi.care.selectors.calls_answered_in_time",
            "%",
        ),
        Figure("care.meals_served", _("本月助餐数"), "gongzhi.care.selectors.meals_served"),
        Figure(
            "care.purchased_care_eligible",
            _("符合政府购买服务条件的老人"),
            "gongzhi.care.selectors.purchased_care_eligible",
        ),
        Figure(
            "care.purchased_care_covered",
            _("购买服务对象已下单占比"),
            "gongzhi.care.selectors.purchased_care_covered",
            "%",
        ),
    ),
    global_keys=(("CallDevice", ("serial",)),),
)
