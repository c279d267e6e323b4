"""A fault-injection HTTP server on 127.0.0.1 for fetch and pipeline tests.

    /work/main/.venv/bin/python tests/faultserver.py --port 8765   # then browse http://127.0.0.1:8765/

Use it as a context manager; every route of ``default_routes()`` is served unless overridden::

    with FaultServer() as server:
        client.get(server.url("/flaky/500-then-ok.html"))
        assert server.hits("/flaky/500-then-ok.html") == 2

The route table maps a path to a ``Reply`` (always the same answer), a list of replies (the
n-th request to that path+query gets item n, the last one repeats: "500 then success"), or a
callable ``(Request) -> Reply`` (conditional GET, pages that link to the server itself).
A key ending in ``*`` matches every path with that prefix. Counters are per path *and query*,
so a test can get a fresh sequence by adding ``?case=name`` to the URL.

Every Arabic text here was written for these tests (no corpus content). The texts avoid
characters missing from ISO-8859-6 so the same article can be served in all three legacy
encodings.
"""

from __future__ import annotations

import argparse
import functools
import ssl
import struct
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

# --------------------------------------------------------------------------------------------
# Content

ARTICLES: dict[str, tuple[str, list[str]]] = {
    "library": (
        "افتتاح مكتبة عامة جديدة في وسط المدينة",
        [
            "افتتحت بلدية المدينة صباح يوم الأحد مكتبة عامة جديدة تضم أكثر من عشرين ألف كتاب في مجالات "
            "الأدب والعلوم والتاريخ، وذلك بحضور عدد من الكتاب والطلاب وأهالي الحي.",
            "وقال مدير المكتبة في كلمة قصيرة إن المبنى صمم ليكون مفتوحا للجميع طوال أيام الأسبوع، وإن قاعة "
            "الأطفال ستقدم ورشات للقراءة والرسم كل يوم سبت.",
            "وأضاف أن المكتبة ستتيح للزوار استعارة الكتب مجانا بعد التسجيل، كما ستوفر قاعة للدراسة الهادئة "
            "وأجهزة حاسوب متصلة بالشبكة.",
            "وأعرب عدد من الحاضرين عن سعادتهم بالمشروع، مؤكدين أن الحي كان في حاجة إلى مكان ثقافي يجمع "
            "الشباب بعيدا عن ضجيج الشوارع؟ نعم، قال أحدهم؛ فهذا ما انتظرناه طويلا.",
        ],
    ),
    "vegetables": (
        "ارتفاع أسعار الخضار في الأسواق المحلية مع بداية فصل الشتاء",
        [
            "سجلت أسواق الخضار ارتفاعا ملحوظا في الأسعار خلال الأسبوع الماضي، إذ قال تجار إن تراجع الكميات "
            "الواردة من المزارع بسبب الأمطار الغزيرة أدى إلى زيادة الطلب على الطماطم والبطاطا.",
            "وتوقع رئيس جمعية التجار أن تعود الأسعار إلى مستواها المعتاد خلال أسبوعين إذا تحسن الطقس، داعيا "
            "المستهلكين إلى عدم تخزين كميات كبيرة.",
        ],
    ),
    "football": (
        "فريق المدينة يفوز بكأس البطولة بعد مباراة مثيرة",
        [
            "حقق فريق المدينة لكرة القدم فوزا صعبا على منافسه بهدفين مقابل هدف واحد في المباراة النهائية التي "
            "أقيمت مساء أمس على الملعب البلدي أمام آلاف المشجعين.",
            "وسجل المهاجم الشاب هدف الفوز في الدقائق الأخيرة من اللقاء، ليمنح فريقه اللقب الأول منذ عشر سنوات.",
        ],
    ),
}

LONG_ARABIC_CATEGORY = ("أخبار المدن والقرى والمحافظات " * 12)[:300]
assert len(LONG_ARABIC_CATEGORY) == 300


