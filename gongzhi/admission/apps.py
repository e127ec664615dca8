from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdmissionConfig(AppConfig):
    name = "gongzhi.admission"
    label = "admission"
    verbose_name = _("社区工作准入")
    default_auto_field = "django.db.models.BigAutoField"
