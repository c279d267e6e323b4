"""Realistic article pages and feeds built around real ANT article texts, for the benchmarks.

    /work/main/.venv/bin/python bench/pagegen.py --n 50 --out /tmp/akhbar-pages   # writes a site, prints its size

Reads ../shared/corpus/ant/ant_multisource.jsonl.gz (development material: the pages are built
in a temporary folder at benchmark time and never copied into the project).

Two layers:
- the four article templates of bench/quality.py (``TEMPLATES``: portal, old_cms, glued, blog),
  each wrapping one article's title and paragraphs with known injected boilerplate and
  returning ``(html, injected strings)``. bench/quality.py scores extraction on them.
- ``outlet_page`` puts such a template inside the weight of a real outlet's page (50 KB and
  more, like the pages of the outlets ANT came from): inline analytics/ad scripts and styles,
  JSON-LD and meta tags, a breaking-news ticker, a mega menu, teaser rails («الأكثر قراءة»,
  «آخر الأخبار», «فيديو») and a fat footer. ``build_site`` writes N such pages plus RSS feeds
  (several outlets, several feeds each, pubDates taken from ANT's ``time``) under one folder,
  with absolute links written as the ``{{BASE}}`` placeholder that ``akhbar.pipelines.localsite``
  fills in at serve time, and a ``feeds.yaml.template`` for ``akhbar ingest``.
"""

from __future__ import annotations

import argparse
import gzip
import html as html_lib
import json
import random
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
ANT = CORPUS / "ant" / "ant_multisource.jsonl.gz"
# An ANT text that already holds a related-link line, a syndication credit or an op-ed
# disclaimer is not a clean gold body (our output would be scored down for removing them).
# BBC Arabic's texts in ANT often end with the outlet's own app notice («يمكنكم تسلم إشعارات … تطبيق
# بي بي سي عربي»): boilerplate in the gold, so those texts are left out too.
UNCLEAN_GOLD = re.compile(
    r"^\W*(اقرأ|إقرأ|اقرا|للمزيد|قد يهمك|شاهد|طالع|ذات صلة|نقلا\u064b? عن)|تمثل رأي كتابها|تطبيق بي بي سي", re.MULTILINE
)
BASE = "{{BASE}}"

# --------------------------------------------------------------------------- article templates
NAV = ["الرئيسية", "أخبار", "سياسة", "اقتصاد", "رياضة", "ثقافة", "تكنولوجيا", "منوعات", "فيديو"]


def _esc(text: str) -> str:
    return html_lib.escape(text, quote=False)


def _head(title: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>{_esc(title)} | موقع الأخبار</title>'
        f'<meta property="og:title" content="{html_lib.escape(title)}"></head><body>'
    )


def _nav() -> str:
    items = "".join(f'<li><a href="/section/{i}">{n}</a></li>' for i, n in enumerate(NAV))
    return f'<header><div class="logo"><a href="/">موقع الأخبار</a></div><nav><ul>{items}</ul></nav></header>'


def _links(headlines: list[str]) -> str:
    return "".join(f'<li><a href="/news/{abs(hash(h)) % 99999}">{_esc(h)}</a></li>' for h in headlines)


def template_portal(
    title: str, paragraphs: list[str], extra: list[str], caption: str
) -> tuple[str, list[str]]:
    """Pan-Arab portal: figure with caption, share bar, read-also paragraph, «اخترنا لك» block, footer."""
    read_also, teasers = extra[0], extra[1:4]
    body = [f"<p>{_esc(p)}</p>" for p in paragraphs]
    body.insert(
        min(2, len(body)), f'<p><strong>اقرأ أيضاً:</strong> <a href="/news/1">{_esc(read_also)}</a></p>'
    )
    html = (
        _head(title)
        + _nav()
        + f'<main><article><h1>{_esc(title)}</h1><div class="meta"><time>منذ 3 ساعات</time></div>'
        + '<div class="share"><span>شارك</span><a href="#">فيسبوك</a><a href="#">تويتر</a><a href="#">واتساب</a></div>'
        + f'<figure><img src="/img/1.jpg" alt=""><figcaption>{_esc(caption)}</figcaption></figure>'
        + '<div class="article-body">'
        + "".join(body)
        + "</div>"
        + f'<div class="related"><h3>اخترنا لك</h3><ul>{_links(teasers)}</ul></div>'
        + "</article></main>"
        + '<footer><p>جميع الحقوق محفوظة © 2024 موقع الأخبار</p><a href="/about">من نحن</a></footer></body></html>'
    )
    injected = [f"اقرأ أيضاً: {read_also}", read_also, *teasers, caption, "اخترنا لك", "جميع الحقوق محفوظة"]
    return html, injected