def html_page(slug: str, meta_charset: str | None = "utf-8", http_equiv: bool = False) -> str:
    """An Arabic article page; ``meta_charset=None`` leaves the charset undeclared in the markup."""
    title, paragraphs = ARTICLES[slug]
    if meta_charset is None:
        meta = ""
    elif http_equiv:
        meta = f'<meta http-equiv="Content-Type" content="text/html; charset={meta_charset}">'
    else:
        meta = f'<meta charset="{meta_charset}">'
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html>\n<html lang="ar" dir="rtl">\n<head>\n{meta}\n<title>{title}</title>\n'
        f'<link rel="canonical" href="/articles/{slug}.html">\n</head>\n<body>\n<nav><a href="/">الرئيسية</a></nav>\n'
        f"<article>\n<h1>{title}</h1>\n{body}\n</article>\n</body>\n</html>\n"
    )


def rss_feed(base: str, categories: Sequence[str] = ("محليات",), encoding: str = "utf-8") -> str:
    """An RSS 2.0 feed of the three articles, linking back to ``base``."""
    items = []
    dates = [
        "Sun, 18 Feb 2018 09:30:00 +0300",
        "Thu, 04 Nov 2021 10:30:00 +0200",
        "الأحد 18 فبراير 2018",  # an Arabic date string, as some CMSes emit
    ]
    for (slug, (title, paragraphs)), date in zip(ARTICLES.items(), dates, strict=True):
        cats = "".join(f"<category>{c}</category>" for c in categories)
        items.append(
            f"<item><title>{title}</title><link>{base}/articles/{slug}.html</link>"
            f"<guid>{base}/articles/{slug}.html</guid><pubDate>{date}</pubDate>{cats}"
            f"<description>{paragraphs[0]}</description></item>"
        )
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel>'
        f"<title>أخبار المدينة</title><link>{base}/</link><description>آخر الأخبار المحلية</description>"
        f"<language>ar</language>{''.join(items)}</channel></rss>\n"
    )


def atom_feed(base: str) -> str:
    entries = "".join(
        f'<entry><title>{title}</title><link href="{base}/articles/{slug}.html"/>'
        f"<id>{base}/articles/{slug}.html</id><updated>2021-11-04T10:30:00+02:00</updated>"
        f"<summary>{paragraphs[0]}</summary></entry>"
        for slug, (title, paragraphs) in ARTICLES.items()
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>أخبار المدينة</title><id>{base}/</id><updated>2021-11-04T10:30:00+02:00</updated>{entries}</feed>\n"
    )


def malformed_rss(base: str) -> str:
    """Bozo but recoverable: a bare '&' in a title and the closing tags missing."""
    good = rss_feed(base)
    good = good.replace("أخبار المدينة</title>", "أخبار المدينة & الريف</title>", 1)
    return good.replace("</channel></rss>\n", "")


UNPARSEABLE_FEED = "<html><body><h1>Service Unavailable</h1><p>خطأ في الخادم</p>"

