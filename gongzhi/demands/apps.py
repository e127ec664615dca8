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
        from gongzhi.web.home import register_home_panel
        from gongzhi.web.navigation import MenuEntry, register, register_public

        from . import calendar, home, rules, services  # noqa: F401  (rules: permissions)
        from .models import HolidayCalendar

        def _clear(**kwargs):
            calendar.clear_cache()

        post_save.connect(_clear, sender=HolidayCalendar, dispatch_uid="demands_calendar_save")
        post_delete.connect(_clear, sender=HolidayCalendar, dispatch_uid="demands_calendar_delete")

        register_home_panel(home.home_panel)
        if suggest_on_create not in services.SUGGESTERS:
            services.SUGGESTERS.append(suggest_on_create)

        register(MenuEntry(_("诉求办理"), "demands:work_list", "demands.handle"))
        register(MenuEntry(_("派单"), "demands:queue", "demands.dispatch"))
        register(MenuEntry(_("诉求受理"), "demands:intake", "demands.intake", tab=30, tab_label=_("上报")))
        register(
            MenuEntry(_("我上报的"), "demands:reported", "demands.intake", tab=40, tab_label=_("我上报的"))
        )
        register(MenuEntry(_("三率统计"), "demands:rates", "demands.view_rates"))
        register(MenuEntry(_("超期督办"), "demands:overdue", "demands.supervise"))
        register(MenuEntry(_("热点问题"), "demands:hot_issues", "demands.view_rates"))
        register(MenuEntry(_("我要反映"), "demands:submit", "demands.own", tab=10, tab_label=_("反映")))
        register(MenuEntry(_("我的诉求"), "demands:mine", "demands.own", tab=20, tab_label=_("我的诉求")))
        register(
            MenuEntry(_("查询进度"), "demands:track_lookup", "demands.own", tab=30, tab_label=_("查进度"))
        )
        register_public(MenuEntry(_("我要反映"), "demands:submit", None, tab=10, tab_label=_("我要反映")))
        register_public(
            MenuEntry(_("查询进度"), "demands:track_lookup", None, tab=20, tab_label=_("查询进度"))
        )
