"""Named entities in Arabic news text: PER/ORG/LOC/MISC mentions with offsets and a canonical name.

    python -c "from akhbar.transforms.text.entities import EntityRecognizer as R; print(R.default().recognize('قال وزير الدفاع التركي خلوصي أكار إن أنقرة تسلمت منظومة إس-400.'))"

Three sources, in order of trust:
1. a CRF sequence model (``configs/models/ner.crfsuite``, trained by ``train/ner.py`` on
   NewsFANE) over whitespace/punctuation tokens, with gazetteer and title words as features;
2. title/role patterns: a person's name right after «الرئيس الأميركي», «وزير الدفاع التركي»
   ... when the model found nothing there;
3. the gazetteer (``configs/gazetteer.yaml``) and alias table (``configs/entity_aliases.yaml``)
   for names the model missed.

After the model, the ``STEPS`` run in order (``recognize(steps=...)`` picks them, ``traced``
says which one produced each mention; ``bench/ner_errors.py`` scores each on the tune split):
``override`` (a listed multi-word name replaces model pieces of it), ``titles``, ``fill``
(listed names the model left untagged), ``descriptors`` (a head such as «مدينة» or «شركة»
that only says what kind of place or body follows is left outside the name) and ``repeats``
(a name tagged once is tagged where it recurs). A name after «لل» (ل + ال with the alef not
written) keeps both lams in its span and takes its canonical from the ال form.

``display`` is what an analyst reads: a name the alias table or gazetteer knows shows its
curated form there (first form of its YAML entry, with hamza and ta marbuta); any other name
shows its most frequent spelling among the article's mentions with the same ``canonical``
(harakat and tatweel dropped; on a tie the spelling with more hamza/ta marbuta letters, then the
first written). Stories and the run report count ``display`` over their rows the same way
(``most_frequent_display``), so a spelling one outlet drops its hamza from does not win.

``canonical`` joins spelling variants: ``canonical_key`` folds a name to a match key
(normalize_match plus transliteration folds: تش/چ→ج, گ→ك, doubled vowels, a medial ي of long
words without ال, final ش→س, Latin letters to their Arabic names); the alias table and gazetteer map keys
to a preferred display form. A name that neither knows gets its key as ``canonical``: readable
Arabic without hamza or diacritics, and the same for every variant the folds join.

Speed (bench/ner.py, bench/ner_decoder_speed.py): about 3.5-4.5 ms of CPU per 600-word
article once the per-word memos are warm. The model is applied by ``akhbar.transforms.text.ner_features.CrfDecoder``, which gives exactly the
labels of ``pycrfsuite.Tagger.tag`` on ``FeatureExtractor``'s features (tests check this) from
weights cached per distinct word, with one vectorised Viterbi over all sentence windows of a
text. One recogniser is safe to share between the threads of a worker.

Processing is capped at ``MAX_CHARS`` characters of input (a news body is far shorter), so a
pathological 1 MB body costs bounded time; mentions past the cap are not reported.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from akhbar import configs
from akhbar.transforms.text.arabic import normalize_display, normalize_match
from akhbar.transforms.text.ner_features import (
    PROCLITIC_LETTERS,
    CrfDecoder,
    CrfModel,
    FeatureExtractor,
    Gazetteer,
    Token,
    gazetteer_tags,
    load_word_classes,
    strip_proclitics,
    surface_offset,
    token_keys,
    token_spans,
    tokenize,
    word_shape,
)

MODEL_NAME = "models/ner.crfsuite"
CLUSTERS_NAME = "models/ner_clusters.tsv"
MAX_CHARS = 100_000
MAX_WINDOW_TOKENS = 120
# Words seen more than 2**12 times in the unlabelled news behind the word classes are common
# vocabulary, not the first or last name of someone introduced by a title.
NAME_MAX_FREQUENCY_BAND = 11
PROCLITIC_WORD_MIN_BAND = 8
GAZETTEER_MAX_FREQUENCY_BAND = 12
# A pB token keeps its first letter when the whole word is at least 2**3 times as frequent as
# the word without it.
PB_WHOLE_WORD_MARGIN = 3
# With the shipped classes: 6 of the 64 (56, 20 and 16 hold 3-5 % person-name words, the next
# three 0.6-0.8 %; every other class under 0.5 %).
NAME_CLASS_MIN_SHARE = 0.005
TYPES = ("PER", "ORG", "LOC", "MISC")
# Steps after the model, in the order they run: multi-word gazetteer names replacing model
# pieces of them, names after titles, gazetteer names the model left untagged, descriptor
# heads («مدينة غزة», «شركة أرامكو») left outside the name, recurrences of names tagged once.
STEPS = ("override", "titles", "fill", "descriptors", "repeats")
# (first token, end token, proclitic letters in the first token, type, step that found it)
Span = tuple[int, int, int, str, str]

# Latin letters as Arabic outlets spell them out in designations (إس-400, إف-35, إم إتش 17).
LATIN_LETTER_NAMES = {
    "a": "إيه", "b": "بي", "c": "سي", "d": "دي", "e": "إي", "f": "إف", "g": "جي", "h": "إتش",
    "i": "آي", "j": "جاي", "k": "كيه", "l": "إل", "m": "إم", "n": "إن", "o": "أو", "p": "بي",
    "q": "كيو", "r": "آر", "s": "إس", "t": "تي", "u": "يو", "v": "في", "w": "دبليو", "x": "إكس",
    "y": "واي", "z": "زد",
}  # fmt: skip
# Letters of Persian/Turkish-style spellings folded onto the Arabic letter most outlets use.
_LETTER_FOLD = str.maketrans({"چ": "ج", "گ": "ك", "ڤ": "ف", "پ": "ب", "ژ": "ز", "ڨ": "ق", "ء": None})
_LATIN_RUN = re.compile(r"[A-Za-z]+")
_NON_WORD = re.compile(r"[\W_]+")
_VOWELS = "اوي"
_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
_DOUBLED_VOWEL = re.compile(r"([اوي])\1+")
_SENTENCE_END = frozenset(".!?؟\n")
# Harakat, tatweel and invisible marks: not part of a spelling (hamza letters are whole code
# points after NFKC, so they stay).
_SPELLING_MARKS = re.compile(r"[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640\u200c-\u200f]")
# Letters a careful spelling writes and a folded or hurried one loses.
_CAREFUL_LETTERS = frozenset("أإآؤئءة")


def spelling(surface: str) -> str:
    """A mention's spelling as shown to people: its letters without harakat or tatweel."""
    return " ".join(_SPELLING_MARKS.sub("", unicodedata.normalize("NFKC", surface)).split())


