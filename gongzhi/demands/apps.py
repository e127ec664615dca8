from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class DemandsConfig(AppConfig):
    name = "gongzhi.demands"
    label = "demands"
    verbose_name = _("接诉即办")

    def ready(self) -> None:
        from gongzhi.web.navigation import MenuEntry, register

        from . import calendar, rules  # noqa: F401  (permissions)
        from .models import HolidayCalendar

        def _clear(**kwargs):
            calendar.clear_cache()

        post_save.connect(_clear, sender=HolidayCalendar, dispatch_uid="demands_calendar_save")
        post_delete.connect(_clear, sender=HolidayCalendar, dispatch_uid="demands_calendar_delete")

        register(MenuEntry(_("诉求办理"), "demands:work_list", "demands.handle"))
        register(MenuEntry(_("派单"), "demands:queue", "demands.dispatch"))
        register(MenuEntry(_("热线受理"), "demands:intake", "demands.intake"))
        register(MenuEntry(_("三率统计"), "demands:rates", "demands.view_rates"))
        register(MenuEntry(_("超期督办"), "demands:overdue", "demands.supervise"))
        register(MenuEntry(_("我的诉求"), "demands:mine", "demands.own"))
