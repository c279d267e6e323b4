"""Where an ``akhbar ingest`` run spends its time, from a py-spy profile (sampled, all processes).

    /work/main/.venv/bin/python bench/profile_pipeline.py --n 500 [--multi] [--raw /tmp/ingest.prof]   # profile a run
    /work/main/.venv/bin/python bench/profile_pipeline.py --summarise /tmp/ingest.prof                 # summarise a saved one

Builds the same pages and feeds as bench/throughput.py (ANT texts from ../shared/corpus in
outlet templates, served on 127.0.0.1), runs ``akhbar ingest`` under ``py-spy record
--subprocesses --format raw`` and prints: the share of samples per pipeline phase (process
start and graph construction, feed fetch and parse, page fetch, extraction split into
trafilatura / cleaning / language, enrichment split into dates / entities / topic, dedup,
Parquet writing, Beam's own coding and bookkeeping, idle) and the functions with the most
self time. py-spy is a development tool, not a dependency: ``pip install py-spy`` into the
venv first. Exits 0 with a message when the corpus or py-spy is absent.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is a folder of scripts, not a package
from pagegen import ANT, build_site  # noqa: E402
from throughput import ingest_command  # noqa: E402

# Phase of a sample: the first rule whose marker appears in the stack (checked from the leaf
# side, so the innermost known frame decides). Markers are "function (file" prefixes.
PHASES: list[tuple[str, tuple[str, ...]]] = [
    ("extract: trafilatura", ("bare_extraction (trafilatura/", "load_html (trafilatura/")),
    ("extract: page metadata", ("page_metadata (transforms/article.py",)),
    ("extract: boilerplate", ("strip_boilerplate (transforms/text/boilerplate.py",)),
    ("extract: language", ("detect_language (transforms/text/language.py",)),
    ("extract: other", ("article_from_html (transforms/article.py",)),
    ("enrich: dates", ("find_dates (transforms/text/arabic_dates.py",)),
    ("enrich: entities", ("recognize (transforms/text/entities.py", "EntityRecognizer")),
    ("enrich: topic", ("assign_topic (transforms/text/topics.py",)),
    ("enrich: other", ("enrich_article (transforms/article.py",)),
    ("fetch page: decode", ("decode_html (transforms/web/charset.py",)),
    ("fetch page: http", ("FetchPageGroupFn.handle (transforms/stages/fetch.py",)),
    ("fetch feed + parse", ("fetch_feed (transforms/web/feedfetch.py",)),
    ("dedup", ("transforms/text/dedup", )),
    ("write parquet", ("transforms/stages/write.py", "transforms/stages/state.py")),
    ("run report", ("pipelines/report.py",)),
    ("beam: coders", ("coder_impl", "coders.py", "pickler", "dill")),
    ("beam: runner + harness", ("apache_beam/",)),
    ("imports", ("_find_and_load (<frozen importlib._bootstrap>",)),
]


def phase_of(frames: list[str]) -> str:
    for frame in reversed(frames):
        for phase, markers in PHASES:
            if any(marker in frame for marker in markers):
                return phase
    return "other"


def summarise(raw: Path, top: int = 25) -> None:
    phases: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")[1:]  # the first entry names the process
        if not frames:
            continue
        total += count
        phases[phase_of(frames)] += count
        self_time[frames[-1]] += count
    print(f"{total} samples (idle threads are not sampled by py-spy without --idle)")
    print(f"\n{'phase':<28}{'share':>8}")
    for phase, count in phases.most_common():
        print(f"{phase:<28}{count / total:>8.1%}")
    print(f"\nTop {top} functions by self time:")
    for frame, count in self_time.most_common(top):
        print(f"{count / total:>7.1%}  {frame[:150]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=500, help="article pages (default 500)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--multi", action="store_true", help="profile the multi_processing x2 run instead")
    parser.add_argument("--raw", default=None, help="keep the raw py-spy profile at this path")
    parser.add_argument("--summarise", default=None, help="only summarise this saved raw profile")
    parser.add_argument("--top", type=int, default=25, help="functions to list (default 25)")
    args = parser.parse_args(argv)
    if args.summarise:
        summarise(Path(args.summarise), args.top)
        return 0
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        print("py-spy not found: pip install py-spy into the venv to profile")
        return 0
    if not ANT.exists():
        print(f"corpus not found at {ANT}: nothing to profile")
        return 0
    from akhbar.pipelines.localsite import LocalSite

    workdir = Path(tempfile.mkdtemp(prefix="akhbar-profile-"))
    raw = Path(args.raw) if args.raw else workdir / "ingest.prof"
    try:
        build_site(workdir / "site", args.n, args.seed)
        extra = ["--direct_running_mode=multi_processing", "--direct_num_workers=2"] if args.multi else []
        with LocalSite(workdir / "site") as server:
            feeds = server.render_feeds_file(workdir / "feeds.yaml")
            command = [spy, "record", "--format", "raw", "--rate", "200", "--subprocesses", "-o", str(raw), "--",
                       *ingest_command(feeds, workdir / "out", "profile", extra)]
            done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stderr[-3000:], file=sys.stderr)
            return 1
        summarise(raw, args.top)
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True) if not args.raw else shutil.rmtree(workdir / "site", ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
