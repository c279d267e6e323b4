"""Event-level story grouping: one event told by several outlets becomes one story. Plain Python, no Beam.

    python -c "from akhbar.transforms.text.stories import light_stem; print(light_stem('والمفاوضات'))"

Built on top of near-duplicates (transforms/text/dedup.py): exact and near copies are linked
first and form *units* that are never split; this module decides which units report the same
event. Settings and their sources in ``configs/stories.yaml``.

1. **Features** of an article (``raw_features``): character 3-5-grams of the title and the first
   300 characters of the body, after match-key normalisation and light stemming (leading
   clitics, a few trailing suffixes), hashed to 32 bits with a vectorised rolling hash; its
   canonical entities; the day-precise dates it mentions, less the news days around
   publication; the numbers of its title and lead (casualty counts, scores), years left out;
   its stemmed title words.
2. **Document frequencies** (``DocumentFrequencies``) of grams, entities and title words over the
   run's articles and the prior rows read back: TF-IDF weights (sublinear tf, smoothed idf, L2
   norm) and entity rarity come from them (``finalize``).
3. **Blocking** (``blocking_keys``): an article's rarest entities and title words (at most
   ``max_keys``, each seen in at least two articles), each with a time bucket of
   ``window_days``: the article enters its bucket and the next, so two articles within the
   window share a bucket. Inside a block (``score_block``) members are sorted by time and each is
   scored against at most ``neighbours`` earlier members within the window: work is linear in
   the block's size however big it is; blocks over ``max_block`` are reported.
4. **Pair score** (``pair_score``): a logistic model over the cosine of the gram vectors, the
   cosine of the title words, the rarity-weighted entity overlap, shared and conflicting event
   dates, shared numbers and the days between the two articles.
5. **Clustering** (``cluster``): average link over units. Two groups merge while the mean score
   over *every* pair between them (an unscored pair counts 0) reaches ``link_threshold``; a
   chain of weak links A~B~C cannot pull A and C together, so a saga stays several events.
6. **Story ids across runs** (``assign_stories``): prior rows (read back from the look-back
   window) keep their story: all prior members of one story form one unit. A group that holds
   prior rows takes the id of its earliest prior story; if it holds several prior stories the
   others are listed in ``merged_from`` (recorded, nothing rewritten). Otherwise the id is
   ``dedup.story_id_for`` of the group's earliest article, as before. A prior story's rows are
   never separated from each other, so a story cannot split after it was written.

Cost: features are one numpy pass per article; each article is in at most 2 x ``max_keys``
blocks and scored against at most ``neighbours`` members in each; clustering is a heap over
the sparse edge list: linear in articles.
"""

from __future__ import annotations

import functools
import heapq
import math
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import numpy as np

from akhbar import configs
from akhbar.transforms.text import dedup
from akhbar.transforms.text.arabic import normalize_match
from akhbar.transforms.text.entities import most_frequent_display

_NO_TIME = math.inf
_DAY = 86400.0
FEATURE_NAMES = (
    "text_cosine",
    "title_cosine",
    "entity_overlap",
    "shared_dates",
    "date_conflict",
    "shared_numbers",
    "days_apart",
)


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class EventConfig:
    window_days: float
    lead_chars: int
    ngram_min: int
    ngram_max: int
    max_grams: int
    df_bits: int
    max_keys: int
    entity_keys: int
    neighbours: int
    shards: int
    max_block: int
    min_edge: float
    link_threshold: float
    weights: Mapping[str, float]
    top_entities: int
    news_day_margin: int
    min_word_chars: int
    min_number_digits: int
    suffixes: tuple[str, ...] = ()
    weight_vector: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        unknown = set(self.weights) - {"bias", *FEATURE_NAMES}
        if unknown:
            raise ValueError(f"stories.weights: unknown key(s) {sorted(unknown)}")
        if not 1 <= self.ngram_min <= self.ngram_max:
            raise ValueError(
                f"stories: need 1 <= ngram_min <= ngram_max, got {self.ngram_min}, {self.ngram_max}"
            )
        if not 8 <= self.df_bits <= 26:
            raise ValueError(f"stories.df_bits must be in 8..26, got {self.df_bits}")
        if not isinstance(self.shards, int) or self.shards < 1:
            raise ValueError(f"stories.shards must be a positive integer, got {self.shards!r}")
        if not 0 < self.link_threshold <= 1:
            raise ValueError(f"stories.link_threshold must be in (0, 1], got {self.link_threshold}")
        object.__setattr__(self, "weights", dict(self.weights))
        object.__setattr__(self, "weight_vector", np.array([self.weights.get(n, 0.0) for n in FEATURE_NAMES]))
        object.__setattr__(
            self, "suffixes", tuple(sorted(map(normalize_match, self.suffixes), key=len, reverse=True))
        )

    @property
    def window_seconds(self) -> float:
        return self.window_days * _DAY


