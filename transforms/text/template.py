"""Each outlet's template, learnt: normalised lines that recur across many articles of one source.

    python -c "from akhbar.transforms.text.template import line_key; print(line_key('تابعونا على إكس'))"

A phrase list is always one outlet behind; an outlet's own template is not: the same notice,
follow line or widget heading stands in most of its articles, while its news does not. So:

- ``article_line_keys(body, title, lead)``: the keys (64-bit hashes of the match form, digits
  folded to 0) of an article's candidate lines, each once per article. Guards make some lines
  never candidates, whatever their frequency: the article's own title and lead, long prose
  sentences, and quotations (a quote repeated across one story's follow-ups is news, not template).
- ``SourceCounts``: per source, how many articles were seen and in how many each key stood;
  bounded (``TemplateSettings.max_lines_per_source``) by keeping the most frequent keys.
  The pipeline combines them per source (transforms/stages/templates.py) and keeps them across
  runs in ``OUTPUT/state/templates.parquet``.
- ``template_keys(counts)``: the keys frequent enough to be template.
- ``apply_template(body, keys, …)``: drops template lines from a cleaned body (kind "template"),
  and with a template heading the headline-like lines under it (kind "widget"), returning the
  new body and the removals for ``removed_boilerplate``.

Pure Python, no Beam; about 10 µs per line (one normalisation and one blake2b per line).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from akhbar.transforms.text.arabic import normalize_match
from akhbar.transforms.text.boilerplate import unwrap_links

_DIGITS = re.compile(r"\d+")
_NOT_WORD = re.compile(r"[^\w]+")
_SENTENCE_FINAL = re.compile(r"[.!؟?:؛]\W*$")
_PROSE_END = re.compile(r"[.!؟?]\W*$")
_QUOTATION = re.compile(r"[«\"“][^«»\"“”]{12,}[»\"”]")
_BLANK_RUNS = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class TemplateSettings:
    max_line_words: int = 40  # longer lines are prose: never candidates
    long_prose_words: int = 12  # a sentence this long that ends like prose is never template
    min_articles: int = 5  # a line in fewer of a source's articles is never template
    min_share: float = 0.25  # ... nor one in a smaller share of them
    max_lines_per_source: int = 2000  # memory bound: the most frequent keys are kept
    heading_max_words: int = 8  # a template line this short, without final punctuation, heads a block
    headline_max_words: int = 22
    # What earlier runs learnt weighs as this many articles at most: a widget an outlet adds
    # today is learnt from about a hundred of today's articles, however long its history.
    history_articles: int = 200


DEFAULT = TemplateSettings()


def _key_of_match_form(match_line: str) -> int | None:
    text = _NOT_WORD.sub(" ", _DIGITS.sub("0", match_line)).strip()
    if not text:
        return None
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little", signed=True)


def line_key(line: str) -> int | None:
    """Signed 64-bit key of a line's normalised form (match form, digits as 0, punctuation dropped)."""
    return _key_of_match_form(normalize_match(unwrap_links(line)))


def _is_protected(line: str, words: int, settings: TemplateSettings) -> bool:
    if words > settings.max_line_words:
        return True
    if words >= settings.long_prose_words and _PROSE_END.search(line):
        return True
    return bool(_QUOTATION.search(line))


def _keyed_lines(body: str, settings: TemplateSettings) -> list[tuple[str, int, int | None]]:
    """(line, words, key or None when protected/blank) for every line.

    Only candidate lines are normalised, in one call: long paragraphs, the bulk of a body,
    are never hashed.
    """
    keyed: list[tuple[str, int, int | None]] = []
    candidates: list[int] = []
    for raw in body.split("\n"):
        line = raw.strip()
        words = len(line.split()) if len(line) < 40 * settings.max_line_words else settings.max_line_words + 1
        if line and not _is_protected(line, words, settings):
            candidates.append(len(keyed))
        keyed.append((line, words, None))
    if not candidates:
        return keyed
    joined = "\n".join(unwrap_links(keyed[i][0]) for i in candidates)
    match_lines = normalize_match(joined).split("\n")
    if len(match_lines) != len(candidates):  # normalisation never adds a newline; be safe anyway
        match_lines = [normalize_match(unwrap_links(keyed[i][0])) for i in candidates]
    for position, match_line in zip(candidates, match_lines, strict=True):
        line, words, _ = keyed[position]
        keyed[position] = (line, words, _key_of_match_form(match_line))
    return keyed


