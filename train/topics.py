"""Train the shipped topic classifier on the ANT multi-source corpus.

    /work/main/.venv/bin/python train/topics.py              # writes configs/models/topics.npz, prints held-out macro-F1
    /work/main/.venv/bin/python train/topics.py --out /tmp/t.npz --holdout   # train on the 80 % split only

Reads ``../shared/corpus/ant/ant_multisource.jsonl.gz`` (override with ``--corpus``): 30k
articles from the RSS feeds of five Arabic outlets (2018), labelled by the feed they came
from. Deterministic: fixed split seed, LinearSVC's liblinear with a fixed random_state, so
a re-run writes the same arrays.

Labels → vocabulary: culture → culture, economy → economy, sport → sport, technology →
science-technology; the regional feeds middleEast and internationalNews → politics (they
are overwhelmingly politics and conflict, which these labels cannot separate: the model
never learns ``conflict``, the keyword rules in configs/topics.yaml do that).

ANT repeats articles under two feeds. We group records by a hash of their normalised text
(``article_key``) before anything else, so a repeated article is one example and can never
sit on both sides of a split. When its labels disagree, a topical label (sport, economy, …)
wins over a regional one (the regional feed carried a sport story); two different topical
labels make it ambiguous and it is dropped.

Model: hashed word/stem/bigram + head character n-gram features (transforms.topics.Featurizer),
idf from the training rows, LinearSVC (C=0.25) with balanced class weights (inverse frequency). Softmax
temperature for ``confidence`` is fitted on a seeded 20 % split, then the final model is
refit on everything. Output: plain arrays in an .npz (float16 weights), no pickle.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import configs  # noqa: E402
from transforms.arabic import normalize_match  # noqa: E402
from transforms.topics import MODEL_NAME, FeatureSpec, Featurizer, softmax, topic_text  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus" / "ant" / "ant_multisource.jsonl.gz"
LABELS = {
    "culture": "culture",
    "economy": "economy",
    "sport": "sport",
    "technology": "science-technology",
    "middleEast": "politics",
    "internationalNews": "politics",
}
REGIONAL = "politics"
SEED = 0
HOLDOUT_FRACTION = 0.2
SVM_C = 0.25
CLASS_WEIGHT_POWER = 1.0
SPEC = FeatureSpec()


@dataclass(frozen=True)
class Example:
    key: str
    source: str
    label: str
    title: str
    text: str
    url: str


def article_key(text: str) -> str:
    return hashlib.blake2b(" ".join(normalize_match(text).split()).encode(), digest_size=8).hexdigest()


def load_examples(path: Path = CORPUS) -> list[Example]:
    """Deduplicated, labelled ANT articles in corpus order (see the module docstring)."""
    groups: dict[str, list[dict]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            if len((record.get("text") or "").strip()) < 30:
                continue
            groups.setdefault(article_key(record["text"]), []).append(record)
    examples = []
    for key, records in groups.items():
        labels = {LABELS[r["label"]] for r in records}
        topical = labels - {REGIONAL}
        if len(topical) > 1:
            continue
        first = records[0]
        examples.append(
            Example(
                key=key,
                source=first["src"],
                label=topical.pop() if topical else REGIONAL,
                title=first.get("title") or "",
                text=first["text"],
                url=first.get("url") or "",
            )
        )
    return examples


def heldout_split(examples: Sequence[Example], seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Stratified train/test indices by article (duplicates were merged, so nothing leaks)."""
    from sklearn.model_selection import train_test_split

    labels = [e.label for e in examples]
    train, test = train_test_split(
        np.arange(len(examples)), test_size=HOLDOUT_FRACTION, random_state=seed, stratify=labels
    )
    return np.sort(train), np.sort(test)


def fit_idf(counts, rows: np.ndarray) -> np.ndarray:
    """Smoothed idf over the training rows (as TfidfTransformer(smooth_idf=True))."""
    df = np.bincount(counts[rows].indices, minlength=counts.shape[1])
    return (np.log((1 + len(rows)) / (1 + df)) + 1).astype(np.float32)


