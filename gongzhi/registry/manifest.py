"""The registry declares itself: permissions, menu, API, pages, demo."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.manifests import AppManifest, DemoStep, MenuEntry

from . import rules
from .demo import demo_accounts_place, demo_register_build
from .figures import FIGURES

manifest = AppManifest(
    app_label="registry",
    permissions=rules.ROLE_PERMISSIONS,
    scoped_permissions=rules.SCOPED,
    menu_section=_("居民与房屋"),
    menu=(
        MenuEntry(
            _("居民查询"), "registry:person_list", rules.VIEW_PERSON, order=20, tab=10, tab_label=_("居民")
        ),
        MenuEntry(
            _("楼栋房屋"), "registry:place_tree", rules.VIEW_PERSON, order=21, tab=20, tab_label=_("楼栋")
        ),
        MenuEntry(_("导入居民"), "registry:import", rules.IMPORT_PERSON, order=22),
    ),
    api=("/registry/", "gongzhi.registry.api:router"),
    urls=(("registry/", "gongzhi.registry.urls"),),
    demo=(DemoStep(20, _("居民登记数据"), demo_register_build),),
    demo_account_hooks=(demo_accounts_place,),
    figures=FIGURES,
    global_keys=(("Person", ("id_number_hash",)),),
)
