"""The partitioned writer: hive layout, atomic files, safe partition values, old files readable."""

import datetime as dt
import os

import apache_beam as beam
import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from akhbar import schemas
from akhbar.transforms.stages.files import temporary_path
from akhbar.transforms.stages.write import WritePartitioned, write_parquet_atomically

UTC = dt.UTC


def _article(article_id: str, date: str, topic: str, title: str) -> dict:
    return {
        "article_id": article_id,
        "url": f"https://akhbar.example/{article_id}",
        "title": title,
        "authors": ["مراسل الخبر"],
        "published_at": dt.datetime(2024, 11, 4, 10, 30, tzinfo=UTC),
        "body": "عقد وفدان من وزارتي الدفاع اجتماعا في العاصمة.",
        "word_count": 7,
        "entities": [{"text": "واشنطن", "start": 0, "end": 6, "type": "LOC", "canonical": "واشنطن"}],
        "date": date,
        "topic": topic,
        "_hints": {"not": "written"},
    }


def _files(root):
    found = []
    for base, _, names in os.walk(root):
        found += [os.path.relpath(os.path.join(base, n), root) for n in names]
    return sorted(found)


def test_derived_table_is_written_beside_its_rows_only_where_it_has_rows(tmp_path):
    from akhbar.schemas.rows import entity_rows

    with_mentions = _article("a1", "2024-11-04", "politics", "تركيا تعلن عن اجتماع عسكري")
    with_mentions["entities"].append(
        {"text": "أنقرة", "start": 10, "end": 15, "type": "LOC", "canonical": "انقره"}
    )
    without = {**_article("a3", "2024-11-05", "economy", "البنك المركزي يرفع الفائدة"), "entities": []}
    out = str(tmp_path)
    with TestPipeline() as p:
        written = (
            p
            | beam.Create([{**with_mentions, "run_id": "run1"}, {**without, "run_id": "run1"}])
            | WritePartitioned(out, "articles", schemas.ARTICLES, "run1",
                               derived={"entities": (schemas.ENTITIES, entity_rows)})
        )
        assert_that(
            written | beam.Map(lambda path: os.path.relpath(path, out)),
            equal_to([
                "articles/date=2024-11-04/topic=politics/part-run1-0000.parquet",
                "articles/date=2024-11-05/topic=economy/part-run1-0000.parquet",
                "entities/date=2024-11-04/topic=politics/part-run1-0000.parquet",
            ]),
        )
    mentions = schemas.read_dataset(out, "entities").to_table().to_pylist()
    assert sorted((m["article_id"], m["canonical"], m["type"], str(m["date"]), m["topic"]) for m in mentions) == [
        ("a1", "انقره", "LOC", "2024-11-04", "politics"),
        ("a1", "واشنطن", "LOC", "2024-11-04", "politics"),
    ]


def test_rows_land_in_hive_partitions_and_read_back_everywhere(tmp_path):
    rows = [
        _article("a1", "2024-11-04", "politics", "تركيا تعلن عن اجتماع عسكري"),
        _article("a2", "2024-11-04", "politics", "واشنطن ترد على أنقرة"),
        _article("a3", "2024-11-05", "economy", "البنك المركزي يرفع الفائدة"),
    ]
    out = str(tmp_path)
    with TestPipeline() as p:
        written = p | beam.Create(rows) | WritePartitioned(out, "articles", schemas.ARTICLES, "run1")
        assert_that(
            written | beam.Map(lambda path: os.path.relpath(path, out)),
            equal_to([
                "articles/date=2024-11-04/topic=politics/part-run1-0000.parquet",
                "articles/date=2024-11-05/topic=economy/part-run1-0000.parquet",
            ]),
        )
    table = schemas.read_dataset(out, "articles").to_table()
    assert sorted(table["article_id"].to_pylist()) == ["a1", "a2", "a3"]
    assert table.schema.field("published_at").type == pa.timestamp("us", tz="UTC")
    by_id = {r["article_id"]: r for r in table.to_pylist()}
    assert by_id["a3"]["topic"] == "economy" and by_id["a3"]["date"] == dt.date(2024, 11, 5)
    # date is a DATE to every reader, read_dataset included.
    assert table.schema.field("date").type == pa.date32()
    assert duckdb.sql(f"SELECT typeof(date) FROM read_parquet('{out}/articles/**/*.parquet', "
                      "hive_partitioning=true) LIMIT 1").fetchall()[0][0] == "DATE"
    assert pl.scan_parquet(f"{out}/articles/**/*.parquet", hive_partitioning=True).collect_schema()["date"] == pl.Date
    assert by_id["a1"]["entities"][0]["canonical"] == "واشنطن"
    # The partition columns live in the path only, as Hive/Spark expect.
    single = pq.read_table(os.path.join(out, "articles/date=2024-11-05/topic=economy/part-run1-0000.parquet"))
    assert "topic" not in single.column_names and "_hints" not in single.column_names
    counted = duckdb.sql(
        f"SELECT topic, count(*) AS n FROM read_parquet('{out}/articles/**/*.parquet', hive_partitioning=true) "
        "GROUP BY topic ORDER BY topic"
    ).fetchall()
    assert counted == [("economy", 1), ("politics", 2)]
    polars_rows = pl.scan_parquet(f"{out}/articles/**/*.parquet", hive_partitioning=True).collect()
    assert sorted(polars_rows["title"].to_list())[0] == "البنك المركزي يرفع الفائدة"


def test_hostile_partition_values_never_reach_a_path(tmp_path):
    rows = [_article("x1", "../../etc", "../../etc/passwd", "عنوان"), _article("x2", "2024-11-04", "أخبار" * 100, "عنوان")]
    with TestPipeline() as p:
        _ = p | beam.Create(rows) | WritePartitioned(str(tmp_path), "articles", schemas.ARTICLES, "run1")
    assert _files(tmp_path) == [
        "articles/date=1970-01-01/topic=general/part-run1-0000.parquet",
        "articles/date=2024-11-04/topic=general/part-run1-0000.parquet",
    ]


