"""Bytes of an HTML page to text, without mojibake: BOM, HTTP charset, <meta>, then detection, all validated.

    python -m akhbar.transforms.web.charset page.html --content-type "text/html; charset=windows-1256"

``decode_html(body, content_type) -> (text, encoding)`` or ``CharsetError``
(``reason == "charset_undecodable"``).

Order of evidence (HTML's own order), but every candidate is *validated* because Arabic
sites lie: a page declared UTF-8 is often windows-1256, ``iso-8859-1`` is the default of
misconfigured servers, and CMS imports leave double-encoded UTF-8 ("Ø§Ù„" for "ال").

1. A BOM decides (UTF-8, UTF-16).
2. Fast path: bytes that are valid UTF-8 are UTF-8 (a legacy Arabic page is never valid
   UTF-8 by accident: its letters are bytes 0xC1-0xFE with no continuation bytes after them).
   Only a cheap regex scan for double-encoding remains; runs that are double-encoded are
   repaired (re-encode as windows-1252/1256, decode as UTF-8).
3. Otherwise the declared charsets (HTTP header, then ``<meta charset>`` / ``http-equiv`` /
   XML declaration in the first 4 KB), windows-1256, ISO-8859-6 and, only when none of
   these reads as Arabic, charset-normalizer's guess are decoded strictly and scored:
   share of Arabic letters among non-ASCII letters plus share of Arabic words carrying the
   definite article (a wrong single-byte table maps ``ال`` to other letters, so this tells
   windows-1256 from ISO-8859-6), plus a small bonus for declared charsets so that a
   correctly declared non-Arabic page (French in windows-1252) keeps its charset.
4. A candidate is implausible when it holds control characters, U+FFFD, or UTF-8-read-as-
   single-byte pairs; if none is plausible the page is rejected rather than stored garbled.
"""

from __future__ import annotations

import argparse
import codecs
import re

import charset_normalizer


class CharsetError(ValueError):
    """No candidate encoding turns the bytes into plausible text."""

    reason = "charset_undecodable"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


_SNIFF_BYTES = 4096
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-zA-Z0-9_\-.:]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([a-zA-Z0-9_\-.:]+)["']""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([a-zA-Z0-9_\-.:]+)""", re.IGNORECASE)

# WHATWG encoding labels that matter here; anything else goes through codecs.lookup.
_LABELS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "windows-1256": "windows-1256",
    "cp1256": "windows-1256",
    "x-cp1256": "windows-1256",
    "iso-8859-6": "iso-8859-6",
    "iso8859-6": "iso-8859-6",
    "iso_8859-6": "iso-8859-6",
    "iso-8859-6-i": "iso-8859-6",
    "iso-8859-6-e": "iso-8859-6",
    "arabic": "iso-8859-6",
    "asmo-708": "iso-8859-6",
    "ecma-114": "iso-8859-6",
    "csisolatinarabic": "iso-8859-6",
    "iso-ir-127": "iso-8859-6",
    # WHATWG: these labels all mean windows-1252 on the web.
    "iso-8859-1": "windows-1252",
    "iso8859-1": "windows-1252",
    "latin1": "windows-1252",
    "l1": "windows-1252",
    "us-ascii": "windows-1252",
    "ascii": "windows-1252",
    "windows-1252": "windows-1252",
    "cp1252": "windows-1252",
    # A <meta> cannot declare UTF-16 (the parser already read it as ASCII-compatible).
    "utf-16": "utf-8",
    "utf-16le": "utf-8",
    "utf-16be": "utf-8",
}
_PYTHON_CODEC = {
    "windows-1256": "cp1256",
    "iso-8859-6": "iso8859_6",
    "windows-1252": "cp1252",
    "utf-8": "utf-8",
}

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Counting works on runs, not characters, to keep the regex engine's match objects few.
_ARABIC_RUN = re.compile(r"[\u0621-\u063a\u0641-\u064a\u0671-\u06d3]+")
# Non-ASCII characters that carry the script: everything but spaces, punctuation and harakat.
_SIGNAL_RUN = re.compile(
    r"[^\x00-\x7f\u00a0\u00ab\u00bb\u060c\u061b\u061f\u064b-\u0652\u0640"
    r"\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u200c-\u200f]+"
)
_ARABIC_WORD = re.compile(r"(?<![\u0621-\u064a])[\u0621-\u063a\u0641-\u064a]{2,}")
# A Latin letter touching an Arabic one: a Latin page read through an Arabic code page
# ("prىsident"); real text separates scripts by spaces or punctuation.
_MIXED_SCRIPT = re.compile(r"[A-Za-z][\u0621-\u064a]|[\u0621-\u064a][A-Za-z]")
# The definite article at a word start, also behind the proclitics wa-, fa-, bi-, ka-, li- (لل).
_DEFINITE_WORD = re.compile(r"(?<![\u0621-\u064a])(?:[وف]?[بك]?ال|[وف]?لل)[\u0621-\u064a]")
# C0 controls other than tab/newline/formfeed/CR, C1 controls, U+FFFD.
_BAD_CHAR = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")


