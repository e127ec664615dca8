"""Linkage parameters per department source, estimated from its own imports.

Departments make different mistakes: one source types birth dates by hand, another copies
numbers out of Excel, a third writes names by ear. The probability that the *same* person's
two records agree at each comparison level (the m of Fellegi–Sunter) is a property of the
source; the probability that two *different* people agree (u) and the prior are properties
of the register and stay those of ``linkage.DEFAULT_MODEL``.

m is estimated the way ``linkage.estimate_model_anchored`` does it, from anchor pairs among
the import's own scored candidate pairs (no labels, no EM: plain two-class EM on candidate
pairs mistook strangers sharing a common name and birth date for matches, see
bench/RESULTS.md): for the name, birth date, sex, phone and address, the pairs whose
identity numbers agree exactly; for the identity number, the pairs agreeing on name (or its
sound), birth date, and phone or address. The counts of levels seen (sufficient statistics)
are kept on the batch chunk by chunk (``ImportBatch.link_counts``) and added to the
source's (``Source.link_params``) when the batch is done; older imports weigh less as new
ones come (the total is kept under ``MAX_WEIGHT`` pairs). Every estimate is shrunk towards
the default m by ``PRIOR_WEIGHT`` pseudo-pairs, so a source with few anchors keeps the
default. Within a batch, once its own anchors reach ``MIN_ANCHORS``, the rest of the batch
is linked with the source's counts plus the batch's (``ImportContext.model``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import linkage
from .linkage import (
    ADDR_EXACT,
    AGREE,
    BIRTH_EXACT,
    FIELDS,
    ID_EXACT,
    LEVELS,
    NAME_EXACT,
    NAME_PINYIN,
    Model,
)

PRIOR_WEIGHT = 200.0  # pseudo-pairs of the default m added to every field's counts
MIN_ANCHORS = 300  # a batch's own anchor pairs before it switches to its own estimate
MAX_WEIGHT = 50_000.0  # a source's counts are scaled down to stay under this many pairs per field
# m is kept within these bounds so that no level becomes certain evidence either way
M_FLOOR = 1e-5


def empty() -> dict[str, list[float]]:
    return {f: [0.0] * (len(LEVELS[f]) - 1) for f in FIELDS}


def anchor_counts(levels: np.ndarray, mask: np.ndarray | None = None) -> dict[str, list[float]]:
    """Per field, how many anchor pairs fell at each non-missing level (``mask``: the
    pairs to count, all by default)."""
    out = empty()
    if levels is None or not len(levels):
        return out
    if mask is not None:
        levels = levels[mask]
    id_anchor = levels[:, 0] == ID_EXACT
    other_anchor = (
        ((levels[:, 1] == NAME_EXACT) | (levels[:, 1] == NAME_PINYIN))
        & (levels[:, 2] == BIRTH_EXACT)
        & ((levels[:, 4] == AGREE) | (levels[:, 5] == ADDR_EXACT))
    )
    for k, f in enumerate(FIELDS):
        n = len(LEVELS[f]) - 1
        anchor = other_anchor if k == 0 else id_anchor
        col = levels[anchor & (levels[:, k] != n), k]
        out[f] = [float(x) for x in np.bincount(col, minlength=n + 1)[:n]]
    return out


def add(a: dict[str, Any] | None, b: dict[str, Any] | None) -> dict[str, list[float]]:
    out = empty()
    for part in (a or {}, b or {}):
        for f in FIELDS:
            for k, x in enumerate(part.get(f, ())[: len(out[f])]):
                out[f][k] += float(x)
    return out


def anchors(counts: dict[str, Any] | None) -> int:
    """The number of identity-number anchor pairs behind the counts (those of the sex
    field, which almost every pair has)."""
    return int(sum((counts or {}).get("sex", ())))


def capped(counts: dict[str, list[float]], limit: float = MAX_WEIGHT) -> dict[str, list[float]]:
    """The counts scaled down, field by field, to at most ``limit`` pairs."""
    out = {}
    for f, row in counts.items():
        total = sum(row)
        scale = min(1.0, limit / total) if total else 1.0
        out[f] = [x * scale for x in row]
    return out


def model_from_counts(counts: dict[str, Any] | None, *, source: str = "source") -> Model:
    """The default model with m re-estimated from the counts, shrunk towards the default."""
    base = linkage.DEFAULT_MODEL
    counts = add(counts, None)
    m: dict[str, list[float]] = {}
    for f in FIELDS:
        prior = np.asarray(base.m[f], dtype=float)
        seen = np.asarray(counts[f], dtype=float)
        est = (seen + PRIOR_WEIGHT * prior) / (seen.sum() + PRIOR_WEIGHT)
        est = np.maximum(est, M_FLOOR)
        m[f] = [float(x) for x in est / est.sum()]
    return Model(
        m=m,
        u={f: list(v) for f, v in base.u.items()},
        prior=base.prior,
        source=source,
        name_tf=base.name_tf,
        interactions=dict(base.interactions),
    )


def source_counts(source) -> dict[str, list[float]]:
    return add((source.link_params or {}).get("counts"), None)


def source_model(source) -> Model:
    """The model a source's next import starts with."""
    counts = source_counts(source)
    if not anchors(counts):
        return linkage.DEFAULT_MODEL
    return model_from_counts(counts, source=f"source:{source.pk}")


def source_params(source, batch_counts: dict[str, Any] | None, *, batch_pk: int) -> dict[str, Any]:
    """The source's stored parameters once a batch's counts are added."""
    old = source.link_params or {}
    counts = capped(add(old.get("counts"), batch_counts))
    model = model_from_counts(counts)
    return {
        "counts": counts,
        "anchors": anchors(counts),
        "batches": int(old.get("batches", 0)) + 1,
        "last_batch": batch_pk,
        "m": model.m,
    }
