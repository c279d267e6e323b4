"""The learnt per-source template (transforms/text/template.py) and its Beam composite.

Texts are written by the team: one outlet's notice lines recur, its news does not. Pure logic is
tested without Beam; the composite with TestPipeline + assert_that, and its state file with pyarrow.
"""

from __future__ import annotations

import datetime as dt
import time

import apache_beam as beam
import pyarrow.parquet as pq
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that

from akhbar.schemas import TEMPLATE_STATE
from akhbar.transforms.stages.templates import (
    CleanWithLearntTemplates,
    TemplateCountsFn,
    commit_template_state,
    read_template_state,
)
from akhbar.transforms.text.arabic import count_words
from akhbar.transforms.text.template import (
    SourceCounts,
    TemplateSettings,
    apply_template,
    article_line_keys,
    learn,
    line_key,
    template_keys,
)

NOTICE = "خدمة الإشعارات الفورية متاحة الآن لمستخدمي الهواتف الذكية مجاناً"
HEADING = "في السياق نفسه"
SUBJECTS = ["الحكومة", "البرلمان", "المجلس البلدي", "وزارة الصحة", "النقابة", "الجامعة", "البنك المركزي",
            "هيئة الطيران", "وزارة الزراعة", "اللجنة الأولمبية", "المحكمة العليا", "وزارة التعليم"]
PLACES = ["عمّان", "تونس", "الرباط", "بيروت", "الدوحة", "مسقط", "الخرطوم", "بغداد", "الجزائر", "صنعاء",
          "الكويت", "القاهرة"]


def article_text(index: int) -> tuple[str, str, str]:
    """(title, body, headlines) of one invented article of the outlet: its notice, and a teaser block."""
    subject, place = SUBJECTS[index % len(SUBJECTS)], PLACES[(index * 5) % len(PLACES)]
    title = f"{subject} تعلن خطة جديدة في {place}"
    paragraphs = [
        f"أعلنت {subject} في {place} اليوم عن خطة تمتد {index + 2} سنوات لتحسين الخدمات المقدمة للمواطنين في المدينة.",
        NOTICE,
        f"وأوضح المتحدث باسم {subject} أن الخطة تشمل {index + 3} مشاريع رئيسية تبدأ مطلع العام المقبل في {place}.",
        HEADING,
        f"افتتاح معرض للكتاب في {PLACES[(index + 1) % len(PLACES)]}",
        f"ارتفاع أسعار الوقود في {PLACES[(index + 2) % len(PLACES)]}",
    ]
    return title, "\n\n".join(paragraphs), paragraphs[0]


def test_line_key_ignores_spelling_digits_and_punctuation():
    assert line_key("آخر تحديث: 10:42") == line_key("اخر تحديث 11:05")
    assert line_key("تابعونا على إكس") == line_key("[تابعونا على اكس](https://x.example/a)")
    assert line_key("تابعونا على إكس") != line_key("تابعونا على فيسبوك")
    assert line_key(" ... ") is None


def test_learnt_template_drops_the_recurring_notice_and_the_heading_with_its_headlines():
    articles = [article_text(i) for i in range(12)]
    counts = learn((body, title, None) for title, body, _ in articles)
    keys = template_keys(counts)
    title, body, first = articles[3]
    cleaned, removed = apply_template(body, keys, title=title)
    assert NOTICE not in cleaned and HEADING not in cleaned
    assert "افتتاح معرض للكتاب" not in cleaned and "ارتفاع أسعار الوقود" not in cleaned
    assert first in cleaned and "وأوضح المتحدث" in cleaned
    assert [item["kind"] for item in removed] == ["template", "template", "widget", "widget"]


def test_too_few_articles_learn_nothing():
    articles = [article_text(i) for i in range(4)]  # fewer than min_articles: phrase rules only
    assert template_keys(learn((body, title, None) for title, body, _ in articles)) == frozenset()


def test_guards_title_lead_long_prose_and_quotes_are_never_template():
    quote = "وقال الوزير: «لن نتراجع عن هذا القرار مهما كانت الضغوط التي نتعرض لها»"
    long_prose = (
        "وتشهد المنطقة منذ أسابيع موجة من الاحتجاجات على ارتفاع الأسعار وتراجع الخدمات العامة في معظم المدن الكبرى."
    )
    title, lead = "الحكومة تعلن خطة جديدة", "خطة تمتد خمس سنوات لتحسين الخدمات"
    body = "\n\n".join([title, lead, quote, long_prose, NOTICE])
    keys = article_line_keys(body, title=title, lead=lead)
    assert keys == {line_key(NOTICE)}
    # Even when the keys say otherwise (a story's follow-ups all repeat the quote), they stay.
    every = frozenset(line_key(line) for line in body.split("\n\n"))
    cleaned, removed = apply_template(body, every, title=title, lead=lead)
    assert quote in cleaned and long_prose in cleaned and title in cleaned and lead in cleaned
    assert [item["text"] for item in removed] == [NOTICE]


def test_a_story_quote_in_a_few_follow_ups_is_not_template():
    quote_line = "لن نسمح بتكرار ما حدث"  # short, unquoted, in 3 of 20 follow-ups: below the share
    bodies = []
    for i in range(20):
        _, body, _ = article_text(i)
        bodies.append((body + ("\n\n" + quote_line if i < 3 else ""), None, None))
    assert line_key(quote_line) not in template_keys(learn(bodies))


def test_counts_are_bounded_per_source_by_frequency():
    counts = SourceCounts()
    for article in range(50):
        counts.add_article({1, 2, 1000 + article})
    counts.bounded(3)
    assert len(counts.counts) == 3 and counts.counts[1] == counts.counts[2] == 50


