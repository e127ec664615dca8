"""Linking an import chunk by chunk with the batch linker (``linkage.link``).

The import used to score every row against the register on its own, finding candidates
with an OR over name, birth date and phone that scanned the person table. Now a chunk of
staged rows is linked at once:

1. **Candidates by indexed look-ups** (``candidates``): people with the same identity
   number or phone (keyed hashes, indexed on the register) and people sharing a blocking
   key kept in ``PersonLinkKey`` (district + birth date + sound of the name, community +
   sound of the name, community + birth date) — the batch linker's blocks, as index
   look-ups. The cost per row does not depend on the size of the register.
2. **One batch link** (``linkage.link``) of the chunk's rows against those people as the
   pool: the same blocking, comparison, scoring and guarded clustering as the benchmarked
   linker, so rows of one person within the chunk also meet each other.
3. **Decisions** (``decide``): link to the pool person of the row's cluster; else review
   when some person scores in the review band, when the identity number matches but the
   name (or both sex and birth date) clearly disagree, or when the row carries too little
   to register a new person; else a new person (one per cluster of new rows).

Writes are done by the caller (``services``); this module only reads.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from django.db.models import F, Q

from gongzhi.core import pii
from gongzhi.registry.models import Person

from . import linkage, params
from .linkage import NAME_DIFF, LinkRecord
from .models import Field, PersonLinkKey, PersonLinkKeyMark, SourceRecord
from .names import name_key

# A phone shared by more people than this (an office switchboard, a placeholder) is not
# used to find candidates; the batch linker skips such blocks too.
MAX_PHONE_BLOCK = 20
MAX_KEY_BLOCK = linkage.MAX_BLOCK
# Review offers at most this many people, best first, down to this probability.
REVIEW_CANDIDATES = 5
CANDIDATE_FLOOR = 1e-4
_IN = 500  # values per IN (...) list


def _chunks(values: list, size: int = _IN):
    for k in range(0, len(values), size):
        yield values[k : k + size]


# --- blocking keys ------------------------------------------------------------------------


@lru_cache(maxsize=200_000)
def _sound(name: str) -> str:
    return name_key(name).replace(" ", "")[:80]


def link_keys(name: str, birth: dt.date | str | None, community: str) -> tuple[str, str, str]:
    """(district|birth|name sound, community|name sound, community|birth); "" where a part
    is missing."""
    nk = _sound(name) if name else ""
    b = birth.strftime("%Y%m%d") if isinstance(birth, dt.date) else (birth or "").replace("-", "")
    community = community or ""
    return (
        f"{community[:6]}|{b}|{nk}" if b and nk and community else "",
        f"{community}|{nk}" if nk and community else "",
        f"{community}|{b}" if b and community else "",
    )


def _key_row(pk: int, name: str, birth, community: str, updated) -> PersonLinkKey:
    bn, cn, cb = link_keys(name, birth, community)
    return PersonLinkKey(
        person_id=pk, birth_name=bn, community_name=cn, community_birth=cb, person_updated_at=updated
    )


def keys_refresh(person: Person) -> None:
    """The keys of one person, from the person in hand (one statement): called by the
    register's "person_changed" hook in the transaction that registers or changes them."""
    _keys_write([_key_row(person.pk, person.name, person.birth_date, person.community_id, person.updated_at)])


def keys_sync(person_ids: list[int] | None = None, *, full: bool = False) -> int:
    """Build the blocking keys the register lacks; how many people were keyed.

    By default only the people above the mark (``PersonLinkKeyMark``): whoever was
    registered or changed through the register's services already has current keys (the
    "person_changed" hook), so what is left is what a bulk loader put in since the last
    import — a look-up on the primary key, whatever the size of the register. ``full``
    checks every person (people without keys, or changed since their keys were computed:
    a join over the whole register, for a repair after changes made behind the services);
    ``person_ids``: those people only."""
    if person_ids is not None:
        return _keys_build(Person.objects.filter(pk__in=part) for part in _chunks(sorted(set(person_ids))))
    top = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    if full:
        done = _keys_build(
            [
                Person.objects.filter(
                    Q(link_key__isnull=True) | Q(updated_at__gt=F("link_key__person_updated_at"))
                )
            ]
        )
    else:
        mark = PersonLinkKeyMark.objects.filter(pk=1).values_list("person_pk", flat=True).first() or 0
        done = _keys_build([Person.objects.filter(pk__gt=mark, pk__lte=top)]) if top > mark else 0
    PersonLinkKeyMark.objects.get_or_create(pk=1)
    PersonLinkKeyMark.objects.filter(pk=1, person_pk__lt=top).update(person_pk=top)
    return done


