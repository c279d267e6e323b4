"""Tokens and CRF features for Arabic named-entity recognition, shared by training and run time.

    python -c "from transforms.ner_features import tokenize; print(tokenize('وقال الرئيس الأميركي جو بايدن'))"

Why this module exists: the model is trained by ``train/ner.py`` and applied by
``transforms.entities``; both must see exactly the same tokens and features, or the model
silently degrades. So the tokenizer and the feature function live here, once.

Tokenisation decision: NewsFANE splits clitics (``و قال``, ``ان ه``) with a tool we do not
have. Rather than re-implement a segmenter (whose errors would compound at run time), training
re-joins the clitics the way raw text writes them (``وقال``, ``انه``) and the model sees
whitespace/punctuation tokens, as the pipeline does. Clitic knowledge moves into the features
(stripped forms, proclitic letters) and into one extra label bit: ``pB-X`` means "entity X
starts after a one- or two-letter proclitic inside this token" (``وألمانيا``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from transforms.arabic import normalize_match

# A word is letters/digits plus the marks that live inside Arabic words (harakat, tatweel,
# invisible joiners); everything else that is not space is a one-character token.
_TOKEN = re.compile(
    r"[\w\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640\u200c\u200d\u200e\u200f]+|[^\w\s]",
)
_ARABIC_LETTER = re.compile(r"[\u0621-\u064A\u0671-\u06D3]")
_LATIN = re.compile(r"[A-Za-z]")

# Proclitics that raw Arabic writes attached to the next word: conjunctions و ف, prepositions
# ب ل ك; ``لل`` is ل + ال with the alef dropped.
PROCLITIC_LETTERS = "وفبلك"


@dataclass(frozen=True, slots=True)
class Token:
    text: str  # surface form, exactly text[start:end]
    start: int
    end: int
    key: str  # match-key form (transforms.arabic.normalize_match)


_KEY_MEMO: dict[str, str] = {}
_KEY_MEMO_LIMIT = 300_000


def tokenize(text: str) -> list[Token]:
    """Word and punctuation tokens with character offsets into ``text``."""
    tokens = []
    memo = _KEY_MEMO
    for m in _TOKEN.finditer(text):
        surface = m.group()
        key = memo.get(surface)
        if key is None:
            key = normalize_match(surface) or surface
            if len(memo) < _KEY_MEMO_LIMIT:  # bounded: a hostile 1 MB body cannot grow it forever
                memo[surface] = key
        tokens.append(Token(surface, m.start(), m.end(), key))
    return tokens


@functools.lru_cache(maxsize=200_000)
def strip_proclitics(key: str) -> tuple[tuple[int, str], ...]:
    """Forms of a match-key word without its proclitics, as (letters consumed, form).

    ``والمانيا`` -> [(1, ``المانيا``)], ``للاتحاد`` -> [(1, ``لاتحاد``), (1, ``الاتحاد``)]
    (``لل`` is ل + ال with the alef dropped); a form is offered only when at least three
    letters remain, so ``بن`` or ``لان`` are never stripped to nothing.
    """
    out: list[tuple[int, str]] = []
    if len(key) < 4 or key[0] not in PROCLITIC_LETTERS:
        return ()
    if key[0] in "وف":
        out.append((1, key[1:]))
        if key[1] in "بلك" and len(key) > 4:
            out.append((2, key[2:]))
            if key[1:3] == "لل":
                out.append((2, "ا" + key[2:]))
    else:
        out.append((1, key[1:]))
        if key.startswith("لل"):
            out.append((1, "ا" + key[1:]))
    return tuple((n, form) for n, form in out if len(form) >= 3)


_MARKS = re.compile(r"[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640\u200c-\u200f]")


def surface_offset(surface: str, letters: int) -> int:
    """Index in ``surface`` just after its first ``letters`` letters (marks do not count)."""
    seen = 0
    for index, char in enumerate(surface):
        if _MARKS.match(char):
            continue
        if seen == letters:
            return index
        seen += 1
    return len(surface)


def word_shape(surface: str) -> str:
    if surface.isdigit():
        return "digit"
    if _ARABIC_LETTER.search(surface):
        return "ar"
    if _LATIN.search(surface):
        return "LAT" if surface[:1].isupper() else "lat"
    if any(c.isdigit() for c in surface):
        return "num"
    return "punct"


class Gazetteer:
    """Longest-match lookup of multi-word names on match-key tokens, proclitics allowed.

    ``entries`` maps a tuple of match-key words to (type, display form).
    """

    def __init__(self, entries: dict[tuple[str, ...], tuple[str, str]]):
        self.entries = entries
        self.by_first: dict[str, int] = {}
        for words in entries:
            self.by_first[words[0]] = max(self.by_first.get(words[0], 0), len(words))

    def find(self, keys: Sequence[str]) -> list[tuple[int, int, int, str, str]]:
        """Matches as (first token, end token, proclitic chars in first token, type, display)."""
        found = []
        i, n = 0, len(keys)
        while i < n:
            match = None
            for prefix_len, first in self._first_forms(keys[i]):
                longest = self.by_first.get(first)
                if not longest:
                    continue
                for length in range(min(longest, n - i), 0, -1):
                    words = (first, *keys[i + 1 : i + length])
                    hit = self.entries.get(words)
                    if hit:
                        if match is None or length > match[1] - match[0]:
                            match = (i, i + length, prefix_len, hit[0], hit[1])
                        break
            if match:
                found.append(match)
                i = match[1]
            else:
                i += 1
        return found

    @staticmethod
    def _first_forms(key: str) -> Iterable[tuple[int, str]]:
        yield 0, key
        yield from strip_proclitics(key)


def load_word_classes(path: str | Path) -> dict[str, tuple[str, ...]]:
    """Word -> distributional classes (coarse, fine), as written by train/ner.py."""
    classes: dict[str, tuple[str, ...]] = {}
    if not Path(path).exists():
        return classes
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            word, *ids = line.rstrip("\n").split("\t")
            classes[word] = tuple(ids)
    return classes


_NO_CLASS = ("-", "-", "rare")


class FeatureExtractor:
    """CRF attribute strings for the tokens of one sentence (or text window).

    ``classes``: word -> (coarse class, fine class, frequency band) from unlabelled news;
    ``heads``: head nouns that open an organisation or place name (حزب, وزارة, مدينة ...).
    Everything that depends on one word alone is computed once per (word, shape) and memoised:
    news vocabulary is Zipfian, so most tokens of an article hit the memo, which is what keeps
    ``recognize`` at a few milliseconds per article.
    """

    _MEMO_LIMIT = 300_000

    def __init__(
        self,
        titles: frozenset[str],
        classes: dict[str, tuple[str, ...]] | None = None,
        heads: dict[str, str] | None = None,
    ):
        self.titles = titles
        self.classes = classes or {}
        self.heads = heads or {}
        self._memo: dict[tuple[str, str], tuple[list[str], dict[int, list[str]]]] = {}

    def _word(self, k: str, shape: str) -> tuple[list[str], dict[int, list[str]]]:
        cached = self._memo.get((k, shape))
        if cached is not None:
            return cached
        classes, titles, heads = self.classes, self.titles, self.heads
        stripped = strip_proclitics(k)
        found = classes.get(k)
        if found is None:
            for _consumed, form in stripped:
                found = classes.get(form)
                if found is not None:
                    break
        cls = found or _NO_CLASS
        core = stripped[-1][1] if stripped else k
        core_noal = core[2:] if core.startswith("ال") and len(core) > 4 else core
        base = [
            "w=" + k,
            "c=" + core_noal,
            "sh=" + shape,
            "p2=" + k[:2],
            "p3=" + k[:3],
            "s2=" + k[-2:],
            "s3=" + k[-3:],
            "cs2=" + core_noal[-2:],
            "cs3=" + core_noal[-3:],
            "len=" + str(min(len(core_noal), 9)),
            "k1=" + cls[0],
            "k2=" + cls[1],
            "fq=" + cls[-1],
        ]
        head = heads.get(core_noal) or heads.get(k)
        if head:
            base.append("head=" + head)
        if core_noal != k:
            base.append("al" if core.startswith("ال") else "noal")
        if stripped:
            base.append("pc=" + k[0])
        if k in titles or core in titles:
            base.append("title")
        # What this word contributes to its neighbours' feature lists, per offset from them.
        as_neighbour: dict[int, list[str]] = {}
        for offset in (-2, -1, 1, 2):
            feats = [f"{offset}w={k}"]
            if offset in (-1, 1):
                feats += [
                    f"{offset}k2={cls[1]}",
                    f"{offset}k1={cls[0]}",
                    f"{offset}sh={shape}",
                    f"{offset}s2={k[-2:]}",
                ]
            if k in titles:
                feats.append(f"{offset}title")
            if offset < 0 and k in heads:
                feats.append(f"{offset}head={heads[k]}")
            as_neighbour[offset] = feats
        entry = (base, as_neighbour)
        if len(self._memo) < self._MEMO_LIMIT:
            self._memo[(k, shape)] = entry
        return entry

    def __call__(
        self, keys: Sequence[str], shapes: Sequence[str], gaz_tags: Sequence[str]
    ) -> list[list[str]]:
        n = len(keys)
        words = [self._word(keys[i], shapes[i]) for i in range(n)]
        out: list[list[str]] = []
        for i in range(n):
            feats = words[i][0] + ["g=" + gaz_tags[i]]
            for offset in (-2, -1, 1, 2):
                j = i + offset
                if 0 <= j < n:
                    feats += words[j][1][offset]
                    feats.append(f"{offset}g={gaz_tags[j]}")
                else:
                    feats.append(f"{offset}w=<edge>")
            if i > 0:
                feats.append(f"bi={keys[i - 1]}|{keys[i]}")
            if i + 1 < n:
                feats.append(f"bi+={keys[i]}|{keys[i + 1]}")
            if i == 0:
                feats.append("BOS")
            out.append(feats)
        return out


def token_features(
    keys: Sequence[str],
    shapes: Sequence[str],
    gaz_tags: Sequence[str],
    titles: frozenset[str],
    classes: dict[str, tuple[str, ...]] | None = None,
    heads: dict[str, str] | None = None,
) -> list[list[str]]:
    """One-off form of ``FeatureExtractor`` (no memo kept between calls)."""
    return FeatureExtractor(titles, classes, heads)(keys, shapes, gaz_tags)


def gazetteer_tags(gazetteer: Gazetteer, keys: Sequence[str]) -> list[str]:
    """Per-token gazetteer tag (B-LOC, I-PER, ..., or O) for features."""
    tags = ["O"] * len(keys)
    for first, end, _prefix, typ, _display in gazetteer.find(keys):
        tags[first] = "B-" + typ
        for j in range(first + 1, end):
            tags[j] = "I-" + typ
    return tags
