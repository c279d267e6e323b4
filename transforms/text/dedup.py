"""Exact duplicates and near-duplicates (MinHash + LSH), then story ids and rows: plain Python, no Beam.

    python -c "from akhbar.transforms.text.dedup import minhash_signature, signature_similarity as s; a = minhash_signature('قال وزير الخارجية إن المحادثات ستستأنف في القاهرة الأسبوع المقبل بمشاركة الوفود'); print(s(a, a))"

Method (settings and their reasons in ``configs/dedup.yaml``):

1. **Exact duplicates.** ``content_hash`` is blake2b-128 of the match-key body with runs of
   whitespace collapsed, so a copy that differs only in diacritics, hamza forms, digits or line
   breaks hashes the same. Every later copy gets ``duplicate_of`` = the first copy's id (its
   ``near_duplicate_of``/``similarity`` stay empty: it is a copy, not a near-copy).
2. **Near-duplicates.** Word 5-shingles of the match-key body, each hashed to 32 bits; a
   MinHash signature of 128 values (multiply-add-shift hashes ``(a*x + b) >> 32`` over
   uint64, seeded deterministically from the config seed), stored as little-endian uint32
   bytes in ``minhash``. LSH banding (42 bands x 3 rows) makes candidate pairs, and the
   signatures give each an estimated Jaccard. Two articles of this run are then decided on the
   *exact* Jaccard of their shingle sets (checked when the estimate reaches
   ``candidate_threshold``, 0.35): the estimate's error around the threshold (standard error
   0.044 at 0.5) let pairs at exact 0.41-0.5 through and dropped some at 0.5-0.59. A row of an
   earlier run keeps only its signature, so against it the estimate decides. Either way the
   threshold is 0.5, and ``similarity`` is the value that decided (exact within a run,
   estimated across runs). A later article keeps its single best earlier match (highest
   similarity, then earliest) as ``near_duplicate_of`` / ``similarity``. A stored signature of
   another length (written before a change of ``num_perm``) matches nothing.
   Why not datasketch's ``MinHash``: it hashes every shingle with SHA-1 in Python before its
   numpy update; the vectorised form here computes the same kind of signature (a 2-universal
   permutation family, min over shingles) from per-word hashes memoised across articles, about
   3x faster on 1,000 ANT articles, with similarity estimates within 0.001 of datasketch's on
   average (bench/dedup.py measures both in the same run).
3. **Stories** are events, grouped by ``transforms/text/stories.py`` on top of steps 1-2: exact
   and near copies form units that are never split, and units whose title + lead read alike
   (TF-IDF of character n-grams, title words, days apart) are joined by average link within a
   time window. This module keeps only the ``stories`` word lists of ``configs/dedup.yaml``
   (clitics and function words, ``StoryConfig``) that the event grouping stems and filters with.
4. **Story ids.** A group that holds rows of an earlier run keeps the story id of its earliest
   one (others it absorbed go to the row's ``merged_from``); otherwise the id is blake2b-128 of
   ``"story:" + the group's earliest article_id`` (``story_id_for``).

Stories rows describe this run's members only (``article_count`` = articles of this run);
a story that goes on over several runs has one row per run under the same ``story_id``: readers
merge them (min first_seen, max last_seen, sum article_count).
Prior rows should carry title, and entities/dates_mentioned when they are read back, for story
grouping across runs; near- and exact matching need only content_hash and minhash.

Order: "earlier" means (prior run before this run, then published_at, then article_id), so rows
already written are never rewritten and every run makes the same decisions on the same input.
Cost: every article lands in a fixed number of LSH buckets and is compared with at most
``bucket_cap`` earlier members of each, and each distinct candidate pair of this run gets one
exact check (a sorted-array intersection), so work is linear in the number of articles.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import math
import re
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from akhbar import configs
from akhbar.transforms.text.arabic import match_tokens, normalize_match

if TYPE_CHECKING:
    from akhbar.transforms.text import stories as stories_module

_MASK32 = np.uint64(0xFFFFFFFF)
_SHIFT32 = np.uint64(32)
EMPTY_VALUE = 0xFFFFFFFF  # signature value of an empty shingle set: never counted as a match
_NO_TIME = math.inf


# --------------------------------------------------------------------------- configuration


def _build(cls, raw: Mapping[str, Any], where: str):
    known = {f.name for f in fields(cls)}
    unknown = set(raw) - known
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {sorted(unknown)}; expected {sorted(known)}")
    missing = {f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING} - set(
        raw
    )
    if missing:
        raise ValueError(f"{where}: missing key(s) {sorted(missing)}")
    return cls(**raw)


def _check_shards(shards: int, where: str) -> None:
    if not isinstance(shards, int) or shards < 1:
        raise ValueError(f"{where}.shards must be a positive integer, got {shards!r}")


@dataclass(frozen=True)
class NearDuplicateConfig:
    shingle_size: int
    num_perm: int
    seed: int
    threshold: float
    candidate_threshold: float
    bands: int
    rows: int
    min_tokens: int
    bucket_cap: int
    shards: int = 2

    def __post_init__(self) -> None:
        _check_shards(self.shards, "near_duplicates")
        if self.bands * self.rows > self.num_perm:
            raise ValueError(
                f"near_duplicates: bands*rows={self.bands * self.rows} > num_perm={self.num_perm}"
            )
        if not 0 < self.threshold <= 1:
            raise ValueError(f"near_duplicates.threshold must be in (0, 1], got {self.threshold}")
        if not 0 < self.candidate_threshold <= self.threshold:
            raise ValueError(
                "near_duplicates.candidate_threshold must be in (0, threshold], "
                f"got {self.candidate_threshold} with threshold {self.threshold}"
            )


@dataclass(frozen=True)
class StoryConfig:
    """Arabic word lists of the ``stories`` section: leading clitics and function words, in
    match-key form. Event grouping (transforms/text/stories.py) stems and filters with them."""

    prefixes: tuple[str, ...]
    stopwords: frozenset[str]
    prefix_pattern: re.Pattern[str] = field(default=re.compile(r"(?!x)x"), repr=False, compare=False)

    def __post_init__(self) -> None:
        # Normalise list-valued YAML into hashable, match-key forms once.
        object.__setattr__(
            self, "prefixes", tuple(sorted(map(normalize_match, self.prefixes), key=len, reverse=True))
        )
        stopwords = frozenset(map(normalize_match, self.stopwords))
        pattern = (
            re.compile(r"\b(?:" + "|".join(map(re.escape, self.prefixes)) + r")(?=\w{3})")
            if self.prefixes
            else re.compile(r"(?!x)x")
        )
        # A stopword is also dropped in its stripped form («الاحد» -> «احد» is still a weekday).
        object.__setattr__(self, "stopwords", stopwords | {pattern.sub("", w) for w in stopwords})
        object.__setattr__(self, "prefix_pattern", pattern)


@dataclass(frozen=True)
class DedupConfig:
    near: NearDuplicateConfig
    stories: StoryConfig

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> DedupConfig:
        unknown = set(raw) - {"near_duplicates", "stories"}
        if unknown:
            raise ValueError(f"dedup config: unknown key(s) {sorted(unknown)}")
        return cls(
            near=_build(NearDuplicateConfig, raw["near_duplicates"], "near_duplicates"),
            stories=_build(StoryConfig, raw["stories"], "stories"),
        )


@functools.lru_cache(maxsize=4)
def load_config(name: str = "dedup.yaml") -> DedupConfig:
    """The validated settings shipped in ``configs/<name>``."""
    return DedupConfig.from_dict(configs.load_yaml(name))


# --------------------------------------------------------------------------- hashing


def content_hash(body_match: str) -> str:
    """blake2b-128 hex of the match-key body with whitespace runs collapsed."""
    canonical = " ".join((body_match or "").split())
    return hashlib.blake2b(canonical.encode("utf-8"), digest_size=16).hexdigest()


EMPTY_CONTENT_HASH = content_hash("")  # bodies with no text are not copies of each other


def story_id_for(root_article_id: str) -> str:
    """Story id of a story whose earliest article is ``root_article_id``."""
    return hashlib.blake2b(f"story:{root_article_id}".encode(), digest_size=16).hexdigest()


def _token_hash(token: str) -> int:
    # Stable across processes and runs (Python's hash() is salted per process).
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little")


# Memo of token -> hash: a news vocabulary is small, and a C-level dict lookup per token is what
# keeps the pure path near 1 ms per article. Cleared when it outgrows _TOKEN_MEMO_LIMIT: about
# 100 bytes an entry, and 300k words is more than a 30k-article run meets (~180k).
_TOKEN_MEMO: dict[str, int] = {}
_TOKEN_MEMO_LIMIT = 300_000


def _stable_uint64(seed: int, label: str, count: int) -> np.ndarray:
    """``count`` uint64 values derived from (seed, label) with blake2b: same on every machine."""
    out = [
        int.from_bytes(hashlib.blake2b(f"{seed}:{label}:{i}".encode(), digest_size=8).digest(), "little")
        for i in range(count)
    ]
    return np.array(out, dtype=np.uint64)


@functools.lru_cache(maxsize=16)
def _permutations(seed: int, num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    # Multiply-add-shift: h(x) = ((a*x + b) mod 2^64) >> 32 is a 2-universal family from
    # 32-bit keys to 32-bit values (Dietzfelbinger 1996); `a` odd.
    a = _stable_uint64(seed, "a", num_perm) | np.uint64(1)
    b = _stable_uint64(seed, "b", num_perm)
    return a, b


@functools.lru_cache(maxsize=16)
def _position_multipliers(k: int) -> np.ndarray:
    return _stable_uint64(0, "shingle-position", k) | np.uint64(1)


def _hash_tokens(tokens: Sequence[str]) -> np.ndarray:
    memo = _TOKEN_MEMO
    try:
        return np.fromiter(map(memo.__getitem__, tokens), dtype=np.uint64, count=len(tokens))
    except KeyError:
        missing = set(tokens).difference(memo)
        if len(memo) + len(missing) > _TOKEN_MEMO_LIMIT:
            memo.clear()
            missing = set(tokens)
        memo.update((t, _token_hash(t)) for t in missing)
        return np.fromiter(map(memo.__getitem__, tokens), dtype=np.uint64, count=len(tokens))


_WORD = re.compile(r"\w+")


def _match_key_tokens(body_match: str) -> list[str]:
    # The same list as akhbar.transforms.text.arabic.match_tokens(body_match) for text already in match-key
    # form (normalize_match is idempotent and match_tokens splits on non-word runs), at half
    # the cost: the body is not normalised a second time. tests/test_dedup.py checks the equality.
    return _WORD.findall(body_match)


def shingles(body_match: str, k: int | None = None) -> np.ndarray:
    """Sorted unique 32-bit hashes of the word k-shingles of a match-key body.

    A body shorter than k words is one shingle (all its words). Order-sensitive: each word
    position in the shingle has its own multiplier.
    """
    k = k or load_config().near.shingle_size
    return np.unique(_shingle_hashes(match_tokens(body_match), k))


def _shingle_hashes(tokens: Sequence[str], k: int) -> np.ndarray:
    """32-bit hashes of the k-shingles, with repeats (a minimum does not care)."""
    if not tokens:
        return np.empty(0, dtype=np.uint64)
    token_hashes = _hash_tokens(tokens)
    k = min(k, len(token_hashes))
    n = len(token_hashes) - k + 1
    multipliers = _position_multipliers(k)
    combined = token_hashes[:n] * multipliers[0]
    for position in range(1, k):
        combined += token_hashes[position : position + n] * multipliers[position]
    return (combined >> _SHIFT32) ^ (combined & _MASK32)


def _signature(keys32: np.ndarray, seed: int, num_perm: int) -> bytes:
    if keys32.size == 0:
        return np.full(num_perm, EMPTY_VALUE, dtype="<u4").tobytes()
    a, b = _permutations(seed, num_perm)
    # (n_keys, num_perm) in one expression; uint64 arithmetic wraps mod 2^64 by design.
    values = (keys32[:, None] * a[None, :] + b[None, :]) >> _SHIFT32
    return values.min(axis=0).astype("<u4").tobytes()


def minhash_signature(body_match: str, config: NearDuplicateConfig | None = None) -> bytes:
    """MinHash signature of the body's word shingles: ``num_perm`` little-endian uint32 values."""
    config = config or load_config().near
    return _signature(shingles(body_match, config.shingle_size), config.seed, config.num_perm)


