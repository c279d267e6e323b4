"""``akhbar compact OUTPUT [--table T] [--older-than DAYS]``: one file per partition instead of one per run.

    akhbar compact data/live --older-than 1        # every partition dated before yesterday

Each run adds a small file per partition and table; on a 30-minute schedule that becomes tens of
thousands of files, which every reader pays for. Compaction merges each partition's files into
one, sorted by time (``published_at`` for articles, ``first_seen`` for stories, ``seen_at`` for
rejects; entities follow their article ids), and checks the merged row count before swapping.

How it stays safe:
- **Never races a writer.** It takes the output's lease like ``akhbar ingest`` (exit 4 when a
  live run holds it) and first tidies the output as a run does (pipelines/housekeeping.py),
  so a killed run is repaired before its files are merged.
- **Readers never see a row twice or miss one** (local paths on Linux). The merged file is
  written into a new directory under ``OUTPUT/state/compact/``, which is then exchanged with
  the partition directory in one ``renameat2(RENAME_EXCHANGE)`` call: a reader that lists the
  partition sees either all the old files or only the merged one, never both and never
  neither. Two details make that hold for a reader whose listing straddles the swap:
  - it may have opened the directory just before the swap and read it after: it then reads the
    directory now holding the old files, so those are kept under ``state/compact/retired-…`` for
    ``--keep-old-minutes`` (default 60, counted from the compaction's start) and deleted after
    that by the next compaction or ingest
    (its housekeeping), not at once;
  - a reader that stats each listed name by path after the swap no longer finds the old names.
    pyarrow's own discovery does that and skips them silently, so ``schemas.read_dataset`` lists
    each partition with one directory read instead (``schemas/reading.py``).
  The first is reproduced by tests/test_compact.py. The second showed in a stress run of that
  test's reader (40 compactions, two reader threads): after the first fix, 1 read of 589 still
  counted 660 of 720 rows; with both, 0 of 1,145. A reader that listed before the swap and opens a file after it gets
  "file not found", never a silent gap. Other engines' globs (DuckDB, Polars, Spark) list in
  their own way; keep compaction off the days they scan (``--older-than``) when a silent gap
  during a compaction would matter.
- **A crash loses nothing.** Whatever sits in ``state/compact/`` is either the merged copy not
  yet swapped in, or the old files already swapped out (moved under ``retired-…`` right after
  each swap): both are redundant; the next compaction or ingest deletes the first at once and
  the second once its keep time has passed. The partition itself always holds a whole set of rows.
- On object stores (gs://, s3://) and where RENAME_EXCHANGE is missing, the merged file is
  renamed in and then the old files are deleted: no row is lost, but a reader listing in
  between sees the partition's rows twice. Compact such outputs when nothing reads them, or
  only partitions older than the readers' window (``--older-than``).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from akhbar.schemas import TABLES, file_schema, parquet_write_options
from akhbar.transforms.stages.files import atomic_output

log = logging.getLogger("akhbar")

EXIT_OK, EXIT_CONFIG, EXIT_LOCKED = 0, 2, 4
SORT_KEYS = {
    "articles": [("published_at", "ascending"), ("article_id", "ascending")],
    "entities": [("article_id", "ascending"), ("start", "ascending")],
    "stories": [("first_seen", "ascending"), ("story_id", "ascending")],
    "rejects": [("seen_at", "ascending"), ("url", "ascending")],
}
_PART = re.compile(r"^part-[A-Za-z0-9_.-]+\.parquet$")
_DATE_DIR = re.compile(r"(?:^|/)date=(\d{4}-\d{2}-\d{2})(?:/|$)")
_RETIRED = re.compile(r"^retired-(\d+)-")
KEEP_OLD_MINUTES = 60
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


@dataclass
class Compacted:
    partitions: int = 0
    files_before: int = 0
    files_after: int = 0
    rows: int = 0


def _exchange(a: str, b: str) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: this filesystem cannot exchange
        return False
    raise OSError(errno, os.strerror(errno), a)


def _partition_dirs(output: str, table: str) -> dict[str, list[str]]:
    """Partition directory → its part files, from one listing of the table."""
    found: dict[str, list[str]] = {}
    try:
        matched = FileSystems.match([FileSystems.join(output, table, "**")])[0].metadata_list
    except Exception:
        return found
    for meta in matched:
        path = meta.path
        name = os.path.basename(path)
        if _PART.match(name):
            found.setdefault(path[: -len(name)].rstrip("/\\"), []).append(path)
    return found


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """A file of an older schema version as the current one: missing columns as nulls."""
    columns = [table.column(f.name).cast(f.type) if f.name in table.column_names else pa.nulls(table.num_rows, f.type)
               for f in schema]
    return pa.Table.from_arrays(columns, schema=schema)


def _merged(table: str, files: list[str]) -> pa.Table:
    schema = file_schema(TABLES[table])
    if "://" in files[0]:
        tables = []
        for path in files:
            with FileSystems.open(path) as fh:
                tables.append(_conform(pq.read_table(fh), schema))
        merged = pa.concat_tables(tables)
    else:
        merged = ds.dataset(files, schema=schema, format="parquet").to_table()
    return merged.sort_by(SORT_KEYS[table])


def _write(table: pa.Table, schema: pa.Schema, path: str) -> None:
    with atomic_output(path) as sink:
        pq.write_table(table, sink, compression="zstd", **parquet_write_options(schema))


def compact_partition(output: str, table: str, directory: str, files: list[str], token: str,
                      delete_after: int | None = None) -> int:
    """Merge one partition's files into ``part-compact-TOKEN-0000.parquet``; returns its rows."""
    from akhbar.transforms.stages.write import pause_for_fault_test

    schema = file_schema(TABLES[table])
    merged = _merged(table, sorted(files))
    name = f"part-compact-{token}-0000.parquet"
    local = "://" not in directory
    if local:
        staging = os.path.join(output, "state", "compact", token, table,
                               os.path.relpath(directory, os.path.join(output, table)))
        os.makedirs(staging, exist_ok=True)
        _write(merged, schema, os.path.join(staging, name))
        if pq.read_metadata(os.path.join(staging, name)).num_rows != merged.num_rows:
            raise OSError(f"merged file of {directory} does not read back whole")
        pause_for_fault_test("before_swap")
        if _exchange(staging, directory):
            _retire(output, token, table, staging, directory,
                    int(time.time()) + KEEP_OLD_MINUTES * 60 if delete_after is None else delete_after)
            return merged.num_rows
        FileSystems.rename([os.path.join(staging, name)], [os.path.join(directory, name)])
    else:
        _write(merged, schema, FileSystems.join(directory, name))
    FileSystems.delete([f for f in files if os.path.basename(f) != name])
    return merged.num_rows


