"""Learn each outlet's template within a run and across runs, and clean articles with it.

    akhbar ingest …   (wired between ExtractArticles and EnrichArticles in pipelines/ingest.py)

``CleanWithLearntTemplates`` is one composite:
1. every article's candidate line keys (``akhbar.transforms.text.template.article_line_keys``)
   are combined per source (``CombinePerKey`` with ``TemplateCountsFn``: partial counts on each
   worker, bounded per source), then merged with what earlier runs learnt (read from
   ``OUTPUT/state/templates.parquet`` when the pipeline is built);
2. the template keys of every source reach the cleaning step as a side input (``AsDict``);
3. ``ApplyTemplateFn`` drops template lines from the body (recorded in ``removed_boilerplate``),
   recomputes ``body_match`` and ``word_count``, and rejects an article left without prose;
4. the merged counts are written to ``state/pending/templates-RUN_ID.parquet``; the launcher
   commits them to ``state/templates.parquet`` only after a successful run
   (``commit_template_state``), like the feed state.

A source with fewer than ``TemplateSettings.min_articles`` articles learns nothing: the phrase
and structural rules of the extract step are all it gets (as does ``akhbar extract``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from akhbar.schemas import TEMPLATE_STATE, Reject
from akhbar.transforms.article import prose_word_count
from akhbar.transforms.stages import metrics
from akhbar.transforms.stages.files import write_table_atomically
from akhbar.transforms.stages.metrics import counter
from akhbar.transforms.stages.skeleton import REJECTS, StageFn
from akhbar.transforms.stages.state import _state_path
from akhbar.transforms.text.arabic import count_words, normalize_match
from akhbar.transforms.text.template import (
    DEFAULT,
    SourceCounts,
    TemplateSettings,
    apply_template,
    article_line_keys,
    template_keys,
)

log = logging.getLogger("akhbar")
TEMPLATES_FILE = "templates.parquet"
MAX_AGE_DAYS = 90  # a line not seen for this long is forgotten: outlets change their templates


def _source(article: dict) -> str:
    return article.get("source") or ""


# --------------------------------------------------------------------------- state
def read_template_state(output: str, now: dt.datetime | None = None) -> dict[str, list[dict]]:
    """Rows of state/templates.parquet per source, less lines older than ``MAX_AGE_DAYS``."""
    path = _state_path(output, TEMPLATES_FILE)
    if not FileSystems.exists(path):
        return {}
    try:
        with FileSystems.open(path) as fh:
            rows = pq.read_table(fh, schema=TEMPLATE_STATE).to_pylist()
    except Exception as exc:  # housekeeping quarantines it; a run never fails on what it only learns from
        log.warning("learnt templates: %s unreadable (%s: %s); learning from this run only",
                    path, type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
        return {}
    cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=MAX_AGE_DAYS)
    by_source: dict[str, list[dict]] = {}
    for row in rows:
        if row["last_seen"] is None or row["last_seen"] >= cutoff:
            by_source.setdefault(row["source"], []).append(row)
    return by_source


def counts_from_rows(rows: Iterable[dict]) -> SourceCounts:
    counts = SourceCounts()
    for row in rows:
        counts.articles = max(counts.articles, row["source_articles"] or 0)
        counts.counts[row["line_hash"]] = row["count"]
    return counts


def rows_from_counts(
    source: str, counts: SourceCounts, seen_now: set[int], now: dt.datetime, prior_seen: dict[int, dt.datetime]
) -> list[dict]:
    return [
        {
            "source": source,
            "line_hash": key,
            "count": count,
            "source_articles": counts.articles,
            "last_seen": now if key in seen_now else prior_seen.get(key, now),
        }
        for key, count in sorted(counts.counts.items())
    ]


def commit_template_state(output: str, run_id: str) -> int:
    """Replace state/templates.parquet by this run's merged counts; returns the rows kept."""
    pending = _state_path(output, "pending", f"templates-{run_id}.parquet")
    if not FileSystems.exists(pending):
        return 0
    with FileSystems.open(pending) as fh:
        table = pq.read_table(fh, schema=TEMPLATE_STATE)
    # Sources this run did not see keep their earlier rows.
    fresh = set(table.column("source").to_pylist())
    kept = [row for source, rows in read_template_state(output).items() if source not in fresh for row in rows]
    merged = pa.concat_tables([table, pa.Table.from_pylist(kept, schema=TEMPLATE_STATE)])
    write_table_atomically(merged, _state_path(output, TEMPLATES_FILE))
    FileSystems.delete([pending])
    return merged.num_rows


# --------------------------------------------------------------------------- combine
class TemplateCountsFn(beam.CombineFn):
    """Line keys of a source's articles → ``(SourceCounts, keys seen)``, bounded per source."""

    def __init__(self, settings: TemplateSettings = DEFAULT):
        self._settings = settings

    def create_accumulator(self) -> SourceCounts:
        return SourceCounts()

    def add_input(self, accumulator: SourceCounts, keys: frozenset[int]) -> SourceCounts:
        accumulator.add_article(keys)
        # Prune only well past the bound, so the sort runs rarely.
        if len(accumulator.counts) > 4 * self._settings.max_lines_per_source:
            accumulator.bounded(2 * self._settings.max_lines_per_source)
        return accumulator

    def merge_accumulators(self, accumulators: Iterable[SourceCounts]) -> SourceCounts:
        merged = SourceCounts()
        for accumulator in accumulators:
            merged.merge(accumulator)
        return merged

    def extract_output(self, accumulator: SourceCounts) -> SourceCounts:
        return accumulator.bounded(self._settings.max_lines_per_source)