def signature_array(signature: bytes) -> np.ndarray:
    return np.frombuffer(signature, dtype="<u4")


def signature_similarity(a: bytes | np.ndarray, b: bytes | np.ndarray) -> float:
    """Estimated Jaccard similarity: the share of equal signature values (0 for empty sets)."""
    left = signature_array(a) if isinstance(a, bytes | bytearray | memoryview) else a
    right = signature_array(b) if isinstance(b, bytes | bytearray | memoryview) else b
    if left.shape != right.shape or left.size == 0:
        return 0.0
    if left[0] == EMPTY_VALUE and np.all(left == EMPTY_VALUE):
        return 0.0
    return float(np.count_nonzero(left == right)) / left.size


def exact_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two sorted unique shingle-hash arrays (see ``shingles``, ``shingle_set``)."""
    if a.size == 0 or b.size == 0:
        return 0.0
    shared = np.intersect1d(a, b, assume_unique=True).size
    return shared / (a.size + b.size - shared)


def band_key(signature: bytes, band: int, rows: int, tag: str) -> str:
    # The band's bytes themselves (hex) are the key: no second hash needed, and equal bands
    # give equal keys on every machine.
    width = rows * 4
    return f"{tag}{band}:{signature[band * width : (band + 1) * width].hex()}"


def _band_keys(signature: bytes, bands: int, rows: int, tag: str) -> list[str]:
    return [band_key(signature, band, rows, tag) for band in range(bands)]


def signature_fits(signature: bytes | None, config: NearDuplicateConfig) -> bool:
    """True when ``signature`` has ``config.num_perm`` values: one written with another
    ``num_perm`` (a row of a run before a config change) cannot be compared and matches nothing."""
    return signature is not None and len(signature) == 4 * config.num_perm


def _near_bandable(signature: bytes | None, config: NearDuplicateConfig) -> bool:
    # A shorter signature would put every such row in the same short-band bucket; an empty
    # body's signature matches nothing.
    return signature_fits(signature, config) and signature_similarity(signature, signature) > 0.0


def lsh_band_keys(signature: bytes, config: NearDuplicateConfig | None = None) -> list[str]:
    """One bucket key per LSH band; two signatures share a key when a whole band is equal."""
    config = config or load_config().near
    return _band_keys(signature, config.bands, config.rows, "n") if _near_bandable(signature, config) else []


class Banding(NamedTuple):
    """One LSH family: key tag, bands x rows, and the shard groups its keys are spread over."""

    tag: str
    bands: int
    rows: int
    shards: int


def near_banding(config: NearDuplicateConfig) -> Banding:
    return Banding("n", config.bands, config.rows, config.shards)


def near_band_signature(member: Member, config: NearDuplicateConfig) -> bytes | None:
    """The signature a member is banded on for near-copies (None: it takes no part)."""
    return member.minhash if _near_bandable(member.minhash, config) else None


def shard_of_band(key: str, shards: int) -> int:
    """The shard group a band key belongs to: the same on every worker and in every run."""
    return zlib.crc32(key.encode("ascii")) % shards


def band_shards(signature: bytes, banding: Banding) -> set[int]:
    """The shard groups holding at least one band of ``signature``: where its article travels."""
    return {
        shard_of_band(band_key(signature, band, banding.rows, banding.tag), banding.shards)
        for band in range(banding.bands)
    }


def shard_buckets(entries: Sequence[tuple[Member, bytes]], banding: Banding, shard: int) -> Iterator[list[Member]]:
    """The LSH buckets (two or more members) of shard group ``shard`` among ``(member, band
    signature)`` entries: members whose key of one band is equal and falls in this group.

    Keys are recomputed here from the signatures instead of travelling with them, and the
    buckets are built one band at a time, so at most one key per entry is held at once;
    singleton keys (the vast majority) cost one dict slot and no list.
    """
    for band in range(banding.bands):
        first: dict[str, Member] = {}
        shared: dict[str, list[Member]] = {}
        for member, signature in entries:
            key = band_key(signature, band, banding.rows, banding.tag)
            if banding.shards > 1 and shard_of_band(key, banding.shards) != shard:
                continue
            bucket = shared.get(key)
            if bucket is not None:
                bucket.append(member)
            elif key in first:
                shared[key] = [first.pop(key), member]
            else:
                first[key] = member
        yield from shared.values()


def shingle_set(body_match: str | None, config: NearDuplicateConfig | None = None) -> np.ndarray:
    """Sorted unique shingle hashes (uint32) of a match-key body: what near-copy candidates
    found by the signatures are verified on (``verify_near_match``)."""
    config = config or load_config().near
    tokens = _match_key_tokens(body_match) if body_match else []
    return _unique_keys(_shingle_hashes(tokens, config.shingle_size))


def _unique_keys(keys: np.ndarray) -> np.ndarray:
    return np.unique(keys).astype("<u4")


def shingle_array(packed: bytes) -> np.ndarray:
    """The array of a shingle set shipped as bytes (``shingle_set(...).tobytes()``)."""
    return np.frombuffer(packed, dtype="<u4")


# --------------------------------------------------------------------------- matching


def timestamp(value: datetime | None) -> float:
    """Seconds since the epoch of an aware datetime; +inf when unknown (sorts last)."""
    if value is None:
        return _NO_TIME
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def order_key(is_prior: bool, published: float, article_id: str) -> tuple[int, float, str]:
    """What "earlier" means: rows of earlier runs first (already written), then time, then id."""
    return (0 if is_prior else 1, published, article_id)


class Member(NamedTuple):
    """What a bucket needs to know about an article: small, picklable, no body."""

    article_id: str
    is_prior: bool
    published: float  # epoch seconds, +inf when unknown
    minhash: bytes | None

    @property
    def order(self) -> tuple[int, float, str]:
        return order_key(self.is_prior, self.published, self.article_id)


class Match(NamedTuple):
    """An earlier article that a later one matched (``is_prior_match``: a row of an earlier run)."""

    similarity: float
    order: tuple[int, float, str]
    article_id: str


def better_match(a: Match | None, b: Match | None) -> Match | None:
    """Higher similarity wins; on a tie the earlier article (the original) wins."""
    if a is None:
        return b
    if b is None:
        return a
    if a.similarity != b.similarity:
        return a if a.similarity > b.similarity else b
    return a if a.order <= b.order else b


def best_of(matches: Iterable[Match]) -> Match | None:
    best = None
    for match in matches:
        best = better_match(best, match)
    return best


def _match_of(member: Member, similarity: float) -> Match:
    return Match(similarity, member.order, member.article_id)


def is_prior_match(match: Match) -> bool:
    """True when the matched article is a row of an earlier run (see ``order_key``)."""
    return match.order[0] == 0


def near_duplicate_candidates(
    members: Iterable[Member], config: NearDuplicateConfig | None = None
) -> Iterator[tuple[str, Match]]:
    """(article_id, earlier member) pairs of one LSH bucket worth a decision, with the estimated similarity.

    Each of this run's members is compared with at most ``bucket_cap`` members just before it in
    the order. A row of an earlier run is kept when the estimate reaches ``threshold`` (only its
    signature is stored: the estimate decides); an article of this run when the estimate reaches
    ``candidate_threshold``, for ``verify_near_match`` to decide on the exact Jaccard. A pair
    sharing several bands comes out of each of their buckets with the same estimate.
    """
    config = config or load_config().near
    ordered = sorted((m for m in members if m.minhash), key=lambda m: m.order)
    arrays = [signature_array(m.minhash) for m in ordered]  # type: ignore[arg-type]
    for i, member in enumerate(ordered):
        if member.is_prior:
            continue
        for j in range(i - 1, max(-1, i - 1 - config.bucket_cap), -1):
            other = ordered[j]
            if other.article_id == member.article_id:
                continue
            similarity = signature_similarity(arrays[i], arrays[j])
            if similarity >= (config.threshold if other.is_prior else config.candidate_threshold):
                yield member.article_id, _match_of(other, similarity)


def verify_near_match(
    candidate: Match,
    shingles: np.ndarray | None,
    parent_shingles: np.ndarray | None,
    config: NearDuplicateConfig | None = None,
) -> Match | None:
    """The candidate with its exact similarity when it is a near-copy, else None.

    With both shingle sets at hand (two articles of this run) the exact Jaccard of the shingle
    sets decides and becomes the similarity: no estimator error around the threshold. Without
    them (a row of an earlier run keeps only its signature) the estimate decides.
    """
    config = config or load_config().near
    if shingles is None or parent_shingles is None:
        return candidate if candidate.similarity >= config.threshold else None
    similarity = exact_jaccard(shingles, parent_shingles)
    return candidate._replace(similarity=similarity) if similarity >= config.threshold else None


def best_verified_match(
    candidates: Iterable[Match],
    shingles: np.ndarray | None,
    shingles_of: Callable[[Match], np.ndarray | None],
    config: NearDuplicateConfig | None = None,
) -> Match | None:
    """Best near-copy among one article's candidates, each distinct earlier article verified once."""
    config = config or load_config().near
    best = None
    # An article of this run may also be read back as an earlier run's row (a retry): two parents.
    seen: set[tuple[str, bool]] = set()
    for candidate in candidates:
        key = (candidate.article_id, is_prior_match(candidate))
        if key in seen:
            continue
        seen.add(key)
        parent = None if is_prior_match(candidate) else shingles_of(candidate)
        best = better_match(best, verify_near_match(candidate, shingles, parent, config))
    return best


