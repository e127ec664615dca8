"""Hot issues: demands about the same problem in the same place, clustered.

Pure functions over simple records first (`IssueRecord`), so the clustering can be tested
and reused on any source; the database side (reading demands, turning a cluster into a
proactive task) sits at the end of the module.

Similarity: TF-IDF over jieba words and character bigrams (place names removed, numbers
folded), cosine against a cluster's centroid. Two demands join only when they are in the
same street, not in different estates (a shared building makes joining easier, an unknown
place harder) and within a time window of the cluster's latest demand. Records are taken in
time order and each joins the most similar open cluster or starts a new one (a leader
algorithm against centroids, so a chain of slightly similar texts does not merge unrelated
demands); one more pass joins clusters whose centroids are alike under the same rules (the
same problem told in two ways). Weekly reports count each cluster's demands per (street,
ISO week).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max
from django.utils.translation import gettext as _
from sklearn.feature_extraction.text import TfidfVectorizer

from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import Region, RegionLevel
from gongzhi.core.scoping import scope_prefixes

from .classifier import words
from .models import Category, Channel, Demand
from .rules import VIEW_RATES
from .selectors import demands_visible
from .services import demand_create

SHANGHAI = ZoneInfo("Asia/Shanghai")
logger = logging.getLogger(__name__)
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_DIGITS = re.compile(r"\d+")

# Words that say nothing about the problem: how callers open and close, and how long it lasted.
_STOPWORD_TEXT = """
的 了 是 我 你 您 在 有 和 就 都 也 还 又 很 非常 特别 一个 一直 已经 这个 那个 这样 一下 什么 怎么 您好 你好 市民 来电 反映 来电人 住户 居民 小区
社区 希望 请 请求 麻烦 烦请 恳请 盼望 尽快 赶紧 早日 马上 处理 解决 处置 整治 答复 谢谢 多次 未果 着急 问题 情况 最近 每天 之前 没有 上个月 开始 持续
网站 留言 号楼 单元 号 天 次 想 称 通过 一周 就是 给 个 说法 一 我们 他们 这 那 上 下 不 没 人
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True)
class IssueRecord:
    """What clustering needs to know about one demand."""

    id: object
    text: str
    street: str  # 9-digit street code
    at: dt.datetime  # aware
    estate: str = ""  # estate id or name; empty when unknown
    building: str = ""  # building id or name within the estate; empty when unknown
    place_names: tuple[str, ...] = ()  # words to drop from the text (estate, building, road names)
    community: str = ""  # 12-digit community code, when known


@dataclass
class Cluster:
    street: str
    records: list[IssueRecord] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    representative: IssueRecord | None = None

    @property
    def count(self) -> int:
        return len(self.records)

    @property
    def estate(self) -> str:
        estates = Counter(r.estate for r in self.records if r.estate)
        return estates.most_common(1)[0][0] if estates else ""

    @property
    def buildings(self) -> list[str]:
        return sorted({r.building for r in self.records if r.building})

    @property
    def first_at(self) -> dt.datetime:
        return min(r.at for r in self.records)

    @property
    def last_at(self) -> dt.datetime:
        return max(r.at for r in self.records)

    @property
    def ids(self) -> list:
        return [r.id for r in self.records]

    @property
    def title(self) -> str:
        return "、".join(self.keywords[:3])


@dataclass(frozen=True)
class ClusterParams:
    threshold: float = 0.18  # cosine against the centroid needed to join
    same_building_bonus: float = 0.07
    unknown_place_penalty: float = 0.1  # when either side has no estate
    window: dt.timedelta = dt.timedelta(days=7)  # after the cluster's latest demand
    keywords: int = 5


def week_start(at: dt.datetime) -> dt.date:
    """Monday of the ISO week, in Shanghai time."""
    day = at.astimezone(SHANGHAI).date()
    return day - dt.timedelta(days=day.weekday())


def _clean(record: IssueRecord) -> str:
    text = record.text or ""
    for name in sorted({n for n in record.place_names if n}, key=len, reverse=True):
        text = text.replace(name, " ")
    return _DIGITS.sub(" ", text)


_BIGRAM = "\x01"  # marks character bigrams apart from words (keywords are words only)


def _tokens(text: str) -> list[str]:
    tokens = [w for w in words(text) if w not in STOPWORDS and not _PUNCT.fullmatch(w) and w != "0"]
    chars = _PUNCT.sub("", "".join(tokens))
    return tokens + [_BIGRAM + chars[i : i + 2] for i in range(len(chars) - 1)]


