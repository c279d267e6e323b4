"""Event-level story grouping (transforms/text/stories.py) and its Beam composite.

The Arabic texts are the team's own: two outlets reporting one earthquake in other words, a
follow-up of the same saga days later, a football match, a budget vote. The corpus test reads
../shared/corpus/ant/story_pairs_dev.jsonl (marked ``corpus``, skips without it).
"""

from __future__ import annotations

import dataclasses
import pickle
from datetime import UTC, datetime, timedelta

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from akhbar.transforms.stages.stories import GroupStories
from akhbar.transforms.text import dedup, stories
from akhbar.transforms.text.arabic import normalize_display, normalize_match

T0 = datetime(2024, 5, 2, 6, 0, tzinfo=UTC)

QUAKE_A = (
    "زلزال بقوة 6.1 درجات يضرب جنوب تركيا ويقتل 14 شخصا",
    "ضرب زلزال بقوة 6.1 درجات على مقياس ريختر ولاية هاتاي جنوب تركيا فجر الخميس، ما أدى إلى مقتل 14 شخصا "
    "وإصابة العشرات، بحسب إدارة الكوارث والطوارئ التركية التي أرسلت فرق الإنقاذ إلى المنطقة المنكوبة.",
)
QUAKE_B = (
    "مقتل 14 في زلزال بقوة 6.1 درجات ضرب ولاية هاتاي التركية",
    "قالت إدارة الكوارث والطوارئ في تركيا إن 14 شخصا لقوا حتفهم جراء زلزال بلغت قوته 6.1 درجات هز ولاية "
    "هاتاي الجنوبية فجر اليوم، وإن فرق الإنقاذ تواصل البحث عن ناجين تحت أنقاض المباني المنهارة.",
)
QUAKE_FOLLOW_UP = (
    "تركيا تبدأ إعادة إعمار المباني المتضررة في هاتاي",
    "أعلنت وزارة البيئة والتخطيط العمراني التركية بدء أعمال إعادة إعمار المباني المتضررة في ولاية هاتاي، "
    "وقالت إن ألفي وحدة سكنية جديدة ستسلم للأسر المتضررة قبل نهاية العام، وفق خطة تمولها الحكومة.",
)
MATCH = (
    "الأهلي يفوز على الزمالك 2-1 ويتصدر الدوري المصري",
    "حقق الأهلي فوزا ثمينا على غريمه التقليدي الزمالك بهدفين مقابل هدف في قمة الجولة العشرين من الدوري "
    "المصري الممتاز لكرة القدم، ليعزز موقعه في صدارة الترتيب بفارق أربع نقاط عن أقرب ملاحقيه.",
)
BUDGET = (
    "البرلمان الأردني يقر موازنة العام المقبل بعجز متوقع",
    "أقر مجلس النواب الأردني مشروع قانون الموازنة العامة للعام المقبل بعد مناقشات استمرت ثلاثة أيام، "
    "وتتوقع الحكومة عجزا يقارب ملياري دينار تموله من القروض الخارجية والمحلية.",
)


def article(article_id, text, source, published, entities=(), story_id=None) -> dict:
    title, body = text
    body = normalize_display(body)
    return {
        "article_id": article_id,
        "source": source,
        "title": title,
        "published_at": published,
        "body": body,
        "body_match": normalize_match(body),
        "entities": [{"canonical": c, "text": t, "type": "LOC"} for c, t in entities],
        "dates_mentioned": [],
        "story_id": story_id,
    }


TURKEY = [("تركيا", "تركيا"), ("هاتاي", "هاتاي")]


def run_articles() -> list[dict]:
    return [
        article("quake-a", QUAKE_A, "outlet-a", T0, TURKEY),
        article("quake-b", QUAKE_B, "outlet-b", T0 + timedelta(hours=3), TURKEY),
        article("match", MATCH, "outlet-b", T0 + timedelta(hours=1), [("الاهلي", "الأهلي")]),
        article("budget", BUDGET, "outlet-a", T0 + timedelta(hours=2), [("الاردن", "الأردن")]),
    ]


def story_of(articles, prior=()) -> dict[str, str]:
    return {a["article_id"]: a["story_id"] for a in dedup.deduplicate(articles, prior).articles}


# ------------------------------------------------------------------ text features


def test_light_stem_strips_clitics_and_suffixes_but_keeps_a_stem():
    assert stories.light_stem("والمفاوضات") == "مفاوض"
    assert stories.light_stem("بالمدينة") == "مدين"
    assert stories.light_stem("قال") == "قال"  # too short to lose anything


def test_numbers_keep_counts_and_scores_but_not_years():
    found = stories.numbers_in(normalize_match("قتل ١٤ شخصا وفاز الأهلي 2-1 في عام 2018"))
    assert found == {"14", "2-1"}