def clear_staging(output: str, now: float | None = None) -> None:
    """Drop what compactions left in state/compact/: unswapped merged copies (redundant, whichever
    side of the swap a killed compaction died) at once, swapped-out old files once their
    ``retired-<delete after>-…`` time has passed (a reader may still be listing them before).
    Run by every compaction and by every ingest's housekeeping (pipelines/housekeeping.py)."""
    staging = FileSystems.join(output, "state", "compact")
    if "://" not in staging:
        if not os.path.isdir(staging):
            return
        now = time.time() if now is None else now
        for name in os.listdir(staging):
            retired = _RETIRED.match(name)
            if retired is None or int(retired.group(1)) <= now:
                shutil.rmtree(os.path.join(staging, name), ignore_errors=True)
        with contextlib.suppress(OSError):
            os.rmdir(staging)  # only when empty
        return
    with contextlib.suppress(Exception):
        leftovers = [m.path for m in FileSystems.match([FileSystems.join(staging, "**")])[0].metadata_list]
        if leftovers:
            FileSystems.delete(leftovers)


def _retire(output: str, token: str, table: str, swapped_out: str, directory: str, delete_after: int) -> None:
    """Move a partition's old files, just swapped out, under ``retired-<delete after>-TOKEN``: kept
    for readers that opened the directory before the swap, deleted by a later ``clear_staging``.
    Done per partition, right after its swap, so a compaction that dies later keeps them too."""
    retired = os.path.join(output, "state", "compact", f"retired-{delete_after}-{token}", table,
                           os.path.relpath(directory, os.path.join(output, table)))
    os.makedirs(os.path.dirname(retired), exist_ok=True)
    os.rename(swapped_out, retired)