def test_invalid_run_id_is_refused():
    with pytest.raises(ValueError):
        WritePartitioned("/tmp/x", "articles", schemas.ARTICLES, "../escape")


def test_a_failure_mid_write_leaves_no_file_under_a_final_name(tmp_path):
    final = str(tmp_path / "articles/date=2024-11-04/topic=politics/part-r-0000.parquet")
    temp = str(tmp_path / "articles/date=2024-11-04/topic=politics/.part-r-0000.parquet.inprogress")
    assert temporary_path(final) == temp

    def rows_then_crash():
        for i in range(2500):  # past two batches, so bytes were already written to the temp file
            yield _article(f"id{i}", "2024-11-04", "politics", "عنوان")
        raise RuntimeError("worker lost mid-write")

    with pytest.raises(RuntimeError):
        write_parquet_atomically(rows_then_crash(), schemas.ARTICLES, final)
    assert not os.path.exists(final) and not os.path.exists(temp)
    assert schemas.read_dataset(str(tmp_path), "articles").to_table().num_rows == 0


def test_a_failed_pipeline_publishes_no_file_of_the_failing_partition(tmp_path):
    bad = _article("b1", "2024-11-04", "politics", "عنوان")
    bad["word_count"] = "not a number"  # pyarrow refuses it while the writer streams
    # Beam re-raises the DoFn's own error type: pyarrow's, for a value of the wrong type.
    with pytest.raises((pa.ArrowInvalid, pa.ArrowTypeError)):
        with TestPipeline() as p:
            _ = p | beam.Create([bad]) | WritePartitioned(str(tmp_path), "articles", schemas.ARTICLES, "run1")
    assert [f for f in _files(tmp_path) if f.endswith(".parquet")] == []


def test_rerun_with_same_run_id_replaces_its_own_file(tmp_path):
    for title in ("نسخة أولى", "نسخة ثانية"):
        with TestPipeline() as p:
            _ = p | beam.Create([_article("a1", "2024-11-04", "politics", title)]) | WritePartitioned(
                str(tmp_path), "articles", schemas.ARTICLES, "same-run"
            )
    table = schemas.read_dataset(str(tmp_path), "articles").to_table()
    assert table["title"].to_pylist() == ["نسخة ثانية"]


def test_files_of_an_older_schema_version_read_with_nulls_for_new_columns(tmp_path):
    v1_names = [f.name for f in schemas.file_schema(schemas.ARTICLES) if int(f.metadata[b"since"]) == 1]
    v1_schema = pa.schema([schemas.ARTICLES.field(n) for n in v1_names])
    old = pa.Table.from_pylist([{"article_id": "old1", "title": "خبر قديم", "word_count": 120}], schema=v1_schema)
    path = tmp_path / "articles/date=2023-01-02/topic=sport"
    path.mkdir(parents=True)
    pq.write_table(old, path / "part-oldrun-0000.parquet")
    table = schemas.read_dataset(str(tmp_path), "articles").to_table()
    row = table.to_pylist()[0]
    assert row["title"] == "خبر قديم" and row["topic"] == "sport"
    for added in schemas.fields_since(schemas.ARTICLES, 2) + schemas.fields_since(schemas.ARTICLES, 4):
        assert row[added] is None
    assert table.schema.names == schemas.ARTICLES.names


def test_every_field_says_which_version_added_it():
    for table in schemas.TABLES.values():
        for field in table:
            assert 1 <= int(field.metadata[b"since"]) <= schemas.SCHEMA_VERSION, field.name
            assert field.metadata[b"doc"], field.name
    assert set(schemas.VERSIONS) == set(range(1, schemas.SCHEMA_VERSION + 1))


def test_recent_files_are_those_dated_or_written_within_the_lookback(tmp_path):
    import time

    from akhbar.transforms.stages.state import recent_article_files

    old = tmp_path / "articles/date=2018-02-18/topic=politics"
    older = tmp_path / "articles/date=2017-05-01/topic=sport"
    for directory in (old, older):
        directory.mkdir(parents=True)
        pq.write_table(pa.table({"article_id": ["x"]}), directory / "part-r-0000.parquet")
    long_ago = time.time() - 400 * 86400
    os.utime(older / "part-r-0000.parquet", (long_ago, long_ago))
    found = [os.path.relpath(p, tmp_path) for p in recent_article_files(str(tmp_path), 30)]
    # 2018 article written just now (a feed still lists it) counts; the 2017 file written long ago does not.
    assert found == ["articles/date=2018-02-18/topic=politics/part-r-0000.parquet"]
    assert len(recent_article_files(str(tmp_path), 0)) == 2


def test_files_keep_statistics_for_filter_columns_but_not_for_long_text(tmp_path):
    rows = [_article("a1", "2024-11-04", "politics", "تركيا تعلن عن اجتماع عسكري")]
    final = str(tmp_path / "part.parquet")
    write_parquet_atomically(rows, schemas.ARTICLES, final)
    row_group = pq.ParquetFile(final).metadata.row_group(0)
    columns = {row_group.column(i).path_in_schema: row_group.column(i) for i in range(row_group.num_columns)}
    assert columns["body"].statistics is None  # min/max of a body would copy it into the footer
    assert columns["published_at"].statistics.has_min_max
    assert columns["article_id"].statistics.min == "a1"
    assert any("DICTIONARY" in encoding for encoding in columns["source"].encodings)
    assert not any("DICTIONARY" in encoding for encoding in columns["body"].encodings)
