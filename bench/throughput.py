"""Throughput and memory of ``akhbar ingest`` against bare trafilatura on the same realistic pages.

    /work/main/.venv/bin/python bench/throughput.py [--n 1000] [--seed 7] [--skip-multi] [--keep DIR]

Reads ../shared/corpus/ant/ant_multisource.jsonl.gz (development material; the pages are built
in a temporary folder and deleted afterwards): ``--n`` ANT article texts (up to 30,000) are
wrapped by bench/pagegen.py in outlet page templates of 50-70 KB (menus, inline scripts,
teaser rails, footers) and listed in RSS feeds (five outlets, one feed per section and 500
items, pubDates from ANT's ``time``), then served by ``akhbar.pipelines.localsite`` on 127.0.0.1.
One run measures, each in its own child process:
  (a) bare baseline: a plain loop of ``trafilatura.extract`` over the same pages read from disk;
  (b) ``akhbar ingest`` end to end on the default runner (process start included);
  (c) the same with ``--direct_running_mode=multi_processing --direct_num_workers=2``.
It prints articles/s for each (pages in / wall seconds) and per CPU second (user + system
time of the child's process tree: steadier than wall time on a shared machine), the ratios
b/a and c/b, the peak RSS of each (largest single process from ``os.wait4``, and the sum over
the process tree, sampled from /proc every 0.2 s), and the time per stage from the run's saved
metrics (OUTPUT/reports/RUN_ID.json: fetch_page_ms, extract_ms, enrich_ms ...). Results and
their history: bench/RESULTS.md. Exits 0 with a message when the corpus is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is a folder of scripts, not a package
from pagegen import ANT, build_site  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
# Timed stages the pipeline records as distributions (transforms/stages/fetch.py, transforms/stages/extract.py).
STAGES = ("fetch_feed_ms", "fetch_page_ms", "extract_ms", "enrich_ms")


# --------------------------------------------------------------------------- memory of a process tree
def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: fields start after the last ')'.
        fields = stat[stat.rindex(b")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(root: int) -> int:
    """Resident memory of ``root`` and all its descendants, in KB (shared pages counted per process)."""
    children = _children_map()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _rss_kb(pid)
        stack.extend(children.get(pid, ()))
    return total


@dataclass
class Measured:
    label: str
    seconds: float
    max_rss_kb: int  # largest single process of the tree (os.wait4, includes waited-for descendants)
    tree_peak_kb: int  # largest sampled sum over the tree
    cpu_seconds: float  # user + system time of the tree (waited-for descendants included)
    returncode: int
    stdout: str = ""
    stderr: str = ""
    extra: dict = field(default_factory=dict)


def run_measured(label: str, command: list[str], env: dict[str, str] | None = None) -> Measured:
    """Run ``command`` as a child; wall time from spawn to exit, peak memory of its process tree."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=REPO, env=env)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, tree_rss_kb(process.pid))
                done.wait(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        cpu = usage.ru_utime + usage.ru_stime
        return Measured(label, seconds, usage.ru_maxrss, max(peak, usage.ru_maxrss), cpu, process.returncode,
                        out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))


# --------------------------------------------------------------------------- (a) the baseline, in a child
def baseline_child(list_file: str) -> int:
    """Child process of (a): extract every page listed in ``list_file``; prints the loop's seconds as JSON."""
    import trafilatura

    paths = Path(list_file).read_text(encoding="utf-8").split("\n")
    trafilatura.extract(Path(paths[0]).read_text(encoding="utf-8"))  # imports and lazy set-up outside the clock
    started, cpu_started = time.perf_counter(), time.process_time()
    empty = 0
    for path in paths:
        text = trafilatura.extract(Path(path).read_text(encoding="utf-8"))
        empty += not text
    print(json.dumps({"seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu_started,
                      "pages": len(paths), "empty": empty}))
    return 0


# --------------------------------------------------------------------------- (b), (c) the pipeline
def ingest_command(feeds: Path, output: Path, run_id: str, extra: list[str]) -> list[str]:
    akhbar = Path(PYTHON).with_name("akhbar")
    launcher = [str(akhbar)] if akhbar.exists() else [PYTHON, "-m", "akhbar.pipelines.cli"]
    return [
        *launcher, "ingest", "--feeds", str(feeds), "--output", str(output), "--run-id", run_id,
        "--allow-private-hosts", "--per-host-delay", "0", "--per-host-concurrency", "64", *extra,
    ]


def read_report(output: Path, run_id: str) -> dict:
    path = output / "reports" / f"{run_id}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def stage_rows(report: dict, wall_seconds: float, workers: int, pages: int) -> list[tuple[str, float, float]]:
    """(stage, ms per page, share of wall x workers) for each timed stage, then the rest."""
    distributions = report.get("distributions") or {}
    budget_ms = wall_seconds * 1000 * workers
    rows = []
    accounted = 0.0
    for name in STAGES:
        total = float((distributions.get(name) or {}).get("sum") or 0)
        accounted += total
        rows.append((name.removesuffix("_ms"), total / max(pages, 1), total / budget_ms))
    rest = max(budget_ms - accounted, 0.0)
    rows.append(("rest (start, Beam, dedup, write, idle)", rest / max(pages, 1), rest / budget_ms))
    return rows


