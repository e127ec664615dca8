"""Suggest a demand's category and handling unit from its text.

Features: jieba word tokens (unigrams and bigrams) and character 1–3-grams, each weighted
by TF-IDF; model: a linear classifier (logistic regression, classes balanced), one for the
category and one for the handling unit. It is trained on the platform's own closed demands
(`classifier_train` takes (text, label) pairs), saved under DATA_DIR/models and loaded
lazily; `demand_classifier_retrain()` rebuilds it (the command `gongzhi demands
train-classifier`, or a background task).

`classifier_evaluate` scores the model by stratified k-fold cross-validation beside a plain
baseline (TF-IDF over jieba words + LinearSVC) on the same folds, so an operator can see how
well routing would work on their own history (`gongzhi demands evaluate-classifier FILE`).
"""

from __future__ import annotations

import logging
import pickle
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jieba
import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from gongzhi.core import clock, tabular
from gongzhi.core.errors import ApplicationError

jieba.setLogLevel(logging.WARNING)

MODEL_VERSION = 1
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_DIGITS = re.compile(r"\d+")


def normalize(text: str) -> str:
    """Lower case, numbers folded to one symbol (building 3 and building 12 read alike)."""
    return _DIGITS.sub("0", (text or "").lower())


def words(text: str) -> list[str]:
    """jieba tokens without punctuation or spaces."""
    return list(_words(text))


@lru_cache(maxsize=50_000)  # cross-validation tokenizes each text once per fold and model
def _words(text: str) -> tuple[str, ...]:
    return tuple(w for w in jieba.lcut(normalize(text)) if not _PUNCT.fullmatch(w))


def _char_text(text: str) -> str:
    return _PUNCT.sub(" ", normalize(text))


def _identity(x):
    return x


def features() -> FeatureUnion:
    return FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    tokenizer=words,
                    preprocessor=_identity,
                    token_pattern=None,
                    lowercase=False,
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    min_df=1,
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    preprocessor=_char_text,
                    ngram_range=(1, 3),
                    sublinear_tf=True,
                    min_df=2,
                ),
            ),
        ]
    )


def model_pipeline() -> Pipeline:
    """The platform's model: words + character n-grams, logistic regression."""
    return Pipeline(
        [
            ("features", features()),
            ("clf", LogisticRegression(C=2.0, max_iter=2000, class_weight="balanced")),
        ]
    )


def baseline_pipeline() -> Pipeline:
    """The plain baseline: TF-IDF over jieba words, LinearSVC with default settings."""
    return Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(tokenizer=words, preprocessor=_identity, token_pattern=None, lowercase=False),
            ),
            ("clf", LinearSVC()),
        ]
    )


# --- training and suggesting -------------------------------------------------------------


@dataclass
class TextClassifier:
    """One fitted pipeline and what it was trained on. `threshold`: the confidence from which
    its first suggestion was right at least PREFILL_PRECISION of the time on held-out history
    (None: no confidence reached it, or not calibrated; then a suggestion is never pre-filled)."""

    pipeline: Pipeline
    classes: list[str]
    trained_on: int
    threshold: float | None = None
    calibration: dict = field(default_factory=dict)

    def prefill(self, score: float | None) -> bool:
        threshold = getattr(self, "threshold", None)
        return threshold is not None and score is not None and score >= threshold

    def predict(self, text: str, top: int = 3) -> list[tuple[str, float]]:
        proba = self.pipeline.predict_proba([text])[0]
        order = np.argsort(-proba)[:top]
        return [(str(self.pipeline.classes_[i]), float(proba[i])) for i in order]


def classifier_train(
    samples: Iterable[tuple[str, str]], *, min_per_class: int = 2, calibrate: bool = True
) -> TextClassifier:
    """Fit the model on (text, label) pairs; labels with fewer than `min_per_class` examples are
    left out. With `calibrate`, the pre-fill threshold is worked out first on held-out folds."""
    pairs = [(t, str(y)) for t, y in samples if t and str(y).strip()]
    counts = Counter(y for _t, y in pairs)
    pairs = [(t, y) for t, y in pairs if counts[y] >= min_per_class]
    classes = sorted({y for _t, y in pairs})
    if len(classes) < 2:
        raise ApplicationError("classifier_too_few_classes", _("训练数据至少需要两个类别，每类至少两条。"))
    texts, labels = [t for t, _y in pairs], [y for _t, y in pairs]
    threshold: float | None = None
    calibration: dict = {}
    if calibrate:
        confidence, correct = held_out_confidence(texts, labels)
        threshold, calibration = calibrated_threshold(confidence, correct)
    pipeline = model_pipeline()
    pipeline.fit(texts, labels)
    return TextClassifier(
        pipeline=pipeline,
        classes=classes,
        trained_on=len(pairs),
        threshold=threshold,
        calibration=calibration,
    )