def near_duplicate_matches(
    members: Iterable[Member],
    config: NearDuplicateConfig | None = None,
    shingles_of: Callable[[str], np.ndarray | None] | None = None,
) -> Iterator[tuple[str, Match]]:
    """Best earlier near-copy of each of this run's members of one LSH bucket.

    ``shingles_of(article_id)`` gives the shingle set of an article of this run for the exact
    check; without it the estimate decides every pair.
    """
    config = config or load_config().near
    lookup = shingles_of or (lambda _article_id: None)
    by_article: dict[str, list[Match]] = defaultdict(list)
    for article_id, candidate in near_duplicate_candidates(members, config):
        by_article[article_id].append(candidate)
    for article_id, candidates in by_article.items():
        best = best_verified_match(candidates, lookup(article_id), lambda m: lookup(m.article_id), config)
        if best is not None:
            yield article_id, best


def exact_duplicate_matches(members: Iterable[Member]) -> Iterator[tuple[str, Match]]:
    """For one content hash: every later member of this run points at the first copy."""
    ordered = sorted(members, key=lambda m: m.order)
    if len(ordered) < 2:
        return
    first = ordered[0]
    for member in ordered[1:]:
        # The same article read back from an earlier run (a retry) is not a copy of itself.
        if not member.is_prior and member.article_id != first.article_id:
            yield member.article_id, _match_of(first, 1.0)


