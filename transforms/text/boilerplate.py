"""Strip the boilerplate Arabic outlets put inside the article text, where extractors keep it.

    python -m akhbar.transforms.text.boilerplate < article.txt

``strip_boilerplate(text, title)`` returns a ``CleanedText``: the article body in display form
(``akhbar.transforms.text.arabic.normalize_display``), a lead when the evidence is clear, the image
captions (moved out, not lost) and an audit list of everything removed, each with a kind:

- ``title``: the first line repeating the page title;
- ``read_also``: «اقرأ أيضاً: …» links, alone on a line or glued to the next sentence;
- ``widget``: teaser blocks («اخترنا لك», «الأكثر قراءة», …) with their headlines, and all
  that follows them when they end the article;
- ``caption``: bullet captions, a caption repeated on the next line, «صورة أرشيفية» lines;
- ``share``, ``credit`` (source/photo credits, a trailing «(رويترز)»), ``promo``
  (app/newsletter/calls to action), ``copyright``, ``comments`` (comment prompts and policy notices);
- ``byline`` («بقلم: …», «كتبه …»: a label and a name; authors are metadata, read from here);
- ``stamp`` (update and publish stamps; ``stamp_update_time`` reads the update time from them).

All phrases are data in ``configs/boilerplate.yaml``; they are compiled once into
spelling-tolerant regexes (``BoilerplateRules.default()``).

Phrase lists are always one outlet behind, so the same kinds are also recognised by structure
(``structure`` word classes in the YAML, ``_structural_kind``), whatever the wording:
- a call to action: an imperative or a second-person address together with a social network,
  a messaging app, an app store, an aggregator or the outlet's own channel («تطبيقنا»), in one
  sentence, not quoted, without a reporting verb;
- a stamp: an update/publish word, a date or clock time, and at most one other word;
- a photo credit: a short line led by an image noun with a separator, «لـ/من» or brackets; a
  caption ending with such a credit is a caption;
- a comment widget: a comment noun with an address, an imperative or a policy word;
- link density: lines that are mostly Markdown link text (the extractor marks links) are a teaser
  list when two or more follow each other (with the heading above), a related link when alone;
- a heading and two or more headline-like lines ending the text are a teaser block.
The learnt per-outlet template (``akhbar.transforms.text.template``) removes the rest in the pipeline.

Decisions worth knowing:
- Work is per line (a line is a paragraph as the extractor left it). Whole-line rules apply
  only to short lines (limits in the YAML), so a real paragraph that merely mentions
  «اخترنا لك» or «رويترز» is never removed.
- A related headline glued to prose ends where its Markdown link closes (when the extractor
  marks links: trafilatura's ``include_links=True``), else at a closing bracket/quote that
  opened it, a «؟»/«!», or the first sentence start (a past-tense reporting verb such as
  «وقال»/«أعلنت», or a connector such as «وفي»/«من جهته»/«كما») after at least two words;
  without any of these the whole remainder is the headline only if it is headline-sized,
  otherwise only the label is removed (a headline may leak, prose is never lost).
- Lead rule: the paragraph right after the title line is a lead only when an image caption
  follows it directly and more body follows the caption: the layout title, standfirst, photo,
  text. The title line is the given ``title`` repeated, or, without one, a headline-like first
  line (short, no final period) in that same layout. Without the title line or the caption
  there is no evidence that separates a standfirst from a first paragraph: no lead.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from akhbar import configs
from akhbar.transforms.text.arabic import normalize_display, normalize_match
from akhbar.transforms.text.arabic_dates import find_dates, parse_datetime

# Diacritics and tatweel may sit after any letter of a phrase.
_MARKS = "[\u064b-\u065f\u0670\u0640]*"
# Letters whose spelling varies between outlets, keyed by their match-form letter.
_VARIANTS = {
    "ا": "[اأإآٱ]",
    "ي": "[يىئی]",
    "ه": "[هة]",
    "و": "[وؤ]",
    "ك": "[كک]",
}
_SEPARATOR = r"\s*[:：\-–—|/»›>•.…،]+\s*"  # «اقرأ أيضاً..» and «اقرأ أيضا،» are separators too
# Where a glued headline may end: «؟» or «!». Not «.»: headlines carry none, and a period
# found further on usually ends the first sentence of the paragraph the headline is glued to
# (cutting there loses prose). «..» and «…» are dashes in headlines.
_SENTENCE_END = re.compile(r"[!؟?](?=[\s\"'»)]|$)")
_COMMA = re.compile(r"[،,]")
_SENTENCE_FINAL = re.compile(r"[.!؟?:؛]\W*$")
_TIMESTAMP_LINE = re.compile(
    r"^(?=[^:]*\d:\d)[\d٠-٩:/.\-\s]{3,20}(?:(?:ت|ص|م|am|pm|gmt|utc|غرينتش)\s*){0,3}\.?$", re.IGNORECASE
)
_WORD = re.compile(r"\w+")
_WAW_WORD = re.compile(r"(?<!\S)و(?!ال)\w{2,}")
_CLOSERS = {"(": ")", "[": "]", "«": "»", '"': '"', "“": "”"}
_MIN_PROSE_WORDS = 4  # a "rest" shorter than this after a headline cut is part of the headline
_MD_LINK = re.compile(r"\[([^\[\]\n]{0,500})\]\([^()\s]{0,2000}\)")
_LINK_CLOSE = re.compile(r"^[^\[\]\n]{0,500}\]\([^()\s]{0,2000}\)")
_ANY_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
_BLANK_RUNS = re.compile(r"\n{3,}")  # display-form lines are stripped, so blank lines are empty
_TERMINAL_PERIOD = re.compile(r"(?<!\.)\.[\"'»)]?$")


def phrase_pattern(phrase: str) -> str:
    """Regex source for one phrase that tolerates alef/ya/ta-marbuta spellings, marks and spacing."""
    key = normalize_match(phrase)
    parts = []
    for char in key:  # compile time only: phrases are a few words
        if char == " ":
            parts.append(r"\s+")
        else:
            parts.append(_VARIANTS.get(char, re.escape(char)) + _MARKS)
    return "".join(parts)


def _alternation(phrases: list[str]) -> str:
    # Longest first, so «اقرأ أيضاً» wins over «اقرأ».
    unique = sorted({normalize_match(p) for p in phrases if p}, key=len, reverse=True)
    return "(?:" + "|".join(phrase_pattern(p) for p in unique) + ")"


def _compile(source: str) -> re.Pattern[str]:
    return re.compile(source, re.IGNORECASE)


@dataclass(frozen=True)
class Limits:
    headline_max_words: int = 22
    glued_headline_max_words: int = 16
    caption_max_words: int = 30
    short_line_max_words: int = 14
    promo_max_words: int = 35
    comments_max_words: int = 90
    lead_max_words: int = 60
    trailing_tail_max_words: int = 150


_CONFIG_KEYS = frozenset(
    {
        "limits",
        "read_also",
        "widgets",
        "share",
        "credit_labels",
        "credit_phrases",
        "agencies",
        "end_marks",
        "caption_markers",
        "caption_bullets",
        "promos",
        "copyright",
        "comments",
        "sentence_start_verbs",
        "sentence_start_connectors",
        "byline_labels",
        "structure",
    }
)


@dataclass(frozen=True)
class WordClasses:
    """The word classes of the structural rules (``structure`` in the YAML), in match form."""

    imperatives: frozenset[str]
    address: frozenset[str]
    platforms: frozenset[str]
    update_words: frozenset[str]
    publish_words: frozenset[str]
    stamp_filler: frozenset[str]
    image_words: frozenset[str]
    comment_nouns: frozenset[str]
    comment_policy: frozenset[str]
    reporting_verbs: frozenset[str]
    link_share: float = 0.8
    teaser_heading_max_words: int = 8
    cta_max_words: int = 24

    @classmethod
    def from_config(cls, structure: dict[str, Any], reporting_verbs: list[str]) -> WordClasses:
        def words(key: str) -> frozenset[str]:
            found: set[str] = set()
            for phrase in structure.get(key, []):
                found.update(_WORD.findall(normalize_match(str(phrase))))
            return frozenset(found)

        verbs = frozenset(normalize_match(v) for v in reporting_verbs)
        return cls(
            imperatives=words("imperatives"),
            address=words("address"),
            platforms=words("platforms"),
            update_words=words("update_words"),
            publish_words=words("publish_words"),
            stamp_filler=words("stamp_filler"),
            image_words=words("image_words"),
            comment_nouns=words("comment_nouns"),
            comment_policy=words("comment_policy"),
            reporting_verbs=verbs | {p + v for v in verbs for p in "وف"},
            link_share=float(structure.get("link_share", 0.8)),
            teaser_heading_max_words=int(structure.get("teaser_heading_max_words", 8)),
            cta_max_words=int(structure.get("cta_max_words", 24)),
        )

    def is_imperative(self, token: str) -> bool:
        """An imperative of the class, also plural («تابعوا») or with «نا»/«ونا» objects."""
        if token in self.imperatives:
            return True
        return any(
            token.endswith(suffix) and token[: -len(suffix)] in self.imperatives
            for suffix in ("ونا", "وا", "نا", "ي", "وه")
        )


@dataclass(frozen=True)
class BoilerplateRules:
    """Compiled rules; build once with ``BoilerplateRules.default()`` or ``from_config``."""

    limits: Limits
    read_also_line: re.Pattern[str]
    read_also_inline: re.Pattern[str]
    widget_line: re.Pattern[str]
    share_start: re.Pattern[str]
    share_words: frozenset[str]
    credit_line: re.Pattern[str]
    agency_line: re.Pattern[str]
    agency_tail: re.Pattern[str]
    end_mark: re.Pattern[str]
    credit_phrase: re.Pattern[str]
    line_phrases: re.Pattern[str]
    line_phrase_first_words: frozenset[str]  # cheap pre-check before the tolerant regex runs
    line_phrase_symbols: tuple[str, ...]
    caption_bullet: re.Pattern[str]
    sentence_start: re.Pattern[str]
    byline_line: re.Pattern[str]
    classes: WordClasses

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> BoilerplateRules:
        unknown = sorted(set(config) - _CONFIG_KEYS)
        if unknown:
            raise ValueError(
                f"boilerplate config: unknown key {unknown[0]!r} (known: {sorted(_CONFIG_KEYS)})"
            )
        limit_fields = {f.name for f in dataclasses.fields(Limits)}
        unknown = sorted(set(config.get("limits", {})) - limit_fields)
        if unknown:
            raise ValueError(
                f"boilerplate config: unknown key 'limits.{unknown[0]}' (known: {sorted(limit_fields)})"
            )
        limits = Limits(**config.get("limits", {}))
        strong = _alternation(config["read_also"]["strong"])
        weak = _alternation(config["read_also"]["weak"])
        widgets = _alternation(config["widgets"])
        agencies = _alternation(config["agencies"])
        bullets = re.escape(config["caption_bullets"])
        share_phrases = config["share"]["phrases"]
        share_words = {normalize_match(w) for w in config["share"]["words"]}
        for phrase in share_phrases:
            share_words.update(normalize_match(phrase).split())
        verbs = _alternation(config["sentence_start_verbs"])
        connectors = _alternation(config["sentence_start_connectors"])
        return cls(
            limits=limits,
            # A label at the start of a line; weak labels need a separator or the line end.
            read_also_line=_compile(
                rf"^[^\w\n]*(?:{strong}(?:{_SEPARATOR}|\s+|$)|{weak}(?:{_SEPARATOR}|\s*$))"
            ),
            # Mid-line, right after a sentence end, and always with a separator.
            read_also_inline=_compile(rf"(?<=[.!؟?…\"»])\s+[^\w\s]?{strong}{_SEPARATOR}"),
            widget_line=_compile(rf"^[^\w]*{widgets}[^\w]*$"),
            share_start=_compile(rf"^[^\w]*{_alternation(share_phrases)}(?:{_SEPARATOR}|\s*$)"),
            share_words=frozenset(share_words),
            line_phrase_first_words=frozenset(
                _WORD.findall(normalize_match(phrase))[0]
                for key in ("comments", "copyright", "promos", "caption_markers")
                for phrase in config[key]
                if _WORD.search(phrase)
            ),
            line_phrase_symbols=tuple(
                phrase.strip()
                for key in ("comments", "copyright", "promos", "caption_markers")
                for phrase in config[key]
                if not _WORD.search(phrase)
            ),
            credit_line=_compile(rf"^[^\w]*{_alternation(config['credit_labels'])}\s*[:：\-–—|/،,]"),
            # A label, then an optional separator, then the rest (a name: checked by the caller).
            byline_line=_compile(
                rf"^[^\w]*{_alternation(config.get('byline_labels', []))}(?:\s*[:：\-–—|/،,]\s*|\s+)(?=\w)"
            ),
            classes=WordClasses.from_config(config.get("structure", {}), config["sentence_start_verbs"]),
            agency_line=_compile(rf"^[^\w]*{agencies}(?:\s*(?:[/،,\-–]|\s)\s*(?:و\s*)?{agencies})*[^\w]*$"),
            agency_tail=_compile(
                rf"\s*[(\[]\s*{agencies}(?:\s*[/،,\-–]\s*[^()\[\]\n]{{1,40}})?\s*[)\]]\s*\.?\s*$"
            ),
            credit_phrase=_compile(rf"^[^\w]*{_alternation(config.get('credit_phrases', []))}(?!\w)"),
            end_mark=_compile(rf"^[^\w]*{_alternation(config.get('end_marks', []))}[^\w]*$"),
            # One scan per line for all the "line contains" phrases; the group name is the kind.
            line_phrases=_compile(
                rf"(?<!\w)(?:(?P<comments>{_alternation(config['comments'])})(?!\w)"
                rf"|(?P<copyright>{_alternation(config['copyright'])})"
                rf"|(?P<promo>{_alternation(config['promos'])})(?!\w)"
                rf"|(?P<caption>{_alternation(config['caption_markers'])}))"
            ),
            caption_bullet=_compile(rf"^\s*[{bullets}]\s*"),
            # «ماذا قال …» is a headline, not a new sentence.
            sentence_start=_compile(
                rf"(?<!\w)(?<!ماذا )(?<!لماذا )(?<!كيف )(?<!ما )(?<!من )(?<!الذي )(?<!التي )"
                rf"(?:(?:[وف]{_MARKS})?{verbs}|{connectors})(?!\w)"
            ),
        )

    @classmethod
    @functools.cache
    def default(cls) -> BoilerplateRules:
        return cls.from_config(configs.load_yaml("boilerplate.yaml"))


@dataclass(frozen=True)
class CleanedText:
    body: str
    lead: str | None = None
    image_captions: list[str] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)


_WORD_CAP = 400  # word counts above this only matter as "long": don't split 1 MB lines fully


def _word_count(line: str) -> int:
    if len(line) > _WORD_CAP * 30:
        return _WORD_CAP + 1
    return len(line.split())


class _Lines:
    """The text's lines with their word counts; removed lines become None."""

    def __init__(self, text: str):
        self.lines: list[str | None] = text.split("\n")
        self._original = list(self.lines)
        # Match form of every line from one call over the whole text (cheaper than per line);
        # NFKC and the folding never add or remove a newline, but check before trusting it.
        match_lines = normalize_match(text).split("\n")
        self._match = match_lines if len(match_lines) == len(self.lines) else None
        self.words = [_word_count(line) for line in self.lines]
        self.removed: list[dict] = []
        self.captions: list[str] = []

    def match_form(self, index: int) -> str:
        line = self.lines[index] or ""
        if self._match is not None and line is self._original[index]:
            return self._match[index]
        return normalize_match(line)

    def non_blank(self) -> list[int]:
        return [i for i, line in enumerate(self.lines) if line]

    def drop(self, index: int, kind: str) -> None:
        line = self.lines[index]
        if line:
            line = unwrap_links(line)
            self.removed.append({"kind": kind, "text": line})
            if kind == "caption":
                self.captions.append(line)
        self.lines[index] = None
        self.words[index] = 0

    def replace(self, index: int, new_line: str) -> None:
        self.lines[index] = new_line
        self.words[index] = _word_count(new_line)


