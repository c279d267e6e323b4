"""Body quality: word-level precision/recall/F1 and boilerplate leak rate, ours vs bare trafilatura.

    /work/main/.venv/bin/python bench/quality.py [--articles 200] [--seed 7]

Reads ../shared/corpus (development material, never copied into the project):
- pages/*.html with their gold: cnn_arabic_windows1256 has the full body in .gold.txt;
  cnn_arabic_utf8 is the same CNN page re-encoded, so it is scored against that same full
  gold (its own .gold.json holds only the body's first sentence, which is also checked);
  assabah_tn's .gold.json only lists snippets that must / must not appear, so it is
  scored by snippets, not F1.
- ant/ant_multisource.jsonl.gz: ``--articles`` ANT article texts (the gold body) wrapped into
  four realistic page templates with known injected boilerplate: navigation, a share bar,
  figure captions, «اقرأ أيضاً» links between paragraphs and glued to a paragraph, teaser
  blocks («اخترنا لك», «المزيد من الأخبار», «مواضيع ذات صلة», «الأكثر قراءة»), promos, credits,
  comment prompts and footers. The injected headlines are other ANT articles' titles.
  ANT texts whose own text still carries a related-link line, a syndication credit
  («نقلاً عن …») or an op-ed disclaimer (the feed's text was not clean) are skipped, since
  their gold would contain boilerplate.

(a) bare ``trafilatura.extract(html)``; (b) ours: ``transforms.article.article_from_html``
(the pipeline's single code path) when it imports, else (or with ``--links``) trafilatura's
bare_extraction with ``include_links=True`` + ``transforms.boilerplate.strip_boilerplate``
(printed which; Markdown link marks let the stripper cut a glued related headline exactly). Words are compared as bags of
match-form tokens (``transforms.arabic.match_tokens``), so normalisation is not scored as
error. Leak rate: share of outputs containing any injected boilerplate string (in match form;
strings that also occur in the gold are not counted). Prints a table, the ratio ours/bare,
time per page for both, and peak memory. Exits 0 with a message when the corpus is absent.
"""

from __future__ import annotations

import argparse
import gzip
import html as html_lib
import json
import random
import re
import resource
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import trafilatura

from transforms.arabic import match_tokens, normalize_match
from transforms.boilerplate import strip_boilerplate
from transforms.language import detect_language

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
PAGES = CORPUS / "pages"
ANT = CORPUS / "ant" / "ant_multisource.jsonl.gz"
# An ANT text that already holds a related-link line, a syndication credit or an op-ed
# disclaimer is not a clean gold body (our output would be scored down for removing them).
UNCLEAN_GOLD = re.compile(
    r"^\W*(اقرأ|إقرأ|اقرا|للمزيد|قد يهمك|شاهد|طالع|ذات صلة|نقلا\u064b? عن)|تمثل رأي كتابها", re.MULTILINE
)


# --------------------------------------------------------------------------- scoring
def prf(output: str, gold: str) -> tuple[float, float, float]:
    out, ref = Counter(match_tokens(output)), Counter(match_tokens(gold))
    overlap = sum((out & ref).values())
    precision = overlap / sum(out.values()) if out else 0.0
    recall = overlap / sum(ref.values()) if ref else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def leaks(output: str, injected: list[str], gold: str) -> list[str]:
    out_key, gold_key = normalize_match(output), normalize_match(gold)
    found = []
    for text in injected:
        key = normalize_match(text)
        if key and key not in gold_key and key in out_key:
            found.append(text)
    return found


# --------------------------------------------------------------------------- extractors
def bare(html: str, url: str) -> str:
    return trafilatura.extract(html) or ""


def _fallback_ours(html: str, url: str) -> str:
    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=True,
        deduplicate=False,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if document is None or not document.text:
        return ""
    return strip_boilerplate(document.text, title=document.title).body


def load_ours(force_fallback: bool = False) -> tuple[str, Callable[[str, str], str]]:
    if force_fallback:
        return "trafilatura.bare_extraction(include_links=True) + strip_boilerplate (--links)", _fallback_ours
    try:
        from transforms.article import article_from_html
    except Exception as error:  # the lead's module may not import yet while it is being written
        return (
            f"fallback: trafilatura.bare_extraction + strip_boilerplate ({type(error).__name__}: {error})",
            _fallback_ours,
        )

    def ours(html: str, url: str) -> str:
        result = article_from_html(html, url)
        return result.get("body") or "" if isinstance(result, dict) else ""

    return "transforms.article.article_from_html", ours


# --------------------------------------------------------------------------- page templates
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


TEMPLATES = {
    "portal": template_portal,
    "old_cms": template_oldcms,
    "glued": template_glued,
    "blog": template_blog,
}