def article_line_keys(
    body: str, title: str | None = None, lead: str | None = None, settings: TemplateSettings = DEFAULT
) -> set[int]:
    """Keys of the lines of one article that may be template (each once)."""
    own = {line_key(text) for text in (title, lead) if text}
    return {key for _, _, key in _keyed_lines(body or "", settings) if key is not None and key not in own}


@dataclass
class SourceCounts:
    """Articles seen for one source, and in how many of them each line key stood."""

    articles: int = 0
    counts: dict[int, int] = field(default_factory=dict)

    def add_article(self, keys: Iterable[int]) -> SourceCounts:
        self.articles += 1
        counts = self.counts
        for key in keys:
            counts[key] = counts.get(key, 0) + 1
        return self

    def merge(self, other: SourceCounts) -> SourceCounts:
        self.articles += other.articles
        counts = self.counts
        for key, count in other.counts.items():
            counts[key] = counts.get(key, 0) + count
        return self

    def scaled_to(self, articles: int) -> SourceCounts:
        """The same shares over at most ``articles`` articles (older evidence weighs less)."""
        if self.articles > articles > 0:
            factor = articles / self.articles
            self.counts = {key: round(count * factor) for key, count in self.counts.items()}
            self.counts = {key: count for key, count in self.counts.items() if count}
            self.articles = articles
        return self

    def bounded(self, max_lines: int) -> SourceCounts:
        """Keep the ``max_lines`` most frequent keys (ties by key, so every runner keeps the same)."""
        if len(self.counts) > max_lines:
            kept = sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))[:max_lines]
            self.counts = dict(kept)
        return self


def template_keys(counts: SourceCounts, settings: TemplateSettings = DEFAULT) -> frozenset[int]:
    threshold = max(settings.min_articles, settings.min_share * counts.articles)
    return frozenset(key for key, count in counts.counts.items() if count >= threshold)


def apply_template(
    body: str,
    keys: frozenset[int] | set[int],
    *,
    title: str | None = None,
    lead: str | None = None,
    settings: TemplateSettings = DEFAULT,
) -> tuple[str, list[dict]]:
    """Body without its template lines, and what was removed (kinds "template" and "widget")."""
    if not keys or not body:
        return body, []
    keyed = _keyed_lines(body, settings)
    lines = [line for line, _, _ in keyed]
    own = {line_key(text) for text in (title, lead) if text}
    removed: list[dict] = []
    index = 0
    while index < len(lines):
        line, words, key = keyed[index]
        if key is None or key not in keys or key in own or not lines[index]:
            index += 1
            continue
        removed.append({"kind": "template", "text": line})
        lines[index] = ""
        index += 1
        if words <= settings.heading_max_words and not _SENTENCE_FINAL.search(line):
            # A template heading: the headlines under it change from page to page.
            index = _drop_headlines(lines, keyed, index, keys, removed, settings)
    if not removed:
        return body, []
    text = _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()
    return text, removed


def _drop_headlines(lines: list[str], keyed, index: int, keys, removed: list[dict], settings: TemplateSettings) -> int:
    """Drop the headline-like lines after a template heading when there are two or more of them
    (one short line after a notice may be a paragraph that lacks its period)."""
    run: list[int] = []
    while index < len(lines):
        line = lines[index].strip()
        if not line:
            index += 1
            continue
        words, key = keyed[index][1], keyed[index][2]
        if words > settings.headline_max_words or _SENTENCE_FINAL.search(line) or key in keys:
            break
        run.append(index)
        index += 1
    if len(run) < 2:
        return run[0] if run else index
    for position in run:
        removed.append({"kind": "widget", "text": lines[position].strip()})
        lines[position] = ""
    return index


def learn(bodies: Iterable[tuple[str, str | None, str | None]], settings: TemplateSettings = DEFAULT) -> SourceCounts:
    """Counts over one source's articles given as (body, title, lead): what a run learns."""
    counts = SourceCounts()
    for body, title, lead in bodies:
        counts.add_article(article_line_keys(body, title, lead, settings))
    return counts.bounded(settings.max_lines_per_source)


__all__ = [
    "DEFAULT",
    "SourceCounts",
    "TemplateSettings",
    "apply_template",
    "article_line_keys",
    "learn",
    "line_key",
    "template_keys",
]