@functools.lru_cache(maxsize=4)
def load_config(name: str = "stories.yaml") -> EventConfig:
    raw = configs.load_yaml(name)
    known = {f.name for f in fields(EventConfig) if f.init}
    unknown = set(raw) - known
    if unknown:
        raise ValueError(f"{name}: unknown key(s) {sorted(unknown)}")
    missing = {f.name for f in fields(EventConfig) if f.init and f.default is MISSING} - set(raw)
    if missing:
        raise ValueError(f"{name}: missing key(s) {sorted(missing)}")
    return EventConfig(**raw)


def _words_config() -> dedup.StoryConfig:
    # Clitics and stopwords live with the match-key settings in configs/dedup.yaml (stories).
    return dedup.load_config().stories


# --------------------------------------------------------------------------- text


@functools.lru_cache(maxsize=1)
def _suffix_pattern(suffixes: tuple[str, ...]) -> re.Pattern[str]:
    if not suffixes:
        return re.compile(r"(?!x)x")
    return re.compile(r"(?<=\w{3})(?:" + "|".join(map(re.escape, suffixes)) + r")\b")


def stem_text(match_text: str, config: EventConfig | None = None) -> str:
    """Light stemming of match-key text: leading clitics («وال», «بال», …) and a few suffixes off."""
    config = config or load_config()
    words = _words_config()
    text = words.prefix_pattern.sub("", match_text)
    return _suffix_pattern(config.suffixes).sub("", text)


def light_stem(word: str, config: EventConfig | None = None) -> str:
    """The light stem of one word (normalised to match-key form first)."""
    return stem_text(normalize_match(word), config)


_NON_WORD = re.compile(r"[^\w]+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?(?:\s*-\s*\d+)?")


def _gram_hashes(text: str, config: EventConfig) -> np.ndarray:
    """32-bit hashes of every character n-gram (ngram_min..ngram_max) of ``text``, with repeats."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    pieces = []
    for n in range(config.ngram_min, config.ngram_max + 1):
        if len(codes) < n:
            break
        multipliers = _gram_multipliers(n)
        count = len(codes) - n + 1
        combined = codes[:count] * multipliers[0]
        for position in range(1, n):
            combined += codes[position : position + count] * multipliers[position]
        pieces.append((combined >> np.uint64(32)) ^ (combined & np.uint64(0xFFFFFFFF)))
    if not pieces:
        return np.empty(0, dtype=np.uint32)
    return np.concatenate(pieces).astype(np.uint32)


@functools.lru_cache(maxsize=16)
def _gram_multipliers(n: int) -> np.ndarray:
    # Own multipliers per length, so a 3-gram and a 4-gram never share a hash by construction.
    return dedup._stable_uint64(n, "story-gram", n) | np.uint64(1)


def _key_hash(key: str) -> int:
    return zlib.crc32(key.encode("utf-8"))


def event_dates(
    dates_mentioned: Iterable[Mapping[str, Any]] | None, published: datetime | None, margin: int
) -> frozenset[str]:
    """Day-precise dates an article mentions, less the news days around its publication."""
    news_days: set[str] = set()
    if published is not None:
        day = published.astimezone(UTC).date() if published.tzinfo else published.date()
        news_days = {(day + timedelta(days=d)).isoformat() for d in range(-margin, margin + 1)}
    out = set()
    for mention in dates_mentioned or ():
        value = str(mention.get("value") or "")
        if len(value) >= 10 and value[:10] not in news_days:
            out.add(value[:10])
    return frozenset(out)


def numbers_in(match_text: str, min_digits: int = 1) -> frozenset[str]:
    """Counts and scores in match-key text («25», «2-1»), years 1900-2100 left out."""
    out = set()
    for found in _NUMBER.findall(match_text):
        number = re.sub(r"\s+", "", found)
        if number.isdigit() and (len(number) < min_digits or 1900 <= int(number) <= 2100):
            continue
        out.add(number)
    return frozenset(out)


def entity_display(mentions: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Display form of each canonical entity: its most frequent surface text among ``mentions``.

    The mention's own ``display`` (entities.py) when it has one, else its surface text; the
    choice among them is entities.most_frequent_display, as for the entities table and report.
    """
    spellings: dict[str, list[str]] = defaultdict(list)
    for mention in mentions:
        canonical = mention.get("canonical")
        if canonical:
            spellings[canonical].append(mention.get("display") or mention.get("text") or canonical)
    return {c: most_frequent_display(names) or c for c, names in spellings.items()}


