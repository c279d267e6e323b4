"""Files that appear whole: the one temp→rename writer every table, state file and report uses.

    python -c "from akhbar.transforms.stages.files import atomic_output; f = atomic_output('/tmp/x.txt'); s = f.__enter__(); s.write(b'ok'); f.__exit__(None, None, None)"

A file is written under a hidden temporary name beside its final one
(``dir/.NAME.inprogress``: readers skip dot-files, and globs on ``*.parquet`` never match it),
then renamed through Beam ``FileSystems``: ``os.rename`` locally, copy-then-delete on object
stores, where the object appears whole. A failure deletes the temporary file, so a crash never
leaves a half-written file where readers look; a leftover from a killed process keeps the
``.inprogress`` suffix (``is_temporary``) and is cleared by the next run.
"""

from __future__ import annotations

import contextlib
import posixpath
from collections.abc import Iterator
from typing import BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

TEMP_SUFFIX = ".inprogress"


def temporary_path(final_path: str) -> str:
    """The hidden name a file is written under before it is renamed to ``final_path``."""
    directory, name = posixpath.split(final_path.replace("\\", "/"))
    return posixpath.join(directory, f".{name}{TEMP_SUFFIX}") if directory else f".{name}{TEMP_SUFFIX}"


def is_temporary(path: str) -> bool:
    return path.endswith(TEMP_SUFFIX)


@contextlib.contextmanager
def atomic_output(final_path: str) -> Iterator[BinaryIO]:
    """A writable sink whose bytes appear at ``final_path`` only if the block completes."""
    temp = temporary_path(final_path)
    sink = FileSystems.create(temp)
    try:
        yield sink
        sink.close()
    except BaseException:
        sink.close()
        with contextlib.suppress(Exception):  # the original error matters, not the clean-up's
            FileSystems.delete([temp])
        raise
    # Overwrites a file of the same name in one step, so a retried run replaces its own file.
    FileSystems.rename([temp], [final_path])


def write_bytes_atomically(final_path: str, data: bytes) -> None:
    with atomic_output(final_path) as sink:
        sink.write(data)


def write_table_atomically(table: pa.Table, final_path: str) -> None:
    with atomic_output(final_path) as sink:
        pq.write_table(table, sink, compression="zstd")
