"""Authors from bylines and author metadata: people only, never the site, a credit or a URL.

    python -c "from akhbar.transforms.text.bylines import authors_from_byline; print(authors_from_byline('كتبت: سارة المصري - عمّان'))"

A byline opens with a word such as «كتب», «كتبت», «بقلم», «إعداد», «تقرير», «حوار:» or "By"
(``configs/pagemeta.yaml``). What follows is one or more names, separated by «،», «و», "and",
and may carry a dateline: «محمد علي - عمّان» is «محمد علي»; a parenthesised place and outlet
«(دبي - الوطن)» names no person. A candidate is kept only when it reads as a person's name: two
to six words of letters, no digits, no URL or file-name part, not the site's or publisher's
name, not a desk, wire or staff label, not a developer's credit.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from akhbar import configs
from akhbar.transforms.text.arabic import normalize_display, normalize_match

MAX_NAME_WORDS = 6
MAX_AUTHORS = 8
_URL_LIKE = re.compile(r"https?:|www\.|[/\\@=?#]|\.(?:png|jpe?g|gif|svg|webp|php|html?|aspx?|com|net|org)\b", re.I)
_DASH = r"[\-–—|/]"
_SPACED_TATWEEL = re.compile(r"(?:^|\s)ـ+(?=\s)")
# A name is letters (Arabic or Latin), with spaces, a hyphen, an apostrophe or an initial's dot.
_DOMAIN_LIKE = re.compile(r"[^\W\d_]{2,}\.[^\W\d_]{2,}")  # «العربية.نت», "alwatan.news": a site
_NAME_CHARS = re.compile(r"^[^\W\d_](?:[^\W\d_]|[\s.'’\-])*$")
_LIST_SPLIT = re.compile(r"\s*(?:[،,؛;&]|\band\b|\s+و\s+)\s*")
_GLUED_AND = re.compile(r"\s+و(?=[^\W\d_]{2,})")


@dataclass(frozen=True)
class _Vocabulary:
    opener: re.Pattern[str]
    credit_words: frozenset[str]  # developer credits and organisation words
    not_person_keys: frozenset[str]
    place_keys: frozenset[str]
    sentence_words: frozenset[str]  # particles and verbs of saying: a name never holds them


def _gazetteer_places() -> frozenset[str]:
    places: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, str):
            places.update(normalize_match(form) for form in value.split("|") if form.strip())
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)

    walk(configs.load_yaml("gazetteer.yaml").get("LOC", {}))
    places.discard("")
    return frozenset(places)


@functools.cache
def _vocabulary() -> _Vocabulary:
    rules = configs.load_yaml("pagemeta.yaml")
    openers = sorted({normalize_match(w) for w in rules["byline_openers"]}, key=len, reverse=True)
    # Matched on the match form: an opener, then a separator or space, then the names.
    opener = re.compile(
        r"^\s*(?:" + "|".join(re.escape(w) for w in openers) + r")(?:\s*[:：\-–/|]\s*|\s+)(?P<names>.+)$",
        re.S | re.I,
    )
    return _Vocabulary(
        opener=opener,
        credit_words=frozenset(normalize_match(w).lower() for w in rules["credit_words"] + rules["organisation_words"]),
        not_person_keys=frozenset(normalize_match(w).lower() for w in rules["not_person_names"]),
        place_keys=_gazetteer_places(),
        sentence_words=frozenset(normalize_match(w) for w in rules["sentence_words"]),
    )


def name_key(text: str) -> str:
    """Comparison form of a name or site name: match form, lower case, letters and digits only."""
    return re.sub(r"[\W_]+", "", normalize_match(text).lower())


def _names_after_opener(text: str) -> str | None:
    """The text after a byline opener, in display form; None when ``text`` opens with none."""
    display = normalize_display(text).strip()
    found = _vocabulary().opener.match(normalize_match(display))
    if not found:
        return None
    # normalize_match keeps one character per character for letters but may drop marks, so
    # cut the display text at the same number of words rather than at a character offset.
    skipped = len(normalize_match(display)[: found.start("names")].split())
    return " ".join(display.split()[skipped:]) or None


def _without_dateline(name: str) -> list[str]:
    """The parts of «محمد علي - عمّان» that may be the name, likeliest first; [] for «(دبي - الوطن)»."""
    name = name.strip(" \t.:،,-–—")
    if name.startswith("(") and name.endswith(")"):
        return []  # «(دبي - الوطن)», «(رويترز)»: a dateline or a credit, never a byline
    name = re.sub(r"\s*\([^)]*\)\s*", " ", name).strip()
    parts = [p.strip(" .:،,") for p in re.split(r"\s*" + _DASH + r"\s*|\s*،\s*", name) if p.strip(" .:،,")]
    if len(parts) >= 2 and _is_credit(parts[-1]):
        return []  # «ريو دي جانيرو - د ب أ»: a place, then the wire or outlet that filed it
    places = _vocabulary().place_keys
    people = [p for p in parts if normalize_match(p) not in places]
    # A dateline place is one or two words and the name two or more: longer parts first.
    return sorted(people, key=lambda p: len(p.split()) < 2)


def _is_credit(part: str) -> bool:
    """A wire, outlet or desk named where a dateline names its source («د ب أ», «رويترز», «العربية.نت»)."""
    vocabulary = _vocabulary()
    key = normalize_match(part).lower()
    words = key.split()
    return (key in vocabulary.not_person_keys or all(len(w.strip(".")) <= 1 for w in words)
            or any(w in vocabulary.credit_words for w in words) or bool(_DOMAIN_LIKE.search(part)))


def _split_names(names: str) -> list[str]:
    pieces = []
    for piece in _LIST_SPLIT.split(names):
        # «محمد علي وأحمد حسن»: a glued «و» separates two names only when both sides are full
        # names; «محمد وليد» is one name.
        glued = _GLUED_AND.split(piece)
        if len(glued) == 2 and all(len(g.split()) >= 2 for g in glued):
            pieces.extend(glued)
        else:
            pieces.append(piece)
    return pieces


def is_person_name(name: str, not_names: Iterable[str] = ()) -> bool:
    """Whether ``name`` reads as a person's name and is none of ``not_names`` (site, publisher, host)."""
    words = name.split()
    if not 2 <= len(words) <= MAX_NAME_WORDS or not _NAME_CHARS.match(name):
        return False
    if _URL_LIKE.search(name) or _DOMAIN_LIKE.search(name):
        return False
    if all(len(w.strip(".")) <= 1 for w in words):
        return False
    vocabulary = _vocabulary()
    folded = normalize_match(name).lower()
    if folded in vocabulary.not_person_keys:
        return False
    if any(w in vocabulary.credit_words or w in vocabulary.sentence_words for w in folded.split()):
        return False
    key = re.sub(r"[\W_]+", "", folded)
    for other_key in _keys(not_names):
        if other_key and (key == other_key or (len(other_key) >= 4 and (other_key in key or key in other_key))):
            return False
    return True


