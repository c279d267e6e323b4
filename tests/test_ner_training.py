"""The splits of train/ner.py: tuning folds never touch the held-out documents.

    .venv/bin/pytest tests/test_ner_training.py -q

Needs no corpus: the splits are sentence index ranges.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SENTENCES = 2307  # NewsFANE Gold's sentence count, as train/ner.py's comments give it


@pytest.fixture(scope="module")
def ner_training():
    # train/ner.py shares its module name with bench/ner.py: load it under its own name.
    spec = importlib.util.spec_from_file_location("ner_training", REPO / "train" / "ner.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tuning_folds_are_training_side_and_apart(ner_training) -> None:
    _train, held = ner_training.split_heldout(SENTENCES, "document")
    held = set(held)
    folds = {}
    for name in ner_training.TUNE_FOLDS:
        train, tune = ner_training.split_heldout(SENTENCES, name)
        assert tune and not held & set(tune), name  # never a held-out sentence
        assert not held & set(train) and not set(train) & set(tune), name
        assert len(train) + len(tune) + len(held) == SENTENCES, name
        folds[name] = set(tune)
    assert not folds["tune"] & folds["tune2"]
    # the duplicated document (1992-2022 = 2023-2053) is never split across a fold's cut
    for tune in folds.values():
        assert not tune & set(range(1992, 2054))


def test_each_split_scores_its_own_stretches_as_articles(ner_training, tmp_path) -> None:
    """heldout_articles joins the sentences of the split's own stretches: written here as a
    tiny NewsFANE-format file where each sentence names its index."""
    corpus = tmp_path / "mini.txt"
    lines = []
    for index in range(SENTENCES):
        lines += ["\u200eجملة\tO", f"\u200e{index}\tO", "\u200e\tO"]
    corpus.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    for split in ("document", *ner_training.TUNE_FOLDS):
        _train, expected = ner_training.split_heldout(SENTENCES, split)
        articles = ner_training.heldout_articles(corpus, words=50, split=split)
        found = [int(line.split()[1]) for text, _ in articles for line in text.split("\n")]
        assert found == expected, split