def test_combine_fn_prunes_far_past_the_bound():
    combine = TemplateCountsFn(TemplateSettings(max_lines_per_source=10))
    accumulator = combine.create_accumulator()
    for article in range(100):
        accumulator = combine.add_input(accumulator, frozenset({7, article + 100}))
    assert len(accumulator.counts) <= 40
    assert combine.extract_output(accumulator).counts[7] == 100


def test_cost_per_article_is_under_a_millisecond():
    articles = [article_text(i) for i in range(200)]
    started = time.perf_counter()
    keys = template_keys(learn((body, title, None) for title, body, _ in articles))
    for title, body, _ in articles:
        apply_template(body, keys, title=title)
    assert (time.perf_counter() - started) / len(articles) < 0.001


def _article(index: int, source: str) -> dict:
    title, body, _ = article_text(index)
    return {"article_id": f"{source}-{index}", "url": f"https://{source}.example/{index}", "source": source,
            "feed_url": None, "title": title, "lead": None, "body": body, "body_match": "", "word_count": 0,
            "removed_boilerplate": [{"kind": "share", "text": "شارك"}]}


def test_composite_learns_per_source_and_writes_bounded_state(tmp_path):
    output = str(tmp_path)
    articles = [_article(i, "المرصد") for i in range(10)] + [_article(i, "الضفة") for i in range(3)]
    now = dt.datetime(2026, 12, 3, tzinfo=dt.UTC)

    def check(rows):
        by_source = {}
        for row in rows:
            by_source.setdefault(row["source"], []).append(row)
        assert len(by_source["المرصد"]) == 10 and len(by_source["الضفة"]) == 3
        for row in by_source["المرصد"]:
            assert NOTICE not in row["body"] and row["title"] not in row["body"].split("\n")
            kinds = [item["kind"] for item in row["removed_boilerplate"]]
            assert kinds[0] == "share" and "template" in kinds
            assert row["word_count"] == count_words(row["body"])
        for row in by_source["الضفة"]:  # three articles: nothing learnt
            assert NOTICE in row["body"]

    with TestPipeline() as p:
        result = p | beam.Create(articles) | CleanWithLearntTemplates(output, "run1", min_words=10, now=now)
        assert_that(result["articles"], check)
    commit_template_state(output, "run1")
    table = pq.read_table(tmp_path / "state" / "templates.parquet")
    assert table.schema.equals(TEMPLATE_STATE, check_metadata=False)
    state = read_template_state(output, now)
    assert set(state) == {"المرصد", "الضفة"}
    notice_rows = [r for r in state["المرصد"] if r["line_hash"] == line_key(NOTICE)]
    assert notice_rows and notice_rows[0]["count"] == 10 and notice_rows[0]["source_articles"] == 10


def test_counts_carry_over_runs_so_a_small_later_run_still_cleans(tmp_path):
    output = str(tmp_path)
    now = dt.datetime(2026, 12, 3, tzinfo=dt.UTC)
    with TestPipeline() as p:
        _ = p | beam.Create([_article(i, "المرصد") for i in range(10)]) | CleanWithLearntTemplates(
            output, "run1", min_words=10, now=now
        )
    commit_template_state(output, "run1")

    def check(rows):
        assert len(rows) == 2 and all(NOTICE not in row["body"] for row in rows)

    with TestPipeline() as p:
        result = p | beam.Create([_article(i, "المرصد") for i in (20, 21)]) | CleanWithLearntTemplates(
            output, "run2", min_words=10, now=now + dt.timedelta(days=1)
        )
        assert_that(result["articles"], check)
    commit_template_state(output, "run2")
    state = read_template_state(output, now + dt.timedelta(days=1))
    notice = next(r for r in state["المرصد"] if r["line_hash"] == line_key(NOTICE))
    assert notice["count"] == 12 and notice["source_articles"] == 12
    # Lines not seen for MAX_AGE_DAYS are forgotten.
    assert read_template_state(output, now + dt.timedelta(days=400)) == {}


@pytest.mark.parametrize("min_words", [1000])
def test_an_article_left_without_prose_is_rejected(tmp_path, min_words):
    def check(rejects):
        assert len(rejects) == 10 and all(r.reason == "too_short" for r in rejects)

    with TestPipeline() as p:
        result = p | beam.Create([_article(i, "المرصد") for i in range(10)]) | CleanWithLearntTemplates(
            None, "run1", min_words=min_words
        )
        assert_that(result["rejects"], check)


def test_a_widget_added_today_is_learnt_however_long_the_outlets_history():
    from akhbar.transforms.text.template import DEFAULT, SourceCounts, line_key, template_keys

    old_widget = line_key("تابعونا على قناتنا في تطبيق المراسلة")
    new_widget = line_key("حمّل تطبيق الصحيفة الجديد وتلقَّ الأخبار العاجلة أولاً بأول")
    history = SourceCounts(articles=10_000, counts={old_widget: 9_000})
    today = SourceCounts()
    for _ in range(100):
        today.add_article({new_widget})
    merged = history.scaled_to(DEFAULT.history_articles).merge(today)
    keys = template_keys(merged)
    assert new_widget in keys and old_widget in keys
    # Without the cap the old history drowns it: 100 sightings against a quarter of 10,100 articles.
    assert new_widget not in template_keys(SourceCounts(articles=10_000, counts={old_widget: 9_000}).merge(today))


def test_an_unreadable_templates_file_is_learnt_over_not_fatal(tmp_path):
    from akhbar.transforms.stages.templates import read_template_state

    state = tmp_path / "state"
    state.mkdir()
    (state / "templates.parquet").write_bytes(b"PAR1 truncated by a full disk")
    assert read_template_state(str(tmp_path)) == {}
