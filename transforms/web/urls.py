"""URL canonicalisation and article ids: the identity of an article across feeds and runs.

    python -c "from akhbar.transforms.web.urls import canonicalize_url as c; print(c('HTTPS://www.Example.com:443/a/b/?utm_source=rss&id=3#top'))"

Canonical form: scheme and host lowercased, default ports and fragments dropped, tracking
parameters removed (list in configs/url_rules.yaml), remaining query parameters sorted,
duplicate slashes collapsed and a trailing slash dropped (except the root path), percent
escapes normalised. ``www.`` is kept: some outlets serve different sites with and without it.
"""

from __future__ import annotations

import functools
import hashlib
import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from akhbar import configs

_MULTI_SLASH = re.compile(r"/{2,}")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@functools.lru_cache(maxsize=1)
def _tracking_rules() -> tuple[frozenset[str], tuple[str, ...]]:
    rules = configs.load_yaml("url_rules.yaml")
    return frozenset(p.lower() for p in rules["tracking_parameters"]), tuple(
        p.lower() for p in rules["tracking_prefixes"]
    )


def is_http_url(url: str | None) -> bool:
    if not url or len(url) > 4096:
        return False
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def canonicalize_url(url: str) -> str:
    """Canonical form of an http(s) URL (or a file: URL given to ``akhbar extract``); ValueError for anything else."""
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "file" and parts.path:
        return urlunsplit(("file", "", quote(unquote(parts.path), safe="/:@!$&'()*+,;=-._~"), "", ""))
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url[:200]!r}")
    host = parts.hostname.lower().rstrip(".")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        pass
    netloc = host
    if parts.port and parts.port != _DEFAULT_PORTS[scheme]:
        netloc = f"{host}:{parts.port}"
    path = _MULTI_SLASH.sub("/", parts.path or "/")
    # Decode then re-encode so that %D8%A7 and the raw Arabic letter give the same key.
    path = quote(unquote(path), safe="/:@!$&'()*+,;=-._~")
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    names, prefixes = _tracking_rules()
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in names and not k.lower().startswith(prefixes)
    ]
    query.sort()
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def is_article_url(url: str | None) -> bool:
    """http(s), or file: for pages read from disk by ``akhbar extract``."""
    return is_http_url(url) or bool(url and url.startswith("file:///") and len(url) < 4096)


def article_id(canonical_url: str) -> str:
    """Stable id of an article: blake2b-128 of its canonical URL, hex."""
    return hashlib.blake2b(canonical_url.encode("utf-8"), digest_size=16).hexdigest()


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