def _mb(kb: int) -> str:
    return f"{kb / 1024:.0f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="article pages to build and ingest, up to 30000 (default 1000)")
    parser.add_argument("--seed", type=int, default=7, help="sampling seed (default 7)")
    parser.add_argument("--skip-multi", action="store_true", help="skip (c), the multi_processing run")
    parser.add_argument("--skip-baseline", action="store_true", help="skip (a) (ratios b/a are then not printed)")
    parser.add_argument("--keep", default=None, help="build in this folder and keep it (default: a temporary folder)")
    parser.add_argument("--json", default=None, help="also write the figures to this JSON file")
    parser.add_argument("--baseline-child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.baseline_child:
        return baseline_child(args.baseline_child)
    if not ANT.exists():
        print(f"corpus not found at {ANT}: nothing to measure")
        return 0
    if not 1 <= args.n <= 30000:
        parser.error("--n must be between 1 and 30000")

    from akhbar.pipelines.localsite import LocalSite

    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="akhbar-throughput-"))
    try:
        began = time.perf_counter()
        site = build_site(workdir / "site", args.n, args.seed)
        print(
            f"built {len(site.pages)} pages in {site.feeds} feeds in {time.perf_counter() - began:.1f} s: "
            f"{site.total_bytes / len(site.pages) / 1024:.1f} KB per page on average, smallest "
            f"{site.min_page_bytes / 1024:.1f} KB; cores {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}"
        )
        results: dict[str, Measured] = {}
        if not args.skip_baseline:
            list_file = workdir / "pages.txt"
            list_file.write_text("\n".join(str(p) for p in site.pages), encoding="utf-8")
            measured = run_measured("a", [PYTHON, __file__, "--baseline-child", str(list_file)])
            if measured.returncode != 0:
                print(measured.stderr[-3000:], file=sys.stderr)
                return 1
            figures = json.loads(measured.stdout.strip().splitlines()[-1])
            measured.extra = figures
            measured.seconds = figures["seconds"]  # the loop itself, as the issue defines the baseline
            measured.cpu_seconds = figures["cpu_seconds"]
            results["a"] = measured
        with LocalSite(workdir / "site") as server:
            feeds = server.render_feeds_file(workdir / "feeds.yaml")
            runs = [("b", 1, [])]
            if not args.skip_multi:
                runs.append(("c", 2, ["--direct_running_mode=multi_processing", "--direct_num_workers=2"]))
            for label, workers, extra in runs:
                output = workdir / f"out-{label}"
                shutil.rmtree(output, ignore_errors=True)
                run_id = f"bench-{label}"
                measured = run_measured(label, ingest_command(feeds, output, run_id, extra))
                if measured.returncode != 0:
                    print(f"({label}) failed with exit {measured.returncode}:\n{measured.stderr[-3000:]}", file=sys.stderr)
                    return 1
                report = read_report(output, run_id)
                counters = report.get("counters") or {}
                measured.extra = {
                    "workers": workers,
                    "articles_written": (report.get("tables") or {}).get("articles", {}).get("rows")
                    if isinstance((report.get("tables") or {}).get("articles"), dict) else None,
                    "pages_fetched": counters.get("pages_fetched"),
                    "articles_extracted": counters.get("articles_extracted"),
                    "rejects": {k: v for k, v in counters.items() if k.startswith("rejects.") and v},
                    "stages": stage_rows(report, measured.seconds, workers, args.n),
                }
                results[label] = measured
        load = os.getloadavg()
        print_results(results, args.n, load)
        if args.json:
            Path(args.json).write_text(
                json.dumps({"n": args.n, "load": load, "cores": os.cpu_count(),
                            "runs": {k: {"seconds": m.seconds, "cpu_seconds": m.cpu_seconds, "max_rss_kb": m.max_rss_kb, "tree_peak_kb": m.tree_peak_kb,
                                         **m.extra} for k, m in results.items()}}, indent=1, default=str),
                encoding="utf-8",
            )
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def print_results(results: dict[str, Measured], n: int, load: tuple[float, float, float]) -> None:
    names = {"a": "(a) bare trafilatura.extract loop", "b": "(b) akhbar ingest, default runner",
             "c": "(c) akhbar ingest, multi_processing x2"}
    print(f"\n{'run':<42}{'seconds':>9}{'articles/s':>12}{'CPU s':>8}{'articles/CPU s':>16}"
          f"{'peak RSS (largest)':>20}{'peak RSS (tree)':>17}")
    for label, measured in results.items():
        print(f"{names[label]:<42}{measured.seconds:>9.1f}{n / measured.seconds:>12.1f}{measured.cpu_seconds:>8.1f}"
              f"{n / measured.cpu_seconds:>16.1f}{_mb(measured.max_rss_kb):>20}{_mb(measured.tree_peak_kb):>17}")
    rate = {label: n / m.seconds for label, m in results.items()}
    if "a" in rate and "b" in rate:
        cpu_ratio = results["a"].cpu_seconds / results["b"].cpu_seconds
        print(f"b/a = {rate['b'] / rate['a']:.2f} (target >= 0.75); per CPU second, less sensitive to a loaded "
              f"machine: {cpu_ratio:.2f}")
    if "b" in rate and "c" in rate:
        print(f"c/b = {rate['c'] / rate['b']:.2f} (target >= 1.5 on 2 cores)")
    for label in ("b", "c"):
        if label not in results:
            continue
        extra = results[label].extra
        print(f"\n{names[label]}: pages fetched {extra['pages_fetched']}, extracted {extra['articles_extracted']}, "
              f"rejects {extra['rejects'] or 'none'}")
        print(f"  {'stage':<40}{'ms/page':>9}{'share of wall x workers':>25}")
        for stage, per_page, share in extra["stages"]:
            print(f"  {stage:<40}{per_page:>9.1f}{share:>24.0%}")
    print(f"\nload average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (the machine is shared: repeat and take medians)")


if __name__ == "__main__":
    sys.exit(main())