class Parent(NamedTuple):
    article_id: str
    kind: str  # exact | near


def choose_parent(exact: Match | None, near: Match | None) -> Parent | None:
    """The earlier article this one copies: exact copy, else near copy (None when neither).

    Copies are never split: event grouping (transforms/text/stories.py) keeps a child with its parent.
    """
    for kind, match in (("exact", exact), ("near", near)):
        if match is not None:
            return Parent(match.article_id, kind)
    return None


# --------------------------------------------------------------------------- records


def _body_match(article: Mapping[str, Any]) -> str | None:
    body_match = article.get("body_match")
    if body_match is None and article.get("body"):
        body_match = normalize_match(article["body"])
    return body_match


def prepare(
    article: Mapping[str, Any], is_prior: bool = False, config: DedupConfig | None = None
) -> tuple[dict[str, Any], Member]:
    """Fingerprint an article once: (copy with ``content_hash``/``minhash`` filled, its bucket view).

    A row of an earlier run (``is_prior``) keeps its stored hash, signature and story id; a stored
    signature of another length than ``num_perm`` (written before a config change) is left out of
    near-duplicate matching.
    """
    out, member, _ = prepare_with_shingles(article, is_prior, config, keep_shingles=False)
    return out, member


def prepare_with_shingles(
    article: Mapping[str, Any],
    is_prior: bool = False,
    config: DedupConfig | None = None,
    keep_shingles: bool = True,
) -> tuple[dict[str, Any], Member, np.ndarray | None]:
    """``prepare`` plus the article's shingle set (``shingle_set``) when it takes part in
    near-duplicate matching as an article of this run (None otherwise, or without ``keep_shingles``)."""
    config = config or load_config()
    out = dict(article)
    body_match = _body_match(article)
    tokens = _match_key_tokens(body_match) if body_match else []
    kept_shingles = None
    if is_prior:
        signature = article.get("minhash")
        if not signature_fits(signature, config.near):
            signature = None
    else:
        out["content_hash"] = content_hash(body_match or "")
        keys = _shingle_hashes(tokens, config.near.shingle_size)
        eligible = len(tokens) >= config.near.min_tokens
        if keep_shingles and eligible:
            keys = kept_shingles = _unique_keys(keys)  # the minimum does not care about repeats
        signature = _signature(np.asarray(keys, dtype=np.uint64), config.near.seed, config.near.num_perm)
        out["minhash"] = signature
        if not eligible:
            signature = None  # too short to call a near-copy; still exact-matched by hash
    member = Member(
        article_id=article["article_id"],
        is_prior=is_prior,
        published=timestamp(article.get("published_at")),
        minhash=signature,
    )
    return out, member, kept_shingles


