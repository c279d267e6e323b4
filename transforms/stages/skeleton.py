"""The skeleton every stage DoFn shares: time each item, tag and count rejects, never let one item stop a run.

    python -c "from akhbar.transforms.stages.skeleton import StageFn; help(StageFn)"

A stage implements one hook, ``handle(item)``, returning what the item became: output
elements, ``Reject`` records, or ``TaggedOutput``s for side outputs. ``StageFn`` does the rest
the same way everywhere: a ``Reject`` goes to the ``rejects`` output with its
``rejects.<stage>.<reason>`` counter; an unexpected exception becomes an ``internal_error``
reject naming the file and line; the time spent goes to the stage's latency metric.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

import apache_beam as beam
from apache_beam import pvalue

from akhbar.schemas import Reject
from akhbar.transforms.stages.metrics import observe_ms, reject_counter

REJECTS = "rejects"


def tag_reject(reject: Reject) -> pvalue.TaggedOutput:
    """The reject on the ``rejects`` output, counted under its stage and reason."""
    reject_counter(reject.stage, reject.reason).inc()
    return pvalue.TaggedOutput(REJECTS, reject)


def internal_error(url: str | None, source: str | None, feed_url: str | None, stage: str, exc: BaseException) -> Reject:
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" if frame else ""
    return Reject.make(url, source, stage, "internal_error", f"{type(exc).__name__}: {exc}{where}", feed_url)


def emit(outputs: Iterable[Any]) -> Iterator[Any]:
    """Outputs of a hook as Beam wants them: rejects tagged and counted, the rest as they are."""
    for output in outputs:
        yield tag_reject(output) if isinstance(output, Reject) else output


class StageFn(beam.DoFn):
    """Base DoFn of a stage: subclasses set ``stage`` and ``timer`` and implement ``handle``.

    ``items(element)`` splits an element into the units handled one by one (a group of pages
    of one host: each page); ``provenance(item)`` names the item's (url, source, feed_url) in
    an internal-error reject.
    """

    stage: ClassVar[str] = ""
    timer: ClassVar[str | None] = None

    def items(self, element: Any) -> Iterable[Any]:
        return (element,)

    def provenance(self, item: Any) -> tuple[str | None, str | None, str | None]:
        return None, None, None

    def handle(self, item: Any) -> Iterable[Any]:
        raise NotImplementedError

    def process(self, element: Any) -> Iterator[Any]:
        for item in self.items(element):
            started = time.perf_counter()
            try:
                # Collected before yielding: a yielded element runs the fused downstream stages
                # at once, and their time must not count as this stage's.
                outputs = list(self.handle(item))
            except Exception as exc:  # one item must never stop the run
                outputs = [internal_error(*self.provenance(item), self.stage, exc)]
            finally:
                if self.timer:
                    observe_ms(self.timer, (time.perf_counter() - started) * 1000)
            yield from emit(outputs)
