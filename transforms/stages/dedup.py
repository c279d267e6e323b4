"""Beam composite for exact duplicates, near-duplicates and stories: wraps transforms/text/dedup.py.

    python -c "import apache_beam as beam; from akhbar.transforms.stages.dedup import DeduplicateArticles; print(DeduplicateArticles())"

``DeduplicateArticles(prior=rows)`` takes a PCollection of article dicts (``schemas.ARTICLES``
columns; ``body_match`` filled) and returns ``{"articles": ..., "stories": ...}``: the articles
with ``content_hash``, ``duplicate_of``, ``near_duplicate_of``, ``similarity``, ``story_id`` and
``minhash`` filled, and ``stories`` rows (``schemas.STORIES`` columns less run_id/date, which the
writer adds). ``prior`` is an optional PCollection of rows read back from earlier runs' output
(article_id, content_hash, minhash, story_id, published_at, source, title; entities and
dates_mentioned if read too): they join the same buckets as this run's articles, so matching
works across runs with no state kept between runs. Prior rows are never re-emitted or changed.

Shape (every step labelled; cost linear in the number of articles):
  Fingerprint ─► GroupByContentHash ─► ExactMatches                     (first copy wins)
             └─► near band shards ─► GroupByNearBand ─► NearCandidates ─┬─(earlier-run rows: estimate decides)──┐
                   JoinParentShingles ◄─(pairs within this run)──┘                                       │
                   ─► AttachParentShingles ─► JoinOwnShingles ─► VerifyNearMatches (exact Jaccard) ─► MergeNearMatches ─► BestNearMatch
  JoinMatches (CoGroupByKey of the matches by article_id, no articles) ─► ChooseParent ─► decisions
  Edges ─► ParentIds ─► GroupStories (transforms/stages/stories.py: event grouping with copies
           kept together as units) ─► story ids, merged_from
  AttachMatches (CoGroupByKey: article, decisions, story id) ─► ApplyMatches ─► articles
  (the only step after Fingerprint that carries whole articles)
  KeyByStory ─► GroupByStory ─► StoryRows ─► stories
Near-copies within one run are decided on the exact Jaccard of the two shingle sets
(transforms/text/dedup.py, ``verify_near_match``). LSH band keys are spread over a few shard
groups (``shards`` in configs/dedup.yaml): an article travels once to each group holding one of
its bands (not once per band), carrying only its signature; the group recomputes the keys and
builds its buckets band by band (``dedup.shard_buckets``). Each article's shingle set (4 bytes a
shingle) travels once to the two joins, then once per distinct candidate pair, so memory stays a
small constant per article.
Counters in namespace "akhbar": dedup_articles, dedup_exact_duplicates, dedup_near_duplicates,
dedup_near_candidates_rejected (articles whose every in-run candidate failed the exact check),
dedup_stories, and the stories_* counters of GroupStories. See transforms/text/dedup.py for the
method and its thresholds.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.coders import PickleCoder
from apache_beam.transforms import userstate
from apache_beam.typehints import KV
from apache_beam.utils.timestamp import Duration

from akhbar.schemas.rows import RECENT_ARTICLE_COLUMNS, story_partition_date
from akhbar.transforms.memory.rowpack import pack, unpack
from akhbar.transforms.stages import metrics
from akhbar.transforms.stages.metrics import counter
from akhbar.transforms.stages.state import read_columns
from akhbar.transforms.stages.stories import GroupStories
from akhbar.transforms.text import dedup
from akhbar.transforms.text import stories as event_stories


def _config(name: str) -> dedup.DedupConfig:
    return dedup.load_config(name)


class _PrepareFn(beam.DoFn):
    """(article_id, article-with-fingerprint) for this run, or only the bucket view for prior rows."""

    def __init__(self, config_name: str, is_prior: bool):
        self._config_name = config_name
        self._is_prior = is_prior
        self._articles = counter(metrics.DEDUP_ARTICLES)

    def setup(self) -> None:
        self._cfg = _config(self._config_name)

    def process(self, article: dict[str, Any]):
        fingerprinted, member, shingles = dedup.prepare_with_shingles(article, self._is_prior, self._cfg)
        digest = fingerprinted.get("content_hash")
        if not self._is_prior:
            self._articles.inc()
            # Whole articles wait in AttachMatches packed (transforms/memory/rowpack.py): a few KB each.
            yield beam.pvalue.TaggedOutput("articles", (member.article_id, pack(fingerprinted)))
        if shingles is not None:
            # For the exact check of candidate pairs: 4 bytes a shingle, once per article
            # (not once per band: the members in the band buckets carry only the signature).
            yield beam.pvalue.TaggedOutput("shingles", (member.article_id, shingles.tobytes()))
        if digest and digest != dedup.EMPTY_CONTENT_HASH:
            yield beam.pvalue.TaggedOutput("by_hash", (digest, member._replace(minhash=None)))
        # Band keys fall into a few shard groups (configs/dedup.yaml: shards): a member travels
        # once per group holding one of its bands, not once per band (42), and
        # the keys are recomputed from its signature there. Every element crossing a
        # GroupByKey is held by the runner until the group is read, so this is what keeps
        # the run's memory a small constant per article.
        near_signature = dedup.near_band_signature(member, self._cfg.near)
        if near_signature:
            near = pack(member)
            for shard in dedup.band_shards(near_signature, dedup.near_banding(self._cfg.near)):
                yield beam.pvalue.TaggedOutput("near", (shard, near))


def _exact_matches(item: tuple[str, Iterable[dedup.Member]]):
    _, members = item
    yield from dedup.exact_duplicate_matches(members)


def _near_candidates(item: tuple[int, Iterable[bytes]], config_name: str):
    shard, packed = item
    config = _config(config_name).near
    members = (unpack(blob) for blob in packed)
    entries = [(m, m.minhash) for m in members]
    seen: set[tuple[str, str]] = set()
    for bucket in dedup.shard_buckets(entries, dedup.near_banding(config), shard):
        for article_id, candidate in dedup.near_duplicate_candidates(bucket, config):
            # A close pair shares many bands: the same estimate from each, one decision needed.
            if (article_id, candidate.article_id) in seen:
                continue
            seen.add((article_id, candidate.article_id))
            if dedup.is_prior_match(candidate):
                # Only the signature of an earlier run's row is stored: the estimate has decided.
                yield article_id, candidate
            else:
                yield beam.pvalue.TaggedOutput("to_verify", (candidate.article_id, (article_id, candidate)))


def _attach_parent_shingles(item: tuple[str, dict[str, list]]):
    # One earlier article with every candidate that named it (a close pair shares many bands:
    # keep one per later article), its shingle set sent on once per distinct pair.
    _, joined = item
    parent_shingles = _only(joined["shingles"])
    distinct = {article_id: candidate for article_id, candidate in joined["candidates"]}
    for article_id, candidate in distinct.items():
        yield article_id, (candidate, parent_shingles)


class _VerifyNearFn(beam.DoFn):
    """Best exactly-verified near-copy of one article among its in-run candidates."""

    def __init__(self, config_name: str):
        self._config_name = config_name
        self._rejected = counter(metrics.DEDUP_NEAR_CANDIDATES_REJECTED)

    def setup(self) -> None:
        self._cfg = _config(self._config_name).near

    def process(self, item: tuple[str, dict[str, list]]):
        article_id, joined = item
        candidates = list(joined["candidates"])
        if not candidates:
            return
        own = _only(joined["shingles"])
        parents = {c.article_id: s for c, s in candidates}

        def parent_shingles(match: dedup.Match):
            packed = parents.get(match.article_id)
            return None if packed is None else dedup.shingle_array(packed)

        best = dedup.best_verified_match(
            (c for c, _ in candidates),
            None if own is None else dedup.shingle_array(own),
            parent_shingles,
            self._cfg,
        )
        if best is None:
            self._rejected.inc()
        else:
            yield article_id, best


def _best(matches: Iterable[dedup.Match | None]) -> dedup.Match | None:
    # Associative and commutative, so Beam may combine partial results in any order.
    best = None
    for match in matches:
        best = dedup.better_match(best, match)
    return best


def _only(values: Iterable[Any]) -> Any:
    values = list(values)
    return values[0] if values else None


class _ChooseParentFn(beam.DoFn):
    """Per article with any match: its decision (exact, near) and its edge to the parent it joins."""

    def __init__(self):
        self._exact = counter(metrics.DEDUP_EXACT_DUPLICATES)
        self._near = counter(metrics.DEDUP_NEAR_DUPLICATES)

    def process(self, item: tuple[str, dict[str, list]]):
        article_id, joined = item
        exact = _only(joined["exact"])
        near = _only(joined["near"])
        parent = dedup.choose_parent(exact, near)
        if parent is not None:
            {"exact": self._exact, "near": self._near}[parent.kind].inc()
            yield beam.pvalue.TaggedOutput("edges", (article_id, parent))
        yield article_id, (exact, near)


def _apply_decisions(item: tuple[str, dict[str, list]]):
    # The one join that carries whole articles: decisions and story ids are small.
    article_id, joined = item
    exact, near = _only(joined["matches"]) or (None, None)
    story_id = _only(joined["story_id"]) or dedup.story_id_for(article_id)
    for packed in joined["article"]:
        yield dedup.apply_matches(unpack(packed), exact, near, story_id)


def _story_member(article: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    # Only what a stories row needs travels through the shuffle, not the body.
    keep = ("article_id", "published_at", "source", "title", "entities", "date")
    return article["story_id"], {k: article.get(k) for k in keep}


def _prior_story_time(row: dict[str, Any]):
    if row.get("story_id") and row.get("published_at") is not None:
        yield row["story_id"], row["published_at"]


class _StoryRowFn(beam.DoFn):
    """One row per story with members in this run (a story only read back gets none)."""

    def __init__(self, stories_config: str):
        self._stories_config = stories_config
        self._stories = counter(metrics.DEDUP_STORIES)

    def process(self, item: tuple[str, dict[str, list]]):
        story_id, joined = item
        if not joined["members"]:
            return
        self._stories.inc()
        members = joined["members"]
        row = dedup.story_row(
            story_id,
            members,
            event_stories.load_config(self._stories_config).top_entities,
            merged_from=_only(joined["merged_from"]) or (),
            prior_first_seen=_only(joined.get("prior_first_seen", ())),
        )
        # Dated like its earliest article, whose date already falls back to the fetch date.
        row["date"] = story_partition_date(m.get("date") for m in members)
        yield row


class DeduplicateArticles(beam.PTransform):
    """Fill the dedup columns of every article and emit one stories row per story (see module doc)."""

    def __init__(
        self,
        prior: beam.PCollection | None = None,
        config_name: str = "dedup.yaml",
        label: str | None = None,
        stories_config: str = "stories.yaml",
    ):
        super().__init__(label)
        self._prior = prior
        self._config_name = config_name
        self._stories_config = stories_config

    def expand(self, articles: beam.PCollection) -> dict[str, beam.PCollection]:
        _config(self._config_name)  # fail at construction time on a bad config, not on a worker
        event_stories.load_config(self._stories_config)
        current = articles | "Fingerprint" >> beam.ParDo(_PrepareFn(self._config_name, False)).with_outputs(
            "articles", "shingles", "by_hash", "near"
        )
        streams = {"by_hash": [current.by_hash], "near": [current.near]}
        if self._prior is not None:
            prior = self._prior | "FingerprintPrior" >> beam.ParDo(
                _PrepareFn(self._config_name, True)
            ).with_outputs("articles", "shingles", "by_hash", "near")
            for tag in streams:
                streams[tag].append(prior[tag])

        def merged(tag: str) -> beam.PCollection:
            pcolls = streams[tag]
            return (
                pcolls[0]
                if len(pcolls) == 1
                else tuple(pcolls) | f"Merge{tag.title().replace('_', '')}" >> beam.Flatten()
            )

        exact = (
            merged("by_hash")
            | "GroupByContentHash" >> beam.GroupByKey()
            | "ExactMatches" >> beam.FlatMap(_exact_matches)
        )
        near_candidates = (
            merged("near")
            | "GroupByNearBand" >> beam.GroupByKey()
            | "NearCandidates"
            >> beam.FlatMap(_near_candidates, self._config_name).with_outputs("to_verify", main="decided")
        )
        with_parent_shingles = (
            {"candidates": near_candidates.to_verify, "shingles": current.shingles}
            | "JoinParentShingles" >> beam.CoGroupByKey()
            | "AttachParentShingles" >> beam.FlatMap(_attach_parent_shingles)
        )
        verified = (
            {"candidates": with_parent_shingles, "shingles": current.shingles}
            | "JoinOwnShingles" >> beam.CoGroupByKey()
            | "VerifyNearMatches" >> beam.ParDo(_VerifyNearFn(self._config_name))
        )
        near = (
            (near_candidates.decided, verified)
            | "MergeNearMatches" >> beam.Flatten()
            | "BestNearMatch" >> beam.CombinePerKey(_best)
        )
        # Matches are joined without the articles; the articles cross one join only, at the end.
        chosen = (
            {"exact": exact, "near": near}
            | "JoinMatches" >> beam.CoGroupByKey()
            | "ChooseParent" >> beam.ParDo(_ChooseParentFn()).with_outputs("edges", main="decisions")
        )
        # Copies are units; which units report one event is decided by event grouping.
        grouping = {
            "articles": articles,
            "near_parents": chosen.edges | "ParentIds" >> beam.MapTuple(lambda child, p: (child, p.article_id)),
        }
        if self._prior is not None:
            grouping["prior"] = self._prior
        grouped = grouping | "GroupStories" >> GroupStories(self._stories_config)
        story_ids = grouped["story_ids"]
        deduplicated = (
            {"article": current.articles, "matches": chosen.decisions, "story_id": story_ids}
            | "AttachMatches" >> beam.CoGroupByKey()
            | "ApplyMatches" >> beam.FlatMap(_apply_decisions)
        )
        story_parts = {
            "members": deduplicated | "KeyByStory" >> beam.Map(_story_member),
            "merged_from": grouped["merged_from"],
        }
        if self._prior is not None:
            story_parts["prior_first_seen"] = (
                self._prior
                | "PriorStoryTimes" >> beam.FlatMap(_prior_story_time)
                | "PriorFirstSeen" >> beam.CombinePerKey(min)
            )
        stories = (
            story_parts
            | "GroupByStory" >> beam.CoGroupByKey()
            | "StoryRows" >> beam.ParDo(_StoryRowFn(self._stories_config))
        )
        return {"articles": deduplicated, "stories": stories}


# ------------------------------------------------------------------ the streaming variant
#
# An unbounded pipeline cannot collect a global list of story edges: DeduplicateWindows keeps
# the slim rows of what it emitted in Beam state (one key, global window) and passes them,
# with the output's recent rows as seed, to the same ``dedup.deduplicate`` as ``prior``.

MEMORY = userstate.BagStateSpec("memory", PickleCoder())
MEMORY_EXPIRY = userstate.TimerSpec("forget_all", userstate.TimeDomain.WATERMARK)
_MEMORY_PARAM = beam.DoFn.StateParam(MEMORY)
_MEMORY_EXPIRY_PARAM = beam.DoFn.TimerParam(MEMORY_EXPIRY)
ONE_KEY = "all"


def _slim(article: dict) -> dict:
    """What the dedup memory keeps of an article: ids, hashes, signature, title, and only the
    distinct entity names and day-precision dates that story matching reads (a long article has
    hundreds of mentions; the memory holds weeks of articles and is read once a window)."""
    row = {c: article.get(c) for c in RECENT_ARTICLE_COLUMNS}
    displays: dict[str, str | None] = {}  # canonical -> its display form (one per article)
    for entity in article.get("entities") or ():
        displays.setdefault(str(entity.get("canonical") or entity.get("text") or ""), entity.get("display"))
    row["entities"] = [{"canonical": c, "display": displays[c]} for c in sorted(displays) if c]
    days = {str(d.get("value"))[:10] for d in article.get("dates_mentioned") or () if len(str(d.get("value") or "")) >= 10}
    row["dates_mentioned"] = [{"value": day} for day in sorted(days)]
    return row


class DeduplicateWindowFn(beam.DoFn):
    """(key, [articles of one window]) → articles with dedup columns, plus tagged ``stories`` rows.

    Remembers the slim rows of every article it emitted (bag state, pruned to ``ttl_seconds``
    by publication or window time) and of the output's recent files (seed), and passes them
    to ``dedup.deduplicate`` as ``prior``: a copy of an article written in an earlier window
    gets ``duplicate_of`` / ``near_duplicate_of`` / its story id, exactly as a later batch run would.
    """

    def __init__(self, config_name: str, ttl_seconds: float, seed_files: list[str] | None = None):
        self._config_name = config_name
        self._ttl = ttl_seconds
        self._seed_files = list(seed_files or [])
        self._seed: list[dict] = []

    def setup(self) -> None:
        self._config = dedup.load_config(self._config_name)
        self._seed = [_slim(row) for row in read_columns(self._seed_files, RECENT_ARTICLE_COLUMNS)]

    def process(
        self,
        keyed: tuple[str, Iterable[dict]],
        memory=_MEMORY_PARAM,
        expiry=_MEMORY_EXPIRY_PARAM,
        timestamp=beam.DoFn.TimestampParam,
    ) -> Iterator:
        _, articles = keyed
        articles = list(articles)
        if not articles:
            return
        cutoff = timestamp.micros / 1e6 - self._ttl
        remembered = list(memory.read())
        kept = [row for row in remembered if row["_seen"] >= cutoff]
        if len(kept) != len(remembered):
            memory.clear()
            for row in kept:
                memory.add(row)
        prior = self._seed + [{k: v for k, v in row.items() if k != "_seen"} for row in kept]
        result = dedup.deduplicate(articles, prior=prior, config=self._config)
        for name, value in result.counts.items():
            counter(metrics.dedup_count(name)).inc(value)
        seen = timestamp.micros / 1e6
        for article in result.articles:
            memory.add({**_slim(article), "_seen": seen})
            yield article
        # A story is dated like its earliest article, whose date already falls back to the fetch date.
        member_dates: dict[str, list[str | None]] = {}
        for article in result.articles:
            member_dates.setdefault(article.get("story_id"), []).append(article.get("date"))
        for story in result.stories:
            date = story_partition_date(member_dates.get(story["story_id"], ()))
            yield pvalue.TaggedOutput("stories", {**story, "date": date})
        expiry.set(timestamp + Duration(seconds=self._ttl))

    @userstate.on_timer(MEMORY_EXPIRY)
    def forget_all(self, memory=_MEMORY_PARAM) -> None:
        # No window for ttl_seconds: everything remembered is past its time.
        memory.clear()


class DeduplicateWindows(beam.PTransform):
    """Fixed-windowed articles → {"articles", "stories"}, deduplicated within and across windows.

    The output is in the global window with the window's end as timestamp; the caller re-windows.
    """

    def __init__(self, ttl_seconds: float, seed_files: list[str] | None = None, config_name: str = "dedup.yaml"):
        super().__init__()
        dedup.load_config(config_name)  # fail when the pipeline is built, not on a worker
        self._ttl = ttl_seconds
        self._seed_files = seed_files
        self._config_name = config_name

    def expand(self, articles):
        deduplicated = (
            articles
            | "KeyByWindow" >> beam.Map(lambda article: (ONE_KEY, article)).with_output_types(KV[str, Any])
            | "CollectWindow" >> beam.GroupByKey()
            | "GlobalWindow" >> beam.WindowInto(beam.window.GlobalWindows())
            | "DeduplicateWindow" >> beam.ParDo(
                DeduplicateWindowFn(self._config_name, self._ttl, self._seed_files)
            ).with_outputs("stories", main="articles")
        )
        return {"articles": deduplicated.articles, "stories": deduplicated.stories}
