"""Record linkage: recognise the same person across department extracts.

Pipeline (``link``):

1. **Normalise** each record once. Identity numbers: full-width folded, 15 digits upgraded
   to 18 (``core.idnumber.upgrade_15``), the check character recomputed so that a wrong
   one is known; birth date and sex taken from the number when the record lacks them.
   Names: traditional → simplified, separators removed (``names.normalise_name``) and a
   tone-less pinyin key (``names.name_key``).
2. **Block**: only records sharing a key are compared — the first 17 digits of the
   identity number; birth date + name pinyin key; phone; birth date + sex + community.
   A 15-digit number, a wrong check character and a missing number all still meet their
   partner in at least one block; a one-digit typo meets it through the name blocks.
3. **Score** each candidate pair Fellegi–Sunter style: every field comparison falls in a
   level (see ``LEVELS``) with a weight log2(m/u); the sum, the interaction terms and the
   prior log-odds give the match probability. The parameters come from the batch itself
   (``estimate_model_anchored``): u from random record pairs (and, for the identity
   number, from pairs born the same day), m from pairs anchored by an identical identity
   number (for the other fields) or by name + birth date + phone/address (for the
   number), the prior by EM. Not from the benchmark generator's noise rates: those are
   unknown for a real department's extract and differ between departments and years, and
   fitting them would only measure the generator. Plain two-class EM on the candidate
   pairs (``estimate_model``) was tried and put same-name-same-birth-date strangers in the
   match class (ten times the wrong merges at the same F1). Batches too small to estimate from use ``DEFAULT_MODEL``.
4. **Cluster**: pairs at or above ``MATCH_THRESHOLD`` are merged best first (union-find),
   but never two groups holding conflicting identity numbers (two valid different ones,
   or invalid ones more than a typo apart) nor two pool records, so a record without a
   number cannot chain two different people together; pairs between
   ``REVIEW_THRESHOLD`` and ``MATCH_THRESHOLD``, and refused merges, go to review.

Everything is vectorised over pairs with numpy; see bench/linkage.py for the benchmark
that sets the thresholds (bench/RESULTS.md).
"""

from __future__ import annotations

import datetime as dt
import math
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from gongzhi.core.idnumber import CHECK_CHARS, WEIGHTS, upgrade_15

from .names import name_key, normalise_name

__all__ = [
    "LinkRecord",
    "Match",
    "ScoredPair",
    "LinkResult",
    "Model",
    "LEVELS",
    "DEFAULT_MODEL",
    "MATCH_THRESHOLD",
    "REVIEW_THRESHOLD",
    "normalise_name",
    "name_key",
    "prepare",
    "score",
    "link",
    "candidate_pairs",
    "compare",
    "estimate_model",
]


@dataclass(slots=True)
class LinkRecord:
    key: str
    name: str
    id_number: str = ""  # raw: "", 15 or 18 characters, possibly mistyped
    birth_date: dt.date | None = None
    sex: str = ""  # "M"/"F"/""
    phone: str = ""
    address: str = ""
    community: str = ""  # region code (prefix) if known


@dataclass(frozen=True)
class Match:
    """A pair's match probability and, per field, the comparison level that produced it
    (``agreements``) with its weight in bits (``weights``: log2 m/u)."""

    probability: float
    agreements: dict[str, str]
    weights: dict[str, float] = field(default_factory=dict)


class ScoredPair(NamedTuple):
    """Two record keys and their match probability; for review pairs, why they are there:
    "uncertain" (between the thresholds), "conflict" (above the match threshold but the
    two groups hold different identity numbers) or "pool" (two pool records)."""

    a: str
    b: str
    probability: float
    reason: str = ""


@dataclass
class LinkResult:
    clusters: list[list[str]]  # every input key exactly once; singletons included
    matches: list[ScoredPair]  # merged pairs (p ≥ MATCH_THRESHOLD)
    review: list[ScoredPair]  # REVIEW ≤ p < MATCH, or p ≥ MATCH but the merge was refused
    model: Model
    stats: dict[str, float] = field(default_factory=dict)
    # every candidate pair: (index i, index j, probability) into pool + records, in that
    # order — for evaluation and threshold studies
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    levels: np.ndarray | None = field(default=None, repr=False)  # comparison levels of those pairs
    prepared: Prepared | None = field(default=None, repr=False)

    def recluster(self, match_threshold: float, review_threshold: float | None = None) -> LinkResult:
        """The same pairs clustered at other thresholds (no re-scoring)."""
        assert self.pairs is not None and self.levels is not None and self.prepared is not None
        i, j, prob = self.pairs
        review_t = REVIEW_THRESHOLD if review_threshold is None else review_threshold
        matches, review, labels = _cluster(self.prepared, i, j, prob, self.levels, match_threshold, review_t)
        return LinkResult(
            clusters=_groups(self.prepared, labels), matches=matches, review=review, model=self.model
        )

    def cluster_of(self) -> dict[str, int]:
        return {k: i for i, members in enumerate(self.clusters) for k in members}


# --- comparison levels ----------------------------------------------------------------

# Field → level names, in code order. The last level of every field is "missing" (either
# side lacks the value): it carries no weight.
LEVELS: dict[str, tuple[str, ...]] = {
    "id_number": ("exact", "check_char", "typo", "near_valid", "different", "missing"),
    "name": ("exact", "pinyin", "one_char", "different", "missing"),
    "birth_date": ("exact", "near", "different", "missing"),
    "sex": ("agree", "different", "missing"),
    "phone": ("agree", "different", "missing"),
    "address": ("address", "community", "street", "different", "missing"),
}
FIELDS = tuple(LEVELS)
_NLEV = np.array([len(v) for v in LEVELS.values()])
# Pattern code = mixed-radix number over the field levels.
_RADIX = np.concatenate([[1], np.cumprod(_NLEV[:-1])]).astype(np.int64)
N_PATTERNS = int(np.prod(_NLEV))

