from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "gongzhi.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        # Every app's manifest: the role table, scoped predicates, menus, URLs, API routers, demo.
        from .manifests import install

        install()
