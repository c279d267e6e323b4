"""A short text summary of an output directory: what the demo prints, usable on any output.

    python -m akhbar.pipelines.summary data/demo
"""

from __future__ import annotations

import os
import sys

import pyarrow as pa
import pyarrow.compute as pc

from akhbar import schemas


def _counts(table: pa.Table, column: str) -> list[tuple[str, int]]:
    if table.num_rows == 0:
        return []
    grouped = table.group_by(column).aggregate([([], "count_all")])
    pairs = [(str(v), int(n)) for v, n in zip(grouped[column].to_pylist(), grouped["count_all"].to_pylist(), strict=True)]
    return sorted(pairs, key=lambda p: (-p[1], p[0]))


def summarize(output: str) -> str:
    articles = schemas.read_dataset(output, "articles").to_table(
        columns=["article_id", "source", "topic", "date", "duplicate_of", "near_duplicate_of", "story_id", "language"]
    )
    rejects = schemas.read_dataset(output, "rejects").to_table(columns=["reason", "stage", "source"])
    entities = schemas.read_dataset(output, "entities").to_table(columns=["canonical"])
    lines = [f"Output: {os.path.abspath(output)}"]
    for table in ("articles", "entities", "stories", "rejects"):
        lines.append(f"  {table + '/':<10} {os.path.join(os.path.abspath(output), table)}")
    lines.append("")
    lines.append(f"Articles: {articles.num_rows}")
    for title, column in (("per source", "source"), ("per topic", "topic"), ("per date", "date"), ("per language", "language")):
        lines.append(f"  {title}: " + ", ".join(f"{k} {n}" for k, n in _counts(articles, column)))
    if articles.num_rows:
        exact = pc.sum(pc.is_valid(articles["duplicate_of"]).cast(pa.int64())).as_py() or 0
        near = pc.sum(pc.is_valid(articles["near_duplicate_of"]).cast(pa.int64())).as_py() or 0
        stories = pc.count_distinct(articles["story_id"]).as_py()
        lines.append(f"  duplicates: {exact} exact, {near} near; {stories} stories")
    lines.append(f"Entity mentions: {entities.num_rows}, distinct entities: "
                 f"{pc.count_distinct(entities['canonical']).as_py() if entities.num_rows else 0}")
    lines.append(f"Rejects: {rejects.num_rows}")
    for reason, n in _counts(rejects, "reason"):
        lines.append(f"  {reason}: {n}")
    root = os.path.abspath(output)
    lines += [
        "",
        "Query it with DuckDB:",
        f"  duckdb -c \"SELECT date, topic, source, count(*) AS n FROM read_parquet('{root}/articles/**/*.parquet', "
        "hive_partitioning=true) GROUP BY ALL ORDER BY ALL\"",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(summarize(sys.argv[1] if len(sys.argv) > 1 else "data/demo"))
