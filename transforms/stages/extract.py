"""Beam stages around the pure article code: ``ExtractArticles``, ``EnrichArticles``.

    python -m akhbar.pipelines.cli ingest --feeds configs/feeds.yaml --output data/live

The DoFns are thin: they call ``akhbar.transforms.article`` (the same functions as
``akhbar extract``); ``StageFn`` (skeleton.py) turns exceptions into ``internal_error`` rejects
so that one bad page never stops a run, and times and counts them in the ``akhbar`` namespace.
"""

from __future__ import annotations

from collections.abc import Iterator

import apache_beam as beam

from akhbar.schemas import FetchedPage, Reject
from akhbar.schemas.rows import ENTRY_HINTS
from akhbar.transforms.article import DEFAULT_SETTINGS, ExtractSettings, article_from_html, enrich_article
from akhbar.transforms.memory.allocator import return_freed_memory
from akhbar.transforms.stages import metrics
from akhbar.transforms.stages.metrics import counter
from akhbar.transforms.stages.skeleton import REJECTS, StageFn


class ExtractArticleFn(StageFn):
    """FetchedPage → article dict (clean body, metadata), or a reject."""

    stage = "extract"
    timer = metrics.EXTRACT_MS

    def __init__(self, run_id: str, settings: ExtractSettings = DEFAULT_SETTINGS):
        super().__init__()
        self._run_id = run_id
        self._settings = settings

    def setup(self) -> None:
        # Every worker that extracts pages also holds the run's row buffers (transforms/memory/allocator.py).
        return_freed_memory()

    def provenance(self, page: FetchedPage):
        return page.entry.url, page.entry.source, page.entry.feed_url

    def handle(self, page: FetchedPage) -> Iterator[dict | Reject]:
        entry = page.entry
        result = article_from_html(
            page.html,
            entry.url,
            entry=entry,
            final_url=page.final_url,
            fetched_at=page.fetched_at,
            run_id=self._run_id,
            settings=self._settings,
        )
        if not isinstance(result, Reject):
            counter(metrics.ARTICLES_EXTRACTED).inc()
            counter(metrics.date_source(result["date_source"])).inc()
            # date_ignored.<reason>, date_page_overrides_feed: why a page's date was not used
            for note in result[ENTRY_HINTS].get("date_notes", ()):
                counter(note).inc()
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


class EnrichArticleFn(StageFn):
    """Article → the same article with dates, entities and topic."""

    stage = "enrich"
    timer = metrics.ENRICH_MS

    def provenance(self, article: dict):
        return article.get("url"), article.get("source"), article.get("feed_url")

    def handle(self, article: dict) -> Iterator[dict]:
        enriched = enrich_article(article)
        counter(metrics.topic_source(enriched["topic_source"])).inc()
        yield enriched


class EnrichArticles(beam.PTransform):
    """PCollection[article] → main (articles with dates, entities, topic), rejects."""

    def expand(self, articles):
        return articles | "EnrichArticle" >> beam.ParDo(EnrichArticleFn()).with_outputs(REJECTS, main="articles")
