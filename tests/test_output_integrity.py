"""The output stays whole under concurrent, killed and damaged runs, and exit codes tell the truth.

Real `python -m akhbar` processes against the bundled sample corpus served on 127.0.0.1
(pipelines/localsite.py), and real SIGKILLs: nothing is mocked. A run is paused at the worst
moment (an articles file renamed into place, its entities file not yet written) through the
documented ``AKHBAR_TEST_PAUSE`` hook of transforms/stages/write.py, then killed.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from akhbar import schemas
from akhbar.pipelines.lease import read_lease

# Two of the four outlets: enough dates, topics and stories, half the time.
FEEDS = ("alkhabar", "nile")


@pytest.fixture(scope="module")
def feeds_file(site, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("feeds") / "feeds.yaml"
    site.render_feeds_file(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    kept, keep = [], True
    for line in lines:  # keep only the chosen outlets' entries
        if line.strip().startswith("- name:"):
            keep = line.split(":", 1)[1].strip() in FEEDS
        if keep or not line.startswith(" "):
            kept.append(line)
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return str(path)


def ingest_args(feeds_file: str, output: Path, run_id: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "akhbar", "ingest", "--feeds", feeds_file, "--output", str(output),
            "--run-id", run_id, "--allow-private-hosts", "--per-host-delay", "0", "--per-host-concurrency", "4",
            "--max-retries", "0", *extra]


def start(args: list[str], **env: str) -> subprocess.Popen:
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **env})


def finish(process: subprocess.Popen, timeout: float = 240) -> tuple[int, str]:
    _, err = process.communicate(timeout=timeout)
    return process.returncode, err


def run(args: list[str], timeout: float = 240, **env: str) -> tuple[int, str]:
    return finish(start(args, **env), timeout)


def rows(output: Path, table: str) -> list[dict]:
    return schemas.read_dataset(str(output), table).to_table().to_pylist()


def files(output: Path, pattern: str) -> list[Path]:
    return sorted(output.glob(pattern))


def assert_whole(output: Path, stories_once: bool = True) -> list[dict]:
    """Every article once, with exactly its entity rows, in exactly one story row; nothing half-written.

    Story rows are per run (``article_count``: "written by this run"): an article fetched again
    after its file was quarantined is in the story rows of both runs (``stories_once=False``).
    """
    articles = rows(output, "articles")
    ids = [a["article_id"] for a in articles]
    assert len(ids) == len(set(ids)), collections.Counter(ids).most_common(3)
    mentions = collections.Counter(e["article_id"] for e in rows(output, "entities"))
    for article in articles:
        assert mentions.get(article["article_id"], 0) == len(article["entities"] or []), article["url"]
    assert set(mentions) <= set(ids)
    stories = rows(output, "stories")
    in_stories = collections.Counter(i for s in stories for i in s["article_ids"])
    assert set(in_stories) == set(ids)
    if stories_once:
        assert in_stories == collections.Counter(ids)
    by_id = {a["article_id"]: a for a in articles}
    for story in stories:
        assert story["date"] == min(by_id[i]["date"] for i in story["article_ids"])
    assert not files(output, "stories/date=1970-01-01")
    assert not [p for p in output.rglob("*") if p.name.endswith(".inprogress")]
    assert not files(output, "state/runs/*.json") and read_lease(str(output)) is None
    return articles


def wait_for(path: Path, process: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"exited {process.returncode} before pausing: {process.stderr.read()[-2000:]}")
        if time.monotonic() > deadline:
            raise AssertionError("never paused")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def finished(feeds_file, tmp_path_factory):
    """Two runs started together into one output: one writes, the other exits 4 naming the first."""
    output = tmp_path_factory.mktemp("concurrent") / "out"
    first = start(ingest_args(feeds_file, output, "run-a"))
    second = start(ingest_args(feeds_file, output, "run-b"))
    results = {"run-a": finish(first), "run-b": finish(second)}
    return output, results


def test_concurrent_runs_write_each_article_once(finished):
    output, results = finished
    codes = sorted(code for code, _ in results.values())
    assert codes == [0, 4], results
    winner = next(run_id for run_id, (code, _) in results.items() if code == 0)
    loser_err = next(err for code, err in results.values() if code == 4)
    message = [line for line in loser_err.splitlines() if line.strip()]
    assert len(message) == 1 and f"run {winner} " in message[0] and "pid" in message[0], loser_err
    articles = assert_whole(output)
    assert len(articles) >= 15


def test_sigkill_between_articles_and_entities_is_repaired_by_the_retry(feeds_file, tmp_path):
    output = tmp_path / "out"
    flag = tmp_path / "paused"
    killed = start(ingest_args(feeds_file, output, "airflow-20241104T103000"),
                   AKHBAR_TEST_PAUSE=f"after_articles:{flag}")
    try:
        wait_for(flag, killed)
        written = files(output, "articles/*/*/part-*.parquet")
        assert written and not any((output / "entities" / p.relative_to(output / "articles")).exists()
                                   for p in written[:1])
        # While it holds the lease, another ingest waits --lock-timeout, then exits 4 naming it.
        started = time.monotonic()
        code, err = run(ingest_args(feeds_file, output, "overlap", "--lock-timeout", "1"))
        assert code == 4 and "airflow-20241104T103000" in err and time.monotonic() - started >= 1, err
        # ... and so does a compaction: it never races a writer.
        code, err = run([sys.executable, "-m", "akhbar", "compact", str(output)])
        assert code == 4 and "airflow-20241104T103000" in err, err
        # A retry under the same run id, waiting for the lease the killed holder leaves behind.
        retry = start(ingest_args(feeds_file, output, "airflow-20241104T103000", "--lock-timeout", "60"))
        time.sleep(1)
    finally:
        killed.send_signal(signal.SIGKILL)
        killed.wait()
    code, err = finish(retry)
    assert code == 0, err[-3000:]
    assert "repaired unfinished run airflow-20241104T103000" in err
    articles = assert_whole(output)
    assert len(articles) >= 15
    # The repaired files kept their rows: the retry did not overwrite them under the same name.
    assert files(output, "articles/*/*/part-airflow-20241104T103000.rep*-0000.parquet")

    # Rerun: nothing new, and --min-articles turns that into exit 6 (one line); --quiet hides INFO.
    code, err = run(ingest_args(feeds_file, output, "again", "--min-articles", "1", "--quiet"))
    assert code == 6 and err.strip().count("\n") == 0 and "fewer than --min-articles 1" in err, err
    assert len(assert_whole(output)) == len(articles)

    # Compaction after the runs: one file per partition, the same rows.
    before = sorted(a["article_id"] for a in articles)
    code, err = run([sys.executable, "-m", "akhbar", "compact", str(output)])
    assert code == 0, err
    for table in ("articles", "entities"):
        per_partition = collections.Counter(p.parent for p in files(output, f"{table}/*/*/part-*.parquet"))
        assert set(per_partition.values()) == {1}, per_partition
    published = [a["published_at"] for a in pq.read_table(files(output, "articles/*/*/part-*.parquet")[0]).to_pylist()]
    assert published == sorted(published, key=lambda t: (t is None, t))
    assert sorted(a["article_id"] for a in assert_whole(output)) == before


def test_damaged_and_foreign_files_are_quarantined_and_the_run_goes_on(finished, feeds_file, tmp_path):
    source, _ = finished
    output = tmp_path / "out"
    shutil.copytree(source, output)
    expected = sorted(a["article_id"] for a in rows(output, "articles"))
    torn = files(output, "articles/*/*/part-*.parquet")[0]
    torn.write_bytes(torn.read_bytes()[: torn.stat().st_size // 2])
    foreign = files(output, "entities/*/*/part-*.parquet")[-1].parent / "notes.txt"
    foreign.write_text("ملاحظات\n", encoding="utf-8")
    state = output / "state" / "feeds.parquet"
    state.write_bytes(state.read_bytes()[:100])
    leftover = torn.parent / ".part-dead-0000.parquet.inprogress"
    leftover.write_bytes(b"PAR1")
    with pytest.raises(Exception):  # noqa: B017 - what a reader saw before: pyarrow's own error
        schemas.read_dataset(str(output), "articles").to_table()

    code, err = run(ingest_args(feeds_file, output, "after-damage"))
    assert code == 0, err[-3000:]
    for path in (torn, foreign, state):
        relative = path.relative_to(output)
        assert str(path) in err, (path, err[-2000:])
        assert not path.exists() or path == state  # the state file is written anew by the run
        assert (output / "quarantine" / "after-damage" / relative).exists()
    assert not leftover.exists()
    storage = {r["reason"]: r for r in rows(output, "rejects") if r["stage"] == "storage"}
    assert {"unreadable_parquet", "foreign_file", "damaged_state", "derived_from_unreadable"} <= set(storage)
    assert (output / "quarantine" / "after-damage" / "stories").is_dir()
    assert storage["unreadable_parquet"]["url"] == str(torn)
    # The torn file's articles were fetched again, each in one story row (its run's stories were
    # rebuilt without them); every reader reads the tables.
    assert sorted(a["article_id"] for a in assert_whole(output)) == expected
    n = duckdb.sql(f"SELECT count(*) FROM read_parquet('{output}/articles/**/*.parquet', hive_partitioning=true)")
    assert n.fetchall()[0][0] == len(expected)
    assert pq.read_table(state).num_rows == len(FEEDS)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_all_feeds_dead_is_exit_5(tmp_path):
    port = _closed_port()
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds:\n" + "".join(
        f"  - name: dead{i}\n    url: http://127.0.0.1:{port}/feed{i}.xml\n" for i in range(3)), encoding="utf-8")
    code, err = run(ingest_args(str(feeds), tmp_path / "out", "dead", "--connect-timeout", "1"))
    assert code == 5, err
    assert "none of 3 feeds could be fetched" in err
    assert {r["stage"] for r in rows(tmp_path / "out", "rejects")} == {"fetch_feed"}


def test_unwritable_output_and_bad_values_fail_in_one_line_before_any_pipeline(feeds_file, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    started = time.monotonic()
    code, err = run(ingest_args(feeds_file, blocker / "out", "nowhere"))
    assert code == 2 and err.count("\n") == 1 and "not writable" in err and "Traceback" not in err, err
    code, err = run(ingest_args(feeds_file, tmp_path / "out", "bad", "--per-host-delay", "abc"))
    assert code == 2 and err.count("\n") == 1 and "--per-host-delay" in err and "usage" not in err, err
    code, err = run([sys.executable, "-m", "akhbar", "ingest", "--log-level", "LOUD"])
    assert code == 2 and err.count("\n") == 1 and "--log-level" in err, err
    assert time.monotonic() - started < 60
    assert not (tmp_path / "out").exists()


def test_help_documents_the_exit_codes():
    out = subprocess.run([sys.executable, "-m", "akhbar", "ingest", "--help"], capture_output=True, text=True,
                         check=True).stdout
    for code in ("0 run completed", "2 unusable", "3 run failed", "4 output locked", "5 no feed", "6 fewer"):
        assert code in " ".join(out.split()), code
    assert "--lock-timeout" in out and "--min-articles" in out and "--quiet" in out


def test_a_run_that_loses_its_lease_commits_nothing_and_exits_3(feeds_file, tmp_path):
    output = tmp_path / "out"
    flag = tmp_path / "paused"
    loser = start(ingest_args(feeds_file, output, "loser"), AKHBAR_TEST_PAUSE=f"after_articles:{flag}")
    try:
        wait_for(flag, loser)
        # Another run takes the lease over (as if this one's heartbeat had gone stale) ...
        taker = {"run_id": "taker", "host": "another-host", "pid": 4242, "command": "ingest",
                 "started_at": "2026-01-01T00:00:00+00:00", "heartbeat_at": "2099-01-01T00:00:00+00:00"}
        (output / "state" / "lease.json").write_text(json.dumps(taker), encoding="utf-8")
        # ... and the paused run goes on to the end of its pipeline.
        while loser.poll() is None:
            with contextlib.suppress(FileNotFoundError):
                flag.unlink()
            time.sleep(0.1)
    finally:
        if loser.poll() is None:
            loser.kill()
    code, err = finish(loser)
    assert code == 3, err[-3000:]
    lines = [line for line in err.splitlines() if "lost the output lease to" in line and line.startswith("akhbar")]
    assert len(lines) == 1 and "run taker " in lines[0] and "another-host" in lines[0], err[-3000:]
    # Nothing committed: the pending feed and template state stay pending, and its marker stays
    # for the next run to repair.
    assert (output / "state" / "pending" / "loser.parquet").exists()
    assert (output / "state" / "pending" / "templates-loser.parquet").exists()
    assert not (output / "state" / "feeds.parquet").exists()
    assert not (output / "state" / "templates.parquet").exists()
    assert (output / "state" / "runs" / "loser.json").exists()
    assert json.loads((output / "state" / "lease.json").read_text(encoding="utf-8"))["run_id"] == "taker"
    # Once the taker is gone, the next run repairs what the loser wrote and every table is whole.
    (output / "state" / "lease.json").unlink()
    code, err = run(ingest_args(feeds_file, output, "next"))
    assert code == 0 and "repaired unfinished run loser" in err, err[-3000:]
    assert len(assert_whole(output)) >= 15
    assert (output / "state" / "feeds.parquet").exists()
