from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationConfig(AppConfig):
    name = "gongzhi.integration"
    label = "integration"
    verbose_name = _("部门数据共享")

    def ready(self) -> None:
        from gongzhi.web.navigation import MenuEntry, register

        from . import rules

        register(MenuEntry(_("数据源"), "integration:source_list", rules.MANAGE_SOURCES))
        register(MenuEntry(_("比对核对"), "integration:review_list", rules.REVIEW))
        register(MenuEntry(_("部门数据"), "integration:department", rules.DEPARTMENT_READ))
