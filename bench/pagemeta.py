"""Publication time, date and authors of pages in the metadata shapes real outlets use, and their cost.

    .venv/bin/python bench/pagemeta.py [--n 300] [--seed 11]

Reads ../shared/corpus/ant/ant_multisource.jsonl.gz (development material; pages are built in
memory and never stored). Each ANT record becomes a bench/pagegen.py outlet page (50-70 KB:
menus, scripts, teaser rails, footer; a header clock «اليوم» before the headline), rewritten into
one of these metadata shapes, in turn:
  jsonld      JSON-LD datePublished and article:published_time with the feed's offset (pagegen's own)
  words       only article:published_time, written in Arabic words with ص/م and no offset; the
              page's og:updated_time states the offset (the zone must come from it)
  line        only a visible date line under the headline («تم نشره الخميس 3 آذار / مارس 2022
              10:15 مساءً», Levantine/Gregorian month names), no offset anywhere: the zone comes from
              the feed's pubDates (entry with utc_offset_minutes, no pubDate)
  none        no date anywhere                                 → expect date_source fetched
  epoch       article:published_time at the Unix epoch only     → expect date_source fetched
Truth is ANT's ``time`` (the feed's pubDate with its offset): the instant, and the outlet's day
in that offset. The author meta holds ANT's author string (place - outlet, outlet, place - person),
and JSON-LD author is a Person with that string: truth is the person part, if any.

Prints, per shape: published_at within 90 s, date equal to the outlet's day, date_source as
expected, authors right; the same for htmldate's day (the previous page path) on the shapes it
can see; and the cost per article of the metadata step, old (trafilatura metadata helpers +
extract_author + htmldate) against new (trafilatura helpers + read_page + date_article +
merge_authors; the body markup only when JSON-LD and <meta> leave the date or author open),
both timed on the same parsed trees.
"""

from __future__ import annotations

import argparse
import html as html_lib
import random
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pagegen import ANT, outlet_page, select_records  # noqa: E402

from akhbar.schemas import FeedEntry  # noqa: E402
from akhbar.transforms.article import page_facts, page_metadata  # noqa: E402
from akhbar.transforms.text.bylines import merge_authors  # noqa: E402

SHAPES = ("jsonld", "words", "line", "none", "epoch")
MONTHS = ["كانون الثاني / يناير", "شباط / فبراير", "آذار / مارس", "نيسان / أبريل", "أيار / مايو", "حزيران / يونيو",
          "تموز / يوليو", "آب / أغسطس", "أيلول / سبتمبر", "تشرين الأول / أكتوبر", "تشرين الثاني / نوفمبر",
          "كانون الأول / ديسمبر"]
EGYPTIAN = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"]
WEEKDAYS = ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"]
FETCHED = datetime(2026, 12, 3, tzinfo=UTC)
_META_TIME = re.compile(r'<meta property="article:published_time" content="[^"]*">')
_JSON_LD_DATE = re.compile(r'"datePublished": "[^"]*", ')