def _same_key(match_a: str, match_b: str) -> bool:
    return match_a.strip(" .،:") == match_b.strip(" .،:")


def _same_text(a: str, b: str) -> bool:
    return _same_key(normalize_match(a), normalize_match(b))


def _is_headline_like(line: str, words: int, limits: Limits) -> bool:
    """A teaser headline: short and not ending like a prose sentence."""
    return 0 < words <= limits.headline_max_words and not _TERMINAL_PERIOD.search(line)


def _headline_end(rules: BoilerplateRules, region: str) -> int:
    """Where a related headline starting ``region`` ends (index into ``region``), or -1 if unclear.

    Arabic headlines are short (99% of those surveyed have at most 14 words) and almost never
    hold a comma or end with a period, so a boundary candidate past those limits is prose.
    """
    ends_as_prose = _TERMINAL_PERIOD.search(region.rstrip())
    if not ends_as_prose and len(region.split()) <= rules.limits.headline_max_words:
        return len(region)  # a headline alone on its line: prose would end with a period
    limit = rules.limits.glued_headline_max_words
    window_match = re.match(rf"(?:\S+\s*){{1,{limit}}}", region)
    window = window_match.group(0) if window_match else region
    opening = region[:1]
    if opening in _CLOSERS:
        # A headline wrapped in brackets ends where they close. Quotes also open headlines
        # that go on after them («"عشرات الآلاف" من مقاتلي…»), so a closing quote only counts
        # at the end of the line; a bracket must hold a few words (not «(فيديو)»).
        close = region.find(_CLOSERS[opening], 1)
        if close > 0 and (
            not region[close + 1 :].strip() or (opening in "([" and len(region[1:close].split()) >= 3)
        ):
            return close + 1
    comma = _COMMA.search(window)
    if comma:
        window = window[: comma.start()]
    candidates = []
    end = _SENTENCE_END.search(window)
    if end:
        candidates.append(end.end())
    # The prose start must leave at least two headline words before it.
    two_words = re.match(r"\s*\S+\s+\S+\s+", window)
    if two_words:
        start = rules.sentence_start.search(window, two_words.end())
        if start:
            candidates.append(start.start())
    if candidates:
        cut = min(candidates)
        if len(region[cut:].split()) >= _MIN_PROSE_WORDS:
            return cut
    elif _TERMINAL_PERIOD.search(region.rstrip()) and len(region.split()) >= 2 * _MIN_PROSE_WORDS + 3:
        # The line ends as prose does, so prose is glued here: its likeliest start is a word
        # with the conjunction و (not the article وال) after a few headline words.
        three_words = re.match(r"\s*(?:\S+\s+){3}", window)
        if three_words:
            waw = _WAW_WORD.search(window, three_words.end())
            if waw and len(region[waw.start() :].split()) >= 2 * _MIN_PROSE_WORDS:
                return waw.start()
    headline_sized = len(region.split()) <= limit + (_MIN_PROSE_WORDS if candidates else 0)
    if headline_sized and not comma and not _TERMINAL_PERIOD.search(region.rstrip()):
        return len(region)
    return -1


