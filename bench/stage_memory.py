"""Resident memory after every stage of an in-process ``akhbar ingest``: where a run's memory goes.

    /work/main/.venv/bin/python bench/stage_memory.py --n 3000        # ~3 min on 2 cores

Builds the same pages and feeds as bench/throughput.py (ANT texts from ../shared/corpus in
outlet templates, served on 127.0.0.1; exits 0 with a message when the corpus is absent), runs
``akhbar ingest`` in this process on Beam's default runner, and prints after each fused stage
of the FnApiRunner: the process's RSS before and after it, the peak so far, and for every
GroupByKey it reads, the encoded bytes, keys and values that crossed it. A development tool: it
wraps two private methods of apache_beam's FnApiRunner (``_execute_bundle`` and
``GroupingBuffer.partition``), so it may need adjusting after a Beam upgrade. Figures from it
are in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is a folder of scripts, not a package
from pagegen import ANT, build_site  # noqa: E402


def rss_mb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    return 0


def peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def instrument(started: float) -> None:
    from apache_beam.runners.portability.fn_api_runner import execution, fn_runner

    execute_bundle = fn_runner.FnApiRunner._execute_bundle
    partition = execution.GroupingBuffer.partition
    encoded_in: dict[int, int] = {}
    append = execution.GroupingBuffer.append

    def counting_append(self, data):
        encoded_in[id(self)] = encoded_in.get(id(self), 0) + len(data)
        return append(self, data)

    def reporting_partition(self, n):
        if not self._grouped_output and id(self) in encoded_in:
            values = sum(len(v) for v in self._table.values())
            print(f"{'':10}group read: {encoded_in.pop(id(self)) / 1e6:.1f} MB encoded, "
                  f"{len(self._table)} keys, {values} values", flush=True)
        return partition(self, n)

    def reporting_execute_bundle(self, context, bundle_context, bundle_input):
        before = rss_mb()
        result = execute_bundle(self, context, bundle_context, bundle_input)
        print(f"{time.perf_counter() - started:8.1f}s  RSS {before:5d} -> {rss_mb():5d} MB  peak {peak_mb():5d} MB  "
              f"{bundle_context.stage.name[:120]}", flush=True)
        return result

    execution.GroupingBuffer.append = counting_append
    execution.GroupingBuffer.partition = reporting_partition
    fn_runner.FnApiRunner._execute_bundle = reporting_execute_bundle


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=3000, help="article pages (default 3000)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if not ANT.exists():
        print(f"corpus not found at {ANT}: nothing to measure")
        return 0
    from akhbar.pipelines import cli
    from akhbar.pipelines.localsite import LocalSite

    workdir = Path(tempfile.mkdtemp(prefix="akhbar-stage-memory-"))
    try:
        build_site(workdir / "site", args.n, args.seed)
        print(f"{args.n} pages built; RSS {rss_mb()} MB before the run", flush=True)
        instrument(time.perf_counter())
        with LocalSite(workdir / "site") as server:
            feeds = server.render_feeds_file(workdir / "feeds.yaml")
            code = cli.main(["ingest", "--feeds", str(feeds), "--output", str(workdir / "out"), "--run-id", "probe",
                             "--allow-private-hosts", "--per-host-delay", "0", "--per-host-concurrency", "64"])
        print(f"exit {code}; peak RSS of the whole run {peak_mb()} MB")
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
