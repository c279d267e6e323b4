"""Run the batch pipeline in-process the way `akhbar ingest` does, for tests that read its metrics."""

from __future__ import annotations

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

from akhbar.pipelines.ingest import build_pipeline, config_from_options
from akhbar.pipelines.report import metric_values
from akhbar.transforms.stages.state import commit_feed_state


def run_ingest(argv: list[str]) -> dict[str, int]:
    """Run to completion, commit the feed state as the CLI does, and return the akhbar counters."""
    options = PipelineOptions(argv)
    config = config_from_options(options)
    pipeline = beam.Pipeline(options=options)
    build_pipeline(pipeline, config)
    result = pipeline.run()
    result.wait_until_finish()
    commit_feed_state(config.output, config.run_id)
    return metric_values(result)[0]
