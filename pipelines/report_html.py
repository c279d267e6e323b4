"""Render a run report (the dict of ``akhbar.pipelines.report.build_report``) as one self-contained HTML page.

    python -c "import json,sys; from akhbar.pipelines.report_html import render_html; print(render_html(json.load(open(sys.argv[1]))))" data/demo/reports/RUN_ID.json

Inline CSS and inline SVG only: no script, no font, no image, no network, so the page opens
from a bucket, an e-mail attachment or a file:// URL alike. Every chart is an ``<svg
class="chart" data-chart=NAME>`` with one ``<rect class="bar" data-label=… data-value=…>`` per
bar, so a test (or a scraper) can read the numbers back from the drawing itself. Labels and
titles are Arabic as often as not: every text cell and SVG label carries ``dir="auto"``.
"""

from __future__ import annotations

from html import escape
from typing import Any

from akhbar.transforms.web.pagemeta import DATE_SOURCES

CHART_WIDTH = 560
LABEL_WIDTH = 190
VALUE_WIDTH = 56
ROW_HEIGHT = 22
MAX_BARS = 40

CSS = """
:root { --ink:#1d2733; --muted:#5d6b7a; --line:#d9dee4; --bar:#2f6db5; --bar2:#c0512f; --bg:#f6f7f9; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans Arabic","DejaVu Sans",sans-serif;
       color:var(--ink); background:var(--bg); }
header { background:#14324f; color:#fff; padding:18px 28px; }
header h1 { margin:0 0 4px; font-size:20px; font-weight:600; }
header p { margin:0; color:#c9d6e3; font-size:13px; }
main { padding:20px 28px 40px; display:grid; grid-template-columns:repeat(auto-fill,minmax(600px,1fr)); gap:18px; }
section { background:#fff; border:1px solid var(--line); border-radius:6px; padding:14px 16px; }
section.wide { grid-column:1/-1; }
h2 { font-size:15px; margin:0 0 10px; }
.tiles { display:flex; flex-wrap:wrap; gap:10px; }
.tile { border:1px solid var(--line); border-radius:6px; padding:8px 14px; min-width:120px; background:#fbfcfd; }
.tile b { display:block; font-size:22px; font-variant-numeric:tabular-nums; }
.tile span { color:var(--muted); font-size:12px; }
table { border-collapse:collapse; width:100%; font-variant-numeric:tabular-nums; }
th, td { text-align:start; padding:4px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--muted); font-weight:600; font-size:12px; }
td.num, th.num { text-align:end; }
.note { color:var(--muted); font-size:12px; margin:6px 0 0; }
.empty { color:var(--muted); font-style:italic; }
svg.chart text { font-size:12px; fill:var(--ink); }
svg.chart text.value { fill:var(--muted); }
svg.chart rect.bar { fill:var(--bar); }
svg.chart.alt rect.bar { fill:var(--bar2); }
.error { color:#a33; }
"""


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "–" if value is None else str(value)


def bar_chart(name: str, items: list[list], unit: str = "", alt: bool = False) -> str:
    """Horizontal bars, one per (label, value), longest first as given; inline SVG."""
    if not items:
        return f'<p class="empty" data-chart-empty="{_e(name)}">nothing in this run</p>'
    shown = items[:MAX_BARS]
    top = max(float(v) for _, v in shown) or 1.0
    span = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = ROW_HEIGHT * len(shown) + 4
    parts = [
        f'<svg class="chart{" alt" if alt else ""}" data-chart="{_e(name)}" role="img" width="{CHART_WIDTH}" '
        f'height="{height}" viewBox="0 0 {CHART_WIDTH} {height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (label, value) in enumerate(shown):
        y = i * ROW_HEIGHT + 2
        width = max(1.0, span * float(value) / top) if value else 0.0
        text = str(label)
        short = text if len(text) <= 30 else text[:29] + "…"
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end" dir="auto">{_e(short)}</text>'
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" height="{ROW_HEIGHT - 6}" rx="2" '
            f'data-label="{_e(text)}" data-value="{_e(value)}"><title>{_e(text)}: {_e(_fmt(value))}{_e(unit)}</title></rect>'
            f'<text class="value" x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 15}">{_e(_fmt(value))}{_e(unit)}</text>'
        )
    parts.append("</svg>")
    if len(items) > MAX_BARS:
        parts.append(f'<p class="note">{len(items) - MAX_BARS} more not drawn; all are in the JSON twin.</p>')
    return "".join(parts)


