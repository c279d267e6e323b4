"""Entity recognition cost, this tree's CRF decoder against an older commit's, in one process.

    .venv/bin/python bench/ner_decoder_speed.py --base c99f0d8 --rounds 3 [--full-bodies]

Reads ../shared/corpus/ant/ant_multisource.jsonl.gz (skips cleanly, exit 0, when it is absent).
The base decoder is ``transforms/text/ner_features.py`` as of ``--base`` (read with ``git
show``), run on the same ``EntityRecognizer`` (same gazetteer, patterns, model), so only the
decoder differs. Checks first that both give the same labels on every token and the same
mentions on every article, then alternates base and this tree: per round, one warm pass and
four timed passes each, median CPU ms per article (``time.process_time``: the machine is
shared, wall time would mostly measure the neighbours). Articles: the first 300 ANT articles
with 600 words, cut at 600 words (as bench/ner.py), or with ``--full-bodies`` the first 300
whole bodies.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from akhbar import configs  # noqa: E402
from akhbar.transforms.text.entities import MODEL_NAME, EntityRecognizer  # noqa: E402
from akhbar.transforms.text.ner_features import gazetteer_tags, token_keys, token_spans  # noqa: E402


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="commit whose ner_features.py is the baseline")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--full-bodies", action="store_true")
    args = parser.parse_args()
    bench_ner = _load("bench_ner", REPO / "bench" / "ner.py")
    if not bench_ner.ANT.exists():
        print(f"SKIP: corpus not found: {bench_ner.ANT}")
        return 0
    source = subprocess.run(
        ["git", "-C", str(REPO), "show", f"{args.base}:transforms/text/ner_features.py"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "base_ner_features.py").write_text(source, encoding="utf-8")
        base = _load("base_ner_features", Path(tmp) / "base_ner_features.py")
    if args.full_bodies:
        with gzip.open(bench_ner.ANT, "rt", encoding="utf-8") as fh:
            articles = [json.loads(line).get("text") or "" for line in itertools.islice(fh, 300)]
    else:
        articles = bench_ner.ant_articles()
    model_path = configs.path(MODEL_NAME)
    ours = EntityRecognizer(model_path=model_path)
    theirs = EntityRecognizer(model_path=model_path)
    theirs.decoder = base.CrfDecoder(base.CrfModel.load(model_path), theirs.extract)

    tokens = differing_labels = 0
    for text in articles:
        surfaces, starts, _ends = token_spans(text)
        keys = token_keys(surfaces)
        windows = ours._windows(text, surfaces, starts)
        gaz = [tag for lo, hi in windows for tag in gazetteer_tags(ours.gazetteer, keys[lo:hi])]
        new, old = (
            ours.decoder.tag(surfaces, keys, gaz, windows),
            theirs.decoder.tag(surfaces, keys, gaz, windows),
        )
        tokens += len(new)
        differing_labels += sum(a != b for a, b in zip(new, old, strict=True))
    differing_mentions = sum(ours.recognize(a) != theirs.recognize(a) for a in articles)
    words = sum(len(a.split()) for a in articles) / len(articles)
    print(
        f"{len(articles)} ANT articles ({words:.0f} words on average), {tokens} tokens: labels differing "
        f"{differing_labels}, articles whose mentions differ {differing_mentions}"
    )

    timings: dict[str, list[float]] = {"base": [], "this tree": []}
    for _ in range(args.rounds):
        for name, recognizer in (("base", theirs), ("this tree", ours)):
            for article in articles:
                recognizer.recognize(article)  # warm the per-word memos
            passes = []
            for _ in range(4):
                started = time.process_time()
                for article in articles:
                    recognizer.recognize(article)
                passes.append((time.process_time() - started) * 1000 / len(articles))
            timings[name].append(statistics.median(passes))
            print(
                f"  {name}: {timings[name][-1]:.2f} ms/article (load average {os.getloadavg()[0]:.1f})",
                flush=True,
            )
    for name, values in timings.items():
        print(f"{name}: {' / '.join(f'{v:.2f}' for v in values)} CPU ms per article")
    return 0


if __name__ == "__main__":
    sys.exit(main())
