"""What a run does to the output before it writes, under the output's lease (pipelines/lease.py).

    python -c "from akhbar.pipelines.housekeeping import tidy_output; print(tidy_output('data/demo', 'manual'))"

1. **Leftovers.** Temporary files of killed writers (``.*.inprogress`` under the tables and
   ``state/``) and the pending feed state of runs that never committed (``state/pending/``)
   are deleted: with the lease held, no live writer owns them. A pending feed state that is
   deleted was never merged, so the next run fetches those feeds unconditionally.
2. **Damage.** Every file under a table must be a Parquet file named ``part-*.parquet``
   (readers already skip names starting with ``.`` or ``_``), checked by its shape (magic
   bytes at both ends, a footer that fits: 12 bytes read, ~0.2 ms a file with the listing).
   Its folders must be the table's partitions with values readers can type: ``date=YYYY-MM-DD``
   (a real date: readers type it as a DATE) and, where the table has one, ``topic=`` a slug of
   the topic vocabulary. Anything else, a truncated or torn Parquet file, a stray file someone
   dropped there or a file in a ``date=latest`` folder, and an unreadable ``state/feeds.parquet``
   or ``state/templates.parquet`` (each read whole with its schema), is moved to
   ``OUTPUT/quarantine/RUN_ID/<its path>``, outside every table path, so DuckDB, Polars and
   Spark globs keep working. Each one gets a warning log line naming it and a ``rejects`` row (stage ``storage``, reason ``unreadable_parquet``,
   ``foreign_file`` or ``damaged_state``), and the run goes on. The entities file beside an
   unreadable articles file goes with it (``derived_from_unreadable``): those articles are no
   longer seen, so the run fetches them again and writes their entities anew. So do the
   stories files of the run that wrote it (named in the file name; not for ``akhbar compact``'s
   merged files, whose rows come from many runs): they are rebuilt from that run's articles
   files that are left, so a re-fetched article is in one story row, not two.
3. **Whole runs.** ``begin_run`` leaves ``state/runs/RUN_ID.json`` before the pipeline starts
   and ``end_run`` removes it once the run has committed. A marker still present here belongs
   to a run that was killed or failed: its articles files are whole (each renamed into place
   in one step), but its entities and stories files may be missing or partial, and the next
   run will skip its articles as already written. So they are repaired from the articles'
   own columns: the articles files are renamed ``part-RUN.repTIME-SHARD.parquet`` (a retry
   under the same run id must not overwrite them; a stream's keep their window tag,
   ``part-RUN.repTIME-wYYYYMMDDTHHMMSSZ-SHARD.parquet``), the run's entities and stories files are
   replaced by ones rebuilt from those articles (``entity_rows``, ``story_row``), and the
   marker is removed. Repair is idempotent: a crash during it is repaired by the next run.

   What a rebuilt story row cannot know: ``merged_from`` and a ``story_first_seen`` older
   than the run's own articles come from the pipeline's memory of earlier runs, not from the
   articles rows. They are carried over from the run's stories rows that are still readable
   (``_story_facts``); a story whose row the killed run never wrote gets ``merged_from`` empty
   and ``story_first_seen`` equal to its own ``first_seen``. Everything else (members, times,
   outlets, top entities, title, date) is exactly what the run would have written.

We chose repair over ordering the writes (entities and stories before articles): ordering
needs a barrier across the pipeline's stages and still leaves orphaned derived rows when a
run dies between them, which the next run would duplicate; the repair needs nothing from
the pipeline and makes the killed run's tables exactly as if it had finished those articles.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import socket
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from akhbar.schemas import (
    ENTITIES,
    FEED_STATE,
    PARTITION_FIELDS,
    REJECTS,
    STORIES,
    TABLES,
    TEMPLATE_STATE,
    Reject,
)
from akhbar.schemas.rows import story_partition_date

log = logging.getLogger("akhbar")

QUARANTINE = "quarantine"
STAGE = "storage"
_PART = re.compile(r"^part-[A-Za-z0-9_.-]+\.parquet$")
_PARTITION = re.compile(r"^(date|topic)=([^/]+)$")
# A stream's files carry their window start (transforms/stages/write.py ``window_tag``).
_WINDOW_TAG = r"(-w\d{8}T\d{6}(\.\d{6})?Z)?"
# The run that wrote a file, from its name (``part-RUN[.repTIME|.hkTIME][-wTAG]-SHARD.parquet``).
_RUN_OF_FILE = re.compile(rf"^part-(?P<run>.+?)(\.(rep|hk)\d+)?{_WINDOW_TAG}-\d{{4}}\.parquet$")
# Every file under ``state/`` that the runs read, with the schema it must read with.
STATE_FILES = {"feeds.parquet": FEED_STATE, "templates.parquet": TEMPLATE_STATE}


@dataclass
class Tidied:
    """What ``tidy_output`` did; ``rejects`` are written by the caller into this run's rejects table."""

    removed: list[str] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)
    repaired_runs: list[str] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


