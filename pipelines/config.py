"""Load and validate the feeds file: the same YAML format for the demo, the tests and real use.

    python -c "from akhbar.pipelines.config import load_feeds; print(load_feeds('configs/feeds.yaml')[:2])"

    feeds:
      - name: الجزيرة نت          # outlet name, becomes the `source` column
        url: https://example.org/rss.xml
        topic: politics           # optional default topic, a slug from configs/topics.yaml
        trust_categories: false   # optional: let the feed's <category> decide the topic
        timezone: Asia/Amman      # optional IANA zone of the outlet: `date` is its calendar day

Unknown keys, missing keys, non-http URLs and unknown topic slugs are errors that name the
feed and the key, raised as ``ConfigError`` (the CLI turns it into a one-line message, exit 2).
"""

from __future__ import annotations

import os
from typing import Any

import yaml

from akhbar.schemas import FeedSpec
from akhbar.transforms.text.topics import TopicVocabulary
from akhbar.transforms.web.pagemeta import named_zone
from akhbar.transforms.web.urls import is_http_url

_FEED_KEYS = {"name", "url", "topic", "trust_categories", "timezone"}


class ConfigError(ValueError):
    """The configuration cannot be used; the message names the file and the key."""


def load_feeds(path: str) -> list[FeedSpec]:
    if not os.path.isfile(path):
        raise ConfigError(f"feeds file not found: {path}")
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    return parse_feeds(data, origin=path)


def parse_feeds(data: Any, origin: str = "feeds") -> list[FeedSpec]:
    if not isinstance(data, dict) or set(data) != {"feeds"}:
        keys = sorted(data) if isinstance(data, dict) else type(data).__name__
        raise ConfigError(f"{origin}: expected exactly one top-level key 'feeds', found {keys}")
    items = data["feeds"]
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{origin}: 'feeds' must be a non-empty list")
    vocabulary = TopicVocabulary.default()
    specs: list[FeedSpec] = []
    seen_urls: set[str] = set()
    for index, item in enumerate(items):
        where = f"{origin}: feeds[{index}]"
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: expected a mapping with name and url")
        unknown = set(item) - _FEED_KEYS
        if unknown:
            raise ConfigError(f"{where}: unknown key {sorted(unknown)[0]!r} (allowed: {', '.join(sorted(_FEED_KEYS))})")
        for key in ("name", "url"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise ConfigError(f"{where}: missing or empty key {key!r}")
        url = item["url"].strip()
        if not is_http_url(url):
            raise ConfigError(f"{where}: url must be http(s): {url[:100]!r}")
        if url in seen_urls:
            raise ConfigError(f"{where}: duplicate feed url {url[:100]!r}")
        seen_urls.add(url)
        topic = item.get("topic")
        if topic is not None and topic not in vocabulary.slugs:
            raise ConfigError(f"{where}: topic {str(topic)[:50]!r} is not in configs/topics.yaml")
        trust = item.get("trust_categories", False)
        if not isinstance(trust, bool):
            raise ConfigError(f"{where}: trust_categories must be true or false")
        zone = item.get("timezone")
        if zone is not None and (not isinstance(zone, str) or named_zone(zone.strip()) is None):
            raise ConfigError(f"{where}: timezone {str(zone)[:50]!r} is not an IANA zone name such as 'Africa/Cairo'")
        specs.append(FeedSpec(name=item["name"].strip(), url=url, topic=topic, trust_categories=trust,
                              timezone=zone.strip() if zone else None))
    return specs