def _link_end(label: str, region: str) -> int:
    """End of a Markdown link holding the headline (extractors can mark links), or -1.

    Either the label is inside the link («[اقرأ أيضاً: عنوان](/url)») or the link follows it
    («اقرأ أيضاً: [عنوان](/url)»): the link's end is the headline's end, whatever follows.
    """
    if "[" in label:
        close = _LINK_CLOSE.search(region)
        return close.end() if close else -1
    if region.startswith("["):
        link = _MD_LINK.match(region)
        return link.end() if link else -1
    return -1


def unwrap_links(text: str) -> str:
    """Markdown links («[text](url)», as trafilatura writes them with include_links) to their text."""
    return _MD_LINK.sub(r"\1", text) if "](" in text else text


def _split_read_also(rules: BoilerplateRules, line: str) -> tuple[str, list[str]]:
    """Remove «read also» labels and their headlines from one line; returns (line, removed texts)."""
    removed: list[str] = []
    for _ in range(8):  # a line holds at most a few; bound the work on pathological input
        match = rules.read_also_line.match(line)
        prefix = ""
        if not match:
            match = rules.read_also_inline.search(line)
            if not match:
                break
            prefix = line[: match.start()].rstrip()
        region = line[match.end() :]
        link_end = _link_end(match.group(0), region)
        cut = link_end if link_end >= 0 else _headline_end(rules, region)
        if cut < 0:
            removed.append(match.group(0).strip())
            rest = region
        else:
            removed.append((match.group(0) + region[:cut]).strip())
            rest = region[cut:]
        rest = rest.strip()
        line = f"{prefix} {rest}".strip() if prefix else rest
        if not line:
            break
    return line, removed