class _Keys(tuple):
    """``not_names`` already in ``name_key`` form (computed once per article, not per candidate)."""


def _keys(names: Iterable[str]) -> tuple[str, ...]:
    return names if isinstance(names, _Keys) else _Keys(name_key(n) for n in names)


def _dedupe(names: Iterable[str]) -> list[str]:
    kept, seen = [], set()
    for name in names:
        key = name_key(name)
        if key and key not in seen:
            seen.add(key)
            kept.append(name)
    return kept[:MAX_AUTHORS]


def author_names(raw: str, not_names: Iterable[str] = ()) -> list[str]:
    """People named in one author string: a byline («كتبت: …», "By …") or a metadata value."""
    if not raw or not raw.strip():
        return []
    # A tatweel between spaces is a dash («القاهرة ـ name»); display form would delete it.
    text = normalize_display(_SPACED_TATWEEL.sub(" - ", raw)).strip()
    if _URL_LIKE.search(text) and " " not in text.strip():
        return []  # a profile or logo URL, a file name
    not_names = _keys(not_names)
    after_opener = _names_after_opener(text)
    names = after_opener if after_opener is not None else text
    if text.startswith("(") and text.endswith(")"):
        return []
    people = []
    for piece in _split_names(names):
        name = next((part for part in _without_dateline(piece) if is_person_name(part, not_names)), None)
        if name:
            people.append(name)
    return _dedupe(people)


def authors_from_byline(text: str) -> list[str]:
    """People named in a byline line that opens with a byline word; [] for any other line.

    For lines the body cleaner removed as bylines (``removed_boilerplate`` kind "byline"):
    «كتب - محمد علي - عمّان» → ["محمد علي"]; «(دبي - الوطن)» → [].
    """
    if not text or _names_after_opener(text) is None:
        return []
    return author_names(text)


def merge_authors(groups: Iterable[Iterable[str]], not_names: Iterable[str] = ()) -> list[str]:
    """The first group that yields people, cleaned: groups are ordered best source first."""
    not_names = _keys(not_names)
    for group in groups:
        people = []
        for raw in group:
            people.extend(author_names(raw, not_names))
        people = _dedupe(people)
        if people:
            return people
    return []