def class_weights(labels: Sequence[str], power: float = CLASS_WEIGHT_POWER) -> dict[str, float]:
    """(n / (k · n_class))^power: between no weighting (0) and sklearn's 'balanced' (1)."""
    counts = Counter(labels)
    total, k = len(labels), len(counts)
    return {label: (total / (k * n)) ** power for label, n in counts.items()}


@dataclass
class LinearModel:
    classes: list[str]
    coef: np.ndarray
    intercept: np.ndarray
    idf: np.ndarray

    def decision(self, featurizer_spec: FeatureSpec, counts) -> np.ndarray:
        matrix = Featurizer(featurizer_spec, self.idf).weigh(counts)
        return np.asarray(matrix @ self.coef.T) + self.intercept


def fit(counts, labels: np.ndarray, rows: np.ndarray, spec: FeatureSpec = SPEC) -> LinearModel:
    from sklearn.svm import LinearSVC

    idf = fit_idf(counts, rows)
    matrix = Featurizer(spec, idf).weigh(counts[rows])
    svm = LinearSVC(C=SVM_C, class_weight=class_weights(list(labels[rows])), random_state=SEED)
    svm.fit(matrix, labels[rows])
    return LinearModel(
        [str(c) for c in svm.classes_], svm.coef_.astype(np.float32), svm.intercept_.astype(np.float32), idf
    )


def fit_temperature(scores: np.ndarray, truth: np.ndarray) -> float:
    """Softmax temperature minimising the negative log-likelihood of held-out labels (grid search)."""
    best, best_nll = 1.0, np.inf
    for temperature in np.exp(np.linspace(np.log(0.5), np.log(20), 60)):
        probs = softmax(scores * temperature)
        nll = -np.mean(np.log(np.maximum(probs[np.arange(len(truth)), truth], 1e-9)))
        if nll < best_nll:
            best, best_nll = float(temperature), nll
    return best


def featurize(examples: Iterable[Example], spec: FeatureSpec = SPEC):
    return Featurizer(spec).counts([topic_text(e.title, e.text, spec.max_chars) for e in examples])


def macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    """Macro-F1 over the classes present in ``truth`` (an outlet without a culture feed is not
    scored on culture, but a wrong culture prediction still costs the true class recall)."""
    from sklearn.metrics import f1_score

    return float(f1_score(truth, predicted, average="macro", labels=sorted(set(truth)), zero_division=0))


def save(model: LinearModel, temperature: float, out: Path, spec: FeatureSpec = SPEC) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        spec=np.array(spec.to_json()),
        classes=np.array(model.classes),
        coef=model.coef.astype(np.float16),
        intercept=model.intercept.astype(np.float32),
        idf=model.idf.astype(np.float16),
        temperature=np.array(temperature, dtype=np.float32),
        corpus=np.array("ANT multi-source (antcorpus/antcorpus.multisource.data @ f117ce44)"),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--out", type=Path, default=configs.path(MODEL_NAME))
    parser.add_argument(
        "--holdout", action="store_true", help="train the written model on the 80 %% split only"
    )
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    examples = load_examples(args.corpus)
    labels = np.array([e.label for e in examples])
    print(f"{len(examples)} articles after dedup: {dict(Counter(labels.tolist()))}")
    counts = featurize(examples)
    print(f"featurized in {time.perf_counter() - started:.0f} s")
    train, test = heldout_split(examples)
    model = fit(counts, labels, train)
    scores = model.decision(SPEC, counts[test])
    index = {c: i for i, c in enumerate(model.classes)}
    temperature = fit_temperature(scores, np.array([index[label] for label in labels[test]]))
    predicted = [model.classes[i] for i in scores.argmax(axis=1)]
    print(
        f"held-out macro-F1 {macro_f1(labels[test].tolist(), predicted):.4f} (temperature {temperature:.2f})"
    )
    if not args.holdout:
        model = fit(counts, labels, np.arange(len(examples)))
    save(model, temperature, args.out)
    print(
        f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
