"""Topic of an article: one slug from the controlled vocabulary in ``configs/topics.yaml``.

    python -c "from akhbar.transforms.text.topics import assign_topic; print(assign_topic(title='الأهلي يفوز على الزمالك', text='سجل مهاجم الأهلي هدفين في مباراة الدوري الممتاز.'))"

The topic is the partition key of every table, so it is never a free string: whatever
the evidence, the answer is a slug of the vocabulary, or ``general``.

Policy of ``assign_topic`` (first rule that applies wins):
1. ``trust_feed`` is true (the feed's config says its labels are reliable) and one of the
   entry's ``<category>`` values maps onto a slug → that slug, source ``"category"``,
   confidence 1.0;
2. ``trust_feed`` and a section segment of the article URL (``/sport/``, ``/تكنولوجيا/``)
   maps onto a slug → source ``"url"``, confidence 1.0;
3. ``trust_feed`` and the feed declares a topic (a slug, validated when feeds.yaml is
   loaded) → source ``"feed"``, confidence 1.0; item-level evidence (1, 2) comes first
   because a general feed marked trustworthy still carries per-item sections;
4. otherwise the shipped classifier (``TopicClassifier``) on title + body → its slug and
   calibrated confidence, source ``"classifier"``;
5. classifier confidence below ``classifier.min_confidence`` (configs/topics.yaml), or no
   text to classify → the feed's declared topic if it has one (that is what the feeds.yaml
   ``topic`` key means: the feed's default), source ``"feed"``, else ``general`` with
   source ``"default"``. The confidence returned is the classifier's.

Untrusted categories and URL sections are ignored on purpose: outlets file regional news,
opinion and "most read" items under sections that are not topics.

The classifier is linear over hashed features (``HashingVectorizer``: stateless, no
vocabulary to pickle): word unigrams/bigrams of light-stemmed match-key tokens and
character n-grams of the match-key form, sublinear tf, idf weights, L2 norm. It has two
stages over the same features:
- coarse: politics, economy, sport, culture, science-technology, trained on ANT's feeds
  (regional feeds → politics), with per-class offsets of the decision rule (``class_bias``,
  tuned by train/topics.py on outlets the model did not see) and a softmax temperature
  fitted on held-out data for the confidence;
- fine: a ``politics`` answer stands for the whole regional family, and a second linear
  model trained on articles labelled by reading (train/topic_labels_read.tsv and the tune
  half of ANT's hand-labelled dev set) picks politics, conflict, crime-law, disaster,
  society, health, religion or environment.
Weights live in ``configs/models/topics.npz`` (plain arrays, float16), written by
``train/topics.py``; bench/topics.py measures both stages on held-out splits.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import numpy as np

from akhbar import configs
from akhbar.transforms.text.arabic import normalize_match

CONFIG_NAME = "topics.yaml"
MODEL_NAME = "models/topics.npz"
FALLBACK = "general"
SOURCES = ("classifier", "feed", "category", "url", "default")
# A section name is a few words; anything longer is a sentence or an attack, not a label.
MAX_LABEL_CHARS = 60
# Topic is decided by the head of an article: capping the input bounds the cost of a
# pathological 1 MB body without changing the answer for real articles.
MAX_TEXT_CHARS = 3000

_SEPARATORS = re.compile(r"[\s\-_.+,;:|/\\·،؛&]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_PATH_TRAVERSAL = re.compile(r"\.\.|[/\\]")
_SLUG = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
_ARTICLE = re.compile(r"^(?:ال|وال|بال|لل)(?=\w{3})")


def _fold_latin(text: str) -> str:
    """Latin accents off (é → e), so «santé», «économie» match their ASCII spelling."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c) or ord(c) >= 0x0600)


def label_key(raw: str) -> str | None:
    """Match key of a section/category label, or None for input that cannot be a label.

    normalize_match (hamza, ta marbuta, alef maqsura, diacritics, lowercase), Latin accents
    folded, separators (- _ . / space) collapsed to one space, the definite article dropped
    from each Arabic word («الرياضة» = «رياضة»).
    """
    if not isinstance(raw, str):
        return None
    raw = raw.strip()
    if not raw or len(raw) > MAX_LABEL_CHARS or _CONTROL.search(raw):
        return None
    folded = _fold_latin(normalize_match(raw))
    words = [_ARTICLE.sub("", word) for word in _SEPARATORS.split(folded) if word]
    key = " ".join(words)
    return key or None