def _continuation_chars(codec: str) -> str:
    return bytes(range(0x80, 0xC0)).decode(codec, errors="ignore")


# UTF-8 read as windows-1252/latin-1: a lead byte (Ã Â Ø Ù Ú Û, ...) followed by a
# continuation byte shown as a symbol. Genuine text never has "Ø§" or "Ã©".
_MOJIBAKE_LATIN = re.compile(
    "[\u00c2-\u00df][" + re.escape(_continuation_chars("cp1252") + "".join(map(chr, range(0x80, 0xC0)))) + "]"
)
# UTF-8 read as windows-1256: an Arabic letter (lead bytes 0xC2-0xDF are letters there)
# followed by a symbol that Arabic prose never puts inside a word. Persian letters,
# «», ، ؛ ؟ and spaces are left out: real Arabic text has them after letters.
_CP1256_SYMBOLS = "".join(
    ch
    for ch in _continuation_chars("cp1256")
    if not ("\u0600" <= ch <= "\u06ff")
    and ch not in "«»\u00a0\u200c\u200d\u00ad\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u2022"
)
_MOJIBAKE_1256 = re.compile("[\u0621-\u064a][" + re.escape(_CP1256_SYMBOLS) + "]")


def _high_half(codec: str) -> dict[str, int]:
    """Character -> byte for bytes 0x80-0xFF; bytes the codec leaves undefined map to the C1
    control of the same number, as MySQL's "latin1" (really windows-1252) does."""
    table = {}
    for byte in range(0x80, 0x100):
        try:
            table[bytes([byte]).decode(codec)] = byte
        except UnicodeDecodeError:
            table[chr(byte)] = byte
    return table


_HIGH_HALF = {codec: _high_half(codec) for codec in ("cp1252", "cp1256")}
# A run of characters a double-encoding could have produced (no ASCII inside).
_REPAIRABLE_RUN = {
    codec: re.compile("[" + re.escape("".join(table)) + "]{2,}") for codec, table in _HIGH_HALF.items()
}


def charset_from_content_type(content_type: str | None) -> str | None:
    """Canonical charset name from a Content-Type header value, or None."""
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return canonical_encoding(match.group(1)) if match else None


def charset_from_markup(body: bytes) -> str | None:
    """Canonical charset from ``<meta>`` or the XML declaration in the first 4 KB, or None."""
    head = body[:_SNIFF_BYTES]
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    return canonical_encoding(match.group(1).decode("ascii", "ignore")) if match else None


def canonical_encoding(label: str) -> str | None:
    """WHATWG-style name for an encoding label ("cp1256" -> "windows-1256"); None if unknown."""
    label = label.strip().strip("\"'").lower()
    if label in _LABELS:
        return _LABELS[label]
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


_ASSESS_MAX_CHARS = 300_000
# Below this quality a decoding is not taken for Arabic text (see _assess).
_ARABIC_QUALITY = 0.5
# Tie-break among equally good detector guesses: what Arabic and Western sites actually use.
_PREFERRED = ["windows-1256", "windows-1252", "iso-8859-6", "utf-8"]


def _python_codec(name: str) -> str:
    return _PYTHON_CODEC.get(name, name)


class _Score:
    __slots__ = ("plausible", "quality", "why")

    def __init__(self, plausible: bool, quality: float, why: str) -> None:
        self.plausible = plausible
        self.quality = quality
        self.why = why


def _mojibake_pairs(text: str) -> int:
    return len(_MOJIBAKE_LATIN.findall(text)) + len(_MOJIBAKE_1256.findall(text))