def _is_share_line(rules: BoilerplateRules, line: str, words: int, match_line: str) -> bool:
    if words > rules.limits.short_line_max_words:
        return False
    if rules.share_start.match(line):
        return True
    tokens = _WORD.findall(match_line)
    return bool(tokens) and all(
        t in rules.share_words or (t[:1] == "و" and t[1:] in rules.share_words) for t in tokens
    )


def _may_hold_phrase(rules: BoilerplateRules, line: str, match_line: str) -> bool:
    """Whether a phrase's first word (or a symbol such as ©) occurs in the line: set lookups, no regex scan."""
    if not rules.line_phrase_first_words.isdisjoint(_WORD.findall(match_line)):
        return True
    return any(symbol in line for symbol in rules.line_phrase_symbols)


def _classify_line(rules: BoilerplateRules, line: str, words: int, match_line: str) -> str | None:
    """Kind of a whole-line boilerplate, or None for content."""
    limits = rules.limits
    found: set[str] = set()
    if words <= limits.comments_max_words and _may_hold_phrase(rules, line, match_line):
        found = {match.lastgroup for match in rules.line_phrases.finditer(line) if match.lastgroup}
    if "comments" in found:
        return "comments"
    if "copyright" in found and words <= limits.short_line_max_words + 6:
        return "copyright"
    if "promo" in found and words <= limits.promo_max_words:
        return "promo"
    if _is_share_line(rules, line, words, match_line):
        return "share"
    if words <= limits.short_line_max_words and (
        rules.credit_line.match(line) or rules.agency_line.match(line) or rules.end_mark.match(line)
    ):
        return "credit"
    if words <= limits.short_line_max_words // 2 and rules.credit_phrase.match(line):
        return "credit"
    if "caption" in found and words <= limits.caption_max_words and not _TERMINAL_PERIOD.search(line):
        return "caption"
    return _structural_kind(rules, line, words, match_line)