def _vectorize(records: Sequence[IssueRecord]):
    vectorizer = TfidfVectorizer(
        tokenizer=_tokens, preprocessor=_identity, token_pattern=None, lowercase=False, sublinear_tf=True
    )
    matrix = vectorizer.fit_transform([_clean(r) for r in records])
    return matrix, vectorizer


def _identity(x):
    return x


def cluster_records(records: Iterable[IssueRecord], params: ClusterParams | None = None) -> list[Cluster]:
    """Cluster the records; largest clusters first (ties: earliest first). Singletons included.

    A cluster's centroid is the sum of its members' (unit) vectors, so a record's cosine to it
    is the sum of its similarities to the members over the centroid's norm; both are kept
    incrementally from the record-to-record similarities, computed in blocks of rows.
    """
    params = params or ClusterParams()
    records = sorted(records, key=lambda r: (r.at, str(r.id)))
    n = len(records)
    if not n:
        return []
    matrix, vectorizer = _vectorize(records)
    vocabulary = np.array(vectorizer.get_feature_names_out(), dtype=object)
    is_word = np.array([not t.startswith(_BIGRAM) for t in vocabulary], dtype=bool)
    streets = {s: k for k, s in enumerate(sorted({r.street for r in records}))}
    street_of = np.array([streets[r.street] for r in records])
    times = np.array([r.at.timestamp() for r in records])
    window = params.window.total_seconds()
    label = np.full(n, -1, dtype=np.int64)
    members: list[list[int]] = []
    norm2: list[float] = []  # squared norm of each centroid
    last_at: list[float] = []
    estate: list[str] = []  # the first estate named in the cluster
    buildings: list[set[str]] = []
    block = 512
    for start in range(0, n, block):
        stop = min(start + block, n)
        sims = (matrix[start:stop] @ matrix[:stop].T).toarray()
        for i in range(start, stop):
            record, row = records[i], sims[i - start, :i]
            earlier = np.nonzero((row > 0) & (street_of[:i] == street_of[i]))[0]
            best, best_score = -1, -1.0
            if len(earlier):
                sums = np.bincount(label[earlier], weights=row[earlier])
                for c in np.nonzero(sums)[0]:
                    if times[i] - last_at[c] > window:
                        continue
                    if record.estate and estate[c] and record.estate != estate[c]:
                        continue
                    threshold = params.threshold
                    if not record.estate or not estate[c]:
                        threshold += params.unknown_place_penalty
                    score = sums[c] / np.sqrt(norm2[c])
                    if record.building and record.estate == estate[c] and record.building in buildings[c]:
                        score += params.same_building_bonus
                    if score >= threshold and score > best_score:
                        best, best_score = int(c), float(score)
            if best < 0:
                label[i] = len(members)
                members.append([i])
                norm2.append(float(sims[i - start, i]) or 1.0)
                last_at.append(times[i])
                estate.append(record.estate)
                buildings.append({record.building} if record.building else set())
            else:
                dot = float(np.sum(row[members[best]]))
                label[i] = best
                members[best].append(i)
                norm2[best] += 2 * dot + float(sims[i - start, i])
                last_at[best] = times[i]
                estate[best] = estate[best] or record.estate
                if record.building:
                    buildings[best].add(record.building)
    members = _merge(matrix, records, members, estate, buildings, params)
    clusters = []
    for rows in members:
        centroid = np.asarray(matrix[rows].sum(axis=0)).ravel()
        cluster = Cluster(street=records[rows[0]].street, records=[records[k] for k in rows])
        cluster.keywords = _keywords(np.where(is_word, centroid, 0.0), vocabulary, params.keywords)
        cluster.representative = records[rows[int(np.argmax(matrix[rows] @ centroid))]]
        clusters.append(cluster)
    clusters.sort(key=lambda c: (-c.count, c.first_at))
    return clusters