def template_oldcms(
    title: str, paragraphs: list[str], extra: list[str], caption: str
) -> tuple[str, list[str]]:
    """Older CMS: one content div with <br> breaks, inline read-also links, promo, trailing agency tag."""
    read_also, more = extra[0], extra[1:4]
    parts = [_esc(p) for p in paragraphs]
    parts[-1] = parts[-1] + " (رويترز)"
    parts.insert(min(3, len(parts)), f'<a href="/n/2">اقرأ أيضا: {_esc(read_also)}</a>')
    content = "<br><br>".join(parts)
    more_block = "<p><b>المزيد من الأخبار</b></p>" + "".join(
        f'<p><a href="/n/{i}">{_esc(h)}</a></p>' for i, h in enumerate(more)
    )
    html = (
        _head(title)
        + '<table width="100%"><tr><td>'
        + _nav()
        + "</td></tr><tr><td>"
        + f'<div class="title"><h2>{_esc(title)}</h2></div>'
        + f'<div class="pic"><img src="/p.jpg"><div class="caption">صورة أرشيفية - {_esc(caption)}</div></div>'
        + f'<div class="content">{content}</div>'
        + "<p>حمّل تطبيق موقع الأخبار لتصلك آخر الأخبار لحظة بلحظة</p>"
        + more_block
        + '</td></tr></table><div id="footer">حقوق النشر محفوظة لموقع الأخبار 2024</div></body></html>'
    )
    injected = [
        read_also,
        *more,
        caption,
        "(رويترز)",
        "حمّل تطبيق موقع الأخبار",
        "المزيد من الأخبار",
        "حقوق النشر محفوظة",
    ]
    return html, injected


def template_glued(
    title: str, paragraphs: list[str], extra: list[str], caption: str
) -> tuple[str, list[str]]:
    """Read-also link glued to the next paragraph in one <p>, repeated caption, newsletter box, «الأكثر قراءة»."""
    read_also, most_read = extra[0], extra[1:5]
    body = [f"<p>{_esc(p)}</p>" for p in paragraphs]
    at = min(2, len(paragraphs) - 1)
    body[at] = (
        f'<p><a class="related" href="/r/3">اقرأ أيضاً: {_esc(read_also)}</a> {_esc(paragraphs[at])}</p>'
    )
    html = (
        _head(title)
        + _nav()
        + '<div class="container"><div class="col-main">'
        + f'<h1 class="headline">{_esc(title)}</h1>'
        + f'<div class="media"><img src="/i.jpg" alt="{html_lib.escape(caption)}"><p class="cap">• {_esc(caption)}</p><p class="cap">{_esc(caption)}</p></div>'
        + '<div class="entry-content">'
        + "".join(body)
        + '<div class="newsletter"><p>اشترك في النشرة البريدية لتصلك أهم الأخبار يوميا</p><form><input type="email"><button>اشترك</button></form></div>'
        + "<p>تابعونا على فيسبوك وتويتر</p>"
        + "</div></div>"
        + f'<aside class="col-side"><h4>الأكثر قراءة</h4><ol>{_links(most_read)}</ol></aside>'
        + "</div><footer>© 2024 موقع الأخبار. جميع الحقوق محفوظة</footer></body></html>"
    )
    injected = [
        read_also,
        *most_read,
        caption,
        "اشترك في النشرة البريدية",
        "تابعونا على فيسبوك",
        "الأكثر قراءة",
    ]
    return html, injected