_CLOCK_OR_NUMERIC_DATE = re.compile(r"\d{1,2}\s*[:：]\s*\d{2}|\d{1,4}\s*[/\-.]\s*\d{1,2}\s*[/\-.]\s*\d{1,4}")
_QUOTE_SPAN = re.compile(r"[«\"“]([^«»\"“”]{1,400})[»\"”]")
_CREDIT_TAIL_START = re.compile(r"[(\[]|\s[-–—|/]\s|\s")
_BYLINE_MAX_WORDS = 7
_SENTENCE_BREAK = re.compile(r"\w[.!؟?]\s+\w")


def _holds_quotation(line: str) -> bool:
    """A quotation of three words or more: someone's words, not the outlet's."""
    return any(len(m.group(1).split()) >= 3 for m in _QUOTE_SPAN.finditer(line))


def _has_reporting_verb(classes: WordClasses, tokens: list[str]) -> bool:
    return not classes.reporting_verbs.isdisjoint(tokens)


def _is_call_to_action(classes: WordClasses, tokens: list[str]) -> bool:
    """An imperative or a second-person address, together with a platform or the outlet's own channel."""
    if classes.platforms.isdisjoint(tokens) and classes.address.isdisjoint(
        {t for t in tokens if t.endswith("نا")}
    ):
        return False
    return not classes.address.isdisjoint(tokens) or any(classes.is_imperative(t) for t in tokens)


def _is_stamp(classes: WordClasses, line: str, match_line: str, tokens: list[str]) -> bool:
    """An update or publish stamp: a stamp word, a date or time, and at most one other word."""
    stamp_words = classes.update_words | classes.publish_words
    if stamp_words.isdisjoint(tokens):
        return False
    dates = find_dates(line)
    if not dates and not _CLOCK_OR_NUMERIC_DATE.search(match_line):
        return False
    rest = line
    for mention in reversed(dates):
        rest = rest[: mention["start"]] + " " + rest[mention["end"] :]
    others = [
        t
        for t in _WORD.findall(normalize_match(rest))
        if not t.isdigit() and t not in stamp_words and t not in classes.stamp_filler
    ]
    return len(others) <= 1


