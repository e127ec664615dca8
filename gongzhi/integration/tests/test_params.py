"""Linkage parameters per source (issue 9, item 1: "parameters estimated from the batch or
kept per source"): m is learnt from each import's anchor pairs and kept on the source; a
source that makes other mistakes gets other parameters, and linkage quality holds."""

from __future__ import annotations

import numpy as np
import pytest

from gongzhi.integration import linkage, params
from gongzhi.integration.linkage import BIRTH_EXACT, BIRTH_NEAR, FIELDS, ID_EXACT, NAME_EXACT
from gongzhi.integration.models import Source
from gongzhi.integration.services.staging import _Context

from . import noise
from .test_quality import run_world

pytestmark = pytest.mark.django_db

# A department that types birth dates by hand and writes names by ear.
SLOPPY = {"birth_typo": 0.25, "birth_swap": 0.10, "name_homophone": 0.10, "name_traditional": 0.10}


def _levels(rows: list[tuple[int, int, int, int, int, int]]) -> np.ndarray:
    return np.asarray(rows, dtype=np.int64)


def test_anchor_counts_take_m_from_pairs_whose_numbers_agree():
    # 8 pairs with the same number: 6 with the same birth date, 2 one digit apart
    same = [(ID_EXACT, NAME_EXACT, BIRTH_EXACT, 0, 0, 0)] * 6 + [
        (ID_EXACT, NAME_EXACT, BIRTH_NEAR, 0, 0, 0)
    ] * 2
    # a stranger pair (numbers different) agreeing on nothing is not an anchor
    stranger = [(4, 3, 2, 1, 1, 3)]
    counts = params.anchor_counts(_levels(same + stranger))
    assert counts["birth_date"] == [6.0, 2.0, 0.0]
    assert counts["sex"] == [8.0, 0.0] and params.anchors(counts) == 8
    # the number's own m comes from pairs agreeing on name, birth date and phone
    assert counts["id_number"] == [6.0, 0.0, 0.0, 0.0, 0.0]


def test_few_anchors_keep_the_default_and_many_move_m():
    few = params.model_from_counts({"birth_date": [6, 2, 0]})
    assert abs(few.m["birth_date"][BIRTH_EXACT] - linkage.DEFAULT_MODEL.m["birth_date"][BIRTH_EXACT]) < 0.02
    many = params.model_from_counts({"birth_date": [6000, 2000, 0]})
    assert 0.74 < many.m["birth_date"][BIRTH_EXACT] < 0.76
    # u and the prior belong to the register, not to the source
    assert many.u == linkage.DEFAULT_MODEL.u and many.prior == linkage.DEFAULT_MODEL.prior
    for f in FIELDS:
        assert abs(sum(many.m[f]) - 1) < 1e-9 and min(many.m[f]) > 0


def test_a_source_with_other_noise_gets_other_parameters_and_links_as_well(officer, civil_affairs):
    ids = noise.Ids()  # two registers in one: distinct identity numbers
    _w, _r, careful_score = run_world(officer, civil_affairs, people=2000, rows=1500, seed=11, ids=ids)
    _w, records, sloppy_score = run_world(
        officer, civil_affairs, people=2000, rows=1500, seed=12, rates=SLOPPY, ids=ids
    )
    careful = Source.objects.get(name="噪声名册11")
    sloppy = records[0].source
    sloppy.refresh_from_db()
    for source in (careful, sloppy):
        stored = source.link_params
        assert stored["batches"] == 1 and stored["anchors"] >= 800, stored
    m_careful, m_sloppy = careful.link_params["m"], sloppy.link_params["m"]
    # the sloppy department's birth dates agree exactly far less often, and are near far more often
    assert m_careful["birth_date"][BIRTH_EXACT] > 0.95
    assert m_sloppy["birth_date"][BIRTH_EXACT] < m_careful["birth_date"][BIRTH_EXACT] - 0.15
    assert m_sloppy["birth_date"][BIRTH_NEAR] > 3 * m_careful["birth_date"][BIRTH_NEAR]
    # so a birth date one digit off is less evidence against for its rows
    w_careful = params.model_from_counts(careful.link_params["counts"]).weights()
    w_sloppy = params.model_from_counts(sloppy.link_params["counts"]).weights()
    assert w_sloppy["birth_date"][BIRTH_NEAR] > w_careful["birth_date"][BIRTH_NEAR] + 1
    # and linkage quality holds on both (done-when of issue 9)
    for score in (careful_score, sloppy_score):
        assert score["f1"] >= 0.99, score
        assert score["false_merges"] <= 1, score
    # the next import of the sloppy source starts from what it learnt
    ctx = _Context(sloppy)
    assert ctx.model.source == f"source:{sloppy.pk}"
    assert ctx.model.m["birth_date"] == pytest.approx(m_sloppy["birth_date"])


def test_a_second_import_adds_to_the_sources_counts(officer, civil_affairs):
    ids = noise.Ids()
    _w, records, _s = run_world(
        officer, civil_affairs, people=1500, rows=1200, seed=21, rates=SLOPPY, ids=ids
    )
    source = records[0].source
    source.refresh_from_db()
    first = params.anchors(source.link_params["counts"])
    _w, _records, score = run_world(
        officer, civil_affairs, people=1500, rows=1200, seed=22, rates=SLOPPY, source=source, ids=ids
    )
    source.refresh_from_db()
    assert source.link_params["batches"] == 2
    assert params.anchors(source.link_params["counts"]) > first * 1.5
    assert score["f1"] >= 0.99, score
