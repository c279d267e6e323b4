"""TestPipeline tests of DeduplicateArticles (transforms/stages/dedup.py), including matching across runs.

/work/main/.venv/bin/pytest tests/test_dedup_stage.py -q
"""

from __future__ import annotations

from datetime import timedelta

import apache_beam as beam
import pytest
from apache_beam.metrics.metric import MetricsFilter

# Aliased so pytest does not try to collect Beam's TestPipeline as a test class.
from apache_beam.testing.test_pipeline import TestPipeline as BeamTestPipeline
from apache_beam.testing.util import assert_that, equal_to

from akhbar.transforms.stages.dedup import DeduplicateArticles
from akhbar.transforms.text import dedup

try:
    from tests.test_dedup import T0, corpus_articles
except ImportError:  # pytest's default rootdir-relative import puts tests/ itself on sys.path
    from test_dedup import T0, corpus_articles

DEDUP_COLUMNS = ("duplicate_of", "near_duplicate_of", "similarity", "story_id")


def _decisions(row: dict) -> tuple:
    return (row["article_id"], *(row[c] for c in DEDUP_COLUMNS))


def _counter(result, name: str) -> int:
    counters = result.metrics().query(MetricsFilter().with_namespace("akhbar").with_name(name))["counters"]
    return sum(c.committed for c in counters)


def test_stage_matches_the_pure_reference_and_counts():
    articles = corpus_articles()
    reference = dedup.deduplicate(articles)
    expected_articles = sorted(_decisions(r) for r in reference.articles)
    expected_stories = sorted(
        (s["story_id"], s["article_count"], tuple(s["outlets"])) for s in reference.stories
    )
    assert len(expected_stories) == 2  # the desalination story (4 articles) and the match report

    pipeline = BeamTestPipeline()
    out = pipeline | "Articles" >> beam.Create(articles) | "Dedup" >> DeduplicateArticles()
    assert_that(
        out["articles"] | "Decisions" >> beam.Map(_decisions),
        equal_to(expected_articles),
        label="CheckArticles",
    )
    assert_that(
        out["stories"]
        | "StoryKeys" >> beam.Map(lambda s: (s["story_id"], s["article_count"], tuple(s["outlets"]))),
        equal_to(expected_stories),
        label="CheckStories",
    )
    assert_that(
        out["articles"] | "Fingerprints" >> beam.Map(lambda r: (len(r["minhash"]), len(r["content_hash"]))),
        equal_to([(512, 32)] * len(articles)),
        label="CheckFingerprints",
    )
    result = pipeline.run()
    result.wait_until_finish()
    assert _counter(result, "dedup_articles") == 5
    assert _counter(result, "dedup_exact_duplicates") == 1
    assert _counter(result, "dedup_near_duplicates") == 1
    assert _counter(result, "stories_edges") >= 1 and _counter(result, "stories_oversized_blocks") == 0
    assert _counter(result, "dedup_stories") == 2


def test_stage_matches_prior_run_rows_and_inherits_their_story():
    wire, republished, copy, rewrite, sport = corpus_articles()
    fingerprinted, _ = dedup.prepare(wire, False)
    # What the lead reads back from articles/: no body, a story id written by the earlier run.
    prior_row = {
        k: fingerprinted[k]
        for k in ("article_id", "content_hash", "minhash", "published_at", "source", "title")
    }
    prior_row["story_id"] = "story-from-last-run"
    current = [republished, copy, dict(sport, published_at=T0 + timedelta(days=1))]
    estimate = round(
        dedup.signature_similarity(fingerprinted["minhash"], dedup.fingerprint(republished)["minhash"]), 4
    )

    pipeline = BeamTestPipeline()
    prior = pipeline | "Prior" >> beam.Create([prior_row])
    out = pipeline | "Articles" >> beam.Create(current) | "Dedup" >> DeduplicateArticles(prior=prior)
    assert_that(
        out["articles"] | "Decisions" >> beam.Map(_decisions),
        equal_to(
            [
                # Across runs only the signature is stored: the estimate is the similarity.
                ("b-republished", None, "a-wire", estimate, "story-from-last-run"),
                ("c-copy", "a-wire", None, None, "story-from-last-run"),
                ("e-sport", None, None, None, dedup.story_id_for("e-sport")),
            ]
        ),
        label="CheckAcrossRuns",
    )
    assert_that(
        out["stories"] | "StoryIds" >> beam.Map(lambda s: (s["story_id"], sorted(s["article_ids"]))),
        equal_to(
            [
                ("story-from-last-run", ["b-republished", "c-copy"]),
                (dedup.story_id_for("e-sport"), ["e-sport"]),
            ]
        ),
        label="CheckStoriesAcrossRuns",
    )
    result = pipeline.run()
    result.wait_until_finish()
    assert (
        _counter(result, "dedup_articles") == 3
    )  # prior rows are matched against, not counted or re-emitted


def test_stage_on_empty_input_emits_nothing():
    pipeline = BeamTestPipeline()
    out = pipeline | "Articles" >> beam.Create([]) | "Dedup" >> DeduplicateArticles()
    assert_that(out["articles"], equal_to([]), label="NoArticles")
    assert_that(out["stories"], equal_to([]), label="NoStories")
    pipeline.run().wait_until_finish()


def test_stage_rejects_a_bad_config_name_at_construction():
    pipeline = BeamTestPipeline()
    with pytest.raises(FileNotFoundError):
        _ = (
            pipeline
            | "Articles" >> beam.Create(corpus_articles())
            | "Dedup" >> DeduplicateArticles(config_name="no-such.yaml")
        )


def test_stage_ignores_prior_signatures_of_another_length():
    wire, republished = corpus_articles()[:2]
    fingerprinted, _ = dedup.prepare(wire, False)
    # A row written before num_perm changed: half as many values, the first ones still equal.
    prior_row = {
        "article_id": "a-wire",
        "content_hash": "0" * 32,
        "minhash": fingerprinted["minhash"][: len(fingerprinted["minhash"]) // 2],
        "story_id": "story-from-last-run",
        "published_at": T0,
        "source": "wire",
        "title": "",
    }
    pipeline = BeamTestPipeline()
    prior = pipeline | "Prior" >> beam.Create([prior_row])
    out = pipeline | "Articles" >> beam.Create([republished]) | "Dedup" >> DeduplicateArticles(prior=prior)
    assert_that(
        out["articles"] | "Decisions" >> beam.Map(_decisions),
        equal_to([("b-republished", None, None, None, dedup.story_id_for("b-republished"))]),
    )
    pipeline.run().wait_until_finish()
