"""The one Beam metrics namespace of the project, the counters every stage shares, latency histograms.

    python -c "from akhbar.transforms.stages.metrics import counter, observe_ms; counter('entries_discovered').inc(); observe_ms('fetch_page_ms', 42)"

``observe_ms(name, ms)`` updates the distribution ``name`` (count, sum, min, max) and one
bucket counter ``latency.<name>.le_<bound>`` of a fixed exponential ladder, so the run report
can give percentiles (Beam distributions keep no quantiles, counters sum on every runner).

Every ``counter(...).inc()`` also feeds a process-local tally while ``LocalTally.enabled`` is
on: the launcher's progress line reads it when the pipeline runs in the launcher's own process
(DirectRunner in_memory), where Beam's metrics are only available once the run has finished.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Mapping

from apache_beam.metrics import Metrics

NAMESPACE = "akhbar"
LATENCY_PREFIX = "latency."
# The names every stage counts under, and the report reads, in one place. Families of names
# (per table, per reject reason, per id kind) are built by the functions below.
FEEDS_FETCHED = "feeds_fetched"
FEEDS_NOT_MODIFIED = "feeds_not_modified"
FEED_POLLS = "feed_polls"
ENTRIES_DISCOVERED = "entries_discovered"
DUPLICATES_SKIPPED = "duplicates_skipped"
PAGES_FETCHED = "pages_fetched"
ARTICLES_EXTRACTED = "articles_extracted"
RECENT_FILES_READ = "recent_files_read"
DEDUP_ARTICLES = "dedup_articles"
DEDUP_EXACT_DUPLICATES = "dedup_exact_duplicates"
DEDUP_NEAR_DUPLICATES = "dedup_near_duplicates"
DEDUP_NEAR_CANDIDATES_REJECTED = "dedup_near_candidates_rejected"
DEDUP_STORIES = "dedup_stories"
STORIES_PAIRS_SCORED = "stories_pairs_scored"
STORIES_EDGES = "stories_edges"
STORIES_OVERSIZED_BLOCKS = "stories_oversized_blocks"
STORIES_MERGES = "stories_merges"
TEMPLATE_LINES_KEPT = "template_lines_kept"
TEMPLATE_LINES_REMOVED = "template_lines_removed"
# Latency distributions (observe_ms), one per timed stage.
FETCH_FEED_MS = "fetch_feed_ms"
FETCH_PAGE_MS = "fetch_page_ms"
EXTRACT_MS = "extract_ms"
ENRICH_MS = "enrich_ms"
TEMPLATE_MS = "template_ms"

# Timed stages in pipeline order, with the words the report shows.
TIMED_STAGES = (
    (FETCH_FEED_MS, "fetch feeds"),
    (FETCH_PAGE_MS, "fetch pages"),
    (EXTRACT_MS, "extract"),
    (TEMPLATE_MS, "learnt templates"),
    (ENRICH_MS, "enrich"),
)


def dedup_count(name: str) -> str:
    """``dedup_<name>``: the counts ``dedup.deduplicate`` returns, as the streaming variant reports them."""
    return f"dedup_{name}"


def rows_written(table: str) -> str:
    return f"{table}.rows_written"


def files_written(table: str) -> str:
    return f"{table}.files_written"


def invalid_partition(table: str, column: str) -> str:
    return f"{table}.invalid_partition_{column}"


def already_written(what: str) -> str:
    """Items (entries, articles) skipped because an earlier run wrote their id."""
    return f"{what}_already_written"


def duplicates_in_run(what: str) -> str:
    return f"{what}_duplicates_in_run"


def ids_expired(what: str) -> str:
    return f"{what}_ids_expired"


def date_source(source: str) -> str:
    """Articles by where their date came from: feed, page, text, url or fetched."""
    return f"date_source.{source}"


def topic_source(source: str) -> str:
    return f"topic.{source}"


REJECTS_PREFIX = "rejects."

# The flow of elements through the stages (in → out per stage), as the report shows it.
FLOW = (
    (FEEDS_FETCHED, "feeds fetched"),
    (FEEDS_NOT_MODIFIED, "feeds not modified (304)"),
    (ENTRIES_DISCOVERED, "feed entries"),
    (DUPLICATES_SKIPPED, "entries/articles skipped as seen"),
    (PAGES_FETCHED, "pages fetched"),
    (ARTICLES_EXTRACTED, "articles extracted"),
    (DEDUP_ARTICLES, "articles deduplicated"),
    (rows_written("articles"), "article rows written"),
    (rows_written("entities"), "entity rows written"),
    (rows_written("stories"), "story rows written"),
    (rows_written("rejects"), "reject rows written"),
)

# Upper bounds in ms; the last bucket is open-ended. Roughly 1-2.5-5 per decade, 1 ms to 2 min.
LATENCY_BOUNDS_MS = (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 120000)


class LocalTally:
    """Counter increments seen in this process, for the progress line (off unless enabled)."""

    enabled = False
    _counts: dict[str, int] = {}
    _lock = threading.Lock()

    @classmethod
    def add(cls, name: str, n: int) -> None:
        with cls._lock:
            cls._counts[name] = cls._counts.get(name, 0) + n

    @classmethod
    def snapshot(cls) -> dict[str, int]:
        with cls._lock:
            return dict(cls._counts)

    @classmethod
    def reset(cls) -> None:
        with cls._lock:
            cls._counts = {}


class _Counter:
    __slots__ = ("_name", "_counter")

    def __init__(self, name: str):
        self._name = name
        self._counter = Metrics.counter(NAMESPACE, name)

    def inc(self, n: int = 1) -> None:
        self._counter.inc(n)
        if LocalTally.enabled:
            LocalTally.add(self._name, n)

    def dec(self, n: int = 1) -> None:
        self.inc(-n)


def counter(name: str) -> _Counter:
    return _Counter(name)


def distribution(name: str):
    return Metrics.distribution(NAMESPACE, name)


def reject_counter(stage: str, reason: str) -> _Counter:
    """``rejects.<stage>.<reason>``: one counter per stable reason code."""
    return _Counter(f"{REJECTS_PREFIX}{stage}.{reason}")


def bucket_label(ms: float) -> str:
    """Name suffix of the bucket holding ``ms``: ``le_00100`` (≤ 100 ms) … ``le_inf``."""
    i = bisect.bisect_left(LATENCY_BOUNDS_MS, ms)
    return "le_inf" if i == len(LATENCY_BOUNDS_MS) else f"le_{LATENCY_BOUNDS_MS[i]:06d}"


def observe_ms(name: str, ms: float) -> None:
    """Record one latency: the distribution ``name`` and its histogram bucket counter."""
    value = max(0, int(ms))
    Metrics.distribution(NAMESPACE, name).update(value)
    Metrics.counter(NAMESPACE, f"{LATENCY_PREFIX}{name}.{bucket_label(value)}").inc()


def histogram(counters: Mapping[str, int], name: str) -> list[tuple[float, int]]:
    """(upper bound in ms, count) of every bucket of ``name``, ascending; the open bucket's bound is inf."""
    prefix = f"{LATENCY_PREFIX}{name}.le_"
    found = []
    for key, count in counters.items():
        if key.startswith(prefix) and count:
            bound = key[len(prefix):]
            found.append((float("inf") if bound == "inf" else float(int(bound)), int(count)))
    return sorted(found)


def percentile_ms(buckets: list[tuple[float, int]], q: float, lowest: float = 0.0, highest: float | None = None) -> float | None:
    """The q-quantile (0..1) estimated from histogram buckets, interpolating linearly inside a bucket.

    ``lowest``/``highest`` (the distribution's min and max) clamp the estimate, and stand in for
    the unknown edges of the first and of the open-ended bucket.
    """
    total = sum(count for _, count in buckets)
    if total == 0:
        return None
    rank = q * total
    seen = 0
    lower = 0.0
    for upper, count in buckets:
        if seen + count >= rank:
            top = upper if upper != float("inf") else (highest if highest is not None else lower)
            bottom = max(lower, lowest)
            top = max(top, bottom)
            estimate = bottom + (top - bottom) * ((rank - seen) / count)
            if highest is not None:
                estimate = min(estimate, highest)
            return max(estimate, lowest)
        seen += count
        lower = upper
    return highest
