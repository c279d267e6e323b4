"""``akhbar compact``: one sorted file per partition; readers never see a row twice or miss one; a
compaction killed at its worst moment loses nothing. Real files, a real reader thread, a real
SIGKILL of a real ``python -m akhbar compact`` process (paused by the ``AKHBAR_TEST_PAUSE`` hook).
"""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from akhbar import schemas
from akhbar.pipelines.compact import compact
from akhbar.schemas import ARTICLES, file_schema

TITLES = ["افتتاح مكتبة عامة جديدة", "ارتفاع أسعار الخضار", "فوز فريق المدينة بالكأس", "حملة للتوعية الصحية"]
DAYS = 6
TOPICS = ("politics", "economy")
FILES_PER_PARTITION = 4
ROWS_PER_FILE = 15


def _write_runs(output: str) -> int:
    """Files as ingest runs leave them: one per run and partition, published times interleaved."""
    schema = file_schema(ARTICLES)
    n = 0
    for day in range(DAYS):
        for topic in TOPICS:
            directory = os.path.join(output, "articles", f"date=2024-11-{day + 1:02d}", f"topic={topic}")
            os.makedirs(directory)
            for run in range(FILES_PER_PARTITION):
                rows = []
                for i in range(ROWS_PER_FILE):
                    minute = (i * FILES_PER_PARTITION + run) * 7 % 1440
                    rows.append({
                        "article_id": f"{day}-{topic}-{run}-{i}",
                        "title": TITLES[(i + run) % len(TITLES)],
                        "published_at": datetime(2024, 11, day + 1, tzinfo=UTC) + timedelta(minutes=minute),
                        "run_id": f"run{run}",
                    })
                    n += 1
                pq.write_table(pa.Table.from_pylist(rows, schema=schema),
                               os.path.join(directory, f"part-run{run}-0000.parquet"))
    return n


def _ids(output: str) -> list[str]:
    return sorted(schemas.read_dataset(output, "articles").to_table(columns=["article_id"])["article_id"].to_pylist())


def _files_per_partition(output: str) -> collections.Counter:
    found = collections.Counter()
    for root, _, names in os.walk(os.path.join(output, "articles")):
        found[root] += sum(1 for name in names if name.endswith(".parquet"))
    return +found


def test_compaction_merges_each_partition_into_one_sorted_file(tmp_path):
    output = str(tmp_path)
    total = _write_runs(output)
    before = _ids(output)
    done = compact(output, ["articles"])
    assert done["articles"].files_before == DAYS * len(TOPICS) * FILES_PER_PARTITION
    assert done["articles"].files_after == DAYS * len(TOPICS) and done["articles"].rows == total
    assert set(_files_per_partition(output).values()) == {1}
    assert _ids(output) == before
    for root, count in _files_per_partition(output).items():
        (name,) = [n for n in os.listdir(root) if n.endswith(".parquet")]
        published = pq.read_table(os.path.join(root, name), columns=["published_at"])["published_at"].to_pylist()
        assert published == sorted(published) and count == 1
    # Nothing left to do the second time.
    assert compact(output, ["articles"])["articles"].partitions == 0
    # The swapped-out files wait under state/compact/retired-… for readers still listing them ...
    (retired,) = os.listdir(os.path.join(output, "state", "compact"))
    assert retired.startswith("retired-")
    kept = [n for _, _, names in os.walk(os.path.join(output, "state", "compact")) for n in names]
    assert len(kept) == DAYS * len(TOPICS) * FILES_PER_PARTITION
    # ... and go once --keep-old-minutes have passed (the next compaction's or ingest's tidy-up).
    from akhbar.pipelines.housekeeping import tidy_output

    tidy_output(output, "later-run")
    assert len(os.listdir(os.path.join(output, "state", "compact"))) == 1  # not yet
    from akhbar.pipelines.compact import clear_staging

    clear_staging(output, now=time.time() + 61 * 60)
    assert not os.path.exists(os.path.join(output, "state", "compact"))


def test_retired_files_are_deleted_only_after_the_keep_time(tmp_path):
    from akhbar.pipelines.compact import clear_staging

    output = str(tmp_path)
    _write_runs(output)
    compact(output, ["articles"], token="first")
    staging = os.path.join(output, "state", "compact")
    (retired,) = os.listdir(staging)
    os.makedirs(os.path.join(staging, "killed-midway", "articles"))  # a merged copy never swapped in
    clear_staging(output, now=time.time() + 59 * 60)
    assert os.listdir(staging) == [retired]
    clear_staging(output, now=time.time() + 61 * 60)
    assert not os.path.exists(staging)


def test_a_short_keep_time_lets_the_compaction_itself_delete_the_old_files(tmp_path):
    output = str(tmp_path)
    _write_runs(output)
    compact(output, ["articles"], keep_old_minutes=0)
    assert not os.path.exists(os.path.join(output, "state", "compact"))


