"""Beam stages around the pure article code: ``ExtractArticles``, ``EnrichArticles``, ``DropSeen``.

    python -m akhbar.pipelines.cli ingest --feeds configs/feeds.yaml --output data/live

The DoFns are thin: they call ``akhbar.transforms.article`` (the same functions as ``akhbar extract``),
turn exceptions into rejects with reason ``internal_error`` so that one bad page never stops a
run, and count everything in the ``akhbar`` metrics namespace.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Iterator

import apache_beam as beam
from apache_beam import pvalue

from akhbar.schemas import FeedEntry, FetchedPage, Reject
from akhbar.transforms.article import DEFAULT_SETTINGS, ExtractSettings, article_from_html, enrich_article
from akhbar.transforms.memory.allocator import return_freed_memory
from akhbar.transforms.memory.rowpack import pack, unpack
from akhbar.transforms.stages.metrics import counter, observe_ms, reject_counter
from akhbar.transforms.web.urls import article_id, canonicalize_url

REJECTS = "rejects"


def _reject(reject: Reject) -> pvalue.TaggedOutput:
    reject_counter(reject.stage, reject.reason).inc()
    return pvalue.TaggedOutput(REJECTS, reject)


def _internal(url: str, source: str | None, feed_url: str | None, stage: str, exc: BaseException) -> pvalue.TaggedOutput:
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" if frame else ""
    return _reject(Reject.make(url, source, stage, "internal_error", f"{type(exc).__name__}: {exc}{where}", feed_url))


class ExtractArticleFn(beam.DoFn):
    def __init__(self, run_id: str, settings: ExtractSettings = DEFAULT_SETTINGS):
        self._run_id = run_id
        self._settings = settings

    def setup(self) -> None:
        # Every worker that extracts pages also holds the run's row buffers (transforms/memory/allocator.py).
        return_freed_memory()

    def process(self, page: FetchedPage) -> Iterator:
        entry = page.entry
        started = time.perf_counter()
        try:
            result = article_from_html(
                page.html,
                entry.url,
                entry=entry,
                final_url=page.final_url,
                fetched_at=page.fetched_at,
                run_id=self._run_id,
                settings=self._settings,
            )
        except Exception as exc:  # one page must never stop the run
            yield _internal(entry.url, entry.source, entry.feed_url, "extract", exc)
            return
        finally:
            observe_ms("extract_ms", (time.perf_counter() - started) * 1000)
        if isinstance(result, Reject):
            yield _reject(result)
            return
        counter("articles_extracted").inc()
        yield result


class ExtractArticles(beam.PTransform):
    """PCollection[FetchedPage] → main (article dicts), rejects."""

    def __init__(self, run_id: str, settings: ExtractSettings = DEFAULT_SETTINGS):
        super().__init__()
        self._run_id = run_id
        self._settings = settings

    def expand(self, pages):
        return pages | "ExtractArticle" >> beam.ParDo(ExtractArticleFn(self._run_id, self._settings)).with_outputs(
            REJECTS, main="articles"
        )


class EnrichArticleFn(beam.DoFn):
    def process(self, article: dict) -> Iterator:
        started = time.perf_counter()
        try:
            enriched = enrich_article(article)
        except Exception as exc:
            yield _internal(article.get("url"), article.get("source"), article.get("feed_url"), "enrich", exc)
            return
        finally:
            observe_ms("enrich_ms", (time.perf_counter() - started) * 1000)
        counter(f"topic.{enriched['topic_source']}").inc()
        yield enriched


class EnrichArticles(beam.PTransform):
    """PCollection[article] → main (articles with dates, entities, topic), rejects."""

    def expand(self, articles):
        return articles | "EnrichArticle" >> beam.ParDo(EnrichArticleFn()).with_outputs(REJECTS, main="articles")


def entry_article_id(entry: FeedEntry) -> str:
    return article_id(canonicalize_url(entry.url))


class _KeepFirstUnseenFn(beam.DoFn):
    def __init__(self, what: str, order_key):
        self._what = what
        self._order_key = order_key

    def process(self, joined) -> Iterator:
        _, groups = joined
        items = sorted((unpack(packed) for packed in groups["items"]), key=self._order_key)
        if not items:
            return
        if groups["seen"]:
            counter(f"{self._what}_already_written").inc(len(items))
            counter("duplicates_skipped").inc(len(items))
            return
        if len(items) > 1:
            counter(f"{self._what}_duplicates_in_run").inc(len(items) - 1)
            counter("duplicates_skipped").inc(len(items) - 1)
        yield items[0]


class DropSeen(beam.PTransform):
    """Keep one item per id, and none whose id was already written by an earlier run.

    ``seen_ids`` is a PCollection of article ids read back from the output. A join
    (CoGroupByKey) rather than an in-memory set: its cost does not depend on worker memory,
    however long the look-back.
    """

    def __init__(self, what: str, id_of, order_key, seen_ids):
        super().__init__()
        self._what = what
        self._id_of = id_of
        self._order_key = order_key
        self._seen_ids = seen_ids

    def expand(self, items):
        # Items wait in the join packed (transforms/memory/rowpack.py): a few KB an article, not tens.
        keyed = items | "KeyById" >> beam.Map(lambda item, id_of=self._id_of: (id_of(item), pack(item)))
        seen = self._seen_ids | "KeySeen" >> beam.Map(lambda i: (i, True))
        return (
            {"items": keyed, "seen": seen}
            | "JoinSeen" >> beam.CoGroupByKey()
            | "KeepFirstUnseen" >> beam.ParDo(_KeepFirstUnseenFn(self._what, self._order_key))
        )


def entity_rows(article: dict) -> Iterator[dict]:
    """One row of the ``entities`` table per mention in the article."""
    for mention in article.get("entities") or []:
        yield {
            "article_id": article["article_id"],
            "source": article.get("source"),
            "canonical": mention.get("canonical"),
            "display": mention.get("display"),
            "type": mention.get("type"),
            "text": mention.get("text"),
            "start": mention.get("start"),
            "end": mention.get("end"),
            "run_id": article.get("run_id"),
            "date": article["date"],
            "topic": article["topic"],
        }