@dataclass(frozen=True)
class Topic:
    slug: str
    label_ar: str
    aliases: tuple[str, ...]


class TopicVocabulary:
    """The controlled vocabulary: slugs and the aliases that map onto them."""

    def __init__(self, topics: Sequence[Topic]) -> None:
        self.topics = tuple(topics)
        self.slugs: frozenset[str] = frozenset(t.slug for t in self.topics)
        index: dict[str, str] = {}
        for topic in self.topics:
            for name in (topic.slug, topic.label_ar, *topic.aliases):
                for key in {label_key(name), label_key(name.replace("-", ""))} - {None}:
                    owner = index.setdefault(key, topic.slug)  # type: ignore[arg-type]
                    if owner != topic.slug:
                        raise ValueError(
                            f"{CONFIG_NAME}: alias {name!r} maps to both {owner} and {topic.slug}"
                        )
        self._index = index

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> TopicVocabulary:
        topics = []
        for i, item in enumerate(config.get("topics") or []):
            unknown = set(item) - {"slug", "label_ar", "aliases"}
            if unknown:
                raise ValueError(f"{CONFIG_NAME}: topics[{i}] has unknown keys {sorted(unknown)}")
            slug = item["slug"]
            if not isinstance(slug, str) or not _SLUG.match(slug):
                raise ValueError(f"{CONFIG_NAME}: topics[{i}].slug {slug!r} is not an ASCII slug")
            aliases = tuple(str(a) for a in item.get("aliases") or ())
            topics.append(Topic(slug=slug, label_ar=str(item["label_ar"]), aliases=aliases))
        if FALLBACK not in {t.slug for t in topics}:
            raise ValueError(f"{CONFIG_NAME}: the vocabulary must contain {FALLBACK!r}")
        return cls(topics)

    @classmethod
    @functools.cache
    def default(cls) -> TopicVocabulary:
        return cls.from_config(configs.load_yaml(CONFIG_NAME))

    def slug_for(self, raw: str | None) -> str | None:
        """Slug for a declared topic, a ``<category>`` value or one URL path segment; None if unknown."""
        if not isinstance(raw, str):
            return None
        raw = raw.strip().strip("/")  # a URL path segment may come with its slashes
        if _PATH_TRAVERSAL.search(raw):
            return None
        key = label_key(raw)
        if key is None:
            return None
        slug = self._index.get(key)
        if slug is None and " " in key:
            slug = self._index.get(key.replace(" ", ""))
        return slug if slug in self.slugs else None

    def slug_for_url(self, url: str | None) -> str | None:
        """Slug of the first section segment of an article URL that maps onto one.

        The last segment of a path that does not end in ``/`` is the article's own slug
        (words of its title), never a section, so it is not looked at.
        """
        if not isinstance(url, str) or len(url) > 4096:
            return None
        try:
            path = urlsplit(url.strip()).path
        except ValueError:
            return None
        segments = path.split("/")
        if not path.endswith("/"):
            segments = segments[:-1]
        for segment in segments[:8]:
            segment = unquote(segment)
            if not segment or segment.isdigit():
                continue
            slug = self.slug_for(segment)
            if slug is not None:
                return slug
        return None


# ---------------------------------------------------------------------------------------
# Features: shared by TopicClassifier and train/topics.py, so training and serving agree.

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NOISE = re.compile(r"[#_@\"'“”«»()\[\]{}*|<>~^`]+")
_HSPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
_PROCLITIC = re.compile(r"^(?:وال|بال|فال|كال|لل|ال|و(?=ال))")
_SUFFIX = re.compile(r"(?:ات|ان|ون|ين|يه|يا|ها|هم|هما|كم|نا|ه|ي)$")
_SHORT_TOKEN = 1