def compact(output: str, tables: list[str], older_than_days: int | None = None, today: date | None = None,
            token: str | None = None, keep_old_minutes: float = KEEP_OLD_MINUTES) -> dict[str, Compacted]:
    """Compact every partition with two or more files (dated before today − DAYS, if given); lease held by the caller."""
    token = token or datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    delete_after = int(time.time() + keep_old_minutes * 60)  # one retired folder per compaction
    clear_staging(output)
    cutoff = None
    if older_than_days is not None:
        cutoff = ((today or datetime.now(UTC).date()) - timedelta(days=older_than_days)).isoformat()
    done: dict[str, Compacted] = {}
    for table in tables:
        summary = done.setdefault(table, Compacted())
        for directory, files in sorted(_partition_dirs(output, table).items()):
            found = _DATE_DIR.search(directory.replace("\\", "/"))
            if cutoff is not None and (not found or found.group(1) >= cutoff):
                continue
            if len(files) < 2:
                continue
            summary.rows += compact_partition(output, table, directory, files, token, delete_after)
            summary.partitions += 1
            summary.files_before += len(files)
            summary.files_after += 1
    clear_staging(output)
    return done


def run(argv: list[str]) -> int:
    from akhbar.pipelines.housekeeping import tidy_output
    from akhbar.pipelines.lease import run_leased
    from akhbar.pipelines.options import RaisingParser

    parser = RaisingParser(
        prog="akhbar compact", description="Merge each partition's files into one, sorted by time "
        "(see pipelines/compact.py); takes the output's lease like akhbar ingest.",
        epilog="Exit codes: 0 done, 2 unusable arguments or no such output, 4 output locked by a live run "
        "(the message names it). See pipelines/compact.py for what readers see during a compaction.",
    )
    parser.add_argument("output", help="output root written by akhbar ingest (local path, gs://, s3://)")
    parser.add_argument("--table", choices=sorted(TABLES), action="append",
                        help="table to compact (repeatable; default: all four)")
    parser.add_argument("--older-than", dest="older_than", type=int, default=None, metavar="DAYS",
                        help="only partitions dated more than DAYS days ago (default: every partition)")
    parser.add_argument("--keep-old-minutes", dest="keep_old_minutes", type=float, default=KEEP_OLD_MINUTES,
                        metavar="M", help="keep swapped-out files under OUTPUT/state/compact/ for M minutes, for "
                        "readers that opened a partition just before its swap (default: %(default)s)")
    parser.add_argument("--lock-timeout", dest="lock_timeout", type=float, default=0.0,
                        help="seconds to wait for a running ingest's lease (default: 0)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help
        return EXIT_OK if exc.code == 0 else EXIT_CONFIG
    except ValueError as exc:
        print(f"akhbar compact: error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if args.keep_old_minutes < 0:
        print("akhbar compact: error: --keep-old-minutes must not be negative", file=sys.stderr)
        return EXIT_CONFIG
    if args.older_than is not None and args.older_than < 0:
        print("akhbar compact: error: --older-than must not be negative", file=sys.stderr)
        return EXIT_CONFIG
    output = args.output.rstrip("/")
    if "://" not in output and not os.path.isdir(output):
        print(f"akhbar compact: error: no such output directory: {output}", file=sys.stderr)
        return EXIT_CONFIG
    run_id = "compact-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    started = time.perf_counter()
    done: dict = {}

    def leased(still_held) -> int:  # compaction's swaps are each whole: nothing to hold back at the end
        tidy_output(output, run_id)
        done.update(compact(output, args.table or list(TABLES), args.older_than,
                            keep_old_minutes=args.keep_old_minutes))
        return EXIT_OK

    code = run_leased("compact", output, run_id, args.lock_timeout, leased, check_writable=False)
    if code != EXIT_OK:
        return code
    for table, summary in done.items():
        log.info("compact %s: %d partitions, %d files → %d, %d rows", table, summary.partitions,
                 summary.files_before, summary.files_after, summary.rows)
    print(f"akhbar compact: {sum(s.files_before for s in done.values())} files merged into "
          f"{sum(s.files_after for s in done.values())} in {time.perf_counter() - started:.1f}s")
    return EXIT_OK
