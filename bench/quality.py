"""Body quality: word-level precision/recall/F1 and boilerplate leak rate, ours vs bare trafilatura.

    /work/main/.venv/bin/python bench/quality.py [--articles 200] [--seed 7] [--set both] [--family heldout2]

Reads ../shared/corpus (development material, never copied into the project):
- pages/*.html with their gold: cnn_arabic_windows1256 has the full body in .gold.txt;
  cnn_arabic_utf8 is the same CNN page re-encoded, so it is scored against that same full
  gold (its own .gold.json holds only the body's first sentence, which is also checked);
  assabah_tn's .gold.json only lists snippets that must / must not appear, so it is
  scored by snippets, not F1.
- ant/ant_multisource.jsonl.gz: ``--articles`` ANT article texts (the gold body) wrapped into the
  four page templates of bench/pagegen.py with known injected boilerplate: navigation, a share bar,
  figure captions, «اقرأ أيضاً» links between paragraphs and glued to a paragraph, teaser
  blocks («اخترنا لك», «المزيد من الأخبار», «مواضيع ذات صلة», «الأكثر قراءة»), promos, credits,
  comment prompts and footers. The injected headlines are other ANT articles' titles.
  ANT texts whose own text still carries a related-link line, a syndication credit
  («نقلاً عن …») or an op-ed disclaimer (the feed's text was not clean) are skipped, since
  their gold would contain boilerplate.

- with ``--set unseen|both``, the second template set of bench/pagegen_unseen.py: widgets of the
  same kinds in wording the rules do not list, one wording family at a time (``--family``:
  ``tune``, ``heldout``, ``heldout2``; report on a held-out one), scored for bare trafilatura, our
  rules alone (one page, as ``akhbar extract``) and our rules plus the per-outlet template learnt
  over all pages of that template (as one ``akhbar ingest`` run), with the template's cost.

(a) bare ``trafilatura.extract(html)``; (b) ours: ``akhbar.transforms.article.article_from_html``
(the pipeline's single code path) when it imports, else (or with ``--links``) trafilatura's
bare_extraction with ``include_links=True`` + ``akhbar.transforms.text.boilerplate.strip_boilerplate``
(printed which; Markdown link marks let the stripper cut a glued related headline exactly). Words are compared as bags of
match-form tokens (``akhbar.transforms.text.arabic.match_tokens``), so normalisation is not scored as
error. Leak rate: share of outputs containing any injected boilerplate string (in match form;
strings that also occur in the gold are not counted). Prints a table, the ratio ours/bare,
time per page for both, and peak memory. Exits 0 with a message when the corpus is absent.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import trafilatura

from akhbar.transforms.text.arabic import match_tokens, normalize_match
from akhbar.transforms.text.boilerplate import strip_boilerplate
from akhbar.transforms.text.language import detect_language

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is a folder of scripts, not a package
from pagegen import ANT, CORPUS, TEMPLATES, load_ant  # noqa: E402 - the page templates are shared with throughput.py
from pagegen_unseen import FAMILIES, UNSEEN_TEMPLATES, outlet_wording  # noqa: E402

from akhbar.transforms.text import template as learnt  # noqa: E402

PAGES = CORPUS / "pages"


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


def _fallback_article(html: str, url: str) -> dict:
    document = trafilatura.bare_extraction(html, url=url, include_links=True, deduplicate=False)
    if document is None or not document.text:
        return {"body": ""}
    cleaned = strip_boilerplate(document.text, title=document.title)
    return {"body": cleaned.body, "title": document.title, "lead": cleaned.lead}


def load_ours_article() -> Callable[[str, str], dict]:
    """The article dict (body, title, lead) of our single code path, for the learnt-template pass."""
    try:
        from akhbar.transforms.article import article_from_html
    except Exception:
        return _fallback_article

    def ours(html: str, url: str) -> dict:
        result = article_from_html(html, url)
        return result if isinstance(result, dict) else {"body": ""}

    return ours


def load_ours(force_fallback: bool = False) -> tuple[str, Callable[[str, str], str]]:
    if force_fallback:
        return "trafilatura.bare_extraction(include_links=True) + strip_boilerplate (--links)", _fallback_ours
    try:
        from akhbar.transforms.article import article_from_html
    except Exception as error:  # the lead's module may not import yet while it is being written
        return (
            f"fallback: trafilatura.bare_extraction + strip_boilerplate ({type(error).__name__}: {error})",
            _fallback_ours,
        )

    def ours(html: str, url: str) -> str:
        result = article_from_html(html, url)
        return result.get("body") or "" if isinstance(result, dict) else ""

    return "akhbar.transforms.article.article_from_html", ours


# --------------------------------------------------------------------------- runs
def decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        from akhbar.transforms.web.charset import decode_html

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


def run_unseen(articles: list[dict], donors: list[dict], family_name: str, seed: int, show: int) -> None:
    """The second template set (bench/pagegen_unseen.py): (a) bare, (b) ours with phrase and
    structural rules only (a single page, as `akhbar extract`), (c) ours after learning each
    outlet's template over all its pages (as one pipeline run does: one outlet = one template)."""
    family = FAMILIES[family_name]
    ours = load_ours_article()
    rng = random.Random(seed + 1)
    print(f"\nUnseen widget wording, family {family_name!r}: {len(articles)} ANT articles x {len(UNSEEN_TEMPLATES)} templates")
    print(
        f"  {'template':<10}{'bare F1':>9}{'rules F1':>10}{'learnt F1':>11}{'leak bare':>11}{'leak rules':>12}"
        f"{'leak learnt':>13}{'learnt<bare':>13}"
    )
    totals = {"bare": [], "rules": [], "learnt": []}
    leak_totals = {"bare": 0, "rules": 0, "learnt": 0}
    worse_total = 0
    template_seconds = 0.0
    examples: list[str] = []
    for outlet_index, (name, template) in enumerate(UNSEEN_TEMPLATES.items()):
        wording = outlet_wording(family, outlet_index, f"موقع {name}")
        pages = []
        for index, record in enumerate(articles):
            paragraphs = [p.strip() for p in record["text"].split("\n") if p.strip()]
            extra = [d["title"] for d in rng.sample(donors, 5)]
            caption = rng.choice(donors)["title"]
            html, injected = template(record["title"], paragraphs, extra, caption, wording, rng)
            url = f"https://unseen.example.org/{name}/{index}"
            pages.append((record["text"], injected, bare(html, url), ours(html, url)))
        begin = time.perf_counter()
        counts = learnt.learn((a.get("body") or "", a.get("title"), a.get("lead")) for _, _, _, a in pages)
        keys = learnt.template_keys(counts)
        after = [
            learnt.apply_template(a.get("body") or "", keys, title=a.get("title"), lead=a.get("lead"))[0]
            for _, _, _, a in pages
        ]
        template_seconds += time.perf_counter() - begin
        scores = {"bare": [], "rules": [], "learnt": []}
        leak_count = {"bare": 0, "rules": 0, "learnt": 0}
        worse = 0
        for (gold, injected, bare_text, article), learnt_body in zip(pages, after, strict=True):
            outputs = {"bare": bare_text, "rules": article.get("body") or "", "learnt": learnt_body}
            for label, output in outputs.items():
                scores[label].append(prf(output, gold)[2])
                found = leaks(output, injected, gold)
                if found:
                    leak_count[label] += 1
                    if label == "learnt" and len(examples) < show * len(UNSEEN_TEMPLATES):
                        examples.append(f"{name}: {found[:2]}")
            worse += scores["learnt"][-1] + 1e-9 < scores["bare"][-1]
        n = len(pages)
        mean = {k: sum(v) / n for k, v in scores.items()}
        print(
            f"  {name:<10}{mean['bare']:>9.3f}{mean['rules']:>10.3f}{mean['learnt']:>11.3f}"
            f"{leak_count['bare'] / n:>11.3f}{leak_count['rules'] / n:>12.3f}{leak_count['learnt'] / n:>13.3f}{worse:>13d}"
        )
        for k in totals:
            totals[k].extend(scores[k])
            leak_totals[k] += leak_count[k]
        worse_total += worse
    n = len(totals["bare"])
    mean = {k: sum(v) / n for k, v in totals.items()}
    print(
        f"  {'all':<10}{mean['bare']:>9.3f}{mean['rules']:>10.3f}{mean['learnt']:>11.3f}"
        f"{leak_totals['bare'] / n:>11.3f}{leak_totals['rules'] / n:>12.3f}{leak_totals['learnt'] / n:>13.3f}{worse_total:>13d}"
    )
    print(f"  learnt template (count + apply): {template_seconds / n * 1000:.3f} ms per article")
    for line in examples:
        print("   leak:", line)


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
    parser.add_argument(
        "--set", choices=("familiar", "unseen", "both"), default="both",
        help="familiar: the templates of bench/pagegen.py; unseen: bench/pagegen_unseen.py (default both)",
    )
    parser.add_argument(
        "--family", choices=tuple(FAMILIES), default="heldout2",
        help="wording family of the unseen set: tune (rules tuned on it), heldout (seen once, then tuned on), "
        "heldout2 (the clean hold-out, default)",
    )
    args = parser.parse_args(argv)
    if not PAGES.exists() or not ANT.exists():
        print(f"corpus not found at {CORPUS}: nothing to measure")
        return 0

    if args.set == "unseen":
        records = load_ant(args.articles, args.seed)
        run_unseen(records[: args.articles], records[args.articles :], args.family, args.seed, args.show_leaks)
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
    if args.set == "both":
        run_unseen(articles, donors, args.family, args.seed, args.show_leaks)
    print(f"Peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