def _credit_position(classes: WordClasses, match_line: str, tokens: list[str]) -> str | None:
    """"credit" for a line led by an image noun («الصورة: …», «(لقطة من …)»), "caption" for a caption
    ending with such a credit, else None."""
    if not tokens:
        return None
    if tokens[0] in classes.image_words and len(tokens) >= 2:
        after = match_line.split(tokens[0], 1)[1].lstrip()
        bracketed = match_line.lstrip()[:1] in "(["
        if bracketed or after[:1] in ":：-–—|/" or tokens[1][:1] == "ل" or tokens[1] in ("من", "عن"):
            return "credit"
        return None
    # A credit after a caption: an image noun among the last words, after a bracket or dash,
    # or followed by a colon.
    for position in range(max(1, len(tokens) - 8), len(tokens)):
        token = tokens[position]
        if token not in classes.image_words:
            # «… بعدسة فلان», «… للمصور فلان»: a prefixed image noun and a name end the caption.
            if token[:1] in "بل" and token[1:] in classes.image_words and len(tokens) - position <= 5:
                return "caption"
            continue
        index = match_line.rfind(token)
        before = match_line[:index]
        after = match_line[index + len(token) :].lstrip()
        if before.rstrip()[-1:] in "([-–—|/" or after[:1] in ":：":
            return "caption"
    return None


def _structural_kind(rules: BoilerplateRules, line: str, words: int, match_line: str) -> str | None:
    """Kind of a line by its word classes and shape, whatever its exact wording; None for content."""
    limits, classes = rules.limits, rules.classes
    if words > limits.comments_max_words:
        return None
    # Past every other rule's length only a comment notice is left: skip paragraphs without a
    # comment noun before splitting them into words (most lines of a body are such paragraphs).
    if words > max(classes.cta_max_words, limits.caption_max_words) and not any(
        noun in match_line for noun in classes.comment_nouns
    ):
        return None
    tokens = _WORD.findall(match_line)
    if not tokens:
        return None
    prose_sentence = _TERMINAL_PERIOD.search(line) is not None
    # Captions quote people as headlines do; their credit is found whatever they hold.
    if words <= limits.caption_max_words and not prose_sentence:
        position = _credit_position(classes, match_line, tokens)
        if position == "credit" and words <= limits.short_line_max_words - 4:
            return "credit"
        if position == "caption":
            return "caption"
    if _has_reporting_verb(classes, tokens) or _holds_quotation(line):
        return None
    if words <= _BYLINE_MAX_WORDS and not prose_sentence and not any(c.isdigit() for c in line):
        if rules.byline_line.match(line):
            return "byline"
    if words <= limits.short_line_max_words + 2 and _is_stamp(classes, line, match_line, tokens):
        return "stamp"
    # A call to action is one sentence; several sentences addressing the reader are an explainer.
    # A call to action is one short sentence that does not introduce what follows («…:»);
    # several sentences or a long one addressing the reader are a how-to.
    if (
        words <= classes.cta_max_words
        and not _SENTENCE_BREAK.search(line)
        and not line.rstrip().endswith((":", "："))
        and _is_call_to_action(classes, tokens)
    ):
        return "promo"
    if not classes.comment_nouns.isdisjoint(tokens) and (
        not classes.address.isdisjoint(tokens)
        or not classes.comment_policy.isdisjoint(tokens)
        or any(classes.is_imperative(t) for t in tokens)
    ):
        return "comments"
    return None


def link_share(line: str) -> float:
    """Share of a line's letters and digits that sit inside Markdown link text (0 when it has no links)."""
    if "](" not in line:
        return 0.0
    total = len(_ANY_LETTER_OR_DIGIT.findall(unwrap_links(line)))
    if not total:
        return 0.0
    linked = sum(len(_ANY_LETTER_OR_DIGIT.findall(m.group(1))) for m in _MD_LINK.finditer(line))
    return linked / total


def _is_heading_like(line: str, words: int, max_words: int) -> bool:
    return 0 < words <= max_words and not _SENTENCE_FINAL.search(line)


def _strip_link_lists(rules: BoilerplateRules, lines: _Lines, link_lines: set[int]) -> None:
    """Lines that are mostly link text: a run of two or more (with the heading above it) is a
    teaser list; a lone one is a related link."""
    order = lines.non_blank()
    position = 0
    while position < len(order):
        if order[position] not in link_lines:
            position += 1
            continue
        end = position
        while end + 1 < len(order) and order[end + 1] in link_lines:
            end += 1
        run = order[position : end + 1]
        if len(run) >= 2:
            if position > 0:
                heading = order[position - 1]
                line = lines.lines[heading] or ""
                if _is_heading_like(line, lines.words[heading], rules.classes.teaser_heading_max_words):
                    lines.drop(heading, "widget")
            for index in run:
                lines.drop(index, "widget")
        else:
            lines.drop(run[0], "read_also")
        position = end + 1


