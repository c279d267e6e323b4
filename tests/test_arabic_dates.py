"""Arabic dates in feed timestamps and article text: transforms/text/arabic_dates.py.

    /work/main/.venv/bin/pytest tests/test_arabic_dates.py -q

Every Arabic sentence here is written for these tests. The corpus test at the end reads the
two seeds in ../shared/corpus and skips when they are absent.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from akhbar.transforms.text.arabic import normalize_display
from akhbar.transforms.text.arabic_dates import (
    find_dates,
    hijri_to_gregorian,
    parse_datetime,
    tabular_hijri_to_gregorian,
)

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
THURSDAY = date(2021, 11, 18)


def values(text: str, reference: date | datetime | None = THURSDAY) -> list[tuple[str, str | None, str]]:
    """(mention text, value, precision), after checking every offset against the text."""
    mentions = find_dates(text, reference)
    for mention in mentions:
        assert text[mention["start"] : mention["end"]] == mention["text"]
        assert mention["precision"] in {"day", "month", "year"}
    return [(m["text"], m["value"], m["precision"]) for m in mentions]


# --------------------------------------------------------------------------------------------
# parse_datetime


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Fri, 16 Feb 2018 22:08:10 +0400", datetime(2018, 2, 16, 18, 8, 10, tzinfo=UTC)),
        ("Sun, 11 Feb 2018 00:18:24 GMT", datetime(2018, 2, 11, 0, 18, 24, tzinfo=UTC)),
        ("Sun, 11 Feb 2018 00:18:24 EST", datetime(2018, 2, 11, 5, 18, 24, tzinfo=UTC)),
        ("2021-11-04T10:30:00+03:00", datetime(2021, 11, 4, 7, 30, tzinfo=UTC)),
        ("2021-11-04T10:30:00Z", datetime(2021, 11, 4, 10, 30, tzinfo=UTC)),
        ("الأحد 18 فبراير 2018", datetime(2018, 2, 18, tzinfo=UTC)),
        ("4 تشرين الثاني/نوفمبر 2021 - 10:30", datetime(2021, 11, 4, 10, 30, tzinfo=UTC)),
        ("١٨ فبراير ٢٠١٨ ٠٣:٤٥ م", datetime(2018, 2, 18, 15, 45, tzinfo=UTC)),
        ("الخميس ٣ جانفي ٢٠١٩ على الساعة 11:15 صباحا", datetime(2019, 1, 3, 11, 15, tzinfo=UTC)),
        ("12 أوت 2020 - 12:05 ص", datetime(2020, 8, 12, 0, 5, tzinfo=UTC)),
        ("7 فيفري 2020 12:40 مساءً", datetime(2020, 2, 7, 12, 40, tzinfo=UTC)),
        ("آخر تحديث: 27/02/2018 - 16:03 +03:00", datetime(2018, 2, 27, 13, 3, tzinfo=UTC)),
        ("5 أيار 2019 09:00 بتوقيت مكة المكرمة", datetime(2019, 5, 5, 6, 0, tzinfo=UTC)),
        ("5 مايو 2019 09:00 GMT+4", datetime(2019, 5, 5, 5, 0, tzinfo=UTC)),
        ("14-09-1432 هـ, 09:40 صباحاً", datetime(2011, 8, 14, 9, 40, tzinfo=UTC)),
        ("الأحد, 18 Feb 2018 10:30:00 +0300", datetime(2018, 2, 18, 7, 30, tzinfo=UTC)),
        ("18 February 2018", datetime(2018, 2, 18, tzinfo=UTC)),
    ],
)
def test_parse_datetime_reads_rfc822_iso_and_arabic_forms(raw: str, expected: datetime) -> None:
    parsed = parse_datetime(raw)
    assert parsed == expected
    assert parsed is not None and parsed.tzinfo == UTC


def test_parse_datetime_reads_zoneless_strings_in_the_default_zone() -> None:
    riyadh = timezone(timedelta(hours=3))
    assert parse_datetime("18 فبراير 2018 10:00", default_tz=riyadh) == datetime(
        2018, 2, 18, 7, 0, tzinfo=UTC
    )
    # A zone written in the string wins over the default.
    assert parse_datetime("18 فبراير 2018 10:00 GMT", default_tz=riyadh) == datetime(
        2018, 2, 18, 10, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "raw",
    [
        "32 فبراير 2018",
        "29 شباط 2021",
        "2017/13/45",
        "2017-13-45",
        "Fri, 32 Feb 2018 10:00:00 GMT",
        "18 فبراير 2018 25:10",
        "18 فبراير 2018 13:10 ص",
        "منذ 3 ساعات",
        "أمس",
        "",
        "   ",
        "لا تاريخ هنا",
        "30-02-33",
        "18 فبراير 2018 10:00 +2500",
    ],
)
def test_parse_datetime_refuses_malformed_or_relative_strings(raw: str) -> None:
    assert parse_datetime(raw) is None


def test_parse_datetime_survives_non_strings_and_long_input() -> None:
    assert parse_datetime(None) is None  # type: ignore[arg-type]
    assert parse_datetime("18 فبراير 2018 " * 10_000) is None


# --------------------------------------------------------------------------------------------
# find_dates: absolute forms per region


def test_levantine_egyptian_and_maghrebi_month_names() -> None:
    text = "افتتح المعرض في 3 آب 2019 ثم انتقل إلى القاهرة في 12 أغسطس 2019 وإلى تونس في 20 أوت 2019."
    assert values(text) == [
        ("3 آب 2019", "2019-08-03", "day"),
        ("12 أغسطس 2019", "2019-08-12", "day"),
        ("20 أوت 2019", "2019-08-20", "day"),
    ]


def test_spelling_variants_and_moroccan_names() -> None:
    text = "صدر الكتاب في 9 اغسطس 2015، وأعيد طبعه في 4 ماي 2016 ثم في 2 يوليوز 2017 و15 دجنبر 2018."
    assert [v[1] for v in values(text)] == ["2015-08-09", "2016-05-04", "2017-07-02", "2018-12-15"]


def test_doubled_month_forms_keep_their_whole_span() -> None:
    text = "أُعلن في 4 تشرين الثاني/نوفمبر 2021 أن الاتفاق الموقع في كانون الأول/ ديسمبر 2017 ما زال قائماً منذ نوفمبر (تشرين الثاني) 2019."
    assert values(text) == [
        ("4 تشرين الثاني/نوفمبر 2021", "2021-11-04", "day"),
        ("كانون الأول/ ديسمبر 2017", "2017-12", "month"),
        ("نوفمبر (تشرين الثاني) 2019", "2019-11", "month"),
    ]


def test_doubled_form_naming_two_different_months_is_not_a_date() -> None:
    assert values("تراجعت الصادرات بين يناير/فبراير 2020 وفق الإحصاءات.") == []


def test_ordinal_days_need_min() -> None:
    text = "وفي الرابع عشر من كانون الأول 2020 فُرضت العقوبات، وكان القرار الأول من نوعه."
    assert values(text) == [("الرابع عشر من كانون الأول 2020", "2020-12-14", "day")]


def test_first_day_of_a_range_takes_month_and_year_from_the_second() -> None:
    text = "تُعقد الدورة يومي 24 و25 نيسان 2019، والمعرض من 3 إلى 5 آذار 2020، والمؤتمر 7-9 أيار 2021."
    assert values(text) == [
        ("24", "2019-04-24", "day"),
        ("25 نيسان 2019", "2019-04-25", "day"),
        ("3", "2020-03-03", "day"),
        ("5 آذار 2020", "2020-03-05", "day"),
        ("7", "2021-05-07", "day"),
        ("9 أيار 2021", "2021-05-09", "day"),
    ]


def test_quantities_before_a_month_are_not_days() -> None:
    assert values("نشرت تركيا منظومة إس- 400 آذار 2020 قرب الحدود.") == [("آذار 2020", "2020-03", "month")]


def test_weekday_prefix_and_arabic_indic_digits() -> None:
    assert values("وُقّع الاتفاق يوم الأحد ١٨ فبراير ٢٠١٨ في الرباط.") == [
        ("يوم الأحد ١٨ فبراير ٢٠١٨", "2018-02-18", "day")
    ]


def test_years_and_qualified_months() -> None:
    text = "تأسست الشركة عام 2017، وتوسعت في العام 2019، وتعثرت منتصف تموز/ يوليو 2020 ثم أواخر العام 2021 م، وتعافت مطلع 2022."
    assert values(text) == [
        ("عام 2017", "2017", "year"),
        ("العام 2019", "2019", "year"),
        ("منتصف تموز/ يوليو 2020", "2020-07", "month"),
        ("أواخر العام 2021 م", "2021", "year"),
        ("مطلع 2022", "2022", "year"),
    ]


def test_numeric_dates_day_first_and_iso() -> None:
    assert values("عُقدت الجلسة في 18/02/2018 وتأجلت إلى 2018-03-04.") == [
        ("18/02/2018", "2018-02-18", "day"),
        ("2018-03-04", "2018-03-04", "day"),
    ]


def test_hijri_dates_are_converted_to_gregorian() -> None:
    text = "بدأ الصيام في 1 رمضان 1442 هـ، وصدر القرار في 14-09-1432 هـ، وفي شهر محرم 1442 هـ بدأت السنة."
    assert values(text) == [
        ("1 رمضان 1442 هـ", "2021-04-13", "day"),
        ("14-09-1432 هـ", "2011-08-14", "day"),
        ("شهر محرم 1442 هـ", "2020-09", "month"),
    ]


def test_hijri_conversion_follows_umm_al_qura_and_falls_back_to_tabular() -> None:
    assert hijri_to_gregorian(1442, 1, 1) == date(2020, 8, 20)
    assert hijri_to_gregorian(1442, 9, 1) == date(2021, 4, 13)
    # Umm al-Qura (the Saudi calendar) is a day earlier than the arithmetic one here.
    assert hijri_to_gregorian(1430, 2, 20) == date(2009, 2, 15)
    assert tabular_hijri_to_gregorian(1430, 2, 20) == date(2009, 2, 16)
    # Before 1343 AH there is no Umm al-Qura table: the arithmetic calendar answers.
    assert hijri_to_gregorian(1300, 1, 1) == tabular_hijri_to_gregorian(1300, 1, 1) == date(1882, 11, 12)
    assert hijri_to_gregorian(1442, 13, 1) is None
    assert hijri_to_gregorian(1442, 1, 31) is None


# --------------------------------------------------------------------------------------------
# find_dates: relative forms and missing years


def test_yesterday_with_weekday_and_today_and_tomorrow() -> None:
    text = "قال الوزير أمس الأربعاء إن المفاوضات ستستأنف غداً، وأكد اليوم أن الوفد وصل."
    assert values(text) == [
        ("أمس الأربعاء", "2021-11-17", "day"),
        ("غداً", "2021-11-19", "day"),
        ("اليوم", "2021-11-18", "day"),
    ]


def test_weekday_disagreeing_with_yesterday_wins() -> None:
    # Published (by the UTC date) on Thursday, but the outlet wrote «أمس الثلاثاء».
    assert values("وصل الوفد أمس الثلاثاء إلى العاصمة.") == [("أمس الثلاثاء", "2021-11-16", "day")]


def test_weekday_alone_and_with_modifiers() -> None:
    text = "التقى الوزيران الأربعاء، وسيلتقيان الأحد المقبل بعد لقاء الخميس الماضي ويوم الخميس."
    assert values(text) == [
        ("الأربعاء", "2021-11-17", "day"),
        ("الأحد المقبل", "2021-11-21", "day"),
        ("الخميس الماضي", "2021-11-11", "day"),
        ("يوم الخميس", "2021-11-18", "day"),
    ]


def test_relative_periods() -> None:
    text = "ارتفعت الأسعار الأسبوع الماضي، وتراجعت الشهر الماضي، وكانت مستقرة العام الماضي، ويتوقع أن ترتفع العام المقبل، ونهاية الشهر الماضي أغلقت السوق."
    assert values(text) == [
        ("الأسبوع الماضي", "2021-11", "month"),
        ("الشهر الماضي", "2021-10", "month"),
        ("العام الماضي", "2020", "year"),
        ("العام المقبل", "2022", "year"),
        ("نهاية الشهر الماضي", "2021-10", "month"),
    ]


def test_week_spanning_two_months_falls_back_to_year() -> None:
    assert values("أغلقت المدارس الأسبوع الماضي.", date(2021, 12, 6)) == [("الأسبوع الماضي", "2021", "year")]


def test_time_ago_expressions() -> None:
    text = "قُتل ثلاثة أشخاص منذ 3 أيام، وأصيب آخرون قبل يومين، وأعلن الخبر منذ ساعتين."
    assert values(text) == [
        ("منذ 3 أيام", "2021-11-15", "day"),
        ("قبل يومين", "2021-11-16", "day"),
        ("منذ ساعتين", "2021-11-18", "day"),
    ]


def test_time_before_another_event_is_not_resolved_against_publication() -> None:
    assert values("وُقّع الاتفاق قبل عامين من الحرب.") == []


def test_missing_year_inferred_from_reference() -> None:
    text = "وفي 4 تشرين الثاني/نوفمبر الحالي قال الوزير إن العقوبات فُرضت في 14 من كانون الأول، وفي كانون الأول/ ديسمبر الماضي تجددت."
    assert values(text) == [
        ("4 تشرين الثاني/نوفمبر الحالي", "2021-11-04", "day"),
        # 26 days ahead (counts as 52) beats 339 days back: the coming December.
        ("14 من كانون الأول", "2021-12-14", "day"),
        ("كانون الأول/ ديسمبر الماضي", "2020-12", "month"),
    ]


def test_missing_year_prefers_the_past_unless_the_future_is_much_closer() -> None:
    # 28 Dec is 8 days before a 5 Jan reference; 20 Jan is 15 days after (counts as 30).
    assert values("وصل في 28 كانون الأول ويغادر في 20 كانون الثاني", date(2021, 1, 5)) == [
        ("28 كانون الأول", "2020-12-28", "day"),
        ("20 كانون الثاني", "2021-01-20", "day"),
    ]
    assert values("فُرضت العقوبات في 14 من كانون الأول", date(2020, 12, 17)) == [
        ("14 من كانون الأول", "2020-12-14", "day")
    ]
    assert values("تبدأ الانتخابات في 2 كانون الثاني المقبل", date(2020, 12, 20)) == [
        ("2 كانون الثاني المقبل", "2021-01-02", "day")
    ]


def test_leap_day_without_year_needs_a_leap_year_near_the_reference() -> None:
    assert values("وُلد في 29 شباط", date(2020, 6, 1)) == [("29 شباط", "2020-02-29", "day")]
    assert values("وُلد في 29 شباط", date(2022, 6, 1)) == []


def test_bare_months_need_a_trigger_word() -> None:
    assert values("تبدأ الدراسة في آذار وتنتهي خلال شهر حزيران.") == [
        ("آذار", "2021-03", "month"),
        ("شهر حزيران", "2021-06", "month"),
    ]
    # A verb, a person and a car brand that share spellings with months.
    assert values("مارس الضغط على الحكومة، وقالت تيريزا ماي إن نيسان تبيع أكثر.") == []
    assert values("وصل رجب طيب إردوغان إلى أنقرة.") == []


def test_international_day_is_not_today() -> None:
    assert values("احتفل العالم باليوم العالمي للمرأة.") == []


def test_without_reference_relative_mentions_have_no_value() -> None:
    assert values("قال أمس إن الاجتماع في 14 من كانون الأول، والاتفاق عام 2017.", None) == [
        ("أمس", None, "day"),
        ("14 من كانون الأول", None, "day"),
        ("عام 2017", "2017", "year"),
    ]


def test_datetime_reference_is_accepted() -> None:
    assert values("وصل أمس.", datetime(2021, 11, 18, 22, 0, tzinfo=UTC)) == [("أمس", "2021-11-17", "day")]


# --------------------------------------------------------------------------------------------
# Offsets, tatweel, bad input


def test_tatweel_and_diacritics_map_back_to_original_offsets() -> None:
    raw = "أكّد الوزير أمســ الأربعاء أنّ القرار صدر في ١٤ رمضان ١٤٤٢ هـ."
    mentions = find_dates(raw, THURSDAY)
    assert [raw[m["start"] : m["end"]] for m in mentions] == ["أمســ الأربعاء", "١٤ رمضان ١٤٤٢ هـ"]
    assert [m["value"] for m in mentions] == ["2021-11-17", "2021-04-26"]
    # The display form (tatweel removed) gives the same values with its own offsets.
    display = normalize_display(raw)
    assert [(m["text"], m["value"]) for m in find_dates(display, THURSDAY)] == [
        ("أمس الأربعاء", "2021-11-17"),
        ("١٤ رمضان ١٤٤٢ ه", "2021-04-26"),
    ]


def test_clitics_stay_outside_the_mention() -> None:
    assert values("وأمس قال الوزير، ولعام 2019 خطة.") == [
        ("أمس", "2021-11-17", "day"),
        ("عام 2019", "2019", "year"),
    ]


def test_bare_years_after_prepositions_and_event_nouns() -> None:
    assert values("وسُجن في 1981 ثم أُفرج عنه، ومنذ 2004 يعيش في المنفى.") == [
        ("1981", "1981", "year"),
        ("2004", "2004", "year"),
    ]
    assert values("وتعود الأزمة إلى حرب 1967 وما تلاها، وقبل 2010 بقليل تغيّر كل شيء.") == [
        ("1967", "1967", "year"),
        ("2010", "2010", "year"),
    ]
    assert values("وفي ٢٠١٩ أطلقت الشركة أول منتجاتها.") == [("٢٠١٩", "2019", "year")]


def test_year_ranges_give_both_ends() -> None:
    assert values("وتولّى جمال عبد الناصر (1918-1970) رئاسة مصر.") == [
        ("1918", "1918", "year"),
        ("1970", "1970", "year"),
    ]
    assert values("ولعب للنادي خلال الفترة (1998 - 2006)، ثم بين عامي 2007 و2009 في إسبانيا.") == [
        ("1998", "1998", "year"),
        ("2006", "2006", "year"),
        ("2007", "2007", "year"),
        ("2009", "2009", "year"),
    ]
    assert values("واستمرت الحرب من 1975 حتى 1990، وفاز باللقب في موسم 2017-2018.") == [
        ("1975", "1975", "year"),
        ("1990", "1990", "year"),
        ("2017", "2017", "year"),
        ("2018", "2018", "year"),
    ]


def test_a_parenthesised_year_is_a_year() -> None:
    assert values("وُلد نجيب محفوظ (1911) في حي الجمالية.") == [("1911", "1911", "year")]


@pytest.mark.parametrize(
    "text",
    [
        "وتراجع عدد الزوار إلى 1949 شخصاً في المنطقة.",
        "وبلغت قيمة الصفقة 2004 دولار للطن.",
        "وارتفع المؤشر في 2019 نقطة واحدة فقط.",
        "ويضم المخيم نحو 2500 لاجئ، وارتفعت الأسعار بنسبة 1990 %.",
        "وأنتجت الحقول من 1500 إلى 2000 برميل يومياً.",
        "وأعلنت الشرطة أن 1956 مهاجراً عبروا الحدود، وأن 2017 طالباً تقدموا.",
        "وأصدر مجلس الأمن القرار 2254 بالإجماع.",
        "وبُني المعبد قبل 1400 عام، وفي 1500 موقع أثري.",
        "بين 2010 و1995 لا يوجد مدى.",
    ],
)
def test_counts_amounts_and_codes_are_not_bare_years(text: str) -> None:
    assert values(text) == []


def test_era_markers_still_go_to_the_year_reading() -> None:
    assert values("وتوفي في 1442 هـ، وولد في 1950م.") == [("1442 هـ", "2021", "year"), ("1950م", "1950", "year")]


@pytest.mark.parametrize(
    "text",
    [
        "وُلد في 32 فبراير 2018 حسب الوثيقة.",
        "الرقم 2017/13/45 ليس تاريخاً.",
        "في 29 شباط 2021 لا يوجد يوم.",
        "في 31 نيسان المقبل.",
        "منظومة إس-400 وطائرات إف - 35 و3 آخرين.",
        "عددهم 1500 شخص في 12 مدينة.",
        "",
        "لا تواريخ في هذا النص على الإطلاق.",
    ],
)
def test_malformed_numbers_and_plain_text_give_no_mentions(text: str) -> None:
    assert values(text) == []


def test_one_megabyte_body_is_fast_and_offsets_hold() -> None:
    paragraph = "قال الوزير أمس الأربعاء إن الاتفاق وُقّع في كانون الأول/ ديسمبر عام 2017، ولم يُطبّق حتى 4 تشرين الثاني/نوفمبر الحالي. "
    filler = "وناقش المجتمعون قضايا الأمن والاقتصاد والتعاون الإقليمي دون الإشارة إلى أي موعد. " * 20
    body = ((paragraph + filler) * 1000)[:1_000_000]
    started = time.perf_counter()
    mentions = find_dates(body, THURSDAY)
    elapsed = time.perf_counter() - started
    assert elapsed < 5.0
    assert len(mentions) > 500
    assert all(body[m["start"] : m["end"]] == m["text"] for m in mentions)


def test_degenerate_input_does_not_crash() -> None:
    assert find_dates("٣" * 200_000 + " فبراير", THURSDAY) == []
    assert find_dates("ـ" * 100_000 + "أمس", THURSDAY) == [
        {"text": "أمس", "start": 100_000, "end": 100_003, "value": "2021-11-17", "precision": "day"}
    ]


# --------------------------------------------------------------------------------------------
# The seeds (development corpus)


@pytest.mark.corpus
def test_seed_expressions_are_found_with_values() -> None:
    seeds = CORPUS / "seeds"
    first, second = seeds / "000_63f51ba8109d67b9.txt", seeds / "002_36ec13d893782a80.txt"
    if not (first.exists() and second.exists()):
        pytest.skip("../shared/corpus/seeds absent")
    found = values(first.read_text(encoding="utf-8"), date(2021, 11, 18))
    assert ("4 تشرين الثاني/نوفمبر الحالي", "2021-11-04", "day") in found
    assert ("منتصف تموز/ يوليو 2019", "2019-07", "month") in found
    assert len(found) == 6
    found = values(second.read_text(encoding="utf-8"), date(2020, 12, 17))
    assert found == [
        ("أمس الأربعاء", "2020-12-16", "day"),
        ("العام 2017", "2017", "year"),
        ("14 من كانون الأول", "2020-12-14", "day"),
    ]


def test_random_token_soup_never_crashes_and_offsets_hold() -> None:
    import random

    rng = random.Random(0)
    tokens = (
        "في من عام العام 2017 ٢٠١٨ 1442 هـ 32 29 0 00 14 - / ( ) ، : 10:30 ص م أمس اليوم غداً الأربعاء "
        "الماضي المقبل الحالي شباط فبراير تشرين الثاني كانون الأول رمضان منتصف نهاية الشهر الأسبوع "
        "منذ قبل يومين 3 أيام ساعات الرابع عشر و إلى ـ ّ \u200f GMT +0300 Feb"
    ).split()
    for _ in range(2000):
        text = " ".join(rng.choice(tokens) for _ in range(rng.randint(1, 12)))
        if rng.random() < 0.3:
            text = text.replace(" ", "")
        for reference in (None, date(2021, 1, 1)):
            for mention in find_dates(text, reference):
                assert text[mention["start"] : mention["end"]] == mention["text"]
                assert mention["value"] is None or len(mention["value"]) in (4, 7, 10)
        parsed = parse_datetime(text)
        assert parsed is None or parsed.tzinfo == UTC
