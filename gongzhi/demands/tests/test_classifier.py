"""The classifier: training, suggestions, k-fold evaluation beside the baseline, reading files."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from gongzhi.core.errors import ApplicationError
from gongzhi.demands import classifier
from gongzhi.demands.corpus import TOPICS, hotline_corpus


@pytest.fixture(scope="module")
def corpus():
    return hotline_corpus(500, seed=11)


@pytest.fixture(scope="module")
def evaluation(corpus):
    return classifier.classifier_evaluate(
        [d.text for d in corpus], [d.category for d in corpus], folds=3, seed=4
    )


def test_corpus_is_varied_and_reproducible():
    a = hotline_corpus(300, seed=1)
    assert a == hotline_corpus(300, seed=1)
    assert a != hotline_corpus(300, seed=2)
    # phrasing varies within a topic: many distinct texts, every category present
    assert len({d.body for d in a}) > 0.9 * len(a)
    assert {d.category for d in a} == {t.category for t in TOPICS}


def test_evaluation_beats_chance_by_a_margin(evaluation, corpus):
    labels = [d.category for d in corpus]
    k = len(set(labels))
    # chance: the majority-class answer, and a uniform random guess (macro-F1 ≈ 1/k)
    assert evaluation.chance_macro_f1 < 0.1
    assert evaluation.model.macro_f1 > 3 / k
    assert evaluation.model.macro_f1 > evaluation.chance_macro_f1 + 0.5
    assert len(evaluation.model.fold_macro_f1) == 3


def test_baseline_reported_on_same_folds_with_per_class_figures(evaluation, corpus):
    counts = Counter(d.category for d in corpus)
    for score in (evaluation.model, evaluation.baseline):
        assert len(score.fold_macro_f1) == evaluation.folds
        assert [c.label for c in score.per_class] == sorted(counts)
        # pooled out-of-fold predictions: every sample is predicted exactly once
        assert {c.label: c.support for c in score.per_class} == dict(counts)
        for c in score.per_class:
            assert 0 <= c.precision <= 1 and 0 <= c.recall <= 1 and 0 <= c.f1 <= 1
    assert evaluation.baseline.macro_f1 > evaluation.chance_macro_f1 + 0.5


def test_model_and_baseline_are_scored_on_the_same_folds(corpus, monkeypatch):
    """With the baseline swapped for the model itself, every fold's score must match exactly;
    it would not if the two were scored on different splits."""
    texts, labels = [d.text for d in corpus[:200]], [d.category for d in corpus[:200]]
    monkeypatch.setattr(classifier, "baseline_pipeline", classifier.model_pipeline)
    result = classifier.classifier_evaluate(texts, labels, folds=3, seed=9)
    assert result.model.fold_macro_f1 == result.baseline.fold_macro_f1
    other_seed = classifier.classifier_evaluate(texts, labels, folds=3, seed=10)
    assert other_seed.model.fold_macro_f1 != result.model.fold_macro_f1


def test_evaluation_is_deterministic(corpus, evaluation):
    again = classifier.classifier_evaluate(
        [d.text for d in corpus], [d.category for d in corpus], folds=3, seed=4
    )
    assert again.as_dict() == evaluation.as_dict()


def test_rare_classes_are_reported_not_silently_dropped(corpus):
    some = corpus[:200]
    texts = [d.text for d in some] + ["社区门口的路灯坏了", "有只流浪猫受伤了"]
    labels = [d.category for d in some] + ["城乡建设", "动物救助"]
    result = classifier.classifier_evaluate(texts, labels, folds=3)
    assert result.excluded == {"动物救助": 1}
    assert "动物救助" not in result.classes
    assert result.samples == len(some) + 1


def test_too_few_classes_refused():
    with pytest.raises(ApplicationError) as exc:
        classifier.classifier_evaluate(["电梯坏了"] * 6, ["物业管理"] * 6, folds=3)
    assert exc.value.code == "classifier_too_few_classes"


def test_suggests_category_and_unit(corpus, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    model = classifier.demand_classifier_build(
        [(d.text, d.category) for d in corpus], [(d.text, d.unit) for d in corpus]
    )
    classifier.demand_classifier_save(model)
    assert classifier.model_path().exists()
    suggestion = classifier.suggest_text("阳光花园3号楼电梯坏了好几天，老人下不了楼，请督促物业维修")
    assert suggestion["category"][0][0] == "物业管理"
    assert suggestion["unit"][0][0] == "社区居委会"
    probabilities = [p for _label, p in suggestion["category"]]
    assert probabilities == sorted(probabilities, reverse=True) and 0 < probabilities[0] <= 1
    assert classifier.suggest_text("五四路工地半夜还在打桩施工，噪音太大")["category"][0][0] == "环境保护"


def test_no_model_no_suggestion(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    assert classifier.suggest_text("电梯坏了") == {"category": [], "unit": []}


# --- the command and its files ---------------------------------------------------------------


def _write_csv(path, corpus, encoding="utf-8", header=("标题", "内容", "类别")):
    lines = [",".join(header)] + [f'"{d.title}","{d.body}",{d.category}' for d in corpus]
    path.write_bytes("\n".join(lines).encode(encoding))
    return path


def _run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("demands_evaluate_classifier", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_command_reads_csv_in_utf8_and_gbk(tmp_path, corpus, encoding):
    path = _write_csv(tmp_path / "history.csv", corpus[:180], encoding)
    body = json.loads(_run(str(path), "--folds", "3", "--json"))
    assert body["samples"] == 180 - sum(body["excluded"].values())
    assert body["model"]["macro_f1"] > body["chance_macro_f1"]
    assert len(body["baseline"]["fold_macro_f1"]) == 3


def test_command_reads_xlsx_with_configured_columns(tmp_path, corpus):
    wb = Workbook()
    ws = wb.active
    ws.append(["编号", "诉求标题", "诉求内容", "一级分类"])
    for i, d in enumerate(corpus[:180]):
        ws.append([i, d.title, d.body, d.category])
    ws.append([999, "", "", ""])  # an empty row is skipped and counted
    wb.save(tmp_path / "history.xlsx")
    text = _run(
        str(tmp_path / "history.xlsx"),
        "--title-col",
        "诉求标题",
        "--body-col",
        "诉求内容",
        "--category-col",
        "一级分类",
        "--folds",
        "3",
    )
    assert "宏平均 F1" in text and "基线" in text
    assert "跳过缺少文本或类别的 1 行" in text
    for category in {d.category for d in corpus[:180]}:
        assert category in text


def test_command_missing_column_names_the_columns(tmp_path, corpus):
    path = _write_csv(tmp_path / "h.csv", corpus[:30], header=("标题", "正文", "类别"))
    with pytest.raises(CommandError) as exc:
        _run(str(path))
    assert "内容" in str(exc.value) and "正文" in str(exc.value)


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("broken.xlsx", b"PK\x03\x04 not really a workbook", "无法读取这个 Excel"),
        ("empty.csv", b"", "没有数据"),
        ("notes.pdf", b"%PDF-1.4", "只支持 CSV 或 XLSX"),
        ("binary.csv", b"\x00\x01\x02\x00", "不是有效的 CSV"),
    ],
)
def test_command_broken_files_get_clear_errors(tmp_path, name, content, fragment):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(CommandError) as exc:
        _run(str(tmp_path / name))
    assert fragment in str(exc.value)


def test_command_missing_file(tmp_path):
    with pytest.raises(CommandError) as exc:
        _run(str(tmp_path / "nope.csv"))
    assert "找不到文件" in str(exc.value)
