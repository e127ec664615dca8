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
demands). Weekly reports count each cluster's demands per (street, ISO week).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from .classifier import words

SHANGHAI = ZoneInfo("Asia/Shanghai")
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_DIGITS = re.compile(r"\d+")

# Words that say nothing about the problem: how callers open and close, and how long it lasted.
STOPWORDS = frozenset(
    ["的", "了", "是", "我", "你", "您", "在", "有", "和", "就", "都", "也", "还", "又", "很", "非常", "特别", "一个", "一直", "已经", "这个", "那个", "这样", "一下", "什么", "怎么", "您好", "你好", "市民", "来电", "反映", "来电人", "住户", "居民", "小区", "社区", "希望", "请", "请求", "麻烦", "烦请", "恳请", "盼望", "尽快", "赶紧", "早日", "马上", "处理", "解决", "处置", "整治", "答复", "谢谢", "多次", "未果", "着急", "问题", "情况", "最近", "每天", "之前", "没有", "上个月", "开始", "持续", "网站", "留言", "号楼", "单元", "号", "天", "次", "想", "称", "通过", "一周", "就是", "给", "个", "说法", "一", "我们", "他们", "这", "那", "上", "下", "不", "没", "人"]
)


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


_WORDS_SEEN: dict[str, bool] = {}


def _tokens(text: str) -> list[str]:
    tokens = [w for w in words(text) if w not in STOPWORDS and not _PUNCT.fullmatch(w) and w != "0"]
    for w in tokens:
        _WORDS_SEEN[w] = True
    chars = _PUNCT.sub("", "".join(tokens))
    return tokens + [chars[i : i + 2] for i in range(len(chars) - 1)]


def _vectorize(records: Sequence[IssueRecord]):
    vectorizer = TfidfVectorizer(
        tokenizer=_tokens, preprocessor=_identity, token_pattern=None, lowercase=False, sublinear_tf=True
    )
    matrix = vectorizer.fit_transform([_clean(r) for r in records])
    return matrix, vectorizer


def _identity(x):
    return x


def cluster_records(records: Iterable[IssueRecord], params: ClusterParams | None = None) -> list[Cluster]:
    """Cluster the records; largest clusters first (ties: earliest first). Singletons included."""
    params = params or ClusterParams()
    records = sorted(records, key=lambda r: (r.at, str(r.id)))
    if not records:
        return []
    matrix, vectorizer = _vectorize(records)
    vocabulary = np.array(vectorizer.get_feature_names_out(), dtype=object)
    is_word = np.array([bool(_WORDS_SEEN.get(t)) for t in vocabulary])
    clusters: list[Cluster] = []
    centroids: list[np.ndarray] = []
    open_by_street: dict[str, list[int]] = defaultdict(list)
    for i, record in enumerate(records):
        vector = matrix[i].toarray().ravel()
        best, best_score = None, -1.0
        still_open = []
        for c in open_by_street[record.street]:
            cluster = clusters[c]
            if record.at - cluster.last_at > params.window:
                continue  # closed for good: records come in time order
            still_open.append(c)
            threshold = params.threshold
            estate = cluster.estate
            if record.estate and estate and record.estate != estate:
                continue
            if not record.estate or not estate:
                threshold += params.unknown_place_penalty
            norm = np.linalg.norm(centroids[c])
            score = float(vector @ centroids[c] / norm) if norm else 0.0
            if (
                record.building
                and record.estate
                and record.building in cluster.buildings
                and estate == record.estate
            ):
                score += params.same_building_bonus
            if score >= threshold and score > best_score:
                best, best_score = c, score
        open_by_street[record.street] = still_open
        if best is None:
            clusters.append(Cluster(street=record.street, records=[record]))
            centroids.append(vector.copy())
            open_by_street[record.street].append(len(clusters) - 1)
        else:
            clusters[best].records.append(record)
            centroids[best] += vector
    index = {r.id: i for i, r in enumerate(records)}
    for cluster, centroid in zip(clusters, centroids, strict=True):
        cluster.keywords = _keywords(np.where(is_word, centroid, 0.0), vocabulary, params.keywords)
        rows = [index[r.id] for r in cluster.records]
        sims = matrix[rows] @ centroid
        cluster.representative = cluster.records[int(np.argmax(sims))]
    clusters.sort(key=lambda c: (-c.count, c.first_at))
    return clusters


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
