from gongzhi.core.manifests import AppManifest, DemoStep, Figure, HomePanel, MenuEntry, PanelItem

from . import rules

DEMO_RUNS: list[str] = []


def _panel(user):
    if not user.has_perm(rules.VIEW):
        return None
    return HomePanel("样例待办", [PanelItem("待处理", 3, "/sample/")])


def _demo(ctx):
    DEMO_RUNS.append(ctx.district)


manifest = AppManifest(
    app_label="sampleapp",
    permissions=rules.ROLE_PERMISSIONS,
    scoped_permissions=(rules.VIEW,),
    menu=(MenuEntry("样例", "sampleapp:index", rules.VIEW, order=99),),
    home_panels=(_panel,),
    api=("/sample/", "tests.sampleapp.api:router"),
    urls=(("sample/", "tests.sampleapp.urls"),),
    demo=(DemoStep(99, "样例演示数据", _demo),),
    figures=(Figure("sample.wallets", "钱包数", "tests.sampleapp.selectors.wallet_count"),),
)