def test_event_dates_drop_the_news_days_around_publication():
    mentions = [
        {"value": "2024-05-02"},
        {"value": "2024-05-01"},
        {"value": "2024-04-20"},
        {"value": "2024-05"},
    ]
    assert stories.event_dates(mentions, T0, margin=1) == {"2024-04-20"}


def test_entity_display_is_the_most_frequent_surface_per_canonical():
    mentions = [
        {"canonical": "جاويش اوغلو", "text": "جاويش أوغلو"},
        {"canonical": "جاويش اوغلو", "text": "تشاووش أوغلو"},
        {"canonical": "جاويش اوغلو", "text": "جاويش أوغلو"},
    ]
    assert stories.entity_display(mentions) == {"جاويش اوغلو": "جاويش أوغلو"}


# ------------------------------------------------------------------ scores


def test_two_reports_of_one_event_score_high_and_other_subjects_low():
    features = {f.article_id: f for f in stories.features_for(run_articles())}
    same = stories.pair_score(features["quake-a"], features["quake-b"])
    assert same >= stories.load_config().link_threshold
    for other in ("match", "budget"):
        assert stories.pair_score(features["quake-a"], features[other]) < 0.5 * same


def test_pair_score_is_zero_outside_the_time_window():
    late = article("quake-b", QUAKE_B, "outlet-b", T0 + timedelta(days=5), TURKEY)
    features = {f.article_id: f for f in stories.features_for([run_articles()[0], late])}
    assert stories.pair_score(features["quake-a"], features["quake-b"]) == 0.0


# ------------------------------------------------------------------ grouping


def test_same_event_from_two_outlets_is_one_story_and_other_subjects_are_not():
    ids = story_of(run_articles())
    assert ids["quake-a"] == ids["quake-b"] == dedup.story_id_for("quake-a")
    assert len({ids["quake-a"], ids["match"], ids["budget"]}) == 3


def test_average_link_stops_a_chain_of_weak_links():
    # A~B and B~C are strong, A~C was never scored: average link of {A,B} with C is
    # (0.9 + 0) / 2 < threshold, so C stays out; single link would have merged all three.
    units = {x: x for x in "abc"}
    edges = [stories.Edge("a", "b", 0.95), stories.Edge("b", "c", 0.9)]
    clusters = stories.cluster(units, edges, threshold=0.64)
    assert clusters["a"] == clusters["b"] != clusters["c"]
    # With A~C also strong the three are one group.
    clusters = stories.cluster(units, [*edges, stories.Edge("a", "c", 0.8)], threshold=0.64)
    assert clusters["a"] == clusters["b"] == clusters["c"]


def test_near_copy_units_are_never_split():
    units = stories.units_of(
        [stories.Member(x, 0.0, False, None) for x in ("wire", "copy", "other")], {"copy": "wire"}
    )
    clusters = stories.cluster(units, [stories.Edge("copy", "other", 0.99)], threshold=0.64)
    # The unit {wire, copy} vs other: (0.99 + 0) / 2 < 0.64: other stays apart, copy stays with wire.
    assert clusters["wire"] == clusters["copy"] != clusters["other"]


def test_block_work_is_bounded_by_neighbours():
    config = dataclasses.replace(stories.load_config(), neighbours=5)
    base = stories.features_for([run_articles()[0]], config=config)[0]
    crowd = [base._replace(article_id=f"id{i:04d}", published=base.published + i) for i in range(2000)]
    pairs = list(stories.candidate_pairs(crowd, config))
    assert len(pairs) <= 5 * len(crowd)
    assert all(b.published - a.published <= 5 for a, b in pairs)


def test_grouping_does_not_depend_on_input_order():
    forward = story_of(run_articles())
    backward = story_of(list(reversed(run_articles())))
    assert forward == backward


# ------------------------------------------------------------------ across runs


def prior_row(item: dict, story_id: str) -> dict:
    fingerprinted, _ = dedup.prepare(item, False)
    keep = (
        "article_id",
        "content_hash",
        "minhash",
        "published_at",
        "source",
        "title",
        "entities",
        "dates_mentioned",
    )
    return {**{k: fingerprinted[k] for k in keep}, "story_id": story_id}


def test_new_article_joins_a_story_of_an_earlier_run_and_keeps_its_id():
    earlier = run_articles()[0]
    old_story = "0123456789abcdef0123456789abcdef"
    prior = [prior_row(earlier, old_story)] + [
        prior_row(a, dedup.story_id_for(a["article_id"])) for a in run_articles()[2:]
    ]
    now = [run_articles()[1]]
    result = dedup.deduplicate(now, prior)
    assert result.articles[0]["story_id"] == old_story
    row = result.stories[0]
    assert row["story_id"] == old_story and row["article_ids"] == ["quake-b"]
    assert row["story_first_seen"] == T0 and row["first_seen"] == T0 + timedelta(hours=3)
    assert row["merged_from"] == []


