"""Arabic normalisation: display form for ``body``, match-key form for search and dedup.

.venv/bin/pytest tests/test_arabic.py -q
"""

from __future__ import annotations

import pytest

from akhbar.transforms.text.arabic import (
    count_words,
    match_tokens,
    normalize_display,
    normalize_match,
    to_ascii_digits,
)

SAMPLES = [
    "قال الوزير أمســ الأربعاء ٤ تشرين الثاني/نوفمبر إنّ المحادثات مستمرة",
    "\ufeffأعلنت\u200f الحكومة\u200e عن خطة\u200c جديدة\u200d للنقل",
    "ﻻ ﷲ ﺍﻟﻌﺮﺑﻴﺔ",
    "زار الرئيسُ مدينةَ حلبَ يومَ ۱۲ آذار ، وقال : «الأمر  مهم »",
    'نقلت لـCNN عن مصادر بـ"الجيش" والـ400 صاروخ',
    "ـــــ",
    "",
    "English text with Arabic: السلام عليكم 2024",
]


def test_display_removes_tatweel_and_invisible_marks():
    assert normalize_display("أمســ الأربعاء") == "أمس الأربعاء"
    assert (
        normalize_display("\ufeffأعلنت\u200f الحكومة\u200e خطة\u200c جديدة\u200d")
        == "أعلنت الحكومة خطة جديدة"
    )
    assert normalize_display("ـــــ") == ""


def test_display_keeps_the_tatweel_that_separates_a_proclitic_from_a_foreign_word():
    assert normalize_display('قال لـCNN إن بـ"الجيش" والـ400') == 'قال لـCNN إن بـ"الجيش" والـ400'
    assert normalize_display("الــعاصمة بــغداد") == "العاصمة بغداد"


def test_display_folds_presentation_forms():
    assert normalize_display("ﻻ ﺍﻟﻌﺮﺑﻴﺔ") == "لا العربية"
    assert normalize_display("ﷲ") == "الله"


def test_display_keeps_digits_diacritics_and_hamza_as_written():
    text = "في ٤ تشرين وفي ۱۲ آذار وفي 2024 قالَ إنّ"
    assert normalize_display(text) == text


def test_display_fixes_punctuation_spacing():
    assert normalize_display("قال ، إن الأمر  مهم .") == "قال، إن الأمر مهم."
    assert normalize_display("قال:« الأمر مهم »") == "قال:«الأمر مهم»"
    assert normalize_display("أولا،ثانيا") == "أولا، ثانيا"
    assert normalize_display("انتهى الاجتماع الخميس.وقال الوزير") == "انتهى الاجتماع الخميس. وقال الوزير"
    assert normalize_display("القاهرة:قال") == "القاهرة: قال"
    # Abbreviations, decimals, times and URLs keep their dots and colons.
    for kept in ("(أ.ف.ب)", "د.ب.أ", "3.5 مليار", "الساعة 10:30", "موقع example.com"):
        assert normalize_display(kept) == kept


def test_display_keeps_paragraphs_and_collapses_blank_runs():
    assert normalize_display("فقرة أولى\r\n\r\n\r\n\r\nفقرة ثانية\nسطر") == "فقرة أولى\n\nفقرة ثانية\nسطر"


def test_match_form_folds_letters_digits_and_marks():
    assert normalize_match("أإآٱ") == "اااا"
    assert normalize_match("مستشفى") == "مستشفي"
    assert normalize_match("العاصمة") == "العاصمه"
    assert normalize_match("مسؤول هيئة") == "مسوول هييه"
    assert normalize_match("قالَ إنّ") == "قال ان"
    assert normalize_match("٤ ۱۲ 2024") == "4 12 2024"
    assert normalize_match("أمســ CNN") == "امس cnn"


def test_match_tokens_and_helpers():
    assert match_tokens("«أعلنت» الحكومة، اليوم!") == ["اعلنت", "الحكومه", "اليوم"]
    assert to_ascii_digits("٤ تشرين ۱۲") == "4 تشرين 12"
    assert count_words("قال الوزير: 3 مستشفيات") == 4


@pytest.mark.parametrize("text", SAMPLES)
def test_both_forms_are_idempotent(text):
    display = normalize_display(text)
    assert normalize_display(display) == display
    match = normalize_match(text)
    assert normalize_match(match) == match
    # The match form does not respace punctuation, but its tokens agree with the display form's.
    assert match_tokens(display) == match_tokens(text)


def test_large_input_is_fast():
    import time

    text = "قال الوزير أمســ إنّ ٤ مستشفيات جديدة ستفتتح، " * 25000
    start = time.perf_counter()
    normalize_display(text)
    normalize_match(text)
    assert time.perf_counter() - start < 2.0
