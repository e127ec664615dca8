"""The web app's own entries: the home page and the access log."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.manifests import AppManifest, MenuEntry
from gongzhi.core.roles import MANAGE_USERS, VIEW_ACCESS_LOG

manifest = AppManifest(
    app_label="web",
    menu=(
        MenuEntry(_("工作台"), "web:home", None, order=0, tab=0, tab_label=_("首页")),
        MenuEntry(
            _("访问日志"),
            "web:access_log",
            (VIEW_ACCESS_LOG, "registry.reveal_person", "registry.export_person"),
            order=90,
        ),
        MenuEntry(_("用户管理"), "web:user_list", MANAGE_USERS, order=91),
    ),
    urls=(("", "gongzhi.web.urls"),),
    menu_section=_("工作台"),
)
