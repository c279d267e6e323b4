"""The feeds file: one format for demo, tests and real use; every mistake named in one line."""

import subprocess
import sys

import pytest

from akhbar.pipelines.config import ConfigError, load_feeds, parse_feeds


def test_valid_feeds_file_with_arabic_names(tmp_path):
    path = tmp_path / "feeds.yaml"
    path.write_text(
        "feeds:\n"
        "  - name: الخبر اليوم\n    url: https://alkhabar.example/rss.xml\n    topic: politics\n"
        "  - name: صوت المشرق\n    url: https://sawt.example/atom.xml\n    trust_categories: true\n",
        encoding="utf-8",
    )
    feeds = load_feeds(str(path))
    assert [f.name for f in feeds] == ["الخبر اليوم", "صوت المشرق"]
    assert feeds[0].topic == "politics" and feeds[1].topic is None and feeds[1].trust_categories


@pytest.mark.parametrize(
    "data, message",
    [
        ({"feeds": [{"name": "أ", "url": "https://a.example/rss", "colour": "red"}]}, "unknown key 'colour'"),
        ({"feeds": [{"name": "أ"}]}, "missing or empty key 'url'"),
        ({"feeds": [{"name": "أ", "url": "file:///etc/passwd"}]}, "url must be http(s)"),
        ({"feeds": [{"name": "أ", "url": "https://a.example/rss", "topic": "../../etc"}]}, "is not in configs/topics.yaml"),
        ({"feeds": [{"name": "أ", "url": "https://a.example/rss", "topic": "سياسة"}]}, "is not in configs/topics.yaml"),
        ({"feeds": [{"name": "أ", "url": "https://a.example/rss", "timezone": "GMT+3"}]}, "is not an IANA zone name"),
        ({"feeds": [{"name": "أ", "url": "https://a.example/rss", "timezone": "Cairo"}]}, "is not an IANA zone name"),
        ({"feeds": []}, "non-empty list"),
        ({"sources": []}, "top-level key 'feeds'"),
        ({"feeds": [{"name": "أ", "url": "https://a.example/r"}, {"name": "ب", "url": "https://a.example/r"}]}, "duplicate feed url"),
    ],
)
def test_config_mistakes_are_named(data, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_feeds(data, origin="feeds.yaml")


def test_missing_and_unparseable_files(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_feeds(str(tmp_path / "nope.yaml"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("feeds: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_feeds(str(bad))


def test_shipped_real_feeds_file_is_valid():
    from akhbar.configs import path

    feeds = load_feeds(str(path("feeds.yaml")))
    assert len(feeds) >= 5 and all(f.url.startswith("https://") for f in feeds)


def _akhbar(*args):
    return subprocess.run([sys.executable, "-m", "akhbar.pipelines.cli", *args], capture_output=True, text=True, timeout=120)


def test_cli_exits_2_with_one_line_for_unusable_arguments(tmp_path):
    missing = _akhbar("ingest", "--feeds", str(tmp_path / "none.yaml"), "--output", str(tmp_path / "out"))
    assert missing.returncode == 2
    assert "feeds file not found" in missing.stderr and len(missing.stderr.strip().splitlines()) == 1
    unknown = _akhbar("ingest", "--feeds", "x.yaml", "--output", "o", "--no-such-flag", "1")
    assert unknown.returncode == 2 and "--no-such-flag" in unknown.stderr
    assert _akhbar("frobnicate").returncode == 2


def test_cli_help_lists_options():
    for command in ("ingest", "extract", "demo"):
        shown = _akhbar(command, "--help")
        assert shown.returncode == 0, shown.stderr
        assert "--output" in shown.stdout or "--url" in shown.stdout
    assert "--per-host-delay" in _akhbar("ingest", "--help").stdout


def test_feed_timezone_is_an_iana_name():
    feeds = parse_feeds({"feeds": [{"name": "أ", "url": "https://a.example/rss", "timezone": "Africa/Cairo"},
                                   {"name": "ب", "url": "https://b.example/rss"}]})
    assert [f.timezone for f in feeds] == ["Africa/Cairo", None]


def test_shipped_yaml_reads_as_the_pure_python_safe_loader_reads_it():
    # configs.load_yaml uses libyaml's parser when PyYAML has it (start-up time); the objects must
    # be the ones yaml.safe_load gives.
    import yaml

    from akhbar import configs

    names = sorted(p.name for p in configs.path(".").glob("*.yaml"))
    assert "gazetteer.yaml" in names
    for name in names:
        with open(configs.path(name), encoding="utf-8") as fh:
            assert configs.load_yaml(name) == yaml.safe_load(fh), name