def _join(output: str, *parts: str) -> str:
    return FileSystems.join(output, *parts)


def _list(pattern: str) -> list[str]:
    try:
        return sorted(m.path for m in FileSystems.match([pattern])[0].metadata_list)
    except Exception:  # no such directory: nothing there
        return []


def _relative(output: str, path: str) -> str:
    return path[len(output):].lstrip("/\\").replace("\\", "/")


def _parquet_shape_problem(path: str) -> str | None:
    """None when the file has Parquet's shape (magic at both ends, a footer that fits), else why not.

    Reads 12 bytes, not the footer: a truncated or torn write, a half copy and a stray file all
    fail it, at tens of microseconds a file (the scan runs before every run over every file).
    A file whose footer bytes were altered in place keeps its shape and is not caught here.
    """
    try:
        with FileSystems.open(path) as fh:
            head = fh.read(4)
            size = fh.seek(0, os.SEEK_END)
            if size < 12:
                return f"{size} bytes: too short for Parquet"
            fh.seek(size - 8)
            tail = fh.read(8)
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]
    if head != b"PAR1" or tail[4:] != b"PAR1":
        return f"{size} bytes, Parquet magic bytes not found at {'start' if head != b'PAR1' else 'end'} (truncated?)"
    footer = int.from_bytes(tail[:4], "little")
    if footer + 12 > size:
        return f"{size} bytes, footer of {footer} bytes does not fit (torn write?)"
    return None


def _state_problem(path: str, schema) -> str | None:
    """None when a state file reads with its schema (a small file: read whole), else why not."""
    try:
        with FileSystems.open(path) as fh:
            pq.read_table(fh, schema=schema)
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]
    return None


def quarantine(output: str, path: str, run_id: str, reason: str, detail: str, tidied: Tidied) -> None:
    relative = _relative(output, path)
    target = _join(output, QUARANTINE, run_id, *relative.split("/"))
    if "://" not in target:  # object stores have no directories to make
        os.makedirs(os.path.dirname(target), exist_ok=True)
    FileSystems.rename([path], [target])
    log.warning("quarantined %s → %s: %s (%s)", path, target, reason, detail)
    tidied.quarantined.append(path)
    tidied.rejects.append(Reject.make(path, None, STAGE, reason, f"{detail}; moved to {target}"))


def _remove_leftovers(output: str, run_id: str, tidied: Tidied) -> None:
    leftovers = [p for table in TABLES for p in _list(_join(output, table, "**"))
                 if os.path.basename(p).endswith(".inprogress")]
    leftovers += [p for p in _list(_join(output, "state", "**")) if p.endswith(".inprogress")]
    leftovers += [p for p in _list(_join(output, "state", "pending", "*.parquet"))
                  if os.path.basename(p) != f"{run_id}.parquet"]
    for path in leftovers:
        with contextlib.suppress(Exception):
            FileSystems.delete([path])
            log.info("removed leftover %s", path)
            tidied.removed.append(path)


