"""The one Beam metrics namespace of the project, and the counters every stage shares.

    python -c "from transforms.metrics import counter; counter('entries_discovered').inc()"
"""

from __future__ import annotations

from apache_beam.metrics import Metrics

NAMESPACE = "akhbar"


def counter(name: str):
    return Metrics.counter(NAMESPACE, name)


def distribution(name: str):
    return Metrics.distribution(NAMESPACE, name)


def reject_counter(stage: str, reason: str):
    """``rejects.<stage>.<reason>``: one counter per stable reason code."""
    return Metrics.counter(NAMESPACE, f"rejects.{stage}.{reason}")