def template_blog(title: str, paragraphs: list[str], extra: list[str], caption: str) -> tuple[str, list[str]]:
    """WordPress-like: byline credit, «مواضيع ذات صلة» inside the content, source line, comment form."""
    related, read_also = extra[0:3], extra[3]
    body = [f"<p>{_esc(p)}</p>" for p in paragraphs]
    body.insert(len(body) // 2, f'<p>للمزيد: <a href="/x">{_esc(read_also)}</a></p>')
    html = (
        _head(title)
        + _nav()
        + '<div id="content"><div class="post">'
        + f'<h1 class="entry-title">{_esc(title)}</h1><p class="byline">تحرير: سارة منصور</p>'
        + f'<div class="wp-caption"><img src="/w.jpg"><p class="wp-caption-text">{_esc(caption)} (أرشيفية)</p></div>'
        + '<div class="entry">'
        + "".join(body)
        + "<p>المصدر: وكالات</p>"
        + f'<div class="related-posts"><h3>مواضيع ذات صلة</h3><ul>{_links(related)}</ul></div>'
        + "</div>"
        + '<div id="comments"><h3>إضافة تعليق جديد</h3><form><textarea></textarea><input type="submit" value="إرسال"></form></div>'
        + '</div></div><div class="footer">كل الحقوق محفوظة لموقع الأخبار</div></body></html>'
    )
    injected = [
        read_also,
        *related,
        caption,
        "مواضيع ذات صلة",
        "إضافة تعليق جديد",
        "المصدر: وكالات",
        "تحرير: سارة منصور",
    ]
    return html, injected


Template = Callable[[str, list[str], list[str], str], tuple[str, list[str]]]
TEMPLATES: dict[str, Template] = {
    "portal": template_portal,
    "old_cms": template_oldcms,
    "glued": template_glued,
    "blog": template_blog,
}


# --------------------------------------------------------------------------- ANT records
def iter_ant(path: Path = ANT) -> Iterator[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def load_ant(count: int, seed: int) -> list[dict]:
    """``count`` clean ANT records (plus 400 donors of teaser headlines), shuffled by ``seed``."""
    records = []
    for record in iter_ant():
        text = record.get("text") or ""
        if len(text.split()) < 80 or text.count("\n") < 2 or UNCLEAN_GOLD.search(text):
            continue
        records.append(record)
    rng = random.Random(seed)
    rng.shuffle(records)
    return records[: count + 400]  # the extra records lend their titles as injected headlines


# --------------------------------------------------------------------------- outlet weight
SECTIONS = {
    "أخبار": ["محلية", "عربية", "دولية", "عاجل", "تقارير", "حوارات", "تحقيقات", "ملفات", "صحافة", "بيانات"],
    "سياسة": ["الخليج", "مصر", "الشام", "المغرب العربي", "أفريقيا", "أوروبا", "أمريكا", "آسيا", "انتخابات", "برلمان"],
    "اقتصاد": ["أسواق", "بورصة", "نفط وطاقة", "عقارات", "بنوك", "شركات", "عملات", "ذهب", "تجارة", "سياحة"],
    "رياضة": ["كرة القدم", "الدوري المحلي", "دوري الأبطال", "كرة السلة", "تنس", "فورمولا 1", "ألعاب قوى", "منتخبات", "انتقالات", "نتائج"],
    "ثقافة": ["أدب", "سينما", "موسيقى", "مسرح", "تشكيل", "كتب", "مهرجانات", "تراث", "مشاهير", "تلفزيون"],
    "تكنولوجيا": ["هواتف", "إنترنت", "ذكاء اصطناعي", "ألعاب", "فضاء", "علوم", "أمن معلومات", "تطبيقات", "شركات تقنية", "سيارات"],
    "صحة": ["طب", "تغذية", "لياقة", "أمراض", "أدوية", "صحة نفسية", "طفل", "مرأة", "أبحاث", "أوبئة"],
    "منوعات": ["غرائب", "سفر", "مطبخ", "موضة", "بيئة", "مجتمع", "فيديو", "صور", "إنفوغراف", "بودكاست"],
}
SOCIAL = ["فيسبوك", "تويتر", "إنستغرام", "يوتيوب", "تيليغرام", "واتساب", "لينكدإن", "تيك توك"]
FOOTER_LINKS = ["من نحن", "اتصل بنا", "أعلن معنا", "سياسة الخصوصية", "شروط الاستخدام", "خريطة الموقع",
                "الأرشيف", "وظائف", "فريق التحرير", "النشرة البريدية", "تطبيقات الجوال", "خدمة RSS"]
_JS_WORDS = ["ads", "slot", "render", "lazy", "config", "track", "event", "user", "page", "consent",
             "bid", "unit", "size", "refresh", "queue", "push", "init", "video", "player", "metrics"]


def _script_blob(rng: random.Random, target_chars: int) -> str:
    """Minified-looking analytics/ad configuration JS, as outlets inline in their pages."""
    parts: list[str] = []
    size = 0
    while size < target_chars:
        a, b, c = rng.sample(_JS_WORDS, 3)
        number = rng.randint(10, 99999)
        chunk = (
            f'window.{a}{b.title()}=window.{a}{b.title()}||[];{a}{b.title()}.push({{"{c}":"{a}-{number}",'
            f'"sizes":[[{rng.choice((300, 728, 970))},{rng.choice((90, 250, 600))}]],"{b}":{number % 7 == 0 and "true" or "false"}}});'
            f"function {c}_{number}(e){{if(!e)return;var t=document.getElementById('{a}-{number}');"
            f"t&&t.setAttribute('data-{b}','{c}');}}"
        )
        parts.append(chunk)
        size += len(chunk)
    return "".join(parts)


def _style_blob(rng: random.Random, target_chars: int) -> str:
    parts: list[str] = []
    size = 0
    while size < target_chars:
        name = "-".join(rng.sample(_JS_WORDS, 2))
        chunk = (
            f".{name}{{display:flex;margin:{rng.randint(0, 24)}px {rng.randint(0, 24)}px;"
            f"font-size:{rng.randint(11, 22)}px;color:#{rng.randint(0, 0xFFFFFF):06x};direction:rtl}}"
        )
        parts.append(chunk)
        size += len(chunk)
    return "".join(parts)


def _teaser(headline: str, href: str, rng: random.Random, with_image: bool) -> str:
    image = (
        f'<div class="thumb"><img loading="lazy" src="/media/{rng.randint(1, 99999)}.jpg" '
        f'srcset="/media/{rng.randint(1, 99999)}-320.jpg 320w, /media/{rng.randint(1, 99999)}-640.jpg 640w" '
        f'alt="{html_lib.escape(headline)}" width="320" height="180"></div>'
        if with_image
        else ""
    )
    return (
        f'<li class="teaser">{image}<a class="teaser-link" href="{href}">'
        f'<h3 class="teaser-title">{_esc(headline)}</h3></a>'
        f'<span class="teaser-time">منذ {rng.randint(1, 23)} ساعة</span></li>'
    )


def _rail(heading: str, headlines: list[str], rng: random.Random, site: str, with_images: bool) -> str:
    items = "".join(
        _teaser(h, f"{BASE}/{site}/news/{rng.randint(100000, 999999)}.html", rng, with_images) for h in headlines
    )
    return f'<section class="rail"><h2 class="rail-title">{heading}</h2><ul class="teasers">{items}</ul></section>'


def _mega_menu(site: str) -> str:
    columns = []
    for index, (section, subsections) in enumerate(SECTIONS.items()):
        links = "".join(
            f'<li><a href="{BASE}/{site}/section/{index}/{sub_index}">{_esc(sub)}</a></li>'
            for sub_index, sub in enumerate(subsections)
        )
        columns.append(
            f'<li class="menu-item has-children"><a href="{BASE}/{site}/section/{index}">{section}</a>'
            f'<ul class="sub-menu">{links}</ul></li>'
        )
    return f'<nav class="mega-menu" aria-label="القائمة الرئيسية"><ul class="menu">{"".join(columns)}</ul></nav>'


def _footer(site: str, outlet_name: str) -> str:
    columns = []
    for index, (section, subsections) in enumerate(SECTIONS.items()):
        links = "".join(f'<li><a href="{BASE}/{site}/section/{index}/{i}">{_esc(s)}</a></li>' for i, s in enumerate(subsections))
        columns.append(f'<div class="footer-col"><h4>{section}</h4><ul>{links}</ul></div>')
    social = "".join(f'<a class="social" href="https://social.example/{site}/{i}">{s}</a>' for i, s in enumerate(SOCIAL))
    about = "".join(f'<li><a href="{BASE}/{site}/page/{i}">{s}</a></li>' for i, s in enumerate(FOOTER_LINKS))
    return (
        f'<footer class="site-footer"><div class="footer-cols">{"".join(columns)}</div>'
        f'<div class="footer-social">تابعونا: {social}</div><ul class="footer-about">{about}</ul>'
        f"<p class=\"copyright\">جميع الحقوق محفوظة © {outlet_name}</p></footer>"
    )


def outlet_page(
    record: dict,
    template_name: str,
    donors: list[str],
    rng: random.Random,
    *,
    site: str,
    outlet_name: str,
    url: str,
) -> str:
    """One article page with the weight of a real outlet page (>= 50 KB): ANT text + template + outlet shell."""
    paragraphs = [p.strip() for p in record["text"].split("\n") if p.strip()] or [record["text"]]
    extra = rng.sample(donors, 5)
    caption = rng.choice(donors)
    html, _ = TEMPLATES[template_name](record.get("title") or "", paragraphs, extra, caption)
    title = record.get("title") or ""
    published = record.get("time") or ""
    try:
        published_iso = parsedate_to_datetime(published).isoformat()
    except (TypeError, ValueError):
        published_iso = ""
    json_ld = json.dumps(
        {
            "@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
            "datePublished": published_iso, "author": {"@type": "Person", "name": record.get("author") or outlet_name},
            "publisher": {"@type": "Organization", "name": outlet_name}, "mainEntityOfPage": url,
        },
        ensure_ascii=False,
    )
    head_extra = (
        f'<link rel="canonical" href="{url}"><meta name="description" content="{html_lib.escape(record.get("abstract") or "")}">'
        f'<meta property="og:url" content="{url}"><meta property="og:site_name" content="{html_lib.escape(outlet_name)}">'
        f'<meta name="author" content="{html_lib.escape(record.get("author") or "")}">'
        f'<meta property="article:published_time" content="{published_iso}">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<script type="application/ld+json">{json_ld}</script>'
        f"<style>{_style_blob(rng, 6000)}</style><script>{_script_blob(rng, 9000)}</script>"
    )
    ticker = "".join(f'<li><a href="{BASE}/{site}/breaking/{i}">{_esc(h)}</a></li>' for i, h in enumerate(rng.sample(donors, 6)))
    top = (
        '<div class="topbar"><span class="date">اليوم</span><ul class="social-top">'
        + "".join(f'<li><a href="https://social.example/{i}">{s}</a></li>' for i, s in enumerate(SOCIAL))
        + f'</ul></div><div class="breaking"><strong>عاجل</strong><ul class="ticker">{ticker}</ul></div>'
        + _mega_menu(site)
        + '<div class="ad ad-leaderboard" id="ad-top" data-slot="top"></div>'
    )
    rails = (
        _rail("آخر الأخبار", rng.sample(donors, 18), rng, site, True)
        + _rail("الأكثر قراءة", rng.sample(donors, 10), rng, site, False)
        + _rail("فيديو", rng.sample(donors, 8), rng, site, True)
        + _rail("مختارات المحرر", rng.sample(donors, 8), rng, site, True)
    )
    tail = (
        rails
        + _footer(site, outlet_name)
        + '<div id="cookie-consent" class="consent"><p>نستخدم ملفات تعريف الارتباط لتحسين تجربتك</p><button>موافق</button></div>'
        + f"<script>{_script_blob(rng, 7000)}</script>"
    )
    head_end = html.index("</head>")
    html = html[:head_end] + head_extra + html[head_end:]
    body_start = html.index("<body>") + len("<body>")
    html = html[:body_start] + top + html[body_start:]
    body_end = html.rindex("</body>")
    return html[:body_end] + tail + html[body_end:]


# --------------------------------------------------------------------------- site
OUTLETS = {
    # ANT's src → (site folder, invented outlet name, template): one CMS per outlet, as in life.
    "alarabia": ("sahil", "موقع الساحل", "portal"),
    "BBC": ("madina", "أخبار المدينة", "old_cms"),
    "CNN": ("jisr", "الجسر نت", "glued"),
    "france24": ("nahar", "النهار اليوم", "blog"),
    "skynews": ("ufuq", "أفق الإخبارية", "portal"),
}
ITEMS_PER_FEED = 500  # feeds of real outlets hold tens of items; a backfill feed a few hundred


@dataclass(frozen=True)
class Site:
    root: Path
    pages: list[Path]  # in feed order
    feeds: int
    total_bytes: int
    min_page_bytes: int


def _rss(feed_title: str, items: list[str]) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel><title>{_esc(feed_title)}</title><link>{BASE}/</link><language>ar</language>"
        + "".join(items)
        + "</channel></rss>\n"
    )


def _rss_item(record: dict, link: str) -> str:
    return (
        f"<item><title>{_esc(record.get('title') or '')}</title><link>{link}</link>"
        f'<guid isPermaLink="true">{link}</guid><pubDate>{_esc(record.get("time") or "")}</pubDate>'
        f"<dc:creator>{_esc(record.get('author') or '')}</dc:creator>"
        f"<description>{_esc(record.get('abstract') or '')}</description>"
        f"<category>{_esc(record.get('cat') or '')}</category></item>"
    )


def select_records(n: int, seed: int) -> tuple[list[dict], list[str]]:
    """The first ``n`` ANT records of a seeded shuffle, and every title as a teaser-headline pool."""
    records = [r for r in iter_ant() if (r.get("text") or "").strip() and r.get("url")]
    rng = random.Random(seed)
    rng.shuffle(records)
    titles = [r["title"] for r in records if r.get("title")]
    return records[:n], titles


def build_site(root: Path, n: int, seed: int = 7) -> Site:
    """Write ``n`` pages and their RSS feeds under ``root`` (see the module doc); returns what was written."""
    records, titles = select_records(n, seed)
    if len(records) < n:
        raise ValueError(f"ANT has only {len(records)} usable records, asked for {n}")
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    by_feed: dict[tuple[str, str], list[tuple[dict, str]]] = {}
    pages: list[Path] = []
    total = 0
    smallest = None
    for index, record in enumerate(records):
        site, name, template = OUTLETS.get(record.get("src"), ("misc", "منوعات نت", "blog"))
        section = record.get("cat") or "news"
        relative = f"{site}/{section}/{index:05d}.html"
        url = f"{BASE}/{relative}"
        html = outlet_page(record, template, titles, rng, site=site, outlet_name=name, url=url)
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        data = html.encode("utf-8")
        path.write_bytes(data)
        total += len(data)
        smallest = len(data) if smallest is None else min(smallest, len(data))
        pages.append(path)
        by_feed.setdefault((site, section), []).append((record, f"{url}?utm_source=rss"))
    feed_lines = ["# Generated by bench/pagegen.py for a loopback benchmark; {{BASE}} is filled in at serve time.", "feeds:"]
    feeds = 0
    for (site, section), items in sorted(by_feed.items()):
        name = next(v[1] for v in OUTLETS.values() if v[0] == site) if site != "misc" else "منوعات نت"
        for part in range(0, len(items), ITEMS_PER_FEED):
            chunk = items[part : part + ITEMS_PER_FEED]
            relative = f"{site}/{section}/rss-{part // ITEMS_PER_FEED}.xml"
            (root / relative).write_text(
                _rss(f"{name} - {section}", [_rss_item(r, link) for r, link in chunk]), encoding="utf-8"
            )
            feed_lines += [f"  - name: {json.dumps(name, ensure_ascii=False)}", f"    url: {BASE}/{relative}"]
            feeds += 1
    (root / "feeds.yaml.template").write_text("\n".join(feed_lines) + "\n", encoding="utf-8")
    return Site(root=root, pages=pages, feeds=feeds, total_bytes=total, min_page_bytes=smallest or 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=50, help="article pages to build (default 50)")
    parser.add_argument("--out", required=True, help="folder to write the site into")
    parser.add_argument("--seed", type=int, default=7, help="sampling seed (default 7)")
    args = parser.parse_args(argv)
    if not ANT.exists():
        print(f"corpus not found at {ANT}: nothing to build")
        return 0
    site = build_site(Path(args.out), args.n, args.seed)
    print(
        f"{len(site.pages)} pages in {site.feeds} feeds under {site.root}: "
        f"{site.total_bytes / len(site.pages) / 1024:.1f} KB per page on average, smallest {site.min_page_bytes / 1024:.1f} KB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