ID_EXACT, ID_CHECK, ID_TYPO, ID_NEAR, ID_DIFF, ID_MISSING = range(6)
NAME_EXACT, NAME_PINYIN, NAME_ONE, NAME_DIFF, NAME_MISSING = range(5)
BIRTH_EXACT, BIRTH_NEAR, BIRTH_DIFF, BIRTH_MISSING = range(4)
AGREE, DIFFERENT, MISSING3 = range(3)
ADDR_EXACT, ADDR_COMMUNITY, ADDR_STREET, ADDR_DIFF, ADDR_MISSING = range(5)


@dataclass
class Model:
    """Fellegi–Sunter parameters: per field, m and u for each non-missing level, and the
    prior probability that a candidate pair is a match (``prior``)."""

    m: dict[str, list[float]]
    u: dict[str, list[float]]
    prior: float
    source: str = "default"
    name_tf: bool = False  # term-frequency adjusted u for exact names (set by link)
    # Extra bits (≤ 0) for combinations of agreements that different people share more
    # often than the fields' separate u values imply — a dependence plain Fellegi–Sunter
    # ignores: a common name with the same birth date; the phone and address of one
    # household; a birth date shared within a household (twins). See ``INTERACTIONS``.
    interactions: dict[str, float] = field(default_factory=dict)

    def weights(self) -> dict[str, np.ndarray]:
        """log2(m/u) per level; 0 for missing."""
        out = {}
        for f in FIELDS:
            m = np.asarray(self.m[f], dtype=float)
            u = np.asarray(self.u[f], dtype=float)
            out[f] = np.append(np.log2(m / u), 0.0)
        return out

    def as_dict(self) -> dict:
        return {
            "m": self.m,
            "u": self.u,
            "prior": self.prior,
            "source": self.source,
            "name_tf": self.name_tf,
            "interactions": self.interactions,
        }


# Used by ``score`` and by ``link`` on batches too small to estimate from: the parameters
# ``estimate_model_anchored`` found on the 1,000,000-record benchmark (bench/linkage.py,
# bench/RESULTS.md "Record linkage"), rounded to three digits. The prior is per pair of
# records in a district-sized register of a million records. ``score`` has no name
# frequencies, so no term-frequency adjustment (``link`` on a large batch has them).
DEFAULT_MODEL = Model(
    m={
        "id_number": [0.939, 0.035, 0.0243, 0.00124, 0.000167],
        "name": [0.933, 0.0498, 0.0169, 0.00039],
        "birth_date": [0.983, 0.0165, 3.54e-05],
        "sex": [0.994, 0.00592],
        "phone": [0.658, 0.342],
        "address": [0.854, 0.0484, 0.00879, 0.0892],
    },
    u={
        "id_number": [1.63e-06, 5.42e-07, 0.000461, 0.0108, 0.989],
        "name": [0.000141, 3.25e-05, 0.00929, 0.991],
        "birth_date": [3.45e-05, 0.000919, 0.999],
        "sex": [0.499, 0.501],
        "phone": [3.25e-06, 1.0],
        "address": [2.5e-06, 0.0131, 0.0911, 0.896],
    },
    prior=1.4e-06,
    source="default",
    interactions={
        "name+birth_date": -2.31,
        "pinyin+birth_date": -0.85,
        "phone+address": -14.67,
        "birth_date+household": -6.5,
    },
)

# Thresholds on the match probability, read off the 1,000,000-record benchmark's table
# of candidate pairs by probability band (bench/RESULTS.md, "Record linkage"):
#
# - MATCH_THRESHOLD: merge without a person looking. A wrong merge mixes two residents'
#   data, a missed one only costs a review, so merging needs near-certainty: at 0.99 and
#   above 99.96% of the pairs were one person, while in the band just below (0.95–0.99)
#   only about 56% were — those go to review instead.
# - REVIEW_THRESHOLD: below the match threshold and at or above this, a reviewer decides.
#   Between 0.3 and 0.99 roughly 57% of the pairs were one person (worth a reviewer's
#   minute); in 0.1–0.3 fewer than 10%, and below 0.1 under 0.5% — not worth the queue.
MATCH_THRESHOLD = 0.99
REVIEW_THRESHOLD = 0.3


# --- normalisation ----------------------------------------------------------------------

_ID_FOLD = str.maketrans(
    {0xFF10 + i: 0x30 + i for i in range(10)} | {0xFF38: "X", 0xFF58: "X", ord("x"): "X"}
)
_ADDR_FOLD = {ord(c): None for c in " \t\u3000-－—_,，.。·"}
_NAME_WIDTH = 6
_EMPTY = ""


def _norm_id(raw: str) -> tuple[str, str]:
    """(first 17 digits of the 18-character form, its check character as written — or
    computed, for an upgraded 15-digit number). ("", "") when absent or unusable; the check
    character is "" when it was dropped."""
    if not raw:
        return _EMPTY, _EMPTY
    if len(raw) == 18 and raw.isascii() and raw[:17].isdigit():  # the common case
        c = raw[17]
        return raw[:17], "X" if c == "x" else c
    v = raw.strip().translate(_ID_FOLD).replace(" ", "").replace("\u3000", "")
    n = len(v)
    if not v.isascii():
        return _EMPTY, _EMPTY
    if n == 15 and v.isdigit():
        full = upgrade_15(v)
        return full[:17], full[17]
    if n == 18 and v[:17].isdigit():
        return v[:17], v[17]
    if n == 17 and v.isdigit():  # check character dropped
        return v, _EMPTY
    return _EMPTY, _EMPTY


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _norm_phone(raw: str) -> str:
    if not raw:
        return _EMPTY
    if len(raw) == 11 and raw.isascii() and raw.isdigit():
        return raw
    v = "".join(ch for ch in _nfkc(raw) if ch.isdigit())
    if v.startswith("86") and len(v) == 13:
        v = v[2:]
    return v if len(v) >= 7 else _EMPTY


def _norm_address(raw: str) -> str:
    """Addresses are compared for equality only: fold widths, spaces and punctuation, the
    usual spellings of a building (号楼/幢/座 → 栋), and a closing 室 after the room number."""
    if not raw:
        return _EMPTY
    text = _nfkc(raw).translate(_ADDR_FOLD)
    text = text.replace("号楼", "栋").replace("幢", "栋").replace("座", "栋")
    if text.endswith("室") and text[-2:-1].isdigit():
        text = text[:-1]  # room 1017 whether written 1017室 or 1017
    return text.upper()


