"""Boilerplate stripping on Arabic article text written for these tests.

    .venv/bin/pytest tests/test_boilerplate.py -q

The texts imitate what extractors leave of Arabic news pages (see the seeds in
../shared/corpus/seeds/ for the real thing); the seeds themselves are only read by the
corpus-marked test at the end.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from akhbar import configs
from akhbar.transforms.text.arabic import normalize_display, normalize_match
from akhbar.transforms.text.boilerplate import (
    BoilerplateRules,
    CleanedText,
    link_share,
    stamp_update_time,
    strip_boilerplate,
    strip_paragraphs,
)

P1 = "أعلنت وزارة الصحة، اليوم الثلاثاء، افتتاح ثلاثة مستشفيات جديدة في المحافظات الجنوبية بطاقة استيعابية تصل إلى 600 سرير."
P2 = "وقال وزير الصحة في مؤتمر صحفي إن المستشفيات الجديدة ستخدم أكثر من مليون مواطن، وإن العمل جار لتجهيز مستشفى رابع قبل نهاية العام."
P3 = "وأضاف الوزير أن الحكومة خصصت موازنة إضافية لتوظيف الأطباء والممرضين في المناطق الريفية التي تعاني نقصا في الكوادر."
P4 = "ويأتي هذا الإعلان بعد أشهر من احتجاجات نظمها سكان تلك المناطق للمطالبة بتحسين الخدمات الصحية."
PARAGRAPHS = [P1, P2, P3, P4]
KINDS = {
    "read_also", "widget", "caption", "share", "credit", "promo", "copyright", "title", "comments", "stamp", "byline",
}


def body_has_all(result: CleanedText, paragraphs: list[str]) -> bool:
    return all(normalize_display(p) in result.body for p in paragraphs)


def kinds(result: CleanedText) -> list[str]:
    return [item["kind"] for item in result.removed]


@pytest.mark.parametrize(
    "label",
    [
        "اقرأ أيضاً:",
        "اقرأ أيضا -",
        "إقرأ أيضاً:",
        "اقرا ايضا:",
        "اقرأ المزيد:",
        "شاهد أيضاً:",
        "طالع أيضا:",
        "ذات صلة:",
        "للمزيد:",
        "قد يهمك |",
        "اقـــرأ أيضـاً:",
    ],
)
def test_read_also_line_is_removed_in_every_spelling(label):
    headline = "البنك المركزي يرفع سعر الفائدة للمرة الثالثة هذا العام"
    text = "\n".join([P1, P2, f"{label} {headline}", P3, P4])
    result = strip_boilerplate(text)
    assert headline not in result.body
    assert body_has_all(result, PARAGRAPHS)
    assert kinds(result) == ["read_also"]


def test_read_also_glued_to_the_next_sentence_is_split_at_the_reporting_verb():
    headline = "الحكومة تدرس خطة جديدة للنقل العام"
    glued = f"اقرأ أيضاً: {headline} {P2}"
    result = strip_boilerplate("\n".join([P1, glued, P3]))
    assert headline not in result.body
    assert body_has_all(result, [P1, P2, P3])
    assert result.removed[0]["text"].endswith(headline)


def test_read_also_glued_to_prose_without_a_known_verb_is_split_at_the_conjunction():
    headline = "ارتفاع أسعار الذهب في الأسواق المحلية"
    paragraph = "وتوجه وفد من الوزارة إلى المنطقة المتضررة لتقييم الأضرار وتقديم المساعدات للسكان."
    result = strip_boilerplate("\n".join([P1, f"اقرأ أيضاً: {headline} {paragraph}", P3]))
    assert result.body == "\n".join([P1, paragraph, P3])


def test_read_also_glued_after_a_sentence_end_keeps_both_sentences():
    headline = "ارتفاع أسعار الذهب في الأسواق المحلية"
    line = f"{P1} اقرأ أيضاً: {headline}. {P3}"
    result = strip_boilerplate(line)
    assert headline not in result.body
    assert normalize_display(P1) in result.body and normalize_display(P3) in result.body


def test_read_also_headline_with_colons_and_waw_words_is_removed_whole():
    # «ولن» is a conjunction inside the headline, not the start of the next sentence.
    headline = "النقابات: الإضراب مستمر ولن نتراجع عن مطالبنا"
    result = strip_boilerplate("\n".join([P1, f"اقرأ أيضاً: {headline}", P2]))
    assert "نتراجع" not in result.body
    assert body_has_all(result, [P1, P2])


def test_markdown_links_from_the_extractor_delimit_a_glued_headline_and_are_unwrapped():
    # No reporting verb or connector after this headline: only the link tells where it ends.
    headline = "أسعار النفط تقفز إلى أعلى مستوى في عامين"
    paragraph = "أسواق المال الخليجية أغلقت على ارتفاع جماعي بعد جلسة هادئة."
    for line in (
        f"[اقرأ أيضاً: {headline}](/news/12) {paragraph}",
        f"اقرأ أيضاً: [{headline}](https://x.org/a?b=1) {paragraph}",
    ):
        result = strip_boilerplate("\n".join([P1, line, "المصدر: [وكالات](/s)", P2]))
        assert result.body == "\n".join([P1, paragraph, P2])
        assert result.removed[0] == {"kind": "read_also", "text": f"اقرأ أيضاً: {headline}"}
    linked_word = strip_boilerplate("قال [الوزير](/people/1) إن العمل مستمر.")
    assert linked_word.body == "قال الوزير إن العمل مستمر."


def test_bracketed_and_quoted_headlines():
    bracketed = strip_boilerplate(f"اقرأ: (الأسهم الخليجية تتراجع.. ماذا قال المحللون؟) {P3}")
    assert bracketed.body == normalize_display(P3)
    quoted_start = strip_boilerplate(f'اقرأ أيضاً: "مئات الآلاف" من الزوار في معرض الكتاب\n{P1}')
    assert quoted_start.body == normalize_display(P1)


def test_long_headline_with_a_comma_alone_on_its_line_is_removed_whole():
    headline = "نهائي الكأس: خبرة الفريق الأول في مواجهة عزيمة الفريق الثاني، والجماهير تترقب مباراة تاريخية في العاصمة"
    result = strip_boilerplate("\n".join([P1, f"اقرأ أيضا: {headline}", P2]))
    assert result.body == "\n".join([P1, P2])


def test_read_also_without_a_clear_end_keeps_the_prose():
    # No sentence start or end within a headline's length: only the label goes, the words stay.
    long_tail = " ".join(["كلمة"] * 40)
    result = strip_boilerplate(f"اقرأ أيضاً {long_tail}")
    assert result.body == long_tail


def test_trailing_widget_and_its_headlines_are_cut():
    teasers = [
        "اخترنا لك",
        "منتخب الشباب يتأهل إلى نهائي البطولة العربية",
        "ارتفاع درجات الحرارة مطلع الأسبوع المقبل",
        "افتتاح معرض الكتاب بمشاركة 40 دولة",
    ]
    result = strip_boilerplate("\n\n".join(PARAGRAPHS + teasers))
    assert result.body == "\n\n".join(PARAGRAPHS)
    assert set(kinds(result)) == {"widget"}
    assert len(result.removed) == 4


@pytest.mark.parametrize(
    "label", ["المزيد من الأخبار", "مواضيع ذات صلة", "الأكثر قراءة", "أخبار ذات صلة", "قد يعجبك أيضا"]
)
def test_widget_labels_end_the_article(label):
    result = strip_boilerplate("\n".join([*PARAGRAPHS, label, "عنوان خبر آخر عن الاقتصاد المحلي"]))
    assert result.body == "\n".join(PARAGRAPHS)


def test_last_paragraph_that_mentions_widget_words_is_content():
    last = "وكانت قائمة الأكثر قراءة على موقع الوزارة قد تصدرتها أخبار المستشفيات الجديدة، بحسب ما اخترنا لك من بيانات نشرتها الوزارة."
    result = strip_boilerplate("\n".join([P1, P2, last]))
    assert normalize_display(last) in result.body
    assert result.removed == []


def test_widget_in_the_middle_removes_only_the_block():
    text = "\n".join([P1, P2, "الأكثر قراءة", "هطول أمطار غزيرة على العاصمة", "تعديل وزاري مرتقب", P3, P4])
    result = strip_boilerplate(text)
    assert result.body == "\n".join(PARAGRAPHS)


def test_bullet_caption_repeated_on_next_line_moves_to_image_captions():
    caption = "مبنى وزارة الصحة في العاصمة"
    text = "\n\n".join([P1, f"  • {caption}\n    {caption}", P2, P3])
    result = strip_boilerplate(text)
    assert result.image_captions == [caption]
    assert caption not in result.body
    assert body_has_all(result, [P2, P3])


def test_caption_markers_and_lone_bullets_are_captions():
    text = "\n".join([P1, "صورة أرشيفية لوزير الصحة خلال زيارة ميدانية", P2, "• جانب من المستشفى الجديد", P3])
    result = strip_boilerplate(text)
    assert len(result.image_captions) == 2
    assert body_has_all(result, [P1, P2, P3])


def test_bullets_alternating_with_commentary_are_content():
    lines = [
        "• المنتخب الأول ضد الفائز من مباراة الافتتاح",
        "والفائز يلاقي بطل المجموعة الثانية",
        "• المنتخب الثاني ضد صاحب الأرض",
        "والفائز يتأهل إلى المباراة النهائية",
    ]
    result = strip_boilerplate("\n".join([P1, *lines, P2]))
    assert result.removed == []


def test_bullet_list_of_several_lines_is_content():
    items = ["• زيادة عدد الأسرة", "• تدريب الممرضين", "• توفير الأدوية"]
    result = strip_boilerplate("\n".join([P1, *items, P2]))
    assert result.image_captions == []
    assert all(item in result.body for item in items)


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("شارك هذا الخبر", "share"),
        ("فيسبوك تويتر واتساب تلغرام", "share"),
        ("تابعونا على فيسبوك وتويتر", "share"),
        ("المصدر: وكالات", "credit"),
        ("تصوير: أحمد علي", "credit"),
        ("حمّل تطبيق الموقع لتصلك آخر الأخبار", "promo"),
        ("اشترك في النشرة البريدية اليومية", "promo"),
        ("جميع الحقوق محفوظة © 2024", "copyright"),
        ("إضافة تعليق جديد", "comments"),
        ("// انتهى //", "credit"),
        ("*نقلاً عن صحيفة الأيام", "credit"),
        ("** جميع المقالات المنشورة تمثل رأي كتابها فقط.", "comments"),
        ("الآراء الواردة في التعليقات لا تعبر عن رأي الموقع بل عن وجهات نظر أصحابها", "comments"),
    ],
)
def test_short_boilerplate_lines(line, kind):
    result = strip_boilerplate("\n".join([P1, line, P2]))
    assert kinds(result) == [kind]
    assert result.body == "\n".join([P1, P2])


def test_short_real_sentences_with_boilerplate_words_are_kept():
    lines = [
        "شارك آلاف المتظاهرين في مسيرة حاشدة وسط العاصمة.",
        "كتب الوزير في تغريدة أن الافتتاح تأخر بسبب الأمطار.",
        "ونشرت الوكالة صورة للمستشفى من الداخل.",
    ]
    result = strip_boilerplate("\n".join([P1, *lines, P2]))
    assert result.removed == []


def test_trailing_agency_tag_is_a_credit_but_a_mention_is_content():
    mention = "ونقلت رويترز عن مصادر في الوزارة أن التكلفة الإجمالية بلغت 200 مليون دولار."
    result = strip_boilerplate("\n".join([P1, mention, P2 + " (رويترز)"]))
    assert normalize_display(mention) in result.body
    assert result.body.endswith(normalize_display(P2))
    assert kinds(result) == ["credit"]

    alone = strip_boilerplate("\n".join([P1, P2, "(أ ف ب)"]))
    assert alone.body == "\n".join([P1, P2])


def test_wire_end_mark_and_trailing_timestamp_are_credits():
    result = strip_boilerplate("\n".join([P1, P2, " // انتهى //", " 13:38 ت م "]))
    assert result.body == "\n".join([P1, P2])
    assert kinds(result) == ["credit", "credit"]
    dated = strip_boilerplate("\n".join([P1, "وتنتهي المهلة في 2024/05/01 عند الساعة 12:00."]))
    assert dated.removed == []


def test_title_line_is_dropped_only_when_it_repeats_the_title():
    title = "افتتاح ثلاثة مستشفيات جديدة في الجنوب"
    result = strip_boilerplate("\n".join([title, P1, P2]), title=title)
    assert kinds(result) == ["title"]
    assert result.body == "\n".join([P1, P2])
    other = strip_boilerplate("\n".join([P1, P2]), title=title)
    assert other.removed == []


def test_lead_followed_by_a_caption_is_returned_apart():
    title = "افتتاح ثلاثة مستشفيات جديدة في الجنوب"
    lead = "الحكومة تقول إن المستشفيات الجديدة ستخفف الضغط عن مستشفيات العاصمة."
    caption = "أحد المستشفيات الجديدة"
    text = "\n\n".join([title, lead, f"• {caption}\n{caption}", P1, P2])
    for given in (title, None):
        result = strip_boilerplate(text, title=given)
        assert result.lead == lead
        assert result.body == "\n\n".join([P1, P2])
        assert result.image_captions == [caption]


def test_no_lead_without_the_title_and_caption_evidence():
    title = "افتتاح ثلاثة مستشفيات جديدة في الجنوب"
    no_caption = strip_boilerplate("\n\n".join([title, P4, P1, P2]), title=title)
    assert no_caption.lead is None
    assert no_caption.body.startswith(normalize_display(P4))
    no_title = strip_boilerplate("\n\n".join([P4, "صورة أرشيفية لأحد المستشفيات", P1, P2]))
    assert no_title.lead is None
    assert no_title.body.startswith(normalize_display(P4))


@pytest.mark.parametrize(
    "text",
    ["", "   \n\n  ", "\u064b\u064c\u064d\u0650\u0651", "ـــــــــــ", "\u200f\u200e\ufeff"],
)
def test_degenerate_input_gives_an_empty_body(text):
    result = strip_boilerplate(text)
    assert result.body == ""
    assert result.lead is None


def test_mixed_arabic_english_is_kept():
    english = "The ministry said in a statement that the hospitals will open next month."
    result = strip_boilerplate("\n".join([P1, english, "Read more: Ministry announces budget", P2]))
    assert english in result.body
    assert "Ministry announces budget" not in result.body


def test_one_megabyte_single_line_is_fast_and_kept():
    line = ("قال الوزير إن العمل مستمر في المشروع " * 30000)[:1_000_000]
    start = time.perf_counter()
    result = strip_boilerplate(line)
    assert time.perf_counter() - start < 2.0
    assert len(result.body) > 990_000


def test_stripping_is_idempotent():
    text = "\n".join(["اقرأ أيضاً: عنوان آخر", P1, "• صورة", P2, "شارك", P3, "اخترنا لك", "عنوان"])
    once = strip_boilerplate(text)
    twice = strip_boilerplate(once.body)
    assert twice.body == once.body
    assert twice.removed == []


def test_removed_kinds_are_documented_and_rules_are_compiled_once():
    assert BoilerplateRules.default() is BoilerplateRules.default()
    text = "\n".join(
        ["عنوان", P1, "اقرأ أيضاً: خبر", "• صورة", P2, "المصدر: وكالات", "جميع الحقوق محفوظة", "اخترنا لك"]
    )
    result = strip_boilerplate(text, title="عنوان")
    assert result.removed and set(kinds(result)) <= KINDS


def test_config_with_an_unknown_key_is_rejected_by_name():
    config = dict(configs.load_yaml("boilerplate.yaml"))
    with pytest.raises(ValueError, match="widgetz"):
        BoilerplateRules.from_config({**config, "widgetz": ["x"]})
    with pytest.raises(ValueError, match="limits.headline_words"):
        BoilerplateRules.from_config({**config, "limits": {"headline_words": 3}})


def test_strip_paragraphs_matches_text_form():
    result = strip_paragraphs([P1, "اقرأ أيضاً: عنوان خبر آخر", P2])
    assert result.body == "\n\n".join([P1, P2])


SEEDS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "seeds"


@pytest.mark.corpus
def test_seeds_keep_every_real_paragraph_and_none_of_their_boilerplate():
    if not SEEDS.exists():
        pytest.skip(f"{SEEDS} is absent")
    boilerplate_starts = ("اقرأ أيضا", "اخترنا لك")
    for seed in sorted(SEEDS.glob("*.txt")):
        raw_lines = [line.strip() for line in seed.read_text(encoding="utf-8").split("\n") if line.strip()]
        title = raw_lines[0]
        result = strip_boilerplate("\n".join(raw_lines), title=title)
        body_key = normalize_match(result.body)
        kept_key = normalize_match(result.body + "\n" + (result.lead or ""))
        captions = {normalize_match(c) for c in result.image_captions}
        for line in raw_lines[1:]:
            key = normalize_match(line)
            if line.startswith("•") or key.startswith(tuple(normalize_match(b) for b in boilerplate_starts)):
                assert key not in body_key, (seed.name, line)
            elif key in captions:
                assert key not in body_key, (seed.name, line)
            else:
                assert key in kept_key, (seed.name, line)


PAGES = SEEDS.parent / "pages"


@pytest.mark.corpus
def test_gold_pages_quality_floor():
    """trafilatura's text of the real pages, then our stripper: the floor bench/quality.py reports."""
    if not PAGES.exists():
        pytest.skip(f"{PAGES} is absent")
    from collections import Counter

    import trafilatura

    from akhbar.transforms.text.arabic import match_tokens

    html = (PAGES / "cnn_arabic_utf8.html").read_text(encoding="utf-8")
    gold = Counter(match_tokens((PAGES / "cnn_arabic_windows1256.gold.txt").read_text(encoding="utf-8")))
    extracted = trafilatura.extract(html) or ""
    body = Counter(match_tokens(strip_boilerplate(extracted).body))
    overlap = sum((body & gold).values())
    precision, recall = overlap / sum(body.values()), overlap / sum(gold.values())
    assert 2 * precision * recall / (precision + recall) >= 0.95
    assert precision > sum((Counter(match_tokens(extracted)) & gold).values()) / len(match_tokens(extracted))

    meta = json.loads((PAGES / "assabah_tn.gold.json").read_text(encoding="utf-8"))
    text = strip_boilerplate(
        trafilatura.extract((PAGES / "assabah_tn.html").read_text(encoding="utf-8")) or ""
    ).body
    key = normalize_match(text)
    assert all(normalize_match(snippet) in key for snippet in meta["with"])
    assert not any(normalize_match(snippet) in key for snippet in meta["without"])


