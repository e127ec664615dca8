from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationConfig(AppConfig):
    name = "gongzhi.integration"
    label = "integration"
    verbose_name = _("部门数据共享")
