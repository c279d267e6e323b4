"""Tokens and CRF features for Arabic named-entity recognition, shared by training and run time.

    python -c "from akhbar.transforms.text.ner_features import tokenize; print(tokenize('وقال الرئيس الأميركي جو بايدن'))"

Why this module exists: the model is trained by ``train/ner.py`` and applied by
``akhbar.transforms.text.entities``; both must see exactly the same tokens and features, or the model
silently degrades. So the tokenizer and the feature function live here, once.

Tokenisation decision: NewsFANE splits clitics (``و قال``, ``ان ه``) with a tool we do not
have. Rather than re-implement a segmenter (whose errors would compound at run time), training
re-joins the clitics the way raw text writes them (``وقال``, ``انه``) and the model sees
whitespace/punctuation tokens, as the pipeline does. Clitic knowledge moves into the features
(stripped forms, proclitic letters) and into one extra label bit: ``pB-X`` means "entity X
starts after a one- or two-letter proclitic inside this token" (``وألمانيا``).

Run time does not hand these strings to crfsuite: ``CrfDecoder`` reads the model's weights
(``CrfModel``) and turns what ``FeatureExtractor`` gives each distinct word into weight rows
once, so tagging an article is table look-ups plus a numpy Viterbi, with crfsuite's labels.
"""

from __future__ import annotations

import functools
import itertools
import re
import struct
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from akhbar.transforms.text.arabic import normalize_match

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
    key: str  # match-key form (akhbar.transforms.text.arabic.normalize_match)


# Every per-word memo here (keys, proclitic forms, gazetteer and feature lookups, the decoder's
# weight tables) holds at most this many words. Measured on ANT pages: the memos together cost
# about 1.1 KB per distinct word and a run meets ~45k distinct words in 1,000 articles, ~70k in
# 3,000 and ~180k (extrapolated, Heaps' law) in 30,000; capped here they stop growing with the
# run, and the words past the cap are the rare ones, so the hit rate barely moves.
WORD_MEMO_LIMIT = 100_000

_KEY_MEMO: dict[str, str] = {}
_KEY_MEMO_LIMIT = WORD_MEMO_LIMIT


def token_key(surface: str) -> str:
    """Match key of one token (memoised: news vocabulary is Zipfian)."""
    key = _KEY_MEMO.get(surface)
    if key is None:
        key = normalize_match(surface) or surface
        if len(_KEY_MEMO) < _KEY_MEMO_LIMIT:  # bounded: a hostile 1 MB body cannot grow it forever
            _KEY_MEMO[surface] = key
    return key


def tokenize(text: str) -> list[Token]:
    """Word and punctuation tokens with character offsets into ``text``."""
    return [Token(m.group(), m.start(), m.end(), token_key(m.group())) for m in _TOKEN.finditer(text)]


_TOKEN_SPLIT = re.compile(f"({_TOKEN.pattern})")