def fingerprint(article: Mapping[str, Any], config: DedupConfig | None = None) -> dict[str, Any]:
    """A copy of an article with ``content_hash`` and ``minhash`` filled."""
    return prepare(article, False, config)[0]


def member_of(article: Mapping[str, Any], is_prior: bool, config: DedupConfig | None = None) -> Member:
    """The bucket view of an article of this run or of a row read back from an earlier run."""
    return prepare(article, is_prior, config)[1]


def apply_matches(
    article: Mapping[str, Any], exact: Match | None, near: Match | None, story_id: str
) -> dict[str, Any]:
    """The article with its dedup columns set (``content_hash`` and ``minhash`` already filled)."""
    out = dict(article)
    out["duplicate_of"] = exact.article_id if exact else None
    if near is not None and exact is None:
        out["near_duplicate_of"] = near.article_id
        out["similarity"] = round(near.similarity, 4)
    else:
        out["near_duplicate_of"] = None
        out["similarity"] = None
    out["story_id"] = story_id
    return out


def story_row(
    story_id: str,
    members: Iterable[Mapping[str, Any]],
    top_entities: int = 5,
    merged_from: Iterable[str] = (),
    prior_first_seen: datetime | None = None,
) -> dict[str, Any]:
    """One ``stories`` row (without run_id/date) from this run's member articles.

    ``merged_from``: earlier stories this one absorbed in this run; ``prior_first_seen``: the
    earliest published_at among the story's rows of earlier runs (look-back window), if any.
    """
    from akhbar.transforms.text import stories as stories_module

    ordered = sorted(members, key=lambda a: (timestamp(a.get("published_at")), a.get("article_id") or ""))
    times = [a["published_at"] for a in ordered if a.get("published_at") is not None]
    canonical, display = stories_module.top_entities((a.get("entities") for a in ordered), top_entities)
    first_seen = min(times) if times else None
    story_first_seen = min(t for t in (first_seen, prior_first_seen) if t is not None) if (times or prior_first_seen) else None
    return {
        "story_id": story_id,
        "first_seen": first_seen,
        "last_seen": max(times) if times else None,
        "article_count": len(ordered),
        "outlets": sorted({a.get("source") for a in ordered if a.get("source")}),
        # Counted by canonical (the join key), shown in display form.
        "top_entities": display,
        "representative_title": stories_module.representative_title([a.get("title") or "" for a in ordered]),
        "article_ids": [a["article_id"] for a in ordered],
        "merged_from": sorted(set(merged_from)),
        "story_first_seen": story_first_seen,
    }


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    # The in-memory path builds ~50 small containers per article; Python's cyclic collector
    # rescans all of them on every full collection, which made the cost grow faster than the
    # input. Nothing here creates reference cycles, so pause it and restore the caller's state.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class DedupResult:
    articles: list[dict[str, Any]]
    stories: list[dict[str, Any]]
    counts: dict[str, int]


