"""Publication time, authors, title and lead of pages in the metadata shapes real Arabic outlets use.

Every page here is rendered by ``render_page`` around a short Arabic article written for these
tests (no corpus text): one test per metadata shape, run through the same ``article_from_html``
as the pipeline. The last test reads the three real pages of ../shared/corpus/pages (marked
corpus) and compares the page-date choice with htmldate's.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from lxml.html import fromstring

from akhbar.schemas import FeedEntry
from akhbar.transforms.article import article_from_html, clean_title, lead_from_description, site_identity
from akhbar.transforms.text.arabic_dates import Timestamp, parse_timestamp
from akhbar.transforms.web.pagemeta import (
    KIND_JSONLD,
    KIND_LINE,
    DateCandidate,
    choose_publication,
    implausible_reason,
    outlet_zone,
    read_page,
    url_date,
)

UTC = dt.UTC
FETCHED = dt.datetime(2022, 3, 10, 12, 0, tzinfo=UTC)
HEADLINE = "افتتاح مكتبة عامة جديدة في وسط المدينة بعد ثلاث سنوات من العمل"
PARAGRAPHS = [
    "افتتحت البلدية صباح اليوم مكتبة عامة جديدة في وسط المدينة، تضم أكثر من عشرين ألف كتاب "
    "وقاعة للمطالعة وأخرى للأطفال، بعد ثلاث سنوات من أعمال البناء والتجهيز.",
    "وقال رئيس البلدية في كلمة خلال حفل الافتتاح إن المكتبة ستفتح أبوابها يومياً من الثامنة صباحاً "
    "حتى العاشرة مساءً، وإن الاشتراك فيها مجاني لطلاب المدارس والجامعات.",
    "وأضاف أن المشروع موّل بالشراكة مع عدد من المؤسسات المحلية، وأن المرحلة الثانية ستشمل "
    "مكتبة رقمية وورشاً للكتابة والترجمة خلال العام المقبل.",
]
SLOGAN = "موقع المدينة الإخباري: آخر الأخبار المحلية والعربية والعالمية على مدار الساعة"


def render_page(head: str = "", header: str = "", sidebar: str = "", title: str | None = None,
                paragraphs: list[str] = PARAGRAPHS) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html lang='ar' dir='rtl'><head><meta charset='utf-8'><title>{title or HEADLINE}</title>{head}</head>"
        "<body><nav class='menu'><a href='/'>الرئيسية</a> <a href='/local'>محليات</a></nav>"
        f"<div class='container'><article><h1>{HEADLINE}</h1>{header}<div class='article-body'>{body}</div></article>"
        f"<aside class='sidebar'>{sidebar}</aside></div>"
        "<footer>جميع الحقوق محفوظة</footer></body></html>"
    )


def extract(html: str, url: str = "https://www.almadina-news.com/local/2022/library", **kwargs) -> dict:
    article = article_from_html(html, url, fetched_at=kwargs.pop("fetched_at", FETCHED), **kwargs)
    assert isinstance(article, dict), article
    return article


def json_ld(**node) -> str:
    return f"<script type='application/ld+json'>{json.dumps(node, ensure_ascii=False)}</script>"


# --------------------------------------------------------------------------- dates


def test_json_ld_time_near_midnight_keeps_the_instant_and_the_outlets_day():
    page = render_page(head=json_ld(**{"@context": "https://schema.org", "@type": "NewsArticle",
                                       "headline": HEADLINE, "datePublished": "2022-01-09T01:20:00+02:00"}))
    article = extract(page)
    assert article["published_at"] == dt.datetime(2022, 1, 8, 23, 20, tzinfo=UTC)
    assert article["date"] == "2022-01-09"  # the Cairo day, not the UTC one
    assert article["date_source"] == "page"


def test_article_published_time_with_compact_offset():
    page = render_page(head="<meta property='article:published_time' content='2021-05-11T02:30+0400'>")
    article = extract(page, fetched_at=dt.datetime(2021, 5, 12, tzinfo=UTC))
    assert article["published_at"] == dt.datetime(2021, 5, 10, 22, 30, tzinfo=UTC)
    assert (article["date"], article["date_source"]) == ("2021-05-11", "page")


def test_meta_date_in_arabic_words_takes_the_offset_the_page_states_elsewhere():
    page = render_page(head="<meta property='article:published_time' content='الأربعاء، 14 مارس 2021 - 09:40 ص'>"
                            "<meta property='og:updated_time' content='2021-03-14T11:05:00+02:00'>")
    article = extract(page, fetched_at=dt.datetime(2021, 3, 15, tzinfo=UTC))
    assert article["published_at"] == dt.datetime(2021, 3, 14, 7, 40, tzinfo=UTC)
    assert (article["date"], article["date_source"]) == ("2021-03-14", "page")


def test_visible_date_line_in_words_is_read_in_the_outlets_zone():
    # Only a visible line, Levantine and Gregorian month names, «مساءً»; the .jo host says Amman,
    # on summer time (UTC+3) since the last Thursday of February 2022: the tz database knows.
    page = render_page(header="<div class='post-date'>تم نشره الخميس 3 آذار / مارس 2022 10:15 مساءً</div>")
    article = extract(page, url="https://www.example-news.jo/article/1234")
    assert article["published_at"] == dt.datetime(2022, 3, 3, 19, 15, tzinfo=UTC)
    assert (article["date"], article["date_source"]) == ("2022-03-03", "text")


def test_unmarked_line_under_the_headline_with_arabic_indic_digits():
    page = render_page(header="<p>نُشر في ٥ فبراير ٢٠٢٢ - ٠٨:٣٠ م</p>")
    entry = FeedEntry(url="https://x.example/a", source="المدينة", feed_url="https://x.example/rss",
                      timezone="Asia/Riyadh")
    article = extract(page, entry=entry)
    assert article["published_at"] == dt.datetime(2022, 2, 5, 17, 30, tzinfo=UTC)
    assert article["date_source"] == "text"


def test_configured_zone_beats_the_host_country_for_wall_clocks():
    page = render_page(head="<meta name='pubdate' content='2022-02-05 23:30'>")
    entry = FeedEntry(url="https://x.example/a", source="المدينة", feed_url="https://x.example/rss",
                      timezone="Asia/Dubai")
    article = extract(page, url="https://news.example.eg/a/1", entry=entry)
    assert article["published_at"] == dt.datetime(2022, 2, 5, 19, 30, tzinfo=UTC)
    assert article["date"] == "2022-02-05"


@pytest.mark.parametrize("value, reason", [
    ("1970-01-01T00:00:00Z", "epoch"),
    ("0001-01-01T00:00:00+03:00", "before_1990"),
    ("2107-06-01T10:00:00+03:00", "future"),
])
def test_impossible_page_date_is_no_date(value, reason):
    page = render_page(head=f"<meta property='article:published_time' content='{value}'>")
    article = extract(page)
    assert article["published_at"] is None
    assert (article["date"], article["date_source"]) == ("2022-03-10", "fetched")
    assert f"date_ignored.{reason}" in article["_hints"]["date_notes"]


def test_impossible_date_gives_way_to_the_next_source():
    page = render_page(head="<meta property='article:published_time' content='1970-01-01T00:00:00Z'>",
                       header="<span class='date'>السبت 5 مارس 2022 - 14:10</span>")
    article = extract(page, url="https://www.example-news.ae/a/1")
    assert article["published_at"] == dt.datetime(2022, 3, 5, 10, 10, tzinfo=UTC)  # Dubai, UTC+4
    assert article["date_source"] == "text"


def test_page_without_any_date_is_fetched():
    article = extract(render_page(), url="https://www.almadina-news.com/local/library")
    assert (article["published_at"], article["date_source"], article["date"]) == (None, "fetched", "2022-03-10")


def test_url_date_when_the_page_states_none():
    article = extract(render_page(), url="https://www.almadina-news.com/2022/03/02/library")
    assert (article["date"], article["date_source"]) == ("2022-03-02", "url")


def test_feed_pubdate_near_midnight_falls_on_the_outlets_day():
    entry = FeedEntry(url="https://x.example/a", source="المدينة", feed_url="https://x.example/rss",
                      published_at=dt.datetime(2022, 3, 3, 21, 8, tzinfo=UTC), utc_offset_minutes=240)
    article = extract(render_page(), entry=entry)
    assert article["published_at"] == dt.datetime(2022, 3, 3, 21, 8, tzinfo=UTC)
    assert (article["date"], article["date_source"]) == ("2022-03-04", "feed")


def test_page_moving_a_plausible_feed_date_by_days_is_noted():
    entry = FeedEntry(url="https://x.example/a", source="المدينة", feed_url="https://x.example/rss",
                      published_at=dt.datetime(2022, 3, 8, 9, 0, tzinfo=UTC))
    page = render_page(head="<meta property='article:published_time' content='2022-03-01T10:00:00+03:00'>")
    article = extract(page, entry=entry)
    assert article["published_at"] == dt.datetime(2022, 3, 1, 7, 0, tzinfo=UTC)
    assert "date_page_overrides_feed" in article["_hints"]["date_notes"]


def test_date_line_never_overrides_the_feed():
    entry = FeedEntry(url="https://x.example/a", source="المدينة", feed_url="https://x.example/rss",
                      published_at=dt.datetime(2022, 3, 8, 9, 0, tzinfo=UTC))
    page = render_page(header="<span class='date'>الثلاثاء 1 مارس 2022</span>")
    assert extract(page, entry=entry)["date_source"] == "feed"


def test_header_clock_before_the_headline_is_not_the_publication_date():
    page = render_page(header="<div class='meta'>الأحد 6 مارس 2022 - 18:45</div>").replace(
        "<div class='container'>", "<div class='top-date'>الخميس 10 مارس 2022</div><div class='container'>")
    article = extract(page, url="https://www.example-news.jo/a/1")
    assert article["date"] == "2022-03-06"


def test_choose_publication_prefers_a_timed_candidate_on_the_same_day():
    day_only = DateCandidate(KIND_JSONLD, parse_timestamp("2022-03-06"))
    timed = DateCandidate(KIND_LINE, parse_timestamp("6 مارس 2022 - 18:45"))
    choice = choose_publication([day_only, timed], fetched_at=FETCHED, zone=dt.timezone(dt.timedelta(hours=3)))
    assert choice.published_at == dt.datetime(2022, 3, 6, 15, 45, tzinfo=UTC)
    assert (choice.date, choice.date_source) == ("2022-03-06", "page")


def test_plausibility_rules():
    assert implausible_reason(dt.datetime(1970, 1, 1, 3, tzinfo=UTC), FETCHED) == "epoch"
    assert implausible_reason(dt.datetime(1989, 12, 31, tzinfo=UTC), FETCHED) == "before_1990"
    assert implausible_reason(FETCHED + dt.timedelta(hours=25), FETCHED) == "future"
    assert implausible_reason(FETCHED + dt.timedelta(hours=20), FETCHED) is None


def test_outlet_zone_order_of_evidence():
    four = dt.timedelta(hours=4)
    assert str(outlet_zone(configured="Africa/Cairo", page_offsets=[four], host="x.ae")) == "Africa/Cairo"
    assert outlet_zone(page_offsets=[dt.timedelta(0), four], feed_offset=dt.timedelta(hours=2)).utcoffset(None) == four
    assert outlet_zone(page_offsets=[dt.timedelta(0)], feed_offset=dt.timedelta(hours=2)).utcoffset(None) == 2 * dt.timedelta(hours=1)
    assert str(outlet_zone(host="www.example.com.sa")) == "Asia/Riyadh"
    assert outlet_zone(host="www.example.com") is None


def test_url_dates():
    assert url_date("https://x.example/2021/11/18/story") == dt.date(2021, 11, 18)
    assert url_date("https://x.example/news/20211118-story") == dt.date(2021, 11, 18)
    assert url_date("https://x.example/2021/13/18/story") is None
    assert url_date("https://x.example/news/123456") is None
    assert url_date("https://x.example/2013/middle_east/8/3/story/index.html") == dt.date(2013, 8, 3)
    assert url_date("https://x.example/2013/middle-east/08/03/story") == dt.date(2013, 8, 3)
    assert url_date("https://x.example/2013/Arabic/8/3/story") == dt.date(2013, 8, 3)


def test_timestamp_keeps_the_stated_zone_and_whether_a_time_is_written():
    stamp = parse_timestamp("Sun, 04 Feb 2018 01:08:00 +0400")
    assert stamp.zone_stated and stamp.wall.utcoffset() == dt.timedelta(hours=4) and stamp.has_time
    words = parse_timestamp("الأربعاء، 14 مارس 2021 - 09:40 ص")
    assert not words.zone_stated and words.has_time and words.wall == dt.datetime(2021, 3, 14, 9, 40)
    assert parse_timestamp("2021-03-14") == Timestamp(dt.datetime(2021, 3, 14), False)


# --------------------------------------------------------------------------- authors


def test_byline_span_is_the_author_and_a_logo_url_in_author_meta_is_not():
    page = render_page(head="<meta name='author' content='https://www.almadina-news.com/themes/img/logo-new.png'>",
                       header="<span class='byline'>كتبت: هالة منصور</span>")
    assert extract(page)["authors"] == ["هالة منصور"]


def test_developer_credit_and_site_name_are_not_authors():
    page = render_page(head="<meta name='DC.Creator' content='Developed By Nile Web Solutions'>"
                            "<meta property='og:site_name' content='المدينة نيوز'>"
                            "<meta name='author' content='المدينة نيوز'>")
    assert extract(page)["authors"] == []


def test_json_ld_person_author_counts_and_organisation_author_does_not():
    person = json_ld(**{"@type": "NewsArticle", "datePublished": "2022-03-01T10:00:00+03:00",
                        "author": [{"@type": "Person", "name": "سامر الخطيب"},
                                   {"@type": "Organization", "name": "المدينة نيوز"}],
                        "publisher": {"@type": "Organization", "name": "المدينة نيوز"}})
    assert extract(render_page(head=person))["authors"] == ["سامر الخطيب"]


def test_columnist_widget_in_the_sidebar_is_not_the_byline():
    sidebar = ("<div class='writers-widget'><h3>كتاب الرأي</h3><div class='author'>بقلم: نبيل حداد</div>"
               "<div class='author'>بقلم: ريم الزعبي</div></div>")
    page = render_page(sidebar=sidebar, header="<div class='author-name'>بقلم: طارق عيسى - عمّان</div>")
    assert extract(page)["authors"] == ["طارق عيسى"]


def test_parenthesised_dateline_is_no_person_and_feed_authors_are_cleaned():
    entry = FeedEntry(url="https://x.example/a", source="الوطن", feed_url="https://x.example/rss",
                      authors=("(دبي - الوطن)",))
    page = render_page(header="<span class='author'>(دبي - الوطن)</span>")
    assert extract(page, entry=entry)["authors"] == []


# --------------------------------------------------------------------------- title and lead


@pytest.mark.parametrize("raw", [f"المدينة نيوز - {HEADLINE}", f"{HEADLINE} | المدينة نيوز",
                                 f"{HEADLINE} | almadina-news", f"almadina-news: {HEADLINE}"])
def test_site_name_is_cut_from_either_side_of_the_title(raw):
    page = render_page(head="<meta property='og:site_name' content='المدينة نيوز'>", title=raw)
    assert extract(page)["title"] == HEADLINE


def test_title_keeps_a_colon_that_is_part_of_the_headline():
    names = site_identity("المدينة نيوز", host="www.almadina-news.com")
    assert clean_title("وزير الثقافة: المكتبة مفتوحة للجميع", names, None) == "وزير الثقافة: المكتبة مفتوحة للجميع"


def test_site_wide_description_is_no_lead():
    page = render_page(head=f"<meta property='og:description' content='{SLOGAN}'>"
                            "<meta property='og:site_name' content='المدينة نيوز'>")
    lead = extract(page)["lead"]
    assert lead != SLOGAN and lead.startswith("افتتحت البلدية")


def test_own_standfirst_is_the_lead():
    standfirst = "مكتبة بعشرين ألف كتاب وقاعات للأطفال والمطالعة في قلب المدينة ومجانية لطلاب المدارس"
    page = render_page(head=f"<meta name='description' content='{standfirst}'>")
    assert extract(page)["lead"] == standfirst


def test_description_equal_to_the_site_name_is_no_lead():
    assert lead_from_description("المدينة نيوز الإخبارية اليومية", None, PARAGRAPHS[0],
                                 ["المدينة نيوز الإخبارية اليومية"]) is None


def test_read_page_reports_without_deciding():
    page = render_page(head=json_ld(**{"@type": "WebSite", "name": "المدينة نيوز"})
                       + "<meta property='article:modified_time' content='2022-03-02T09:00:00+03:00'>",
                       header="<time datetime='2022-03-01T20:00:00+03:00'>1 مارس</time>")
    facts = read_page(fromstring(page))
    assert [c.kind for c in facts.dates] == ["time"]
    assert dt.timedelta(hours=3) in facts.stated_offsets
    assert "المدينة نيوز" in facts.site_names and facts.headline == HEADLINE


# --------------------------------------------------------------------------- real pages

PAGES = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "pages"


@pytest.mark.corpus
@pytest.mark.skipif(not PAGES.is_dir(), reason="../shared/corpus/pages is not available")
def test_real_pages_dates_against_htmldate():
    """The three real pages: our choice is the outlet's printed day; htmldate's is shown for comparison."""
    from htmldate import find_date

    from akhbar.transforms.web.charset import decode_html

    cnn = "http://arabic.cnn.com/2013/middle_east/8/3/syria.clashes/index.html"
    expected = {
        # «الجمعة 8 فيفري 2019» in the article header, RDFa dc:date 2019-02-08T00:00:00+01:00.
        "assabah_tn.html": ("http://www.assabah.com.tn/article/164913/x", "2019-02-08", "page"),
        # «الأحد، 04 آب/اغسطس 2013، آخر تحديث 02:21 (GMT+0400)» under the headline.
        "cnn_arabic_utf8.html": (cnn, "2013-08-04", "text"),
        # The same story saved later: «الأربعاء، 28 آب/اغسطس 2013، آخر تحديث 14:00» is an update
        # 25 days after the day its URL spells.
        "cnn_arabic_windows1256.html": (cnn, "2013-08-03", "url"),
    }
    for name, (url, day, source) in expected.items():
        html = decode_html((PAGES / name).read_bytes())[0]
        article = extract(html, url=url, fetched_at=dt.datetime(2026, 12, 3, tzinfo=UTC))
        print(name, "ours:", article["date"], article["published_at"], "htmldate:",
              find_date(html, url=url, extensive_search=False, original_date=True))
        assert (article["date"], article["date_source"]) == (day, source)
        assert article["authors"] == [] or name == "assabah_tn.html"
    cnn_page = extract(decode_html((PAGES / "cnn_arabic_utf8.html").read_bytes())[0], url=cnn)
    assert cnn_page["published_at"] == dt.datetime(2013, 8, 3, 22, 21, tzinfo=UTC)


def test_site_name_known_only_from_the_title_is_no_author_and_the_headline_wins():
    page = render_page(head="<meta name='author' content='صوت المدينة'>",
                       title=f"{HEADLINE} - صوت المدينة")
    article = extract(page, url="https://www.example.com/a/1")
    assert article["authors"] == [] and article["title"] == HEADLINE


def test_wall_clock_read_in_the_zone_of_the_pages_locale():
    page = render_page(head="<meta property='og:locale' content='ar_EG'>"
                            "<meta property='article:published_time' content='الأربعاء، 14 مارس 2021 - 09:40 م'>")
    article = extract(page, url="https://www.example.com/a/1", fetched_at=dt.datetime(2021, 3, 15, tzinfo=UTC))
    assert article["published_at"] == dt.datetime(2021, 3, 14, 19, 40, tzinfo=UTC)  # Cairo, UTC+2


def test_date_line_found_by_its_wording_outside_any_marked_element():
    page = render_page(header="<figure><img src='/a.jpg'></figure><div><p>صورة من الافتتاح</p></div>"
                              "<div><b>تاريخ النشر:</b> 02/03/2022 - 11:20</div>")
    article = extract(page, url="https://www.example-news.sa/a/1")
    assert article["published_at"] == dt.datetime(2022, 3, 2, 8, 20, tzinfo=UTC)  # Riyadh, UTC+3
    assert article["date_source"] == "text"


def test_description_known_to_be_site_wide_is_no_lead_even_when_it_shares_words():
    body = "افتتحت البلدية مكتبة عامة جديدة في وسط المدينة تضم آلاف الكتب وقاعات للأطفال."
    home = "أخبار المدينة: البلدية والمكتبة العامة والأطفال والكتب في وسط المدينة كل يوم"
    assert lead_from_description(home, None, body) == home
    assert lead_from_description(home, None, body, site_wide=[home]) is None


def test_last_update_line_does_not_stand_against_an_earlier_url_date():
    page = render_page(header="<div class='story-time'>الأربعاء، 28 آب/أغسطس 2013، آخر تحديث 14:00 (GMT+0400)</div>")
    article = extract(page, url="https://www.example.com/2013/world/8/3/library/index.html")
    assert (article["date"], article["date_source"]) == ("2013-08-03", "url")
    assert "date_ignored.modified" in article["_hints"]["date_notes"]
    # With nothing earlier to contradict it, the update time is the best the page offers.
    alone = extract(page, url="https://www.example.com/world/library/index.html")
    assert alone["published_at"] == dt.datetime(2013, 8, 28, 10, 0, tzinfo=UTC) and alone["date_source"] == "text"


def test_theme_classes_on_the_page_wrapper_do_not_hide_the_byline():
    page = render_page(header="<div class='author-name'>بقلم: طارق عيسى</div>"
                              "<span class='date'>السبت 5 مارس 2022 - 14:10</span>").replace(
        "<div class='container'>", "<div class='container has-sidebar social-ready'>")
    article = extract(page, url="https://www.example-news.ae/a/1")
    assert article["authors"] == ["طارق عيسى"] and article["date_source"] == "text"


def test_midnight_page_date_is_a_bare_date_and_leaves_the_time_to_the_feed():
    entry = FeedEntry(url="https://x.example/a", source="المدينة", feed_url="https://x.example/rss",
                      published_at=dt.datetime(2022, 3, 5, 9, 40, tzinfo=UTC), utc_offset_minutes=180)
    page = render_page(head="<meta property='article:published_time' content='2022-03-05T00:00:00+03:00'>")
    article = extract(page, entry=entry)
    assert article["published_at"] == dt.datetime(2022, 3, 5, 9, 40, tzinfo=UTC)
    assert (article["date"], article["date_source"]) == ("2022-03-05", "feed")