# --------------------------------------------------------------------------- features


class RawFeatures(NamedTuple):
    """What an article brings to story grouping before the run's document frequencies are known."""

    article_id: str
    source: str
    published: float
    is_prior: bool
    story_id: str | None
    grams: np.ndarray  # sorted unique uint32 gram hashes
    gram_counts: np.ndarray  # their counts (uint16)
    entities: tuple[str, ...]  # canonical, match-key form, sorted unique
    title_words: tuple[str, ...]  # stemmed title words, sorted unique
    lead_words: tuple[str, ...]  # stemmed lead words not in the title, sorted unique
    term_keys: np.ndarray  # uint32 hashes of "e:"+entities, "t:"+title words, "t:"+lead words, in that order
    dates: frozenset[str]
    numbers: frozenset[str]

    def df_keys(self) -> np.ndarray:
        """Cells this article counts once in the document-frequency table (before masking)."""
        return np.concatenate([self.grams, self.term_keys])


def raw_features(
    article: Mapping[str, Any], is_prior: bool = False, config: EventConfig | None = None
) -> RawFeatures:
    """Story features of an article of this run, or of a row read back from an earlier run."""
    config = config or load_config()
    title = stem_text(normalize_match(article.get("title") or ""), config)
    body = article.get("body_match")
    if body is None:
        # A row read back from an earlier run carries no body: its standfirst stands in.
        body = normalize_match((article.get("body") or article.get("lead") or "")[: config.lead_chars * 2])
    lead = stem_text(body[: config.lead_chars], config)
    text = " " + _NON_WORD.sub(" ", f"{title} {lead}").strip() + " "
    grams, counts = np.unique(_gram_hashes(text, config), return_counts=True)
    title_words = _content_words(title, config)
    lead_words = _content_words(lead, config) - title_words
    entities = {
        normalize_match(str(e.get("canonical") or e.get("text") or "")) for e in article.get("entities") or ()
    }
    entities.discard("")
    published = article.get("published_at")
    entities_sorted, title_sorted, lead_sorted = sorted(entities), sorted(title_words), sorted(lead_words)
    term_keys = [_key_hash("e:" + e) for e in entities_sorted] + [
        _key_hash("t:" + w) for w in (*title_sorted, *lead_sorted)
    ]
    return RawFeatures(
        article_id=article["article_id"],
        source=article.get("source") or "",
        published=dedup.timestamp(published),
        is_prior=is_prior,
        story_id=article.get("story_id") if is_prior else None,
        grams=grams.astype(np.uint32),
        gram_counts=np.minimum(counts, 65535).astype(np.uint16),
        entities=tuple(entities_sorted),
        title_words=tuple(title_sorted),
        lead_words=tuple(lead_sorted),
        term_keys=np.array(term_keys, dtype=np.uint32),
        dates=event_dates(article.get("dates_mentioned"), published, config.news_day_margin),
        numbers=numbers_in(
            f"{normalize_match(article.get('title') or '')} {body[: config.lead_chars]}",
            config.min_number_digits,
        ),
    )


@functools.lru_cache(maxsize=4)
def _stemmed_stopwords(suffixes: tuple[str, ...]) -> frozenset[str]:
    # «الذي» stems to «الذ»: a function word must be recognised in its stemmed form too.
    words = _words_config()
    stopwords = words.stopwords
    stemmed = _suffix_pattern(suffixes).sub("", words.prefix_pattern.sub("", " ".join(sorted(stopwords))))
    return stopwords | frozenset(stemmed.split())


def _content_words(stemmed: str, config: EventConfig) -> set[str]:
    stopwords = _stemmed_stopwords(config.suffixes)
    return {
        w
        for w in _NON_WORD.sub(" ", stemmed).split()
        if len(w) >= config.min_word_chars and w not in stopwords and not w.isdigit()
    }


