"""The middle both pipelines share: new feed entries in, the run's tables written.

    python -c "from akhbar.transforms.stages.body import ArticlesFromEntries; help(ArticlesFromEntries)"

``akhbar ingest`` and ``akhbar stream`` differ only in where entries come from (one fetch of
every feed, or a poll every N seconds), how an id already written is recognised (a join
against the output, or Beam state), and windowing. Everything between is this composite:

    entries ─► [window] ─► FetchPages ─► ExtractArticles ─► drop seen articles ─► [learnt templates]
      ─► EnrichArticles ─► [window] ─► deduplicate ─► [window] ─► WriteRunTables (articles + entities, stories, rejects)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import apache_beam as beam

from akhbar.schemas import Reject
from akhbar.schemas.rows import stamp_story
from akhbar.transforms.article import ExtractSettings
from akhbar.transforms.stages.extract import EnrichArticles, ExtractArticles
from akhbar.transforms.stages.fetch import FetchPages
from akhbar.transforms.stages.write import WriteRunTables
from akhbar.transforms.web.http import FetchSettings


@dataclass(frozen=True)
class RunSettings:
    """Where and how one run writes, and the settings of its fetch and extract stages."""

    output: str
    run_id: str
    fetch: FetchSettings
    extract: ExtractSettings
    shards_per_partition: int = 1


class ArticlesFromEntries(beam.PTransform):
    """``{"entries", "feed_rejects"}`` → ``{"articles", "stories", "rejects", "written"}``.

    ``drop_seen_articles`` and ``deduplicate`` are the variant's own transforms (article dicts
    in, article dicts out; ``deduplicate`` returns ``{"articles", "stories"}``).
    ``clean_templates`` (batch: ``CleanWithLearntTemplates``) runs between extraction and
    enrichment and returns ``{"articles", "rejects", "state"}``; its state comes back as
    ``"templates"``. ``windowing``,
    when given, is applied where the streaming pipeline needs its fixed windows back: before
    the page fetch (politeness groups per window), before de-duplication and before writing.
    """

    def __init__(
        self,
        run: RunSettings,
        *,
        drop_seen_articles: beam.PTransform,
        deduplicate: beam.PTransform,
        clean_templates: beam.PTransform | None = None,
        windowing: Callable[[], beam.PTransform] | None = None,
    ):
        super().__init__()
        self._run = run
        self._drop_seen_articles = drop_seen_articles
        self._deduplicate = deduplicate
        self._clean_templates = clean_templates
        self._windowing = windowing

    def _window(self, pcoll, label: str):
        return pcoll | label >> self._windowing() if self._windowing else pcoll

    def expand(self, inputs: dict) -> dict:
        run = self._run
        run_id = run.run_id
        entries = self._window(inputs["entries"], "WindowEntries")
        pages = entries | "FetchPages" >> FetchPages(run.fetch)
        extracted = pages["pages"] | "ExtractArticles" >> ExtractArticles(run_id, run.extract)
        # The page's rel=canonical can differ from the feed link: drop again by the final id,
        # before anything learns from or enriches an article an earlier run already wrote.
        unique = extracted.articles | "DropSeenArticles" >> self._drop_seen_articles
        extra_rejects = []
        outputs: dict = {}
        clean = unique
        if self._clean_templates is not None:
            templated = unique | "LearntTemplates" >> self._clean_templates
            clean, outputs["templates"] = templated["articles"], templated["state"]
            extra_rejects.append(templated["rejects"])
        enriched = clean | "EnrichArticles" >> EnrichArticles()
        deduplicated = self._window(enriched.articles, "WindowArticles") | "Deduplicate" >> self._deduplicate
        articles = self._window(deduplicated["articles"], "RewindowArticles")
        stories = (
            self._window(deduplicated["stories"], "RewindowStories")
            | "StampStories" >> beam.Map(stamp_story, run_id)
        )
        feed_rejects = self._window(inputs["feed_rejects"], "WindowFeedRejects")
        rejects = (
            (feed_rejects, pages["rejects"], extracted.rejects, *extra_rejects, enriched.rejects)
            | "FlattenRejects" >> beam.Flatten()
            | "RejectRows" >> beam.Map(Reject.to_row, run_id)
        )
        tables = {"articles": articles, "stories": stories, "rejects": rejects}
        written = tables | "WriteTables" >> WriteRunTables(run.output, run_id, run.shards_per_partition)
        return {**tables, "written": written, **outputs}
