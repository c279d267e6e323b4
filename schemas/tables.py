"""Arrow schemas of every table akhbar writes: the one source of truth for columns.

    python -c "from akhbar import schemas; print(schemas.ARTICLES)"

Each field carries ``since`` metadata, the schema version that added it. A dataset
written by an earlier version reads with the current schema (``schemas.read_dataset``):
columns it lacks come back as nulls. Never remove or retype a column; add a new one
with the next version number and note it in ``VERSIONS``.

Partition columns (``date``, ``topic``) live in the directory names
(``date=YYYY-MM-DD/topic=slug/``), as Hive, Spark, DuckDB and Polars expect, and are
not repeated inside the files: ``file_schema()`` drops them.
"""

from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = 5

VERSIONS = {
    1: "walking skeleton: identity, provenance, title/lead/authors, dates, body, topic",
    2: "Arabic cleaning: body_match, language_confidence, image_captions, removed_boilerplate",
    3: "enrichment: dates_mentioned, entities, topic_confidence, topic_source",
    4: "de-duplication: content_hash, duplicate_of, near_duplicate_of, similarity, story_id, minhash",
    5: "publication metadata: date_source; from this version `date` is the outlet's local calendar day "
       "(before: the UTC day) and published_at keeps the page's time of day; entities.display (readable entity name; stories.top_entities show it); cleaning that generalises: updated_at (page meta, else the body's update stamp), state/templates.parquet; event stories: stories.merged_from, story_first_seen",
}

UTC_TS = pa.timestamp("us", tz="UTC")


def _f(
    name: str,
    type_: pa.DataType,
    since: int,
    doc: str,
    nullable: bool = True,
    *,
    long_text: bool = False,
    few_values: bool = False,
) -> pa.Field:
    """A column. ``long_text``: no min/max statistics (they would copy kilobytes of text into
    every file's footer for no pruning value). ``few_values``: dictionary-encoded in Parquet
    (outlet names, codes, run ids); other columns are written plain, which is cheaper for the
    many small files a partitioned run writes."""
    metadata = {"since": str(since), "doc": doc}
    if long_text:
        metadata["long_text"] = "true"
    if few_values:
        metadata["few_values"] = "true"
    return pa.field(name, type_, nullable=nullable, metadata=metadata)


def parquet_write_options(schema: pa.Schema) -> dict:
    """``pq.ParquetWriter`` keyword options for a table: dictionary encoding for ``few_values``
    columns, statistics for the other top-level scalar columns that are not ``long_text``."""
    def flag(field: pa.Field, name: str) -> bool:
        return bool(field.metadata) and field.metadata.get(name.encode()) == b"true"

    scalar = [f for f in schema if not pa.types.is_nested(f.type) and not pa.types.is_binary(f.type)]
    return {
        "use_dictionary": [f.name for f in schema if flag(f, "few_values")],
        "write_statistics": [f.name for f in scalar if not flag(f, "long_text")],
    }


REMOVED_BOILERPLATE = pa.struct([("kind", pa.string()), ("text", pa.string())])
DATE_MENTION = pa.struct(
    [
        ("text", pa.string()),
        ("start", pa.int32()),
        ("end", pa.int32()),
        ("value", pa.string()),
        ("precision", pa.string()),
    ]
)
ENTITY_MENTION = pa.struct(
    [
        ("text", pa.string()),
        ("start", pa.int32()),
        ("end", pa.int32()),
        ("type", pa.string()),
        ("canonical", pa.string()),
    ]
)

PARTITION_FIELDS = ("date", "topic")