def _keys_build(querysets) -> int:
    done = 0
    for qs in querysets:
        batch: list[PersonLinkKey] = []
        rows = qs.values_list("pk", "name", "birth_date", "community_id", "updated_at").order_by()
        for row in rows.iterator(chunk_size=5000):
            batch.append(_key_row(*row))
            if len(batch) >= 5000:
                done += _keys_write(batch)
                batch = []
        done += _keys_write(batch)
    return done


def _keys_write(rows: list[PersonLinkKey]) -> int:
    if rows:
        PersonLinkKey.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["person"],
            update_fields=["birth_name", "community_name", "community_birth", "person_updated_at"],
        )
    return len(rows)


# --- the chunk's records and their candidates --------------------------------------------


def _raw_birth(id_raw: str) -> str:
    """The birth date written in a mistyped 18- or 15-character number, when it is a date."""
    try:
        if len(id_raw) == 18 and id_raw[:17].isdigit():
            return dt.date(int(id_raw[6:10]), int(id_raw[10:12]), int(id_raw[12:14])).isoformat()
        if len(id_raw) == 15 and id_raw.isdigit():
            return dt.date(1900 + int(id_raw[6:8]), int(id_raw[8:10]), int(id_raw[10:12])).isoformat()
    except ValueError:
        return ""
    return ""


@dataclass
class Row:
    """A staged record with its decrypted identity number and phone (decrypted once)."""

    record: SourceRecord
    id_raw: str
    phone: str

    @property
    def values(self) -> dict:
        return self.record.values

    def link_record(self, key: str) -> LinkRecord:
        v = self.values
        return LinkRecord(
            key=key,
            name=v.get(Field.NAME, ""),
            id_number=self.id_raw,
            birth_date=dt.date.fromisoformat(v[Field.BIRTH_DATE]) if v.get(Field.BIRTH_DATE) else None,
            sex=v.get(Field.SEX, ""),
            phone=self.phone,
            address=v.get(Field.ADDRESS, ""),
            community=self.record.community_id or "",
        )


@dataclass
class Candidate:
    pk: int
    name: str
    id_number: str
    id_hash: str
    birth_date: dt.date | None
    sex: str
    phone: str
    address: str
    community_id: str

    def link_record(self) -> LinkRecord:
        return LinkRecord(
            key=f"p{self.pk}",
            name=self.name,
            id_number=self.id_number,
            birth_date=self.birth_date,
            sex=self.sex,
            phone=self.phone,
            address=self.address,
            community=self.community_id,
        )


