"""``akhbar demo``: serve the bundled sample corpus on 127.0.0.1 and run the pipeline on it.

    akhbar demo [--output data/demo] [any akhbar ingest or Beam option]

The corpus (pipelines/demo_site/) was written for this project: four invented outlets' feeds
and pages with the quirks of real ones. The server binds an ephemeral port on loopback only.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from importlib import resources

from apache_beam.options.pipeline_options import PipelineOptions

from akhbar.pipelines.config import ConfigError
from akhbar.pipelines.ingest import EXIT_CONFIG, EXIT_OK, config_from_options, run_config
from akhbar.pipelines.localsite import LocalSite
from akhbar.pipelines.options import unknown_arguments
from akhbar.pipelines.summary import summarize


def demo_site_root() -> str:
    return str(resources.files("akhbar.pipelines").joinpath("demo_site"))


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="akhbar demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", default="data/demo", help="where the tables go (default: data/demo)")
    args, rest = parser.parse_known_args(argv)
    unknown = unknown_arguments(rest)
    if unknown:
        print(f"akhbar demo: error: unknown argument {unknown[0]!r}", file=sys.stderr)
        return EXIT_CONFIG
    with LocalSite(demo_site_root()) as site, tempfile.TemporaryDirectory(prefix="akhbar-demo-") as tmp:
        feeds_file = os.path.join(tmp, "feeds.yaml")
        site.render_feeds_file(feeds_file)
        print(f"Serving the sample corpus at {site.base_url} (loopback only)")
        options = PipelineOptions(
            ["--feeds", feeds_file, "--output", args.output, "--allow-private-hosts",
             "--per-host-delay", "0", "--per-host-concurrency", "4", *rest]
        )
        try:
            config = config_from_options(options)
        except ConfigError as exc:
            print(f"akhbar demo: error: {exc}", file=sys.stderr)
            return EXIT_CONFIG
        status = run_config(config, options)
    if status != EXIT_OK:
        return status
    print()
    print(summarize(args.output))
    return EXIT_OK