def test_read_also_label_followed_by_dots_or_comma():
    text = (
        "أظهرت بيانات رسمية أن إيرادات الميناء تراجعت بنحو الثلث خلال الشهر الماضي مقارنة بالعام السابق.\n"
        "اقرأ أيضاً.. الحكومة تعلن حزمة حوافز جديدة لشركات الشحن\n"
        "شاهد أيضا، جولة مصورة داخل الميناء الجديد\n"
        "ويرى خبراء النقل البحري أن عودة الحركة إلى مستوياتها الطبيعية مرتبطة بتراجع التوترات في المنطقة."
    )
    cleaned = strip_boilerplate(text)
    assert "اقرأ" not in cleaned.body and "شاهد" not in cleaned.body
    assert "ويرى خبراء النقل البحري" in cleaned.body and "أظهرت بيانات رسمية" in cleaned.body
    assert [item["kind"] for item in cleaned.removed].count("read_also") == 2


# --------------------------------------------------------------------------- structural rules
# Wording below is not in configs/boilerplate.yaml as a phrase: the rules must know the KIND.
@pytest.mark.parametrize(
    ("line", "kind"),
    [
        # call to action: an imperative or second-person address + a platform or "our channel"
        ("نزّلوا تطبيقنا المجاني من متجر آبل واحصلوا على التنبيهات العاجلة", "promo"),
        ("ابقَ على اطلاع دائم وتابع الموقع على منصة إكس", "promo"),
        ("يمكنكم الآن متابعة أخبارنا عبر واتساب من خلال هذا الرابط", "promo"),
        ("Follow our channel on Telegram for breaking news", "promo"),
        # update and publish stamps
        ("آخر تحديث: 10:42 صباحاً، الأربعاء 14 مارس 2018", "stamp"),
        ("نُشر في 3 مارس 2018 | عُدّل في 14 مارس 2018 10:20", "stamp"),
        ("حُدِّث بتاريخ 14/03/2018 - 10:42", "stamp"),
        # bylines
        ("بواسطة: هالة عبد الرحيم", "byline"),
        ("كتبه يوسف المصري", "byline"),
        # photo credits and captions with a credit
        ("لقطة: وكالة الأناضول", "credit"),
        ("(الصورة من غيتي إيميجز)", "credit"),
        ("متظاهرون في وسط العاصمة (الصورة: أرشيف)", "caption"),
        ("متظاهرون في وسط العاصمة بعدسة يوسف المصري", "caption"),
        ("الوزير: «لن نتراجع عن القرار» (الصورة: أرشيف)", "caption"),
        # comment widgets and policies
        ("التعليقات تخضع للمراجعة قبل ظهورها على الموقع", "comments"),
        ("شاركنا رأيك في التعليقات أدناه", "comments"),
    ],
)
def test_structural_boilerplate_in_wording_no_rule_lists(line, kind):
    result = strip_boilerplate("\n".join([P1, line, P2]))
    assert kinds(result) == [kind]
    assert result.body == "\n".join([P1, P2])