def _partition_problem(table: str, folders: list[str]) -> str | None:
    """None when the folders are exactly the table's partitions with values readers can type, else why not.

    ``read_dataset`` types ``date`` as date32 and DuckDB, Polars and Spark infer a DATE: one
    ``date=latest`` folder breaks every read of the table. The topic must be a slug of the
    vocabulary, as the writer guarantees (transforms/stages/write.py ``partition_values``).
    """
    from datetime import date

    from akhbar.transforms.text.topics import TopicVocabulary

    names = [f for f in PARTITION_FIELDS if f in TABLES[table].names]
    if len(folders) != len(names):
        return f"not in the {'/'.join(n + '=…' for n in names)} folders of table {table}"
    for name, folder in zip(names, folders, strict=True):
        found = _PARTITION.match(folder)
        if not found or found.group(1) != name:
            return f"folder {folder!r} is not a {name}= partition of table {table}"
        value = found.group(2)
        if name == "date":
            try:
                if len(value) != 10:
                    raise ValueError(value)
                date.fromisoformat(value)
            except ValueError:
                return f"folder {folder!r}: not a YYYY-MM-DD date"
        elif value not in TopicVocabulary.default().slugs:
            return f"folder {folder!r}: not a topic of the vocabulary"
    return None


def _requarantine_stories(output: str, writer_run: str, run_id: str, tidied: Tidied) -> None:
    stories = _files_of_run(output, "stories", writer_run)
    facts = _story_facts(output, stories)
    for path in stories:
        quarantine(output, path, run_id, "derived_from_unreadable",
                   f"stories of run {writer_run}, whose articles file was quarantined; rebuilt", tidied)
    _rebuild_stories(output, writer_run, _files_of_run(output, "articles", writer_run), facts, _repair_token())


def _quarantine_damage(output: str, run_id: str, tidied: Tidied) -> None:
    runs_hit: set[str] = set()
    for table in TABLES:
        for path in _list(_join(output, table, "**")):
            name = os.path.basename(path)
            if name.startswith((".", "_")):
                continue  # in progress, or a reader-ignored side file
            if not _PART.match(name):
                quarantine(output, path, run_id, "foreign_file", f"not a part-*.parquet file of table {table}", tidied)
                continue
            misplaced = _partition_problem(table, _relative(output, path).split("/")[1:-1])
            if misplaced:
                quarantine(output, path, run_id, "foreign_file", misplaced, tidied)
                continue
            problem = _parquet_shape_problem(path)
            if problem:
                quarantine(output, path, run_id, "unreadable_parquet", problem, tidied)
                if table == "articles":
                    # Its articles will be fetched again (their ids are no longer seen): the
                    # entities written beside them would then be doubled.
                    sibling = _join(output, "entities", *_relative(output, path).split("/")[1:])
                    if FileSystems.exists(sibling):
                        quarantine(output, sibling, run_id, "derived_from_unreadable",
                                   f"entities of the quarantined {path}", tidied)
                    writer = _RUN_OF_FILE.match(name)
                    if writer and not writer.group("run").startswith("compact-"):
                        runs_hit.add(writer.group("run"))
    # ... and so would their story rows: the stories of each such run go too, rebuilt from its
    # articles files that are left (with what the old rows knew: _story_facts).
    for writer_run in sorted(runs_hit):
        _requarantine_stories(output, writer_run, run_id, tidied)
    for name, schema in STATE_FILES.items():
        state = _join(output, "state", name)
        if FileSystems.exists(state):
            problem = _state_problem(state, schema)
            if problem:
                quarantine(output, state, run_id, "damaged_state", problem, tidied)


# --------------------------------------------------------------------------- run markers


