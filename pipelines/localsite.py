"""A quiet loopback HTTP server for a directory of static files, with the origin filled in at serve time.

    python -m akhbar.pipelines.localsite pipelines/demo_site    # serves until Ctrl-C, prints the base URL

Used by ``akhbar demo`` and by the end-to-end tests to serve the bundled sample corpus
(``pipelines/demo_site``) over real HTTP on 127.0.0.1 and an ephemeral port. Because the
port is only known once the socket is bound, the files hold the ASCII placeholder
``{{BASE}}`` wherever an absolute link is needed, and the server replaces those bytes by
``http://127.0.0.1:PORT`` in every file it serves (byte-level, so it works the same for
UTF-8 and windows-1256 pages).

Behaviour a fetcher can be tested against:
- ``Content-Type`` from the extension, overridable per path by ``_headers.json`` in the
  root (``{"/path": {"Content-Type": "...", "Status": "301", "Location": "..."}}``); a
  ``Status`` entry sets the response code and is not sent as a header;
- ``ETag`` and ``Last-Modified`` on every file; ``If-None-Match`` (preferred) or
  ``If-Modified-Since`` answer ``304 Not Modified``;
- ``HEAD``; ``404`` for missing files and for files whose name starts with ``_``;
  ``403`` for any path that would leave the root; query strings are ignored when
  resolving a file (feeds link pages with ``?utm_source=rss``);
- nothing is written to stderr; ``request_log`` keeps ``(method, path, status)`` tuples.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import mimetypes
import os
import posixpath
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit

PLACEHOLDER = b"{{BASE}}"
HEADERS_FILE = "_headers.json"
FEEDS_TEMPLATE = "feeds.yaml.template"

# Explicit types for what the sample corpus holds; anything else falls back to mimetypes.
_TYPES_BY_EXTENSION = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".yaml": "text/plain; charset=utf-8",
}


def _content_type(path: Path) -> str:
    known = _TYPES_BY_EXTENSION.get(path.suffix.lower())
    if known:
        return known
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


class _SiteHandler(BaseHTTPRequestHandler):
    server: _SiteServer
    # HTTP/1.1 so clients can keep connections alive; every response sets Content-Length.
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else the body waits ~40 ms for the delayed ACK of the headers
    server_version = "akhbar-localsite/1"
    sys_version = ""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        # Quiet on purpose: test and demo output must not be interleaved with access logs.
        return

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def _finish(self, status: int, headers: dict[str, str], body: bytes, send_body: bool) -> None:
        # Logged before the first byte goes out, so a client that has its response sees the entry.
        self.server.site.log_request_done(self.command, self.path, status)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and body:
            self.wfile.write(body)

    def _error(self, status: HTTPStatus, send_body: bool) -> None:
        body = f"{status.value} {status.phrase}\n".encode()
        self._finish(status.value, {"Content-Type": "text/plain; charset=utf-8"}, body, send_body)

    def _serve(self, send_body: bool) -> None:
        site = self.server.site
        resolved = site.resolve(self.path)
        if resolved is None:
            self._error(HTTPStatus.FORBIDDEN, send_body)
            return
        url_path, file_path = resolved
        if file_path is None:
            self._error(HTTPStatus.NOT_FOUND, send_body)
            return

        body = site.render(file_path)
        etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        mtime = int(file_path.stat().st_mtime)
        headers = {
            "Content-Type": _content_type(file_path),
            "ETag": etag,
            "Last-Modified": email.utils.formatdate(mtime, usegmt=True),
            "Cache-Control": "max-age=60",
        }
        overrides = dict(site.header_overrides.get(url_path, {}))
        status = int(overrides.pop("Status", 200))
        headers.update(overrides)

        if status == 200 and self._not_modified(etag, mtime):
            # A 304 carries the validators but no body and no Content-Length of the body.
            self._finish(
                HTTPStatus.NOT_MODIFIED.value,
                {"ETag": etag, "Last-Modified": headers["Last-Modified"], "Content-Length": "0"},
                b"",
                send_body=False,
            )
            return
        self._finish(status, headers, body, send_body)

    def _not_modified(self, etag: str, mtime: int) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            # RFC 9110: If-None-Match wins over If-Modified-Since; weak comparison.
            candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
            return "*" in candidates or etag in candidates
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since:
            try:
                since = email.utils.parsedate_to_datetime(if_modified_since)
            except (TypeError, ValueError):
                return False
            if since is None:
                return False
            return mtime <= since.timestamp()
        return False


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], site: LocalSite) -> None:
        self.site = site
        super().__init__(address, _SiteHandler)

    def handle_error(self, request: object, client_address: object) -> None:
        # A client hanging up mid-response is normal in tests; stay quiet like the handler.
        return


class LocalSite:
    """Serve ``root_dir`` on 127.0.0.1 with ``{{BASE}}`` replaced by this server's origin.

    ``with LocalSite(root) as site: requests.get(site.base_url + "/robots.txt")``
    """

    def __init__(self, root_dir: str | os.PathLike[str], host: str = "127.0.0.1", port: int = 0) -> None:
        self.root = Path(root_dir).resolve()
        if not self.root.is_dir():
            raise FileNotFoundError(f"site root is not a directory: {self.root}")
        self.host = host
        self.port = port
        self.request_log: list[tuple[str, str, int]] = []
        self._log_lock = threading.Lock()
        self._server: _SiteServer | None = None
        self._thread: threading.Thread | None = None
        headers_path = self.root / HEADERS_FILE
        self.header_overrides: dict[str, dict[str, str]] = (
            json.loads(headers_path.read_text(encoding="utf-8")) if headers_path.exists() else {}
        )

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> LocalSite:
        if self._server is not None:
            return self
        self._server = _SiteServer((self.host, self.port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="localsite", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> LocalSite:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("LocalSite is not started")
        return f"http://{self.host}:{self.port}"

    # -- content ---------------------------------------------------------------------------
    def url(self, relative_path: str) -> str:
        """Absolute URL of a file under the root, e.g. ``site.url('alkhabar/rss.xml')``."""
        return self.base_url + "/" + relative_path.lstrip("/")

    def render(self, file_path: Path) -> bytes:
        """The bytes served for ``file_path``: its content with the placeholder replaced."""
        return file_path.read_bytes().replace(PLACEHOLDER, self.base_url.encode("ascii"))

    def render_feeds_file(self, dest_path: str | os.PathLike[str], template: str = FEEDS_TEMPLATE) -> Path:
        """Write the feeds file for this server (``{{BASE}}`` filled in) and return its path."""
        dest = Path(dest_path)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(self.render(self.root / template))
        return dest

    def resolve(self, request_path: str) -> tuple[str, Path | None] | None:
        """Map a request target to ``(url_path, file)``; file is None when missing, None overall if outside root."""
        url_path = unquote(urlsplit(request_path).path)
        if "\x00" in url_path or "\\" in url_path:
            return None
        parts = [part for part in url_path.split("/") if part not in ("", ".")]
        if ".." in parts:
            # Refuse rather than normalise: a fetcher sending dot segments is itself a bug to see.
            return None
        normalised = "/" + posixpath.join(*parts) if parts else "/"
        candidate = (self.root / Path(*parts)) if parts else self.root
        try:
            candidate = candidate.resolve()
            candidate.relative_to(self.root)
        except (ValueError, OSError):
            return None  # a symlink or odd path that leaves the root
        if candidate.is_dir():
            candidate = candidate / "index.html"
        if not candidate.is_file() or any(part.startswith("_") for part in parts):
            return normalised, None
        return normalised, candidate

    def log_request_done(self, method: str, path: str, status: int) -> None:
        with self._log_lock:
            self.request_log.append((method, path, status))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = args[0] if args else str(Path(__file__).with_name("demo_site"))
    port = int(args[1]) if len(args) > 1 else 0
    with LocalSite(root, port=port) as site:
        print(site.base_url, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
