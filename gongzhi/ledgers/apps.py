from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgersConfig(AppConfig):
    name = "gongzhi.ledgers"
    label = "ledgers"
    verbose_name = _("电子台账")
    default_auto_field = "django.db.models.BigAutoField"
