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
    return _Counter(f"rejects.{stage}.{reason}")


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
