"""Beam composite for event-level story grouping: wraps transforms/text/stories.py.

    python -c "from akhbar.transforms.stages.stories import GroupStories; print(GroupStories())"

``{"articles": ..., "near_parents": ..., "prior": ...} | GroupStories()`` takes this run's
article dicts, the (child article_id, parent article_id) links of exact and near copies, and
optionally the rows read back from earlier runs (article_id, story_id, published_at, source,
title, entities, dates_mentioned), and returns ``{"story_ids": (article_id, story_id) for every
article of this run, "merged_from": (story_id, [earlier story ids]) for stories that absorbed
others}``.

Shape (every step labelled; cost linear in articles):
  RawFeatures (this run) ┐
  RawFeaturesPrior ──────┴─► Flatten ─► CountDocuments (CombineGlobally: one 4 MB table of
                                         document frequencies) ─┐ side input
                             Flatten ─► Finalize (TF-IDF weights, blocking keys) ◄─┘
                                         ├─► members (id, time, prior story): small
                                         └─► (shard, features) ─► GroupByShard ─► ScoreBlocks
  ScoreBlocks rebuilds the blocks (blocking key + time bucket) of its shard, scores each member
  against at most ``neighbours`` earlier members of each block (counters
  stories_pairs_scored, stories_oversized_blocks, the latter also logged), and emits edges.
  members + near_parents + edges ─► CollectGraph (one list: a single-worker step, as dedup's
  CollectEdges; 30k articles are ~150k small tuples) ─► AssignStories (average link).
A block key travels inside its article: an article goes once to each of ``shards`` groups
holding one of its keys (configs/stories.yaml), not once per key, so the runner holds a small
constant per article (as dedup's band shards do). Everything is picklable: NamedTuples, numpy
arrays and the config name.
"""

from __future__ import annotations

import logging
import zlib
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import apache_beam as beam

from akhbar.transforms.stages import metrics
from akhbar.transforms.stages.metrics import counter
from akhbar.transforms.text import stories

log = logging.getLogger(__name__)

_MEMBER, _NEAR, _EDGE = "m", "n", "e"


def _config(name: str) -> stories.EventConfig:
    return stories.load_config(name)


def shard_of_key(key: str, shards: int) -> int:
    """Stable shard of a blocking key (crc32, the same on every worker)."""
    return zlib.crc32(key.encode("utf-8")) % shards


class _RawFeaturesFn(beam.DoFn):
    def __init__(self, config_name: str, is_prior: bool):
        self._config_name = config_name
        self._is_prior = is_prior

    def setup(self) -> None:
        self._cfg = _config(self._config_name)

    def process(self, article: dict[str, Any]):
        yield stories.raw_features(article, self._is_prior, self._cfg)


class _DocumentFrequencyFn(beam.CombineFn):
    """One table of document frequencies over every article (this run's and the prior rows)."""

    def __init__(self, config_name: str):
        self._config_name = config_name

    def create_accumulator(self) -> stories.DocumentFrequencies:
        return stories.DocumentFrequencies.empty(_config(self._config_name))

    def add_input(self, accumulator: stories.DocumentFrequencies, raw: stories.RawFeatures):
        return accumulator.add(raw)

    def merge_accumulators(self, accumulators: Iterable[stories.DocumentFrequencies]):
        accumulators = iter(accumulators)
        merged = next(accumulators)
        for other in accumulators:
            merged = merged.merge(other)
        return merged

    def extract_output(self, accumulator: stories.DocumentFrequencies) -> stories.DocumentFrequencies:
        return accumulator


class _FinalizeFn(beam.DoFn):
    """Features with TF-IDF weights and blocking keys, sent once to each shard group of its keys."""

    def __init__(self, config_name: str):
        self._config_name = config_name

    def setup(self) -> None:
        self._cfg = _config(self._config_name)

    def process(self, raw: stories.RawFeatures, df: stories.DocumentFrequencies):
        features = stories.finalize(raw, df, self._cfg)
        yield beam.pvalue.TaggedOutput(
            "members",
            (
                _MEMBER,
                stories.Member(features.article_id, features.published, features.is_prior, features.story_id),
            ),
        )
        shards = {shard_of_key(key, self._cfg.shards) for key in stories.blocking_keys(features, self._cfg)}
        for shard in sorted(shards):
            yield shard, features