class _MergePriorFn(beam.DoFn):
    """This run's counts of a source + what earlier runs learnt → (source, counts, state rows)."""

    def __init__(self, prior: dict[str, list[dict]], settings: TemplateSettings, now: dt.datetime):
        self._prior = prior
        self._settings = settings
        self._now = now

    def process(self, item: tuple[str, SourceCounts]) -> Iterator[tuple[str, SourceCounts, list[dict]]]:
        source, run_counts = item
        seen_now = set(run_counts.counts)
        prior_rows = self._prior.get(source, [])
        history = counts_from_rows(prior_rows).scaled_to(self._settings.history_articles)
        merged = history.merge(run_counts).bounded(self._settings.max_lines_per_source)
        prior_seen = {row["line_hash"]: row["last_seen"] for row in prior_rows}
        yield source, merged, rows_from_counts(source, merged, seen_now, self._now, prior_seen)


class _WritePendingTemplatesFn(beam.DoFn):
    def __init__(self, output: str, run_id: str):
        self._output = output
        self._run_id = run_id

    def process(self, rows: list[list[dict]]) -> Iterator[str]:
        flat = [row for group in rows for row in group]
        path = _state_path(self._output, "pending", f"templates-{self._run_id}.parquet")
        write_table_atomically(pa.Table.from_pylist(flat, schema=TEMPLATE_STATE), path)
        counter(metrics.TEMPLATE_LINES_KEPT).inc(len(flat))
        yield path


# --------------------------------------------------------------------------- apply
class ApplyTemplateFn(StageFn):
    """Article → the article less its outlet's template lines, or a ``too_short`` reject."""

    stage = "extract"
    timer = metrics.TEMPLATE_MS

    def __init__(self, min_words: int, settings: TemplateSettings = DEFAULT):
        super().__init__()
        self._min_words = min_words
        self._settings = settings
        self._templates: dict[str, frozenset[int]] = {}

    def process(self, article: dict, templates: dict[str, frozenset[int]]) -> Iterator:
        self._templates = templates  # the side input of this bundle, for handle()
        yield from super().process(article)

    def provenance(self, article: dict):
        return article.get("url"), article.get("source"), article.get("feed_url")

    def handle(self, article: dict) -> Iterator:
        keys = self._templates.get(_source(article))
        if not keys:
            yield article
            return
        body, removed = apply_template(
            article["body"], keys, title=article.get("title"), lead=article.get("lead"), settings=self._settings
        )
        if not removed:
            yield article
            return
        counter(metrics.TEMPLATE_LINES_REMOVED).inc(len(removed))
        prose = prose_word_count(body)
        if prose < self._min_words:
            yield Reject.make(
                article.get("url"), article.get("source"), self.stage, "too_short",
                f"{prose} words of prose after removing the outlet's template, minimum {self._min_words}",
                article.get("feed_url"),
            )
            return
        article = dict(article)
        article.update(
            body=body,
            body_match=normalize_match(body),
            word_count=count_words(body),
            removed_boilerplate=list(article.get("removed_boilerplate") or []) + removed,
        )
        yield article


def _line_keys(article: dict, settings: TemplateSettings) -> tuple[str, frozenset[int]]:
    """(source, template line keys of the article); a body that cannot be read counts no line."""
    try:
        keys = frozenset(article_line_keys(article["body"], article.get("title"), article.get("lead"), settings))
    except Exception as exc:  # the article itself goes on; ApplyTemplateFn rejects it if it is broken
        log.warning("learnt templates: no line keys for %s: %s: %s", article.get("url"), type(exc).__name__, exc)
        keys = frozenset()
    return _source(article), keys


class CleanWithLearntTemplates(beam.PTransform):
    """PCollection[article] → articles (template lines removed), rejects, state (pending file path).

    ``output``: where state/templates.parquet is read from (at construction) and the pending
    counts written to; ``None`` learns within the run only and writes nothing.
    """

    def __init__(
        self,
        output: str | None,
        run_id: str,
        min_words: int,
        settings: TemplateSettings = DEFAULT,
        now: dt.datetime | None = None,
    ):
        super().__init__()
        self._output = output
        self._run_id = run_id
        self._min_words = min_words
        self._settings = settings
        self._now = now or dt.datetime.now(dt.UTC)
        self._prior = read_template_state(output, self._now) if output else {}

    def expand(self, articles):
        settings = self._settings
        merged = (
            articles
            | "LineKeys" >> beam.Map(_line_keys, settings)
            | "CountPerSource" >> beam.CombinePerKey(TemplateCountsFn(settings))
            | "MergePrior" >> beam.ParDo(_MergePriorFn(self._prior, settings, self._now))
        )
        templates = merged | "TemplateKeys" >> beam.Map(lambda item: (item[0], template_keys(item[1], settings)))
        cleaned = articles | "ApplyTemplate" >> beam.ParDo(
            ApplyTemplateFn(self._min_words, settings), templates=beam.pvalue.AsDict(templates)
        ).with_outputs(REJECTS, main="articles")
        state = None
        if self._output:
            state = (
                merged
                | "StateRows" >> beam.Map(lambda item: item[2])
                | "CollectRows" >> beam.combiners.ToList()
                | "WritePendingTemplates" >> beam.ParDo(_WritePendingTemplatesFn(self._output, self._run_id))
            )
        return {"articles": cleaned.articles, "rejects": cleaned[REJECTS], "state": state}
