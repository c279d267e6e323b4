"""What a run did, from its Beam metrics: counts per stage for the log and the run report.

    akhbar ingest --feeds configs/feeds.yaml --output data/live   # logs the counts at the end
"""

from __future__ import annotations

import logging

from apache_beam.metrics.metric import MetricsFilter

from transforms.metrics import NAMESPACE

log = logging.getLogger("akhbar")


def metric_values(result) -> tuple[dict[str, int], dict[str, dict]]:
    """(counters, distributions) of the akhbar namespace, summed over steps."""
    queried = result.metrics().query(MetricsFilter().with_namespace(NAMESPACE))
    counters: dict[str, int] = {}
    for item in queried["counters"]:
        value = item.committed if item.committed is not None else item.attempted
        counters[item.key.metric.name] = counters.get(item.key.metric.name, 0) + (value or 0)
    distributions: dict[str, dict] = {}
    for item in queried["distributions"]:
        value = item.committed if item.committed is not None else item.attempted
        if value is None or not value.count:
            continue
        known = distributions.setdefault(item.key.metric.name, {"count": 0, "sum": 0, "min": value.min, "max": value.max})
        known["count"] += value.count
        known["sum"] += value.sum
        known["min"] = min(known["min"], value.min)
        known["max"] = max(known["max"], value.max)
    return counters, distributions


def log_stage_counts(result, run_id: str) -> dict[str, int]:
    counters, distributions = metric_values(result)
    for name in sorted(counters):
        log.info("run %s: %s = %d", run_id, name, counters[name])
    for name in sorted(distributions):
        d = distributions[name]
        log.info("run %s: %s: n=%d mean=%.1f max=%d", run_id, name, d["count"], d["sum"] / d["count"], d["max"])
    return counters


def write_run_report(output: str, run_id: str, result, started_at, finished_at) -> str | None:
    """Write OUTPUT/reports/RUN_ID.json (metrics and timings of the run); returns its path."""
    import json

    from apache_beam.io.filesystems import FileSystems

    counters, distributions = metric_values(result)
    path = FileSystems.join(output, "reports", f"{run_id}.json")
    payload = {
        "run_id": run_id,
        "started_at": started_at.isoformat(),
        "finished_at": finished_at.isoformat(),
        "counters": counters,
        "distributions": distributions,
    }
    with FileSystems.create(path + ".inprogress") as sink:
        sink.write(json.dumps(payload, ensure_ascii=False, indent=1).encode("utf-8"))
    FileSystems.rename([path + ".inprogress"], [path])
    return path
