"""Entity labels written by reading news sentences: extra training text for train/ner.py.

NewsFANE's training side is ~1,800 sentences of 2000s newswire; most names in today's news are
not in it. ``ner_labels_read.tsv`` adds sentences labelled PER/ORG/LOC/MISC by reading,
following ``ner_labels_GUIDE.md`` (written for NewsFANE's conventions), from two corpora:
- ANT (antcorpus.multisource, 2018 feeds of five pan-Arab outlets): ids ``docno#k``, the title
  and first sentences of each article (``ant_sentences``);
- SaudiNewsNet (one day, 2015-08-11, of 13 Saudi outlets, ``../shared/corpus/dedup``): ids
  ``snn-<sha1 of the url, 12 hex>#k``, up to ten sentences of each article, so names recur
  inside one text as they do in NewsFANE's Gulf newspapers (``snn_sentences``).
The file keeps only ids and the labelled names; the sentences are rebuilt from the corpora at
training time by the same cuts that chose them, so no article text is copied into the project.

    python train/ner_read.py /work/nerlabel/batch_*.jsonl --labels /work/nerlabel/labels_*.jsonl
        # checks read labels against their sentences and writes train/ner_labels_read.tsv
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from akhbar.transforms.text.arabic import normalize_match

LABELS_PATH = Path(__file__).resolve().parent / "ner_labels_read.tsv"
# A second round of read labels, kept apart: it did not lift the held-out documents (see its header).
LABELS_ROUND2_PATH = Path(__file__).resolve().parent / "ner_labels_read_2.tsv"
TYPES = ("PER", "ORG", "LOC", "MISC")
SENTENCES_PER_ARTICLE = 4
SNN_SENTENCES_PER_ARTICLE = 10
SNN_DAY = "saudinewsnet_2015-08-11.zip"
_SENTENCE_END = re.compile(r"(?<=[.!؟?])\s+|\n+")
_PROCLITICS = "وفبكل"


def ant_sentences(record: dict) -> list[str]:
    """The title and the first sentences of an ANT article, as chosen for labelling: 6 to 60
    words, no link or hashtag lines, at most ``SENTENCES_PER_ARTICLE``; ids are ``docno#k``."""
    chosen: list[str] = []
    for piece in [record.get("title") or "", *_SENTENCE_END.split(record.get("text") or "")]:
        sentence = re.sub(r"\s+", " ", piece).strip()
        if 6 <= len(sentence.split()) <= 60 and not sentence.startswith(("http", "#")):
            chosen.append(sentence)
        if len(chosen) >= SENTENCES_PER_ARTICLE:
            break
    return chosen


def snn_sentences(record: dict) -> list[str]:
    """The title and up to nine more sentences of a SaudiNewsNet article, as chosen for
    labelling: 6 to 60 words, no line with a link or opening with a hashtag."""
    chosen: list[str] = []
    for piece in [record.get("title") or "", *_SENTENCE_END.split(record.get("content") or "")]:
        sentence = re.sub(r"\s+", " ", piece).strip()
        if 6 <= len(sentence.split()) <= 60 and "http" not in sentence and not sentence.startswith("#"):
            chosen.append(sentence)
        if len(chosen) >= SNN_SENTENCES_PER_ARTICLE:
            break
    return chosen


def snn_id(record: dict) -> str:
    return "snn-" + hashlib.sha1(record["url"].encode("utf-8")).hexdigest()[:12]


def _at_word_start(text: str, index: int) -> bool:
    """A name starts a word, or follows one or two proclitic letters that start it («وبالقاهرة»)."""
    for letters in range(3):
        start = index - letters
        if start < 0:
            return False
        if all(c in _PROCLITICS for c in text[start:index]) and (start == 0 or not text[start - 1].isalnum()):
            return True
    return False


def _starts(text: str, surface: str, origin: int) -> list[int]:
    """Where ``surface`` starts a word in ``text`` from ``origin`` on, whole words first: a name
    also ends its word («اليمن» is the name, not the start of «اليمنية»), else it was written with
    a suffix attached and is still taken (rare)."""
    starts = []
    index = text.find(surface, origin)
    while index != -1:
        if _at_word_start(text, index):
            starts.append(index)
        index = text.find(surface, index + 1)
    whole = [i for i in starts if i + len(surface) == len(text) or not text[i + len(surface)].isalnum()]
    return whole + [i for i in starts if i not in whole]


def locate(text: str, names: Iterable[tuple[str, str]]) -> list[tuple[int, int, str]]:
    """Character spans of the listed names, taken in order of appearance; a name that cannot be
    found at a word start after the previous one is dropped (rare: a labelling slip)."""
    spans: list[tuple[int, int, str]] = []
    position = 0
    for surface, typ in names:
        if not surface or typ not in TYPES:
            continue
        found = -1
        for origin in (position, 0):
            free = [i for i in _starts(text, surface, origin)
                    if not any(s < i + len(surface) and i < e for s, e, _ in spans)]
            if free:
                found = free[0]
                break
        if found == -1:
            continue
        spans.append((found, found + len(surface), typ))
        position = found + len(surface)
    return sorted(spans)


