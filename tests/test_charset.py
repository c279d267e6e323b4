"""decode_html: BOM, header, <meta>, detection, validation; never mojibake.

    /work/main/.venv/bin/pytest tests/test_charset.py -q

Pure-function cases build their bytes here; the served cases go through HttpClient and the
fault server, as the pipeline does. All Arabic text is written for these tests.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Iterator

import pytest
from faultserver import MINIMAL_PDF, FaultServer, html_page

from akhbar.transforms.web.charset import (
    CharsetError,
    canonical_encoding,
    charset_from_content_type,
    charset_from_markup,
    decode_html,
)
from akhbar.transforms.web.http import FetchSettings, HttpClient

SENTENCE = "افتتحت بلدية المدينة صباح يوم الأحد مكتبة عامة جديدة"
PAGE = html_page("library", meta_charset=None)
# UTF-8 Arabic shown through windows-1252 ("Ø§Ù„") or windows-1256 ("ط§ظ„").
MOJIBAKE = re.compile(
    "[ØÙÚÛ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]|[طظ][§„¢£¤¥¦¨©¬®¯°±²³´µ¶·¸¹¼½¾€‚ƒ†‡ˆ‰‹Œ›œ]"
)


def _readable(text: str) -> bool:
    return SENTENCE in text and not MOJIBAKE.search(text)


# -- declared and undeclared legacy encodings --------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (PAGE.encode("utf-8"), "text/html; charset=utf-8", "utf-8"),
        (PAGE.encode("utf-8"), None, "utf-8"),
        (PAGE.encode("utf-8"), "text/html; charset=windows-1256", "utf-8"),  # valid UTF-8 wins
        (PAGE.encode("cp1256"), None, "windows-1256"),
        (PAGE.encode("cp1256"), "text/html; charset=windows-1256", "windows-1256"),
        (PAGE.encode("cp1256"), "text/html; charset=utf-8", "windows-1256"),  # declared UTF-8, served 1256
        (PAGE.encode("cp1256"), "text/html; charset=ISO-8859-1", "windows-1256"),  # server default lies
        (PAGE.encode("iso8859_6"), "text/html; charset=iso-8859-6", "iso-8859-6"),
        (PAGE.encode("iso8859_6"), None, "iso-8859-6"),
        (PAGE.encode("iso8859_6"), "text/html; charset=windows-1256", "iso-8859-6"),  # wrong table loses
        (html_page("library", "windows-1256").encode("cp1256"), None, "windows-1256"),
        (html_page("library", "windows-1256", http_equiv=True).encode("cp1256"), "text/html", "windows-1256"),
        (html_page("library", "utf-8").encode("cp1256"), "text/html; charset=utf-8", "windows-1256"),
    ],
)
def test_arabic_pages_come_out_readable(body, content_type, expected):
    text, encoding = decode_html(body, content_type)
    assert encoding == expected
    assert _readable(text)


@pytest.mark.parametrize(
    ("bom", "codec", "expected"),
    [
        (b"\xef\xbb\xbf", "utf-8", "utf-8"),
        (b"\xff\xfe", "utf-16-le", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be", "utf-16-be"),
    ],
)
def test_bom_beats_header_and_meta(bom, codec, expected):
    body = bom + html_page("library", "windows-1256").encode(codec)
    text, encoding = decode_html(body, "text/html; charset=windows-1256")
    assert encoding == expected and _readable(text) and not text.startswith("\ufeff")


def test_double_encoded_utf8_is_repaired():
    misread = "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in PAGE.encode("utf-8"))
    assert MOJIBAKE.search(misread)
    text, encoding = decode_html(misread.encode("utf-8"), "text/html; charset=utf-8")
    assert encoding == "utf-8" and _readable(text)


def test_utf8_with_one_broken_sequence_stays_utf8():
    raw = PAGE.encode("utf-8")
    cut = raw.index(SENTENCE.encode("utf-8")) - 40
    body = raw[:cut] + b"\xd8" + raw[cut:]  # a lone lead byte, as a CMS that truncates bytes leaves
    text, encoding = decode_html(body, "text/html")
    assert encoding == "utf-8" and _readable(text) and "\ufffd" not in text


def test_non_arabic_legacy_pages_keep_their_charset():
    french = "<html><body><p>Le président a déclaré à la presse que la réunion était très importante.</p></body></html>"
    assert decode_html(french.encode("cp1252"), "text/html; charset=windows-1252") == (french, "windows-1252")
    assert decode_html(french.encode("cp1252"), None) == (french, "windows-1252")
    russian = "<p>Президент заявил журналистам, что встреча была очень важной для всех сторон.</p>"
    assert decode_html(russian.encode("cp1251"), None)[0] == russian


def test_short_text_is_not_penalised():
    title = "<title>أخبار اليوم</title>"
    assert decode_html(title.encode("cp1256"), None) == (title, "windows-1256")


# -- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        random.Random(7).randbytes(4000),
        MINIMAL_PDF + bytes(range(256)) * 8,
        b"\xef\xbb\xbf" + bytes(range(32)) * 20,
    ],
    ids=["random", "pdf", "bom-then-binary"],
)
def test_undecodable_bytes_raise_charset_error(body):
    with pytest.raises(CharsetError) as caught:
        decode_html(body, "text/html")
    assert caught.value.reason == "charset_undecodable" and caught.value.detail


# -- header and markup parsing -----------------------------------------------------------------


def test_declaration_parsing():
    assert charset_from_content_type('text/html; charset="Windows-1256"') == "windows-1256"
    assert charset_from_content_type("text/html") is None and charset_from_content_type(None) is None
    assert charset_from_markup(b'<html><head><meta charset="ISO-8859-6">') == "iso-8859-6"
    assert (
        charset_from_markup(b'<meta http-equiv="Content-Type" content="text/html; charset=cp1256">')
        == "windows-1256"
    )
    assert charset_from_markup(b'<?xml version="1.0" encoding="windows-1256"?><rss/>') == "windows-1256"
    assert charset_from_markup(b" " * 5000 + b'<meta charset="utf-8">') is None  # beyond the sniff window
    assert canonical_encoding("latin1") == "windows-1252" and canonical_encoding("no-such-charset") is None


def test_utf8_fast_path_is_cheap():
    body = (PAGE * 200).encode("utf-8")  # about 300 KB
    started = time.perf_counter()
    text, encoding = decode_html(body, "text/html; charset=utf-8")
    assert encoding == "utf-8" and len(text) == len(PAGE) * 200
    assert time.perf_counter() - started < 0.5  # ~10 ms here; generous for a shared machine


# -- served by the fault server, fetched by HttpClient -------------------------------------------


@pytest.fixture(scope="module")
def fetched() -> Iterator[tuple[FaultServer, HttpClient]]:
    settings = FetchSettings(
        allow_private_hosts=True, per_host_delay=0.0, per_host_concurrency=8, total_timeout=5.0
    )
    with FaultServer() as server, HttpClient(settings) as client:
        yield server, client


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/ok/ar-utf8.html", "utf-8"),
        ("/charset/cp1256-no-header.html", "windows-1256"),
        ("/charset/cp1256-meta.html", "windows-1256"),
        ("/charset/utf8-declared-cp1256.html", "windows-1256"),
        ("/charset/latin1-declared-cp1256.html", "windows-1256"),
        ("/charset/iso-8859-6.html", "iso-8859-6"),
        ("/charset/iso-8859-6-undeclared.html", "iso-8859-6"),
        ("/charset/utf8-bom.html", "utf-8"),
        ("/charset/double-encoded.html", "utf-8"),
        ("/ok/gzip.html", "utf-8"),
    ],
)
def test_served_pages_decode_without_mojibake(fetched, path, expected):
    server, client = fetched
    response = client.get(server.url(path))
    text, encoding = decode_html(response.body, response.content_type)
    assert encoding == expected
    assert not MOJIBAKE.search(text)
    assert SENTENCE in text or "سجلت أسواق الخضار ارتفاعا ملحوظا" in text
