"""Cost of keeping the output whole: the lease, the pre-run housekeeping scan, and compaction.

    .venv/bin/python bench/integrity.py [--files 1000] [--rows 20] [--leases 200]

Builds a synthetic output in a temporary folder (no corpus needed): ``--files`` articles files
of ``--rows`` rows each (bodies of ~250 Arabic words written for this bench, about 8 KB a
file after zstd, like a run's small files), 10 files per date/topic partition, as ten runs
leave them. Then measures, wall-clock on this machine:
  - the lease: ``OutputLease`` acquire + release, mean over ``--leases`` rounds;
  - housekeeping: ``tidy_output`` over those files (footer check of each), the per-run scan;
  - compaction: ``compact`` of every partition into one file, per 1,000 input files.
Results: bench/RESULTS.md, section "Output integrity".
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq

from akhbar.pipelines.compact import compact
from akhbar.pipelines.housekeeping import tidy_output
from akhbar.pipelines.lease import OutputLease
from akhbar.schemas import ARTICLES, file_schema, parquet_write_options
from akhbar.transforms.text.topics import TopicVocabulary

SENTENCE = ("قال المتحدث باسم الوزارة إن الحكومة ستواصل العمل على تنفيذ المشاريع المعلنة في موعدها "
            "رغم الصعوبات المالية التي تواجهها البلاد منذ بداية العام الحالي. ")
FILES_PER_PARTITION = 10
# Eight slugs of the vocabulary: housekeeping quarantines a topic folder that is not one.
TOPICS = sorted(TopicVocabulary.default().slugs)[:8]


def build(output: str, files: int, rows: int) -> None:
    schema = file_schema(ARTICLES)
    options = parquet_write_options(schema)
    partitions = max(1, files // FILES_PER_PARTITION)
    made = 0
    for p in range(partitions):
        day, topic = divmod(p, 8)
        directory = os.path.join(output, "articles", f"date=2024-{1 + day // 28:02d}-{1 + day % 28:02d}",
                                 f"topic={TOPICS[topic]}")
        os.makedirs(directory, exist_ok=True)
        for run in range(FILES_PER_PARTITION):
            if made == files:
                return
            batch = [{
                "article_id": f"{p}-{run}-{i}", "title": SENTENCE[:60], "body": SENTENCE * 12 + str(i),
                "published_at": datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=run * rows + i),
                "run_id": f"run{run}", "word_count": 250,
            } for i in range(rows)]
            pq.write_table(pa.Table.from_pylist(batch, schema=schema), os.path.join(directory, f"part-run{run}-0000.parquet"),
                           compression="zstd", **options)
            made += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=20)
    parser.add_argument("--leases", type=int, default=200)
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="akhbar-integrity-")
    try:
        output = os.path.join(root, "out")
        build(output, args.files, args.rows)
        size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(output) for f in fs)
        print(f"{args.files} files of {args.rows} rows, {size / args.files / 1024:.1f} KB a file")

        times = []
        for i in range(args.leases):
            started = time.perf_counter()
            with OutputLease(output, f"bench-{i}"):
                pass
            times.append(time.perf_counter() - started)
        print(f"lease acquire+release: mean {statistics.mean(times) * 1000:.2f} ms, "
              f"p90 {sorted(times)[int(len(times) * 0.9)] * 1000:.2f} ms over {args.leases} rounds")

        started = time.perf_counter()
        tidied = tidy_output(output, "bench-tidy")
        scan = time.perf_counter() - started
        assert not tidied.quarantined
        print(f"housekeeping scan of {args.files} files: {scan:.2f} s ({scan / args.files * 1000:.2f} ms a file)")

        started = time.perf_counter()
        done = compact(output, ["articles"])["articles"]
        took = time.perf_counter() - started
        print(f"compaction: {done.files_before} files → {done.files_after} in {took:.2f} s, "
              f"{took / done.files_before * 1000:.2f} s per 1,000 files ({done.rows} rows)")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