# NewsFANE leaves a generic head with only nationality adjectives after it unlabelled («القوات
# الإسرائيلية», «المنتخب السعودي», «الإدارة الأمريكية»: counted on its training side, القوات +
# adjective labelled 1 time in 27, المنتخب 1 in 6, الإدارة 0 in 8), while the readers, following
# the guide's «منتخب مصر» and «الجيش السوري», labelled them ORG (القوات 24 times, المنتخب 223,
# الإدارة 6). Such spans are dropped from the read labels at training time so both sources teach
# one convention. الحكومة and الجيش + adjective stay: NewsFANE labels them about as often as not
# (17 of 41) or mostly (36 of 55); so does التحالف (one NewsFANE case says nothing, and «التحالف
# العربي» is the name the news gives the Saudi-led coalition). Adjectives of kind rather than
# nation («القوات الجوية», «الإدارة الذاتية») make a name and keep the span.
DESCRIPTION_HEADS = frozenset(normalize_match(word) for word in ("القوات", "المنتخب", "الإدارة"))
KIND_ADJECTIVES = frozenset(
    normalize_match(word)
    for word in (
        "الجوية البحرية البرية المسلحة الخاصة الذاتية الدولية الإسلامية الوطنية الشعبية العسكرية "
        "الأمنية الحكومية المركزية الاتحادية الفيدرالية الانتقالية الأممية الأولمبية الأول الأولمبي"
    ).split()
)
_ADJECTIVE = re.compile(r"^ال\w+(?:ي|يه|يين|يون)$")  # on match keys: ة is written ه


def follows_newsfane(text: str, span: tuple[int, int, str]) -> bool:
    """False for an ORG span that is a description by NewsFANE's convention (see DESCRIPTION_HEADS)."""
    start, end, typ = span
    words = normalize_match(text[start:end]).split()
    return not (
        typ == "ORG"
        and len(words) >= 2
        and words[0] in DESCRIPTION_HEADS
        and all(_ADJECTIVE.match(word) and word not in KIND_ADJECTIVES for word in words[1:])
    )


def read_labels(path: Path = LABELS_PATH) -> dict[str, list[tuple[str, str]]]:
    """``docno#k`` -> [(name, type), ...] in order; every labelled sentence is present, with no names if none."""
    labels: dict[str, list[tuple[str, str]]] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            sentence_id, _, names = line.rstrip("\n").partition("\t")
            labels[sentence_id] = [
                (name, typ) for typ, _, name in (item.partition(":") for item in names.split("\t") if item)
            ]
    return labels


def load_read_sentences(
    ant: Path, path: Path | Sequence[Path] = LABELS_PATH
) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """(sentence text, entity spans) of every sentence labelled in ``path`` (one labels file or
    several), rebuilt from the corpora in corpus order (``ant``: ANT's jsonl.gz; SaudiNewsNet is
    looked for in ``../dedup/`` beside ANT's folder)."""
    labels: dict[str, list[tuple[str, str]]] = {}
    for one in [path] if isinstance(path, Path) else path:
        labels.update(read_labels(one))
    wanted = {sentence_id.split("#")[0] for sentence_id in labels}
    out: list[tuple[str, list[tuple[int, int, str]]]] = []

    def add(article_id: str, sentences: list[str]) -> None:
        for k, sentence in enumerate(sentences):
            names = labels.get(f"{article_id}#{k}")
            if names is not None:
                spans = locate(sentence, names)
                out.append((sentence, [span for span in spans if follows_newsfane(sentence, span)]))

    with gzip.open(ant, "rt", encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            if record.get("docno") in wanted:
                add(record["docno"], ant_sentences(record))
    snn = ant.parent.parent / "dedup" / SNN_DAY
    if any(article_id.startswith("snn-") for article_id in wanted) and snn.exists():
        with zipfile.ZipFile(snn) as archive:
            (name,) = archive.namelist()
            for record in json.loads(archive.read(name).decode("utf-8")):
                article_id = snn_id(record)
                if article_id in wanted:
                    add(article_id, snn_sentences(record))
                    wanted.discard(article_id)  # the day holds a few articles twice under one url
    if len(out) != len(labels):  # a corpus file missing or changed: the model would not be the shipped one
        raise SystemExit(f"rebuilt {len(out)} of {len(labels)} sentences labelled by reading from {ant.parent.parent}")
    return out


def write_labels(batches: list[Path], answers: list[Path], out: Path = LABELS_PATH) -> Counter:
    texts = {}
    for batch in batches:
        for line in open(batch, encoding="utf-8"):
            item = json.loads(line)
            texts[item["id"]] = item["text"]
    counts: Counter = Counter()
    rows = []
    for answer in answers:
        for line in open(answer, encoding="utf-8"):
            item = json.loads(line)
            text = texts[item["id"]]
            names = [(surface, typ) for surface, typ in item["entities"]]
            kept = locate(text, names)
            counts.update(t for _, _, t in kept)
            counts["dropped"] += len([n for n in names if n[1] in TYPES]) - len(kept)
            counts["sentences"] += 1
            rows.append(item["id"] + "".join(f"\t{t}:{text[s:e]}" for s, e, t in kept))
    with open(out, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(
            "# Entity labels written by this project (issue 15) by reading news sentences of ANT (antcorpus.multisource @ f117ce44;\n"
            "# ids docno#k) and SaudiNewsNet (inparallel/SaudiNewsNet @ 4e392399, 2015-08-11; ids snn-<url sha1>#k),\n"
            "# following train/ner_labels_GUIDE.md; one line per sentence: docno#k, then TYPE:name per mention in order.\n"
            "# Sentences are rebuilt from the corpora by train/ner_read.py (ant_sentences, snn_sentences); no article text is kept here.\n"
        )
        for row in sorted(rows):
            fh.write(row + "\n")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("batches", type=Path, nargs="+")
    parser.add_argument("--labels", type=Path, nargs="+", required=True)
    parser.add_argument("--out", type=Path, default=LABELS_PATH)
    args = parser.parse_args(argv)
    print(dict(write_labels(args.batches, args.labels, args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
