"""Arabic dates: feed/page timestamps (``parse_datetime``) and date expressions in article text (``find_dates``).

    python -c "from datetime import date; from akhbar.transforms.text.arabic_dates import find_dates; print(find_dates('وقال أمس الأربعاء إن الاتفاق وُقّع في كانون الأول/ ديسمبر عام 2017', date(2020, 12, 17)))"

Vocabulary (month names per region, Hijri months, weekdays, relative words, AM/PM words, time
zones) lives in ``configs/calendar_ar.yaml``. Every word is folded with
``akhbar.transforms.text.arabic.normalize_match`` and the text is folded the same way, one character for
one character, so one compiled regex (built once, on first use) matches «أغسطس»/«اغسطس»,
«غداً»/«غدا» and Arabic-Indic digits alike. Characters that the match form deletes (tatweel,
diacritics, invisible marks) are removed before matching and offsets are mapped back, so
``text[start:end] == mention["text"]`` always holds for the text the caller passed in, raw
(«أمســ») or display form («أمس»).

Rules worth knowing (see README "Dates"):
- Values: "YYYY-MM-DD" (precision day), "YYYY-MM" (month), "YYYY" (year). A malformed date
  («32 فبراير», «2017/13/45», «29 شباط 2021») produces no mention at all, never a nearby guess.
- Relative expressions (أمس، اليوم، غدا، الأسبوع الماضي، الشهر الماضي، العام الماضي، منذ 3 أيام،
  weekdays) and dates without a year are resolved against ``reference`` (the publication date).
  Without a reference they are still reported, with ``value`` None.
- Missing year («14 من كانون الأول», «في آذار»): the candidate in the reference's year, the year
  before or the year after that is nearest to the reference, where a date after the reference
  counts twice as far (news mostly reports the past). «الماضي» forces the latest one before the
  reference, «المقبل/القادم» the first one after it, «الحالي/الجاري» the reference's year.
- A weekday alone is the latest such day on or before the reference; «الماضي» strictly before,
  «المقبل» strictly after. «أمس الأربعاء»: the day before the reference; if the weekday
  disagrees, the named weekday nearest to that day wins (the reference may be a UTC date).
- Weeks have no precision of their own: «الأسبوع الماضي» is the 7-day window centred a week
  before the reference, reported at the finest of month/year that contains the whole window.
- Hijri dates need a year («14 رمضان 1442 هـ», «14-09-1432 هـ»; a numeric date with a year in
  1300-1500 is read as Hijri). Conversion follows the Umm al-Qura calendar for 1343-1500 AH
  (1924-2077, month lengths in calendar_ar.yaml) and the arithmetic (tabular) calendar outside
  it; outlets that follow moon sighting can differ by a day. Day 30 is accepted in every month
  for that reason. A Hijri month alone is reported as the Gregorian month holding its 15th day;
  a Hijri year alone as the Gregorian year holding its middle.
- Numeric dates are day/month/year (the Arabic press order) or year/month/day; two-digit years
  are ambiguous and ignored.
- Bare month names need a trigger word before them («في آذار», «خلال شهر تموز»): «رجب»,
  «مارس», «نيسان» are also names and verbs. Hijri month names need a year.
"""

from __future__ import annotations

import bisect
import calendar
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from email.utils import parsedate_tz
from typing import TypedDict

from akhbar import configs
from akhbar.transforms.text.arabic import normalize_match, to_ascii_digits


class DateMention(TypedDict):
    text: str
    start: int
    end: int
    value: str | None
    precision: str


CONFIG_NAME = "calendar_ar.yaml"
# Gregorian years outside this range are treated as malformed numbers, not dates.
MIN_YEAR, MAX_YEAR = 100, 2200
HIJRI_MIN_YEAR, HIJRI_MAX_YEAR = 1, 1600
# Bare years: after a preposition or an event noun («في 1949», «حرب 1948») only modern years,
# as older four-digit numbers there are mostly counts («في 1500 موقع»); inside parentheses or
# a range («(1918-1970)») any year of the last millennium, a range spanning at most a century.
BARE_YEAR_MIN = 1800
MIN_YEAR_IN_RANGE, MAX_YEAR_IN_RANGE = 1000, 2100
MAX_RANGE_YEARS = 100
# A bare numeric date with a year in this range is Hijri (nobody writes 14th-15th century
# Gregorian dates as 14-09-1432); with an explicit «هـ» any year counts as Hijri.
NUMERIC_HIJRI_YEARS = range(1300, 1501)
# The longest feed timestamp we look at; anything longer is page text, not a timestamp.
MAX_TIMESTAMP_CHARS = 300


# ---------------------------------------------------------------------------------------------
# Folding: the match form of normalize_match, one character for one character.


def _fold_tables() -> tuple[dict[int, str], str]:
    """Translation table and removable characters derived from normalize_match itself."""
    table: dict[int, str] = {}
    removable: list[str] = []
    code_points = [
        *range(0x41, 0x5B),
        *range(0x0600, 0x0700),
        *range(0x0750, 0x0780),
        *range(0x08A0, 0x0900),
        *range(0x2000, 0x2070),
        0xFEFF,
        0x00AD,
    ]
    for code_point in code_points:
        char = chr(code_point)
        if char.isspace():
            continue  # \s in the patterns handles every kind of space
        folded = normalize_match(char)
        if folded == "":
            removable.append(char)
        elif len(folded) == 1 and folded != char:
            table[code_point] = folded
    return table, "".join(removable)


_FOLD_TABLE, _REMOVABLE_CHARS = _fold_tables()
# A regex substitution touching only the characters that change is 2-3x faster than
# str.translate, which looks every character of non-Latin text up in a dict.
_FOLDABLE = re.compile("[" + re.escape("".join(map(chr, _FOLD_TABLE))) + "]")
_REMOVABLE_RUN = re.compile("[" + re.escape(_REMOVABLE_CHARS) + "]+")