def test_pyarrow_given_a_listing_taken_before_the_swap_raises_rather_than_counting_less(tmp_path):
    """The second cause of the silent gap: names listed before a swap are gone after it. Opened
    through their paths (what read_dataset hands pyarrow) they fail loudly."""
    import pyarrow.dataset as ds

    from akhbar.schemas.reading import _part_files

    output = str(tmp_path)
    _write_runs(output)
    listed_before = _part_files(os.path.join(output, "articles"))
    compact(output, ["articles"])
    with pytest.raises(FileNotFoundError):
        ds.dataset(listed_before, format="parquet").count_rows()


def test_a_reader_that_opened_a_partition_before_its_swap_still_lists_every_old_file(tmp_path):
    """The cause of a silent gap once seen in CI: the reader's directory handle follows the old
    directory through the exchange, so deleting its files at once left it listing nothing."""
    output = str(tmp_path)
    _write_runs(output)
    partition = os.path.join(output, "articles", "date=2024-11-01", "topic=politics")
    before = sorted(os.listdir(partition))
    with os.scandir(partition) as opened_before_swap:  # opendir now, read the entries after the swap
        compact(output, ["articles"])
        listed = sorted(entry.name for entry in opened_before_swap)
    assert listed == before and len(listed) == FILES_PER_PARTITION
    assert [n for n in os.listdir(partition) if n.endswith(".parquet")] != before


def test_older_than_leaves_recent_partitions_alone(tmp_path):
    output = str(tmp_path)
    _write_runs(output)
    done = compact(output, ["articles"], older_than_days=7, today=date(2024, 11, 10))  # before 2024-11-03
    assert done["articles"].partitions == 2 * len(TOPICS)
    per_day = collections.defaultdict(set)
    for root, count in _files_per_partition(output).items():
        per_day[root.split("date=")[1][:10]].add(count)
    assert per_day["2024-11-01"] == per_day["2024-11-02"] == {1}
    assert per_day["2024-11-03"] == {FILES_PER_PARTITION}


def test_readers_during_compaction_never_see_a_row_twice_or_miss_one(tmp_path):
    output = str(tmp_path)
    total = _write_runs(output)
    seen: list[int] = []
    failures: list[str] = []
    stop = threading.Event()

    def read_forever() -> None:
        while not stop.is_set():
            try:
                seen.append(schemas.read_dataset(output, "articles").count_rows())
            except OSError as exc:  # listed before a swap, opened after it: an error, never a wrong count
                failures.append(type(exc).__name__)

    reader = threading.Thread(target=read_forever)
    reader.start()
    try:
        time.sleep(0.2)
        compact(output, ["articles"])
        time.sleep(0.2)
    finally:
        stop.set()
        reader.join()
    assert len(seen) >= 3
    assert set(seen) == {total}, collections.Counter(seen)
    assert set(failures) <= {"FileNotFoundError"}, collections.Counter(failures)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SIGKILL and RENAME_EXCHANGE: Linux")
def test_a_compaction_killed_before_its_swap_loses_nothing_and_the_next_one_finishes(tmp_path):
    output = str(tmp_path / "out")
    _write_runs(output)
    before = _ids(output)
    flag = tmp_path / "paused"
    command = [sys.executable, "-m", "akhbar", "compact", output]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "AKHBAR_TEST_PAUSE": f"before_swap:{flag}"})
    try:
        deadline = time.monotonic() + 60
        while not flag.exists():
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert _ids(output) == before  # the merged copy waits outside the table
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert os.listdir(os.path.join(output, "state", "compact"))  # the killed run's staging copy
    assert _ids(output) == before
    finished = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    assert _ids(output) == before
    assert set(_files_per_partition(output).values()) == {1}
    # The killed run's unswapped copy is gone; only this run's swapped-out files wait for readers.
    assert [n.startswith("retired-") for n in os.listdir(os.path.join(output, "state", "compact"))] == [True]


def test_files_of_an_older_schema_version_merge_with_nulls(tmp_path):
    output = str(tmp_path)
    directory = os.path.join(output, "articles", "date=2024-11-01", "topic=politics")
    os.makedirs(directory)
    old = pa.table({"article_id": ["old-1"], "title": [TITLES[0]],
                    "published_at": pa.array([datetime(2024, 11, 1, 9, tzinfo=UTC)], pa.timestamp("us", tz="UTC"))})
    pq.write_table(old, os.path.join(directory, "part-v1-0000.parquet"))
    new = pa.Table.from_pylist([{"article_id": "new-1", "title": TITLES[1], "story_id": "s1",
                                 "published_at": datetime(2024, 11, 1, 8, tzinfo=UTC)}], schema=file_schema(ARTICLES))
    pq.write_table(new, os.path.join(directory, "part-v4-0000.parquet"))
    assert compact(output, ["articles"])["articles"].files_after == 1
    rows = schemas.read_dataset(output, "articles").to_table(columns=["article_id", "story_id"]).to_pylist()
    assert rows == [{"article_id": "new-1", "story_id": "s1"}, {"article_id": "old-1", "story_id": None}]