ENTITY_BOMB_FEED = (
    '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE rss [\n<!ENTITY a0 "هههههههههه">\n'
    + "".join(f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">\n' for i in range(1, 10))
    + ']>\n<rss version="2.0"><channel><title>&a9;</title><item><title>قنبلة</title>'
    "<link>http://127.0.0.1/x</link><description>&a9;</description></item></channel></rss>\n"
)

XXE_FEED = (
    '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    '<rss version="2.0"><channel><title>خبر</title><item><title>&xxe;</title>'
    "<link>http://127.0.0.1/xxe</link></item></channel></rss>\n"
)


@functools.lru_cache(maxsize=1)
def gzip_bomb(decompressed_mb: int = 64) -> bytes:
    """About 65 KB of valid gzip that inflates to 64 MB of zeros, built in ~0.1 s.

    Each megabyte is deflated and fully flushed, which resets the compressor, so every
    block after the first is the same bytes: compress two, repeat the second.
    """
    megabyte = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = compressor.compress(megabyte) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(megabyte) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(decompressed_mb):
        crc = zlib.crc32(megabyte, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, (decompressed_mb << 20) & 0xFFFFFFFF)
    return header + first + repeated * (decompressed_mb - 1) + compressor.flush() + trailer


def _gzip(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def _deflate(data: bytes, raw: bool) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS if raw else zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def _double_encoded_utf8(text: str) -> bytes:
    """UTF-8 bytes misread as windows-1252 and saved again as UTF-8 (a CMS import gone wrong)."""
    # MySQL's "latin1" keeps the five bytes windows-1252 leaves undefined as C1 controls.
    misread = "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in text.encode("utf-8"))
    return misread.encode("utf-8")


MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

# --------------------------------------------------------------------------------------------
# Route table


@dataclass
class Request:
    path: str
    query: str
    headers: dict[str, str]  # lower-case keys
    base: str  # "http://127.0.0.1:PORT"
    hit: int  # 1 for the first request to this path+query
    started: float  # time.monotonic()


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    # A streamed body (sent chunked unless headers carry Content-Length): never held in memory.
    chunks: Callable[[], Iterable[bytes]] | None = None
    chunk_delay: float = 0.0  # seconds between chunks: a slow drip
    delay: float = 0.0  # seconds before the status line
    drip_headers: int = 0  # extra header lines, sent one per ``chunk_delay``


Route = Reply | Sequence[Reply] | Callable[[Request], Reply]


def _html(text: str, charset_param: str | None = "utf-8", encoding: str = "utf-8", **headers: str) -> Reply:
    content_type = "text/html" if charset_param is None else f"text/html; charset={charset_param}"
    return Reply(200, {"Content-Type": content_type, **headers}, text.encode(encoding))


def _redirect(location: str, status: int = 302) -> Reply:
    return Reply(status, {"Location": location, "Content-Length": "0"})


def _filler_chunks(total: int, size: int = 64 * 1024) -> Callable[[], Iterator[bytes]]:
    line = ("<p>" + "نص طويل جدا لاختبار الحد الأقصى للحجم " * 8 + "</p>\n").encode("utf-8")

    def generate() -> Iterator[bytes]:
        block = (line * (size // len(line) + 1))[:size]
        sent = 0
        while sent < total:
            piece = block[: min(size, total - sent)]
            sent += len(piece)
            yield piece

    return generate


def _drip(n: int, piece: bytes = b"<p>...</p>\n") -> Callable[[], Iterator[bytes]]:
    return lambda: iter([b"<!DOCTYPE html><html><body>"] + [piece] * n)


def _conditional_feed(request: Request) -> Reply:
    etag = '"feed-v1"'
    last_modified = "Sun, 18 Feb 2018 09:30:00 GMT"
    if (
        request.headers.get("if-none-match") == etag
        or request.headers.get("if-modified-since") == last_modified
    ):
        return Reply(304, {"ETag": etag, "Last-Modified": last_modified})
    body = rss_feed(request.base).encode("utf-8")
    return Reply(
        200,
        {"Content-Type": "application/rss+xml; charset=utf-8", "ETag": etag, "Last-Modified": last_modified},
        body,
    )


def _feed(
    make: Callable[[str], str], content_type: str = "application/rss+xml; charset=utf-8"
) -> Callable[[Request], Reply]:
    return lambda request: Reply(200, {"Content-Type": content_type}, make(request.base).encode("utf-8"))


def _redirect_chain(request: Request) -> Reply:
    # /redirect/chain/N -> /redirect/chain/N-1 -> ... -> /redirect/chain/0 -> the article
    n = int(request.path.rsplit("/", 1)[1] or 0)
    return _redirect("/articles/library.html" if n <= 0 else f"/redirect/chain/{n - 1}")


def default_routes() -> dict[str, Route]:
    """The standard fault catalogue (see the module docstring for the route kinds)."""
    article_utf8 = html_page("library")
    undeclared = html_page("library", meta_charset=None)
    gz_page = html_page("vegetables").encode("utf-8")
    megabytes_20 = 20 * 1000 * 1000
    return {
        "/": _html("<!DOCTYPE html><html><body><p>خادم الاختبار</p></body></html>"),
        "/robots.txt": Reply(200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private/\n"),
        "/private/*": _html(html_page("football")),
        "/articles/*": lambda r: (
            _html(html_page(r.path.rsplit("/", 1)[1].removesuffix(".html")))
            if r.path.rsplit("/", 1)[1].removesuffix(".html") in ARTICLES
            else Reply(404, {"Content-Type": "text/plain"}, b"not found")
        ),
        # Good pages and encodings
        "/ok/ar-utf8.html": _html(article_utf8),
        "/ok/no-content-type.html": Reply(200, {}, article_utf8.encode("utf-8")),
        "/ok/plain.txt": Reply(200, {"Content-Type": "text/plain; charset=utf-8"}, "نص عادي".encode()),
        "/ok/gzip.html": Reply(
            200, {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"}, _gzip(gz_page)
        ),
        "/ok/deflate-zlib.html": Reply(
            200,
            {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "deflate"},
            _deflate(gz_page, raw=False),
        ),
        "/ok/deflate-raw.html": Reply(
            200,
            {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "deflate"},
            _deflate(gz_page, raw=True),
        ),
        "/ok/brotli.html": Reply(
            200, {"Content-Type": "text/html", "Content-Encoding": "br"}, b"\x0b\x02\x80hello\x03"
        ),
        # Status codes, retries
        "/status/404": Reply(404, {"Content-Type": "text/html"}, "<p>الصفحة غير موجودة</p>".encode()),
        "/status/410": Reply(410, {"Content-Type": "text/plain"}, b"gone"),
        "/status/403": Reply(403, {"Content-Type": "text/plain"}, b"forbidden"),
        "/status/500": Reply(500, {"Content-Type": "text/plain"}, b"boom"),
        "/flaky/500-then-ok.html": [Reply(500, {"Content-Type": "text/plain"}, b"boom"), _html(article_utf8)],
        "/flaky/503-twice-then-ok.html": [Reply(503), Reply(503), _html(article_utf8)],
        "/ratelimit/429-then-ok.html": [Reply(429, {"Retry-After": "1"}, b"slow down"), _html(article_utf8)],
        "/ratelimit/429-long.html": Reply(429, {"Retry-After": "3600"}, b"come back in an hour"),
        # Time
        "/slow/drip.html": Reply(200, {"Content-Type": "text/html"}, chunks=_drip(200), chunk_delay=0.1),
        "/slow/header-drip.html": Reply(
            200, {"Content-Type": "text/html"}, b"<p>late</p>", chunk_delay=0.1, drip_headers=300
        ),
        "/slow/headers.html": Reply(200, {"Content-Type": "text/html"}, b"<p>late</p>", delay=3.0),
        "/slow/0.3s.html": Reply(200, {"Content-Type": "text/html"}, article_utf8.encode(), delay=0.3),
        # Size
        "/big/20mb.html": Reply(
            200,
            {"Content-Type": "text/html", "Content-Length": str(megabytes_20)},
            chunks=_filler_chunks(megabytes_20),
        ),
        "/big/20mb-chunked.html": Reply(
            200, {"Content-Type": "text/html"}, chunks=_filler_chunks(megabytes_20)
        ),
        "/bomb/gzip.html": lambda r: Reply(
            200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, gzip_bomb()
        ),
        # Redirects
        "/redirect/to-ok": _redirect("/ok/ar-utf8.html", 301),
        "/redirect/relative/x": _redirect("../../ok/ar-utf8.html"),
        "/redirect/loop-a": _redirect("/redirect/loop-b"),
        "/redirect/loop-b": _redirect("/redirect/loop-a"),
        "/redirect/self": _redirect("/redirect/self"),
        "/redirect/chain/*": _redirect_chain,
        "/redirect/to-private": _redirect("http://10.0.0.1/internal"),
        "/redirect/to-metadata": _redirect("http://169.254.169.254/latest/meta-data/"),
        "/redirect/to-ftp": _redirect("ftp://127.0.0.1/file.txt"),
        "/redirect/no-location": Reply(302, {"Content-Length": "0"}),
        "/redirect/to-private-dir": _redirect("/private/secret.html"),
        # Content types
        "/files/report.pdf": Reply(200, {"Content-Type": "application/pdf"}, MINIMAL_PDF),
        "/files/report-untyped": Reply(200, {}, MINIMAL_PDF),
        # Charsets
        "/charset/cp1256-no-header.html": _html(undeclared, charset_param=None, encoding="cp1256"),
        "/charset/cp1256-meta.html": _html(
            html_page("library", "windows-1256", http_equiv=True), None, "cp1256"
        ),
        "/charset/utf8-declared-cp1256.html": _html(article_utf8, charset_param="utf-8", encoding="cp1256"),
        "/charset/latin1-declared-cp1256.html": _html(
            undeclared, charset_param="iso-8859-1", encoding="cp1256"
        ),
        "/charset/iso-8859-6.html": _html(html_page("library", "iso-8859-6"), "iso-8859-6", "iso8859_6"),
        "/charset/iso-8859-6-undeclared.html": _html(undeclared, None, "iso8859_6"),
        "/charset/utf8-bom.html": Reply(
            200,
            {"Content-Type": "text/html; charset=windows-1256"},
            b"\xef\xbb\xbf" + article_utf8.encode("utf-8"),
        ),
        "/charset/double-encoded.html": Reply(
            200, {"Content-Type": "text/html; charset=utf-8"}, _double_encoded_utf8(article_utf8)
        ),
        # Feeds
        "/feeds/rss.xml": _conditional_feed,
        "/feeds/atom.xml": _feed(atom_feed, "application/atom+xml"),
        "/feeds/untyped.xml": lambda r: Reply(200, {}, rss_feed(r.base).encode("utf-8")),
        "/feeds/cp1256.xml": lambda r: Reply(
            200,
            {"Content-Type": "application/rss+xml"},
            rss_feed(r.base, encoding="windows-1256").encode("cp1256"),
        ),
        "/feeds/malformed.xml": _feed(malformed_rss),
        "/feeds/unparseable.xml": _feed(lambda base: UNPARSEABLE_FEED),
        "/feeds/entity-bomb.xml": _feed(lambda base: ENTITY_BOMB_FEED),
        "/feeds/xxe.xml": _feed(lambda base: XXE_FEED),
        "/feeds/category-traversal.xml": _feed(
            lambda base: rss_feed(base, categories=("../../etc", "محليات"))
        ),
        "/feeds/category-long.xml": _feed(lambda base: rss_feed(base, categories=(LONG_ARABIC_CATEGORY,))),
    }


def self_signed_tls(directory: str) -> tuple[ssl.SSLContext, str]:
    """A server context for 127.0.0.1 and the path of the PEM a client must trust.

    Needs the ``cryptography`` package (present in the venv as a transitive dependency);
    callers should ``pytest.importorskip("cryptography")``.
    """
    import datetime
    import ipaddress
    import os

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "akhbar fault server")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = os.path.join(directory, "fault-server.pem")
    key_path = os.path.join(directory, "fault-server.key")
    with open(cert_path, "wb") as fh:
        fh.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as fh:
        fh.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context, cert_path


# --------------------------------------------------------------------------------------------
# Server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so loopback benchmarks measure the client
    disable_nagle_algorithm = True  # else small writes wait 40 ms for a delayed ACK
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass  # quiet tests

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self.server.owner._serve(self)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a dripping handler must not hold up shutdown
    owner: FaultServer

    def handle_error(self, request: object, client_address: object) -> None:
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # clients that hang up early are the point of this server
        super().handle_error(request, client_address)


class FaultServer:
    """Threaded HTTP server on 127.0.0.1 with a data-driven route table."""

    def __init__(
        self,
        routes: Mapping[str, Route] | None = None,
        defaults: bool = True,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.tls = tls  # serve HTTPS with this server-side context (see self_signed_tls)
        self.routes: dict[str, Route] = default_routes() if defaults else {}
        self.routes.update(routes or {})
        self._lock = threading.Lock()
        self._hits: Counter[str] = Counter()
        self.requests: list[Request] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --
    def start(self) -> FaultServer:
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        if self.tls is not None:
            # Handshake in the handler thread, so one silent client cannot stall accept().
            self._httpd.socket = self.tls.wrap_socket(
                self._httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- helpers for tests --
    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return int(self._httpd.server_address[1])

    @property
    def base(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base + path

    def hits(self, path: str) -> int:
        """Requests received for ``path`` (include the query string if the request had one)."""
        with self._lock:
            return self._hits[path]

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()
            self.requests.clear()
            self.max_in_flight = self.in_flight

    def set_route(self, path: str, route: Route) -> None:
        self.routes[path] = route

    # -- serving --
    def _lookup(self, path: str) -> Route | None:
        if path in self.routes:
            return self.routes[path]
        best = None
        for key in self.routes:
            if key.endswith("*") and path.startswith(key[:-1]) and (best is None or len(key) > len(best)):
                best = key
        return self.routes[best] if best is not None else None

    def _serve(self, handler: _Handler) -> None:
        parts = urlsplit(handler.path)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        with self._lock:
            self._hits[target] += 1
            hit = self._hits[target]
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            request = Request(
                parts.path,
                parts.query,
                {k.lower(): v for k, v in handler.headers.items()},
                self.base,
                hit,
                time.monotonic(),
            )
            self.requests.append(request)
        try:
            route = self._lookup(parts.path)
            if route is None:
                reply = Reply(404, {"Content-Type": "text/plain"}, b"no such route")
            elif isinstance(route, Reply):
                reply = route
            elif callable(route):
                reply = route(request)
            else:
                reply = route[min(hit, len(route)) - 1]
            self._write(handler, reply)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError, ssl.SSLError):
            handler.close_connection = True  # the client hung up (e.g. it aborted a too-large body)
        finally:
            with self._lock:
                self.in_flight -= 1

    @staticmethod
    def _write(handler: _Handler, reply: Reply) -> None:
        if reply.delay:
            time.sleep(reply.delay)
        wfile = handler.wfile
        head = [f"HTTP/1.1 {reply.status} {handler.responses.get(reply.status, ('',))[0]}"]
        head.append(f"Date: {formatdate(usegmt=True)}")
        headers = dict(reply.headers)
        streamed = reply.chunks is not None
        lower = {k.lower() for k in headers}
        if streamed and "content-length" not in lower:
            headers["Transfer-Encoding"] = "chunked"
        elif not streamed and "content-length" not in lower and reply.status not in (204, 304):
            headers["Content-Length"] = str(len(reply.body))
        head.extend(f"{k}: {v}" for k, v in headers.items())
        if reply.drip_headers:
            wfile.write(("\r\n".join(head) + "\r\n").encode("latin-1"))
            for i in range(reply.drip_headers):
                wfile.flush()
                time.sleep(reply.chunk_delay)
                wfile.write(f"X-Drip-{i}: 1\r\n".encode())
            wfile.write(b"\r\n" + reply.body)
            wfile.flush()
            return
        head_bytes = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        if reply.status in (204, 304):
            wfile.write(head_bytes)
            wfile.flush()
            return
        if not streamed:
            wfile.write(head_bytes + reply.body)
            wfile.flush()
            return
        wfile.write(head_bytes)
        chunked = headers.get("Transfer-Encoding") == "chunked"
        assert reply.chunks is not None
        for piece in reply.chunks():
            if chunked:
                wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            else:
                wfile.write(piece)
            wfile.flush()
            if reply.chunk_delay:
                time.sleep(reply.chunk_delay)
        if chunked:
            wfile.write(b"0\r\n\r\n")
        wfile.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the fault catalogue on 127.0.0.1 until Ctrl-C.")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = FaultServer()
    server._httpd = _Server(("127.0.0.1", args.port), _Handler)
    server._httpd.owner = server
    print(f"serving {len(server.routes)} routes on {server.base}")
    for path in sorted(server.routes):
        print(f"  {server.url(path)}")
    try:
        server._httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