_WEIGHTS = np.array(WEIGHTS, dtype=np.int64)
_CHECK_CODES = np.frombuffer(CHECK_CHARS.encode(), dtype=np.uint8)
_SEX_CODES = {"M": 1, "F": 2, "男": 1, "女": 2, "1": 1, "2": 2, "m": 1, "f": 2}


class Prepared:
    """Column arrays of normalised records (numpy), the form every step works on."""

    def __init__(self, records: Sequence[LinkRecord], is_pool: Sequence[bool] | None = None):
        n = len(records)
        self.n = n
        self.keys = [r.key for r in records]

        # identity numbers: first 17 digits, check character as written, validity
        ids = [_norm_id(r.id_number) for r in records]
        id17s = [x[0] for x in ids]
        self.id17 = id17s
        present = np.fromiter((bool(x) for x in id17s), dtype=bool, count=n)
        self.id_present = present
        self.id_check = np.fromiter((ord(x[1]) if x[1] else 0 for x in ids), dtype=np.uint8, count=n)
        digits = np.zeros((n, 17), dtype=np.uint8)
        rows = np.flatnonzero(present)
        if len(rows):
            buf = "".join([id17s[k] for k in rows.tolist()]).encode()
            digits[rows] = np.frombuffer(buf, dtype=np.uint8).reshape(-1, 17) - 48
        self.id_digits = digits
        expected = _CHECK_CODES[(digits.astype(np.int64) @ _WEIGHTS) % 11]
        self.id_valid = present & (self.id_check == expected)
        place = np.array([10**k for k in range(16, -1, -1)], dtype=np.int64)
        self.id_int = np.where(present, digits.astype(np.int64) @ place, -1)

        # birth date (from the number when the record has none) and sex (likewise)
        births = np.fromiter(
            ((b.year * 10000 + b.month * 100 + b.day) if b else 0 for b in (r.birth_date for r in records)),
            dtype=np.int64,
            count=n,
        )
        d = digits.astype(np.int64)
        id_birth = d[:, 6:14] @ np.array([10**k for k in range(7, -1, -1)], dtype=np.int64)
        plausible = (
            present
            & (id_birth // 10000 >= 1880)
            & (id_birth // 100 % 100 >= 1)
            & (id_birth // 100 % 100 <= 12)
            & (id_birth % 100 >= 1)
            & (id_birth % 100 <= 31)
        )
        self.birth = np.where((births == 0) & plausible, id_birth, births)
        sex = np.fromiter((_SEX_CODES.get(r.sex, 0) if r.sex else 0 for r in records), dtype=np.int8, count=n)
        id_sex = np.where(d[:, 16] % 2 == 1, 1, 2).astype(np.int8)
        self.sex = np.where((sex == 0) & present, id_sex, sex).astype(np.int8)

        # names: normalised once per distinct spelling
        names = [normalise_name(r.name) for r in records]
        self.names = names
        self.name_code, distinct = _factorize_with_values(names)
        key_of = [name_key(x) for x in distinct]
        key_codes, _ = _factorize_with_values(key_of)
        self.nkey_code = (
            np.where(self.name_code >= 0, key_codes[np.maximum(self.name_code, 0)], -1)
            if len(distinct)
            else np.full(n, -1, dtype=np.int64)
        )
        cps = np.zeros((max(len(distinct), 1), _NAME_WIDTH), dtype=np.int32)
        lens = np.zeros(max(len(distinct), 1), dtype=np.int8)
        for k, nm in enumerate(distinct):
            cut = nm[:_NAME_WIDTH]
            lens[k] = min(len(nm), 127)
            cps[k, : len(cut)] = [ord(c) for c in cut]
        safe = np.maximum(self.name_code, 0)
        self.name_cps = np.where((self.name_code >= 0)[:, None], cps[safe], 0)
        self.name_len = np.where(self.name_code >= 0, lens[safe], 0).astype(np.int8)
        counts = np.bincount(self.name_code[self.name_code >= 0], minlength=1)
        self.name_freq = np.where(self.name_code >= 0, counts[safe], 0)

        # phone, address, community
        self.phone_code = _factorize([_norm_phone(r.phone) for r in records])
        cache: dict[str, str] = {}
        addrs = []
        for r in records:
            a = r.address
            got = cache.get(a)
            if got is None:
                got = cache[a] = _norm_address(a)
            addrs.append(got)
        self.addr_code = _factorize(addrs)
        self.community = np.fromiter(
            (
                int(c.ljust(12, "0")[:12]) if c and c.isascii() and c.isdigit() else 0
                for c in (r.community for r in records)
            ),
            dtype=np.int64,
            count=n,
        )
        self.is_pool = np.zeros(n, dtype=bool) if is_pool is None else np.asarray(is_pool, dtype=bool)


def _factorize(values: list[str]) -> np.ndarray:
    """Integer code per distinct non-empty string; -1 for empty."""
    return _factorize_with_values(values)[0]


def _factorize_with_values(values: list[str]) -> tuple[np.ndarray, list[str]]:
    """(code per value, the distinct non-empty values in code order); "" → -1."""
    table: dict[str, int] = {"": -1}
    setdefault = table.setdefault
    codes = np.fromiter((setdefault(v, len(table) - 1) for v in values), dtype=np.int64, count=len(values))
    return codes, [v for v in table if v]


def prepare(records: Sequence[LinkRecord], is_pool: Sequence[bool] | None = None) -> Prepared:
    return Prepared(records, is_pool)


# --- blocking ---------------------------------------------------------------------------

MAX_BLOCK = 200  # larger blocks (a placeholder phone, a shared office number) are skipped


def _block_keys(p: Prepared, *, community_name: bool = False) -> list[tuple[str, np.ndarray]]:
    """One int64 key per record per blocking rule; -1 = the record does not take part.
    ``community_name`` adds community + name sound (the import path, whose pool is only
    the chunk's candidates, uses it to meet a birth-date typo when there is no number)."""
    has_birth = p.birth > 0
    keys = [("id17", p.id_int)]
    k = np.where(has_birth & (p.nkey_code >= 0), p.birth * 4_000_000 + p.nkey_code, -1)
    keys.append(("birth+name_key", k))
    keys.append(("phone", p.phone_code))
    k = np.where(
        has_birth & (p.sex > 0) & (p.community > 0),
        (p.community % 10_000_000) * 1_000_000_000 + p.birth * 3 + p.sex,
        -1,
    )
    keys.append(("birth+sex+community", k))
    if community_name:
        k = np.where(
            (p.community > 0) & (p.nkey_code >= 0),
            (p.community % 10_000_000) * 4_000_000 + p.nkey_code,
            -1,
        )
        keys.append(("community+name_key", k))
    return keys


def _pairs_for_key(keys: np.ndarray, max_block: int) -> np.ndarray:
    """All pairs (i < j) of records sharing a key, encoded i * 2**32 + j."""
    idx = np.flatnonzero(keys >= 0)
    if len(idx) < 2:
        return np.zeros(0, dtype=np.int64)
    k = keys[idx]
    order = np.argsort(k, kind="stable")
    idx = idx[order]
    k = k[order]
    n = len(k)
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(k[1:], k[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    sizes = np.diff(np.append(starts, n))
    ok = (sizes >= 2) & (sizes <= max_block)
    starts, sizes = starts[ok], sizes[ok]
    if not len(starts):
        return np.zeros(0, dtype=np.int64)
    # every position of an eligible group, and how many later members it pairs with
    pos = np.repeat(starts, sizes) + _ranges(sizes)
    group_end = np.repeat(starts + sizes, sizes)
    counts = group_end - pos - 1
    left = np.repeat(pos, counts)
    right = left + 1 + _ranges(counts)
    a, b = idx[left], idx[right]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    return (lo.astype(np.int64) << 32) | hi.astype(np.int64)


def _ranges(counts: np.ndarray) -> np.ndarray:
    """concatenate(arange(c) for c in counts), vectorised."""
    total = int(counts.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(counts)
    out = np.arange(total, dtype=np.int64)
    out -= np.repeat(ends - counts, counts)
    return out


def candidate_pairs(
    p: Prepared, *, max_block: int = MAX_BLOCK, community_name: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct candidate pairs (i, j), i < j, from all blocking rules; pairs of two pool
    records are left out (they were resolved before)."""
    parts = [_pairs_for_key(k, max_block) for _, k in _block_keys(p, community_name=community_name)]
    codes = np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
    i = (codes >> 32).astype(np.int64)
    j = (codes & 0xFFFFFFFF).astype(np.int64)
    if p.is_pool.any():
        keep = ~(p.is_pool[i] & p.is_pool[j])
        i, j = i[keep], j[keep]
    return i, j


# --- comparison -------------------------------------------------------------------------


def compare(p: Prepared, i: np.ndarray, j: np.ndarray, *, strict_given: bool = False) -> np.ndarray:
    """Comparison levels, shape (pairs, fields), int8 — see ``LEVELS``. ``strict_given``:
    a given-name character replaced by one that does not sound alike (张建国 / 张建军: a
    father and son, brothers) is a different name, not a one-character typo."""
    n = len(i)
    out = np.empty((n, len(FIELDS)), dtype=np.int8)
    out[:, 0] = _compare_id(p, i, j)
    out[:, 1] = _compare_name(p, i, j, strict_given=strict_given)
    out[:, 2] = _compare_birth(p, i, j)
    si, sj = p.sex[i], p.sex[j]
    out[:, 3] = np.where((si == 0) | (sj == 0), MISSING3, np.where(si == sj, AGREE, DIFFERENT))
    pi, pj = p.phone_code[i], p.phone_code[j]
    out[:, 4] = np.where((pi < 0) | (pj < 0), MISSING3, np.where(pi == pj, AGREE, DIFFERENT))
    out[:, 5] = _compare_address(p, i, j)
    return out


def _compare_id(p: Prepared, i, j) -> np.ndarray:
    lev = np.full(len(i), ID_MISSING, dtype=np.int8)
    both = p.id_present[i] & p.id_present[j]
    if not both.any():
        return lev
    bi, bj = i[both], j[both]
    vi, vj = p.id_valid[bi], p.id_valid[bj]
    same17 = p.id_int[bi] == p.id_int[bj]
    di, dj = p.id_digits[bi], p.id_digits[bj]
    diff = di != dj
    ham = diff.sum(axis=1)
    one = ham == 1
    # adjacent transposition: exactly two neighbouring positions, swapped
    two = ham == 2
    transposed = np.zeros(len(bi), dtype=bool)
    if two.any():
        t = np.flatnonzero(two)
        d2 = diff[t]
        first = d2.argmax(axis=1)
        adjacent = (first < 16) & d2[np.arange(len(t)), np.minimum(first + 1, 16)]
        a, b = di[t], dj[t]
        r = np.arange(len(t))
        f1 = np.minimum(first + 1, 16)
        swapped = (a[r, first] == b[r, f1]) & (a[r, f1] == b[r, first])
        transposed[t] = adjacent & swapped
    edit1 = one | transposed
    sub = np.full(len(bi), ID_DIFF, dtype=np.int8)
    sub[edit1 & ~(vi & vj)] = ID_TYPO  # one side fails its checksum: a typing error
    sub[edit1 & vi & vj] = ID_NEAR  # both valid yet one digit apart: twins, siblings
    # same first 17: exact when the check characters agree as well
    same_check = same17 & (p.id_check[bi] == p.id_check[bj])
    sub[same17] = ID_CHECK
    sub[same_check] = ID_EXACT
    lev[both] = sub
    return lev


def _compare_name(p: Prepared, i, j, *, strict_given: bool = False) -> np.ndarray:
    ci, cj = p.name_code[i], p.name_code[j]
    lev = np.full(len(i), NAME_DIFF, dtype=np.int8)
    missing = (ci < 0) | (cj < 0)
    exact = (ci == cj) & ~missing
    pinyin = (p.nkey_code[i] == p.nkey_code[j]) & ~exact & ~missing
    rest = np.flatnonzero(~missing & ~exact & ~pinyin)
    if len(rest):
        a, b = p.name_cps[i[rest]], p.name_cps[j[rest]]
        la, lb = p.name_len[i[rest]], p.name_len[j[rest]]
        same_len = la == lb
        one_sub = same_len & ((a != b).sum(axis=1) == 1)
        # one character added or dropped: the shorter equals the longer minus one char
        one_indel = np.zeros(len(rest), dtype=bool)
        cand = np.flatnonzero(np.abs(la.astype(int) - lb.astype(int)) == 1)
        for k in cand:
            sa = p.names[i[rest[k]]]
            sb = p.names[j[rest[k]]]
            if len(sa) < len(sb):
                sa, sb = sb, sa
            one_indel[k] = any(sa[:x] + sa[x + 1 :] == sb for x in range(len(sa)))
        if strict_given and one_sub.any():
            from .names import char_key

            for k in np.flatnonzero(one_sub):
                sa, sb = p.names[i[rest[k]]], p.names[j[rest[k]]]
                x = next(x for x in range(len(sa)) if sa[x] != sb[x])
                if x > 0 and char_key(sa[x]) != char_key(sb[x]):
                    one_sub[k] = False
        sub = np.full(len(rest), NAME_DIFF, dtype=np.int8)
        sub[one_sub | one_indel] = NAME_ONE
        lev[rest] = sub
    lev[exact] = NAME_EXACT
    lev[pinyin] = NAME_PINYIN
    lev[missing] = NAME_MISSING
    return lev


def _compare_birth(p: Prepared, i, j) -> np.ndarray:
    a, b = p.birth[i], p.birth[j]
    missing = (a == 0) | (b == 0)
    lev = np.full(len(i), BIRTH_DIFF, dtype=np.int8)
    lev[a == b] = BIRTH_EXACT
    ne = np.flatnonzero((a != b) & ~missing)
    if len(ne):
        x, y = a[ne], b[ne]
        # one digit different
        ndiff = np.zeros(len(ne), dtype=np.int8)
        xx, yy = x.copy(), y.copy()
        for _ in range(8):
            ndiff += (xx % 10 != yy % 10).astype(np.int8)
            xx //= 10
            yy //= 10
        # month and day swapped
        swapped = (x // 10000 == y // 10000) & ((x // 100) % 100 == y % 100) & (x % 100 == (y // 100) % 100)
        near = (ndiff == 1) | swapped
        lev[ne[near]] = BIRTH_NEAR
    lev[missing] = BIRTH_MISSING
    return lev


def _compare_address(p: Prepared, i, j) -> np.ndarray:
    ai, aj = p.addr_code[i], p.addr_code[j]
    ci, cj = p.community[i], p.community[j]
    lev = np.full(len(i), ADDR_DIFF, dtype=np.int8)
    lev[(ci // 1000 == cj // 1000) & (ci > 0) & (cj > 0)] = ADDR_STREET
    lev[(ci == cj) & (ci > 0)] = ADDR_COMMUNITY
    lev[(ai == aj) & (ai >= 0)] = ADDR_EXACT
    missing = ((ai < 0) & (ci == 0)) | ((aj < 0) & (cj == 0))
    lev[missing] = ADDR_MISSING
    return lev


# --- scoring ----------------------------------------------------------------------------


def _pattern_codes(levels: np.ndarray) -> np.ndarray:
    return levels.astype(np.int64) @ _RADIX


def _pattern_levels(codes: np.ndarray) -> np.ndarray:
    out = np.empty((len(codes), len(FIELDS)), dtype=np.int64)
    rest = codes.copy()
    for f, nl in enumerate(_NLEV):
        out[:, f] = rest % nl
        rest //= nl
    return out


def _log_odds(model: Model, levels: np.ndarray) -> np.ndarray:
    w = model.weights()
    total = np.full(len(levels), math.log2(model.prior / (1 - model.prior)))
    for f, name in enumerate(FIELDS):
        total += w[name][levels[:, f]]
    if model.interactions:
        total += _interaction_bits(model, levels)
    return total


# name → (which pairs it applies to, the u of that combination were the fields independent)
INTERACTIONS = {
    "name+birth_date": (
        lambda lv: (lv[:, 1] == NAME_EXACT) & (lv[:, 2] == BIRTH_EXACT),
        lambda u: u["name"][NAME_EXACT] * u["birth_date"][BIRTH_EXACT],
    ),
    "pinyin+birth_date": (
        lambda lv: (lv[:, 1] == NAME_PINYIN) & (lv[:, 2] == BIRTH_EXACT),
        lambda u: u["name"][NAME_PINYIN] * u["birth_date"][BIRTH_EXACT],
    ),
    "phone+address": (
        lambda lv: (lv[:, 4] == AGREE) & (lv[:, 5] == ADDR_EXACT),
        lambda u: u["phone"][AGREE] * u["address"][ADDR_EXACT],
    ),
    "birth_date+household": (
        lambda lv: (lv[:, 2] == BIRTH_EXACT) & ((lv[:, 4] == AGREE) | (lv[:, 5] == ADDR_EXACT)),
        lambda u: u["birth_date"][BIRTH_EXACT] * (u["phone"][AGREE] + u["address"][ADDR_EXACT]),
    ),
}


def _interaction_bits(model: Model, levels: np.ndarray) -> np.ndarray:
    bits = np.zeros(len(levels))
    for name, b in model.interactions.items():
        bits[INTERACTIONS[name][0](levels)] += b
    return bits


def _prob(log_odds: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp2(-np.clip(log_odds, -200, 200)))


def _tf_adjust(model: Model, p: Prepared, i, j, levels) -> np.ndarray:
    """Extra weight for exact names: log2(u_exact / frequency of that name). A rare name
    agreeing says more than 张伟 agreeing; capped at ±5 bits."""
    adj = np.zeros(len(i))
    exact = levels[:, 1] == NAME_EXACT
    if not exact.any():
        return adj
    freq = p.name_freq[i[exact]] / max(p.n, 1)
    u = model.u["name"][NAME_EXACT]
    adj[exact] = np.clip(np.log2(u / np.maximum(freq, 1e-9)), -5, 5)
    return adj


def _explain(model: Model, levels_row: Sequence[int]) -> tuple[dict[str, str], dict[str, float]]:
    w = model.weights()
    agreements = {f: LEVELS[f][int(levels_row[k])] for k, f in enumerate(FIELDS)}
    weights = {f: round(float(w[f][int(levels_row[k])]), 2) for k, f in enumerate(FIELDS)}
    row = np.asarray([levels_row])
    for name, b in model.interactions.items():
        if INTERACTIONS[name][0](row)[0]:
            weights[name] = round(b, 2)
    return agreements, weights


def score(a: LinkRecord, b: LinkRecord, *, model: Model | None = None) -> Match:
    """Match probability of two records with the per-field comparison levels behind it.

    Two records whose identity numbers are both valid and different belong, by the
    numbering system, to two people (twins' numbers are one digit apart): however much
    else agrees, such a pair is kept below ``MATCH_THRESHOLD`` so that a person decides —
    the same rule ``link``'s clustering guard applies (``agreements["rule"]`` says so).
    """
    model = model or DEFAULT_MODEL
    p = Prepared([a, b])
    i, j = np.array([0]), np.array([1])
    levels = compare(p, i, j)
    prob = float(_prob(_log_odds(model, levels))[0])
    agreements, weights = _explain(model, levels[0])
    if p.id_valid.all() and p.id17[0] != p.id17[1] and prob >= MATCH_THRESHOLD:
        prob = math.nextafter(MATCH_THRESHOLD, 0.0)
        agreements["rule"] = "two_valid_numbers"
    return Match(probability=prob, agreements=agreements, weights=weights)


# --- parameter estimation (EM) ----------------------------------------------------------

MIN_PAIRS_FOR_EM = 5_000


def estimate_model(
    levels: np.ndarray,
    *,
    start: Model | None = None,
    iterations: int = 60,
    tol: float = 1e-6,
) -> Model:
    """Estimate m, u and the prior by expectation–maximisation on the candidate pairs'
    comparison patterns (conditional independence within each class, as in Fellegi–Sunter
    and Splink). Works on the histogram of patterns, so its cost does not depend on the
    number of pairs. Missing levels are ignored (they carry no weight).
    """
    start = start or DEFAULT_MODEL
    codes = _pattern_codes(levels)
    uniq, counts = np.unique(codes, return_counts=True)
    lev = _pattern_levels(uniq)
    counts = counts.astype(float)
    m = {f: np.asarray(start.m[f], dtype=float) for f in FIELDS}
    u = {f: np.asarray(start.u[f], dtype=float) for f in FIELDS}
    prior = start.prior
    for _ in range(iterations):
        lm = np.full(len(uniq), math.log(prior))
        lu = np.full(len(uniq), math.log(1 - prior))
        for k, f in enumerate(FIELDS):
            mm = np.append(np.log(m[f]), 0.0)
            uu = np.append(np.log(u[f]), 0.0)
            lm += mm[lev[:, k]]
            lu += uu[lev[:, k]]
        post = 1.0 / (1.0 + np.exp(np.clip(lu - lm, -700, 700)))
        wm = post * counts
        wu = (1 - post) * counts
        new_prior = wm.sum() / counts.sum()
        change = abs(new_prior - prior)
        prior = min(max(new_prior, 1e-6), 1 - 1e-6)
        for k, f in enumerate(FIELDS):
            nl = len(LEVELS[f]) - 1
            cm = np.bincount(lev[:, k], weights=wm, minlength=nl + 1)[:nl] + 0.5
            cu = np.bincount(lev[:, k], weights=wu, minlength=nl + 1)[:nl] + 0.5
            new_m, new_u = cm / cm.sum(), cu / cu.sum()
            change = max(change, float(np.abs(new_m - m[f]).max()))
            m[f], u[f] = new_m, new_u
        if change < tol:
            break
    return Model(
        m={f: [float(x) for x in m[f]] for f in FIELDS},
        u={f: [float(x) for x in u[f]] for f in FIELDS},
        prior=float(prior),
        source="em",
    )


MIN_RECORDS_TO_ESTIMATE = 2_000
RANDOM_PAIRS = 1_000_000


def _random_pairs(p: Prepared, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    i = rng.integers(0, p.n, size=count)
    j = rng.integers(0, p.n, size=count)
    keep = i != j
    i, j = i[keep], j[keep]
    if p.is_pool.any():
        keep = ~(p.is_pool[i] & p.is_pool[j])
        i, j = i[keep], j[keep]
    return np.minimum(i, j), np.maximum(i, j)


def _level_shares(levels: np.ndarray, field_index: int, mask: np.ndarray | None = None) -> list[float]:
    """Share of each non-missing level of one field, with half a pair added to every level
    so that no level has probability 0."""
    f = FIELDS[field_index]
    nl = len(LEVELS[f]) - 1
    col = levels[:, field_index] if mask is None else levels[mask, field_index]
    counts = np.bincount(col, minlength=nl + 1)[:nl] + 0.5
    return [float(x) for x in counts / counts.sum()]


def _same_birth_pairs(p: Prepared, window: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of records born the same day with different names (pinyin): neighbours in
    birth-date order, up to ``window`` apart."""
    order = np.argsort(p.birth, kind="stable")
    order = order[p.birth[order] > 0]
    out_i, out_j = [], []
    for w in range(1, window + 1):
        a, b = order[:-w], order[w:]
        keep = (p.birth[a] == p.birth[b]) & (p.nkey_code[a] != p.nkey_code[b])
        out_i.append(a[keep])
        out_j.append(b[keep])
    i, j = np.concatenate(out_i), np.concatenate(out_j)
    return np.minimum(i, j), np.maximum(i, j)


def estimate_model_anchored(
    p: Prepared, i: np.ndarray, j: np.ndarray, levels: np.ndarray, *, seed: int = 1
) -> Model:
    """Estimate the model from the batch itself, without labels:

    - **u** (how often two *different* people agree at each level) from random record
      pairs, which are different people all but never (Splink does the same);
    - **m** (how often the *same* person's two records fall at each level) from anchor
      pairs: for the name, birth date, sex, phone and address, the candidate pairs whose
      identity numbers agree exactly (an identity number belongs to one person); for the
      identity number itself, the pairs agreeing on name (or its pinyin), birth date and
      phone or address. Each field's errors are assumed independent of the others';
    - the **prior** (share of all record pairs that match) by EM with m and u fixed, over
      every pair: pairs left out by blocking count as non-matches.

    Plain two-class EM on the candidate pairs (``estimate_model``) was tried first: the
    different people sharing a common name and birth date are frequent among the candidates
    and EM explains them as matches with a mistyped number (it finds 1.5% of one person's
    numbers "different"); at the same F1 it merged wrong pairs about ten times as often
    (bench/RESULTS.md, "Record linkage").
    """
    count = int(min(RANDOM_PAIRS, p.n * (p.n - 1) // 2, max(100_000, 20 * p.n)))
    ri, rj = _random_pairs(p, count, seed)
    rlev = compare(p, ri, rj)
    u = {f: _level_shares(rlev, k) for k, f in enumerate(FIELDS)}
    # An identity number contains the birth date, so for people born the same day (twins
    # above all) numbers one digit apart are common: take the number's u from pairs of
    # different people born on the same day (same birth date, different name).
    bi, bj = _same_birth_pairs(p)
    if len(bi) >= 1000:
        blev = compare(p, bi, bj)[:, 0]
        # pairs with equal numbers here are one person with a misspelt name: keep exact and
        # check-character from the random pairs, share the rest as seen on this day
        rest = np.bincount(blev[blev >= ID_TYPO], minlength=ID_MISSING)[ID_TYPO:ID_MISSING] + 0.5
        mass = 1.0 - u["id_number"][ID_EXACT] - u["id_number"][ID_CHECK]
        u["id_number"][ID_TYPO:] = [float(x) for x in rest / rest.sum() * mass]

    id_anchor = levels[:, 0] == ID_EXACT
    other_anchor = (
        ((levels[:, 1] == NAME_EXACT) | (levels[:, 1] == NAME_PINYIN))
        & (levels[:, 2] == BIRTH_EXACT)
        & ((levels[:, 4] == AGREE) | (levels[:, 5] == ADDR_EXACT))
    )
    m = {"id_number": _level_shares(levels, 0, other_anchor & (levels[:, 0] != ID_MISSING))}
    for k, f in enumerate(FIELDS[1:], start=1):
        missing = len(LEVELS[f]) - 1
        m[f] = _level_shares(levels, k, id_anchor & (levels[:, k] != missing))

    model = Model(m=m, u=u, prior=0.5, source="anchored")
    total_pairs = p.n * (p.n - 1) / 2
    if p.is_pool.any():
        k = int(p.is_pool.sum())
        total_pairs -= k * (k - 1) / 2
    # Dependent agreements: count the candidate pairs of *different* people (both numbers
    # present, not one typo apart) showing the combination, scale to all pairs of records
    # with numbers, and compare with what the separate u values predict.
    with_id = float(p.id_present.mean())
    different = (levels[:, 0] == ID_DIFF) | (levels[:, 0] == ID_NEAR)
    for name, (applies, independent) in INTERACTIONS.items():
        seen = float((different & applies(levels)).sum())
        if seen < 5 or with_id == 0:
            continue
        joint = seen / (total_pairs * with_id * with_id)
        model.interactions[name] = float(min(0.0, math.log2(independent(u) / joint)))
    evidence = _log_odds(model, levels) - math.log2(model.prior / (1 - model.prior))
    if model.name_tf or p.n >= MIN_RECORDS_TO_ESTIMATE:
        evidence = evidence + _tf_adjust(model, p, i, j, levels)
    prior = max(float(id_anchor.sum()), 1.0) / total_pairs
    for _ in range(50):
        post = _prob(evidence + math.log2(prior / (1 - prior)))
        new = max(float(post.sum()), 1.0) / total_pairs
        if abs(new - prior) <= 1e-4 * prior:
            prior = new
            break
        prior = new
    model.prior = prior
    model.name_tf = True
    return model


# --- clustering -------------------------------------------------------------------------


class _Guard:
    """Union-find whose groups remember their identity numbers (first 17 digits) and
    whether they hold a pool record; two groups with conflicting numbers (different people
    by their numbers, not a typo apart) or two pool records are never merged."""

    def __init__(self, p: Prepared):
        self.parent = list(range(p.n))
        self.p = p
        self.ids: dict[int, list[tuple[str, bool]]] = {}
        self.pool: dict[int, bool] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def _ids(self, r: int) -> list[tuple[str, bool]]:
        got = self.ids.get(r)
        if got is None:
            got = [(self.p.id17[r], bool(self.p.id_valid[r]))] if self.p.id17[r] else []
        return got

    def _pool(self, r: int) -> bool:
        got = self.pool.get(r)
        return bool(self.p.is_pool[r]) if got is None else got

    def union(self, a: int, b: int) -> str:
        """ "" when merged (or already together), else the reason for refusing."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ""
        if self._pool(ra) and self._pool(rb):
            return "pool"
        ia, ib = self._ids(ra), self._ids(rb)
        for x, vx in ia:
            for y, vy in ib:
                if x != y and not _id_compatible(x, y, vx and vy):
                    return "conflict"
        self.parent[rb] = ra
        merged = ia + [y for y in ib if y not in ia]
        self.ids[ra] = merged
        self.pool[ra] = self._pool(ra) or self._pool(rb)
        self.ids.pop(rb, None)
        self.pool.pop(rb, None)
        return ""


def _id_compatible(x: str, y: str, both_valid: bool) -> bool:
    """Two different first-17s can be one person's when one is a typing error of the
    other: one digit apart or two neighbours swapped, and not both with a valid check
    character (two valid numbers one digit apart belong to twins or siblings)."""
    if both_valid:
        return False
    diff = [k for k in range(17) if x[k] != y[k]]
    if len(diff) == 1:
        return True
    if len(diff) == 2 and diff[1] == diff[0] + 1:
        return x[diff[0]] == y[diff[1]] and x[diff[1]] == y[diff[0]]
    return False


def _components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Connected components by vectorised label propagation with pointer jumping: the
    smallest member index labels each component."""
    labels = np.arange(n)
    while len(i):
        low = np.minimum(labels[i], labels[j])
        new = labels.copy()
        np.minimum.at(new, i, low)
        np.minimum.at(new, j, low)
        np.minimum.at(new, labels, new)  # carry the lower label to the old root
        new = new[new]
        while True:
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, labels):
            break
        labels = new
    return labels


def _groups(p: Prepared, labels: np.ndarray) -> list[list[str]]:
    keys = p.keys
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    return [[keys[x] for x in part] for part in np.split(order, bounds)] if p.n else []


def _cluster(p: Prepared, i, j, prob, levels, match_t: float, review_t: float):
    """Merge pairs at or above ``match_t`` best first, refusing merges the guard forbids.

    Pairs whose numbers agree on all 17 digits can never bring a conflict (their group
    has one number), so when there is no pool they are merged first in one vectorised
    pass; the guarded union-find then only walks the remaining pairs."""
    keys = p.keys
    matches: list[ScoredPair] = []
    review: list[ScoredPair] = []
    guard = _Guard(p)
    sel = np.flatnonzero(prob >= match_t)
    sel = sel[np.argsort(-prob[sel], kind="stable")]
    if not p.is_pool.any() and len(sel):
        safe = (levels[sel, 0] == ID_EXACT) | (levels[sel, 0] == ID_CHECK)
        s = sel[safe]
        labels = _components(p.n, i[s], j[s])
        guard.parent = labels.tolist()
        roots = np.unique(labels[i[s]])
        valid = np.zeros(p.n, dtype=bool)
        np.logical_or.at(valid, labels, p.id_valid)
        id17 = p.id17
        guard.ids = {r: [(id17[r], bool(valid[r]))] for r in roots.tolist()}
        matches.extend(
            ScoredPair(keys[a], keys[b], pr)
            for a, b, pr in zip(i[s].tolist(), j[s].tolist(), prob[s].tolist(), strict=True)
        )
        sel = sel[~safe]
    for a, b, pr in zip(i[sel].tolist(), j[sel].tolist(), prob[sel].tolist(), strict=True):
        reason = guard.union(a, b)
        if reason:
            review.append(ScoredPair(keys[a], keys[b], pr, reason))
        else:
            matches.append(ScoredPair(keys[a], keys[b], pr))
    find = guard.find
    unsure = np.flatnonzero((prob >= review_t) & (prob < match_t))
    for a, b, pr in zip(i[unsure].tolist(), j[unsure].tolist(), prob[unsure].tolist(), strict=True):
        if find(a) != find(b):
            review.append(ScoredPair(keys[a], keys[b], pr, "uncertain"))
    labels = np.fromiter((find(x) for x in range(p.n)), dtype=np.int64, count=p.n)
    return matches, review, labels


# --- batch linking ----------------------------------------------------------------------


def link(
    records: Sequence[LinkRecord] | Iterable[LinkRecord],
    *,
    pool: Sequence[LinkRecord] | Iterable[LinkRecord] | None = None,
    model: Model | None = None,
    match_threshold: float | None = None,
    review_threshold: float | None = None,
    estimate: bool = True,
    community_name_block: bool = False,
    strict_given: bool = False,
) -> LinkResult:
    """Link a batch: block, score, cluster.

    ``records`` are the new records (for example one import batch); ``pool`` the records
    already resolved (for example one per registry person). Pairs within the pool are not
    compared, and two pool records are never merged with each other; every other pair is.
    ``model``: parameters to use; by default estimated from this batch
    (``estimate_model_anchored``) when it has at least ``MIN_RECORDS_TO_ESTIMATE`` records
    (``estimate=False`` turns that off), else ``DEFAULT_MODEL``. ``community_name_block``
    adds the blocking rule community + name sound (see ``_block_keys``); ``strict_given``
    scores a given-name character that does not sound alike as a different name
    (see ``compare``).
    """
    t0 = time.perf_counter()
    records = list(records)
    pool = list(pool or ())
    all_records = pool + records
    is_pool = [True] * len(pool) + [False] * len(records)
    match_t = MATCH_THRESHOLD if match_threshold is None else match_threshold
    review_t = REVIEW_THRESHOLD if review_threshold is None else review_threshold

    p = Prepared(all_records, is_pool)
    t1 = time.perf_counter()
    i, j = candidate_pairs(p, community_name=community_name_block)
    t2 = time.perf_counter()
    levels = compare(p, i, j, strict_given=strict_given)
    t3 = time.perf_counter()
    if model is None:
        if estimate and p.n >= MIN_RECORDS_TO_ESTIMATE and len(i):
            model = estimate_model_anchored(p, i, j, levels)
        else:
            model = DEFAULT_MODEL
    log_odds = _log_odds(model, levels)
    if model.name_tf:
        log_odds += _tf_adjust(model, p, i, j, levels)
    prob = _prob(log_odds)
    t4 = time.perf_counter()

    matches, review, labels = _cluster(p, i, j, prob, levels, match_t, review_t)
    groups = _groups(p, labels)
    t5 = time.perf_counter()
    stats = {
        "records": p.n,
        "candidate_pairs": len(i),
        "matches": len(matches),
        "review": len(review),
        "clusters": len(groups),
        "t_prepare": t1 - t0,
        "t_block": t2 - t1,
        "t_compare": t3 - t2,
        "t_score": t4 - t3,
        "t_cluster": t5 - t4,
    }
    return LinkResult(
        clusters=groups,
        matches=matches,
        review=review,
        model=model,
        stats=stats,
        pairs=(i, j, prob),
        levels=levels,
        prepared=p,
    )
