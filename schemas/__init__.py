"""Arrow schemas and record types: ``schemas.ARTICLES``, ``schemas.Reject``, ``schemas.read_dataset``."""

from akhbar.schemas.reading import read_dataset
from akhbar.schemas.records import FeedEntry, FeedSpec, FetchedPage, Reject
from akhbar.schemas.tables import (
    ARTICLES,
    ENTITIES,
    FEED_STATE,
    PARTITION_FIELDS,
    REJECTS,
    SCHEMA_VERSION,
    STORIES,
    TABLES,
    TEMPLATE_STATE,
    VERSIONS,
    fields_since,
    file_schema,
    parquet_write_options,
    partition_schema,
)

__all__ = [
    "ARTICLES",
    "ENTITIES",
    "FEED_STATE",
    "PARTITION_FIELDS",
    "REJECTS",
    "SCHEMA_VERSION",
    "STORIES",
    "TABLES",
    "TEMPLATE_STATE",
    "VERSIONS",
    "FeedEntry",
    "FeedSpec",
    "FetchedPage",
    "Reject",
    "fields_since",
    "file_schema",
    "parquet_write_options",
    "partition_schema",
    "read_dataset",
]