def topic_text(title: str | None, text: str | None, max_chars: int = MAX_TEXT_CHARS) -> str:
    """What the classifier reads: title twice (it is dense evidence) then the head of the body.

    Match-key form, numbers reduced to one placeholder and hashtag/quote marks dropped, so
    features mean the same across outlets' typographic habits.
    """
    title = (title or "")[:300]
    body = (text or "")[:max_chars]
    joined = normalize_match(f"{title}\n{title}\n{body}") if title else normalize_match(body)
    joined = _NUMBER.sub("0", joined)
    joined = _NOISE.sub(" ", joined)
    return _HSPACE.sub(" ", joined).strip()


def light_stem(token: str) -> str:
    """Proclitics and common suffixes off (والمباريات → مباري): joins inflected forms cheaply."""
    stem = _PROCLITIC.sub("", token) if len(token) > 4 else token
    if len(stem) > 5:
        stem = _SUFFIX.sub("", stem)
    return stem


def word_features(doc: str) -> list[str]:
    """Word unigrams, light stems and bigrams of a ``topic_text`` (a HashingVectorizer analyzer).

    Character n-grams would add morphology too, but cost ~10 ms per article in Python;
    stems give most of it for a tenth of the time.
    """
    words = [w for w in _WORD.findall(doc) if len(w) > 1]
    tokens = [_PROCLITIC.sub("", w) if len(w) > 4 else w for w in words]
    stems = ["~" + light_stem(t) for t in tokens]
    bigrams = [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]
    return tokens + stems + bigrams


