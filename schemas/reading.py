"""Read a table written by any schema version with the current schema.

    python -c "from akhbar import schemas; print(schemas.read_dataset('data/demo', 'articles').to_table().num_rows)"
"""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.dataset as ds

from akhbar.schemas.tables import TABLES, partition_schema, read_schema


def read_dataset(output: str, table: str = "articles") -> ds.Dataset:
    """A pyarrow dataset over OUTPUT/TABLE with hive partitions; columns missing from old files read as null.

    Files still being written carry a leading dot or underscore and are ignored, like every reader ignores them.
    ``date`` reads as date32, as DuckDB, Polars and Spark read the ``date=YYYY-MM-DD`` directories.
    Files are listed by ``_part_files`` (one directory read per partition), so a concurrent
    ``akhbar compact`` shows each partition whole, old files or merged file, or raises
    FileNotFoundError when a listed file was swapped out before it was opened; never a silent gap.
    """
    schema: pa.Schema = read_schema(TABLES[table])
    root = os.path.join(output, table)
    partitioning = ds.partitioning(partition_schema(schema), flavor="hive")
    if not os.path.isdir(root):
        return ds.dataset(pa.table({f.name: pa.array([], f.type) for f in schema}, schema=schema))
    return ds.dataset(_part_files(root), schema=schema, format="parquet", partitioning=partitioning,
                      partition_base_dir=root, exclude_invalid_files=False)


def _part_files(root: str) -> list[str]:
    """Every file under ``root`` not hidden by a leading dot or underscore, in any folder.

    Why not pyarrow's own discovery: it reads a directory's names and then stats each name by path.
    When ``akhbar compact`` swaps a partition directory in between, the old names are no longer
    found under the path and pyarrow skips them without a word: the partition vanishes from that
    read. Here a partition's names and types come from one read of one directory (``os.scandir``
    takes the type from the directory entry), so they are the whole old set or the whole new one,
    and the dataset's own check of each path turns a name swapped out since into an error."""
    found: list[str] = []
    pending = [root]
    while pending:
        directory = pending.pop()
        try:
            with os.scandir(directory) as entries:
                listed = [(entry.path, entry.name, entry.is_dir()) for entry in entries]
        except FileNotFoundError:  # removed since its parent was listed (a quarantined folder): nothing to read
            continue
        for path, name, is_dir in listed:
            if name.startswith((".", "_")):
                continue
            (pending if is_dir else found).append(path)
    return sorted(found)