def _table(headers: list[str], rows: list[list], numeric: set[int] | None = None, name: str = "") -> str:
    numeric = numeric or set()
    if not rows:
        return f'<p class="empty" data-table-empty="{_e(name)}">nothing in this run</p>'
    head = "".join(f'<th class="{"num" if i in numeric else ""}">{_e(h)}</th>' for i, h in enumerate(headers))
    body = []
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            if i in numeric:
                cells.append(f'<td class="num" data-value="{_e(value)}">{_e(_fmt(value))}</td>')
            else:
                cells.append(f'<td dir="auto">{_e(_fmt(value))}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table data-table="{_e(name)}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _tile(name: str, value: Any, label: str) -> str:
    return f'<div class="tile" data-tile="{_e(name)}"><b data-value="{_e(value)}">{_e(_fmt(value))}</b><span>{_e(label)}</span></div>'


def _section(title: str, body: str, wide: bool = False, name: str = "") -> str:
    return f'<section{" class=wide" if wide else ""} data-section="{_e(name)}"><h2>{_e(title)}</h2>{body}</section>'


def render_html(report: dict[str, Any]) -> str:
    tables = report.get("tables") or {}
    duplicates = report.get("duplicates") or {}
    latency = report.get("latency_ms") or {}
    run_id = report["run_id"]

    tiles = "".join([
        _tile("articles", tables.get("articles", 0), "articles written"),
        _tile("rejects", tables.get("rejects", 0), "rejects"),
        _tile("exact", duplicates.get("exact", 0), "exact duplicates"),
        _tile("near", duplicates.get("near", 0), "near-duplicates"),
        _tile("skipped", duplicates.get("skipped_same_id", 0), "skipped: same article seen"),
        _tile("stories", tables.get("stories", 0), "stories"),
        _tile("entities", tables.get("distinct_entities", 0), "distinct entities"),
        _tile("duration", report.get("duration_s", 0.0), "seconds, wall clock"),
    ])
    error = ""
    if report.get("tables_error"):
        error = f'<p class="error">The tables could not be read: {_e(report["tables_error"])}; figures below come from the metrics only.</p>'

    reason_source = tables.get("rejects_by_reason_and_source") or {}
    sources = sorted({s for per in reason_source.values() for s in per})
    matrix_rows = [[reason, *[per.get(s, 0) for s in sources], sum(per.values())] for reason, per in reason_source.items()]
    matrix = _table(["reason", *sources, "total"], matrix_rows, set(range(1, len(sources) + 2)), "rejects_by_reason_and_source")

    latency_rows = [
        [name.removesuffix("_ms").replace("_", " "), row["count"], row.get("p50"), row.get("p90"), row.get("p99"),
         row["max"], round(row["mean"], 1)]
        for name, row in sorted(latency.items())
    ]
    by_date_source = tables.get("articles_by_date_source_and_source") or {}
    date_source_rows = [[source, *[per.get(kind, 0) for kind in DATE_SOURCES], sum(per.values())]
                        for source, per in by_date_source.items()]
    date_warnings = "".join(f'<p class="error">{_e(w)}</p>' for w in tables.get("date_warnings") or ())
    entity_rows = [[e["entity"], e["type"], e["mentions"], e["articles"]] for e in tables.get("top_entities") or []]
    story_rows = [[s["title"] or "", ", ".join(s["outlets"]), s["articles"], (s["first_seen"] or "")[:16].replace("T", " ")]
                  for s in tables.get("top_stories") or []]

    sections = [
        _section("Run at a glance", f'<div class="tiles">{tiles}</div>{error}', wide=True, name="summary"),
        _section("Articles per source", bar_chart("articles_by_source", tables.get("articles_by_source") or []),
                 name="articles_by_source"),
        _section("Articles per topic", bar_chart("articles_by_topic", tables.get("articles_by_topic") or []),
                 name="articles_by_topic"),
        _section("Where publication dates came from (date_source per source)",
                 date_warnings + _table(["source", *DATE_SOURCES, "total"], date_source_rows,
                                        set(range(1, len(DATE_SOURCES) + 2)), "date_sources"),
                 wide=True, name="date_sources"),
        _section("Articles per day (publication day, outlet's own zone)",
                 bar_chart("articles_by_day", tables.get("articles_by_day") or []), name="articles_by_day"),
        _section("Rejects by reason",
                 bar_chart("rejects_by_reason", tables.get("rejects_by_reason") or report.get("rejects_by_reason_counted") or [],
                           alt=True), name="rejects_by_reason"),
        _section("Rejects by reason and source", matrix, wide=True, name="rejects_matrix"),
        _section("Top entities (mentions)",
                 bar_chart("top_entities", [[e["entity"], e["mentions"]] for e in tables.get("top_entities") or []])
                 + _table(["entity", "type", "mentions", "articles"], entity_rows, {2, 3}, "top_entities"),
                 name="top_entities"),
        _section("Top stories (most outlets, then most articles)",
                 _table(["representative title", "outlets", "articles", "first seen (UTC)"], story_rows, {2},
                        "top_stories"), name="top_stories"),
        _section("Fetch and processing latency (ms)",
                 _table(["stage", "n", "p50", "p90", "p99", "max", "mean"], latency_rows, {1, 2, 3, 4, 5, 6}, "latency")
                 + '<p class="note">Percentiles are interpolated within histogram buckets (1-2.5-5 per decade), '
                   'clamped to the observed min and max.</p>', name="latency"),
        _section("Time spent per stage (seconds, summed over workers)",
                 bar_chart("stage_time", report.get("stage_time_s") or [], unit=" s"), name="stage_time"),
        _section("Elements through the stages",
                 _table(["counter", "elements"], report.get("flow") or [], {1}, "flow"), name="flow"),
    ]
    title = f"akhbar run {run_id}"
    subtitle = (f"{_e(report.get('started_at', ''))} → {_e(report.get('finished_at', ''))} · output "
                f"{_e(report.get('output', ''))}")
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{CSS}</style></head><body>"
        f'<header><h1>{_e(title)}</h1><p>{subtitle}</p></header>'
        f"<main>{''.join(sections)}</main></body></html>\n"
    )