def candidates(rows: list[Row]) -> list[Candidate]:
    """Registered people who might be one of the rows' person, found by indexed look-ups."""
    pks: set[int] = set()
    id_hashes = sorted({r.record.id_number_hash for r in rows if r.record.id_number_hash})
    for part in _chunks(id_hashes):
        pks.update(Person.objects.filter(id_number_hash__in=part).values_list("pk", flat=True))
    phone_hashes = sorted({pii.keyed_hash(r.phone, purpose="phone") for r in rows if r.phone})
    for part in _chunks(phone_hashes):
        found: dict[str, list[int]] = defaultdict(list)
        for pk, h in Person.objects.filter(phone_hash__in=part).values_list("pk", "phone_hash"):
            found[h].append(pk)
        for people in found.values():
            if len(people) <= MAX_PHONE_BLOCK:
                pks.update(people)
    wanted: dict[str, set[str]] = {"birth_name": set(), "community_name": set(), "community_birth": set()}
    for r in rows:
        v = r.values
        community = r.record.community_id or ""
        births = {v.get(Field.BIRTH_DATE, ""), v.get("stated_birth_date", ""), _raw_birth(r.id_raw)}
        for birth in births:
            bn, cn, cb = link_keys(v.get(Field.NAME, ""), birth, community)
            for column, key in (("birth_name", bn), ("community_name", cn), ("community_birth", cb)):
                if key:
                    wanted[column].add(key)
    for column, keys in wanted.items():
        for part in _chunks(sorted(keys)):
            found = defaultdict(list)
            for pk, key in PersonLinkKey.objects.filter(**{f"{column}__in": part}).values_list(
                "person_id", column
            ):
                found[key].append(pk)
            for people in found.values():
                if len(people) <= MAX_KEY_BLOCK:
                    pks.update(people)
    out: list[Candidate] = []
    for part in _chunks(sorted(pks)):
        for row in Person.objects.filter(pk__in=part).values_list(
            "pk",
            "name",
            "id_number_encrypted",
            "id_number_hash",
            "birth_date",
            "sex",
            "phone_encrypted",
            "address",
            "community_id",
        ):
            pk, name, id_enc, id_hash, birth, sex, phone_enc, address, community = row
            out.append(
                Candidate(
                    pk=pk,
                    name=name,
                    id_number=pii.decrypt(id_enc),
                    id_hash=id_hash,
                    birth_date=birth,
                    sex=sex,
                    phone=pii.decrypt(phone_enc),
                    address=address,
                    community_id=community,
                )
            )
    return out


# --- decisions ----------------------------------------------------------------------------


class Action:
    LINK = "link"
    CREATE = "create"
    FOLLOW = "follow"  # one person with an earlier row of this chunk that creates them
    REVIEW = "review"


@dataclass
class Decision:
    action: str
    person_pk: int | None = None
    exact: bool = False  # linked by an identical identity number
    probability: float | None = None
    leader: int | None = None  # FOLLOW: index of the row whose new person this one is
    # REVIEW: (person pk, probability, agreements) best first; why, in plain words
    candidates: list[tuple[int, float, dict]] = field(default_factory=list)
    # REVIEW: (index of an earlier row of the chunk, probability, agreements): the person
    # that row ends with is offered too
    row_candidates: list[tuple[int, float, dict]] = field(default_factory=list)
    reason: str = ""


def _birth_near(a: dt.date, b: dt.date) -> bool:
    x, y = a.strftime("%Y%m%d"), b.strftime("%Y%m%d")
    if sum(c != d for c, d in zip(x, y, strict=True)) == 1:
        return True
    return a.year == b.year and a.month == b.day and a.day == b.month


def clearly_differs(row: Row, person: Candidate, name_level: int) -> bool:
    """The row carries the person's identity number but is about someone else: a different
    name, or both a different sex and a birth date that is not a typo of the person's (a
    child carrying a parent's number)."""
    if name_level == NAME_DIFF:
        return True
    v = row.values
    stated_birth = v.get("stated_birth_date") or v.get(Field.BIRTH_DATE)
    stated_sex = v.get("stated_sex") or v.get(Field.SEX)
    birth_differs = bool(
        stated_birth
        and person.birth_date
        and stated_birth != person.birth_date.isoformat()
        and not _birth_near(dt.date.fromisoformat(stated_birth), person.birth_date)
    )
    sex_differs = bool(stated_sex and person.sex and stated_sex != person.sex)
    return birth_differs and sex_differs


def can_register(row: Row) -> str:
    """Empty when the row carries enough to register a new person, else why not: a valid
    identity number, or a sex and a birth date besides the name and community. (A phone is
    not enough: a household shares one, and a father's row carrying his son's phone would
    make a new person of him.)"""
    v = row.values
    if row.record.id_number_hash:
        return ""
    if not v.get(Field.SEX):
        return "no_sex"
    if not v.get(Field.BIRTH_DATE):
        return "too_little"
    return ""