class _ScoreBlocksFn(beam.DoFn):
    """Edges between members of the blocks of one shard group; work bounded per block."""

    def __init__(self, config_name: str):
        self._config_name = config_name
        self._pairs = counter(metrics.STORIES_PAIRS_SCORED)
        self._edges = counter(metrics.STORIES_EDGES)
        self._oversized = counter(metrics.STORIES_OVERSIZED_BLOCKS)

    def setup(self) -> None:
        self._cfg = _config(self._config_name)

    def process(self, item: tuple[int, Iterable[stories.Features]]):
        shard, members = item
        blocks: dict[str, list[stories.Features]] = defaultdict(list)
        for features in members:
            for key in stories.blocking_keys(features, self._cfg):
                if shard_of_key(key, self._cfg.shards) == shard:
                    blocks[key].append(features)
        seen: set[tuple[str, str]] = set()
        for key in sorted(blocks):
            block = blocks[key]
            if len(block) < 2:
                continue
            if len(block) > self._cfg.max_block:
                self._oversized.inc()
                log.warning(
                    "story block %r has %d articles (> max_block %d): each is scored against at most %d neighbours",
                    key,
                    len(block),
                    self._cfg.max_block,
                    self._cfg.neighbours,
                )
            before = len(seen)
            for edge in stories.score_block(block, self._cfg, seen):
                self._edges.inc()
                yield _EDGE, edge
            self._pairs.inc(len(seen) - before)


class _AssignStoriesFn(beam.DoFn):
    """The whole graph of one run → (article_id, story_id) and tagged ``merged_from``."""

    def __init__(self, config_name: str):
        self._config_name = config_name
        self._merges = counter(metrics.STORIES_MERGES)

    def setup(self) -> None:
        self._cfg = _config(self._config_name)

    def process(self, graph: list[tuple[str, Any]]):
        members, near_parents, edges = [], {}, []
        for kind, value in graph:
            if kind == _MEMBER:
                members.append(value)
            elif kind == _NEAR:
                near_parents[value[0]] = value[1]
            else:
                edges.append(value)
        assignment = stories.assign_stories(members, near_parents, stories.best_edges(edges), self._cfg)
        yield from assignment.story_ids.items()
        for story_id, absorbed in assignment.merged_from.items():
            self._merges.inc()
            yield beam.pvalue.TaggedOutput("merged_from", (story_id, absorbed))


class GroupStories(beam.PTransform):
    """{"articles", "near_parents"[, "prior"]} → {"story_ids", "merged_from"} (see module doc)."""

    def __init__(self, config_name: str = "stories.yaml", label: str | None = None):
        super().__init__(label)
        self._config_name = config_name

    def expand(self, inputs: dict[str, beam.PCollection]) -> dict[str, beam.PCollection]:
        _config(self._config_name)  # fail at construction time on a bad config, not on a worker
        raws = [inputs["articles"] | "RawFeatures" >> beam.ParDo(_RawFeaturesFn(self._config_name, False))]
        if inputs.get("prior") is not None:
            raws.append(
                inputs["prior"] | "RawFeaturesPrior" >> beam.ParDo(_RawFeaturesFn(self._config_name, True))
            )
        raw = raws[0] if len(raws) == 1 else tuple(raws) | "MergeRaw" >> beam.Flatten()
        df = raw | "CountDocuments" >> beam.CombineGlobally(_DocumentFrequencyFn(self._config_name))
        finalized = raw | "Finalize" >> beam.ParDo(
            _FinalizeFn(self._config_name), df=beam.pvalue.AsSingleton(df)
        ).with_outputs("members", main="by_shard")
        edges = (
            finalized.by_shard
            | "GroupByShard" >> beam.GroupByKey()
            | "ScoreBlocks" >> beam.ParDo(_ScoreBlocksFn(self._config_name))
        )
        near = inputs["near_parents"] | "TagNearParents" >> beam.Map(lambda link: (_NEAR, tuple(link)))
        assigned = (
            (finalized.members, near, edges)
            | "MergeGraph" >> beam.Flatten()
            | "CollectGraph" >> beam.combiners.ToList()
            | "AssignStories"
            >> beam.ParDo(_AssignStoriesFn(self._config_name)).with_outputs("merged_from", main="story_ids")
        )
        return {"story_ids": assigned.story_ids, "merged_from": assigned.merged_from}
