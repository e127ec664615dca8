"""gongzhi demands train-classifier — retrain the category/unit suggestions on closed demands."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gongzhi.core.errors import ApplicationError
from gongzhi.demands.classifier import TRAINING_LIMIT, demand_classifier_retrain, model_path


class Command(BaseCommand):
    help = _("用已办结的诉求重新训练分类与承办单位建议模型。")

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=TRAINING_LIMIT, help=_("最多使用最近的多少件诉求"))

    def handle(self, *args, limit: int, **options):
        try:
            model = demand_classifier_retrain(limit=limit)
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        categories = len(model.category.classes) if model.category else 0
        units = len(model.unit.classes) if model.unit else 0
        self.stdout.write(
            _("已用 %(n)s 件诉求训练：%(c)s 个分类，%(u)s 类承办单位；模型保存在 %(path)s")
            % {"n": model.meta["samples"], "c": categories, "u": units, "path": model_path()}
        )
