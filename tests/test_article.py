"""The one code path from a page to an article (transforms/article.py), without Beam."""

import datetime as dt

import pytest

from akhbar.schemas import FeedEntry, Reject
from akhbar.schemas.rows import ENTRY_HINTS
from akhbar.transforms.article import (
    article_from_html,
    article_from_text,
    enrich_article,
    process_html,
    process_text,
    prose_word_count,
)

PARAGRAPHS = [
    "عقد وفدان رفيعا المستوى من وزارتي الدفاع التركية والأميركية اجتماعا في العاصمة واشنطن لبحث قضايا الدفاع والأمن المشترك، وجرى الاتفاق على عقد الاجتماع القادم في أنقرة.",
    "وقالت وزارة الدفاع التركية في بيان إن الاجتماع جرى في أجواء إيجابية وبناءة وتناول قضايا ثنائية وإقليمية، من دون أن تقدم تفاصيل عن موعد الاجتماع التالي.",
    "وكان وزير الخارجية التركي قد أعلن في 4 تشرين الثاني/نوفمبر الحالي أن بلاده تواصل اتصالاتها مع الإدارة الأميركية بشأن منظومة الصواريخ الروسية إس-400.",
]


def page(caption_markup: str = "", extra: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return f"""<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>تركيا تعلن عن اجتماع عسكري في واشنطن | الخبر اليوم</title>
<meta property="og:site_name" content="الخبر اليوم">
<link rel="canonical" href="https://alkhabar.example/politics/turkey-us?utm_source=x">
</head><body><nav><a href="/">الرئيسية</a><a href="/politics">سياسة</a><a href="/sport">رياضة</a></nav>
<article><h1>تركيا تعلن عن اجتماع عسكري في واشنطن</h1>{caption_markup}{body}
<p>اقرأ أيضاً: <a href="/politics/other">واشنطن تفرض عقوبات جديدة</a></p>{extra}</article>
<aside><figure><img src="/teaser.jpg"><figcaption>صورة خبر آخر في الشريط الجانبي</figcaption></figure></aside>
<footer>جميع الحقوق محفوظة © 2024 الخبر اليوم</footer></body></html>"""


ENTRY = FeedEntry(
    url="https://alkhabar.example/politics/turkey-us?utm_source=rss",
    source="الخبر اليوم",
    feed_url="https://alkhabar.example/rss.xml",
    title="تركيا تعلن عن اجتماع عسكري في واشنطن",
    published_at=dt.datetime(2021, 11, 18, 9, 0, tzinfo=dt.UTC),
    categories=("سياسة",),
)


def test_page_becomes_a_clean_article_with_title_canonical_and_captions():
    figure = '<figure><img src="/a.jpg" alt="x"><figcaption>مبنى وزارة الدفاع التركية في أنقرة</figcaption></figure>'
    article = article_from_html(page(figure), ENTRY.url, entry=ENTRY, run_id="r1")
    assert not isinstance(article, Reject)
    assert article["title"] == "تركيا تعلن عن اجتماع عسكري في واشنطن"
    assert article["canonical_url"] == "https://alkhabar.example/politics/turkey-us"
    assert article["published_at"] == ENTRY.published_at and article["date"] == "2021-11-18"
    assert "اقرأ أيضاً" not in article["body"] and "واشنطن تفرض عقوبات" not in article["body"]
    assert PARAGRAPHS[0][:40] in article["body"]
    assert article["image_captions"] == ["مبنى وزارة الدفاع التركية في أنقرة"]  # not the sidebar's
    assert any(item["kind"] == "read_also" for item in article["removed_boilerplate"])
    assert article["language"] == "ar" and article["source"] == "الخبر اليوم"


def test_legacy_caption_classes_are_captions_too():
    legacy = '<div class="wp-caption"><img src="/b.jpg"><p class="wp-caption-text">وزير الدفاع خلال المؤتمر الصحفي</p></div>'
    article = article_from_html(page(legacy), ENTRY.url, entry=ENTRY)
    assert article["image_captions"] == ["وزير الدفاع خلال المؤتمر الصحفي"]


def test_enrichment_fills_dates_entities_and_topic():
    article = process_html(page(), ENTRY.url, entry=ENTRY)
    values = {m["value"] for m in article["dates_mentioned"]}
    assert "2021-11-04" in values  # «4 تشرين الثاني/نوفمبر الحالي» against an 18 Nov 2021 publication
    canonicals = {e["canonical"] for e in article["entities"]}
    assert any("واشنطن" in c for c in canonicals)
    assert article["topic"] in {"politics", "conflict"} and 0 < article["topic_confidence"] <= 1


def test_navigation_only_page_is_too_short_not_an_article():
    links = "".join(f'<li><a href="/s{i}">قسم الأخبار رقم {i}</a></li>' for i in range(60))
    html = f"<html><body><nav><ul>{links}</ul></nav><main><ul>{links}</ul></main></body></html>"
    result = article_from_html(html, "https://alkhabar.example/sections")
    assert isinstance(result, Reject) and result.reason in ("link_list", "too_short", "extraction_empty")


def test_bad_inputs_are_rejects_not_exceptions():
    assert article_from_html("", "https://a.example/x").reason == "extraction_empty"
    assert article_from_html("<html></html>", "javascript:alert(1)").reason == "invalid_url"
    assert article_from_html("\u064b\u064c\u064d" * 1000, "https://a.example/x").reason in ("extraction_empty", "too_short")
    huge = "<html><body><p>" + "كلمة " * 1_000_000 + "</p></body></html>"
    assert article_from_html(huge, "https://a.example/x").reason == "too_large"


def test_plain_text_takes_its_headline_as_title():
    text = "تركيا تعلن عن اجتماع عسكري في واشنطن\n\n" + "\n\n".join(PARAGRAPHS)
    article = article_from_text(text, "https://a.example/t", published="2021-11-18T09:00:00+00:00")
    assert article["title"] == "تركيا تعلن عن اجتماع عسكري في واشنطن"
    assert not article["body"].startswith("تركيا تعلن")
    assert enrich_article(article)["topic"]


def test_prose_words_ignore_label_lines():
    assert prose_word_count("الرئيسية\nسياسة\nرياضة\nاقتصاد") == 0
    assert prose_word_count(PARAGRAPHS[0]) > 20


def test_relative_dates_stay_unresolved_without_a_publication_date():
    text = "\n\n".join(PARAGRAPHS) + "\n\nوقال المتحدث أمس الأربعاء إن المحادثات ستستأنف قريبا في العاصمة التركية."
    undated = process_text(text, "https://a.example/undated", title="عنوان")
    yesterday = [m for m in undated["dates_mentioned"] if "أمس" in m["text"]]
    assert yesterday and all(m["value"] is None for m in yesterday)
    dated = process_text(text, "https://a.example/dated", title="عنوان", published="2021-11-18T09:00:00+00:00")
    assert [m["value"] for m in dated["dates_mentioned"] if "أمس" in m["text"]] == ["2021-11-17"]


def test_updated_at_comes_from_page_meta_first_else_from_the_update_stamp_in_the_text():
    stamp = "<p>آخر تحديث: 18 تشرين الثاني/نوفمبر 2021 - 10:30</p>"  # the entry was published at 09:00
    article = article_from_html(page(extra=stamp), ENTRY.url, entry=ENTRY)
    assert article["updated_at"] == dt.datetime(2021, 11, 18, 10, 30, tzinfo=dt.UTC)
    assert "آخر تحديث" not in article["body"]
    assert {"kind": "stamp", "text": "آخر تحديث: 18 تشرين الثاني/نوفمبر 2021 - 10:30"} in article["removed_boilerplate"]
    meta = '<meta property="article:modified_time" content="2021-11-19T08:15:00+03:00">'
    with_meta = article_from_html(page(extra=stamp).replace("</head>", meta + "</head>"), ENTRY.url, entry=ENTRY)
    assert with_meta["updated_at"] == dt.datetime(2021, 11, 19, 5, 15, tzinfo=dt.UTC)
    plain = article_from_html(page(), ENTRY.url, entry=ENTRY)
    assert plain["updated_at"] is None


# The epoch, the next millennium, year 1, and a time before the entry's publication (18 Nov 2021).
@pytest.mark.parametrize(
    "impossible", ["1970-01-01T00:00:00Z", "2999-01-01T10:00:00+02:00", "0001-01-01", "2021-11-01T10:00:00Z"]
)
def test_an_impossible_update_time_is_no_update_time(impossible):
    meta = f'<meta property="article:modified_time" content="{impossible}">'
    article = article_from_html(page().replace("</head>", meta + "</head>"), ENTRY.url, entry=ENTRY)
    assert article["updated_at"] is None
    assert any(note.startswith("updated_ignored.") for note in article[ENTRY_HINTS]["date_notes"])


def test_a_byline_line_is_removed_and_recorded_as_byline():
    article = article_from_html(page(extra="<p>بقلم: هالة عبد الرحيم</p>"), ENTRY.url, entry=ENTRY)
    assert "هالة عبد الرحيم" not in article["body"]
    assert {"kind": "byline", "text": "بقلم: هالة عبد الرحيم"} in article["removed_boilerplate"]