def _marker(output: str, run_id: str) -> str:
    return _join(output, "state", "runs", f"{run_id}.json")


def begin_run(output: str, run_id: str, command: str = "ingest") -> None:
    """Mark the run as begun: if it never reaches ``end_run``, the next run repairs what it wrote."""
    payload = {"run_id": run_id, "host": socket.gethostname(), "pid": os.getpid(), "command": command,
               "started_at": datetime.now(UTC).isoformat(timespec="seconds")}
    with FileSystems.create(_marker(output, run_id)) as sink:
        sink.write(json.dumps(payload).encode("utf-8"))


def end_run(output: str, run_id: str) -> None:
    with contextlib.suppress(Exception):
        FileSystems.delete([_marker(output, run_id)])


def unfinished_runs(output: str) -> list[str]:
    return [os.path.basename(p)[: -len(".json")] for p in _list(_join(output, "state", "runs", "*.json"))]




def _files_of_run(output: str, table: str, run_id: str) -> list[str]:
    own = re.compile(rf"^part-{re.escape(run_id)}(\.rep\d+)?{_WINDOW_TAG}-\d{{4}}\.parquet$")
    return [p for p in _list(_join(output, table, "**")) if own.match(os.path.basename(p))]


def _partition_values(output: str, path: str) -> dict[str, str]:
    values = {}
    for part in _relative(output, path).split("/")[1:-1]:
        found = _PARTITION.match(part)
        if found:
            values[found.group(1)] = found.group(2)
    return values


def _read_rows(output: str, path: str) -> list[dict]:
    with FileSystems.open(path) as fh:
        rows = pq.read_table(fh).to_pylist()
    values = _partition_values(output, path)
    return [{**row, **values} for row in rows]


def _story_facts(output: str, story_files: list[str]) -> dict[str, tuple[list[str], datetime | None]]:
    """``merged_from`` and ``story_first_seen`` of the stories rows already written, by story id.

    Only these files know them (the articles rows do not), so a rebuild carries them over from
    whatever of them is readable; a story whose row was never written gets neither (module doc).
    """
    facts: dict[str, tuple[list[str], datetime | None]] = {}
    for path in story_files:
        try:
            with FileSystems.open(path) as fh:
                rows = pq.read_table(fh, columns=["story_id", "merged_from", "story_first_seen"]).to_pylist()
        except Exception:  # torn by the killed run: rebuilt without them
            continue
        for row in rows:
            merged, first = facts.get(row["story_id"], ([], None))
            seen = [t for t in (first, row["story_first_seen"]) if t is not None]
            facts[row["story_id"]] = (sorted({*merged, *(row["merged_from"] or [])}), min(seen) if seen else None)
    return facts


def _rebuild_stories(output: str, run_id: str, articles_files: list[str],
                     facts: dict[str, tuple[list[str], datetime | None]], token: str) -> None:
    """Write the run's stories rows anew from its articles files (one file per story date)."""
    from akhbar.transforms.stages.write import partition_dir, write_parquet_atomically
    from akhbar.transforms.text.dedup import story_row

    members: dict[str, list[dict]] = defaultdict(list)
    for path in articles_files:
        for row in _read_rows(output, path):
            if row.get("story_id"):
                members[row["story_id"]].append(row)
    by_date: dict[str, list[dict]] = defaultdict(list)
    for story_id, story_members in members.items():
        merged_from, prior_first_seen = facts.get(story_id, ((), None))
        story = story_row(story_id, story_members, merged_from=merged_from, prior_first_seen=prior_first_seen)
        story["run_id"] = run_id
        story["date"] = story_partition_date((m.get("date") for m in story_members), story["first_seen"]) or "1970-01-01"
        by_date[story["date"]].append(story)
    for date, stories in sorted(by_date.items()):
        directory = partition_dir(output, "stories", STORIES, (date,))
        name = f"part-{run_id}.{token}-0000.parquet"
        write_parquet_atomically(stories, STORIES, FileSystems.join(directory, name))