ARTICLES = pa.schema(
    [
        _f("article_id", pa.string(), 1, "blake2b-128 hex of canonical_url", nullable=False),
        _f("url", pa.string(), 1, "URL as found in the feed"),
        _f("canonical_url", pa.string(), 1, "normalised URL (tracking parameters dropped, rel=canonical preferred)"),
        _f("source", pa.string(), 1, "outlet name from the feeds file", few_values=True),
        _f("feed_url", pa.string(), 1, "feed the entry came from", few_values=True),
        _f("title", pa.string(), 1, "page title, falling back to the feed's"),
        _f("lead", pa.string(), 1, "subtitle / standfirst when the page has one", long_text=True),
        _f("authors", pa.list_(pa.string()), 1, "bylines"),
        _f("published_at", UTC_TS, 1, "publication instant in UTC (see date_source); null when no plausible date was found"),
        _f("fetched_at", UTC_TS, 1, "when the page was fetched"),
        _f("language", pa.string(), 1, "ISO 639-1 code of the body", few_values=True),
        _f("body", pa.string(), 1, "clean article text, display form", long_text=True),
        _f("word_count", pa.int32(), 1, "words in body"),
        _f("run_id", pa.string(), 1, "run that wrote the row", few_values=True),
        _f("body_match", pa.string(), 2, "match-key form of body: no diacritics, unified alef/ya/ta marbuta, ASCII digits", long_text=True),
        _f("language_confidence", pa.float32(), 2, "confidence of language, 0..1"),
        _f("image_captions", pa.list_(pa.string()), 2, "captions moved out of the body"),
        _f("removed_boilerplate", pa.list_(REMOVED_BOILERPLATE), 2, "what the cleaner removed, for audit"),
        _f("dates_mentioned", pa.list_(DATE_MENTION), 3, "date expressions in body, resolved"),
        _f("entities", pa.list_(ENTITY_MENTION), 3, "named entities in body with canonical form"),
        _f("topic_confidence", pa.float32(), 3, "confidence of topic, 0..1"),
        _f("topic_source", pa.string(), 3, "classifier | feed | url | default", few_values=True),
        _f("content_hash", pa.string(), 4, "blake2b-128 hex of body_match"),
        _f("duplicate_of", pa.string(), 4, "article_id of the first exact copy seen"),
        _f("near_duplicate_of", pa.string(), 4, "article_id of the most similar earlier near-copy"),
        _f("similarity", pa.float32(), 4, "estimated Jaccard similarity to near_duplicate_of"),
        _f("story_id", pa.string(), 4, "story the article belongs to"),
        _f("minhash", pa.binary(), 4, "MinHash signature (little-endian uint32 array), read back by later runs"),
        _f("updated_at", UTC_TS, 5, "last update in UTC (page meta dateModified, else the body's update stamp)"),
        _f("date_source", pa.string(), 5, "where published_at/date came from: feed | page | text | url | fetched (none: published_at null)", few_values=True),
        _f("date", pa.string(), 1, "partition: publication day YYYY-MM-DD in the outlet's zone (UTC day before schema 5), else fetch day"),
        _f("topic", pa.string(), 1, "partition: slug from configs/topics.yaml"),
    ],
    metadata={"table": "articles", "schema_version": str(SCHEMA_VERSION)},
)

REJECTS = pa.schema(
    [
        _f("url", pa.string(), 1, "URL of the feed or page that failed"),
        _f("source", pa.string(), 1, "outlet name from the feeds file", few_values=True),
        _f("stage", pa.string(), 1, "pipeline stage: fetch_feed | parse_feed | fetch_page | extract | enrich | storage", few_values=True),
        _f("reason", pa.string(), 1, "stable reason code, e.g. http_404, timeout, too_short", few_values=True),
        _f("detail", pa.string(), 1, "human-readable detail", long_text=True),
        _f("seen_at", UTC_TS, 1, "when the failure happened"),
        _f("run_id", pa.string(), 1, "run that saw it", few_values=True),
        _f("feed_url", pa.string(), 1, "feed the record came from", few_values=True),
        _f("date", pa.string(), 1, "partition: date of seen_at"),
    ],
    metadata={"table": "rejects", "schema_version": str(SCHEMA_VERSION)},
)

ENTITIES = pa.schema(
    [
        _f("article_id", pa.string(), 3, "article the mention is in", nullable=False),
        _f("source", pa.string(), 3, "outlet", few_values=True),
        _f("canonical", pa.string(), 3, "canonical entity name"),
        _f("type", pa.string(), 3, "PER | ORG | LOC | MISC", few_values=True),
        _f("text", pa.string(), 3, "surface form in the body"),
        _f("start", pa.int32(), 3, "character offset in body"),
        _f("end", pa.int32(), 3, "character offset in body"),
        _f("run_id", pa.string(), 3, "run that wrote the row", few_values=True),
        _f("display", pa.string(), 5, "entity name as people write it (hamza, ta marbuta): the article's most frequent spelling, or the curated form of a known name; canonical stays the join key"),
        _f("date", pa.string(), 3, "partition: the article's date"),
        _f("topic", pa.string(), 3, "partition: the article's topic"),
    ],
    metadata={"table": "entities", "schema_version": str(SCHEMA_VERSION)},
)