def most_frequent_display(spellings: Iterable[str | None]) -> str | None:
    """The spelling written most often; ties go to the one with more hamza/ta marbuta letters,
    then to the first seen. Shared by articles, stories and the run report."""
    counts: dict[str, int] = {}
    for value in spellings:
        if value:
            counts[value] = counts.get(value, 0) + 1
    if not counts:
        return None
    order = {value: index for index, value in enumerate(counts)}
    return max(
        counts,
        key=lambda value: (counts[value], sum(c in _CAREFUL_LETTERS for c in value), -order[value]),
    )


def _spell_latin(match: re.Match[str]) -> str:
    run = match.group()
    text = match.string
    before = text[match.start() - 1] if match.start() else ""
    after = text[match.end()] if match.end() < len(text) else ""
    near_digit = before.isdigit() or after.isdigit() or after == "-" or before == "-"
    if (run.isupper() and len(run) <= 5) or (near_digit and len(run) <= 3):
        return " ".join(LATIN_LETTER_NAMES[c] for c in run.lower()) + " "
    return run.lower()


@functools.lru_cache(maxsize=1)
def _keep_vowels() -> frozenset[str]:
    return frozenset(
        normalize_match(w) for w in configs.load_yaml("entity_aliases.yaml").get("keep_vowels", [])
    )


def _fold_word(word: str, keep: frozenset[str]) -> str:
    if word.isdigit():
        return word
    if word.endswith("اوغلو") and len(word) > 5:  # «جاويشأوغلو» written solid
        return _fold_word(word[:-5], keep) + " اوغلو"
    word = _DOUBLED_VOWEL.sub(r"\1", word)
    core_start = 2 if word.startswith("ال") and len(word) > 4 else 0
    core = word[core_start:]
    if core.endswith("ش") and len(core) > 3:
        core = core[:-1] + "س"
    # A medial ي in a long (usually transliterated) word is an optional vowel letter:
    # يلدريم/يلدرم, جاويش/جاوش. Short native names keep it (سعيد ≠ سعد).
    # Definite nouns and ة-final words (الأميركية, وزارة) are Arabic, not transliterations.
    if len(core) >= 5 and core not in keep and not core_start and not core.endswith("ه"):
        chars = list(core)
        for index in range(len(chars) - 2, 0, -1):
            if chars[index] == "ي" and chars[index + 1] not in _VOWELS:
                del chars[index]
        core = "".join(chars)
    return _DOUBLED_VOWEL.sub(r"\1", word[:core_start] + core)