@dataclass
class _Folded:
    """Folded text plus a map from its offsets back to the caller's text."""

    text: str
    run_starts: list[int] = field(default_factory=list)  # folded offset where a removed run was
    run_shifts: list[int] = field(default_factory=list)  # characters removed up to that run

    def original(self, offset: int) -> int:
        index = bisect.bisect_right(self.run_starts, offset) - 1
        return offset + (self.run_shifts[index] if index >= 0 else 0)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        # Removed characters right after the last letter (the tanwin of «غداً», the tatweel of
        # «هـ») belong to the mention; those right before the first letter do not.
        return self.original(start), self.original(end)


def _fold(text: str) -> _Folded:
    translated = _FOLDABLE.sub(lambda found: _FOLD_TABLE[ord(found.group())], text)
    if not _REMOVABLE_RUN.search(translated):
        return _Folded(translated)
    pieces: list[str] = []
    run_starts: list[int] = []
    run_shifts: list[int] = []
    removed = 0
    last = 0
    # One iteration per removed run (not per character): cheap on normal text.
    for run in _REMOVABLE_RUN.finditer(translated):
        pieces.append(translated[last : run.start()])
        run_starts.append(run.start() - removed)
        removed += run.end() - run.start()
        run_shifts.append(removed)
        last = run.end()
    pieces.append(translated[last:])
    return _Folded("".join(pieces), run_starts, run_shifts)


def _key(words: str) -> str:
    """Lookup key of a matched or configured word: folded, single spaces."""
    return " ".join(normalize_match(words).split())


def _alternation(words: Iterable[str]) -> str:
    """Regex alternation of folded words, longest first, spaces matching any whitespace run."""
    keys = sorted({_key(word) for word in words if word and _key(word)}, key=len, reverse=True)
    return "(?:" + "|".join(re.escape(key).replace(r"\ ", r"\s+") for key in keys) + r")(?!\w)"


