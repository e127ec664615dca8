"""gongzhi demands evaluate-classifier FILE — how well would routing work on this history?"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gongzhi.core.errors import ApplicationError
from gongzhi.demands.classifier import Evaluation, ModelScore, classifier_evaluate, read_labelled_file


class Command(BaseCommand):
    help = _(
        "读取 CSV/XLSX 格式的历史诉求（标题、内容、类别），以分层 k 折交叉验证报告分类模型与基线的宏平均 F1 及各类别指标。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("CSV（UTF-8 或 GBK）或 XLSX 文件，首行为列名"))
        parser.add_argument("--title-col", default=None, help=_("标题列名（默认：标题 或 title）"))
        parser.add_argument(
            "--body-col", default=None, help=_("内容列名（默认：内容 或 body）；空字符串表示没有内容列")
        )
        parser.add_argument("--category-col", default=None, help=_("类别列名（默认：类别 或 category）"))
        parser.add_argument("--folds", type=int, default=5, help=_("交叉验证折数"))
        parser.add_argument("--seed", type=int, default=0, help=_("划分各折的随机种子"))
        parser.add_argument("--json", action="store_true", help=_("以 JSON 输出"))

    def handle(self, *args, file, title_col, body_col, category_col, folds, seed, json: bool, **options):
        try:
            data = read_labelled_file(
                file,
                title_col=title_col,
                body_col=body_col or None,
                category_col=category_col,
                no_body=body_col == "",
            )
            if not json:
                self.stdout.write(
                    _("读取 %(n)s 条记录（跳过缺少文本或类别的 %(skipped)s 行），开始 %(folds)s 折交叉验证…")
                    % {"n": len(data.texts), "skipped": data.skipped, "folds": folds}
                )
            result = classifier_evaluate(data.texts, data.labels, folds=folds, seed=seed)
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        if json:
            body = result.as_dict() | {"skipped_rows": data.skipped}
            self.stdout.write(_json_dumps(body))
            return
        self._report(result)

    def _report(self, result: Evaluation) -> None:
        w = self.stdout.write
        w(
            _("样本 %(n)s 条，类别 %(k)s 个，%(folds)s 折（分层，两种模型使用相同的划分）。")
            % {"n": result.samples, "k": len(result.classes), "folds": result.folds}
        )
        for label, n in sorted(result.excluded.items()):
            w(_("已排除类别「%(label)s」：只有 %(n)s 条，少于折数。") % {"label": label, "n": n})
        w("")
        w(_("宏平均 F1（各折均值 ± 标准差）"))
        for score in (result.model, result.baseline):
            w(
                f"  {score.name}: {score.macro_f1:.3f} ± {score.macro_f1_std:.3f}   "
                + _("各折")
                + ": "
                + ", ".join(f"{f:.3f}" for f in score.fold_macro_f1)
            )
        w("  " + _("总是回答最多的类别") + f": {result.chance_macro_f1:.3f}")
        w("")
        self._prefill(result)
        self._table(result.model, result.baseline)

    def _prefill(self, result: Evaluation) -> None:
        """From which confidence the dispatch form may be pre-filled (right >= 90% held out)."""
        p = result.prefill
        if result.prefill_threshold is None:
            self.stdout.write(
                _("预填阈值：没有任何置信度能使建议的正确率达到 %(target).0f%%，派单时只显示建议、不预填。")
                % {"target": 100 * p.get("target", 0.9)}
            )
        else:
            self.stdout.write(
                _(
                    "预填阈值：置信度 ≥ %(t).2f 的建议在留出数据上正确率 %(p).1f%%（%(n)s 条，占 %(c).1f%%），"
                    "达到该置信度才预填派单表单。"
                )
                % {
                    "t": result.prefill_threshold,
                    "p": 100 * p["precision"],
                    "n": p["support"],
                    "c": 100 * p["coverage"],
                }
            )
        self.stdout.write("")

    def _table(self, model: ModelScore, baseline: ModelScore) -> None:
        w = self.stdout.write
        w(_("各类别（汇总各折的预测）：精确率 / 召回率 / F1，模型 | 基线"))
        width = max(len(c.label) for c in model.per_class) + 2
        label, support = _("类别"), _("样本")
        w(f"{label:<{width}}{support:>6}   P      R      F1   |  P      R      F1")
        for m, b in zip(model.per_class, baseline.per_class, strict=True):
            w(
                f"{m.label:<{width}}{m.support:>6}  {m.precision:.3f}  {m.recall:.3f}  {m.f1:.3f} | "
                f"{b.precision:.3f}  {b.recall:.3f}  {b.f1:.3f}"
            )


def _json_dumps(body) -> str:
    return json.dumps(body, ensure_ascii=False, indent=2)