@functools.lru_cache(maxsize=100_000)
def canonical_key(name: str) -> str:
    """Match key shared by spelling variants of one name, including names never seen before.

    «إردوغان»/«أردوغان», «تشاووش أوغلو»/«جاووش أوغلو», «إس-400»/«أس 400»/«S-400»,
    «إف - 35»/«F-35» each give one key. Keys are readable Arabic (words kept apart by spaces).
    """
    if not name:
        return ""
    text = unicodedata.normalize("NFKC", name)
    text = _LATIN_RUN.sub(_spell_latin, text)
    text = normalize_match(text).replace("تش", "ج").translate(_LETTER_FOLD)
    text = _LETTER_DIGIT.sub(" ", text)  # «إس400» = «إس 400»
    keep = _keep_vowels()
    words = [_fold_word(w, keep) for w in _NON_WORD.sub(" ", text).split()]
    words = " ".join(words).split()
    # «إس 400», «إس-400», «إس400»: a short letter-name word and a number are one designation.
    out: list[str] = []
    for word in words:
        if out and (word.isdigit() and len(out[-1]) <= 3 and not out[-1].isdigit()):
            out[-1] = out[-1] + "-" + word
        else:
            out.append(word)
    return " ".join(out)


def _entries(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _entries(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _entries(item)


def _latin_gloss(surfaces: Sequence[str], first: int, end: int) -> bool:
    """A run of Latin words that glosses the Arabic before it: «الاقتران ( New moon )»,
    «جامعة استون ( Aston University )». It repeats a name already tagged in Arabic, or
    translates a common noun; lowercase Latin words are no name at all."""
    if not all(word_shape(surface) in ("LAT", "lat") for surface in surfaces[first:end]):
        return False
    if surfaces[first][:1].islower():
        return True
    return first > 0 and surfaces[first - 1] == "(" and end < len(surfaces) and surfaces[end] == ")"


def _name_classes(classes: dict[str, tuple[str, ...]], words: Iterable[str]) -> frozenset[tuple[int, str]]:
    """Word classes where the given name words gather, as (granularity, class): coarse classes
    of which at least ``NAME_CLASS_MIN_SHARE`` of the words are among them, and fine classes
    holding any of them. Derived from the shipped word classes and gazetteer, so it follows
    them when either is rebuilt."""
    known = [classes[word] for word in set(words) if word in classes]
    in_class = Counter(found[0] for found in known)
    size = Counter(value[0] for value in classes.values())
    coarse = {(0, c) for c, count in in_class.items() if count / size[c] >= NAME_CLASS_MIN_SHARE}
    return frozenset(coarse | {(1, found[1]) for found in known})


def _in_classes(classes: dict[str, tuple[str, ...]], key: str, wanted: frozenset[tuple[int, str]]) -> bool:
    """Whether ``key`` is too rare to have a word class, or falls in one of ``wanted``."""
    found = classes.get(key)
    return found is None or (0, found[0]) in wanted or (1, found[1]) in wanted


class EntityRecognizer:
    """CRF + title patterns + gazetteer. Build once (``default()``), call ``recognize`` per text."""

    def __init__(self, model_path: Path | str | None = None, use_model: bool = True):
        gazetteer_yaml = configs.load_yaml("gazetteer.yaml")
        aliases_yaml = configs.load_yaml("entity_aliases.yaml")
        self.titles = frozenset(normalize_match(t) for t in gazetteer_yaml.get("titles", []) if " " not in t)
        self.multiword_titles: dict[str, list[tuple[str, ...]]] = {}
        for title in gazetteer_yaml.get("titles", []):
            if " " in title:
                words = tuple(normalize_match(title).split())
                self.multiword_titles.setdefault(words[0], []).append(words)
        self._title_starts = self.titles | self.multiword_titles.keys()
        self.stop = frozenset(normalize_match(w) for w in gazetteer_yaml.get("stop", []))
        self.descriptor_heads = {
            typ: frozenset(normalize_match(word) for word in words)
            for typ, words in (gazetteer_yaml.get("descriptor_heads") or {}).items()
        }
        self.name_particles = frozenset(normalize_match(w) for w in gazetteer_yaml.get("name_particles", []))
        # key -> (type, display); match-form word tuples -> (type, display) for the gazetteer.
        self.display_by_key: dict[str, tuple[str, str]] = {}
        entries: dict[tuple[str, ...], tuple[str, str]] = {}

        def register(forms: Sequence[str], typ: str, display: str) -> None:
            for form in forms:
                words = tuple(t.key for t in tokenize(form))  # as the text will be tokenised
                # Latin variants (NATO, S-400) go through the key only: tokens split them.
                if words and not any(c.isascii() and c.isalpha() for c in form):
                    entries.setdefault(words, (typ, display))
                self.display_by_key.setdefault(canonical_key(form), (typ, display))

        for group in aliases_yaml.get("aliases", []):
            register([group["canonical"], *group.get("variants", [])], group["type"], group["canonical"])
        for typ in TYPES:
            for entry in _entries(gazetteer_yaml.get(typ, {})):
                forms = [f.strip() for f in entry.split("|") if f.strip()]
                register(forms, typ, forms[0])
        self.classes = load_word_classes(configs.path(CLUSTERS_NAME))
        self.gazetteer = Gazetteer(entries, self._band, PB_WHOLE_WORD_MARGIN)
        self.heads: dict[str, str] = {}
        for typ, words in (gazetteer_yaml.get("heads") or {}).items():
            for word in words:
                key = normalize_match(word)
                self.heads[key] = typ
                self.heads.setdefault("ال" + key, typ)
        self.extract = FeatureExtractor(self.titles, self.classes, self.heads)
        # Every word of a listed person name: first names gather in a few classes.
        self.name_classes = _name_classes(
            self.classes,
            (
                word
                for entry in _entries(gazetteer_yaml.get("PER", {}))
                for word in normalize_match(entry.replace("|", " ")).split()
            ),
        )
        # Decoding reproduces pycrfsuite's Tagger.tag from the model's weights (see
        # akhbar.transforms.text.ner_features.CrfDecoder) and is thread-safe: one recogniser serves all
        # threads of a worker.
        self.decoder: CrfDecoder | None = None
        if use_model and model_path is not None:
            self.decoder = CrfDecoder(CrfModel.load(model_path), self.extract)

    @classmethod
    @functools.cache
    def default(cls) -> EntityRecognizer:
        """The shipped model and gazetteer, loaded once per process (not picklable: call this
        in ``DoFn.setup()``, do not ship the object in a closure)."""
        return cls(model_path=configs.path(MODEL_NAME))

    # -- shared with train/ner.py ----------------------------------------------------------
    @staticmethod
    def tokens(text: str) -> list[Token]:
        return tokenize(text)

    def features(self, tokens: Sequence[Token]) -> list[list[str]]:
        keys = [t.key for t in tokens]
        return self.extract(keys, [word_shape(t.text) for t in tokens], gazetteer_tags(self.gazetteer, keys))

    # -- recognition -----------------------------------------------------------------------
    def recognize(
        self,
        text: str,
        use_patterns: bool = True,
        use_gazetteer: bool = True,
        steps: Iterable[str] | None = None,
    ) -> list[dict]:
        """Mentions as {"text", "start", "end", "type", "canonical", "display"}, in text order.

        ``text[start:end] == mention["text"]``; proclitics (و ب ل ف ك) are outside the span.
        ``steps`` (default: all of ``STEPS``) chooses the post-processing steps run after the
        model; ``use_patterns``/``use_gazetteer`` False drop the title / gazetteer steps.
        """
        mentions = self.traced(text, use_patterns, use_gazetteer, steps)
        for mention in mentions:
            del mention["step"]
        return mentions

    def traced(
        self,
        text: str,
        use_patterns: bool = True,
        use_gazetteer: bool = True,
        steps: Iterable[str] | None = None,
    ) -> list[dict]:
        """``recognize``, each mention with the ``step`` that produced it ("model" or one of
        ``STEPS``): for measuring what each step adds or costs."""
        chosen = set(STEPS if steps is None else steps)
        if not use_patterns:
            chosen.discard("titles")
        if not use_gazetteer:
            chosen -= {"override", "fill"}
        if not text or not text.strip():
            return []
        text_view = text[:MAX_CHARS]
        surfaces, starts, ends = token_spans(text_view)
        if not surfaces:
            return []
        keys = token_keys(surfaces)
        spans = self._spans(text_view, surfaces, starts, keys, chosen)
        spans.sort()
        mentions = [self._mention(text_view, surfaces, starts, ends, keys, *span) for span in spans]
        self._add_displays(mentions)
        return mentions

    def _spans(
        self,
        text: str,
        surfaces: Sequence[str],
        starts: Sequence[int],
        keys: Sequence[str],
        steps: set[str],
    ) -> list[Span]:
        windows = self._windows(text, surfaces, starts)
        found = [self.gazetteer.find(keys[lo:hi]) for lo, hi in windows]
        if self.decoder is not None:
            gaz_tags = ["O"] * len(keys)
            for (lo, _hi), gaz in zip(windows, found, strict=True):
                for first, end, _p, typ, _d in gaz:
                    gaz_tags[lo + first] = "B-" + typ
                    for j in range(lo + first + 1, lo + end):
                        gaz_tags[j] = "I-" + typ
            labels = self.decoder.tag(surfaces, keys, gaz_tags, windows)
        spans: list[Span] = []
        for (lo, hi), gaz in zip(windows, found, strict=True):
            window_keys = keys[lo:hi]
            model_spans = (
                [(*span, "model") for span in self._decode(window_keys, labels[lo:hi])]
                if self.decoder is not None
                else []
            )
            if "override" in steps:
                model_spans = self._override(model_spans, gaz)
                # «لفرانس برس» tagged from the ل: the list names the same tokens with a
                # proclitic in front, so the name starts after it.
                listed_prefix = {(first, end): prefix for first, end, prefix, _t, _d in gaz if prefix}
                model_spans = [
                    (first, end, listed_prefix.get((first, end), prefix), typ, step)
                    if not prefix
                    else (first, end, prefix, typ, step)
                    for first, end, prefix, typ, step in model_spans
                ]
            taken = [False] * (hi - lo)
            for first, end, prefix, typ, step in model_spans:
                spans.append((lo + first, lo + end, prefix, typ, step))
                for j in range(first, end):
                    taken[j] = True
            if "titles" in steps:
                for first, end in self._title_names(window_keys, taken):
                    spans.append((lo + first, lo + end, 0, "PER", "titles"))
                    for j in range(first, end):
                        taken[j] = True
            if "fill" in steps:
                for first, end, prefix, typ, _display in gaz:
                    if not any(taken[first:end]) and (
                        end - first > 1 or self._rare_enough(window_keys[first])
                    ):
                        spans.append((lo + first, lo + end, prefix, typ, "fill"))
        spans = [span for span in spans if not _latin_gloss(surfaces, span[0], span[1])]
        if "descriptors" in steps:
            spans = [self._without_descriptor(keys, span) for span in spans]
            spans = [part for span in spans for part in self._person_parts(keys, span)]
        if "repeats" in steps:
            spans.extend(self._repeat_mentions(keys, spans))
        return [
            (first, end, self._lam_cut(keys[first], prefix)[0], typ, step)
            for first, end, prefix, typ, step in spans
        ]

    @staticmethod
    def _override(model_spans: list[Span], gaz: Sequence[tuple[int, int, int, str, str]]) -> list[Span]:
        """A curated name of several tokens («أس 400») beats model spans of another type wholly
        inside it («إس» as LOC): the model saw a piece, the list the whole name. Of the same
        type only when the model lost the name's head («حلف» of «حلف شمال الأطلسي») or broke
        the name into pieces («قطاع» + «غزة»); otherwise its boundary follows the annotation
        style."""
        for first, end, prefix, typ, _display in gaz:
            inside = [s for s in model_spans if first <= s[0] and s[1] <= end]
            crossing = [s for s in model_spans if s[0] < end and first < s[1] and s not in inside]
            lost_head = len(inside) == 1 and inside[0][0] > first and inside[0][1] == end
            if (
                end - first > 1
                and inside
                and not crossing
                and (lost_head or len(inside) > 1 or all(s[3] != typ for s in inside))
            ):
                model_spans = [s for s in model_spans if s not in inside]
                model_spans.append((first, end, prefix, typ, "override"))
        return model_spans

    def _add_displays(self, mentions: list[dict]) -> None:
        """``display`` of every mention: the curated form of a known name, else the article's
        most frequent spelling of its canonical name."""
        spellings: dict[str, list[str]] = {}
        for mention in mentions:
            spellings.setdefault(mention["canonical"], []).append(spelling(mention["name"]))
        chosen: dict[str, str | None] = {}
        for mention in mentions:
            canonical = mention["canonical"]
            if canonical not in chosen:
                known = self.display_by_key.get(canonical_key(mention["name"]))
                chosen[canonical] = known[1] if known else most_frequent_display(spellings[canonical])
            mention["display"] = chosen[canonical] or canonical
            del mention["name"]

    def _repeat_mentions(self, keys: Sequence[str], spans: Sequence[Span]) -> list[Span]:
        """One article names one thing one way: a name tagged once is tagged where it recurs
        untagged (a proclitic allowed on its first word).

        Guards, each a property of names in news text rather than of one name:
        - the type must be the model's reading: a form tagged PER in one place and ORG in
          another («أندرسون» the accountant, then the firm) is not spread, whichever came
          first, unless one type has at least three tags for each of the others (one stray
          tag among many does not veto the name);
        - a recurrence right after a name particle («عبد», «أبو», «بن») is the end of a longer
          name («عبد الله» is no mention of «الله»), nor is such an end taken for a surname;
        - one-word seeds from the title step are not spread (a title pattern's single word
          is its weakest guess, and an everyday word then spreads over the whole article).
        """
        votes: dict[tuple[str, ...], Counter[str]] = {}
        later: dict[tuple[str, ...], str] = {}
        taken = [False] * len(keys)
        particles = self.name_particles
        for first, end, prefix, typ, step in spans:
            for j in range(first, end):
                taken[j] = True
            head = self._lam_cut(keys[first], prefix)[1]
            words = (head, *keys[first + 1 : end])
            if len(words) > 1 or (
                len(head) >= 3 and head not in self.stop and head not in self.titles and step != "titles"
            ):
                votes.setdefault(words, Counter())[typ] += 1
            if typ == "PER" and len(words) > 1 and words[-2] not in particles:
                # «هريديش تريباثي» ... «وقال تريباثي»: a person named in full is named later by
                # the surname, when it is no everyday word.
                surname = words[-1]
                if len(surname) >= 3 and (self._name_like(surname) or self._rare_definite(surname)):
                    later.setdefault((surname,), typ)
        known = {}
        for words, types in votes.items():
            (typ, count), *rest = types.most_common()
            if not rest or count >= 3 * sum(c for _t, c in rest):
                known[words] = typ
        for words, typ in later.items():
            if words not in votes:
                known.setdefault(words, typ)
        if not known:
            return []
        longest = max(len(words) for words in known)
        firsts = {words[0] for words in known}
        # Only tokens whose word, bare or without a proclitic, can open a known name.
        openers = {
            key
            for key in set(keys)
            if key in firsts
            or (
                key[:1] in PROCLITIC_LETTERS  # cheap test first: most words have no known name inside
                and (
                    key[1:] in firsts
                    or key[2:] in firsts
                    or "ا" + key[1:] in firsts
                    or "ا" + key[2:] in firsts
                )
                and any(form in firsts for _consumed, form in strip_proclitics(key))
            )
        }
        added = []
        index = 0
        for candidate in [i for i, key in enumerate(keys) if key in openers]:
            if candidate < index:
                continue
            index = candidate
            hit = None
            if not taken[index]:
                for consumed, form in ((0, keys[index]), *strip_proclitics(keys[index])):
                    if form not in firsts:
                        continue
                    for length in range(min(longest, len(keys) - index), 0, -1):
                        words = (form, *keys[index + 1 : index + length])
                        if words in known and not any(taken[index : index + length]):
                            hit = (index, index + length, consumed, known[words], "repeats")
                            break
                    if hit:
                        break
            if hit and index and keys[index - 1] in particles:
                hit = None
            if hit:
                added.append(hit)
                index = hit[1]
            else:
                index += 1
        return added

    def _without_descriptor(self, keys: Sequence[str], span: Span) -> Span:
        """«مدينة غزة» -> «غزة», «شركة أرامكو» -> «أرامكو»: a head noun that says what kind of
        place or body follows is a description, not part of the name, when a name follows it
        (``descriptor_heads`` in the gazetteer). Heads that make the name («وزارة الصحة»,
        «جامعة القاهرة», «نهر النيل») are not listed there."""
        first, end, prefix, typ, step = span
        if end - first < 2 or not keys[first + 1][:1].isalpha():
            return span
        head = self._lam_cut(keys[first], prefix)[1]
        if head not in self.descriptor_heads.get(typ, ()):
            return span
        return (first + 1, end, 0, typ, step)

    @staticmethod
    def _is_nisba(key: str) -> bool:
        """«الروسي», «الباهامية»: a definite relative adjective (nationality, origin)."""
        return key.startswith("ال") and len(key) > 4 and key.endswith(("ي", "يه"))

    def _person_parts(self, keys: Sequence[str], span: Span) -> list[Span]:
        """A person's name holds neither a nationality in front nor a conjunction inside:
        «الباهامي كينوليس» is «كينوليس» described, and «كافلنيكوف واليوغسلافي سيمونجك» two
        people. On NewsFANE's training side no person span of 570 with two words or more starts
        with a definite nisba, and none holds «و» + a definite word."""
        first, end, prefix, typ, step = span
        if typ != "PER" or end - first < 2:
            return [span]
        if not prefix and self._is_nisba(keys[first]) and keys[first] not in self.stop:
            return self._person_parts(keys, (first + 1, end, 0, typ, step))
        for inner in range(first + 1, end):
            key = keys[inner]
            if key.startswith("وال") and len(key) > 4:
                parts = [(first, inner, prefix, typ, step)]
                if self._is_nisba(key[1:]):
                    if inner + 1 < end:
                        parts.append((inner + 1, end, 0, typ, step))
                else:
                    parts.append((inner, end, 1, typ, step))
                return [part for piece in parts for part in self._person_parts(keys, piece)]
        return [span]

    def _windows(self, text: str, surfaces: Sequence[str], starts: Sequence[int]) -> list[tuple[int, int]]:
        """Sentence-like windows of tokens: the model was trained on sentences.

        A window ends after a sentence-final token and before a token that starts a new line,
        and is cut every MAX_WINDOW_TOKENS tokens between those points."""
        n = len(surfaces)
        cuts = {index + 1 for index, surface in enumerate(surfaces) if surface in _SENTENCE_END}
        newline = text.find("\n")
        while newline != -1:
            cuts.add(bisect.bisect_right(starts, newline))  # newlines sit between tokens
            newline = text.find("\n", newline + 1)
        cuts.discard(0)
        cuts.add(n)
        windows = []
        lo = 0
        for cut in sorted(cut for cut in cuts if cut <= n):
            while cut - lo > MAX_WINDOW_TOKENS:
                windows.append((lo, lo + MAX_WINDOW_TOKENS))
                lo += MAX_WINDOW_TOKENS
            windows.append((lo, cut))
            lo = cut
        return windows

    def _decode(self, keys: Sequence[str], labels: Sequence[str]) -> list[tuple[int, int, int, str]]:
        spans = []
        index, n = 0, len(labels)
        for candidate in [i for i, label in enumerate(labels) if label != "O"]:
            if candidate < index:
                continue
            index = candidate
            label = labels[index]
            if label.startswith("I-"):
                continue  # an I- without B- is the model hedging: not reported
            typ = label.split("-", 1)[1]
            end = index + 1
            while end < n and labels[end] == "I-" + typ:
                end += 1
            if label.startswith("pB-"):
                prefix = self._proclitic_letters(keys[index])
            elif (
                keys[index] not in self.gazetteer.by_first
                and keys[index][:1] in "وفبل"
                and not keys[index].startswith("لل")
            ):
                # «ببيروت» tagged whole: a proclitic in front of a one-word known name is not
                # part of it. Not for ك (كابل is not ك + ابل) nor لل, whose alef is not written.
                prefix = next(
                    (n for n, form in strip_proclitics(keys[index]) if (form,) in self.gazetteer.entries), 0
                )
            else:
                prefix = 0
            spans.append((index, end, prefix, typ))
            index = end
        return spans

    def _proclitic_letters(self, key: str) -> int:
        """How many proclitic letters the model's ``pB`` token carries: the stripping that
        leaves a known name wins, else one letter (و or ب alone are the common case), unless
        the whole word is clearly the more frequent one in news text (``PB_WHOLE_WORD_MARGIN``):
        «باكو», «باولو» are names that begin with a proclitic letter («اكو», «اولو» are no
        words), while «وفرنسا» is rarer than «فرنسا». Between two rare words («ودلال», «دلال»)
        the counts say nothing and the model's reading stands."""
        options = strip_proclitics(key)
        listed_whole = key in self.gazetteer.by_first  # «بنها»: a listed name that begins with ب
        for consumed, form in reversed(options):
            if form in self.gazetteer.by_first:
                # both readings listed («وجدة»: Oujda, or و + Jeddah): the more frequent one
                return consumed if not listed_whole or self._band(form) > self._band(key) else 0
        if listed_whole:
            return 0
        if not options:
            return 0
        consumed, form = options[0]
        return 0 if self.gazetteer.whole_word_wins(key, form) else consumed

    def _title_names(self, keys: Sequence[str], taken: Sequence[bool]) -> list[tuple[int, int]]:
        """«وزير الدفاع التركي خلوصي أكار», «الرئيس الأميركي جو بايدن»: up to three name words
        right after a title and its definite descriptors, one of them a nisba adjective
        (التركي, الأميركي), when the model left them untagged.

        Kept strict on purpose: on NewsFANE the model already reads titles (they are
        features), and a looser rule added 19 wrong names for each right one. Name words must be
        uncommon in news text (frequency band from the word classes), which common nouns after
        a title («رئيس مجلس», «المفتي ارتكب») are not.
        """
        found = []
        n = len(keys)
        index = 0
        title_starts = self._title_starts
        for candidate in [i for i, key in enumerate(keys) if key in title_starts]:
            if candidate < index:
                continue
            index = candidate
            title_end = index + 1 if keys[index] in self.titles else 0
            if not title_end:
                for words in self.multiword_titles.get(keys[index], ()):
                    if tuple(keys[index : index + len(words)]) == words:
                        title_end = index + len(words)
                        break
            if not title_end:
                continue
            cursor = title_end
            nisba = False
            while (
                cursor < n
                and cursor - title_end < 3
                and keys[cursor].startswith("ال")
                and keys[cursor] not in self.stop
                # after a nisba, an ال word that is none is the name («الأذربيجاني إلهام»)
                and not (nisba and not keys[cursor].endswith("ي"))
            ):
                nisba = nisba or keys[cursor].endswith("ي")
                cursor += 1
            start = cursor
            while (
                nisba
                and cursor < n
                and cursor - start < 3
                and not taken[cursor]
                and self._name_like(keys[cursor])
            ):
                cursor += 1
            if cursor > start and not self._first_name_class(keys[start]):
                cursor = start  # «النجم القطري سروره»: a common word in a title's slot
            if cursor > start:
                found.append((start, cursor))
            index = max(cursor, index + 1)
        return found

    def _first_name_class(self, key: str) -> bool:
        """A word that can open a person's name: too rare to have a word class, or in a class
        where the gazetteer's person names gather («محمد», «جو», «أنتوني», «خلوصي»), not in the
        classes of verbs, adverbs and nouns that also follow a title («خارج», «منح»)."""
        return _in_classes(self.classes, key, self.name_classes)

    def _rare_definite(self, key: str) -> bool:
        """«الكاظمي», «الجرموزي»: a family name with the article, as rare as a name is."""
        return (
            key.startswith("ال")
            and key.isalpha()
            and key not in self.stop
            and key not in self.titles
            and int(self.classes.get(key, ("", "", "0"))[-1]) <= NAME_MAX_FREQUENCY_BAND
        )

    def _rare_enough(self, key: str) -> bool:
        """A one-word gazetteer name the model passed over is trusted only if it is not also
        everyday vocabulary (the model sees the gazetteer as a feature and had its say)."""
        forms = [key, *(form for _consumed, form in strip_proclitics(key))]
        return all(self._band(form) <= GAZETTEER_MAX_FREQUENCY_BAND for form in forms)

    def _name_like(self, key: str) -> bool:
        if (
            not key.isalpha()
            or len(key) < 2
            or key in self.stop
            or key in self.titles
            or key.startswith("ال")
        ):
            return False
        if int(self.classes.get(key, ("", "", "0"))[-1]) > NAME_MAX_FREQUENCY_BAND:
            return False
        if key.startswith("لل") and self._lam_cut(key, 0)[1] != key:
            return False  # «للمصارعة»: ل + a definite noun, no name word
        # «ومساعده», «لمركز»: a common word behind a proclitic is not a name either.
        return not any(
            int(self.classes.get(form, ("", "", "0"))[-1]) >= PROCLITIC_WORD_MIN_BAND
            for _consumed, form in strip_proclitics(key)
        )

    def _mention(
        self,
        text: str,
        surfaces: Sequence[str],
        starts: Sequence[int],
        ends: Sequence[int],
        keys: Sequence[str],
        first: int,
        end: int,
        prefix: int,
        typ: str,
        step: str,
    ) -> dict:
        start = starts[first] + surface_offset(surfaces[first], prefix) if prefix else starts[first]
        stop = ends[end - 1]
        surface = text[start:stop]
        name = surface
        if self._lam_cut(keys[first], prefix)[1] != keys[first][prefix:]:
            # «للأمم المتحدة» is read as «الأمم المتحدة»: the span keeps «لل» (it cannot be cut
            # between the lams), the canonical and display come from the ال form.
            name = "ا" + surface[surface_offset(surface, 1) :]
        return {
            "text": surface,
            "start": start,
            "end": stop,
            "type": typ,
            "canonical": self.canonical(name),
            "name": name,
            "step": step,
        }

    def _lam_cut(self, key: str, prefix: int) -> tuple[int, str]:
        """(proclitic letters, first word of the name as written alone) for a name that starts
        ``prefix`` letters into the token ``key``, with «لل» read right.

        «للأمم» is ل + الأمم: the alef of ال is not written after the preposition ل, so no name
        starts after the first ل (not «لأمم»); the span keeps «لل» and the word alone is «الأمم».
        «للبنان» is ل + لبنان, a name that itself begins with ل. The second reading is taken when
        the word without the first ل is a listed name, or is more frequent in news text than its
        ال form; otherwise the first (far more common).
        """
        rest = key[prefix:]
        if len(rest) < 4 or rest[0] != "ل":
            return prefix, rest
        if rest[1] == "ل" and len(rest) > 4:
            prefix, rest = prefix + 1, rest[1:]  # cut before the lams («|للأمم»): as if after the first
        elif not (prefix and key[prefix - 1] == "ل" and key[: prefix - 1] in ("", "و", "ف")):
            return prefix, rest  # no «لل» at the cut
        if self._plain_after_lam(rest):
            return prefix, rest
        return prefix - 1, "ا" + rest

    def _plain_after_lam(self, word: str) -> bool:
        """Whether ``word`` (after a proclitic ل, itself beginning with ل) is a word of its own
        rather than an ال word that lost its alef."""
        definite = "ا" + word
        by_first = self.gazetteer.by_first
        if word in by_first or definite in by_first:
            return word in by_first
        return self._band(word) > self._band(definite)

    def _band(self, key: str) -> int:
        """Frequency band (log2 count) of a word in the unlabelled news behind the word classes."""
        return int(self.classes.get(key, ("", "", "0"))[-1])

    def canonical(self, name: str) -> str:
        """Display name shared by all spelling variants of ``name``."""
        key = canonical_key(name)
        known = self.display_by_key.get(key)
        if known:
            return known[1]
        return key or normalize_display(name)