def _trie_alternation(words: Iterable[str]) -> str:
    """Alternation factored into a prefix tree: Python's re tries alternatives one by one, so a
    tree of 300 words is an order of magnitude faster to scan than a flat list of them."""
    tree: dict[str, dict] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: dict[str, dict]) -> str:
        ends_here = "" in node
        branches = [re.escape(char) + render(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends_here else body

    return render(tree)


# ---------------------------------------------------------------------------------------------
# Grammar: one compiled regex with one named branch per kind of expression.

_NUM_LEFT = r"(?<![0-9.,/:\-–])"
_NUM_RIGHT = r"(?![0-9]|[.,/:\-–][0-9])"
_DASHES = r"[/\\\-–—]"


@dataclass(frozen=True)
class _Grammar:
    pattern: re.Pattern[str]
    anchor: re.Pattern[str]
    time_pattern: re.Pattern[str]
    zone_pattern: re.Pattern[str]
    months: dict[str, int]
    ordinal_days: dict[str, int]
    hijri_months: dict[str, int]
    weekdays: dict[str, int]
    relative_days: dict[str, int]
    not_today_before: frozenset[str]
    units: dict[str, str]
    count_words: dict[str, tuple[str, int | None]]
    modifiers: dict[str, str]
    qualifiers: frozenset[str]
    month_needs_day_or_year: frozenset[str]
    am_words: frozenset[str]
    pm_words: frozenset[str]
    zones: dict[str, int]


def _invert(mapping: dict[object, list[str]]) -> dict[str, int]:
    return {_key(word): int(number) for number, words in mapping.items() for word in words}  # type: ignore[call-overload]


@functools.lru_cache(maxsize=1)
def _grammar() -> _Grammar:
    cfg = configs.load_yaml(CONFIG_NAME)
    month_words = {
        month: [name for region in regions.values() for name in region]
        for month, regions in cfg["gregorian_months"].items()
    }
    months = _invert(month_words)
    hijri_months = _invert(cfg["hijri_months"])
    ordinal_days = _invert(cfg["ordinal_days"])
    weekdays = _invert(cfg["weekdays"])
    relative_days = {_key(w): int(group["offset"]) for group in cfg["relative_days"] for w in group["words"]}
    modifiers = {_key(w): kind for kind, words in cfg["modifiers"].items() for w in words}
    units = {_key(w): unit for unit, words in cfg["period_units"].items() for w in words}
    count_words: dict[str, tuple[str, int | None]] = {}
    for unit, forms in cfg["count_units"].items():
        for word in forms["many"]:
            count_words.setdefault(_key(word), (unit, None))
        for word in forms["one"]:
            count_words[_key(word)] = (unit, 1)
        for word in forms["two"]:
            count_words[_key(word)] = (unit, 2)
    zones = {_key(w): int(minutes) for minutes, words in cfg["timezones"].items() for w in words}

    month = _alternation(months)
    hijri = _alternation(hijri_months)
    weekday = _alternation(weekdays)
    modifier = _alternation(modifiers)
    qualifier = _alternation(cfg["qualifiers"])
    year_word = _alternation(cfg["year_words"])
    month_word = _alternation(cfg["month_word"])
    connector = _alternation(cfg["day_month_connectors"])
    ordinal = _alternation(ordinal_days)
    range_word = _alternation(cfg["range_words"])

    def day_part(p: str) -> str:
        # «14 من», «14», or «الرابع عشر من» (an ordinal needs «من» to be a day).
        # A dash may precede the day: the second day of a range, «3-5 آذار».
        return rf"(?:(?<![0-9.,/:])(?<![^\W\d][\-–])(?P<{p}day>[0-9]{{1,2}}){_NUM_RIGHT}|(?P<{p}ord>{ordinal})(?=\s+{connector}))"

    corresponding = _alternation(cfg["corresponding_words"])
    hijri_marker = _alternation(cfg["hijri_markers"])
    gregorian_marker = _alternation(cfg["gregorian_markers"])
    relative_day = _alternation(relative_days)
    day_period = _alternation(cfg["day_periods"])
    unit = _alternation(units)
    this_word = _alternation(cfg["this_words"])
    ago = _alternation(cfg["ago_words"])
    counted = _alternation(count_words)
    trigger = _alternation(cfg["month_triggers"])
    yawm = _alternation(["يوم"])
    # Prefix trees, not flat alternations: these are tried at every «في» and every number.
    def word_tree(words: Iterable[str]) -> str:
        return _trie_alternation({_key(word) for word in words if _key(word)}) + r"(?!\w)"

    year_trigger = word_tree(cfg["year_triggers"])
    year_event = word_tree(cfg["year_events"])
    range_opener = word_tree(cfg["year_range_openers"])
    # «و» is written against the next word («و2003»), so it cannot end in a word boundary.
    range_joiner = r"(?:" + _alternation(cfg["year_range_joiners"]) + r"|و(?=\s*[0-9]))"
    # Nor a year with an era marker («في 1442 هـ», «1990م»): the "year" branch reads those.
    not_a_count = (
        rf"(?!\s*(?:[%٪]|{word_tree(cfg['count_nouns'])}|{_alternation(cfg['hijri_markers'])}"
        rf"|{_alternation(cfg['gregorian_markers'])}))"
    )

    def weekday_prefix(p: str) -> str:
        return rf"(?:(?:{yawm}\s+)?(?P<{p}wd>{weekday})\s*[,،]?\s*(?:{corresponding}\s+)?)?"

    def month_group(p: str, names: str = month) -> str:
        # «تشرين الثاني/نوفمبر», «كانون الأول/ ديسمبر», «نوفمبر (تشرين الثاني)»
        return (
            rf"(?P<{p}m1>{names})"
            rf"(?:\s*{_DASHES}\s*(?P<{p}m2>{names})|\s*\(\s*(?P<{p}m3>{names})\s*\))?"
        )

    def year_part(p: str) -> str:
        return (
            rf"\s*[,،]?\s*(?:(?:{connector}\s+)?{year_word}\s+)?{_NUM_LEFT}(?P<{p}year>[0-9]{{3,4}}){_NUM_RIGHT}"
            rf"(?:\s*(?:(?P<{p}hm>{hijri_marker})|(?P<{p}gm>{gregorian_marker})))?"
        )

    day_to_month = rf"\s*(?:{connector}\s+)?(?:{month_word}\s+)?"
    not_followed_by_year_or_modifier = (
        rf"(?!\s*[,،]?\s*(?:(?:{connector}\s+)?{year_word}\s+)?[0-9]|\s+{modifier})"
    )

    branches = {
        # 18/02/2018, 2018-02-18, 14-09-1432 هـ
        "num": weekday_prefix("n_")
        + rf"{_NUM_LEFT}(?P<n_a>[0-9]{{1,4}})(?P<n_sep>[/.\-])(?P<n_b>[0-9]{{1,2}})(?P=n_sep)(?P<n_c>[0-9]{{1,4}}){_NUM_RIGHT}"
        + rf"(?:\s*(?:(?P<n_hm>{hijri_marker})|(?P<n_gm>{gregorian_marker})))?",
        # الأحد 18 فبراير 2018, 4 تشرين الثاني/نوفمبر الحالي, 14 من كانون الأول
        "dmy": weekday_prefix("g_")
        + day_part("g_")
        + day_to_month
        + month_group("g_")
        + rf"(?:{year_part('g_')}|\s+(?P<g_mod>{modifier}))?",
        # The first day of a range, «يومي 24 و25 نيسان», «من 3 إلى 5 آذار 2020»: the month and
        # year are read (inside the lookahead) from the day that follows.
        "range": rf"{_NUM_LEFT}(?P<x_first>[0-9]{{1,2}})(?![0-9])"
        + rf"(?=\s*(?:[\-–]|و|{range_word})\s*(?P<x_day>[0-9]{{1,2}}){_NUM_RIGHT}"
        + day_to_month
        + month_group("x_")
        + rf"(?:{year_part('x_')}|\s+(?P<x_mod>{modifier}))?)",
        # 14 رمضان 1442 هـ
        "hdmy": weekday_prefix("h_")
        + day_part("h_")
        + day_to_month
        + month_group("h_", hijri)
        + year_part("h_"),
        # منتصف تموز/ يوليو 2019, شهر آذار 2020
        "my": rf"(?:(?P<q_q>{qualifier})\s+(?:{month_word}\s+)?|{month_word}\s+)?"
        + month_group("q_")
        + year_part("q_"),
        # رمضان 1442 هـ
        "hmy": rf"(?:(?P<u_q>{qualifier})\s+(?:{month_word}\s+)?|{month_word}\s+)?"
        + month_group("u_", hijri)
        + year_part("u_"),
        # كانون الأول/ ديسمبر الماضي
        "mmod": rf"(?:(?P<r_q>{qualifier})\s+)?(?:{month_word}\s+)?"
        + month_group("r_")
        + rf"\s+(?P<r_mod>{modifier})",
        # عام 2017, أواخر العام 2019, مطلع 2020, 1442 هـ, 2017م
        "year": rf"(?:(?P<y_q>{qualifier})\s+)?(?:{year_word}\s+)?{_NUM_LEFT}(?P<y_year>[0-9]{{3,4}}){_NUM_RIGHT}"
        + rf"\s*(?:(?P<y_hm>{hijri_marker})|(?P<y_gm>{gregorian_marker}))"
        + rf"|(?:(?P<y_q2>{qualifier})\s+)?(?P<y_w>{year_word})\s+{_NUM_LEFT}(?P<y_year2>[0-9]{{3,4}}){_NUM_RIGHT}"
        + rf"(?:\s*(?:(?P<y_hm2>{hijri_marker})|(?P<y_gm2>{gregorian_marker})))?"
        + rf"|(?P<y_q3>{qualifier})\s+{_NUM_LEFT}(?P<y_year3>[0-9]{{4}}){_NUM_RIGHT}",
        # الشهر الماضي, نهاية العام المقبل, هذا الأسبوع
        "period": rf"(?:(?P<p_q>{qualifier})\s+)?(?:(?P<p_this>{this_word})\s+(?P<p_unit1>{unit})|(?P<p_unit2>{unit})\s+(?P<p_mod>{modifier}))",
        # أمس الأربعاء, مساء اليوم, أول من أمس
        "rel": rf"(?:(?P<d_per>{day_period})\s+)?(?P<d_rel>{relative_day})(?:\s+(?P<d_wd>{weekday}))?",
        # الأربعاء الماضي, يوم الخميس
        "wd": rf"(?:(?P<w_per>{day_period})\s+)?(?:{yawm}\s+)?(?P<w_wd>{weekday})(?:\s+(?P<w_mod>{modifier}))?",
        # منذ 3 أيام, قبل يومين (not «قبل عامين من الحرب»: relative to another event)
        "ago": rf"(?P<a_dir>{ago})\s+(?:{_NUM_LEFT}(?P<a_n>[0-9]{{1,3}}){_NUM_RIGHT}\s*)?(?P<a_unit>{counted})(?!\s+{connector}|\s*[0-9])",
        # (1956-1958), موسم 2017-2018, بين 1995 و2003, من 1961 إلى عام 1999: both ends are
        # mentions. A word between the years needs an opener word before the first.
        "yrange": rf"(?:(?P<z_open>{range_opener})\s+)?{_NUM_LEFT}(?P<z_a>[0-9]{{4}})"
        + rf"(?:\s*[\-–]\s*|\s+(?P<z_word>{range_joiner})\s*)(?:{year_word}\s+)?(?P<z_b>[0-9]{{4}}){_NUM_RIGHT}{not_a_count}",
        # في 1949, منذ 2004, حرب 1948, (1911): a bare year where the words around make it one,
        # never a count («في 1949 شخصا», «2004 دولار»).
        "byear": rf"(?:{year_trigger}|{year_event})\s+{_NUM_LEFT}(?P<b_year>[0-9]{{4}}){_NUM_RIGHT}{not_a_count}"
        + r"|(?:(?<=\()|(?<=\(\s))(?P<b_paren>[0-9]{4})(?=\s*\))",
        # في آذار, خلال شهر تموز, منتصف حزيران
        "bare": rf"(?P<t_trig>{trigger})\s+(?P<t_body>(?:{month_word}\s+)?(?>{month_group('t_')})){not_followed_by_year_or_modifier}",
    }
    # Clitics (و، ف، ب، ل) may stick to the first word; they stay outside the mention.
    pattern = (
        r"(?<!\w)(?:[وف]?[بل]?)(?:" + "|".join(f"(?P<{name}>{body})" for name, body in branches.items()) + ")"
    )

    # Every branch starts with a digit or with one of these words: scanning for them first and
    # trying the full pattern only there is what makes a 1 MB body cheap.
    first_words = {
        _key(word).split()[0]
        for words in (
            months,
            ordinal_days,
            hijri_months,
            weekdays,
            relative_days,
            units,
            count_words,
            cfg["qualifiers"],
            cfg["year_words"],
            cfg["month_word"],
            cfg["this_words"],
            cfg["day_periods"],
            cfg["ago_words"],
            cfg["month_triggers"],
            ["يوم"],
        )
        for word in words
        if _key(word)
    }
    # Words that only ever open a bare year («من», «بين», «حرب»...) are anchors only with a
    # number close after them: «من» alone is too common to try the whole pattern at.
    year_words_only = {
        _key(word).split()[0]
        for word in (*cfg["year_triggers"], *cfg["year_events"], *cfg["year_range_openers"])
        if _key(word)
    } - first_words
    anchor = (
        r"(?<!\w)[وف]?[بل]?(?:[0-9]|" + _trie_alternation(first_words) + r"(?!\w)|"
        + _trie_alternation(year_words_only) + r"(?!\w)(?=[^0-9\n.،]{0,30}[0-9]))"
    )

    am_pm = _alternation([*cfg["am_words"], *cfg["pm_words"]])
    time_word = _alternation(cfg["time_words"])
    time_pattern = (
        rf"(?:{time_word}\s*)?{_NUM_LEFT}(?P<hour>[0-9]{{1,2}})[:.](?P<minute>[0-9]{{2}})(?:[:.](?P<second>[0-9]{{2}})(?:\.[0-9]+)?)?"
        rf"(?![0-9])(?:\s*(?P<ampm>{am_pm}))?"
    )
    zone = _alternation(zones)
    zone_pattern = (
        r"\s*[(\[]?\s*(?:ب?توقيت\s+)?(?:(?P<zone>" + zone + r"))?"
        r"\s*(?:(?P<sign>[+\-−])\s*(?P<oh>[0-9]{1,2})(?::?(?P<om>[0-9]{2}))?(?![0-9]))?"
    )
    return _Grammar(
        pattern=re.compile(pattern, re.IGNORECASE),
        anchor=re.compile(anchor, re.IGNORECASE),
        time_pattern=re.compile(time_pattern, re.IGNORECASE),
        zone_pattern=re.compile(zone_pattern, re.IGNORECASE),
        months=months,
        ordinal_days=ordinal_days,
        hijri_months=hijri_months,
        weekdays=weekdays,
        relative_days=relative_days,
        not_today_before=frozenset(_key(w) for w in cfg["not_today_before"]),
        units=units,
        count_words=count_words,
        modifiers=modifiers,
        qualifiers=frozenset(_key(w) for w in cfg["qualifiers"]),
        month_needs_day_or_year=frozenset(_key(w) for w in cfg["month_needs_day_or_year"]),
        am_words=frozenset(_key(w) for w in cfg["am_words"]),
        pm_words=frozenset(_key(w) for w in cfg["pm_words"]),
        zones=zones,
    )


# ---------------------------------------------------------------------------------------------
# Calendar arithmetic.


def tabular_hijri_to_gregorian(year: int, month: int, day: int) -> date | None:
    """Arithmetic Islamic calendar (leap years 2,5,7,10,13,16,18,21,24,26,29 of each 30-year cycle)."""
    if not (HIJRI_MIN_YEAR <= year <= HIJRI_MAX_YEAR and 1 <= month <= 12 and 1 <= day <= 30):
        return None
    # Ordinal of 1 Muharram 1 AH (Friday 16 July 622 Julian) in Python's proleptic Gregorian count.
    epoch = 227015
    days = day + (59 * (month - 1) + 1) // 2 + (year - 1) * 354 + (3 + 11 * year) // 30
    return date.fromordinal(epoch + days - 1)


@functools.lru_cache(maxsize=1)
def _ummalqura_month_starts() -> tuple[int, list[int]]:
    """(first Hijri year, ordinal of the first day of every month from then on)."""
    cfg = configs.load_yaml(CONFIG_NAME)
    first_year = int(cfg["ummalqura_first_year"])
    lengths_by_year = cfg["ummalqura_month_lengths"]
    digit_to_days = {"8": 28, "9": 29, "0": 30, "1": 31}
    starts = [cfg["ummalqura_epoch"].toordinal()]
    for year in range(first_year, first_year + len(lengths_by_year)):
        for digit in lengths_by_year[year]:
            starts.append(starts[-1] + digit_to_days[digit])
    return first_year, starts


def hijri_to_gregorian(year: int, month: int, day: int) -> date | None:
    """Umm al-Qura calendar for 1343-1500 AH (the table in calendar_ar.yaml), tabular outside it.

    Day 30 is accepted in every month (the calendar a writer followed, sighting-based or
    another table, may have had it) and lands on the next day. None outside the valid ranges.
    """
    if not (HIJRI_MIN_YEAR <= year <= HIJRI_MAX_YEAR and 1 <= month <= 12 and 1 <= day <= 30):
        return None
    first_year, starts = _ummalqura_month_starts()
    index = (year - first_year) * 12 + month - 1
    if 0 <= index < len(starts) - 1:
        return date.fromordinal(starts[index] + day - 1)
    return tabular_hijri_to_gregorian(year, month, day)


def _valid_gregorian(year: int, month: int, day: int) -> date | None:
    if not (MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12):
        return None
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, day)


def _month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def _month_value(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _choose(candidates: list[int], reference: int, modifier: str | None) -> int | None:
    """Pick among candidate positions (days or month indexes) relative to the reference position."""
    if not candidates:
        return None  # «29 شباط» with no leap year around the reference
    if modifier == "previous":
        past = [c for c in candidates if c < reference]
        return max(past) if past else None
    if modifier == "next":
        future = [c for c in candidates if c > reference]
        return min(future) if future else None
    # Nearest, a future candidate counting twice as far; ties go to the past.
    return min(candidates, key=lambda c: (reference - c if c <= reference else 2 * (c - reference), c))


def _window_value(first: date, last: date) -> tuple[str, str]:
    """Finest of month/year that holds the whole window (weeks have no precision of their own)."""
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.year:04d}-{first.month:02d}", "month"
    middle = first + (last - first) / 2
    return f"{middle.year:04d}", "year"


def _shift_months(day: date, months: int) -> int:
    return _month_index(day.year, day.month) + months


# ---------------------------------------------------------------------------------------------
# Resolving one match.


@dataclass
class _Resolved:
    value: str | None
    precision: str


def _group_key(match: re.Match[str], name: str) -> str | None:
    text = match.group(name)
    return " ".join(text.split()) if text else None


def _month_of(match: re.Match[str], prefix: str, names: dict[str, int]) -> int | None:
    """Month number; the doubled form must name the same month twice."""
    first = names.get(_group_key(match, prefix + "m1") or "")
    second_key = _group_key(match, prefix + "m2") or _group_key(match, prefix + "m3")
    if second_key is not None and names.get(second_key) != first:
        return None
    return first


def _day_of(grammar: _Grammar, match: re.Match[str], prefix: str) -> int:
    digits = match.group(prefix + "day")
    return (
        int(digits) if digits is not None else grammar.ordinal_days[_group_key(match, prefix + "ord") or ""]
    )


def _year_of(match: re.Match[str], prefix: str) -> tuple[int, bool] | None:
    """(year, is_hijri) of a year_part, None if absent."""
    text = match.group(prefix + "year")
    if text is None:
        return None
    return int(text), match.group(prefix + "hm") is not None


def _resolve_day_month(
    grammar: _Grammar, day: int, month: int, modifier_key: str | None, reference: date | None
) -> _Resolved | None:
    if day < 1 or day > calendar.monthrange(2000, month)[1]:  # 2000: leap, so 29 شباط passes here
        return None
    modifier = grammar.modifiers.get(modifier_key or "")
    if reference is None:
        return _Resolved(None, "day")
    if modifier == "current":
        resolved = _valid_gregorian(reference.year, month, day)
        return _Resolved(resolved.isoformat(), "day") if resolved else None
    candidates = [
        d
        for y in (reference.year - 1, reference.year, reference.year + 1)
        if (d := _valid_gregorian(y, month, day))
    ]
    chosen = _choose([d.toordinal() for d in candidates], reference.toordinal(), modifier)
    return _Resolved(date.fromordinal(chosen).isoformat(), "day") if chosen is not None else None


def _resolve_month(
    grammar: _Grammar, month: int, modifier_key: str | None, reference: date | None
) -> _Resolved:
    modifier = grammar.modifiers.get(modifier_key or "")
    if reference is None:
        return _Resolved(None, "month")
    if modifier == "current":
        return _Resolved(f"{reference.year:04d}-{month:02d}", "month")
    candidates = [_month_index(y, month) for y in (reference.year - 1, reference.year, reference.year + 1)]
    chosen = _choose(candidates, _month_index(reference.year, reference.month), modifier)
    return _Resolved(_month_value(chosen) if chosen is not None else None, "month")


def _resolve_weekday(weekday: int, modifier: str | None, reference: date) -> date:
    if modifier == "previous":
        return reference - timedelta(days=(reference.weekday() - weekday) % 7 or 7)
    if modifier == "next":
        return reference + timedelta(days=(weekday - reference.weekday()) % 7 or 7)
    return reference - timedelta(days=(reference.weekday() - weekday) % 7)


def _hijri_value(year: int, month: int | None, day: int | None) -> _Resolved | None:
    if day is not None and month is not None:
        converted = hijri_to_gregorian(year, month, day)
        return _Resolved(converted.isoformat(), "day") if converted else None
    if month is not None:
        middle = hijri_to_gregorian(year, month, 15)
        return _Resolved(f"{middle.year:04d}-{middle.month:02d}", "month") if middle else None
    middle = hijri_to_gregorian(year, 6, 30)
    return _Resolved(f"{middle.year:04d}", "year") if middle else None


def _resolve_numeric(match: re.Match[str]) -> _Resolved | None:
    first, second, third = match.group("n_a"), match.group("n_b"), match.group("n_c")
    if len(first) == 4:
        year, month, day = int(first), int(second), int(third)
    elif len(third) >= 3:
        day, month, year = int(first), int(second), int(third)
    else:
        return None  # two-digit years: which century, which calendar?
    hijri = match.group("n_hm") is not None or (match.group("n_gm") is None and year in NUMERIC_HIJRI_YEARS)
    if hijri:
        return _hijri_value(year, month, day) if 1 <= month <= 12 else None
    resolved = _valid_gregorian(year, month, day)
    return _Resolved(resolved.isoformat(), "day") if resolved else None


def _year_value(year: int, hijri: bool) -> _Resolved | None:
    if hijri:
        return _hijri_value(year, None, None)
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    return _Resolved(f"{year:04d}", "year")


def _resolve(
    grammar: _Grammar, match: re.Match[str], folded: str, reference: date | None
) -> _Resolved | None:
    kind = match.lastgroup
    if kind == "num":
        return _resolve_numeric(match)
    if kind in ("dmy", "range"):
        prefix = "g_" if kind == "dmy" else "x_"
        month = _month_of(match, prefix, grammar.months)
        if month is None:
            return None
        day = _day_of(grammar, match, "g_") if kind == "dmy" else int(match.group("x_first"))
        if kind == "range" and not day < int(match.group("x_day")):
            return None  # «25 و24 نيسان» is not a range
        year = _year_of(match, prefix)
        if year is None:
            return _resolve_day_month(grammar, day, month, _group_key(match, prefix + "mod"), reference)
        resolved = _valid_gregorian(year[0], month, day)
        return _Resolved(resolved.isoformat(), "day") if resolved else None
    if kind == "hdmy":
        month = _month_of(match, "h_", grammar.hijri_months)
        year = _year_of(match, "h_")
        if month is None or year is None:
            return None
        return _hijri_value(year[0], month, _day_of(grammar, match, "h_"))
    if kind in ("my", "hmy"):
        prefix = "q_" if kind == "my" else "u_"
        month = _month_of(match, prefix, grammar.months if kind == "my" else grammar.hijri_months)
        year = _year_of(match, prefix)
        if month is None or year is None:
            return None
        if kind == "hmy":
            return _hijri_value(year[0], month, None)
        if not MIN_YEAR <= year[0] <= MAX_YEAR:
            return None
        return _Resolved(f"{year[0]:04d}-{month:02d}", "month")
    if kind == "mmod":
        month = _month_of(match, "r_", grammar.months)
        if month is None:
            return None
        return _resolve_month(grammar, month, _group_key(match, "r_mod"), reference)
    if kind == "year":
        if match.group("y_year") is not None:
            return _year_value(int(match.group("y_year")), match.group("y_hm") is not None)
        if match.group("y_year2") is not None:
            return _year_value(int(match.group("y_year2")), match.group("y_hm2") is not None)
        return _year_value(int(match.group("y_year3")), False)
    if kind == "period":
        unit = grammar.units[_group_key(match, "p_unit1") or _group_key(match, "p_unit2") or ""]
        modifier = grammar.modifiers.get(_group_key(match, "p_mod") or "", "current")
        precision = "day" if unit == "week" else unit
        if reference is None:
            return _Resolved(None, "month" if unit == "week" else precision)
        step = {"previous": -1, "next": 1, "current": 0}[modifier]
        if unit == "year":
            return _Resolved(f"{reference.year + step:04d}", "year")
        if unit == "month":
            return _Resolved(_month_value(_shift_months(reference, step)), "month")
        centre = reference + timedelta(days=7 * step)
        value, precision = _window_value(centre - timedelta(days=3), centre + timedelta(days=3))
        return _Resolved(value, precision)
    if kind == "rel":
        relative = _group_key(match, "d_rel") or ""
        if relative == _key("اليوم"):
            following = folded[match.end() :].split(maxsplit=1)
            if following and following[0] in grammar.not_today_before:
                return None
        if reference is None:
            return _Resolved(None, "day")
        base = reference + timedelta(days=grammar.relative_days[relative])
        weekday_key = _group_key(match, "d_wd")
        if weekday_key is not None:
            weekday = grammar.weekdays[weekday_key]
            # Trust the weekday when it disagrees: the nearest such day to the relative one.
            shift = (weekday - base.weekday()) % 7
            base += timedelta(days=shift if shift <= 3 else shift - 7)
        return _Resolved(base.isoformat(), "day")
    if kind == "wd":
        if reference is None:
            return _Resolved(None, "day")
        weekday = grammar.weekdays[_group_key(match, "w_wd") or ""]
        modifier = grammar.modifiers.get(_group_key(match, "w_mod") or "")
        return _Resolved(_resolve_weekday(weekday, modifier, reference).isoformat(), "day")
    if kind == "ago":
        unit, implied = grammar.count_words[_group_key(match, "a_unit") or ""]
        count_text = match.group("a_n")
        if count_text is None and implied is None:
            return None  # «منذ أيام»: some days, no number
        count = int(count_text) if count_text is not None else implied
        if count is None or (count_text is not None and implied == 2):
            return None  # «منذ 3 يومين» is malformed
        precision = {"minute": "day", "hour": "day", "day": "day", "week": "month"}.get(unit, unit)
        if reference is None:
            return _Resolved(None, precision)
        if unit in ("minute", "hour", "day"):
            hours = {"minute": count / 60, "hour": count, "day": 24 * count}[unit]
            # A date-only reference is taken at noon, so «منذ ساعتين» stays on the same day.
            anchor = datetime.combine(reference, time(12)) - timedelta(hours=hours)
            return _Resolved(anchor.date().isoformat(), "day")
        if unit == "week":
            centre = reference - timedelta(days=7 * count)
            value, precision = _window_value(centre - timedelta(days=3), centre + timedelta(days=3))
            return _Resolved(value, precision)
        if unit == "month":
            return _Resolved(_month_value(_shift_months(reference, -count)), "month")
        return _Resolved(f"{reference.year - count:04d}", "year")
    if kind == "byear":
        if match.group("b_year") is not None:
            year, lowest = int(match.group("b_year")), BARE_YEAR_MIN
        else:
            year, lowest = int(match.group("b_paren")), MIN_YEAR_IN_RANGE
        return _Resolved(f"{year:04d}", "year") if lowest <= year <= MAX_YEAR_IN_RANGE else None
    if kind == "bare":
        month = _month_of(match, "t_", grammar.months)
        if month is None or (_group_key(match, "t_m1") or "") in grammar.month_needs_day_or_year:
            return None
        return _resolve_month(grammar, month, None, reference)
    return None


def _year_range(match: re.Match[str]) -> list[tuple[int, int, _Resolved]]:
    """Both ends of a year range as (start, end, value) in the folded text, or none when the
    numbers cannot be one («2010 و1995», «1200-1500 دولار» is caught earlier, as a count)."""
    first, last = int(match.group("z_a")), int(match.group("z_b"))
    if match.group("z_word") is not None and match.group("z_open") is None:
        return []
    if not (MIN_YEAR_IN_RANGE <= first < last <= MAX_YEAR_IN_RANGE and last - first <= MAX_RANGE_YEARS):
        return []
    return [
        (match.start(group), match.end(group), _Resolved(match.group(group), "year")) for group in ("z_a", "z_b")
    ]


def _mention_span(match: re.Match[str], grammar: _Grammar) -> tuple[int, int]:
    kind = match.lastgroup or ""
    if kind == "byear":
        group = "b_year" if match.group("b_year") is not None else "b_paren"
        return match.start(group), match.end(group)
    if kind == "bare":
        trigger = _group_key(match, "t_trig") or ""
        # Qualifiers belong to the mention («منتصف حزيران»), prepositions do not («في آذار»).
        if trigger in grammar.qualifiers:
            return match.start("t_trig"), match.end()
        return match.start("t_body"), match.end()
    return match.start(kind), match.end()


def _matches(grammar: _Grammar, folded: str) -> Iterable[re.Match[str]]:
    """Same matches as ``grammar.pattern.finditer``, trying the pattern only at anchor words."""
    resume = 0
    for anchor in grammar.anchor.finditer(folded):
        if anchor.start() < resume:
            continue
        match = grammar.pattern.match(folded, anchor.start())
        if match is not None:
            resume = match.end()
            yield match


def _as_date(reference: datetime | date | None) -> date | None:
    if reference is None:
        return None
    if isinstance(reference, datetime):
        return reference.date()
    return reference


def find_dates(text: str, reference: datetime | date | None = None) -> list[DateMention]:
    """Date expressions in ``text`` with ISO values; offsets index ``text`` as given."""
    if not text:
        return []
    grammar = _grammar()
    folded = _fold(text)
    reference_date = _as_date(reference)
    mentions: list[DateMention] = []
    for match in _matches(grammar, folded.text):
        if match.lastgroup == "yrange":
            for folded_start, folded_end, resolved in _year_range(match):
                start, end = folded.original_span(folded_start, folded_end)
                mentions.append(
                    DateMention(text=text[start:end], start=start, end=end, value=resolved.value, precision="year")
                )
            continue
        resolved = _resolve(grammar, match, folded.text, reference_date)
        if resolved is None:
            continue
        start, end = folded.original_span(*_mention_span(match, grammar))
        mentions.append(
            DateMention(
                text=text[start:end], start=start, end=end, value=resolved.value, precision=resolved.precision
            )
        )
    return mentions


# ---------------------------------------------------------------------------------------------
# Timestamps from feeds and page metadata.

_ISO = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?)?\s*(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?$",
    re.IGNORECASE,
)
_RFC822_ZONE = re.compile(r"(?:^|\s)([+-][0-9]{4}|[A-Za-z]{1,5})\s*$")
# Zones email.utils knows; any other trailing word («CEST») would silently become UTC there.
_RFC822_KNOWN_ZONES = {"UT", "UTC", "GMT", "Z", "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT"}
_ASCII_MONTH = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", re.IGNORECASE)