def _clock(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    return f"{hour:02d}:{moment.minute:02d}"


def reshape(html: str, shape: str, local: datetime) -> str:
    """The page in one metadata shape (``local``: the publication time in the outlet's offset)."""
    if shape == "jsonld":
        return html
    html = _JSON_LD_DATE.sub("", html)
    if shape == "words":
        words = (f"{WEEKDAYS[local.weekday()]}، {local.day} {EGYPTIAN[local.month - 1]} {local.year} - "
                 f"{_clock(local)} {'ص' if local.hour < 12 else 'م'}")
        updated = (local + timedelta(hours=2)).isoformat()
        return _META_TIME.sub(f'<meta property="article:published_time" content="{html_lib.escape(words)}">'
                              f'<meta property="og:updated_time" content="{updated}">', html)
    html = _META_TIME.sub("", html)
    if shape == "line":
        line = (f"تم نشره {WEEKDAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} {local.year} "
                f"{_clock(local)} {'صباحاً' if local.hour < 12 else 'مساءً'}")
        return re.sub(r"(</h1>)", rf'\1<p class="article-meta">{line}</p>', html, count=1)
    if shape == "epoch":
        return html.replace("</head>", '<meta property="article:published_time" content="1970-01-01T00:00:00Z"></head>', 1)
    return html


def old_metadata(tree, url: str, want_date: bool):
    """The page path before this change: trafilatura's helpers, extract_author and htmldate."""
    from htmldate import find_date
    from trafilatura.metadata import extract_author

    metadata = page_metadata(tree, url)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    searched_author = not metadata.author  # the costly step, taken when meta and JSON-LD name no one
    if not metadata.author:
        metadata.author = extract_author(tree)
    if want_date:
        metadata.date = find_date(tree, extensive_search=False, original_date=True, url=metadata.url)
    return metadata, searched_author


def new_metadata(tree, html: str, url: str, entry: FeedEntry):
    """The page path now: trafilatura's helpers (no author, no date), then article.page_facts."""
    metadata = page_metadata(tree, url)
    facts, names, dating = page_facts(tree, url, metadata.sitename, entry=entry, fetched_at=FETCHED, html=html)
    authors = merge_authors([facts.json_ld_authors, facts.byline_texts, facts.meta_authors], names)
    return dating, authors


def expected_authors(raw: str, outlet_words: set[str]) -> list[str]:
    """The person in an ANT author string, by hand rules independent of bylines.py: the part after
    «مكان - » that is not an outlet, a wire or a single word."""
    if not raw:
        return []
    part = re.split(r"\s*[-–—ـ]\s*", raw)[-1].strip()
    if len(part.split()) < 2 or any(w in part for w in outlet_words) or re.search(r"[0-9.]", part):
        return []
    return [part]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--verbose", action="store_true", help="print the author mismatches")
    args = parser.parse_args(argv)
    if not ANT.exists():
        print(f"corpus absent ({ANT}): nothing to measure")
        return 0
    from lxml.html import fromstring

    records, titles = select_records(args.n, args.seed)
    rng = random.Random(args.seed)
    outlet_words = {"العربية", "سكاي", "نيوز", "فرانس", "رويترز", "د ب أ", "أ ف ب", "قناة", "البوابة", "وكالة", "الأناضول"}
    scores = {s: {"n": 0, "instant": 0, "day": 0, "source": 0, "authors": 0, "htmldate_day": 0} for s in SHAPES}
    old_ms = new_ms = plain_old_ms = plain_new_ms = 0.0
    timed = plain = 0
    for index, record in enumerate(records):
        try:
            local = parsedate_to_datetime(record["time"])
        except (TypeError, ValueError, KeyError):
            continue
        if local.tzinfo is None:
            continue
        shape = SHAPES[index % len(SHAPES)]
        url = f"http://127.0.0.1/site/{index}.html"
        source = "موقع الساحل"
        page = reshape(outlet_page(record, "portal", titles, rng, site="site", outlet_name=source, url=url),
                       shape, local)
        offset = int(local.utcoffset().total_seconds() // 60)
        entry = FeedEntry(url=url, source=source, feed_url="http://127.0.0.1/rss", utc_offset_minutes=offset)
        tree = fromstring(page)
        started = time.perf_counter()
        old, searched_author = old_metadata(tree, url, want_date=True)
        middle = time.perf_counter()
        dating, authors = new_metadata(tree, page, url, entry)
        old_ms += (middle - started) * 1000
        new_ms += (time.perf_counter() - middle) * 1000
        timed += 1
        if not searched_author:
            plain_old_ms += (middle - started) * 1000
            plain_new_ms += (time.perf_counter() - middle) * 1000
            plain += 1

        row = scores[shape]
        row["n"] += 1
        undated = shape in ("none", "epoch")
        truth = local.astimezone(UTC)
        if undated:
            row["instant"] += dating.published_at is None
            row["day"] += dating.date == FETCHED.date().isoformat()
            row["source"] += dating.date_source == "fetched"
            row["htmldate_day"] += old.date is None
        else:
            row["instant"] += dating.published_at is not None and abs(dating.published_at - truth) <= timedelta(seconds=90)
            row["day"] += dating.date == local.date().isoformat()
            row["source"] += dating.date_source == ("text" if shape == "line" else "page")
            row["htmldate_day"] += old.date == local.date().isoformat()
        expected = expected_authors(record.get("author") or "", outlet_words)
        row["authors"] += authors == expected
        if authors != expected and args.verbose:
            print("authors:", record.get("author"), "→", authors, "expected", expected)

    print(f"pages: {timed} ANT records (seed {args.seed}) in bench/pagegen.py outlet pages, {len(SHAPES)} shapes in turn")
    print(f"{'shape':8} {'n':>4} {'instant≤90s':>12} {'outlet day':>11} {'date_source':>12} {'authors':>8} {'htmldate day':>13}")
    for shape, row in scores.items():
        n = row["n"] or 1
        print(f"{shape:8} {row['n']:4d} {row['instant'] / n:12.1%} {row['day'] / n:11.1%} {row['source'] / n:12.1%} "
              f"{row['authors'] / n:8.1%} {row['htmldate_day'] / n:13.1%}")
    print("(none/epoch rows: instant = published_at null, day = fetch day, htmldate = found no date)")
    print(f"metadata step per article: old {old_ms / timed:.2f} ms (helpers + extract_author + htmldate), "
          f"new {new_ms / timed:.2f} ms (helpers + read_page + date_article + merge_authors)")
    if plain:
        print(f"  on the {plain} pages where the old path found an author without extract_author: "
              f"old {plain_old_ms / plain:.2f} ms, new {plain_new_ms / plain:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
