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
    """
    schema: pa.Schema = read_schema(TABLES[table])
    root = os.path.join(output, table)
    partitioning = ds.partitioning(partition_schema(schema), flavor="hive")
    if not os.path.isdir(root):
        return ds.dataset(pa.table({f.name: pa.array([], f.type) for f in schema}, schema=schema))
    return ds.dataset(root, schema=schema, format="parquet", partitioning=partitioning,
                      exclude_invalid_files=False, ignore_prefixes=[".", "_"])