def deduplicate(
    articles: Iterable[Mapping[str, Any]],
    prior: Iterable[Mapping[str, Any]] = (),
    config: DedupConfig | None = None,
    event_config: stories_module.EventConfig | None = None,
) -> DedupResult:
    """The whole method on in-memory lists: the reference for ``DeduplicateArticles`` and the benchmark.

    ``prior`` rows (read back from earlier runs' output) need article_id, content_hash, minhash,
    story_id, published_at, source, title; entities/dates_mentioned improve story grouping.
    """
    from akhbar.transforms.text import stories as stories_module  # it builds on this module

    config = config or load_config()
    event_config = event_config or stories_module.load_config()
    with _gc_paused():
        return _deduplicate(articles, prior, config, event_config)


def _deduplicate(
    articles: Iterable[Mapping[str, Any]],
    prior: Iterable[Mapping[str, Any]],
    config: DedupConfig,
    event_config: stories_module.EventConfig,
) -> DedupResult:
    from akhbar.transforms.text import stories as stories_module
    prepared = [prepare(a, False, config) for a in articles]
    current = [article for article, _ in prepared]
    prior_rows = list(prior)
    members = [member for _, member in prepared] + [member_of(a, True, config) for a in prior_rows]
    hashes = [a.get("content_hash") for a in current] + [a.get("content_hash") for a in prior_rows]

    by_hash: dict[str, list[Member]] = defaultdict(list)
    for member, digest in zip(members, hashes, strict=True):
        if digest and digest != EMPTY_CONTENT_HASH:
            by_hash[digest].append(member)
    # The reference holds every member in one shard group (shard 0 of 1).
    near_entries = [(m, sig) for m in members if (sig := near_band_signature(m, config.near))]
    near_buckets = list(shard_buckets(near_entries, near_banding(config.near)._replace(shards=1), 0))

    exact = dict(pair for group in by_hash.values() for pair in exact_duplicate_matches(group))
    # Candidates from every bucket first, then one exact check per distinct pair (a close pair
    # shares most bands); shingle sets are built only for articles that are in a candidate pair.
    candidates: dict[str, list[Match]] = defaultdict(list)
    for bucket in near_buckets:
        for article_id, match in near_duplicate_candidates(bucket, config.near):
            candidates[article_id].append(match)
    body_of = {article["article_id"]: article for article in current}

    @functools.lru_cache(maxsize=4096)
    def shingles_of(article_id: str) -> np.ndarray | None:
        article = body_of.get(article_id)
        return None if article is None else shingle_set(_body_match(article), config.near)

    near: dict[str, Match] = {}
    for article_id, matches in candidates.items():
        best = best_verified_match(
            matches, shingles_of(article_id), lambda m: shingles_of(m.article_id), config.near
        )
        if best is not None:
            near[article_id] = best
    parents = {}
    for article in current:
        parent = choose_parent(exact.get(article["article_id"]), near.get(article["article_id"]))
        if parent is not None:
            parents[article["article_id"]] = parent
    # Copies are units; event grouping (transforms/text/stories.py) decides which units are one story.
    features = stories_module.features_for(current, prior_rows, event_config)
    assignment, grouping_counts = stories_module.group_stories(
        features, {child: p.article_id for child, p in parents.items()}, event_config
    )
    story_ids = assignment.story_ids
    prior_first_seen: dict[str, datetime] = {}
    for row in prior_rows:
        if row.get("story_id") and row.get("published_at") is not None:
            seen = prior_first_seen.get(row["story_id"])
            prior_first_seen[row["story_id"]] = min(seen, row["published_at"]) if seen else row["published_at"]

    out = []
    for article in current:
        article_id = article["article_id"]
        out.append(
            apply_matches(
                article,
                exact.get(article_id),
                near.get(article_id),
                story_ids.get(article_id) or story_id_for(article_id),
            )
        )
    grouped: dict[str, list[dict]] = defaultdict(list)
    for article in out:
        grouped[article["story_id"]].append(article)
    stories = [
        story_row(
            sid,
            group,
            event_config.top_entities,
            merged_from=assignment.merged_from.get(sid, ()),
            prior_first_seen=prior_first_seen.get(sid),
        )
        for sid, group in grouped.items()
    ]
    counts = {
        "articles": len(out),
        "exact_duplicates": sum(1 for a in out if a["duplicate_of"]),
        "near_duplicates": sum(1 for a in out if a["near_duplicate_of"]),
        "stories": len(stories),
        "story_merges": len(assignment.merged_from),
        **{f"story_{k}": v for k, v in grouping_counts.items()},
    }
    return DedupResult(out, stories, counts)
