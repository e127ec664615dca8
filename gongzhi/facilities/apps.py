from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "gongzhi.facilities"
    label = "facilities"
    verbose_name = _("设施与标准")
    default_auto_field = "django.db.models.BigAutoField"