class DocumentFrequencies(NamedTuple):
    """Articles counted and, per hashed cell, how many of them contain the gram/entity/word."""

    articles: int
    counts: np.ndarray  # uint32, 2^df_bits cells

    @classmethod
    def empty(cls, config: EventConfig | None = None) -> DocumentFrequencies:
        config = config or load_config()
        return cls(0, np.zeros(1 << config.df_bits, dtype=np.uint32))

    def add(self, raw: RawFeatures) -> DocumentFrequencies:
        """Count one article, in place when the table is writable (an accumulator owned by the caller)."""
        counts = self._writable()
        cells = np.unique(raw.df_keys() & np.uint32(len(counts) - 1))
        counts[cells] += 1
        return DocumentFrequencies(self.articles + 1, counts)

    def merge(self, other: DocumentFrequencies) -> DocumentFrequencies:
        counts = self._writable()
        np.add(counts, other.counts, out=counts)
        return DocumentFrequencies(self.articles + other.articles, counts)

    def _writable(self) -> np.ndarray:
        # A table decoded by a Beam runner may be a read-only view of its buffer.
        return self.counts if self.counts.flags.writeable else self.counts.copy()

    def of(self, keys: np.ndarray) -> np.ndarray:
        return self.counts[keys.astype(np.uint32) & np.uint32(len(self.counts) - 1)]

    def idf(self, keys: np.ndarray) -> np.ndarray:
        # Smoothed idf (as scikit-learn's TfidfVectorizer): never zero, never infinite.
        return np.log((1.0 + self.articles) / (1.0 + self.of(keys))) + 1.0


def document_frequencies(
    raws: Iterable[RawFeatures], config: EventConfig | None = None
) -> DocumentFrequencies:
    df = DocumentFrequencies.empty(config)
    for raw in raws:
        df = df.add(raw)
    return df


class Features(NamedTuple):
    """An article ready for blocking and scoring: TF-IDF weights and rarity known."""

    article_id: str
    source: str
    published: float
    is_prior: bool
    story_id: str | None
    grams: np.ndarray  # sorted uint32
    weights: np.ndarray  # float32, L2-normalised TF-IDF of grams
    entity_weights: Mapping[str, float]  # canonical -> idf, L2-normalised
    title_weights: Mapping[str, float]  # stemmed title word -> idf, L2-normalised
    dates: frozenset[str]
    numbers: frozenset[str]
    keys: tuple[str, ...]  # blocking terms (no time bucket)


def finalize(raw: RawFeatures, df: DocumentFrequencies, config: EventConfig | None = None) -> Features:
    config = config or load_config()
    grams = raw.grams
    if len(grams):
        weights = (1.0 + np.log(raw.gram_counts.astype(np.float64))) * df.idf(grams)
        if len(grams) > config.max_grams:
            # Only the heaviest grams are kept: they carry most of the cosine (the rest are
            # common grams of low idf), and the cost of a pair is linear in their number.
            keep = np.sort(np.argpartition(-weights, config.max_grams)[: config.max_grams])
            grams, weights = grams[keep], weights[keep]
        weights /= np.linalg.norm(weights) or 1.0
    else:
        weights = np.empty(0)
    term_counts = df.of(raw.term_keys)
    term_idf = df.idf(raw.term_keys)
    n_entities, n_title = len(raw.entities), len(raw.title_words)
    entity_idf = term_idf[:n_entities]
    title_idf = term_idf[n_entities : n_entities + n_title]
    entity_norm = float(np.linalg.norm(entity_idf)) or 1.0
    title_norm = float(np.linalg.norm(title_idf)) or 1.0
    # Blocking keys, each seen in at least one other article: the rarest terms of any kind
    # (entities, title words, lead words: a title word of one article is often a lead word of
    # the other's), and the rarest entities even when rarer words fill the list: in a small run
    # the many rare words a wire copy shares only with its own republications would crowd them out.
    terms = [f"e:{e}" for e in raw.entities] + [f"t:{w}" for w in (*raw.title_words, *raw.lead_words)]
    ranked = sorted((int(c), t) for c, t in zip(term_counts, terms, strict=True) if c >= 2)
    keys = [t for _, t in ranked[: max(0, config.max_keys - config.entity_keys)]]
    keys += [t for _, t in ranked if t.startswith("e:") and t not in keys][: config.entity_keys]
    return Features(
        article_id=raw.article_id,
        source=raw.source,
        published=raw.published,
        is_prior=raw.is_prior,
        story_id=raw.story_id,
        grams=grams,
        weights=weights.astype(np.float32),
        entity_weights={e: float(v) / entity_norm for e, v in zip(raw.entities, entity_idf, strict=True)},
        title_weights={w: float(v) / title_norm for w, v in zip(raw.title_words, title_idf, strict=True)},
        dates=raw.dates,
        numbers=raw.numbers,
        keys=tuple(keys),
    )


