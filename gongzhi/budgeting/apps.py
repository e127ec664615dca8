from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetingConfig(AppConfig):
    name = "gongzhi.budgeting"
    label = "budgeting"
    verbose_name = _("微实事")
    default_auto_field = "django.db.models.BigAutoField"