@pytest.mark.parametrize(
    "line",
    [
        # reported calls and mentions of platforms, stamps inside prose, quotes, a subheading
        "وقال الوزير عبر حسابه على تويتر إن على المواطنين تحميل التطبيق الحكومي.",
        "ودعت الوزارة المواطنين إلى تحميل تطبيق الصحة من المتجر الإلكتروني قبل السفر.",
        "وكتب الرئيس على فيسبوك: «تابعوا صفحتنا لتعرفوا الحقيقة كاملة»",
        "ونشرت الصحيفة في 14 مارس 2018 تقريراً مطولاً عن الأزمة.",
        "وتم تحديث البيانات الرسمية في 3 مارس بعد مراجعة شاملة للأرقام.",
        "الصورة الكاملة للأزمة",
        "وتخضع تعليقات المسؤولين على الأزمة لمراجعة دقيقة من الصحافة المحلية.",
        "كتب الوزير في تغريدة أن الافتتاح تأخر بسبب الأمطار.",
        "وتألق الفريق في الشوط الثاني وسجل هدفين عبر منصة التتويج الجديدة",
        "إذا كنت ترغب في حذف حسابك على فيسبوك فاتبع الخطوات التالية:",
    ],
)
def test_prose_that_shares_words_with_structural_boilerplate_is_kept(line):
    result = strip_boilerplate("\n".join([P1, line, P2]))
    assert result.removed == []
    assert normalize_display(line) in result.body


