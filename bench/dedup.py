"""Benchmark of near-duplicate detection and story grouping on the development corpus.

    /work/main/.venv/bin/python bench/dedup.py [--samples 20] [--sizes 1000,10000,30000] [--no-beam] [--no-enrich]

Reads ../shared/corpus (development material, never copied into the project):
- dedup/saudinewsnet_2015-08-11.zip: one day from 13 Saudi outlets with natural wire-copy
  republication: groups, group sizes, precision of flagged near-duplicate pairs (samples printed
  for a person to read, plus an automatic proxy: exact Jaccard of the shingle sets), recall
  against brute force over all pairs at exact J >= threshold and >= 0.7, story samples, time per 1,000 articles; entities and dates
  come from the project's own recognisers unless --no-enrich;
- ant/ant_multisource.jsonl.gz: 30k articles for the scaling run (1k, 10k, 30k).
Baseline measured in the same run: exact-hash dedup (content_hash + a dict) on the same articles,
and datasketch's MinHash on the same shingles. Times are CPU seconds of this process (the
machine is shared; wall time is printed beside them). Prints peak memory (ru_maxrss). Exits 0
with a message when the corpus is absent.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import resource
import statistics
import sys
import time
import zipfile
from collections import Counter, defaultdict
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from akhbar.transforms.text import dedup, stories
from akhbar.transforms.text.arabic import match_tokens, normalize_display, normalize_match

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
SAUDI = CORPUS / "dedup" / "saudinewsnet_2015-08-11.zip"
ANT = CORPUS / "ant" / "ant_multisource.jsonl.gz"
SEEDS = CORPUS / "seeds"


def _article(
    article_id_source: str, source: str, title: str, body: str, published_at: datetime | None
) -> dict:
    body = normalize_display(body or "")
    return {
        "article_id": hashlib.blake2b(article_id_source.encode(), digest_size=16).hexdigest(),
        "source": source,
        "title": normalize_display(title or ""),
        "published_at": published_at,
        "body": body,
        "body_match": normalize_match(body),
        "entities": [],
        "dates_mentioned": [],
    }


def load_saudinewsnet() -> list[dict]:
    with zipfile.ZipFile(SAUDI) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".json"))
        records = json.loads(archive.read(name))
    out = []
    for index, record in enumerate(records):
        extracted = datetime.strptime(record["date_extracted"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        out.append(
            _article(
                f"{record['url']}#{index}",
                record["source"],
                record.get("title", ""),
                record["content"],
                extracted,
            )
        )
    return out


def load_ant(limit: int) -> list[dict]:
    out = []
    with gzip.open(ANT, "rt", encoding="utf-8") as fh:
        for index, line in enumerate(fh):
            if index >= limit:
                break
            record = json.loads(line)
            try:
                published = parsedate_to_datetime(record["time"]).astimezone(UTC)
            except (TypeError, ValueError):
                published = None
            out.append(
                _article(
                    f"{record['url']}#{index}",
                    record["src"],
                    record.get("title", ""),
                    record.get("text", ""),
                    published,
                )
            )
    return out


def exact_hash_baseline(articles: list[dict]) -> int:
    first: dict[str, str] = {}
    duplicates = 0
    for article in sorted(articles, key=lambda a: (dedup.timestamp(a["published_at"]), a["article_id"])):
        digest = dedup.content_hash(article["body_match"])
        if digest in first:
            duplicates += 1
        else:
            first[digest] = article["article_id"]
    return duplicates


def timed(fn, *args):
    """(result, wall seconds, CPU seconds of this process): the machine is shared, so CPU time is
    the fairer "one core" figure; both are printed."""
    start, cpu = time.perf_counter(), time.process_time()
    result = fn(*args)
    return result, time.perf_counter() - start, time.process_time() - cpu


def copy_groups(articles: list[dict]) -> list[list[str]]:
    """Groups of textual copies: articles joined by duplicate_of / near_duplicate_of pointers."""
    parent = {a["article_id"]: (a["duplicate_of"] or a["near_duplicate_of"]) for a in articles}

    def root(node: str) -> str:
        while parent.get(node):
            node = parent[node]
        return node

    groups: dict[str, list[str]] = defaultdict(list)
    for article_id in parent:
        groups[root(article_id)].append(article_id)
    return [g for g in groups.values() if len(g) > 1]


def recall_line(articles: list[dict], threshold: float) -> str:
    """Recall against brute force: every pair with exact shingle Jaccard >= threshold (sparse X @ X.T)."""
    import numpy as np
    from scipy import sparse

    config = dedup.load_config().near
    sets = [dedup.shingles(a["body_match"]) for a in articles]
    eligible = [i for i, a in enumerate(articles) if len(match_tokens(a["body_match"])) >= config.min_tokens]
    columns = {}
    rows, cols = [], []
    for row, index in enumerate(eligible):
        for value in sets[index].tolist():
            rows.append(row)
            cols.append(columns.setdefault(value, len(columns)))
    matrix = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(len(eligible), len(columns))
    )
    shared = sparse.triu(matrix @ matrix.T, k=1).tocoo()
    sizes = np.array([sets[i].size for i in eligible])
    jaccard = shared.data / (sizes[shared.row] + sizes[shared.col] - shared.data)
    true_pairs = [
        (eligible[r], eligible[c])
        for r, c, j in zip(shared.row, shared.col, jaccard, strict=True)
        if j >= threshold
    ]
    group_of = {}
    for number, group in enumerate(copy_groups(articles)):
        for article_id in group:
            group_of[article_id] = number
    found = sum(
        1
        for i, j in true_pairs
        if group_of.get(articles[i]["article_id"], -1) == group_of.get(articles[j]["article_id"], -2)
    )
    return (
        f"recall (brute force over all {len(eligible) * (len(eligible) - 1) // 2} pairs of bodies >= {config.min_tokens} "
        f"words): pairs with exact J >= {threshold}: {len(true_pairs)}, in the same copy group: {found} "
        f"= {found / max(1, len(true_pairs)):.3f}"
    )


def first_line(article: dict, width: int = 110) -> str:
    return f"[{article['source']}] {article['title'][:60]} | {article['body'][:width].replace(chr(10), ' ')}"


def enrich(articles: list[dict]) -> str:
    """Fill entities and dates_mentioned with the project's recognisers, as the pipeline's Enrich stage does."""
    try:
        from akhbar.transforms.text.arabic_dates import find_dates
        from akhbar.transforms.text.entities import EntityRecognizer
    except ImportError as error:
        return f"not enriched ({error})"
    recognizer = EntityRecognizer.default()
    start = time.perf_counter()
    for article in articles:
        article["entities"] = recognizer.recognize(article["body"])
        article["dates_mentioned"] = find_dates(article["body"], article["published_at"])
    return f"enriched with akhbar.transforms.text.entities + arabic_dates in {time.perf_counter() - start:.0f} s (not timed below)"


def saudi_report(samples: int, with_enrichment: bool) -> None:
    articles = load_saudinewsnet()
    print(enrich(articles) if with_enrichment else "not enriched (--no-enrich): stories from key words only")
    config = dedup.load_config()
    result, seconds, cpu = timed(dedup.deduplicate, articles)
    baseline_dups, baseline_seconds, baseline_cpu = timed(exact_hash_baseline, articles)
    by_id = {a["article_id"]: a for a in result.articles}
    groups = copy_groups(result.articles)
    sizes = Counter(len(g) for g in groups)
    story_sizes = Counter(s["article_count"] for s in result.stories)
    multi_outlet = sum(1 for s in result.stories if len(s["outlets"]) > 1)
    print(
        f"== SaudiNewsNet 2015-08-11: {len(articles)} articles from {len({a['source'] for a in articles})} outlets"
    )
    print(f"counts: {result.counts}")
    print(
        f"copy groups (exact or near): {len(groups)}, articles in them: {sum(map(len, groups))}; sizes {sorted(sizes.items())}"
    )
    print(
        f"stories: {len(result.stories)}; with >1 article: {sum(c for s, c in story_sizes.items() if s > 1)}; "
        f"multi-outlet: {multi_outlet}; sizes {sorted(story_sizes.items())[:15]}"
    )
    print(
        f"time: wall {seconds:.2f} s, CPU {cpu:.2f} s = {cpu / len(articles) * 1000:.2f} CPU s per 1,000 articles; "
        f"exact-hash baseline CPU {baseline_cpu:.3f} s ({baseline_dups} dups incl. empty bodies); "
        f"ratio {cpu / baseline_cpu:.0f}x"
    )

    flagged = [(a, by_id[a["near_duplicate_of"]]) for a in result.articles if a["near_duplicate_of"]]
    rng = random.Random(7)
    proxy_sample = rng.sample(flagged, min(len(flagged), 400))
    jaccards = [
        dedup.exact_jaccard(dedup.shingles(a["body_match"]), dedup.shingles(b["body_match"]))
        for a, b in proxy_sample
    ]
    at_threshold = sum(j >= config.near.threshold for j in jaccards) / max(1, len(jaccards))
    two_sigma = sum(j >= config.near.threshold - 0.09 for j in jaccards) / max(1, len(jaccards))
    shared_text = sum(j >= 0.3 for j in jaccards) / max(1, len(jaccards))
    print(
        f"\nnear-duplicate pairs flagged: {len(flagged)}; proxy on {len(jaccards)} sampled pairs: "
        f"exact Jaccard >= {config.near.threshold}: {at_threshold:.3f}; >= threshold - 2 sigma of the estimate (0.09): {two_sigma:.3f}; >= 0.3 (clearly shared text): {shared_text:.3f}; "
        f"median exact J {statistics.median(jaccards) if jaccards else 0:.2f}"
    )
    for threshold in sorted({config.near.threshold, 0.7}):
        print(recall_line(result.articles, threshold))
    cross_outlet = sum(1 for a, b in flagged if a["source"] != b["source"])
    print(f"cross-outlet near-duplicate pairs: {cross_outlet} of {len(flagged)}")
    print(
        f"\n-- {min(samples, len(flagged))} sampled near-duplicate pairs (similarity column, exact J): read them --"
    )
    for a, b in rng.sample(flagged, min(samples, len(flagged))):
        exact = dedup.exact_jaccard(dedup.shingles(a["body_match"]), dedup.shingles(b["body_match"]))
        print(f"  {a['similarity']:.2f} / {exact:.2f}\n    A {first_line(b)}\n    B {first_line(a)}")

    story_pairs = []
    for article in result.articles:
        if article["duplicate_of"] or article["near_duplicate_of"]:
            continue
        siblings = [
            by_id[i] for s in result.stories if s["story_id"] == article["story_id"] for i in s["article_ids"]
        ]
        others = [
            o
            for o in siblings
            if o["article_id"] != article["article_id"] and o["source"] != article["source"]
        ]
        if others:
            story_pairs.append((article, others[0]))
    print(f"\n-- {min(samples // 2, len(story_pairs))} sampled story (non-copy) pairs: read them --")
    for a, b in rng.sample(story_pairs, min(samples // 2, len(story_pairs))):
        print(f"    A {first_line(b, 80)}\n    B {first_line(a, 80)}")


def seeds_report() -> None:
    paths = sorted(SEEDS.glob("*.txt"))
    if len(paths) != 2:
        return
    raw = [p.read_text(encoding="utf-8") for p in paths]
    texts = [normalize_match(t) for t in raw]
    near = dedup.signature_similarity(dedup.minhash_signature(texts[0]), dedup.minhash_signature(texts[1]))
    exact = dedup.exact_jaccard(dedup.shingles(texts[0]), dedup.shingles(texts[1]))
    # Event grouping's score as if both were published the same day (no entities or dates).
    same_day = datetime(2024, 1, 1, tzinfo=UTC)
    pair = [_article(str(p), f"seed{i}", t.split("\n", 1)[0], t, same_day) for i, (p, t) in enumerate(zip(paths, raw, strict=True))]
    features = stories.features_for(pair)
    event = stories.load_config()
    print(
        f"\n== seeds: estimated J {near:.2f}, exact J {exact:.2f} (threshold {dedup.load_config().near.threshold}); "
        f"story score if published the same day {stories.pair_score(*features, event):.2f} "
        f"(link threshold {event.link_threshold}); a year apart, so outside the {event.window_days}-day window: two stories"
    )


def datasketch_comparison(articles: list[dict]) -> None:
    try:
        from datasketch import MinHash
    except ImportError:
        return
    config = dedup.load_config().near
    token_lists = [match_tokens(a["body_match"]) for a in articles]
    start = time.perf_counter()
    ours = [
        dedup._signature(dedup._shingle_hashes(t, config.shingle_size), config.seed, config.num_perm)
        for t in token_lists
    ]
    ours_seconds = time.perf_counter() - start
    start = time.perf_counter()
    theirs = []
    for tokens in token_lists:
        minhash = MinHash(num_perm=config.num_perm, seed=1)
        k = config.shingle_size
        minhash.update_batch(
            [" ".join(tokens[i : i + k]).encode() for i in range(max(1, len(tokens) - k + 1))]
        )
        theirs.append(minhash)
    theirs_seconds = time.perf_counter() - start
    pairs = [(i, i + 1) for i in range(0, min(len(articles), 400) - 1)]
    drift = statistics.mean(
        abs(dedup.signature_similarity(ours[i], ours[j]) - theirs[i].jaccard(theirs[j])) for i, j in pairs
    )
    print(
        f"\n== signatures for {len(articles)} articles: vectorised {ours_seconds:.2f} s, datasketch update_batch "
        f"{theirs_seconds:.2f} s (datasketch / ours = {theirs_seconds / ours_seconds:.1f}x); "
        f"mean |difference| of similarity estimates on {len(pairs)} pairs: {drift:.3f}"
    )


def scaling_report(sizes: list[int]) -> None:
    articles = load_ant(max(sizes))
    print("\n== scaling on ANT multisource (pure path, one core; body_match prepared beforehand) ==")
    print(
        f"{'articles':>9} {'wall s':>7} {'CPU s':>7} {'CPU s/1k':>8} {'hash-only CPU s':>15} {'ratio':>6} "
        f"{'near':>5} {'exact':>5} {'edges':>5} {'stories':>7}"
    )
    per_thousand = []
    for size in sizes:
        subset = articles[:size]
        result, seconds, cpu = timed(dedup.deduplicate, subset)
        _, _, baseline = timed(exact_hash_baseline, subset)
        per_thousand.append(cpu / size * 1000)
        counts = result.counts
        print(
            f"{size:>9} {seconds:>7.2f} {cpu:>7.2f} {cpu / size * 1000:>8.2f} {baseline:>15.3f} {cpu / baseline:>6.0f} "
            f"{counts['near_duplicates']:>5} {counts['exact_duplicates']:>5} {counts['story_edges']:>5} {counts['stories']:>7}"
        )
    print(
        f"linearity: CPU s/1k at largest / at smallest = {per_thousand[-1] / per_thousand[0]:.2f} (1.0 = linear)"
    )
    datasketch_comparison(articles[:1000])


def beam_report(size: int) -> None:
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    from akhbar.transforms.stages.dedup import DeduplicateArticles

    articles = load_ant(size)
    path = Path("/tmp/akhbar_bench_dedup_input.jsonl")

    # Read inside the pipeline: beam.Create pickles its data into the graph (slow for many dicts).
    def encode(article: dict) -> str:
        row = dict(article)
        row["published_at"] = article["published_at"].isoformat() if article["published_at"] else None
        return json.dumps(row, ensure_ascii=False)

    path.write_text("\n".join(encode(a) for a in articles), encoding="utf-8")

    def decode(line: str) -> dict:
        row = json.loads(line)
        row["published_at"] = datetime.fromisoformat(row["published_at"]) if row["published_at"] else None
        return row

    decisions_prefix = "/tmp/akhbar_bench_dedup_decisions"

    def decision(row: dict) -> str:
        return json.dumps([row["article_id"], row["duplicate_of"], row["near_duplicate_of"], row["story_id"]])

    def run_pipeline(with_dedup: bool) -> None:
        with beam.Pipeline(options=PipelineOptions(["--runner=DirectRunner"])) as pipeline:
            rows = pipeline | "Read" >> beam.io.ReadFromText(str(path)) | "Decode" >> beam.Map(decode)
            if with_dedup:
                out = rows | "Dedup" >> DeduplicateArticles()
                _ = (
                    out["articles"]
                    | "Decision" >> beam.Map(decision)
                    | "WriteDecisions" >> beam.io.WriteToText(decisions_prefix, shard_name_template="")
                )

    _, read_only, _ = timed(run_pipeline, False)
    _, seconds, cpu = timed(run_pipeline, True)
    reference, pure, pure_cpu = timed(dedup.deduplicate, articles)
    beam_decisions = set(Path(decisions_prefix).read_text(encoding="utf-8").splitlines())
    pure_decisions = {decision(row) for row in reference.articles}
    print(
        f"\n== Beam DeduplicateArticles on DirectRunner, {size} ANT articles: wall {seconds:.2f} s, CPU {cpu:.2f} s "
        f"(read-only pipeline wall {read_only:.2f} s; pure path wall {pure:.2f} s, CPU {pure_cpu:.2f} s; "
        f"Beam / pure wall = {seconds / pure:.1f}x); decisions differing from the pure path: "
        f"{len(beam_decisions ^ pure_decisions)} of {len(pure_decisions)}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--samples", type=int, default=20, help="near-duplicate pairs printed for reading (default 20)"
    )
    parser.add_argument(
        "--sizes", default="1000,10000,30000", help="scaling sizes (default 1000,10000,30000)"
    )
    parser.add_argument("--no-beam", action="store_true", help="skip the DirectRunner timing")
    parser.add_argument(
        "--no-enrich",
        action="store_true",
        help="skip entities/dates on SaudiNewsNet (stories from key words only)",
    )
    parser.add_argument(
        "--beam-size", type=int, default=1000, help="ANT articles for the DirectRunner run (default 1000)"
    )
    args = parser.parse_args(argv)
    if not SAUDI.exists() or not ANT.exists():
        print(f"corpus not found under {CORPUS}: skipping the dedup benchmark")
        return 0
    saudi_report(args.samples, not args.no_enrich)
    seeds_report()
    scaling_report([int(s) for s in args.sizes.split(",")])
    if not args.no_beam:
        beam_report(args.beam_size)
    print(f"\npeak memory (ru_maxrss): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
