"""Per-article CPU cost of dedup.prepare and dedup.deduplicate: this tree against a git revision, same run.

    .venv/bin/python bench/dedup_vs_rev.py [--rev 393949c] [--articles 1000] [--repeats 5]

Loads transforms/text/dedup.py and configs/dedup.yaml as they were at ``--rev`` (git show) beside
the current module, runs both alternately on the first ``--articles`` ANT articles
(bench/dedup.py load_ant; reads ../shared/corpus, development material only) and prints the
minimum CPU time of ``--repeats`` rounds, and whether both gave the same rows. Event grouping
(transforms/text/stories.py) is the current one on both sides.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from akhbar.transforms.text import dedup

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from dedup import ANT, load_ant  # noqa: E402  (bench/dedup.py)


def _at_revision(rev: str, path: str) -> str:
    return subprocess.run(["git", "show", f"{rev}:{path}"], cwd=ROOT, check=True, capture_output=True, text=True).stdout


def load_old(rev: str):
    """(module, config) of transforms/text/dedup.py at ``rev``."""
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(_at_revision(rev, "transforms/text/dedup.py"))
    spec = importlib.util.spec_from_file_location("dedup_at_rev", fh.name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module, module.DedupConfig.from_dict(yaml.safe_load(_at_revision(rev, "configs/dedup.yaml")))


def _cpu(fn):
    start = time.process_time()
    result = fn()
    return time.process_time() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="393949c")
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if not ANT.exists():
        sys.exit(f"corpus not found: {ANT}")
    articles = load_ant(args.articles)
    old, old_config = load_old(args.rev)
    sides = {args.rev: (old, old_config), "this tree": (dedup, dedup.load_config())}
    times = {name: {"prepare": [], "deduplicate": []} for name in sides}
    results = {}
    for _ in range(args.repeats):
        for name, (module, config) in sides.items():
            seconds, _ = _cpu(lambda m=module, c=config: [m.prepare(a, False, c) for a in articles])
            times[name]["prepare"].append(seconds)
            seconds, results[name] = _cpu(lambda m=module, c=config: m.deduplicate(articles, config=c))
            times[name]["deduplicate"].append(seconds)
    print(f"{len(articles)} ANT articles, CPU ms/article, min of {args.repeats}")
    for name, steps in times.items():
        print(f"  {name:>10}: " + ", ".join(f"{step} {min(t) / len(articles) * 1e3:.3f}" for step, t in steps.items()))
    a, b = results.values()
    print(f"same articles: {a.articles == b.articles}; same stories rows: {a.stories == b.stories}")


if __name__ == "__main__":
    main()