def token_spans(text: str) -> tuple[list[str], list[int], list[int]]:
    """``tokenize`` as parallel lists (surfaces, starts, ends), without building Token objects:
    the run-time path, where a frozen dataclass per token costs more than the rest of tokenising."""
    # split() with a capturing group alternates gap, token, gap, ..., gap; running sums of
    # the part lengths are the offsets, all computed in C.
    parts = _TOKEN_SPLIT.split(text)
    offsets = list(itertools.accumulate(map(len, parts)))
    return parts[1::2], offsets[0::2][: len(parts) // 2], offsets[1::2]


def token_keys(surfaces: Sequence[str]) -> list[str]:
    """``token_key`` of every surface (the memo answers almost all of them)."""
    keys = list(map(_KEY_MEMO.get, surfaces))
    if None in keys:
        keys = [
            key if key is not None else token_key(surface)
            for key, surface in zip(keys, surfaces, strict=True)
        ]
    return keys


@functools.lru_cache(maxsize=WORD_MEMO_LIMIT)
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

    ``entries`` maps a tuple of match-key words to (type, display form). ``band``, when given,
    is a word's frequency band (log2 count in unlabelled news): a name is not read behind a
    proclitic when the whole word is far more common than the name form («بحوث» "research" is
    no ب + «حوث», «لغات» "languages" no ل + «غات»), the margin being ``whole_word_margin``.
    """

    _MEMO_LIMIT = WORD_MEMO_LIMIT

    def __init__(
        self,
        entries: dict[tuple[str, ...], tuple[str, str]],
        band: Callable[[str], int] | None = None,
        whole_word_margin: int = 3,
    ):
        self.entries = entries
        self.band = band
        self.whole_word_margin = whole_word_margin
        self.by_first: dict[str, int] = {}
        for words in entries:
            self.by_first[words[0]] = max(self.by_first.get(words[0], 0), len(words))
        # word -> the ways a name can start at it, (proclitic letters, first name word, longest
        # name length); empty for almost every word, which is what makes ``find`` cheap.
        self._starts: dict[str, tuple[tuple[int, str, int], ...]] = {}

    def _starts_at(self, key: str) -> tuple[tuple[int, str, int], ...]:
        by_first = self.by_first
        starts = tuple(
            (prefix_len, first, by_first[first])
            for prefix_len, first in self._first_forms(key)
            if first in by_first
        )
        if len(self._starts) < self._MEMO_LIMIT:
            self._starts[key] = starts
        return starts

    def find(self, keys: Sequence[str]) -> list[tuple[int, int, int, str, str]]:
        """Matches as (first token, end token, proclitic chars in first token, type, display)."""
        found: list[tuple[int, int, int, str, str]] = []
        n = len(keys)
        starts_of = list(map(self._starts.get, keys))
        if None in starts_of:
            starts_of = [self._starts_at(key) if starts is None else starts for key, starts in zip(keys, starts_of, strict=True)]  # fmt: skip
        entries = self.entries
        i = 0
        for candidate in [index for index, starts in enumerate(starts_of) if starts]:
            if candidate < i:
                continue
            i = candidate
            match = None
            for prefix_len, first, longest in starts_of[i]:
                for length in range(min(longest, n - i), 0, -1):
                    words = (first, *keys[i + 1 : i + length])
                    hit = entries.get(words)
                    if hit:
                        if match is None or length > match[1] - match[0]:
                            match = (i, i + length, prefix_len, hit[0], hit[1])
                        break
            if match:
                found.append(match)
                i = match[1]
        return found

    def whole_word_wins(self, key: str, form: str) -> bool:
        """The word ``key`` is read whole, not as proclitics + ``form``: it is at least
        2**``whole_word_margin`` times as frequent (False without counts)."""
        return self.band is not None and self.band(key) >= self.band(form) + self.whole_word_margin

    def _first_forms(self, key: str) -> Iterable[tuple[int, str]]:
        yield 0, key
        yield from ((n, form) for n, form in strip_proclitics(key) if not self.whole_word_wins(key, form))


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
    news vocabulary is Zipfian, so most tokens of a corpus hit the memo (training; at run time
    ``CrfDecoder`` memoises weights per word instead, through ``word_attributes``).
    """

    _MEMO_LIMIT = WORD_MEMO_LIMIT

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
        entry = self.word_attributes(k, shape)
        if len(self._memo) < self._MEMO_LIMIT:
            self._memo[(k, shape)] = entry
        return entry

    def word_attributes(self, k: str, shape: str) -> tuple[list[str], dict[int, list[str]]]:
        """A word's own attributes, and what it gives a neighbour at each offset (not memoised:
        ``CrfDecoder`` keeps weights per word instead of these strings)."""
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
            # The class of the word behind the proclitic, even when the whole word has one of its
            # own: «لنجيب», «ومعالي» keep the first-name class of «نجيب», «معالي».
            behind = next((classes[form] for _consumed, form in stripped if form in classes), None)
            if behind is not None:
                base.append("pk2=" + behind[1])
        if k in titles or core in titles:
            base.append("title")
        # What this word contributes to its neighbours' feature lists, per offset from them.
        as_neighbour: dict[int, list[str]] = {}
        for offset in (-2, -1, 1, 2):
            feats = [f"{offset}w={k}", f"{offset}k1={cls[0]}"]
            if offset in (-1, 1):
                # Frequency band and definiteness of the next/previous word: a rare indefinite
                # word beside a name is often the name's other half (first name, surname).
                feats += [
                    f"{offset}k2={cls[1]}",
                    f"{offset}sh={shape}",
                    f"{offset}s2={k[-2:]}",
                    f"{offset}fq={cls[-1]}",
                    f"{offset}c={core_noal}",
                ]
                if core.startswith("ال"):
                    feats.append(f"{offset}al")
            if k in titles or core in titles:
                feats.append(f"{offset}title")
            if offset < 0 and head:  # «لوزارة», «والحزب» open a name too
                feats.append(f"{offset}head={head}")
            as_neighbour[offset] = feats
        return base, as_neighbour

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


# -- run-time CRF decoding -------------------------------------------------------------------
#
# pycrfsuite.Tagger.tag spends most of its time turning ~45 attribute strings per token into
# ids; here everything that depends on one word alone (its own attributes and what it gives
# its neighbours) is turned into weights once per distinct word, so a token costs a few table
# look-ups and the Viterbi runs vectorised over all windows of a text at once. The labels are
# the ones crfsuite would give: same float64 weights and the same attributes. The additions are
# grouped differently (a word's own attributes, then per neighbour the sum of what it gives),
# so a state score can differ from crfsuite's in the last bits (~1e-15 relative); only an exact
# tie between two paths could turn on that, and none occurs in the tests' texts or in 300 ANT
# articles (205k tokens, checked against the attribute-by-attribute sums).


class CrfModel:
    """Labels, attribute ids and float64 weights of a crfsuite CRF1d model file.

    Read from the binary layout (crfsuite's crf1dm.c: a 48-byte header, a FEAT chunk of
    (type, source, destination, weight) records, CQDB string tables for labels and attributes)
    rather than through ``Tagger.info()``, whose text dump rounds weights to six decimals:
    rounded weights could flip near-ties and make run time disagree with crfsuite.
    """

    def __init__(
        self,
        labels: Sequence[str],
        attribute_ids: dict[str, int],
        state_weights: np.ndarray,
        transitions: np.ndarray,
    ):
        self.labels = tuple(labels)
        self.attribute_ids = attribute_ids
        # One row per attribute plus a final all-zero row that unknown attributes point at
        # (adding 0.0 leaves a float64 sum bit-for-bit unchanged).
        self.state_weights = state_weights
        self.unknown = len(state_weights) - 1
        self.transitions = transitions  # [from label, to label]

    @classmethod
    def load(cls, path: str | Path) -> CrfModel:
        data = Path(path).read_bytes()
        (magic, _size, kind, _version, _n_features, n_labels, n_attrs, off_features, off_labels,
         off_attrs, _off_label_refs, _off_attr_refs) = struct.unpack_from("<4sI4sI8I", data, 0)  # fmt: skip
        if magic != b"lCRF" or kind != b"FOMC":
            raise ValueError(f"{path}: not a crfsuite CRF1d model")
        chunk, _chunk_size, n_features = struct.unpack_from("<4sII", data, off_features)
        if chunk != b"FEAT":
            raise ValueError(f"{path}: no feature chunk at offset {off_features}")
        features = np.frombuffer(
            data,
            dtype=np.dtype([("type", "<u4"), ("src", "<u4"), ("dst", "<u4"), ("weight", "<f8")]),
            count=n_features,
            offset=off_features + 12,
        )
        labels = _cqdb_strings(data, off_labels, n_labels)
        attributes = _cqdb_strings(data, off_attrs, n_attrs)
        state = features[features["type"] == 0]
        state_weights = np.zeros((n_attrs + 1, n_labels), dtype=np.float64)
        state_weights[state["src"], state["dst"]] = state["weight"]
        moves = features[features["type"] == 1]
        transitions = np.zeros((n_labels, n_labels), dtype=np.float64)
        transitions[moves["src"], moves["dst"]] = moves["weight"]
        return cls(labels, {name: index for index, name in enumerate(attributes)}, state_weights, transitions)


def _cqdb_strings(data: bytes, offset: int, count: int) -> list[str]:
    """Strings of a CQDB chunk by id, through its backward array (id -> record offset); a
    record is (int32 id, uint32 size, bytes with a trailing NUL)."""
    magic, _size, _flag, _byteorder, backward_size, backward_offset = struct.unpack_from(
        "<4sIIIII", data, offset
    )
    if magic != b"CQDB" or backward_size < count:
        raise ValueError(f"no string table at offset {offset}")
    strings = []
    for index, record in enumerate(np.frombuffer(data, "<u4", count, offset + backward_offset).tolist()):
        record_id, size = struct.unpack_from("<iI", data, offset + record)
        if record_id != index:
            raise ValueError(f"string table at offset {offset}: record {record_id} where {index} expected")
        start = offset + record + 8
        strings.append(data[start : start + size - 1].decode("utf-8"))
    return strings


_NEIGHBOUR_OFFSETS = (-2, -1, 1, 2)


class CrfDecoder:
    """``pycrfsuite.Tagger.tag(FeatureExtractor(...))`` for many windows of one text at once.

    Thread-safe: the per-word tables grow under a lock; decoding itself keeps no state.
    """

    _MEMO_LIMIT = WORD_MEMO_LIMIT

    def __init__(self, model: CrfModel, extract: FeatureExtractor):
        self.model = model
        self.extract = extract
        self._lock = threading.Lock()
        ids = model.attribute_ids
        self._edge = model.state_weights[[ids.get(f"{offset}w=<edge>", model.unknown) for offset in _NEIGHBOUR_OFFSETS]]
        self._bos = ids.get("BOS", model.unknown)
        # "bi=a|b" / "bi+=a|b" by a, then b; every "|" is tried as the separator because a
        # punctuation token may itself be "|".
        self._bigrams: dict[str, dict[str, list[int]]] = {}
        for name, index in ids.items():
            for slot, prefix in enumerate(("bi=", "bi+=")):
                if name.startswith(prefix):
                    pair = name[len(prefix) :]
                    for cut in (i for i, char in enumerate(pair) if char == "|"):
                        by_second = self._bigrams.setdefault(pair[:cut], {})
                        by_second.setdefault(pair[cut + 1 :], [model.unknown, model.unknown])[slot] = index
        self._gaz_code: dict[str, int] = {}
        labels = len(model.labels)
        self._gaz_own = np.zeros((0, labels))  # code -> weights of "g=TAG"
        self._gaz_near = np.zeros((0, len(_NEIGHBOUR_OFFSETS), labels))  # code, offset -> "{offset}g=TAG"
        self._generation = -1  # bumped by every reset of the per-word tables
        self._reset_words()

    def _reset_words(self) -> None:
        self._generation += 1
        self._row_of: dict[str, int] = {}  # token surface -> row of the tables below
        capacity = 4096
        labels = len(self.model.labels)
        self._own = np.zeros((capacity, labels))  # a word's own attributes, summed in order
        # What a word gives the token at -offset from it, its attributes summed in order: one
        # gather per neighbour at tagging time instead of one per attribute.
        # Offsets in _NEIGHBOUR_OFFSETS order on the middle axis.
        self._near = np.zeros((capacity, len(_NEIGHBOUR_OFFSETS), labels))

    def _rows(self, surfaces: Sequence[str]) -> list[int]:
        """Table rows of the tokens, adding the words not seen yet (called with the lock held)."""
        rows = list(map(self._row_of.get, surfaces))
        if None not in rows:
            return rows
        new = list(dict.fromkeys(surface for surface, row in zip(surfaces, rows, strict=True) if row is None))
        if len(self._row_of) + len(new) > self._MEMO_LIMIT:
            self._reset_words()  # bounded memory: the next texts rebuild what they use
            new = list(dict.fromkeys(surfaces))
        self._add_words(new)
        row_of = self._row_of
        return [row_of[surface] for surface in surfaces]

    def _add_words(self, surfaces: Sequence[str]) -> None:
        """Rows for words not seen yet (called with the lock held)."""
        first = len(self._row_of)
        last = first + len(surfaces)
        while last > len(self._own):
            self._own = np.concatenate([self._own, np.zeros_like(self._own)])
            self._near = np.concatenate([self._near, np.zeros_like(self._near)])
        ids, weights, unknown = self.model.attribute_ids, self.model.state_weights, self.model.unknown
        own_ids: list[list[int]] = []
        near_ids: dict[int, list[list[int]]] = {offset: [] for offset in _NEIGHBOUR_OFFSETS}
        for surface in surfaces:
            own, as_neighbour = self.extract.word_attributes(token_key(surface), word_shape(surface))
            own_ids.append([ids.get(attribute, unknown) for attribute in own])
            for offset, attributes in as_neighbour.items():
                near_ids[offset].append([ids.get(attribute, unknown) for attribute in attributes])
        # cumsum adds left to right, as crfsuite does attribute by attribute (padding adds 0.0).
        self._own[first:last] = _summed(weights, own_ids, unknown)
        for column, offset in enumerate(_NEIGHBOUR_OFFSETS):
            self._near[first:last, column] = _summed(weights, near_ids[offset], unknown)
        self._row_of.update(zip(surfaces, range(first, last), strict=True))

    def _gaz_codes(self, gaz_tags: Sequence[str]) -> list[int]:
        codes = list(map(self._gaz_code.get, gaz_tags))
        if None not in codes:
            return codes
        with self._lock:
            ids, unknown, weights = self.model.attribute_ids, self.model.unknown, self.model.state_weights
            for tag in gaz_tags:
                if tag not in self._gaz_code:
                    # Replaced, never grown in place: a tagging thread may hold the old arrays.
                    self._gaz_own = np.vstack([self._gaz_own, weights[ids.get("g=" + tag, unknown)]])
                    given = weights[[ids.get(f"{offset}g={tag}", unknown) for offset in _NEIGHBOUR_OFFSETS]]
                    self._gaz_near = np.concatenate([self._gaz_near, given[None]])
                    self._gaz_code[tag] = len(self._gaz_code)
        return [self._gaz_code[tag] for tag in gaz_tags]

    def tag(
        self,
        surfaces: Sequence[str],
        keys: Sequence[str],
        gaz_tags: Sequence[str],
        windows: Sequence[tuple[int, int]],
    ) -> list[str]:
        """Labels of all tokens; ``windows`` are (first, end) token ranges that partition the
        text, each tagged as its own sequence (what ``tagger.tag`` gets once per window)."""
        n = len(surfaces)
        if not n:
            return []
        model = self.model
        weights = model.state_weights
        lengths = np.array([hi - lo for lo, hi in windows], dtype=np.intp)
        window = np.repeat(np.arange(len(windows)), lengths)
        position = np.arange(n) - np.repeat(np.array([lo for lo, _ in windows], dtype=np.intp), lengths)
        after = np.repeat(lengths, lengths) - position - 1  # tokens left in the window after this one

        gaz = np.array(self._gaz_codes(gaz_tags), dtype=np.intp)
        gaz_own, gaz_near = self._gaz_own, self._gaz_near
        with self._lock:
            index = np.array(self._rows(surfaces), dtype=np.intp)
            # The rows of these words never change in these arrays (growing or resetting the
            # tables makes new ones), so they can be read after the lock is released.
            own, near = self._own, self._near
        scores = own[index]
        scores += gaz_own[gaz]
        # given[j, k]: what token j gives the token at -offset k from it, plus its gazetteer tag
        given = near[index]
        given += gaz_near[gaz]
        from_neighbour = np.empty_like(scores)
        for column, offset in enumerate(_NEIGHBOUR_OFFSETS):
            # token i takes given[i + offset]; outside the window the single "<edge>" attribute
            if offset < 0:
                from_neighbour[-offset:] = given[: n + offset, column]
                from_neighbour[position < -offset] = self._edge[column]
            else:
                from_neighbour[: n - offset] = given[offset:, column]
                from_neighbour[after < offset] = self._edge[column]
            scores += from_neighbour
        # Bigrams are rare: add the weights where one is known (adding the zero row elsewhere
        # would change nothing), first every "bi=", then every "bi+=", as crfsuite's order has it.
        seconds = list(map(self._bigrams.get, keys))  # by second word, for pairs led by each key
        at_start = (position == 0).tolist()
        pairs = []
        for i in [i for i, by_second in enumerate(seconds) if by_second is not None]:
            if i + 1 < n and not at_start[i + 1]:
                found = seconds[i].get(keys[i + 1])
                if found is not None:
                    pairs.append((i, *found))
        if pairs:
            firsts = np.array([i for i, _, _ in pairs], dtype=np.intp)
            scores[firsts + 1] += weights[[bigram for _, bigram, _ in pairs]]
            scores[firsts] += weights[[bigram_next for _, _, bigram_next in pairs]]
        scores[position == 0] += weights[self._bos]
        labels = _viterbi(scores, model.transitions, window, position, lengths)
        names = model.labels
        return [names[label] for label in labels.tolist()]


def _summed(weights: np.ndarray, lists: Sequence[list[int]], fill: int) -> np.ndarray:
    """Per list, the sum of its attributes' weight rows, added left to right."""
    return weights[_padded(lists, fill)].cumsum(axis=1)[:, -1]


def _padded(lists: Sequence[list[int]], fill: int) -> np.ndarray:
    width = max(map(len, lists))
    return np.array([ids + [fill] * (width - len(ids)) for ids in lists], dtype=np.intp)


def _lanes(lengths: Sequence[int]) -> tuple[list[int], list[int], int]:
    """Windows packed end to end into as few lanes as hold them, each lane no longer than the
    longest window (first fit, longest first): (lane of each window, its first step in the
    lane, number of lanes). A text's windows are sentences of very different lengths; run
    side by side, most of the work would be padding after the short ones."""
    capacity = max(lengths)
    lane_of, start_of = [0] * len(lengths), [0] * len(lengths)
    used: list[int] = []
    for index in sorted(range(len(lengths)), key=lambda i: -lengths[i]):
        length = lengths[index]
        lane = next((lane for lane, filled in enumerate(used) if filled + length <= capacity), len(used))
        if lane == len(used):
            used.append(0)
        lane_of[index], start_of[index] = lane, used[lane]
        used[lane] += length
    return lane_of, start_of, len(used)


def _viterbi(
    scores: np.ndarray, transitions: np.ndarray, window: np.ndarray, position: np.ndarray, lengths: np.ndarray
) -> np.ndarray:
    """Best label path of every window, as crfsuite's crf1d_viterbi computes it: the same
    additions in the same order, and ties go to the lowest label id (np.argmax's first max
    is crfsuite's strict ``<``). Windows are packed into lanes (``_lanes``) and all lanes
    advance together, one position per step; where a window starts inside a lane the path
    score restarts from its first token's state scores, as crfsuite starts each sequence."""
    n_labels, longest = transitions.shape[0], int(lengths.max())
    lane_list, first_list, n_lanes = _lanes(lengths.tolist())
    lane_of, first_of = np.array(lane_list, dtype=np.intp), np.array(first_list, dtype=np.intp)
    lane, step = lane_of[window], first_of[window] + position
    state = np.zeros((longest, n_lanes, n_labels))
    state[step, lane] = scores
    state = state.reshape(longest, n_lanes * n_labels)
    # history[t, l*L + j]: best score of lane l's paths (its current window) that end in label j at step t
    history = np.empty((longest, n_lanes * n_labels))
    history[0] = state[0]
    # candidates[i, l*L + j] = history[t-1, l*L + i] + transitions[i, j]; the max over i
    # reduces the outer axis, which numpy does as whole-row maximums.
    spread = np.repeat(
        (np.arange(n_lanes)[None, :, None] * n_labels + np.arange(n_labels)[:, None, None]),
        n_labels,
        axis=2,
    ).reshape(n_labels, n_lanes * n_labels)
    moves = np.tile(transitions, (1, n_lanes))
    candidates = np.empty((n_labels, n_lanes * n_labels))
    restarts: dict[int, list[int]] = {}  # step -> columns of the lanes where a window starts
    for lane_index, first in zip(lane_list, first_list, strict=True):
        if first:
            restarts.setdefault(first, []).extend(range(lane_index * n_labels, (lane_index + 1) * n_labels))
    for t in range(1, longest):
        np.take(history[t - 1], spread, out=candidates)
        candidates += moves
        np.maximum.reduce(candidates, axis=0, out=history[t])
        columns = restarts.get(t)
        if columns:
            history[t, columns] = 0.0  # 0.0 + state is the state, bit for bit
        history[t] += state[t]
    # Back-pointers are recomputed for the labels on the path only, from the same sums:
    # cheaper than keeping an argmax for every label at every step.
    by_lane = history.reshape(longest, n_lanes, n_labels)
    last = first_of + lengths - 1
    final = by_lane[last, lane_of].argmax(axis=1)
    ending_at: dict[int, list[int]] = {}  # step -> windows whose last token is there
    for index, end in enumerate(last.tolist()):
        ending_at.setdefault(end, []).append(index)
    path = np.zeros((longest, n_lanes), dtype=np.intp)
    into = transitions.T
    current = np.zeros(n_lanes, dtype=np.intp)
    for t in range(longest - 1, 0, -1):
        ending = ending_at.get(t)
        if ending:  # a window's path starts at its last token
            current[lane_of[ending]] = final[ending]
        current = (by_lane[t - 1] + into[current]).argmax(axis=1)
        path[t - 1] = current
    path[last, lane_of] = final
    return path[step, lane]
