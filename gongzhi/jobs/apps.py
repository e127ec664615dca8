from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "gongzhi.jobs"
    label = "jobs"
    verbose_name = _("后台任务")

    def ready(self) -> None:
        # Each app declares its background jobs in its own `jobs.py`; importing it registers them.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("jobs")