def load_ant(count: int, seed: int) -> list[dict]:
    records = []
    with gzip.open(ANT, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            text = record.get("text") or ""
            if len(text.split()) < 80 or text.count("\n") < 2 or UNCLEAN_GOLD.search(text):
                continue
            records.append(record)
    rng = random.Random(seed)
    rng.shuffle(records)
    return records[: count + 400]  # the extra records lend their titles as injected headlines


# --------------------------------------------------------------------------- runs
def decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        from transforms.charset import decode_html

        return decode_html(data)[0]
    except Exception:
        return data.decode("utf-8", errors="replace")


def timed(function: Callable[[str, str], str], html: str, url: str, clock: dict, key: str) -> str:
    start = time.perf_counter()
    output = function(html, url)
    clock[key] = clock.get(key, 0.0) + time.perf_counter() - start
    return output


def run_gold_pages(ours: Callable[[str, str], str], clock: dict) -> list[tuple]:
    rows = []
    full_gold = (PAGES / "cnn_arabic_windows1256.gold.txt").read_text(encoding="utf-8")
    for name in ("cnn_arabic_windows1256", "cnn_arabic_utf8"):
        html = decode(PAGES / f"{name}.html")
        meta = json.loads((PAGES / f"{name}.gold.json").read_text(encoding="utf-8"))
        url = meta.get("url") or f"http://example.org/{name}"
        a, b = timed(bare, html, url, clock, "bare"), timed(ours, html, url, clock, "ours")
        rows.append((name, prf(a, full_gold), prf(b, full_gold)))
        start_snippet = (meta.get("expected") or {}).get("cleaned_text")
        if start_snippet:
            ok = normalize_match(start_snippet[:100]) in normalize_match(b)
            print(f"  {name}: body starts with the goose3 gold opening: {ok}")
    meta = json.loads((PAGES / "assabah_tn.gold.json").read_text(encoding="utf-8"))
    html = decode(PAGES / "assabah_tn.html")
    a, b = timed(bare, html, meta["url"], clock, "bare"), timed(ours, html, meta["url"], clock, "ours")
    for label, output in (("bare", a), ("ours", b)):
        key = normalize_match(output)
        with_ok = sum(normalize_match(s) in key for s in meta["with"])
        without_ok = sum(normalize_match(s) not in key for s in meta["without"])
        print(
            f"  assabah_tn {label}: must-contain {with_ok}/{len(meta['with'])}, must-not-contain {without_ok}/{len(meta['without'])}"
        )
    return rows


def run_text_level(articles: list[dict], donors: list[dict], rng: random.Random) -> None:
    """strip_boilerplate alone on plain text (no link marks): a related headline glued to a paragraph.

    This is the case an extractor leaves when it does not mark links: only the heuristic
    (sentence end, reporting verb or connector after the headline) can find the boundary.
    Baseline: the text left as it is.
    """
    leaked = worse = 0
    f1_ours = f1_bare = strip_seconds = 0.0
    for record in articles:
        paragraphs = [p.strip() for p in record["text"].split("\n") if p.strip()]
        headline = rng.choice(donors)["title"]
        at = min(2, len(paragraphs) - 1)
        glued = paragraphs[:at] + [f"اقرأ أيضاً: {headline} {paragraphs[at]}"] + paragraphs[at + 1 :]
        text = "\n".join(glued)
        begin = time.perf_counter()
        body = strip_boilerplate(text, title=record["title"]).body
        strip_seconds += time.perf_counter() - begin
        score_ours, score_bare = prf(body, record["text"])[2], prf(text, record["text"])[2]
        f1_ours += score_ours
        f1_bare += score_bare
        worse += score_ours + 1e-9 < score_bare
        leaked += bool(leaks(body, [headline], record["text"]))
    n = len(articles)
    elapsed = strip_seconds / n * 1000
    print(
        f"\nText level, glued «اقرأ أيضاً» without link marks ({n} texts): F1 as-is {f1_bare / n:.3f}, "
        f"stripped {f1_ours / n:.3f}; headline leak rate {leaked / n:.3f}; stripped<as-is {worse}; "
        f"strip_boilerplate {elapsed:.2f} ms/text"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--articles", type=int, default=200, help="ANT articles to wrap per template (default 200)"
    )
    parser.add_argument("--seed", type=int, default=7, help="sampling seed (default 7)")
    parser.add_argument(
        "--show-leaks", type=int, default=3, help="leaked outputs to print per template (default 3)"
    )
    parser.add_argument(
        "--links",
        action="store_true",
        help="(b) = bare_extraction with include_links=True + strip_boilerplate instead of article_from_html",
    )
    args = parser.parse_args(argv)
    if not PAGES.exists() or not ANT.exists():
        print(f"corpus not found at {CORPUS}: nothing to measure")
        return 0

    ours_name, ours = load_ours(args.links)
    print(f"(b) ours = {ours_name}")
    clock: dict[str, float] = {}
    pages = 0
    warm_html = decode(PAGES / "cnn_arabic_utf8.html")
    bare(warm_html, "http://example.org/warm-up")  # imports and lazy models load outside the clock
    ours(warm_html, "http://example.org/warm-up")

    print("\nGold pages (../shared/corpus/pages):")
    gold_rows = run_gold_pages(ours, clock)
    pages += 3
    print(f"  {'page':<26}{'bare P':>8}{'R':>7}{'F1':>7}{'ours P':>9}{'R':>7}{'F1':>7}{'ours/bare':>11}")
    for name, (ap, ar, af), (bp, br, bf) in gold_rows:
        ratio = bf / af if af else float("inf")
        print(f"  {name:<26}{ap:>8.3f}{ar:>7.3f}{af:>7.3f}{bp:>9.3f}{br:>7.3f}{bf:>7.3f}{ratio:>11.3f}")

    records = load_ant(args.articles, args.seed)
    articles, donors = records[: args.articles], records[args.articles :]
    rng = random.Random(args.seed)
    print(f"\nBuilt pages: {len(articles)} ANT articles x {len(TEMPLATES)} templates")
    header = f"  {'template':<10}{'bare P':>8}{'R':>7}{'F1':>7}{'ours P':>9}{'R':>7}{'F1':>7}{'ours/bare':>11}{'leak bare':>11}{'leak ours':>11}{'ours<bare':>11}"
    print(header)
    totals = {"bare": [], "ours": []}
    all_leaks = {"bare": 0, "ours": 0}
    worse_pages = 0
    examples: list[str] = []
    bare_outputs: list[str] = []
    for template_name, template in TEMPLATES.items():
        scores = {"bare": [], "ours": []}
        leak_count = {"bare": 0, "ours": 0}
        worse = 0
        for index, record in enumerate(articles):
            paragraphs = [p.strip() for p in record["text"].split("\n") if p.strip()]
            extra = [d["title"] for d in rng.sample(donors, 5)]
            caption = rng.choice(donors)["title"]
            html, injected = template(record["title"], paragraphs, extra, caption)
            url = f"https://news.example.org/{template_name}/{index}"
            gold = record["text"]
            a, b = timed(bare, html, url, clock, "bare"), timed(ours, html, url, clock, "ours")
            bare_outputs.append(a)
            pages += 1
            score_a, score_b = prf(a, gold), prf(b, gold)
            scores["bare"].append(score_a)
            scores["ours"].append(score_b)
            if score_b[2] + 1e-9 < score_a[2]:
                worse += 1
            for label, output in (("bare", a), ("ours", b)):
                found = leaks(output, injected, gold)
                if found:
                    leak_count[label] += 1
                    if label == "ours" and len(examples) < args.show_leaks * len(TEMPLATES):
                        examples.append(f"{template_name}/{index}: {found[:2]}")
        mean = {k: [sum(s[i] for s in v) / len(v) for i in range(3)] for k, v in scores.items()}
        ratio = mean["ours"][2] / mean["bare"][2] if mean["bare"][2] else float("inf")
        n = len(articles)
        print(
            f"  {template_name:<10}{mean['bare'][0]:>8.3f}{mean['bare'][1]:>7.3f}{mean['bare'][2]:>7.3f}"
            f"{mean['ours'][0]:>9.3f}{mean['ours'][1]:>7.3f}{mean['ours'][2]:>7.3f}{ratio:>11.3f}"
            f"{leak_count['bare'] / n:>11.3f}{leak_count['ours'] / n:>11.3f}{worse:>11d}"
        )
        for k in totals:
            totals[k].extend(scores[k])
            all_leaks[k] += leak_count[k]
        worse_pages += worse
    n = len(totals["bare"])
    mean = {k: [sum(s[i] for s in v) / len(v) for i in range(3)] for k, v in totals.items()}
    print(
        f"  {'all':<10}{mean['bare'][0]:>8.3f}{mean['bare'][1]:>7.3f}{mean['bare'][2]:>7.3f}"
        f"{mean['ours'][0]:>9.3f}{mean['ours'][1]:>7.3f}{mean['ours'][2]:>7.3f}{mean['ours'][2] / mean['bare'][2]:>11.3f}"
        f"{all_leaks['bare'] / n:>11.3f}{all_leaks['ours'] / n:>11.3f}{worse_pages:>11d}"
    )
    run_text_level(articles, donors, rng)
    begin = time.perf_counter()
    for text in bare_outputs:
        detect_language(strip_boilerplate(text).body)
    cleaning_ms = (time.perf_counter() - begin) / len(bare_outputs) * 1000
    if examples:
        print("\nLeaks in our output (first few):")
        for line in examples:
            print("  ", line)
    print(
        f"\nTime per page: bare {clock['bare'] / pages * 1000:.1f} ms, ours {clock['ours'] / pages * 1000:.1f} ms "
        f"(speed ours/bare = {clock['bare'] / clock['ours']:.2f}); of which cleaning + language "
        f"(strip_boilerplate + detect_language on the extracted text) {cleaning_ms:.2f} ms"
    )
    print(f"Peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