def _repair_token() -> str:
    return datetime.now(UTC).strftime("rep%Y%m%d%H%M%S%f")


def repair_run(output: str, run_id: str) -> int:
    """Rebuild a killed run's entities and stories from its articles files; returns the articles repaired."""
    from akhbar.schemas.rows import entity_rows
    from akhbar.transforms.stages.write import partition_dir, write_parquet_atomically

    token = _repair_token()
    articles_files = []
    for path in _files_of_run(output, "articles", run_id):
        name = os.path.basename(path)
        if re.match(rf"^part-{re.escape(run_id)}{_WINDOW_TAG}-\d{{4}}\.parquet$", name):
            renamed = path[: -len(name)] + name.replace(f"part-{run_id}-", f"part-{run_id}.{token}-", 1)
            FileSystems.rename([path], [renamed])
            path = renamed
        articles_files.append(path)
    stale_stories = _files_of_run(output, "stories", run_id)
    facts = _story_facts(output, stale_stories)
    stale_derived = _files_of_run(output, "entities", run_id) + stale_stories
    if stale_derived:
        FileSystems.delete(stale_derived)
    repaired = 0
    for path in articles_files:
        rows = _read_rows(output, path)
        repaired += len(rows)
        entities = [entity for row in rows for entity in entity_rows(row)]
        if entities:
            values = _partition_values(output, path)
            directory = partition_dir(output, "entities", ENTITIES, (values["date"], values["topic"]))
            name = os.path.basename(path)
            write_parquet_atomically(entities, ENTITIES, FileSystems.join(directory, name))
    _rebuild_stories(output, run_id, articles_files, facts, token)
    end_run(output, run_id)
    log.warning("repaired unfinished run %s: entities and stories rebuilt for %d articles", run_id, repaired)
    return repaired


def write_rejects(output: str, run_id: str, rejects: list[Reject]) -> list[str]:
    """Write housekeeping rejects into the rejects table beside the run's own (one file per date)."""
    from akhbar.transforms.stages.write import partition_dir, write_parquet_atomically

    by_date: dict[str, list[dict]] = defaultdict(list)
    for reject in rejects:
        row = Reject.to_row(reject, run_id)
        by_date[row["date"]].append(row)
    token = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
    written = []
    for date, rows in sorted(by_date.items()):
        directory = partition_dir(output, "rejects", REJECTS, (date,))
        name = f"part-{run_id}.hk{token}-0000.parquet"
        write_parquet_atomically(rows, REJECTS, FileSystems.join(directory, name))
        written.append(FileSystems.join(directory, name))
    return written


def feeds_reached(output: str, run_id: str) -> tuple[int, int]:
    """(feeds answered 2xx or 304, feeds tried) by this run, from its pending feed state."""
    path = _join(output, "state", "pending", f"{run_id}.parquet")
    if not FileSystems.exists(path):
        return 0, 0
    with FileSystems.open(path) as fh:
        statuses = pq.read_table(fh, schema=FEED_STATE).column("last_status").to_pylist()
    return sum(1 for s in statuses if s is not None and (200 <= s < 300 or s == 304)), len(statuses)


def tidy_output(output: str, run_id: str) -> Tidied:
    """Steps 1–3 of the module doc, in that order; call with the output's lease held."""
    from akhbar.pipelines.compact import clear_staging  # compact imports this module when it runs

    tidied = Tidied()
    _remove_leftovers(output, run_id, tidied)
    clear_staging(output)  # a compaction's swapped-out files, once readers have had their time
    _quarantine_damage(output, run_id, tidied)
    for unfinished in unfinished_runs(output):
        repair_run(output, unfinished)
        tidied.repaired_runs.append(unfinished)
    if tidied.rejects:
        write_rejects(output, run_id, tidied.rejects)
    return tidied