def _strip_trailing_teasers(rules: BoilerplateRules, lines: _Lines) -> None:
    """A heading and two or more headline-like lines that end the text: a teaser block, whatever its label."""
    order = lines.non_blank()
    tail: list[int] = []
    for index in reversed(order):
        line = lines.lines[index] or ""
        if 3 <= lines.words[index] <= rules.limits.headline_max_words and not _SENTENCE_FINAL.search(line):
            tail.append(index)
        else:
            break
    if len(tail) < 2 or len(tail) >= len(order):
        return
    heading = order[len(order) - len(tail) - 1]
    heading_line = lines.lines[heading] or ""
    # The heading was already removed by another rule (a label, a call to action) when a
    # removed line stands between the text and the headlines.
    heading_removed = any(lines._original[i].strip() for i in range(heading + 1, tail[-1]))
    if not heading_removed and not _is_heading_like(
        heading_line, lines.words[heading], rules.classes.teaser_heading_max_words
    ):
        return
    before = [i for i in order if i < heading] + ([heading] if heading_removed else [])
    before_words = sum(lines.words[i] for i in before)
    if not before or before_words < 4 * sum(lines.words[i] for i in tail):
        return
    if not heading_removed:
        lines.drop(heading, "widget")
    for index in reversed(tail):
        lines.drop(index, "widget")


def _strip_widget_block(rules: BoilerplateRules, lines: _Lines, label_index: int) -> None:
    """Cut a widget label, the headlines under it, and the tail when the block ends the text."""
    limits = rules.limits
    lines.drop(label_index, "widget")
    index = label_index + 1
    total = len(lines.lines)
    while index < total:
        line = lines.lines[index]
        if line and not _is_headline_like(line, lines.words[index], limits):
            break
        lines.drop(index, "widget")
        index += 1
    # Teasers with one-line summaries at the very end: short next to the article, so cut.
    # Early exit keeps many widget labels in one huge text linear, not quadratic.
    tail: list[int] = []
    tail_words = 0
    for i in range(index, total):
        if lines.lines[i]:
            tail.append(i)
            tail_words += lines.words[i]
            if tail_words > limits.trailing_tail_max_words:
                return
    if not tail:
        return
    before_words = sum(lines.words[i] for i in range(label_index) if lines.lines[i])
    if tail_words * 4 < before_words:
        for i in tail:
            lines.drop(i, "widget")


def _find_lead(rules: BoilerplateRules, lines: _Lines, caption_indexes: set[int]) -> int | None:
    """Index of the lead line, when a caption follows it directly and body follows the caption."""
    order = sorted(set(lines.non_blank()) | caption_indexes)
    if len(order) < 3:
        return None
    first = order[0]
    if first in caption_indexes:
        return None
    if lines.words[first] > rules.limits.lead_max_words:
        return None
    position = 1
    if order[position] not in caption_indexes:
        return None
    while position < len(order) and order[position] in caption_indexes:
        position += 1
    return first if position < len(order) else None