def test_a_story_that_absorbs_another_records_it():
    # Two earlier runs put the two quake reports in two stories; a third report joins both.
    first, second = run_articles()[0], run_articles()[1]
    prior = [prior_row(first, "a" * 32), prior_row(second, "b" * 32)]
    third = article(
        "quake-c",
        (QUAKE_B[0], QUAKE_A[1]),
        "outlet-c",
        T0 + timedelta(hours=4),
        TURKEY,
    )
    result = dedup.deduplicate([third], prior)
    assert result.articles[0]["story_id"] == "a" * 32  # the earliest prior story keeps its id
    assert result.stories[0]["merged_from"] == ["b" * 32]
    assert result.counts["story_merges"] == 1


def test_story_row_has_display_entities_and_a_representative_title():
    members = [
        {
            "article_id": "1",
            "title": "إنفوغرافيك.. ما نعرفه حتى الآن",
            "source": "a",
            "published_at": T0,
            "entities": [{"canonical": "هاتاي", "text": "هاتاي"}, {"canonical": "تركيا", "text": "تركيا"}],
        },
        {
            "article_id": "2",
            "title": "زلزال قوي يضرب ولاية هاتاي التركية",
            "source": "b",
            "published_at": T0 + timedelta(hours=1),
            "entities": [{"canonical": "هاتاي", "text": "ولاية هاتاي"}],
        },
        {
            "article_id": "3",
            "title": "مقتل 14 في زلزال ولاية هاتاي",
            "source": "c",
            "published_at": T0 + timedelta(hours=2),
            "entities": [{"canonical": "هاتاي", "text": "هاتاي"}],
        },
    ]
    row = dedup.story_row("s", members, 2)
    assert row["top_entities"] == ["هاتاي", "تركيا"]
    # Not the earliest title (a teaser): the one whose words the others share most.
    assert row["representative_title"] == "زلزال قوي يضرب ولاية هاتاي التركية"
    assert row["outlets"] == ["a", "b", "c"] and row["story_first_seen"] == T0


# ------------------------------------------------------------------ Beam


def test_group_stories_composite_matches_the_pure_reference():
    items = run_articles()
    expected = story_of(items)
    with TestPipeline() as pipeline:
        out = {
            "articles": pipeline | "Articles" >> beam.Create(items),
            "near_parents": pipeline | "NoCopies" >> beam.Create([]),
        } | GroupStories()
        assert_that(out["story_ids"], equal_to(sorted(expected.items())))


def test_document_frequencies_merge_tables_a_runner_decoded_read_only():
    raws = [stories.raw_features(a) for a in run_articles()]
    left = stories.document_frequencies(raws[:2])
    right = stories.document_frequencies(raws[2:])
    right.counts.flags.writeable = False  # as numpy arrays decoded from a buffer are
    merged = left.merge(right).merge(stories.DocumentFrequencies.empty())
    whole = stories.document_frequencies(raws)
    assert merged.articles == 4 and (merged.counts == whole.counts).all()


def test_features_and_config_pickle():
    features = stories.features_for(run_articles())
    assert pickle.loads(pickle.dumps(features))[0].article_id == features[0].article_id
    assert pickle.loads(pickle.dumps(stories.load_config())) == stories.load_config()


def test_config_rejects_unknown_weights():
    raw = dataclasses.asdict(stories.load_config())
    raw.pop("weight_vector")
    raw["weights"] = {**raw["weights"], "vibes": 1.0}
    with pytest.raises(ValueError, match="vibes"):
        stories.EventConfig(**raw)


def test_dedup_stage_records_a_merge_and_the_story_start_like_the_pure_reference():
    from akhbar.transforms.stages.dedup import DeduplicateArticles

    first, second = run_articles()[0], run_articles()[1]
    prior = [prior_row(first, "a" * 32), prior_row(second, "b" * 32)]
    third = article("quake-c", (QUAKE_B[0], QUAKE_A[1]), "outlet-c", T0 + timedelta(hours=4), TURKEY)
    expected = dedup.deduplicate([third], prior).stories
    assert expected[0]["merged_from"] == ["b" * 32]

    def summary(row: dict) -> tuple:
        return (
            row["story_id"],
            tuple(row["merged_from"]),
            row["story_first_seen"],
            tuple(row["article_ids"]),
        )

    with TestPipeline() as pipeline:
        prior_rows = pipeline | "Prior" >> beam.Create(prior)
        out = pipeline | "Articles" >> beam.Create([third]) | DeduplicateArticles(prior=prior_rows)
        assert_that(out["stories"] | beam.Map(summary), equal_to([summary(r) for r in expected]))