def _aware(moment: datetime, default_tz: tzinfo) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=default_tz)
    return moment.astimezone(UTC)


def _parse_iso(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace(",", ".").upper().replace(" Z", "Z"))
    except ValueError:
        return None


def _parse_rfc822(value: str) -> datetime | None:
    parts = parsedate_tz(value)
    if parts is None:
        return None
    year, month, day, hour, minute, second = parts[:6]
    try:
        moment = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    zone = _RFC822_ZONE.search(value)
    if zone and (zone.group(1)[0] in "+-" or zone.group(1).upper() in _RFC822_KNOWN_ZONES):
        try:
            return moment.replace(tzinfo=timezone(timedelta(seconds=parts[9] or 0)))
        except ValueError:  # an offset of a day or more is no zone
            return None
    return moment


def _clock(grammar: _Grammar, text: str, start: int) -> tuple[time, int] | None | bool:
    """Clock time after ``start``: (time, end), False if none, None if malformed."""
    found = grammar.time_pattern.search(text, start)
    if not found or _is_not_separator(text[start : found.start()]):
        return False
    hour, minute = int(found.group("hour")), int(found.group("minute"))
    second = int(found.group("second") or 0)
    marker = _group_key(found, "ampm")
    if marker is not None:
        if not 1 <= hour <= 12 and not (marker in grammar.pm_words and 13 <= hour <= 23):
            return None
        if marker in grammar.pm_words and hour < 12:
            hour += 12
        elif marker in grammar.am_words and hour == 12:
            hour = 0
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second), found.end()