# --------------------------------------------------------------------------- blocking and scoring


def time_buckets(published: float, config: EventConfig) -> tuple[int, ...]:
    """The article's time bucket and the next: two articles within the window share one."""
    if published == _NO_TIME:
        return ()
    bucket = int(published // config.window_seconds)
    return (bucket, bucket + 1)


def blocking_keys(features: Features, config: EventConfig | None = None) -> list[str]:
    config = config or load_config()
    return [f"{key}|{bucket}" for key in features.keys for bucket in time_buckets(features.published, config)]


def _sparse_dot(keys_a: np.ndarray, weights_a: np.ndarray, keys_b: np.ndarray, weights_b: np.ndarray) -> float:
    # Both key arrays sorted and unique: one binary search per key of the shorter, in C.
    if len(keys_a) > len(keys_b):
        keys_a, weights_a, keys_b, weights_b = keys_b, weights_b, keys_a, weights_a
    if not len(keys_a) or not len(keys_b):
        return 0.0
    at = np.searchsorted(keys_b, keys_a)
    at[at == len(keys_b)] = 0
    hit = keys_b[at] == keys_a
    return float(np.dot(weights_a[hit], weights_b[at[hit]]))


def pair_features(a: Features, b: Features) -> np.ndarray:
    """The values ``FEATURE_NAMES`` name, for one pair of articles."""
    text_cosine = _sparse_dot(a.grams, a.weights, b.grams, b.weights)
    title_cosine = sum(v * b.title_weights[w] for w, v in a.title_weights.items() if w in b.title_weights)
    # Rarity-weighted (idf) cosine: sharing «إيران» says less than sharing «مايورغا».
    entity_overlap = sum(v * b.entity_weights[e] for e, v in a.entity_weights.items() if e in b.entity_weights)
    shared_dates = len(a.dates & b.dates)
    date_conflict = float(bool(a.dates) and bool(b.dates) and not shared_dates)
    shared_numbers = min(len(a.numbers & b.numbers), 3)
    days_apart = abs(a.published - b.published) / _DAY if _NO_TIME not in (a.published, b.published) else 3.0
    return np.array(
        [
            text_cosine,
            title_cosine,
            entity_overlap,
            min(shared_dates, 2),
            date_conflict,
            shared_numbers,
            days_apart,
        ]
    )


def score_of(values: np.ndarray, config: EventConfig) -> float:
    z = config.weights.get("bias", 0.0) + float(np.dot(config.weight_vector, values))
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def pair_score(a: Features, b: Features, config: EventConfig | None = None) -> float:
    """Probability-like score that ``a`` and ``b`` report the same event (0 outside the window)."""
    config = config or load_config()
    if _NO_TIME in (a.published, b.published) or abs(a.published - b.published) > config.window_seconds:
        return 0.0
    return score_of(pair_features(a, b), config)


class Edge(NamedTuple):
    a: str  # the smaller article id
    b: str
    score: float


def candidate_pairs(members: Sequence[Features], config: EventConfig) -> Iterator[tuple[Features, Features]]:
    """Pairs of one block worth scoring: each member with at most ``neighbours`` earlier ones in the window.

    Two rows of one earlier story are not paired: they are one unit already.
    """
    ordered = sorted(members, key=lambda f: (f.published, f.article_id))
    window = config.window_seconds
    for i, member in enumerate(ordered):
        compared = 0
        for j in range(i - 1, -1, -1):
            other = ordered[j]
            if member.published - other.published > window or compared >= config.neighbours:
                break
            if other.article_id == member.article_id or (
                other.is_prior and member.is_prior and other.story_id == member.story_id
            ):
                continue
            compared += 1
            yield other, member


def score_block(
    members: Sequence[Features], config: EventConfig | None = None, seen: set[tuple[str, str]] | None = None
) -> Iterator[Edge]:
    """Edges (score >= ``min_edge``) between members of one block; ``seen`` skips pairs already scored."""
    config = config or load_config()
    for a, b in candidate_pairs(members, config):
        pair = (a.article_id, b.article_id) if a.article_id < b.article_id else (b.article_id, a.article_id)
        if seen is not None:
            if pair in seen:
                continue
            seen.add(pair)
        score = pair_score(a, b, config)
        if score >= config.min_edge:
            yield Edge(pair[0], pair[1], score)


def best_edges(edges: Iterable[Edge]) -> list[Edge]:
    """One edge per pair (the same pair scored in several blocks has the same score)."""
    best: dict[tuple[str, str], float] = {}
    for edge in edges:
        key = (edge.a, edge.b)
        if edge.score > best.get(key, -1.0):
            best[key] = edge.score
    return [Edge(a, b, s) for (a, b), s in sorted(best.items())]


# --------------------------------------------------------------------------- clustering


def cluster(units: Mapping[str, str], edges: Iterable[Edge], threshold: float) -> dict[str, int]:
    """Average-link clustering of units: article_id -> cluster number.

    ``units`` maps every article to its unit (near-copies, or one prior story): units are never
    split. Between two groups the link is the sum of their pair scores over the number of pairs
    (|A| x |B| articles); groups merge best-first while that mean reaches ``threshold``.
    Deterministic: ties break on the groups' smallest ids.
    """
    members: dict[str, list[str]] = defaultdict(list)
    for article_id, unit in units.items():
        members[unit].append(article_id)
    size = {unit: len(ids) for unit, ids in members.items()}
    link: dict[str, dict[str, float]] = defaultdict(dict)
    for edge in edges:
        ua, ub = units.get(edge.a), units.get(edge.b)
        if ua is None or ub is None or ua == ub:
            continue
        link[ua][ub] = link[ua].get(ub, 0.0) + edge.score
        link[ub][ua] = link[ua][ub]
    alive = {unit: unit for unit in members}  # group name -> its label (smallest unit name)
    heap = []
    for ua, neighbours in link.items():
        for ub, total in neighbours.items():
            if ua < ub and total / (size[ua] * size[ub]) >= threshold:
                heapq.heappush(heap, (-total / (size[ua] * size[ub]), ua, ub, size[ua], size[ub]))
    while heap:
        _, ua, ub, sa, sb = heapq.heappop(heap)
        if ua not in alive or ub not in alive or size[ua] != sa or size[ub] != sb:
            continue  # stale: one side has merged since
        keep, gone = (ua, ub) if (size[ua], ub) >= (size[ub], ua) else (ub, ua)
        members[keep].extend(members.pop(gone))
        size[keep] += size.pop(gone)
        del alive[gone]
        gone_links = link.pop(gone, {})
        gone_links.pop(keep, None)
        link[keep].pop(gone, None)
        for other, total in gone_links.items():
            link[other].pop(gone, None)
            link[keep][other] = link[keep].get(other, 0.0) + total
            link[other][keep] = link[keep][other]
        for other, total in link[keep].items():
            mean = total / (size[keep] * size[other])
            if mean >= threshold:
                first, second = (keep, other) if keep < other else (other, keep)
                heapq.heappush(heap, (-mean, first, second, size[first], size[second]))
    out = {}
    for number, unit in enumerate(sorted(members, key=lambda u: min(members[u]))):
        for article_id in members[unit]:
            out[article_id] = number
    return out


class Member(NamedTuple):
    """What story assignment needs of an article: its order and, for a prior row, its story."""

    article_id: str
    published: float
    is_prior: bool
    story_id: str | None


class Assignment(NamedTuple):
    story_ids: dict[str, str]  # article_id -> story id (this run's articles)
    merged_from: dict[str, list[str]]  # story id -> earlier stories it absorbed in this run


def units_of(members: Iterable[Member], near_parents: Mapping[str, str]) -> dict[str, str]:
    """article_id -> unit: near/exact copies together (child -> parent links), a prior story's rows together."""
    members = list(members)
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        path = []
        while parent.get(node, node) != node:
            path.append(node)
            node = parent[node]
        for visited in path:
            parent[visited] = node
        return node

    def join(a: str, b: str) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for member in members:
        parent.setdefault(member.article_id, member.article_id)
        if member.is_prior and member.story_id:
            key = "story:" + member.story_id
            parent.setdefault(key, key)
            join(key, member.article_id)
    for child, other in near_parents.items():
        if child in parent and other in parent:
            join(child, other)
    return {m.article_id: root(m.article_id) for m in members}


def assign_stories(
    members: Iterable[Member],
    near_parents: Mapping[str, str],
    edges: Iterable[Edge],
    config: EventConfig | None = None,
) -> Assignment:
    """Story id of every article of this run (see the module doc, point 6)."""
    config = config or load_config()
    members = {m.article_id: m for m in members}
    units = units_of(members.values(), near_parents)
    groups: dict[int, list[Member]] = defaultdict(list)
    for article_id, number in cluster(units, edges, config.link_threshold).items():
        groups[number].append(members[article_id])
    story_ids: dict[str, str] = {}
    merged_from: dict[str, list[str]] = {}
    for group in groups.values():
        group.sort(key=lambda m: (not m.is_prior, m.published, m.article_id))
        prior_stories = list(dict.fromkeys(m.story_id for m in group if m.is_prior and m.story_id))
        story_id = prior_stories[0] if prior_stories else dedup.story_id_for(group[0].article_id)
        if len(prior_stories) > 1:
            merged_from[story_id] = sorted(prior_stories[1:])
        for member in group:
            if not member.is_prior:
                story_ids[member.article_id] = story_id
    return Assignment(story_ids, merged_from)


def group_stories(
    features: Sequence[Features], near_parents: Mapping[str, str], config: EventConfig | None = None
) -> tuple[Assignment, dict[str, int]]:
    """The whole grouping in memory (the reference for the Beam stage): assignment and counts."""
    config = config or load_config()
    blocks: dict[str, list[Features]] = defaultdict(list)
    for f in features:
        for key in blocking_keys(f, config):
            blocks[key].append(f)
    seen: set[tuple[str, str]] = set()
    edges: list[Edge] = []
    oversized = 0
    for key in sorted(blocks):
        block = blocks[key]
        if len(block) < 2:
            continue
        oversized += len(block) > config.max_block
        edges.extend(score_block(block, config, seen))
    members = [Member(f.article_id, f.published, f.is_prior, f.story_id) for f in features]
    assignment = assign_stories(members, near_parents, edges, config)
    counts = {
        "blocks": len(blocks),
        "oversized_blocks": oversized,
        "pairs_scored": len(seen),
        "edges": len(edges),
    }
    return assignment, counts


def features_for(
    articles: Sequence[Mapping[str, Any]],
    prior: Sequence[Mapping[str, Any]] = (),
    config: EventConfig | None = None,
) -> list[Features]:
    """Finalised features of this run's articles and the prior rows, with the run's document frequencies."""
    config = config or load_config()
    raws = [raw_features(a, False, config) for a in articles] + [raw_features(a, True, config) for a in prior]
    df = document_frequencies(raws, config)
    return [finalize(r, df, config) for r in raws]


# --------------------------------------------------------------------------- story rows


def representative_title(titles: Sequence[str]) -> str | None:
    """The title that shares the most words with the story's other titles (ties: the earliest).

    ``titles`` are in publication order; a story of one or two articles gets its first title.
    """
    titles = [t for t in titles if t]
    if len(titles) <= 2:
        return titles[0] if titles else None
    word_sets = [set(stem_text(normalize_match(t)).split()) for t in titles]
    frequency = Counter(w for words in word_sets for w in words)
    scores = [sum(frequency[w] - 1 for w in words) / (len(words) or 1) for words in word_sets]
    best = max(range(len(titles)), key=lambda i: (scores[i], -i))
    return titles[best]


def top_entities(
    mentions_by_article: Iterable[Iterable[Mapping[str, Any]]], limit: int
) -> tuple[list[str], list[str]]:
    """(canonical names, display names) of the entities in most of the story's articles."""
    counts: Counter[str] = Counter()
    all_mentions: list[Mapping[str, Any]] = []
    for mentions in mentions_by_article:
        mentions = list(mentions or ())
        all_mentions.extend(mentions)
        counts.update({m["canonical"] for m in mentions if m.get("canonical")})
    top = [name for name, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))][:limit]
    display = entity_display(m for m in all_mentions if m.get("canonical") in set(top))
    return top, [display.get(name, name) for name in top]
