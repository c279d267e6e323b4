"""``akhbar extract``: the pipeline's per-article transforms on files, without Beam.

    akhbar extract page.html --url https://example.org/news/1
    akhbar extract --text article.txt --url https://example.org/news/1
    akhbar extract --jsonl pages.jsonl --workers 2 > articles.jsonl

Prints one JSON object per input, in input order: the article with the ``articles`` columns,
or ``{"url": ..., "rejected": REASON, "detail": ...}`` for an input that becomes a reject.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from collections.abc import Iterator
from datetime import date, datetime
from multiprocessing import Pool
from pathlib import Path

from akhbar.schemas import Reject
from akhbar.transforms.article import process_html, process_text, public_row
from akhbar.transforms.web.charset import CharsetError, decode_html


def _json_default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _as_output(result: dict | Reject) -> dict:
    if isinstance(result, Reject):
        return {"url": result.url, "rejected": result.reason, "detail": result.detail}
    return public_row(result)


def process_record(record: dict) -> dict:
    """One input record ({"url", "html"} or {"url", "text"}, optional "title", "published") → output object."""
    url = record.get("url")
    if not isinstance(url, str) or not url:
        return {"url": url, "rejected": "invalid_input", "detail": "missing url"}
    try:
        if isinstance(record.get("html"), str):
            return _as_output(process_html(record["html"], url))
        if isinstance(record.get("text"), str):
            return _as_output(process_text(record["text"], url, title=record.get("title"), published=record.get("published")))
    except Exception as exc:  # a batch user must see which input failed, and the batch goes on
        return {"url": url, "rejected": "internal_error", "detail": f"{type(exc).__name__}: {exc}"}
    return {"url": url, "rejected": "invalid_input", "detail": "record needs an 'html' or a 'text' string"}


def _jsonl_records(path: str) -> Iterator[dict]:
    with open(path, encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                record = {"_error": f"line {number}: {exc.msg}"}
            yield record if isinstance(record, dict) else {"_error": f"line {number}: not a JSON object"}


def _process_jsonl_record(record: dict) -> dict:
    if "_error" in record:
        return {"url": None, "rejected": "invalid_json", "detail": record["_error"]}
    return process_record(record)


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="akhbar extract", description=__doc__.split("\n\n")[0])
    parser.add_argument("page", nargs="?", help="an HTML file (any charset: detected like the pipeline does)")
    parser.add_argument("--url", help="the page's URL (default: its file: URL)")
    parser.add_argument("--text", metavar="FILE", help="a text file already extracted (UTF-8)")
    parser.add_argument("--title", help="title of --text input (default: its first line when it reads as one)")
    parser.add_argument("--published", help="publication date of --text input, any format the pipeline parses")
    parser.add_argument("--jsonl", metavar="FILE", help="one JSON object per line: {url, html|text, title?, published?}")
    parser.add_argument("--workers", type=int, default=1, help="processes for --jsonl (default: 1)")
    args = parser.parse_args(argv)
    chosen = [x for x in (args.page, args.text, args.jsonl) if x]
    if len(chosen) != 1:
        parser.error("give exactly one of PAGE, --text FILE or --jsonl FILE")
    if not Path(chosen[0]).is_file():
        print(f"akhbar extract: error: no such file: {chosen[0]}", file=sys.stderr)
        return 2
    out = sys.stdout
    if args.jsonl:
        records = _jsonl_records(args.jsonl)
        if args.workers > 1:
            with Pool(args.workers) as pool:
                for result in pool.imap(_process_jsonl_record, records, chunksize=8):
                    out.write(json.dumps(result, ensure_ascii=False, default=_json_default) + "\n")
        else:
            for record in records:
                out.write(json.dumps(_process_jsonl_record(record), ensure_ascii=False, default=_json_default) + "\n")
        return 0
    url = args.url or Path(chosen[0]).resolve().as_uri()
    if args.text:
        text = Path(args.text).read_text(encoding="utf-8", errors="replace")
        result = process_record({"url": url, "text": text, "title": args.title, "published": args.published})
    else:
        try:
            html, _ = decode_html(Path(args.page).read_bytes(), None)
        except CharsetError as exc:
            result = {"url": url, "rejected": exc.reason, "detail": exc.detail}
        else:
            result = process_record({"url": url, "html": html})
    out.write(json.dumps(result, ensure_ascii=False, default=_json_default) + "\n")
    return 0
