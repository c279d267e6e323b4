"""``akhbar demo``: serve the bundled sample corpus on 127.0.0.1 and run the pipeline on it.

    akhbar demo [--output data/demo] [any akhbar ingest or Beam option]

The corpus (pipelines/demo_site/) was written for this project: four invented outlets' feeds
and pages with the quirks of real ones. The server binds loopback only, at a fixed address
(``DEMO_ADDRESS``, a loopback address of its own so that it rarely meets another server): the
URLs, hence the article ids and the feeds' ETags, are the same on every run, and a second
``make demo`` adds no rows. Where that address cannot be bound (taken, or a system that only
routes 127.0.0.1) it falls back to an ephemeral port and says that this run's ids are new.
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
from akhbar.pipelines.options import bad_argument
from akhbar.pipelines.summary import summarize

DEMO_ADDRESS = ("127.42.42.42", 8642)


def _demo_site() -> LocalSite:
    site = LocalSite(demo_site_root(), host=DEMO_ADDRESS[0], port=DEMO_ADDRESS[1])
    try:
        return site.start()
    except OSError as exc:
        print(f"akhbar demo: {DEMO_ADDRESS[0]}:{DEMO_ADDRESS[1]} unavailable ({exc.strerror}); serving on an "
              "ephemeral port, so this run's URLs and article ids differ from other runs'", file=sys.stderr)
        return LocalSite(demo_site_root()).start()


def demo_site_root() -> str:
    return str(resources.files("akhbar.pipelines").joinpath("demo_site"))


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="akhbar demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", default="data/demo", help="where the tables go (default: data/demo)")
    args, rest = parser.parse_known_args(argv)
    problem = bad_argument(rest)
    if problem:
        print(f"akhbar demo: error: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    with _demo_site() as site, tempfile.TemporaryDirectory(prefix="akhbar-demo-") as tmp:
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