def _as_written(rows: list[Row], people: list[Candidate], i, j, levels, n_pool: int):
    """The pairs' levels with each row's birth date and sex as the department wrote them.
    A valid identity number outranks the row's birth date and sex when linking (the stated
    values are kept aside, ``stated_*``), so the pairs compare the number's; the source's
    parameters must see how often it mistypes them."""
    stated = {
        k: (r.values.get("stated_birth_date"), r.values.get("stated_sex"))
        for k, r in enumerate(rows)
        if r.values.get("stated_birth_date") or r.values.get("stated_sex")
    }
    if not stated:
        return levels
    out = levels.copy()
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    has = np.zeros(len(rows) + 1, dtype=bool)
    has[list(stated)] = True
    cross = (lo < n_pool) & (hi >= n_pool)
    for x in np.flatnonzero(cross & has[np.where(cross, hi - n_pool, len(rows))]).tolist():
        person, k = people[int(lo[x])], int(hi[x]) - n_pool
        birth, sex = stated[k]
        if birth and person.birth_date:
            day = dt.date.fromisoformat(birth)
            out[x, 2] = (
                linkage.BIRTH_EXACT
                if day == person.birth_date
                else linkage.BIRTH_NEAR
                if _birth_near(day, person.birth_date)
                else linkage.BIRTH_DIFF
            )
        if sex and person.sex:
            out[x, 3] = linkage.AGREE if sex == person.sex else linkage.DIFFERENT
    return out


