"""Arabic normalisation: one display form for ``body`` and one match-key form for search and dedup.

    python -c "from transforms.arabic import normalize_match; print(normalize_match('أمســ الأربعاء ٤ تشرين'))"

Decisions (see README, "Arabic text"):
- display form keeps diacritics, hamza forms and the digits as the outlet wrote them
  (Arabic-Indic or ASCII), and removes only what no reader sees or wants: tatweel,
  invisible bidi/joiner marks, BOMs, presentation-form glyphs (NFKC), and bad spacing;
- match-key form is for machines: no diacritics, alef variants to bare alef, alef maqsura to
  ya, ta marbuta to ha, Arabic-Indic and Persian digits to ASCII, lowercase Latin.
Everything is ``str.translate`` and compiled regexes: no per-character Python loops.
"""

from __future__ import annotations

import re
import unicodedata

TATWEEL = "\u0640"
# Bidi controls, joiners, soft hyphen, BOM/ZWNBSP, word joiner, Arabic letter mark.
INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff\u00ad\u061c"
# Harakat, tanwin, shadda, sukun, dagger alef, Quranic annotation marks.
DIACRITICS = "".join(chr(c) for c in range(0x064B, 0x0660)) + "\u0670" + "".join(
    chr(c) for c in range(0x06D6, 0x06EE) if c not in (0x06DD, 0x06DE, 0x06E5, 0x06E6)
)
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"

_DROP_DISPLAY = str.maketrans("", "", TATWEEL + INVISIBLE)
_DIGITS_TO_ASCII = str.maketrans(ARABIC_INDIC_DIGITS + PERSIAN_DIGITS, "0123456789" * 2)
_MATCH_TABLE = str.maketrans(
    {
        **{c: None for c in TATWEEL + INVISIBLE + DIACRITICS},
        **{a: "ا" for a in "أإآٱ"},
        "ى": "ي",
        "ة": "ه",
        "ؤ": "و",
        "ئ": "ي",
        # Persian/Urdu letter shapes that Arabic outlets' CMSes sometimes emit.
        "ک": "ك",
        "ی": "ي",
        "ۀ": "ه",
        **{d: str(i) for i, d in enumerate(ARABIC_INDIC_DIGITS)},
        **{d: str(i) for i, d in enumerate(PERSIAN_DIGITS)},
    }
)

_HSPACE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_SPACE_BEFORE_PUNCT = re.compile(r"[ ]+([،؛؟:!.,;?)\]»])")
_SPACE_AFTER_OPEN = re.compile(r"([(\[«])[ ]+")
_MISSING_SPACE_AFTER = re.compile(r"([،؛؟])(?=[^\s\d،؛؟.!:»)\]\"'])")
_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_NON_WORD = re.compile(r"[^\w]+")
_WORD = re.compile(r"\w+")


def normalize_display(text: str) -> str:
    """Display form: what ``body`` holds. Idempotent."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text) if not text.isascii() else text
    text = text.translate(_DROP_DISPLAY).replace("\r\n", "\n").replace("\r", "\n")
    text = _HSPACE.sub(" ", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = _SPACE_AFTER_OPEN.sub(r"\1", text)
    text = _MISSING_SPACE_AFTER.sub(r"\1 ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def normalize_match(text: str) -> str:
    """Match-key form: for search, entity keys and near-duplicate shingles. Idempotent."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).translate(_MATCH_TABLE).lower()
    return _HSPACE.sub(" ", text).strip()


def match_tokens(text: str) -> list[str]:
    """Word tokens of the match-key form (punctuation dropped)."""
    return _NON_WORD.sub(" ", normalize_match(text)).split()


def to_ascii_digits(text: str) -> str:
    """Arabic-Indic and Persian digits to ASCII, nothing else touched."""
    return text.translate(_DIGITS_TO_ASCII)


def count_words(text: str) -> int:
    return len(_WORD.findall(text))