def strip_boilerplate(
    text: str, title: str | None = None, rules: BoilerplateRules | None = None
) -> CleanedText:
    """Split extracted article text into body, lead, image captions and removed boilerplate."""
    rules = rules or BoilerplateRules.default()
    limits = rules.limits
    text = normalize_display(text or "")
    if not _ANY_LETTER_OR_DIGIT.search(text):
        return CleanedText(body="")  # only marks, punctuation or symbols: nothing to read
    lines = _Lines(text)

    # 1. Title line.
    order = lines.non_blank()
    if title and order:
        first = order[0]
        line = lines.lines[first]
        if line is not None and len(line) < 4 * len(title) + 80 and _same_text(line, title):
            lines.drop(first, "title")

    # 2. Whole-line rules, widget blocks and read-also labels, top to bottom.
    caption_indexes: set[int] = set()
    link_lines: set[int] = set()
    for index in range(len(lines.lines)):
        line = lines.lines[index]
        if not line:
            continue
        # Links (when the extractor marks them) delimit related headlines and mark link lists.
        plain = unwrap_links(line)
        if plain is not line:
            lines.replace(index, plain)
        words = lines.words[index]
        if (
            plain is not line
            and words <= limits.headline_max_words
            and not _TERMINAL_PERIOD.search(plain)
            and link_share(line) >= rules.classes.link_share
            and not rules.read_also_line.match(plain)
        ):
            link_lines.add(index)
            continue
        if words <= limits.short_line_max_words and rules.widget_line.match(plain):
            _strip_widget_block(rules, lines, index)
            continue
        kind = _classify_line(rules, plain, words, lines.match_form(index))
        if kind:
            if kind == "caption":
                caption_indexes.add(index)
            lines.drop(index, kind)
            continue
        new_line, headlines = _split_read_also(rules, line)
        if headlines:
            for headline in headlines:
                lines.removed.append({"kind": "read_also", "text": unwrap_links(headline)})
            if new_line:
                lines.replace(index, unwrap_links(new_line))
            else:
                lines.lines[index] = None
                lines.words[index] = 0

    _strip_link_lists(rules, lines, link_lines)
    _strip_trailing_teasers(rules, lines)

    # 3. Captions by layout: a short line repeated on the next line, a lone bullet line.
    order = lines.non_blank()
    for position, index in enumerate(order):
        line = lines.lines[index]
        if not line or lines.words[index] > limits.caption_max_words:
            continue
        next_index = order[position + 1] if position + 1 < len(order) else None
        next_line = lines.lines[next_index] if next_index is not None else None
        bare = rules.caption_bullet.sub("", line)
        if (
            next_line
            and not _TERMINAL_PERIOD.search(line)  # a repeated prose paragraph is no caption
            and abs(len(next_line) - len(line)) < 0.3 * len(line) + 4
            and _same_key(
                rules.caption_bullet.sub("", lines.match_form(index)),
                rules.caption_bullet.sub("", lines.match_form(next_index)),
            )
        ):
            lines.drop(index, "caption")
            lines.captions[-1] = bare
            lines.removed.append({"kind": "caption", "text": next_line})
            lines.lines[next_index] = None
            caption_indexes.update((index, next_index))
            continue
        # A lone bullet is a caption only when short and unpunctuated, with no other bullet
        # within two lines (bullets every other line are a list with commentary).
        if (
            rules.caption_bullet.match(line)
            and lines.words[index] <= limits.short_line_max_words
            and not _SENTENCE_FINAL.search(line)
        ):
            neighbours = [
                order[p] for p in range(position - 2, position + 3) if p != position and 0 <= p < len(order)
            ]
            if not any(lines.lines[n] and rules.caption_bullet.match(lines.lines[n]) for n in neighbours):
                lines.drop(index, "caption")
                lines.captions[-1] = bare
                caption_indexes.add(index)

    # 4. Lead: the paragraph after the title line, directly followed by a caption. When no
    #    title line was dropped, a headline-like first line before such a lead is the title.
    lead: str | None = None
    order = [i for i in range(len(lines.lines)) if lines.lines[i] or i in caption_indexes]
    title_dropped = bool(lines.removed) and lines.removed[0]["kind"] == "title"
    lead_index = _find_lead(rules, lines, caption_indexes) if title_dropped else None
    if lead_index is None and not title_dropped and len(order) >= 3:
        first = order[0]
        first_line = lines.lines[first]
        if first_line and _is_headline_like(first_line, lines.words[first], limits):
            saved = lines.lines[first]
            lines.lines[first] = None
            lead_index = _find_lead(rules, lines, caption_indexes)
            lines.lines[first] = saved
            if lead_index is not None:
                lines.drop(first, "title")
    if lead_index is not None:
        lead = lines.lines[lead_index]
        lines.lines[lead_index] = None

    # 5. A trailing agency tag: a credit, although a paragraph that mentions the agency is content.
    #    A bare timestamp as the last line («13:38 ت م», left after a wire end mark) goes too.
    order = lines.non_blank()
    if len(order) > 1 and _TIMESTAMP_LINE.match(lines.lines[order[-1]] or ""):
        lines.drop(order[-1], "credit")
        order.pop()
    if order:
        last = order[-1]
        last_line = lines.lines[last] or ""
        tail = rules.agency_tail.search(last_line[-120:])
        if tail:
            cut = len(last_line) - (len(last_line[-120:]) - tail.start())
            lines.removed.append({"kind": "credit", "text": last_line[cut:].strip()})
            lines.replace(last, last_line[:cut].rstrip())

    # Lines are already in display form; only the gaps left by removed lines need closing.
    body = _BLANK_RUNS.sub("\n\n", "\n".join(line for line in lines.lines if line is not None)).strip()
    return CleanedText(body=body, lead=lead, image_captions=lines.captions, removed=lines.removed)


def stamp_update_time(removed: list[dict], rules: BoilerplateRules | None = None):
    """The time of the first update stamp among removed lines («آخر تحديث: …», «حُدّث في …»), or None.

    Read from the update word on, so that «نُشر في X | عُدّل في Y» gives Y; a stamp without an
    update word is a publication stamp and gives nothing here.
    """
    classes = (rules or BoilerplateRules.default()).classes
    for item in removed:
        if item.get("kind") != "stamp":
            continue
        text = item.get("text") or ""
        words = text.split()
        for position, word in enumerate(words):
            if any(token in classes.update_words for token in _WORD.findall(normalize_match(word))):
                moment = parse_datetime(" ".join(words[position + 1 :])) or parse_datetime(text)
                if moment is not None:
                    return moment
    return None


def strip_paragraphs(paragraphs: list[str], title: str | None = None) -> CleanedText:
    """Same as ``strip_boilerplate`` for text already split into paragraphs (e.g. from HTML <p>)."""
    return strip_boilerplate("\n\n".join(p.strip() for p in paragraphs if p and p.strip()), title=title)


if __name__ == "__main__":
    result = strip_boilerplate(sys.stdin.read())
    if result.lead:
        print("LEAD:", result.lead, "\n")
    print(result.body)
    for item in result.removed:
        print(f"  - removed {item['kind']}: {item['text'][:100]}", file=sys.stderr)
