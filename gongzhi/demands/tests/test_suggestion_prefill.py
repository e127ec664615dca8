"""Item 13 (issue 7): a routing suggestion is shown with its confidence; the dispatch form is
pre-filled with it only above the threshold at which it was right >= 90% of the time on
held-out history, and never when no threshold reaches that."""

from __future__ import annotations

import re

import numpy as np
import pytest

from gongzhi.demands import classifier, services
from gongzhi.demands.models import Category, Demand


def test_threshold_is_the_lowest_confidence_right_90_percent_of_the_time():
    # 40 suggestions: above 0.8 all right, 0.6–0.8 three wrong in twenty, below 0.6 mostly wrong
    confidence = [0.95 - 0.005 * i for i in range(20)] + [0.79 - 0.01 * i for i in range(20)]
    correct = [True] * 20 + [i not in (2, 9, 15) for i in range(20)]
    confidence += [0.5 - 0.01 * i for i in range(20)]
    correct += [i % 3 == 0 for i in range(20)]
    t, info = classifier.calibrated_threshold(confidence, correct, min_support=10)
    above = np.array(confidence) >= t
    assert np.mean(np.array(correct)[above]) >= 0.9 and above.sum() >= 10
    # any lower threshold falls under 90 %
    lower = np.array(confidence) >= max(c for c in confidence if c < t)
    assert np.mean(np.array(correct)[lower]) < 0.9
    assert info["precision"] >= 0.9 and info["support"] == above.sum()


def test_no_threshold_when_nothing_is_right_90_percent_of_the_time():
    confidence = np.linspace(0.99, 0.2, 50)
    correct = [i % 2 == 0 for i in range(50)]
    assert classifier.calibrated_threshold(confidence, correct)[0] is None
    # nor on too few suggestions, however right
    assert classifier.calibrated_threshold([0.9] * 5, [True] * 5, min_support=20)[0] is None


def _selected(html: str, name: str) -> list[str]:
    m = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert m, name
    return re.findall(r'<option value="([^"]*)"\s+selected', m.group(1))


@pytest.fixture
def suggested(db, people, units, junmen):
    """楼道灯不亮, wrongly suggested as 道路破损 → the district, with a middling confidence."""
    d = services.demand_create(
        by=people["street_staff"],
        channel="hotline",
        title="楼道灯不亮",
        body="3号楼楼道灯坏了",
        community=junmen,
    )
    road = (
        Category.objects.exclude(parent=None).filter(name__contains="道路").first()
        or Category.objects.exclude(parent=None).first()
    )

    def make(prefill: bool):
        services.demand_suggest(
            demand=d,
            category=road,
            unit=units["district"],
            score=0.41,
            unit_score=0.38,
            prefill_category=prefill,
            prefill_unit=prefill,
        )
        return Demand.objects.get(pk=d.pk), road

    return make


def test_below_the_threshold_the_suggestion_is_shown_not_prefilled(client, people, suggested, units):
    d, road = suggested(False)
    client.force_login(people["street_staff"])
    html = client.get(f"/demands/{d.pk}/").content.decode()
    assert _selected(html, "category") == [] and _selected(html, "unit") == []
    assert 'data-testid="suggestion"' in html and road.name in html and "41.0%" in html and "38.0%" in html
    # posting the untouched form dispatches nothing
    r = client.post(f"/demands/{d.pk}/act/dispatch/", {"category": "", "unit": ""}, HTTP_HX_REQUEST="true")
    assert "请选择承办单位" in r.content.decode()
    assert Demand.objects.get(pk=d.pk).state == "submitted"


def test_above_the_threshold_the_suggestion_is_prefilled(client, people, suggested, units):
    d, road = suggested(True)
    client.force_login(people["street_staff"])
    html = client.get(f"/demands/{d.pk}/").content.decode()
    assert _selected(html, "category") == [str(road.pk)]
    assert _selected(html, "unit") == [str(units["district"].pk)]


class _Fixed:
    """A stand-in for a trained TextClassifier: one answer, one confidence, one threshold."""

    def __init__(self, label, score, threshold):
        self.label, self.score, self.threshold = label, score, threshold

    def predict(self, text, top=3):
        return [(self.label, self.score)]

    prefill = classifier.TextClassifier.prefill


@pytest.mark.parametrize(
    "score, threshold, prefilled",
    [(0.95, 0.8, True), (0.8, 0.8, True), (0.79, 0.8, False), (0.99, None, False)],
)
def test_fill_prefills_only_at_or_above_the_stored_threshold(
    db, people, junmen, units, settings, tmp_path, monkeypatch, score, threshold, prefilled
):
    settings.DATA_DIR = tmp_path
    model = classifier.DemandClassifier(
        category=_Fixed("env-noise", score, threshold), unit=_Fixed("community", score, threshold)
    )
    monkeypatch.setattr(classifier, "demand_classifier_load", lambda path=None: model)
    d = services.demand_create(
        by=people["street_staff"], channel="hotline", title="噪音", body="工地夜间施工噪音", community=junmen
    )
    classifier.demand_suggestion_fill(d)
    d.refresh_from_db()
    assert d.suggested_category.code == "env-noise" and d.suggested_unit == units["community"]
    assert d.suggestion_score == pytest.approx(score) and d.suggested_unit_score == pytest.approx(score)
    assert (d.prefill_category, d.prefill_unit) == (prefilled, prefilled)
