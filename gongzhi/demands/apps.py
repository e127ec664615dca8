from pathlib import Path

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


def suggest_on_create(demand) -> None:
    """The classifier's suggested category and unit for a new demand (a demand_create hook).

    Before the first training there is no model file and nothing is loaded (the classifier
    module brings in scikit-learn, so it is imported only when there is a model to use); a
    broken model is logged and skipped by demand_suggestion_fill, which never raises, so
    intake never fails or waits for want of a model."""
    from django.conf import settings

    if not (Path(settings.DATA_DIR) / "models" / "demand_classifier.pickle").exists():
        return
    from .classifier import demand_suggestion_fill

    demand_suggestion_fill(demand)


class DemandsConfig(AppConfig):
    name = "gongzhi.demands"
    label = "demands"
    verbose_name = _("接诉即办")

    def ready(self) -> None:
        from . import calendar, rules, services  # noqa: F401  (rules: permissions)
        from .models import HolidayCalendar

        def _clear(**kwargs):
            calendar.clear_cache()

        post_save.connect(_clear, sender=HolidayCalendar, dispatch_uid="demands_calendar_save")
        post_delete.connect(_clear, sender=HolidayCalendar, dispatch_uid="demands_calendar_delete")

        from .selectors import lookups_connect

        lookups_connect()
        if suggest_on_create not in services.SUGGESTERS:
            services.SUGGESTERS.append(suggest_on_create)
