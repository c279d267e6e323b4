"""Pages that hold no article (navigation, section indexes, link lists) are rejects of their own
kind, and text joined from back-to-back links keeps its word boundaries. Pure: no Beam.

Every Arabic text here was written for these tests.
"""

from __future__ import annotations

from faultserver import ARTICLES, html_page

from akhbar.schemas import Reject
from akhbar.transforms.article import LINK_LIST_SHARE, article_from_html, link_text_share

HEADLINES = [
    "الحكومة تعلن خطة جديدة لدعم المزارعين في المناطق الريفية",
    "ارتفاع أسعار الذهب في الأسواق المحلية مع نهاية الأسبوع",
    "افتتاح معرض الكتاب الدولي بمشاركة مئات دور النشر العربية",
    "المنتخب الوطني يستعد لمباراته الودية أمام فريق ضيف",
    "وزارة الصحة تطلق حملة للتوعية بأهمية الفحص المبكر",
]


def _page(body: str) -> str:
    return f'<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>أقسام</title></head><body>{body}</body></html>'


def _headlines(n: int) -> list[str]:
    return [f"{HEADLINES[i % len(HEADLINES)]} رقم {i}" for i in range(n)]


def test_a_minified_row_of_forty_links_is_a_link_list_reject():
    links = "".join(f'<a href="/news/{i}.html">رابط {i}</a>' for i in range(40))
    result = article_from_html(_page(f'<div class="content">{links}</div>'), "https://alkhabar.example/links")
    assert isinstance(result, Reject) and result.reason == "link_list", result


def test_index_pages_of_long_headlines_are_link_list_rejects():
    # Headlines long enough to pass as sentences: the word count alone cannot tell them from prose.
    heads = _headlines(30)
    layouts = {
        "list": "<ul>" + "".join(f'<li><a href="/n/{i}">{h}</a></li>' for i, h in enumerate(heads)) + "</ul>",
        "cards": "".join(f'<div class="card"><h3><a href="/n/{i}">{h}</a></h3><span>منذ ساعة</span></div>'
                         for i, h in enumerate(heads)),
        "paragraphs": "".join(f'<p><a href="/n/{i}">{h}</a></p>' for i, h in enumerate(heads)),
    }
    for name, body in layouts.items():
        result = article_from_html(_page(body), f"https://nile.example/sections/{name}")
        assert isinstance(result, Reject) and result.reason == "link_list", (name, result)
        assert "link texts" in result.detail


def test_an_article_with_links_in_its_paragraphs_stays_an_article():
    html = html_page("library").replace(
        "مكتبة عامة جديدة تضم", 'مكتبة عامة جديدة <a href="/tag/library">تضم</a>'
    )
    related = "".join(f'<li><a href="/n/{i}">{h}</a></li>' for i, h in enumerate(_headlines(3)))
    html = html.replace("</article>", f"</article><aside><ul>{related}</ul></aside>")
    result = article_from_html(html, "https://alkhabar.example/articles/library.html")
    assert isinstance(result, dict), result
    assert result["title"] == ARTICLES["library"][0]


def test_back_to_back_links_keep_their_word_boundaries():
    paragraph = ARTICLES["library"][1][0]
    tags = '<a href="/tag/1">ثقافة</a><a href="/tag/2">مكتبات</a><a href="/tag/3">تعليم</a>'
    html = _page(f"<article><h1>{ARTICLES['library'][0]}</h1>" + "".join(
        f"<p>{p}</p>" for p in ARTICLES["library"][1]) + f"<p>{paragraph} الوسوم: {tags}</p></article>")
    result = article_from_html(html, "https://alkhabar.example/articles/tags.html")
    assert isinstance(result, dict), result
    assert "ثقافة مكتبات تعليم" in result["body"]
    assert "ثقافةمكتبات" not in result["body"] and "مكتباتتعليم" not in result["body"]


def test_link_share_counts_only_whole_link_texts():
    from trafilatura.utils import load_html

    tree = load_html(_page('<p>نص <a href="/a">رابط واحد</a> في فقرة طويلة من الكلام العادي</p>'))
    share = link_text_share("نص [رابط واحد](/a) في فقرة طويلة من الكلام العادي", tree)
    assert 0 < share < LINK_LIST_SHARE
    assert link_text_share("رابط واحد", tree) == 1.0


def test_an_undated_article_and_its_story_land_on_the_fetch_date_and_a_link_page_is_rejected(tmp_path):
    """Through the pipeline, against a loopback server: no epoch partition anywhere."""
    from datetime import UTC, datetime

    from faultserver import FaultServer, Reply
    from pipeline_runs import run_ingest

    from akhbar import schemas

    index = _page("<ul>" + "".join(f'<li><a href="/n/{i}">{h}</a></li>' for i, h in enumerate(_headlines(30))) + "</ul>")

    def feed(request) -> Reply:
        # No <pubDate>, and the article page has no date either.
        items = (f"<item><title>{ARTICLES['library'][0]}</title><link>{request.base}/articles/library.html</link></item>"
                 f"<item><title>أقسام الموقع</title><link>{request.base}/sections.html</link></item>")
        body = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>بلا تاريخ</title>{items}</channel></rss>'
        return Reply(200, {"Content-Type": "application/rss+xml; charset=utf-8"}, body.encode("utf-8"))

    with FaultServer() as server:
        server.set_route("/feeds/undated.xml", feed)
        server.set_route("/sections.html", Reply(200, {"Content-Type": "text/html; charset=utf-8"}, index.encode("utf-8")))
        feeds = tmp_path / "feeds.yaml"
        feeds.write_text(f"feeds:\n  - name: undated\n    url: {server.url('/feeds/undated.xml')}\n", encoding="utf-8")
        output = tmp_path / "out"
        started = datetime.now(UTC).date()
        run_ingest(["--feeds", str(feeds), "--output", str(output), "--run-id", "undated",
                    "--allow-private-network", "127.0.0.1/32", "--per-host-delay", "0"])
    (article,) = schemas.read_dataset(str(output), "articles").to_table().to_pylist()
    assert article["published_at"] is None and article["date"] >= started
    (story,) = schemas.read_dataset(str(output), "stories").to_table().to_pylist()
    assert story["first_seen"] is None and story["date"] == article["date"]
    assert not list(output.rglob("date=1970-01-01"))
    reasons = {r["url"].rsplit("/", 1)[1]: r["reason"] for r in schemas.read_dataset(str(output), "rejects").to_table().to_pylist()}
    assert reasons == {"sections.html": "link_list"}
