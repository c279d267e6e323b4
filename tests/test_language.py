"""Language detection: the Arabic shortcut, lingua for the rest, and undecidable input.

.venv/bin/pytest tests/test_language.py -q
"""

from __future__ import annotations

import threading

import pytest

from akhbar.transforms.text import language
from akhbar.transforms.text.language import detect_language

ARABIC = (
    "قال وزير الخارجية إن المحادثات مع الجانب الأميركي مستمرة، وإن جولة جديدة ستعقد في العاصمة الشهر المقبل."
)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (ARABIC, "ar"),
        (
            "The foreign minister said talks with the American side would continue next month in the capital.",
            "en",
        ),
        (
            "Le ministre des Affaires étrangères a déclaré que les discussions se poursuivraient le mois prochain.",
            "fr",
        ),
        (
            "وزیر امور خارجه گفت که گفتگوها با طرف آمریکایی ادامه دارد و دور جدید ماه آینده برگزار می‌شود.",
            "fa",
        ),
        ("وزیر خارجہ نے کہا کہ امریکی فریق کے ساتھ بات چیت جاری ہے اور اگلے مہینے نیا دور ہوگا۔", "ur"),
        (
            "Dışişleri bakanı, Amerikan tarafıyla görüşmelerin gelecek ay başkentte devam edeceğini söyledi.",
            "tr",
        ),
        ("שר החוץ אמר כי השיחות עם הצד האמריקאי יימשכו בחודש הבא בבירה.", "he"),
        ("سەرۆکی هەرێمەکە ڕایگەیاند کە دانوستانەکان لەگەڵ بەغدا بەردەوامن", "ku"),
    ],
)
def test_languages_of_the_region(text, code):
    detected, confidence = detect_language(text)
    assert detected == code
    assert 0.5 < confidence <= 1.0


@pytest.mark.parametrize(
    "text", ["", "   ", "123 456 ٧٨٩", "\u064b\u064c\u064d", "ـــــــ", "!!! ... ؟؟", "\u200f\u200e"]
)
def test_undecidable_text_is_none(text):
    assert detect_language(text) == (None, 0.0)


def test_arabic_shortcut_does_not_run_lingua(monkeypatch):
    def no_model():
        raise AssertionError("lingua was called for plain Arabic")

    monkeypatch.setattr(language, "_get_detector", no_model)
    assert detect_language(ARABIC * 50)[0] == "ar"
    # Tatweel and diacritics do not push Arabic text off the shortcut.
    assert detect_language("قـــال الوزيرُ إنَّ المحادثاتِ مستمرةٌ")[0] == "ar"


def test_mixed_text_follows_the_dominant_language():
    english = (
        "The company announced record profits for the third quarter and raised its forecast for the year."
    )
    assert detect_language(ARABIC + " Apple iPhone CNN")[0] == "ar"
    assert detect_language(english + " قال الوزير")[0] == "en"


def test_half_arabic_half_english_is_not_reported_as_certain():
    mixed = "قال الوزير إن المحادثات مستمرة. The minister said talks continue. " * 30
    code, confidence = detect_language(mixed)
    assert code in {"ar", "en"}
    assert 0.3 < confidence < 0.7


def test_only_the_first_sample_is_read(monkeypatch):
    monkeypatch.setattr(language, "SAMPLE_CHARS", 200)
    text = ARABIC * 3 + " The rest of this very long text is English. " * 200
    assert detect_language(text)[0] == "ar"


def test_detector_is_built_once_across_threads():
    results = []

    def work():
        results.append(
            (detect_language("The minister said the talks will continue."), language._get_detector())
        )

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {r[0][0] for r in results} == {"en"}
    assert len({id(r[1]) for r in results}) == 1