def decide(
    rows: list[Row],
    people: list[Candidate],
    *,
    model: linkage.Model | None = None,
    counts: dict[str, list[float]] | None = None,
) -> list[Decision]:
    """What to do with each row of a chunk (see the module docstring). ``counts``: the
    comparison levels of the chunk's anchor pairs are added to it (``params``)."""
    model = model or linkage.DEFAULT_MODEL
    n_pool = len(people)
    pool = [c.link_record() for c in people]
    records = [r.link_record(f"r{k}") for k, r in enumerate(rows)]
    result = linkage.link(
        records, pool=pool, model=model, estimate=False, community_name_block=True, strict_given=True
    )
    if result.pairs is None or result.levels is None or result.prepared is None:
        raise ValueError("linkage.link keeps the scored pairs")  # only a reclustered result has none
    i, j, prob = result.pairs
    levels = result.levels
    # per row: (pool index, probability, levels row) of every scored pair with a pool person
    # Two valid, different numbers are two people whatever else agrees: never offered.
    prep = result.prepared
    two_people = prep.id_valid[i] & prep.id_valid[j] & (prep.id_int[i] != prep.id_int[j])
    if counts is not None:
        for f, seen in params.anchor_counts(_as_written(rows, people, i, j, levels, n_pool)).items():
            counts[f] = [a + b for a, b in zip(counts[f], seen, strict=True)]
    scored: dict[int, list[tuple[int, float, int]]] = defaultdict(list)
    for x, (a, b) in enumerate(zip(i.tolist(), j.tolist(), strict=True)):
        if two_people[x]:
            continue
        if a < n_pool <= b:
            scored[b - n_pool].append((a, float(prob[x]), x))
        elif b < n_pool <= a:
            scored[a - n_pool].append((b, float(prob[x]), x))
    within: dict[int, float] = {}  # row → its best pair with another row of the chunk
    earlier: dict[int, list[tuple[int, float, int]]] = defaultdict(list)  # row → earlier rows
    for x, (a, b, pr) in enumerate(zip(i.tolist(), j.tolist(), prob.tolist(), strict=True)):
        if a >= n_pool and b >= n_pool:
            for y in (a - n_pool, b - n_pool):
                within[y] = max(within.get(y, 0.0), pr)
            if not two_people[x]:
                lo, hi = sorted((a - n_pool, b - n_pool))
                earlier[hi].append((lo, pr, x))
    index_of = {key: k for k, key in enumerate(prep.keys)}
    cluster_id: dict[int, int] = {}
    members: dict[int, list[int]] = {}
    for c, keys in enumerate(result.clusters):
        idx = sorted(index_of[key] for key in keys)
        members[c] = idx
        for x in idx:
            cluster_id[x] = c

    def offer(k: int) -> list[tuple[int, float, dict]]:
        best = sorted(scored.get(k, ()), key=lambda t: (-t[1], people[t[0]].pk))
        out: list[tuple[int, float, dict]] = []
        for a, pr, x in best:
            if pr < CANDIDATE_FLOOR or len(out) >= REVIEW_CANDIDATES:
                break
            agreements, _weights = linkage._explain(model, levels[x])
            out.append((people[a].pk, pr, agreements))
        return out

    decisions: list[Decision] = []
    for k, row in enumerate(rows):
        me = n_pool + k
        cluster = members[cluster_id[me]]
        in_pool = [x for x in cluster if x < n_pool]
        direct = {a: (pr, x) for a, pr, x in scored.get(k, ())}
        same_number = [
            a for a in direct if row.record.id_number_hash and people[a].id_hash == row.record.id_number_hash
        ]
        if in_pool:
            a = in_pool[0]
            pr = direct[a][0] if a in direct else max((p for _a, p, _x in scored.get(k, ())), default=None)
            person = people[a]
            if row.record.id_number_hash and person.id_hash == row.record.id_number_hash:
                if clearly_differs(row, person, int(levels[direct[a][1], 1])):
                    decisions.append(Decision(Action.REVIEW, candidates=offer(k), reason="number_only"))
                else:
                    decisions.append(Decision(Action.LINK, person.pk, exact=True, probability=1.0))
            else:
                decisions.append(Decision(Action.LINK, person.pk, probability=pr))
            continue
        if same_number:
            # The number is registered to someone the other fields do not agree with.
            decisions.append(Decision(Action.REVIEW, candidates=offer(k), reason="number_only"))
            continue
        offered = offer(k)
        # an earlier row of this chunk, not merged with this one, in the review band: the
        # person it ends with is offered
        mine = cluster_id[me]
        number = row.record.id_number_hash

        def other_number(lo: int, number: str = number) -> bool:
            theirs = {
                rows[m - n_pool].record.id_number_hash
                for m in members[cluster_id[n_pool + lo]]
                if m >= n_pool
            }
            return bool(number) and any(h and h != number for h in theirs)

        alike = [
            (lo, pr, linkage._explain(model, levels[x])[0])
            for lo, pr, x in sorted(earlier.get(k, ()), key=lambda t: -t[1])
            if pr >= linkage.REVIEW_THRESHOLD and cluster_id[n_pool + lo] != mine and not other_number(lo)
        ][:REVIEW_CANDIDATES]
        if (offered and offered[0][1] >= linkage.REVIEW_THRESHOLD) or alike:
            decisions.append(
                Decision(Action.REVIEW, candidates=offered, row_candidates=alike, reason="uncertain")
            )
            continue
        leader = cluster[0] - n_pool
        if leader != k:
            first = decisions[leader]
            if first.action in (Action.CREATE, Action.FOLLOW):
                lead = first.leader if first.action == Action.FOLLOW and first.leader is not None else leader
                same = bool(row.record.id_number_hash) and (
                    row.record.id_number_hash == rows[lead].record.id_number_hash
                )
                decisions.append(
                    Decision(
                        Action.FOLLOW, leader=lead, exact=same, probability=1.0 if same else within.get(k)
                    )
                )
            else:  # one person with a row waiting for review: this one waits with it
                decisions.append(
                    Decision(Action.REVIEW, candidates=offered or first.candidates, reason=first.reason)
                )
            continue
        why = can_register(row)
        if why:
            decisions.append(Decision(Action.REVIEW, candidates=offered, reason=why))
        else:
            decisions.append(Decision(Action.CREATE))
    return decisions
