"""Canonical URLs and article ids: one article, one id, whatever link a feed used."""

import pytest

from akhbar.transforms.web.urls import article_id, canonicalize_url, host_of, is_article_url, is_http_url


@pytest.mark.parametrize(
    "variant",
    [
        "https://www.example.com/news/2024/11/04/story",
        "HTTPS://WWW.EXAMPLE.COM/news/2024/11/04/story/",
        "https://www.example.com:443/news//2024/11/04/story?utm_source=rss&utm_medium=feed",
        "https://www.example.com/news/2024/11/04/story?fbclid=abc#comments",
        "https://www.example.com/news/2024/11/04/story?gclid=1&mc_cid=2",
    ],
)
def test_tracking_and_cosmetic_variants_share_one_id(variant):
    assert canonicalize_url(variant) == "https://www.example.com/news/2024/11/04/story"
    assert article_id(canonicalize_url(variant)) == article_id("https://www.example.com/news/2024/11/04/story")


def test_meaningful_query_parameters_are_kept_sorted():
    assert canonicalize_url("http://example.com/article.php?page=2&id=77&utm_campaign=x") == (
        "http://example.com/article.php?id=77&page=2"
    )
    assert canonicalize_url("http://example.com/a?id=1") != canonicalize_url("http://example.com/a?id=2")


def test_arabic_paths_percent_encoded_or_raw_are_the_same_article():
    raw = "https://akhbar.example/أخبار/تركيا-واشنطن"
    encoded = "https://akhbar.example/%D8%A3%D8%AE%D8%A8%D8%A7%D8%B1/%D8%AA%D8%B1%D9%83%D9%8A%D8%A7-%D9%88%D8%A7%D8%B4%D9%86%D8%B7%D9%86"
    assert canonicalize_url(raw) == canonicalize_url(encoded)


def test_non_default_port_is_kept_and_ids_differ_by_host():
    assert canonicalize_url("http://127.0.0.1:8080/a") == "http://127.0.0.1:8080/a"
    assert article_id(canonicalize_url("http://a.example/x")) != article_id(canonicalize_url("http://b.example/x"))


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "ftp://example.com/x", "mailto:a@b.c", "/relative/path", "", "http://"])
def test_only_http_urls_are_accepted(bad):
    assert not is_http_url(bad)
    with pytest.raises(ValueError):
        canonicalize_url(bad)


def test_file_urls_are_articles_only_for_extract():
    assert is_article_url("file:///tmp/page.html")
    assert not is_http_url("file:///tmp/page.html")
    assert canonicalize_url("file:///tmp/a%20b.html") == "file:///tmp/a%20b.html"


def test_article_id_is_stable_hex():
    value = article_id("https://www.example.com/news/1")
    assert len(value) == 32 and int(value, 16) >= 0
    assert value == article_id("https://www.example.com/news/1")
    assert host_of("https://News.Example.com:8443/x") == "news.example.com"