def _merge(matrix, records, members, estate, buildings, params: ClusterParams) -> list[list[int]]:
    """One pass joining clusters of the same street whose centroids are similar (the first pass
    sees each record against the clusters formed before it; here the same problem told two
    ways, each gathered in its own cluster, comes together). Same rules: place and window."""
    from scipy import sparse
    from sklearn.preprocessing import normalize

    count = len(members)
    if count < 2:
        return members
    rows = np.concatenate([np.full(len(m), c) for c, m in enumerate(members)])
    cols = np.concatenate([np.array(m) for m in members])
    assign = sparse.csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(count, matrix.shape[0]))
    centroids = normalize(assign @ matrix)
    first = np.array([records[m[0]].at.timestamp() for m in members])
    last = np.array([records[m[-1]].at.timestamp() for m in members])
    window = params.window.total_seconds()
    parent = list(range(count))

    def root(c: int) -> int:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    by_street: dict[str, list[int]] = defaultdict(list)
    for c, m in enumerate(members):
        by_street[records[m[0]].street].append(c)
    for street_clusters in by_street.values():
        if len(street_clusters) < 2:
            continue
        idx = np.array(street_clusters)
        sims = (centroids[idx] @ centroids[idx].T).toarray()
        np.fill_diagonal(sims, 0.0)
        a_idx, b_idx = np.nonzero(np.triu(sims) >= params.threshold - params.same_building_bonus)
        pairs = sorted(zip(a_idx, b_idx, strict=True), key=lambda p: -sims[p[0], p[1]])
        for a, b in pairs:
            ca, cb = int(idx[a]), int(idx[b])
            ra, rb = root(ca), root(cb)
            if ra == rb:
                continue
            if first[rb] - last[ra] > window or first[ra] - last[rb] > window:
                continue
            ea, eb = estate[ra], estate[rb]
            if ea and eb and ea != eb:
                continue
            threshold = params.threshold + (0.0 if ea and eb else params.unknown_place_penalty)
            score = sims[a, b] + (params.same_building_bonus if ea and buildings[ra] & buildings[rb] else 0.0)
            if score < threshold:
                continue
            parent[rb] = ra
            first[ra], last[ra] = min(first[ra], first[rb]), max(last[ra], last[rb])
            estate[ra] = ea or eb
            buildings[ra] |= buildings[rb]
    merged: dict[int, list[int]] = defaultdict(list)
    for c, m in enumerate(members):
        merged[root(c)].extend(m)
    return [sorted(m) for m in merged.values()]


def _keywords(centroid: np.ndarray, vocabulary: np.ndarray, n: int) -> list[str]:
    """The heaviest words of the centroid (whole words before character bigrams that they contain)."""
    out: list[str] = []
    for j in np.argsort(-centroid):
        if centroid[j] <= 0 or len(out) >= n:
            break
        term = str(vocabulary[j])
        if len(term) < 2 or any(term in kept or kept in term for kept in out):
            continue
        out.append(term)
    return out


@dataclass
class WeeklyHotIssue:
    street: str
    week: dt.date  # Monday
    count: int  # demands of the cluster in this week
    total: int  # demands of the cluster in all weeks
    earlier_weeks: int  # distinct earlier weeks in which it was already raised
    cluster: Cluster

    @property
    def ids(self) -> list:
        return [r.id for r in self.cluster.records if week_start(r.at) == self.week]


def weekly_hot_issues(
    records: Iterable[IssueRecord], *, top: int = 10, min_count: int = 2, params: ClusterParams | None = None
) -> dict[tuple[str, dt.date], list[WeeklyHotIssue]]:
    """Top clusters per (street, week): the clusters with at least `min_count` demands that week."""
    out: dict[tuple[str, dt.date], list[WeeklyHotIssue]] = defaultdict(list)
    for cluster in cluster_records(records, params):
        per_week = Counter(week_start(r.at) for r in cluster.records)
        for week, n in per_week.items():
            if n >= min_count:
                earlier = sum(1 for w in per_week if w < week)
                out[(cluster.street, week)].append(
                    WeeklyHotIssue(cluster.street, week, n, cluster.count, earlier, cluster)
                )
    for key, items in out.items():
        items.sort(key=lambda h: (-h.count, -h.total, h.cluster.first_at))
        out[key] = items[:top]
    return dict(sorted(out.items()))


# --- over the platform's demands -------------------------------------------------------------------

CONTEXT_WEEKS = 4  # earlier weeks read along with the asked one: recurrence, and a steadier IDF
MAX_RECORDS = 20000  # per street and five weeks; beyond it the most recent are clustered (logged)
CACHE_SECONDS = 24 * 3600