def _assess(text: str) -> _Score:
    """Plausibility (no garbage) and Arabic quality in [0, 1] of one decoding."""
    if len(text) > _ASSESS_MAX_CHARS:
        # Regex scans cost ~0.1 us per character: judge a huge page by its head and tail.
        text = text[: _ASSESS_MAX_CHARS * 2 // 3] + " " + text[-(_ASSESS_MAX_CHARS // 3) :]
    bad = len(_BAD_CHAR.findall(text))
    if bad > 2 + len(text) // 1000:
        return _Score(False, 0.0, f"{bad} control/replacement characters")
    letters = sum(map(len, _SIGNAL_RUN.findall(text)))
    pairs = _mojibake_pairs(text)
    if pairs >= 3 and pairs * 10 >= letters:
        return _Score(False, 0.0, f"{pairs} mojibake pairs among {letters} non-ASCII letters")
    if letters == 0:
        return _Score(True, 0.0, "ASCII only")
    arabic = sum(map(len, _ARABIC_RUN.findall(text)))
    mixed = len(_MIXED_SCRIPT.findall(text))
    if mixed >= 3 and mixed * 5 >= arabic:
        return _Score(False, 0.0, f"{mixed} Latin letters glued to Arabic ones")
    words = len(_ARABIC_WORD.findall(text))
    definite = len(_DEFINITE_WORD.findall(text)) / words if words else 0.0
    # News Arabic has the article on a quarter to a third of its words; a wrong code page
    # maps the two letters elsewhere and lands near zero. Too few words to judge: no penalty.
    wordness = min(definite / 0.2, 1.0) if words >= 8 else 1.0
    return _Score(True, min(arabic / letters, 1.0) * wordness, f"arabic={arabic}/{letters} al={definite:.2f}")


def _repair_double_encoding(text: str) -> str:
    """Undo UTF-8 that was read as a single-byte charset and saved again, run by run."""
    for codec in ("cp1252", "cp1256"):
        table = _HIGH_HALF[codec]

        def fix(match: re.Match[str], table: dict[str, int] = table) -> str:
            run = match.group(0)
            try:
                return bytes(table[ch] for ch in run).decode("utf-8")
            except UnicodeDecodeError:
                return run

        text = _REPAIRABLE_RUN[codec].sub(fix, text)
    return text


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode an HTML (or XML) document; returns ``(text, encoding name)`` or raises ``CharsetError``."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            text = body[len(bom) :].decode(name, errors="replace")
            score = _assess(text)
            if score.plausible:
                return text, name
            raise CharsetError(f"{name} BOM but the content is not plausible text ({score.why})")

    # Fast path: valid UTF-8.
    text = _strict(body, "utf-8")
    if text is not None:
        if not _MOJIBAKE_LATIN.search(text) and not _MOJIBAKE_1256.search(text):
            return text, "utf-8"
        score = _assess(text)
        if score.plausible:
            return text, "utf-8"
        repaired = _repair_double_encoding(text)
        if _assess(repaired).plausible:
            return repaired, "utf-8"
        raise CharsetError(f"valid UTF-8 but double-encoded beyond repair ({score.why})")

    header = charset_from_content_type(content_type)
    meta = charset_from_markup(body)
    reasons: list[str] = []
    tried: dict[str, tuple[str, _Score] | None] = {}

    def attempt(name: str | None) -> tuple[str, _Score] | None:
        if not name or name == "utf-8":
            return None  # strict UTF-8 already failed above
        if name not in tried:
            tried[name] = None
            decoded = _strict(body, _python_codec(name))
            if decoded is None:
                reasons.append(f"{name}: invalid bytes")
            else:
                score = _assess(decoded)
                if score.plausible:
                    tried[name] = (decoded, score)
                else:
                    reasons.append(f"{name}: {score.why}")
        return tried[name]

    # 1. Arabic text: the declared charsets and the two Arabic legacy ones compete on
    # quality; a declaration only breaks near-ties (it is wrong too often to decide alone).
    best: tuple[float, str, str] | None = None
    for name, bonus in ((header, 0.1), (meta, 0.05), ("windows-1256", 0.0), ("iso-8859-6", 0.0)):
        result = attempt(name)
        if result is not None and result[1].quality >= _ARABIC_QUALITY and name is not None:
            if best is None or result[1].quality + bonus > best[0]:
                best = (result[1].quality + bonus, result[0], name)
            if result[1].quality >= 0.9:
                break  # unmistakably Arabic: the next table could only score lower
    if best is not None:
        return best[1], best[2]

    # 2. Not Arabic (or too short to tell): a declaration that decodes cleanly wins.
    for name in (header, meta):
        result = attempt(name)
        if result is not None and name is not None:
            return result[0], name
    # 3. UTF-8 with a few broken sequences (a CMS cut a letter in half) is still UTF-8.
    lenient = body.decode("utf-8", errors="replace")
    broken = lenient.count("\ufffd")
    if broken <= 2 + len(lenient) // 2000:
        cleaned = lenient.replace("\ufffd", "")
        if _assess(cleaned).plausible:
            return cleaned, "utf-8"
    reasons.append(f"utf-8: {broken} invalid sequences")
    # 4. The statistical detector, then the Arabic web's default.
    for name in (*_detector_guesses(body), "windows-1256"):
        result = attempt(name)
        if result is not None:
            return result[0], name
    raise CharsetError("no plausible decoding: " + "; ".join(reasons))


def _detector_guesses(body: bytes) -> list[str]:
    """charset-normalizer's best guesses; among equally good ones, the web's common charsets first."""
    matches = list(charset_normalizer.from_bytes(body))
    if not matches:
        return []
    top = matches[0]
    tied = [m for m in matches if m.chaos == top.chaos and abs(m.coherence - top.coherence) < 0.01]
    names = [canonical_encoding(m.encoding) or m.encoding for m in tied]
    names.sort(key=lambda n: _PREFERRED.index(n) if n in _PREFERRED else len(_PREFERRED))
    return names


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Decode an HTML file as the pipeline would and print it.")
    parser.add_argument("path")
    parser.add_argument("--content-type", default=None)
    args = parser.parse_args(argv)
    with open(args.path, "rb") as fh:
        body = fh.read()
    try:
        text, encoding = decode_html(body, args.content_type)
    except CharsetError as error:
        print(f"REJECT {error.reason}: {error.detail}")
        raise SystemExit(1) from None
    print(f"# encoding: {encoding}")
    print(text)


if __name__ == "__main__":
    main()