def _is_not_separator(between: str) -> bool:
    # Words such as «آخر تحديث» or «الساعة» may sit between the date and the time; a number may not.
    return bool(re.search(r"[0-9]", between)) or len(between) > 40


def _zone_offset(grammar: _Grammar, text: str, start: int) -> timezone | None | bool:
    """Zone after ``start``: a timezone, False if none named, None if malformed."""
    found = grammar.zone_pattern.match(text, start)
    if not found or (found.group("zone") is None and found.group("sign") is None):
        return False
    minutes = grammar.zones.get(_group_key(found, "zone") or "", 0)
    if found.group("sign") is not None:
        hours_text, minutes_text = found.group("oh"), found.group("om")
        if minutes_text is None and len(hours_text) > 2:
            return None
        offset = int(hours_text) * 60 + int(minutes_text or 0)
        if offset > 14 * 60 or int(minutes_text or 0) > 59:
            return None
        minutes += -offset if found.group("sign") in "-−" else offset
    return timezone(timedelta(minutes=minutes))


def _parse_arabic(value: str) -> tuple[datetime, bool] | None:
    """(wall clock, naive unless a zone is written; whether a clock time is written)."""
    grammar = _grammar()
    folded = _fold(value).text
    for match in _matches(grammar, folded):
        kind = match.lastgroup
        if kind not in ("num", "dmy", "hdmy"):
            continue
        if kind == "dmy" and match.group("g_year") is None:
            continue  # a timestamp without a year would need a reference: not a timestamp
        resolved = _resolve(grammar, match, folded, None)
        if resolved is None or resolved.value is None:
            return None  # a date was written, and it is malformed
        day = date.fromisoformat(resolved.value)
        clock = _clock(grammar, folded, match.end())
        if clock is None:
            return None
        moment_time, end = clock if clock else (time(0), match.end())
        zone = _zone_offset(grammar, folded, end)
        if zone is None:
            return None
        moment = datetime.combine(day, moment_time)
        return (moment.replace(tzinfo=zone) if zone else moment), bool(clock)
    return None