def demand_records(demands) -> list[IssueRecord]:
    """IssueRecords from a Demand queryset (place names dropped from the text)."""
    rows = demands.select_related("estate", "building", "community").only(
        "id",
        "title",
        "body",
        "community",
        "estate",
        "building",
        "created_at",
        "estate__name",
        "building__name",
        "community__name",
    )
    out = []
    rows = list(rows[: MAX_RECORDS + 1])
    if len(rows) > MAX_RECORDS:
        logger.warning(
            "hot issues: more than %s demands in one batch; the most recent are clustered", MAX_RECORDS
        )
        rows = rows[:MAX_RECORDS]
    for d in rows:
        names = [d.community.name, d.community.short_name]
        if d.estate_id:
            names.append(d.estate.name)
        if d.building_id:
            names.append(d.building.name)
        out.append(
            IssueRecord(
                id=d.pk,
                text=f"{d.title}\n{d.body}",
                street=d.community_id[:9],
                community=d.community_id,
                at=d.created_at,
                estate=str(d.estate_id or ""),
                building=str(d.building_id or ""),
                place_names=tuple(names),
            )
        )
    return out


def _streets_in_view(user, region_code: str) -> list[str]:
    """Street codes under `region_code` where the user may see some demands' rates."""
    streets: set[str] = set()
    for prefix in scope_prefixes(user, VIEW_RATES):
        if len(prefix) >= 9:
            if prefix[:9].startswith(region_code) or region_code.startswith(prefix[:9]):
                streets.add(prefix[:9])
        else:
            below = region_code if region_code.startswith(prefix) else prefix
            if below.startswith(region_code) or region_code.startswith(below):
                streets.update(
                    Region.objects.filter(code__startswith=below, level=RegionLevel.STREET).values_list(
                        "code", flat=True
                    )
                )
    return sorted(s for s in streets if s.startswith(region_code[:9]) or region_code.startswith(s))


def street_hot_issues(street: str, monday: dt.date, *, top: int, min_count: int) -> list[WeeklyHotIssue]:
    """One street's hot issues of the week over all its demands, cached until its demands change."""
    start = dt.datetime.combine(monday - dt.timedelta(weeks=CONTEXT_WEEKS), dt.time.min, tzinfo=SHANGHAI)
    end = dt.datetime.combine(monday + dt.timedelta(days=7), dt.time.min, tzinfo=SHANGHAI)
    # Residents' demands only: a proactive task made from a cluster is staff's answer to it,
    # never one more voice in it.
    demands = Demand.objects.filter(
        community__code__startswith=street, created_at__gte=start, created_at__lt=end
    ).exclude(channel=Channel.PROACTIVE)
    state = demands.aggregate(n=Count("id"), last=Max("id"), changed=Max("updated_at"))
    changed = state["changed"].timestamp() if state["changed"] else 0
    key = (
        f"hotissues:v2:{street}:{monday.isoformat()}:{top}:{min_count}:{state['n']}:{state['last']}:{changed}"
    )
    cached = cache.get(key)
    if cached is not None:
        return cached
    records = demand_records(demands.order_by("-created_at", "-id"))
    report = weekly_hot_issues(records, top=top, min_count=min_count)
    result = report.get((street, monday), [])
    cache.set(key, result, CACHE_SECONDS)
    return result


def _restrict(issue: WeeklyHotIssue, prefixes: list[str], min_count: int) -> WeeklyHotIssue | None:
    """The issue as a user sees it: only the demands of the communities in the user's scope."""
    if all(r.community.startswith(tuple(prefixes)) for r in issue.cluster.records):
        return issue
    records = [r for r in issue.cluster.records if r.community.startswith(tuple(prefixes))]
    in_week = [r for r in records if week_start(r.at) == issue.week]
    if len(in_week) < min_count:
        return None
    cluster = Cluster(
        street=issue.street,
        records=records,
        keywords=issue.cluster.keywords,
        representative=issue.cluster.representative
        if issue.cluster.representative in records
        else in_week[0],
    )
    earlier = len({week_start(r.at) for r in records if week_start(r.at) < issue.week})
    return WeeklyHotIssue(issue.street, issue.week, len(in_week), len(records), earlier, cluster)


def hot_issues_week(*, user, region_code: str, week: dt.date, top: int = 10, min_count: int = 2):
    """Hot issues of one week in the streets under `region_code`, as `user` may see them.

    Returns {street code: [WeeklyHotIssue…]} for that week. Each street is clustered over the
    week and the CONTEXT_WEEKS before it (so a recurring issue says in how many earlier weeks
    it came up) over all its demands; a user whose scope is a community sees the issues made
    of that community's demands.
    """
    monday = week - dt.timedelta(days=week.weekday())
    scope = scope_prefixes(user, VIEW_RATES)
    # what the user may see within the region asked for
    prefixes = sorted(
        {p for p in scope if p.startswith(region_code)}
        | ({region_code} if any(region_code.startswith(p) for p in scope) else set())
    )
    if not prefixes:
        return {}
    out = {}
    for street in _streets_in_view(user, region_code):
        issues = [
            restricted
            for issue in street_hot_issues(street, monday, top=top, min_count=min_count)
            if (restricted := _restrict(issue, prefixes, min_count)) is not None
        ]
        if issues:
            out[street] = sorted(issues, key=lambda h: (-h.count, -h.total, h.cluster.first_at))
    return out


