"""Feed parsing with feedparser: good entries kept, problems named, hostile XML harmless."""

import datetime as dt
import time

from akhbar.schemas import FeedSpec
from akhbar.transforms.web.feeds import parse_feed

FEED = FeedSpec(name="الخبر اليوم", url="https://alkhabar.example/rss.xml", topic="politics")

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>الخبر اليوم</title><link>https://alkhabar.example/</link>
<item><title>تركيا تعلن عن اجتماع عسكري في واشنطن</title>
<link>https://alkhabar.example/politics/1.html?utm_source=rss</link>
<pubDate>Mon, 04 Nov 2024 10:30:00 +0300</pubDate><category>سياسة</category><author>مراسل الخبر</author>
<description>وزارة الدفاع التركية تقول إنها عقدت اجتماعا إيجابيا.</description></item>
<item><title>البنك المركزي يثبت سعر الفائدة</title><link>https://alkhabar.example/economy/2.html</link>
<pubDate>الأحد 18 فبراير 2024 - 10:30</pubDate><category>../../etc</category></item>
<item><title>رابط خبيث</title><link>javascript:alert(1)</link></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>صوت المشرق</title><id>urn:x</id><updated>2024-11-05T08:00:00Z</updated>
<entry><title>منتخب الأردن يتأهل إلى النهائي</title><link href="https://sawt.example/sport/9"/><id>urn:9</id>
<updated>2024-11-05T08:00:00+02:00</updated><author><name>قسم الرياضة</name></author></entry></feed>"""


def test_rss_entries_with_rfc822_and_arabic_dates():
    parsed = parse_feed(RSS.encode("utf-8"), FEED)
    assert [e.title for e in parsed.entries] == ["تركيا تعلن عن اجتماع عسكري في واشنطن", "البنك المركزي يثبت سعر الفائدة"]
    first, second = parsed.entries
    assert first.published_at == dt.datetime(2024, 11, 4, 7, 30, tzinfo=dt.UTC)
    assert first.categories == ("سياسة",) and first.authors == ("مراسل الخبر",)
    assert first.feed_topic == "politics" and first.source == "الخبر اليوم"
    # feedparser leaves Arabic date strings unparsed: ours must read it.
    assert second.published_at is not None and second.published_at.date() == dt.date(2024, 2, 18)
    assert second.categories == ("../../etc",)  # kept as data; never used as a path (see test_write)
    assert [(r.reason, r.stage) for r in parsed.rejects] == [("entry_bad_link", "parse_feed")]


def test_atom_entries():
    parsed = parse_feed(ATOM.encode("utf-8"), FeedSpec("صوت المشرق", "https://sawt.example/atom.xml"))
    assert len(parsed.entries) == 1 and not parsed.rejects
    entry = parsed.entries[0]
    assert entry.url == "https://sawt.example/sport/9" and entry.authors == ("قسم الرياضة",)
    assert entry.published_at == dt.datetime(2024, 11, 5, 6, 0, tzinfo=dt.UTC)


def test_malformed_feed_keeps_good_entries_and_names_the_problem():
    broken = RSS.replace("<title>البنك المركزي يثبت سعر الفائدة</title>", "<title>البنك & المركزي <b>يثبت</title>")
    parsed = parse_feed(broken.encode("utf-8"), FEED)
    assert len(parsed.entries) >= 1
    reasons = [r.reason for r in parsed.rejects]
    assert "feed_malformed" in reasons
    malformed = next(r for r in parsed.rejects if r.reason == "feed_malformed")
    assert malformed.detail and malformed.url == FEED.url


def test_garbage_is_one_unparseable_reject():
    for body in (b"", b"\x00\x01\x02 not a feed at all", "<html><body>صفحة عادية</body></html>".encode()):
        parsed = parse_feed(body, FEED)
        assert parsed.entries == []
        assert [r.reason for r in parsed.rejects] == ["feed_unparseable"]


def test_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    xxe = f"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>
<rss version="2.0"><channel><title>x</title><item><title>&xxe; عنوان</title>
<link>https://a.example/1</link></item></channel></rss>"""
    parsed = parse_feed(xxe.encode(), FEED)
    assert all("TOP-SECRET-VALUE" not in (e.title or "") for e in parsed.entries)


def test_entity_expansion_bomb_is_bounded():
    lol = '<!ENTITY lol0 "هههههههههه">' + "".join(
        f"<!ENTITY lol{i} \"{f'&lol{i - 1};' * 10}\">" for i in range(1, 10)
    )
    bomb = f"""<?xml version="1.0"?><!DOCTYPE rss [{lol}]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title><link>https://a.example/1</link></item></channel></rss>"""
    started = time.perf_counter()
    parsed = parse_feed(bomb.encode(), FEED)
    assert time.perf_counter() - started < 10
    assert all(len(e.title or "") < 100_000 for e in parsed.entries)
    assert parsed.rejects  # refused as malformed or unparseable, not silently expanded


def test_pubdate_offsets_are_kept_for_the_outlets_day():
    rss = RSS.replace("Mon, 04 Nov 2024 10:30:00 +0300", "Tue, 05 Nov 2024 01:08:00 +0400")
    spec = FeedSpec(name="الخبر اليوم", url="https://alkhabar.example/rss.xml", timezone="Asia/Dubai")
    first, second = parse_feed(rss.encode("utf-8"), spec).entries
    assert first.published_at == dt.datetime(2024, 11, 4, 21, 8, tzinfo=dt.UTC)  # the previous UTC day
    assert first.utc_offset_minutes == 240 and first.timezone == "Asia/Dubai"
    # The Arabic pubDate states no zone: the entry takes the offset most of the feed states.
    assert second.utc_offset_minutes == 240
