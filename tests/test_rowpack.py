"""Rows packed for shuffles come back equal, and smaller than Beam's default coding of them.

    /work/main/.venv/bin/pytest tests/test_rowpack.py -q
"""

from __future__ import annotations

from datetime import UTC, datetime

from apache_beam.coders.coders import FastPrimitivesCoder

from akhbar.schemas import FeedEntry
from akhbar.transforms.memory.rowpack import pack, unpack
from akhbar.transforms.text.arabic import normalize_match

BODY = (
    "أعلنت وزارة المياه في عمّان أن محطة التحلية الجديدة في العقبة ستبدأ الضخ التجريبي مطلع الشهر المقبل، "
    "على أن تصل طاقتها الكاملة بعد عامين من التشغيل.\n"
    "وقال الناطق باسم الوزارة إن المشروع سيغطي ربع حاجة العاصمة من مياه الشرب."
)


def _article() -> dict:
    return {
        "article_id": "3f2a9c0d1e4b5a6978877665544332211",
        "title": "محطة تحلية في العقبة تبدأ الضخ التجريبي",
        "body": BODY * 4,
        "authors": ["سارة منصور"],
        "published_at": datetime(2024, 11, 7, 9, 30, tzinfo=UTC),
        "entities": [{"text": "العقبة", "start": 41, "end": 47, "type": "LOC", "canonical": "العقبة"}],
        "minhash": bytes(range(256)) * 2,
        "similarity": None,
        "_hints": {"feed_topic": None, "categories": ["بيئة"], "trust_feed": False},
    }


def test_an_article_dict_round_trips_unchanged():
    article = _article()
    assert unpack(pack(article)) == article


def test_body_match_travels_as_its_body_and_comes_back_equal():
    article = {**_article(), "body_match": normalize_match(BODY * 4)}
    packed = pack(article)
    assert unpack(packed) == article
    # The match form is rebuilt, not carried: packing it costs almost nothing.
    assert len(packed) < len(pack(_article())) + 64
    # A row that has the field without its source keeps it as it is.
    prior = {"article_id": "a1", "body_match": "نص قديم"}
    assert unpack(pack(prior)) == prior
    empty = {**_article(), "body": None, "body_match": None}
    assert unpack(pack(empty)) == empty


def test_records_and_empty_values_round_trip():
    entry = FeedEntry(url="https://example.org/a", source="الساحل", feed_url="https://example.org/rss",
                      title="خبر", categories=("اقتصاد",))
    for value in (entry, {}, "", b"", None, [None, 0, "ـ"]):
        assert unpack(pack(value)) == value


def test_packed_article_is_smaller_than_the_default_coder_output():
    article = _article()
    assert len(pack(article)) < len(FastPrimitivesCoder().encode(article)) * 0.7

