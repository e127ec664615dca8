"""The web app's own entries: the home page and the access log."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.manifests import AppManifest, MenuEntry
from gongzhi.core.roles import VIEW_ACCESS_LOG

manifest = AppManifest(
    app_label="web",
    menu=(
        MenuEntry(_("工作台"), "web:home", None, order=0, phone_tab=True),
        MenuEntry(
            _("访问日志"),
            "web:access_log",
            (VIEW_ACCESS_LOG, "registry.reveal_person", "registry.export_person"),
            order=90,
        ),
    ),
    urls=(("", "gongzhi.web.urls"),),
)