STORIES = pa.schema(
    [
        _f("story_id", pa.string(), 4, "story id", nullable=False),
        _f("first_seen", UTC_TS, 4, "earliest published_at"),
        _f("last_seen", UTC_TS, 4, "latest published_at"),
        _f("article_count", pa.int32(), 4, "articles in the story written by this run"),
        _f("outlets", pa.list_(pa.string()), 4, "sources that covered it"),
        _f("top_entities", pa.list_(pa.string()), 4, "most mentioned entities (by canonical), shown in display form from v5"),
        _f("representative_title", pa.string(), 4, "title sharing most words with the others (earliest if <3)"),
        _f("article_ids", pa.list_(pa.string()), 4, "member articles"),
        _f("merged_from", pa.list_(pa.string()), 5, "earlier stories this one absorbed in this run"),
        _f("story_first_seen", UTC_TS, 5, "earliest published_at incl. earlier runs' articles in the look-back"),
        _f("run_id", pa.string(), 4, "run that wrote the row", few_values=True),
        _f("date", pa.string(), 4, "partition: the date of the story's earliest article (its fetch day when undated)"),
    ],
    metadata={"table": "stories", "schema_version": str(SCHEMA_VERSION)},
)

FEED_STATE = pa.schema(
    [
        _f("feed_url", pa.string(), 1, "feed URL", nullable=False),
        _f("etag", pa.string(), 1, "ETag of the last 200 response"),
        _f("last_modified", pa.string(), 1, "Last-Modified of the last 200 response"),
        _f("last_status", pa.int32(), 1, "HTTP status of the last fetch"),
        _f("last_checked_at", UTC_TS, 1, "time of the last fetch"),
        _f("last_success_at", UTC_TS, 1, "time of the last 200 or 304"),
    ],
    metadata={"table": "feed_state", "schema_version": str(SCHEMA_VERSION)},
)

# What runs learnt of each outlet's template (transforms/stages/templates.py): hashed lines,
# bounded per source, not a table of the output's partitions.
TEMPLATE_STATE = pa.schema(
    [
        _f("source", pa.string(), 5, "outlet name from the feeds file", nullable=False, few_values=True),
        _f("line_hash", pa.int64(), 5, "blake2b-64 of the normalised line (transforms/text/template.py)", nullable=False),
        _f("count", pa.int64(), 5, "articles of the source the line stood in"),
        _f("source_articles", pa.int64(), 5, "articles of the source counted"),
        _f("last_seen", UTC_TS, 5, "last run that saw the line"),
    ],
    metadata={"table": "template_state", "schema_version": str(SCHEMA_VERSION)},
)

TABLES = {"articles": ARTICLES, "rejects": REJECTS, "entities": ENTITIES, "stories": STORIES}


def file_schema(schema: pa.Schema) -> pa.Schema:
    """The schema of the Parquet files: the table's schema less its partition columns."""
    keep = [f for f in schema if f.name not in PARTITION_FIELDS]
    return pa.schema(keep, metadata=schema.metadata)


# How readers type the partition columns: ``date=YYYY-MM-DD`` is a DATE to DuckDB, Polars and
# Spark, so it is date32 through ``read_dataset`` too (rows carry it as a string only on the way in).
PARTITION_TYPES = {"date": pa.date32(), "topic": pa.string()}


def partition_schema(schema: pa.Schema) -> pa.Schema:
    """The table's partition columns as readers see them (``date`` as date32)."""
    return pa.schema([f.with_type(PARTITION_TYPES[f.name]) for f in schema if f.name in PARTITION_FIELDS])


def read_schema(schema: pa.Schema) -> pa.Schema:
    """The table's schema as ``read_dataset`` returns it: file columns, then typed partition columns."""
    typed = partition_schema(schema)
    return pa.schema([typed.field(f.name) if f.name in typed.names else f for f in schema], metadata=schema.metadata)


def fields_since(schema: pa.Schema, version: int) -> list[str]:
    return [f.name for f in schema if int(f.metadata[b"since"]) == version]