# --- when a suggestion may be pre-filled ---------------------------------------------------------

PREFILL_PRECISION = 0.9  # a pre-filled suggestion must be right at least this often
MIN_CALIBRATION_SUPPORT = 20  # held-out suggestions above the threshold needed to trust it
# Three folds: every sample is scored by a model that did not see it, at two thirds of the cost of
# five on retraining (which the demo and the nightly retrain pay).
CALIBRATION_FOLDS = 3


def held_out_confidence(
    texts: Sequence[str], labels: Sequence[str], *, folds: int = CALIBRATION_FOLDS, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """For every sample, the model's confidence in its first suggestion and whether that was
    right, from a model that did not see the sample (stratified k-fold, out of fold)."""
    y = np.array(labels, dtype=object)
    x = np.array(texts, dtype=object)
    smallest = min(Counter(labels).values())
    folds = max(2, min(folds, smallest))
    confidence = np.zeros(len(y))
    correct = np.zeros(len(y), dtype=bool)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(x, y):
        pipeline = model_pipeline()
        pipeline.fit(x[train].tolist(), y[train])
        proba = pipeline.predict_proba(x[test].tolist())
        best = proba.argmax(axis=1)
        confidence[test] = proba[np.arange(len(test)), best]
        correct[test] = pipeline.classes_[best] == y[test]
    return confidence, correct


def calibrated_threshold(
    confidence: Sequence[float] | np.ndarray,
    correct: Sequence[bool] | np.ndarray,
    *,
    precision: float = PREFILL_PRECISION,
    min_support: int = MIN_CALIBRATION_SUPPORT,
) -> tuple[float | None, dict]:
    """The lowest confidence t such that, of the held-out suggestions made with a confidence of
    at least t (and at least `min_support` of them), a share of at least `precision` was right.
    None when no confidence reaches it. Returns (t, {precision, support, coverage, samples})."""
    scores = np.asarray(confidence, dtype=float)
    hits = np.asarray(correct, dtype=bool)
    order = np.argsort(-scores, kind="stable")
    c, ok = scores[order], hits[order]
    right = np.cumsum(ok)
    best = None
    for i in range(len(c)):
        if i + 1 < len(c) and c[i + 1] == c[i]:
            continue  # a threshold takes every suggestion of that confidence
        support = i + 1
        if support >= min_support and right[i] / support >= precision:
            best = i
    info = {"samples": int(len(c)), "target": precision}
    if best is None:
        return None, info
    info |= {
        "precision": float(right[best] / (best + 1)),
        "support": int(best + 1),
        "coverage": float((best + 1) / len(c)),
    }
    return float(c[best]), info


@dataclass
class DemandClassifier:
    """The category model and the handling-unit model, saved together."""

    category: TextClassifier | None
    unit: TextClassifier | None
    version: int = MODEL_VERSION
    meta: dict = field(default_factory=dict)

    def suggest(self, text: str, top: int = 3) -> dict:
        """{"category": [(label, probability)…], "unit": […]} — empty lists when not trained."""
        return {
            "category": self.category.predict(text, top) if self.category and text else [],
            "unit": self.unit.predict(text, top) if self.unit and text else [],
        }


def model_path() -> Path:
    return Path(settings.DATA_DIR) / "models" / "demand_classifier.pickle"


def demand_classifier_build(
    category_samples: Iterable[tuple[str, str]],
    unit_samples: Iterable[tuple[str, str]] = (),
    *,
    calibrate: bool = True,
) -> DemandClassifier:
    category_samples = list(category_samples)
    unit_samples = list(unit_samples)
    category = classifier_train(category_samples, calibrate=calibrate) if category_samples else None
    unit = None
    if len({y for _t, y in unit_samples}) >= 2:
        unit = classifier_train(unit_samples, calibrate=calibrate)
    return DemandClassifier(category=category, unit=unit)


def demand_classifier_save(model: DemandClassifier, path: Path | None = None) -> Path:
    """Write atomically (a temporary file renamed over the old one) and drop the cached copy."""
    path = Path(path or model_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        pickle.dump(model, f, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)
    _cache.clear()
    return path


_cache: dict[str, tuple[float, DemandClassifier]] = {}
_lock = threading.Lock()


def demand_classifier_load(path: Path | None = None) -> DemandClassifier | None:
    """The saved model (reloaded when the file changes), or None before the first training."""
    path = Path(path or model_path())
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return None
    with _lock:
        hit = _cache.get(str(path))
        if hit and hit[0] == mtime:
            return hit[1]
        # The file is written only by this module (demand_classifier_save) under the data directory.
        with open(path, "rb") as f:
            model = pickle.load(f)  # noqa: S301
        if getattr(model, "version", None) != MODEL_VERSION:
            return None
        _cache[str(path)] = (mtime, model)
        return model


def suggest_text(text: str, top: int = 3) -> dict:
    """Suggestions for a new demand's text from the saved model; empty when none is trained yet."""
    model = demand_classifier_load()
    if model is None:
        return {"category": [], "unit": []}
    return model.suggest(text, top)


# --- the platform's own history -----------------------------------------------------------------

TRAINING_LIMIT = 100_000  # the most recent closed demands
MIN_TRAINING = 30


def unit_label(unit) -> str:
    """A handling unit as a label that holds across communities: its level, or the department."""
    if unit.kind == "department":
        return f"department:{unit.department_id}"
    return unit.kind


def unit_for_label(label: str, community_code: str):
    """The unit a label means for a demand in `community_code` (None when there is none)."""
    from .models import HandlingUnit

    if label.startswith("department:"):
        return HandlingUnit.objects.filter(department_id=int(label.split(":", 1)[1]), active=True).first()
    region = {"community": community_code, "street": community_code[:9], "district": community_code[:6]}.get(
        label
    )
    if region is None:
        return None
    return HandlingUnit.objects.filter(
        kind=label, region_id=region, department__isnull=True, active=True
    ).first()


def training_samples(limit: int = TRAINING_LIMIT) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(text, category code) and (text, unit label) pairs from closed, classified demands."""
    from .models import Demand, DemandState

    rows = (
        Demand.objects.filter(state=DemandState.CLOSED, category__isnull=False)
        .select_related("category", "unit")
        .only("title", "body", "category__code", "unit__kind", "unit__department_id")
        .order_by("-closed_at", "-id")[:limit]
    )
    categories, units = [], []
    for d in rows:
        if d.category is None:
            continue
        text = f"{d.title}\n{d.body}"
        categories.append((text, d.category.code))
        if d.unit_id:
            units.append((text, unit_label(d.unit)))
    return categories, units


def demand_classifier_retrain(*, limit: int = TRAINING_LIMIT, path: Path | None = None) -> DemandClassifier:
    """Train on the closed demands and save; for the command and for a background task."""
    categories, units = training_samples(limit)
    if len(categories) < MIN_TRAINING:
        raise ApplicationError(
            "classifier_too_little_history",
            _("已办结并分类的诉求只有 %(n)s 件，至少需要 %(min)s 件才能训练。")
            % {"n": len(categories), "min": MIN_TRAINING},
        )
    model = demand_classifier_build(categories, units)
    model.meta = {
        "trained_at": clock.now().isoformat(),
        "samples": len(categories),
        # held out from the history itself: when a suggestion may be pre-filled
        "thresholds": {
            "category": model.category.threshold if model.category else None,
            "unit": model.unit.threshold if model.unit else None,
        },
    }
    demand_classifier_save(model, path)
    return model


_retraining = threading.Lock()
logger = logging.getLogger(__name__)


def demand_classifier_retrain_in_background() -> threading.Thread | None:
    """Retrain in a daemon thread (one at a time); None when a retraining is already running."""
    if not _retraining.acquire(blocking=False):
        return None

    def run() -> None:
        from django.db import connection

        try:
            demand_classifier_retrain()
        except ApplicationError as exc:
            logger.info("classifier not retrained: %s", exc)
        except Exception:  # a background run must not die silently
            logger.exception("classifier retraining failed")
        finally:
            connection.close()
            _retraining.release()

    thread = threading.Thread(target=run, name="gongzhi-classifier-retrain", daemon=True)
    thread.start()
    return thread


def demand_suggestion_fill(demand) -> None:
    """Store the model's suggested category and unit on a new demand (a demand_create hook).
    A missing or broken model never stops a demand from being taken in."""
    try:
        _fill(demand)
    except Exception:
        logger.exception("classifier suggestion failed for demand %s", demand.pk)


def _fill(demand) -> None:
    from .models import Category
    from .services import demand_suggest

    model = demand_classifier_load()
    if model is None:
        return
    suggestion = model.suggest(f"{demand.title}\n{demand.body}", top=1)
    if not suggestion["category"] and not suggestion["unit"]:
        return
    category = unit = None
    score = unit_score = None
    if suggestion["category"]:
        code, score = suggestion["category"][0]
        category = Category.objects.filter(code=code, active=True).first()
    if suggestion["unit"]:
        label, unit_score = suggestion["unit"][0]
        unit = unit_for_label(label, demand.community_id)
    demand_suggest(
        demand=demand,
        category=category,
        unit=unit,
        score=score if score is not None else unit_score,
        unit_score=unit_score,
        # only above the confidence that was right >= 90% of the time on held-out history
        prefill_category=category is not None
        and model.category is not None
        and model.category.prefill(score),
        prefill_unit=unit is not None and model.unit is not None and model.unit.prefill(unit_score),
    )


# --- evaluation ---------------------------------------------------------------------------


@dataclass
class ClassStats:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class ModelScore:
    name: str
    fold_macro_f1: list[float]
    per_class: list[ClassStats]

    @property
    def macro_f1(self) -> float:
        return float(np.mean(self.fold_macro_f1))

    @property
    def macro_f1_std(self) -> float:
        return float(np.std(self.fold_macro_f1))


@dataclass
class Evaluation:
    folds: int
    samples: int
    classes: list[str]
    excluded: dict[str, int]  # label → count, classes with fewer examples than folds
    chance_macro_f1: float  # macro-F1 of always answering the most frequent class
    model: ModelScore
    baseline: ModelScore
    # From which confidence the model's suggestion was right >= PREFILL_PRECISION of the time
    # on these folds (None: never; then the dispatch form is never pre-filled).
    prefill_threshold: float | None = None
    prefill: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        def score(s: ModelScore) -> dict:
            return {
                "name": s.name,
                "macro_f1": s.macro_f1,
                "macro_f1_std": s.macro_f1_std,
                "fold_macro_f1": s.fold_macro_f1,
                "per_class": [c.__dict__ for c in s.per_class],
            }

        return {
            "folds": self.folds,
            "samples": self.samples,
            "classes": self.classes,
            "excluded": self.excluded,
            "chance_macro_f1": self.chance_macro_f1,
            "model": score(self.model),
            "baseline": score(self.baseline),
            "prefill_threshold": self.prefill_threshold,
            "prefill": self.prefill,
        }


def _score(
    name: str, y: np.ndarray, predictions: np.ndarray, fold_f1: list[float], classes: list[str]
) -> ModelScore:
    p, r, f, s = precision_recall_fscore_support(y, predictions, labels=classes, zero_division=0)
    return ModelScore(
        name=name,
        fold_macro_f1=fold_f1,
        per_class=[
            ClassStats(label=c, precision=float(p[i]), recall=float(r[i]), f1=float(f[i]), support=int(s[i]))
            for i, c in enumerate(classes)
        ],
    )


def classifier_evaluate(
    texts: Sequence[str], labels: Sequence[str], *, folds: int = 5, seed: int = 0, progress=None
) -> Evaluation:
    """Stratified k-fold macro-F1 and per-class figures for the model and the baseline, same folds."""
    if folds < 2:
        raise ApplicationError("classifier_folds", _("折数至少为 2。"))
    counts = Counter(labels)
    excluded = {label: n for label, n in counts.items() if n < folds}
    keep = [i for i, label in enumerate(labels) if label not in excluded]
    x = np.array([texts[i] for i in keep], dtype=object)
    y = np.array([labels[i] for i in keep], dtype=object)
    classes = sorted(set(y.tolist()))
    if len(classes) < 2:
        raise ApplicationError(
            "classifier_too_few_classes",
            _("至少需要两个类别，且每个类别的记录数不少于折数（%(folds)s）。") % {"folds": folds},
        )
    majority = Counter(y.tolist()).most_common(1)[0][0]
    chance = float(f1_score(y, np.array([majority] * len(y), dtype=object), average="macro", labels=classes))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    runs: dict[str, tuple[Callable[[], Pipeline], list[float], np.ndarray]] = {
        "model": (model_pipeline, [], np.empty(len(y), dtype=object)),
        "baseline": (baseline_pipeline, [], np.empty(len(y), dtype=object)),
    }
    confidence = np.zeros(len(y))
    for k, (train, test) in enumerate(splitter.split(x, y), start=1):
        for name, (make, fold_f1, predictions) in runs.items():
            pipeline = make()
            pipeline.fit(x[train].tolist(), y[train])
            if name == "model":
                proba = pipeline.predict_proba(x[test].tolist())
                best = proba.argmax(axis=1)
                predicted = pipeline.classes_[best]
                confidence[test] = proba[np.arange(len(test)), best]
            else:
                predicted = pipeline.predict(x[test].tolist())
            predictions[test] = predicted
            fold_f1.append(
                float(f1_score(y[test], predicted, average="macro", labels=classes, zero_division=0))
            )
        if progress:
            progress(k, folds)
    threshold, prefill = calibrated_threshold(confidence, runs["model"][2] == y)
    return Evaluation(
        prefill_threshold=threshold,
        prefill=prefill,
        folds=folds,
        samples=len(y),
        classes=classes,
        excluded=excluded,
        chance_macro_f1=chance,
        model=_score(
            _("本平台模型（词 + 字 n-gram，逻辑回归）"), y, runs["model"][2], runs["model"][1], classes
        ),
        baseline=_score(
            _("基线（TF-IDF 词 + LinearSVC）"), y, runs["baseline"][2], runs["baseline"][1], classes
        ),
    )


# --- reading an operator's file -----------------------------------------------------------


@dataclass
class LabelledTexts:
    texts: list[str]
    labels: list[str]
    skipped: int  # rows without text or without a category


def _rows(data: bytes) -> list[list[str]]:
    """The non-blank rows of a CSV or XLSX file, as text (the project's one reader)."""
    try:
        return [
            ["" if c is None else str(c) for c in row]
            for row in tabular.iter_rows(data)
            if not tabular.is_blank(row)
        ]
    except tabular.TabularError as exc:
        raise ApplicationError("classifier_file_broken", exc.message) from exc


def _cell(row: list[str], i: int | None) -> str:
    return row[i].strip() if i is not None and i < len(row) else ""


# Header names understood without --title-col and the like (matched ignoring case).
TITLE_NAMES = ("标题", "title")
BODY_NAMES = ("内容", "body")
CATEGORY_NAMES = ("类别", "category")


def read_labelled_file(
    path: str | Path,
    *,
    title_col: str | None = None,
    body_col: str | None = None,
    category_col: str | None = None,
    no_body: bool = False,
) -> LabelledTexts:
    """Texts (title + body) and categories from a CSV or XLSX file with a header row. Without
    column names, the columns are 标题/内容/类别 or title/body/category."""
    path = Path(path)
    if not path.is_file():
        raise ApplicationError("classifier_file_missing", _("找不到文件：%(path)s") % {"path": path})
    if path.suffix.lower() not in (".xlsx", ".xlsm", ".csv", ".txt", ".tsv"):
        raise ApplicationError(
            "classifier_file_type", _("只支持 CSV 或 XLSX 文件：%(path)s") % {"path": path.name}
        )
    rows = _rows(path.read_bytes())
    if not rows:
        raise ApplicationError("classifier_file_empty", _("文件中没有数据。"))
    header = [h.strip() for h in rows[0]]
    wanted = [
        ("title", (title_col,) if title_col else TITLE_NAMES),
        ("body", () if no_body else ((body_col,) if body_col else BODY_NAMES)),
        ("category", (category_col,) if category_col else CATEGORY_NAMES),
    ]
    found = {key: tabular.find_column(header, *names) if names else None for key, names in wanted}
    missing = [names[0] for key, names in wanted if names and found[key] is None]
    if missing:
        raise ApplicationError(
            "classifier_column_missing",
            _("文件中没有列「%(missing)s」；现有的列：%(columns)s")
            % {"missing": "」「".join(missing), "columns": "、".join(h for h in header if h) or _("（无）")},
        )
    ti, bi, ci = found["title"], found["body"], found["category"]
    texts, labels, skipped = [], [], 0
    for row in rows[1:]:
        text = "\n".join(t for t in (_cell(row, ti), _cell(row, bi)) if t)
        label = _cell(row, ci)
        if not text or not label:
            skipped += 1
            continue
        texts.append(text)
        labels.append(label)
    if not texts:
        raise ApplicationError("classifier_file_empty", _("文件中没有同时含文本和类别的记录。"))
    return LabelledTexts(texts=texts, labels=labels, skipped=skipped)
