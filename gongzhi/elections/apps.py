from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ElectionsConfig(AppConfig):
    name = "gongzhi.elections"
    label = "elections"
    verbose_name = _("居委会选举")
    default_auto_field = "django.db.models.BigAutoField"
