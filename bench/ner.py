"""Entity recognition quality and speed on held-out NewsFANE, against a gazetteer-only tagger.

    /work/main/.venv/bin/python bench/ner.py

Reads ../shared/corpus/ner/newsfane_gold_dev.txt (skips cleanly, exit 0, when it is absent)
and ../shared/corpus/ant/ant_multisource.jsonl.gz for the speed on real news (that part is
skipped when ANT is absent).
Quality: entity-level exact-span precision/recall/F1 per type on train/ner.py's document split
(five stretches of whole NewsFANE documents that the shipped model never saw), tagged sentence
by sentence and, as the pipeline tags them, as article-sized texts (a name tagged once is then
found where it recurs); the baseline is the same gazetteer with no model and no patterns, run in
the same process, and the ratio is ours / baseline.
Speed: held-out sentences glued into ~600-word articles, ``recognize`` per article; then the
first 600 words of ANT articles, ours against the same recogniser tagging through
``pycrfsuite.Tagger`` on string features (the way the model was trained and first served),
which must give identical mentions. Times are process CPU time (the machine is shared, so
wall time mostly measures the neighbours), median of passes in steady state (memos warm).
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import re
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from akhbar import configs  # noqa: E402
from akhbar.transforms.text.arabic import count_words  # noqa: E402
from akhbar.transforms.text.entities import MODEL_NAME, EntityRecognizer  # noqa: E402
from akhbar.transforms.text.ner_features import word_shape  # noqa: E402

# train/ner.py shares this file's name: load it under its own module name.
_spec = importlib.util.spec_from_file_location("ner_training", REPO / "train" / "ner.py")
ner_training = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ner_training)

ARTICLE_WORDS = 600
ANT = REPO.parent / "shared" / "corpus" / "ant" / "ant_multisource.jsonl.gz"
ANT_ARTICLES = 300
_WORD = re.compile(r"\S+")


def articles_from(sentences: list[str], words: int = ARTICLE_WORDS) -> list[str]:
    out, current, count = [], [], 0
    for sentence in sentences:
        current.append(sentence)
        count += count_words(sentence)
        if count >= words:
            out.append("\n".join(current))
            current, count = [], 0
    return out


def ms_per_article(recognizer: EntityRecognizer, articles: list[str], **kwargs) -> tuple[float, float]:
    """(first pass, median of four later passes) in CPU ms per article: the first pass also
    fills the per-word memos, later passes are the steady state of a long-running worker."""
    timings = []
    for _ in range(5):
        started = time.process_time()
        for article in articles:
            recognizer.recognize(article, **kwargs)
        timings.append((time.process_time() - started) * 1000 / len(articles))
    return timings[0], statistics.median(timings[1:])


def ant_articles(count: int = ANT_ARTICLES, words: int = ARTICLE_WORDS) -> list[str]:
    """The first ``words`` words of the first ``count`` ANT articles that have that many."""
    out = []
    with gzip.open(ANT, "rt", encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line).get("text") or ""
            ends = [m.end() for m in _WORD.finditer(text)]
            if len(ends) >= words:
                out.append(text[: ends[words - 1]])
                if len(out) == count:
                    break
    return out


class CrfsuiteTagging:
    """Stands in for ``EntityRecognizer.decoder``: string features and ``pycrfsuite.Tagger``
    per window, the reference the fast decoder must agree with."""

    def __init__(self, recognizer: EntityRecognizer):
        import pycrfsuite

        self.recognizer = recognizer
        self.tagger = pycrfsuite.Tagger()
        self.tagger.open(str(configs.path(MODEL_NAME)))

    def tag(
        self, surfaces: Sequence[str], keys: Sequence[str], gaz_tags: Sequence[str], windows
    ) -> list[str]:
        labels: list[str] = []
        extract = self.recognizer.extract
        for lo, hi in windows:
            shapes = [word_shape(surface) for surface in surfaces[lo:hi]]
            labels += self.tagger.tag(extract(keys[lo:hi], shapes, gaz_tags[lo:hi]))
        return labels


def ant_speed() -> None:
    if not ANT.exists():
        print(f"SKIP ANT speed: corpus not found: {ANT}")
        return
    articles = ant_articles()
    ours = EntityRecognizer.default()
    reference = EntityRecognizer(model_path=configs.path(MODEL_NAME))
    reference.decoder = CrfsuiteTagging(reference)
    differing = sum(ours.recognize(a) != reference.recognize(a) for a in articles)
    ours_cold, ours_ms = ms_per_article(ours, articles)
    ref_cold, ref_ms = ms_per_article(reference, articles)
    print(
        f"ANT speed: {len(articles)} articles of {ARTICLE_WORDS} words, CPU ms/article steady state: ours {ours_ms:.2f}, "
        f"crfsuite tagging {ref_ms:.2f} (ratio {ours_ms / ref_ms:.2f}); first pass {ours_cold:.2f} / {ref_cold:.2f}; "
        f"articles whose mentions differ: {differing}"
    )


def main() -> int:
    corpus = ner_training.DEFAULT_CORPUS
    if not corpus.exists():
        print(f"SKIP: corpus not found: {corpus}")
        return 0
    _, held = ner_training.load_split(corpus)
    print(f"held-out NewsFANE (document split): {len(held)} sentences, {sum(len(e) for _, e in held)} gold entities")

    started = time.perf_counter()
    ours = EntityRecognizer.default()
    load_ms = (time.perf_counter() - started) * 1000
    baseline = EntityRecognizer(model_path=None)
    baseline_kwargs = {"use_patterns": False}

    ours_scores = ner_training.evaluate(ours, held)
    model_only = ner_training.evaluate(ours, held, use_patterns=False, use_gazetteer=False)
    base_scores = ner_training.evaluate(baseline, held, **baseline_kwargs)
    ner_training.print_scores("ours (CRF + title patterns + gazetteer):", ours_scores)
    articles_held = ner_training.heldout_articles(corpus)
    ner_training.print_scores(
        f"ours on the same documents as {len(articles_held)} article-sized texts (as the pipeline tags them):",
        ner_training.evaluate(ours, articles_held),
    )
    ner_training.print_scores("ours, model alone:", model_only)
    ner_training.print_scores("baseline (gazetteer only):", base_scores)
    for name in ("PER", "ORG", "LOC", "ALL"):
        ratio = ours_scores[name]["f1"] / base_scores[name]["f1"] if base_scores[name]["f1"] else float("inf")
        print(f"  F1 ratio ours/baseline {name}: {ratio:.2f}")

    articles = articles_from([text for text, _ in held])
    ours_cold, ours_ms = ms_per_article(ours, articles)
    base_cold, base_ms = ms_per_article(baseline, articles, **baseline_kwargs)
    print(
        f"speed: {len(articles)} articles of ~{ARTICLE_WORDS} words, CPU steady state: ours {ours_ms:.2f} ms/article, "
        f"baseline {base_ms:.2f} ms/article (ratio {ours_ms / base_ms:.1f}x); first pass {ours_cold:.2f} / "
        f"{base_cold:.2f} ms; model load {load_ms:.0f} ms; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    ant_speed()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