@dataclass(frozen=True)
class FeatureSpec:
    """Hashing settings; stored with the weights so a model always rebuilds its own features."""

    word_bits: int = 19
    char_bits: int = 18
    char_min: int = 2
    char_max: int = 4
    # Character n-grams are read only from the head of the document (title + lead): they
    # catch morphology and rare names where it matters most at a bounded cost; 0 disables them.
    char_chars: int = 600
    char_weight: float = 0.5
    word_weight: float = 1.0
    max_chars: int = MAX_TEXT_CHARS

    def to_json(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> FeatureSpec:
        return cls(**json.loads(text))


class Featurizer:
    """title + text → L2-normalised sparse row of hashed, tf-idf weighted features."""

    def __init__(self, spec: FeatureSpec, idf: np.ndarray | None = None) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        self.spec = spec
        common = dict(alternate_sign=False, norm=None, lowercase=False, dtype=np.float32)
        self._words = HashingVectorizer(analyzer=word_features, n_features=2**spec.word_bits, **common)
        self._chars = HashingVectorizer(
            analyzer="char_wb",
            ngram_range=(spec.char_min, spec.char_max),
            n_features=2**spec.char_bits,
            **common,
        )
        self.idf = None if idf is None else np.asarray(idf, dtype=np.float32)

    @property
    def n_features(self) -> int:
        return 2**self.spec.word_bits + 2**self.spec.char_bits

    def counts(self, docs: Sequence[str]):  # -> scipy.sparse.csr_matrix
        """Sublinear term frequencies, before idf: what training fits idf on."""
        import scipy.sparse as sp

        words = self._words.transform(docs)
        heads = [doc[: self.spec.char_chars] for doc in docs] if self.spec.char_chars else ["" for _ in docs]
        chars = self._chars.transform(heads)
        matrix = sp.hstack([words, chars], format="csr", dtype=np.float32)
        np.log1p(matrix.data, out=matrix.data)
        return matrix

    def weigh(self, counts):  # csr_matrix -> csr_matrix
        """idf, then each block (words, chars) L2-normalised and weighted, then the row normalised."""
        from sklearn.preprocessing import normalize

        matrix = counts.copy()
        if self.idf is not None:
            matrix.data *= self.idf[matrix.indices]
        split = 2**self.spec.word_bits
        word_part = matrix.indices < split
        rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
        data = matrix.data
        word_sq = np.bincount(rows[word_part], weights=data[word_part] ** 2, minlength=matrix.shape[0])
        char_sq = np.bincount(rows[~word_part], weights=data[~word_part] ** 2, minlength=matrix.shape[0])
        word_scale = self.spec.word_weight / np.maximum(np.sqrt(word_sq), 1e-12)
        char_scale = self.spec.char_weight / np.maximum(np.sqrt(char_sq), 1e-12)
        data *= np.where(word_part, word_scale[rows], char_scale[rows]).astype(np.float32)
        return normalize(matrix, copy=False)

    def transform(self, docs: Sequence[str]):
        return self.weigh(self.counts(docs))


def softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


class TopicClassifier:
    """Two-stage linear topic model loaded from plain arrays (no pickle): ``predict(title, text)``.

    The coarse stage tells the topical sections (economy, sport, culture,
    science-technology) from the regional family (``politics``); when the answer is one the
    fine stage refines (``fine_from``), the fine stage picks the slug within that family
    (politics, conflict, crime-law, disaster, society, health, religion, environment).
    Both read the same features: their weights are stacked into one matrix, so the fine
    stage costs one more column block of the same product.
    """

    def __init__(
        self,
        spec: FeatureSpec,
        classes: Sequence[str],
        coef: np.ndarray,
        intercept: np.ndarray,
        idf: np.ndarray,
        temperature: float,
        class_bias: np.ndarray | None = None,
        fine_classes: Sequence[str] = (),
        fine_coef: np.ndarray | None = None,
        fine_intercept: np.ndarray | None = None,
        fine_from: Sequence[str] = (),
    ) -> None:
        self.classes = tuple(classes)
        self.fine_classes = tuple(fine_classes)
        self.fine_from = frozenset(fine_from)
        vocabulary = TopicVocabulary.default().slugs
        unknown = (set(self.classes) | set(self.fine_classes) | self.fine_from) - vocabulary
        if unknown:
            raise ValueError(f"topic model classes {sorted(unknown)} are not in {CONFIG_NAME}")
        self.featurizer = Featurizer(spec, idf)
        # The decision rule's per-class offsets (train/topics.py tunes them on outlets the
        # model did not see), folded into the intercept: the scores are the ones we decide on.
        bias = np.zeros(len(self.classes)) if class_bias is None else np.asarray(class_bias)
        if bias.shape != (len(self.classes),):
            raise ValueError(f"class_bias has shape {bias.shape}, expected ({len(self.classes)},)")
        self.class_bias = bias.astype(np.float32)
        coarse_intercept = intercept.astype(np.float32) + self.class_bias
        if self.fine_classes:
            k = len(self.fine_classes)
            if fine_coef is None or fine_intercept is None or fine_coef.shape != (k, coef.shape[1]):
                raise ValueError(f"fine stage arrays do not match its {k} classes")
            coef = np.vstack([coef, fine_coef])
            coarse_intercept = np.concatenate([coarse_intercept, fine_intercept.astype(np.float32)])
        # Weights are shipped as float16; computing in float32 avoids overflow on long sums.
        self._coef_t = np.ascontiguousarray(coef.astype(np.float32).T)
        self._intercept = coarse_intercept
        self.temperature = float(temperature)

    @classmethod
    def load(cls, path: str) -> TopicClassifier:
        with np.load(path, allow_pickle=False) as data:
            # Absent from models written before the decision rule had offsets / a fine stage.
            optional = {name: data[name] for name in ("class_bias", "fine_coef", "fine_intercept") if name in data.files}
            return cls(
                spec=FeatureSpec.from_json(str(data["spec"])),
                classes=[str(c) for c in data["classes"]],
                coef=data["coef"],
                intercept=data["intercept"],
                idf=data["idf"],
                temperature=float(data["temperature"]),
                fine_classes=[str(c) for c in data["fine_classes"]] if "fine_classes" in data.files else (),
                fine_from=[str(c) for c in data["fine_from"]] if "fine_from" in data.files else (),
                **optional,
            )

    @classmethod
    @functools.cache
    def default(cls) -> TopicClassifier:
        return cls.load(str(configs.path(_settings().get("model", MODEL_NAME))))

    def scores(self, docs: Sequence[str]) -> np.ndarray:
        """Linear scores of both stages (coarse columns first), computed block by block: the
        same numbers as ``featurizer.transform(docs) @ coef.T + intercept`` (a test checks it)
        without building the stacked, normalised matrix, which costs more than the features
        themselves for one article."""
        featurizer, spec = self.featurizer, self.featurizer.spec
        split = 2**spec.word_bits
        heads = [doc[: spec.char_chars] for doc in docs] if spec.char_chars else ["" for _ in docs]
        blocks = (
            (featurizer._words.transform(docs), slice(0, split), spec.word_weight),
            (featurizer._chars.transform(heads), slice(split, None), spec.char_weight),
        )
        scores = np.zeros((len(docs), self._coef_t.shape[1]), dtype=np.float32)
        weights_sq = np.zeros(len(docs), dtype=np.float32)
        for matrix, columns, weight in blocks:
            np.log1p(matrix.data, out=matrix.data)
            if featurizer.idf is not None:
                matrix.data *= featurizer.idf[columns][matrix.indices]
            rows = np.repeat(np.arange(len(docs)), np.diff(matrix.indptr))
            norms = np.sqrt(np.bincount(rows, weights=matrix.data**2, minlength=len(docs)))
            present = norms > 0
            scale = np.where(present, weight / np.maximum(norms, 1e-12), 0.0).astype(np.float32)
            scores += np.asarray(matrix @ self._coef_t[columns]) * scale[:, None]
            weights_sq += present * np.float32(weight**2)
        return scores / np.maximum(np.sqrt(weights_sq), 1e-12)[:, None] + self._intercept

    def decision(self, docs: Sequence[str]) -> np.ndarray:
        """Coarse-stage scores, offsets included."""
        return self.scores(docs)[:, : len(self.classes)]

    def probabilities(self, docs: Sequence[str]) -> np.ndarray:
        return softmax(self.decision(docs) * self.temperature)

    def predict_many(self, pairs: Sequence[tuple[str | None, str]]) -> list[tuple[str, float]]:
        """(slug, confidence) per article. The confidence is the coarse stage's calibrated
        probability: for a refined answer, how sure the model is that the story belongs to
        the regional family at all (the fine stage has too few labels to calibrate)."""
        docs = [topic_text(title, text, self.featurizer.spec.max_chars) for title, text in pairs]
        scores = self.scores(docs)
        k = len(self.classes)
        probs = softmax(scores[:, :k] * self.temperature)
        best = probs.argmax(axis=1)
        results = []
        for row, coarse in enumerate(best):
            slug = self.classes[coarse]
            if slug in self.fine_from and self.fine_classes:
                slug = self.fine_classes[int(scores[row, k:].argmax())]
            results.append((slug, float(probs[row, coarse])))
        return results

    def predict(self, title: str | None, text: str) -> tuple[str, float]:
        """(slug, confidence 0..1) for one article."""
        return self.predict_many([(title, text)])[0]


# ---------------------------------------------------------------------------------------


@functools.cache
def _settings() -> dict[str, Any]:
    config = configs.load_yaml(CONFIG_NAME)
    return dict(config.get("classifier") or {})


def min_confidence() -> float:
    return float(_settings().get("min_confidence", 0.5))


def assign_topic(
    *,
    title: str | None,
    text: str,
    url: str | None = None,
    feed_topic: str | None = None,
    categories: Sequence[str] = (),
    trust_feed: bool = False,
) -> tuple[str, float, str]:
    """(topic slug, confidence 0..1, source) for one article; see the module docstring for the policy."""
    vocabulary = TopicVocabulary.default()
    declared = feed_topic if feed_topic in vocabulary.slugs else None
    if trust_feed:
        for category in list(categories or ())[:20]:
            slug = vocabulary.slug_for(category)
            if slug is not None:
                return slug, 1.0, "category"
        slug = vocabulary.slug_for_url(url)
        if slug is not None:
            return slug, 1.0, "url"
        if declared is not None:
            return declared, 1.0, "feed"
    confidence = 0.0
    if (title and title.strip()) or (text and text.strip()):
        slug, confidence = TopicClassifier.default().predict(title, text or "")
        if confidence >= min_confidence() and slug in vocabulary.slugs:
            return slug, confidence, "classifier"
    if declared is not None:
        return declared, confidence, "feed"
    return FALLBACK, confidence, "default"
