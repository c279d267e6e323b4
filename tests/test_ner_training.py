"""Training-side helpers of train/ner.py on Arabic sentences written for these tests.

    .venv/bin/pytest tests/test_ner_training.py -q

Needs no corpus: the sentences and their entity spans below are ours.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def ner_training():
    # train/ner.py shares its module name with other files: load it under its own name.
    spec = importlib.util.spec_from_file_location("ner_training", REPO / "train" / "ner.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _spans(text: str, *named: tuple[str, str]) -> tuple[str, list[tuple[int, int, str]]]:
    """(text, spans) with each (name, type) located at its first occurrence."""
    spans = []
    for name, typ in named:
        start = text.index(name)
        spans.append((start, start + len(name), typ))
    return text, spans


SENTENCES = [
    _spans(
        "وقال وزير الخارجية سامح شكري في القاهرة إن المحادثات مستمرة",
        ("سامح شكري", "PER"),
        ("القاهرة", "LOC"),
    ),
    _spans(
        "وأعلنت منظمة الصحة العالمية أن الوباء انحسر في ولاية كيرالا",
        ("منظمة الصحة العالمية", "ORG"),
        ("كيرالا", "LOC"),
    ),
    # the place starts after the proclitic و inside its token, as NewsFANE's spans do
    _spans(
        "وصل الوفد إلى عمان ووارسو قبل أن يلتقي نبيل العربي",
        ("عمان", "LOC"),
        ("وارسو", "LOC"),
        ("نبيل العربي", "PER"),
    ),
    _spans(
        "ارتفعت أسعار النفط الخام أمس بنسبة طفيفة",
    ),
    _spans(
        "وأشاد الفلسطينيون بموقف البرلمان الأوروبي", ("الفلسطينيون", "MISC"), ("البرلمان الأوروبي", "ORG")
    ),
]


def test_replaced_names_come_from_the_pool_of_their_type(ner_training) -> None:
    pool: dict[str, set[str]] = {}
    for text, spans in SENTENCES:
        for start, end, typ in spans:
            pool.setdefault(typ, set()).add(text[start:end])
    copies = ner_training.replace_mentions(SENTENCES, copies=3, share=1.0)
    # the sentence without names is not copied; the others once per copy, in order
    assert len(copies) == 3 * 4
    for (text, spans), (_original, original_spans) in zip(
        copies, [s for s in SENTENCES if s[1]] * 3, strict=True
    ):
        assert [typ for *_, typ in spans] == [typ for *_, typ in original_spans]
        for start, end, typ in spans:
            assert text[start:end] in pool[typ]


def test_context_proclitics_and_misc_stay_as_written(ner_training) -> None:
    copies = ner_training.replace_mentions(SENTENCES, copies=5, share=1.0, seed=7)
    places = {"القاهرة", "كيرالا", "عمان", "وارسو"}
    for text, spans in copies:
        if text.startswith("وصل الوفد إلى "):
            # «ووارسو»: the copy keeps the proclitic و right before the new place
            second_place = spans[1]
            assert text[second_place[0] - 1] == "و" and text[second_place[0] - 2] == " "
            assert text[second_place[0] : second_place[1]] in places
            assert " قبل أن يلتقي " in text
        if text.endswith("بموقف " + text[spans[-1][0] : spans[-1][1]]):
            assert text.startswith("وأشاد الفلسطينيون بموقف ")  # MISC is not a swap candidate
            assert [typ for *_, typ in spans] == ["MISC", "ORG"]


def test_share_zero_copies_the_sentences_unchanged(ner_training) -> None:
    assert ner_training.replace_mentions(SENTENCES, copies=1, share=0.0) == [
        (text, spans) for text, spans in SENTENCES if spans and any(t != "MISC" for *_, t in spans)
    ]


def test_replacement_is_deterministic_and_changes_names(ner_training) -> None:
    first = ner_training.replace_mentions(SENTENCES)
    assert first == ner_training.replace_mentions(SENTENCES)
    swapped = ner_training.replace_mentions(SENTENCES, copies=4, share=1.0)
    originals = {text for text, _ in SENTENCES}
    assert any(text not in originals for text, _ in swapped)