def test_update_stamp_gives_the_update_time_and_a_publish_stamp_none():
    result = strip_boilerplate("\n".join([P1, "نُشر في 3 مارس 2018 | عُدّل في 14 مارس 2018 10:20", P2]))
    moment = stamp_update_time(result.removed)
    assert moment is not None and moment.isoformat() == "2018-03-14T10:20:00+00:00"
    published_only = strip_boilerplate("\n".join([P1, "نُشر في 3 مارس 2018", P2]))
    assert kinds(published_only) == ["stamp"] and stamp_update_time(published_only.removed) is None


def test_link_lists_under_any_heading_are_a_teaser_block_and_a_lone_link_line_a_related_link():
    teasers = [
        "[افتتاح معرض الكتاب في عمّان](https://site.example/1)",
        "- [ارتفاع أسعار الوقود في تونس](https://site.example/2)",
        "[الأمطار تغرق شوارع الخرطوم](https://site.example/3)",
    ]
    result = strip_boilerplate("\n".join([P1, P2, "قصص قد تثير اهتمامك", *teasers, P3, P4]))
    assert result.body == "\n".join([P1, P2, P3, P4])
    assert kinds(result) == ["widget"] * 4
    lone = strip_boilerplate("\n".join([P1, "[وزير الخارجية يزور بغداد الأسبوع المقبل](https://site.example/9)", P2]))
    assert lone.body == "\n".join([P1, P2]) and kinds(lone) == ["read_also"]
    # A paragraph with a link inside it is prose.
    linked = "وأعلنت [وزارة الصحة](https://site.example/moh) اليوم افتتاح ثلاثة مستشفيات جديدة في الجنوب."
    assert link_share(linked) < 0.5
    assert strip_boilerplate("\n".join([P1, linked, P2])).removed == []


def test_trailing_headlines_under_an_unknown_heading_end_the_article():
    tail = ["من أخبارنا أيضاً", "افتتاح معرض الكتاب في عمّان بمشاركة واسعة", "ارتفاع أسعار الوقود في تونس للمرة الثالثة"]
    result = strip_boilerplate("\n".join([*PARAGRAPHS, *tail]))
    assert result.body == "\n".join(PARAGRAPHS)
    # Not when the article has too little prose above them to tell a list from the text.
    short = strip_boilerplate("\n".join([P1, *tail]))
    assert normalize_display(tail[1]) in short.body