@dataclass(frozen=True)
class Timestamp:
    """A timestamp as written: its wall clock, the zone it states (if any) and whether it has a time of day."""

    wall: datetime  # aware in the stated zone, naive when none is written
    has_time: bool

    @property
    def zone_stated(self) -> bool:
        return self.wall.tzinfo is not None

    def instant(self, default_tz: tzinfo = UTC) -> datetime:
        """The UTC instant, reading a wall clock without a zone in ``default_tz``."""
        return _aware(self.wall, default_tz)


def parse_timestamp(value: str) -> Timestamp | None:
    """A feed pubDate or page-metadata timestamp as written (see ``parse_datetime`` for the forms)."""
    if not isinstance(value, str):
        return None
    stripped = value.strip()
    if not stripped or len(stripped) > MAX_TIMESTAMP_CHARS:
        return None
    ascii_digits = to_ascii_digits(stripped)
    if _ISO.match(ascii_digits):
        parsed = _parse_iso(ascii_digits)
        return Timestamp(parsed, len(ascii_digits) > 10) if parsed is not None else None
    if ascii_digits.isascii() and _ASCII_MONTH.search(ascii_digits):
        parsed = _parse_rfc822(ascii_digits)
        if parsed is not None:
            return Timestamp(parsed, ":" in ascii_digits)
    arabic = _parse_arabic(stripped)
    return Timestamp(*arabic) if arabic is not None else None


def parse_datetime(value: str, default_tz: tzinfo = UTC) -> datetime | None:
    """A feed pubDate or page-metadata timestamp as an aware UTC datetime, or None.

    Tries ISO 8601, then RFC 822 (offsets, GMT and US zone names kept), then Arabic forms
    («الأحد 18 فبراير 2018», «4 تشرين الثاني/نوفمبر 2021 - 10:30», «١٨ فبراير ٢٠١٨ ٠٣:٤٥ م»,
    «14-09-1432 هـ, 09:40 صباحاً»). A timestamp without a zone is read in ``default_tz``.
    A malformed date gives None, never a neighbouring valid one.
    """
    parsed = parse_timestamp(value)
    return parsed.instant(default_tz) if parsed is not None else None