ELLIPSES = ("…", "⋯", "...")
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")


def _dominant_category(sources) -> Category | None:
    """The category most of the cluster's demands are in: the dispatcher's where there is one,
    else the classifier's suggestion (new demands are not classified yet)."""
    votes = Counter(
        d.category if d.category_id else d.suggested_category
        for d in sources
        if d.category_id or d.suggested_category_id
    )
    return votes.most_common(1)[0][0] if votes else None


def _task_title(title: str, sources) -> str:
    """A full title of at most 100 characters, never one cut short with "…": an ellipsised
    title is replaced by the sentence of the body it was cut from."""
    title = (title or "").strip() or sources[0].title.strip()
    if not title.endswith(ELLIPSES) and len(title) <= 100:
        return title
    stem = title.rstrip("".join(ELLIPSES) + ". ")
    for d in sources:
        body = d.body.strip()
        start = body.find(stem) if stem else -1
        if start >= 0:
            end = _SENTENCE_END.search(body, start + len(stem))
            sentence = body[start : end.start() if end else len(body)].strip()
            if len(sentence) <= 100:
                return sentence
            break
    if len(stem) <= 100:
        return stem
    cut = max(stem.rfind(p, 0, 100) for p in "，,、 ")
    return stem[: cut if cut > 0 else 100]


def hot_issue_task_create(*, by, demand_ids: Sequence[int], title: str = "", note: str = "", at=None):
    """未诉先办: turn a cluster of demands into a proactive task, a new demand taken in by staff
    on the proactive channel (through demand_create, so it has its timeline, deadline and
    dispatch like any other). The source demands point at the task; a demand already gathered
    into a task is refused, so the same cluster cannot become a task twice."""
    ids = sorted({int(i) for i in demand_ids})
    with transaction.atomic():
        sources = list(
            demands_visible(by)
            .filter(pk__in=ids)
            .select_for_update(of=("self",))
            .select_related("community", "estate", "category", "suggested_category", "proactive_task")
            .order_by("created_at", "id")
        )
        if len(sources) < 2 or len(sources) != len(ids):
            raise ApplicationError("hot_issue_sources", _("请选择至少两件您有权查看的诉求。"))
        taken = [d for d in sources if d.proactive_task_id]
        if taken:
            raise ApplicationError(
                "hot_issue_already_task",
                _("诉求 %(codes)s 已转为未诉先办任务 %(task)s，不能重复生成。")
                % {
                    "codes": "、".join(d.tracking_code for d in taken),
                    "task": "、".join(
                        sorted(
                            {d.proactive_task.tracking_code for d in taken if d.proactive_task is not None}
                        )
                    ),
                },
            )
        if any(d.channel == Channel.PROACTIVE for d in sources):
            raise ApplicationError("hot_issue_task_of_tasks", _("未诉先办任务不能再生成任务。"))
        community = Counter(d.community_id for d in sources).most_common(1)[0][0]
        community = next(d.community for d in sources if d.community_id == community)
        estates = {d.estate_id for d in sources}
        estate = sources[0].estate if len(estates) == 1 and sources[0].estate_id else None
        category = _dominant_category(sources)
        title = _task_title(title, sources)
        lines = [note.strip()] if note and note.strip() else []
        lines.append(
            _("由热点问题生成的未诉先办任务，涉及诉求 %(n)s 件：%(codes)s")
            % {"n": len(sources), "codes": "、".join(d.tracking_code for d in sources)}
        )
        task = demand_create(
            by=by,
            channel=Channel.PROACTIVE,
            title=title[:100],
            body="\n".join(lines),
            community=community,
            estate=estate,
            category=category,
            created_at=at,
        )
        linked = Demand.objects.filter(pk__in=ids, proactive_task__isnull=True).update(proactive_task=task)
        if linked != len(ids):  # cannot happen under the row locks; refuse rather than half-link
            raise ApplicationError("hot_issue_already_task", _("所选诉求已转为未诉先办任务，不能重复生成。"))
        return task
