"""Housekeeping on real files (no pipeline, no mocks): damaged state files, partition folders readers
cannot type, a killed stream run's window-tagged files, and stories after a quarantine."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from akhbar import schemas
from akhbar.pipelines import housekeeping
from akhbar.schemas import ARTICLES, REJECTS, STORIES, TEMPLATE_STATE, file_schema


def _write(path: Path, rows: list[dict], schema: pa.Schema) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=file_schema(schema)), path)
    return path


def _storage_rejects(output: Path) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for row in schemas.read_dataset(str(output), "rejects").to_table().to_pylist():
        if row["stage"] == "storage":
            found.setdefault(row["reason"], []).append(row)
    return found


def test_a_damaged_templates_state_is_quarantined_and_a_whole_one_kept(tmp_path, caplog):
    output = tmp_path / "out"
    templates = _write(output / "state" / "templates.parquet",
                       [{"source": "الخبر", "line_hash": 7, "count": 3, "source_articles": 9,
                         "last_seen": datetime(2024, 11, 4, tzinfo=UTC)}], TEMPLATE_STATE)
    housekeeping.tidy_output(str(output), "first")
    assert templates.exists() and not (output / "quarantine").exists()

    templates.write_bytes(templates.read_bytes()[:60])
    with caplog.at_level(logging.WARNING, logger="akhbar"):
        tidied = housekeeping.tidy_output(str(output), "second")
    assert tidied.quarantined == [str(templates)]
    assert not templates.exists()
    assert (output / "quarantine" / "second" / "state" / "templates.parquet").exists()
    assert str(templates) in caplog.text
    assert [r["url"] for r in _storage_rejects(output)["damaged_state"]] == [str(templates)]


def test_partitions_readers_cannot_type_are_quarantined_as_foreign(tmp_path):
    output = tmp_path / "out"
    reject = {"url": "http://127.0.0.1/x", "stage": "fetch", "reason": "http_404", "run_id": "r"}
    good = _write(output / "rejects" / "date=2024-11-04" / "part-r-0000.parquet", [reject], REJECTS)
    article = {"article_id": "a1", "title": "افتتاح مكتبة عامة جديدة", "run_id": "r"}
    kept = _write(output / "articles" / "date=2024-11-04" / "topic=politics" / "part-r-0000.parquet",
                  [article], ARTICLES)
    latest = _write(output / "rejects" / "date=latest" / "part-r-0000.parquet", [reject], REJECTS)
    not_a_day = _write(output / "rejects" / "date=2024-02-30" / "part-r-0000.parquet", [reject], REJECTS)
    unknown_topic = _write(output / "articles" / "date=2024-11-04" / "topic=gossip" / "part-r-0000.parquet",
                           [{**article, "article_id": "a2"}], ARTICLES)
    no_topic = _write(output / "articles" / "date=2024-11-04" / "part-r-0000.parquet",
                      [{**article, "article_id": "a3"}], ARTICLES)

    tidied = housekeeping.tidy_output(str(output), "tidy")
    assert sorted(tidied.quarantined) == sorted(map(str, (latest, not_a_day, unknown_topic, no_topic)))
    assert good.exists() and kept.exists()
    assert {r["url"] for r in _storage_rejects(output)["foreign_file"]} == set(tidied.quarantined)
    # Every reader types the partitions again.
    assert schemas.read_dataset(str(output), "articles").to_table()["article_id"].to_pylist() == ["a1"]
    fetch_rejects = [r for r in schemas.read_dataset(str(output), "rejects").to_table().to_pylist()
                     if r["stage"] == "fetch"]
    assert [str(r["date"]) for r in fetch_rejects] == ["2024-11-04"]
    assert sorted(os.listdir(output / "quarantine" / "tidy" / "rejects")) == ["date=2024-02-30", "date=latest"]


def test_a_repaired_run_keeps_what_its_readable_story_rows_knew(tmp_path):
    output = tmp_path / "out"
    day = datetime(2024, 11, 4, 9, tzinfo=UTC)
    articles = [
        {"article_id": f"a{i}", "story_id": "s1", "source": source, "title": "افتتاح مكتبة عامة جديدة في المدينة",
         "published_at": day.replace(hour=9 + i), "run_id": "killed"}
        for i, source in enumerate(("الخبر", "النيل"))
    ]
    _write(output / "articles" / "date=2024-11-04" / "topic=culture" / "part-killed-0000.parquet", articles, ARTICLES)
    earlier = datetime(2024, 11, 1, tzinfo=UTC)  # the story began in an earlier run
    _write(output / "stories" / "date=2024-11-04" / "part-killed-0000.parquet",
           [{"story_id": "s1", "article_ids": ["a0"], "merged_from": ["s0"], "story_first_seen": earlier,
             "first_seen": day, "run_id": "killed"}], STORIES)
    housekeeping.begin_run(str(output), "killed")

    assert housekeeping.tidy_output(str(output), "next").repaired_runs == ["killed"]
    stories = schemas.read_dataset(str(output), "stories").to_table().to_pylist()
    assert len(stories) == 1
    story = stories[0]
    assert story["article_ids"] == ["a0", "a1"] and story["outlets"] == ["الخبر", "النيل"]
    assert story["merged_from"] == ["s0"] and story["story_first_seen"] == earlier
    assert story["first_seen"] == day and str(story["date"]) == "2024-11-04"
