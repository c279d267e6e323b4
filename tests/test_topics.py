"""Topic vocabulary, the assignment policy and the shipped classifier.

    .venv/bin/pytest tests/test_topics.py -q

The Arabic articles below were written for these tests (no corpus text).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from akhbar import configs
from akhbar.transforms.text import topics
from akhbar.transforms.text.topics import (
    MODEL_NAME,
    TopicClassifier,
    TopicVocabulary,
    assign_topic,
    label_key,
    topic_text,
)

FOOTBALL = (
    "الهلال يهزم النصر بثلاثية في ديربي الرياض",
    "حقق فريق الهلال فوزا كبيرا على ضيفه النصر بثلاثة أهداف مقابل هدف واحد في المباراة التي جمعت "
    "الفريقين مساء السبت على ملعب الملك فهد ضمن الجولة العاشرة من الدوري السعودي للمحترفين. "
    "وسجل المهاجم هدفين في الشوط الأول، قبل أن يضيف زميله الهدف الثالث من ركلة جزاء، "
    "ليرفع الفريق رصيده إلى 25 نقطة في صدارة الترتيب. وقال المدرب بعد اللقاء إن لاعبيه قدموا أداء ممتازا.",
)
CENTRAL_BANK = (
    "البنك المركزي يرفع سعر الفائدة لكبح التضخم",
    "قرر البنك المركزي المصري رفع أسعار الفائدة الأساسية بمقدار 200 نقطة أساس، في خطوة تهدف إلى "
    "السيطرة على معدلات التضخم المرتفعة ودعم سعر صرف الجنيه أمام الدولار. وقالت لجنة السياسة النقدية "
    "إن عائد الإيداع لليلة واحدة ارتفع إلى 13.25 في المئة، وتوقع محللون أن تؤثر الخطوة على الاقتراض "
    "والاستثمار وأسواق الأسهم خلال الأشهر المقبلة.",
)
SMARTPHONE = (
    "سامسونغ تكشف عن هاتفها الذكي الجديد بكاميرا متطورة",
    "كشفت شركة سامسونغ الكورية الجنوبية عن أحدث هواتفها الذكية، ويأتي الجهاز بشاشة قابلة للطي "
    "ومعالج أسرع وبطارية تدوم يومين، إضافة إلى كاميرا بدقة 200 ميغابكسل تعتمد على تقنيات الذكاء "
    "الاصطناعي لتحسين الصور. ويعمل الهاتف بنظام أندرويد، ويتيح للمستخدمين تحميل التطبيقات "
    "وتحديثات البرمجيات بشكل أسرع عبر شبكات الجيل الخامس.",
)
SUMMIT = (
    "وزير الخارجية يبحث مع نظيره الفرنسي تطورات الأزمة",
    "بحث وزير الخارجية في اتصال هاتفي مع نظيره الفرنسي تطورات الأوضاع في المنطقة وسبل دعم "
    "الحل السياسي، وأكد الجانبان أهمية استمرار المشاورات بين البلدين وتنسيق المواقف في مجلس الأمن "
    "الدولي، كما تناول الاتصال نتائج الانتخابات البرلمانية الأخيرة وتشكيل الحكومة الجديدة.",
)


# --- vocabulary ---------------------------------------------------------------------


def test_vocabulary_has_the_iptc_top_level_slugs_and_general():
    slugs = TopicVocabulary.default().slugs
    for slug in ("politics", "conflict", "economy", "sport", "culture", "science-technology", "health",
                 "environment", "crime-law", "disaster", "society", "religion", "general"):  # fmt: skip
        assert slug in slugs
    assert all(slug.isascii() and slug == slug.lower() and "/" not in slug for slug in slugs)


@pytest.mark.parametrize(
    ("raw", "slug"),
    [
        ("رياضة", "sport"),
        ("الرياضة", "sport"),
        ("رياضه", "sport"),
        ("كرة القدم", "sport"),
        ("Sports", "sport"),
        ("اقتصاد", "economy"),
        ("الاقتصاد", "economy"),
        ("مال وأعمال", "economy"),
        ("Business", "economy"),
        ("تكنولوجيا", "science-technology"),
        ("علوم وتكنولوجيا", "science-technology"),
        ("science_and_tech", "science-technology"),
        ("Science-Technology", "science-technology"),
        ("ثقافة وفنون", "culture"),
        ("culture-and-art", "culture"),
        ("صحة", "health"),
        ("SANTÉ", "health"),
        ("الشرق الأوسط", "politics"),
        ("Middle East", "politics"),
        ("حوادث", "crime-law"),
        # URL path segments, with or without their slashes
        ("/sport/", "sport"),
        ("economy/", "economy"),
        ("/تكنولوجيا/", "science-technology"),
    ],
)
def test_slug_for_maps_categories_and_url_segments(raw, slug):
    assert TopicVocabulary.default().slug_for(raw) == slug


def test_every_slug_maps_to_itself():
    vocabulary = TopicVocabulary.default()
    for slug in vocabulary.slugs:
        assert vocabulary.slug_for(slug) == slug


@pytest.mark.parametrize(
    "raw",
    [
        "../../etc",
        "../sport",
        "sport/../../etc/passwd",
        "C:\\Windows",
        "",
        "   ",
        "ب" * 300,
        "خبر " * 75,
        "sp\x00ort",
        "\x1b[31mrsport",
        "رياضة\u0007",
        "أخبار عاجلة من مراسلنا",
        "unknown-section",
        None,
        42,
    ],
)
def test_slug_for_rejects_hostile_or_unknown_input(raw):
    assert TopicVocabulary.default().slug_for(raw) is None


def test_slug_for_never_leaves_the_vocabulary():
    vocabulary = TopicVocabulary.default()
    rng = np.random.default_rng(7)
    alphabet = list("abcdefghijklmnopqrstuvwxyz-_/. ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأإةى0123456789")
    for _ in range(2000):
        raw = "".join(rng.choice(alphabet, size=int(rng.integers(1, 20))))
        assert vocabulary.slug_for(raw) in vocabulary.slugs | {None}


def test_label_key_folds_variants_onto_one_key():
    assert label_key("الرياضة") == label_key("رياضه") == label_key("رياضة")
    assert label_key("Science_And-Tech") == label_key("science and tech")
    assert label_key("ثقافة  وفنون") == label_key("ثقافه وفنون")


def test_slug_for_url_reads_sections_not_the_article_slug():
    vocabulary = TopicVocabulary.default()
    assert vocabulary.slug_for_url("https://example.com/ar/sport/2024/05/01/match-report.html") == "sport"
    assert (
        vocabulary.slug_for_url("https://example.com/%D8%A7%D9%82%D8%AA%D8%B5%D8%A7%D8%AF/12345") == "economy"
    )
    assert vocabulary.slug_for_url("https://example.com/تكنولوجيا/هاتف-جديد") == "science-technology"
    # the last segment is the article's own slug: a title word there is not a section
    assert vocabulary.slug_for_url("https://example.com/news/2024/sport") is None
    assert vocabulary.slug_for_url("https://example.com/a/b/c.html") is None
    assert vocabulary.slug_for_url("not a url at all") is None
    assert vocabulary.slug_for_url(None) is None


def test_alias_mapping_to_two_slugs_is_rejected():
    config = {
        "topics": [
            {"slug": "sport", "label_ar": "رياضة", "aliases": ["كرة"]},
            {"slug": "general", "label_ar": "عام", "aliases": ["الكرة"]},
        ]
    }
    with pytest.raises(ValueError, match="maps to both"):
        TopicVocabulary.from_config(config)


def test_non_slug_in_config_is_rejected():
    config = {"topics": [{"slug": "Sport News", "label_ar": "رياضة"}, {"slug": "general", "label_ar": "عام"}]}
    with pytest.raises(ValueError, match="ASCII slug"):
        TopicVocabulary.from_config(config)


# --- classifier ---------------------------------------------------------------------


def test_model_ships_in_the_package_and_knows_only_vocabulary_slugs():
    assert configs.path(MODEL_NAME).exists()
    assert configs.path(MODEL_NAME).stat().st_size < 25_000_000
    classifier = TopicClassifier.default()
    assert set(classifier.classes) <= TopicVocabulary.default().slugs
    assert {"politics", "economy", "sport", "culture", "science-technology"} <= set(classifier.classes)


@pytest.mark.parametrize(
    ("article", "expected"),
    [
        (FOOTBALL, "sport"),
        (CENTRAL_BANK, "economy"),
        (SMARTPHONE, "science-technology"),
        (SUMMIT, "politics"),
    ],
)
def test_classifier_on_short_arabic_articles(article, expected):
    slug, confidence = TopicClassifier.default().predict(*article)
    assert slug == expected
    assert 0.5 < confidence <= 1.0


def test_classifier_confidence_is_a_probability_and_title_alone_works():
    slug, confidence = TopicClassifier.default().predict("ريال مدريد يتوج بدوري أبطال أوروبا", "")
    assert slug == "sport"
    assert 0.0 <= confidence <= 1.0
    slug, confidence = TopicClassifier.default().predict(None, "")
    assert 0.0 <= confidence <= 1.0


def test_fast_scoring_matches_the_training_feature_path():
    classifier = TopicClassifier.default()
    docs = [topic_text(*FOOTBALL), topic_text(*SMARTPHONE), topic_text(None, "ب"), ""]
    reference = np.asarray(classifier.featurizer.transform(docs) @ classifier._coef_t) + classifier._intercept
    np.testing.assert_allclose(classifier.scores(docs), reference, rtol=1e-4, atol=1e-4)
    # Both stages' columns are in that one product; decision() is the coarse part.
    assert reference.shape[1] == len(classifier.classes) + len(classifier.fine_classes)
    np.testing.assert_allclose(classifier.decision(docs), reference[:, : len(classifier.classes)], atol=1e-4)


def _shipped_arrays() -> dict[str, np.ndarray]:
    with np.load(configs.path(MODEL_NAME), allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def test_class_bias_shifts_the_decision_and_old_models_still_load(tmp_path):
    arrays = _shipped_arrays()
    assert arrays["class_bias"].shape == arrays["intercept"].shape
    # Politics is the reference class of the decision rule: its offset is pinned at 0.
    assert arrays["class_bias"][list(arrays["classes"]).index("politics")] == 0.0
    without = {name: value for name, value in arrays.items() if name != "class_bias"}
    np.savez(tmp_path / "old.npz", **without)
    old = TopicClassifier.load(str(tmp_path / "old.npz"))
    shipped = TopicClassifier.default()
    docs = [topic_text(*CENTRAL_BANK), topic_text(*SUMMIT)]
    np.testing.assert_allclose(
        shipped.decision(docs) - old.decision(docs), np.tile(arrays["class_bias"], (2, 1)), atol=1e-4
    )
    assert not old.class_bias.any()


def test_class_bias_of_the_wrong_length_is_rejected():
    arrays = _shipped_arrays()
    with pytest.raises(ValueError, match="class_bias"):
        TopicClassifier(
            topics.FeatureSpec.from_json(str(arrays["spec"])), [str(c) for c in arrays["classes"]],
            arrays["coef"], arrays["intercept"], arrays["idf"], 1.0, class_bias=np.zeros(2),
        )  # fmt: skip


def test_topic_text_bounds_a_huge_body():
    huge = "كلمة " * 250_000  # ~1.25 MB
    assert len(topic_text("عنوان", huge)) < topics.MAX_TEXT_CHARS + 100
    slug, confidence = TopicClassifier.default().predict("عنوان", huge)
    assert slug in TopicVocabulary.default().slugs and 0.0 <= confidence <= 1.0


# --- assign_topic policy ---------------------------------------------------------------


def test_untrusted_feed_hints_are_ignored_in_favour_of_the_classifier():
    topic, confidence, source = assign_topic(
        title=FOOTBALL[0], text=FOOTBALL[1], url="https://example.com/economy/1", feed_topic="economy",
        categories=["اقتصاد"], trust_feed=False,
    )  # fmt: skip
    assert (topic, source) == ("sport", "classifier")
    assert 0.5 <= confidence <= 1.0


def test_trusted_category_wins_then_url_then_feed_topic():
    common = dict(title=FOOTBALL[0], text=FOOTBALL[1], trust_feed=True)
    assert assign_topic(**common, categories=["غير معروف", "الاقتصاد"], url="https://e.com/sport/1",
                        feed_topic="culture") == ("economy", 1.0, "category")  # fmt: skip
    assert assign_topic(**common, categories=["غير معروف"], url="https://e.com/ar/technology/2024/x.html",
                        feed_topic="culture") == ("science-technology", 1.0, "url")  # fmt: skip
    assert assign_topic(**common, categories=[], url="https://e.com/a/b.html", feed_topic="culture") == (
        "culture",
        1.0,
        "feed",
    )


def test_trusted_feed_without_usable_hints_falls_back_to_the_classifier():
    topic, _, source = assign_topic(
        title=CENTRAL_BANK[0], text=CENTRAL_BANK[1], categories=["../../etc", "ب" * 300], trust_feed=True,
        url="https://e.com/x/y.html", feed_topic="not-a-slug",
    )  # fmt: skip
    assert (topic, source) == ("economy", "classifier")


def test_low_confidence_goes_to_feed_default_or_general(monkeypatch):
    monkeypatch.setattr(topics, "min_confidence", lambda: 1.01)
    topic, confidence, source = assign_topic(title=FOOTBALL[0], text=FOOTBALL[1])
    assert (topic, source) == ("general", "default")
    assert 0.0 <= confidence <= 1.0
    assert assign_topic(title=FOOTBALL[0], text=FOOTBALL[1], feed_topic="culture")[::2] == ("culture", "feed")


def test_empty_article_is_general():
    assert assign_topic(title=None, text="") == ("general", 0.0, "default")
    assert assign_topic(title="  ", text="\n") == ("general", 0.0, "default")


def test_min_confidence_comes_from_config():
    assert 0.0 < topics.min_confidence() < 1.0
    assert topics.min_confidence() == configs.load_yaml("topics.yaml")["classifier"]["min_confidence"]


# --- fine stage: the regional family ------------------------------------------------
# Short news items written for these tests, one per slug the regional sections mix.

AIRSTRIKE = (
    "غارات جوية على مواقع المسلحين شمال البلاد",
    "شنت طائرات حربية غارات على مواقع للمسلحين، وقالت مصادر محلية إن القصف أسفر عن سقوط قتلى "
    "وجرحى، فيما تواصلت الاشتباكات بين الجيش والمقاتلين في محيط المدينة لليوم الثالث.",
)
TRIAL = (
    "محكمة الجنايات تقضي بسجن متهمين في قضية تهريب مخدرات",
    "قضت محكمة الجنايات، الأحد، بالسجن عشر سنوات على ثلاثة متهمين بعد إدانتهم بتهريب كميات كبيرة "
    "من المخدرات عبر الميناء، وكانت الشرطة قد ألقت القبض عليهم العام الماضي إثر تحريات النيابة العامة.",
)
EARTHQUAKE = (
    "زلزال بقوة 6 درجات يضرب جنوب البلاد ويخلف قتلى",
    "ضرب زلزال بقوة 6.1 درجات على مقياس ريختر مناطق في جنوب البلاد فجر الثلاثاء، ما أدى إلى انهيار "
    "عشرات المنازل ومقتل 12 شخصا على الأقل، فيما تواصل فرق الإنقاذ البحث عن مفقودين تحت الأنقاض.",
)
MIGRANTS = (
    "مئات المهاجرين ينتظرون في مخيم مكتظ وأطفالهم بلا مدارس",
    "يعيش مئات المهاجرين وطالبي اللجوء في مخيم مكتظ على أطراف المدينة، وتقول أمهات إن أطفالهن "
    "انقطعوا عن الدراسة منذ أشهر، فيما تطالب جمعيات خيرية بتوفير السكن والتعليم والعمل للعائلات.",
)
CHOLERA = (
    "وزارة الصحة تعلن وفاة 20 شخصا بالكوليرا في المحافظة",
    "أعلنت وزارة الصحة وفاة 20 شخصا وإصابة المئات بوباء الكوليرا في المحافظة منذ مطلع الشهر، وقالت "
    "إن فرقها الطبية تعمل على احتواء المرض في ظل نقص الأدوية وازدحام المستشفيات.",
)
# Known limit, measured not hidden: a WHO/vaccine piece («حملة تطعيم», «لقاح») reads like ANT's
# technology feeds to the coarse stage, which answers science-technology, and the fine stage
# only refines politics answers.


def test_fine_stage_ships_with_the_regional_family():
    classifier = TopicClassifier.default()
    assert classifier.fine_from == frozenset({"politics"})
    assert {"politics", "conflict", "crime-law", "disaster", "society", "health"} <= set(classifier.fine_classes)
    # The fine stage never names a topical section: its answers all collapse back onto the
    # regional label, so section-mapped figures are the coarse stage's.
    assert not set(classifier.fine_classes) & {"sport", "economy", "culture", "science-technology"}


@pytest.mark.parametrize(
    ("article", "expected"),
    [
        (AIRSTRIKE, "conflict"),
        (TRIAL, "crime-law"),
        (EARTHQUAKE, "disaster"),
        (MIGRANTS, "society"),
        (CHOLERA, "health"),
        (SUMMIT, "politics"),
    ],
)
def test_fine_stage_names_the_slug_within_the_regional_family(article, expected):
    topic, confidence, source = assign_topic(title=article[0], text=article[1])
    assert (topic, source) == (expected, "classifier")
    assert 0.5 <= confidence <= 1.0


def test_fine_stage_never_touches_a_topical_answer():
    classifier = TopicClassifier.default()
    for article, expected in ((FOOTBALL, "sport"), (CENTRAL_BANK, "economy"), (SMARTPHONE, "science-technology")):
        assert classifier.predict(*article)[0] == expected


def test_model_without_fine_stage_still_loads_and_answers_coarse(tmp_path):
    arrays = _shipped_arrays()
    coarse_only = {name: value for name, value in arrays.items() if not name.startswith("fine_")}
    np.savez(tmp_path / "coarse.npz", **coarse_only)
    old = TopicClassifier.load(str(tmp_path / "coarse.npz"))
    assert old.fine_classes == ()
    assert old.predict(*AIRSTRIKE)[0] == "politics"
    # Same coarse scores and confidence as the shipped two-stage model.
    shipped = TopicClassifier.default()
    docs = [topic_text(*AIRSTRIKE), topic_text(*FOOTBALL)]
    np.testing.assert_allclose(old.decision(docs), shipped.decision(docs), atol=1e-5)
    assert old.predict(*AIRSTRIKE)[1] == pytest.approx(shipped.predict(*AIRSTRIKE)[1])


def test_fine_stage_arrays_must_match_its_classes():
    arrays = _shipped_arrays()
    with pytest.raises(ValueError, match="fine stage"):
        TopicClassifier(
            topics.FeatureSpec.from_json(str(arrays["spec"])), [str(c) for c in arrays["classes"]],
            arrays["coef"], arrays["intercept"], arrays["idf"], 1.0,
            fine_classes=["politics", "conflict"], fine_coef=arrays["fine_coef"][:1],
            fine_intercept=np.zeros(2), fine_from=["politics"],
        )  # fmt: skip


def test_fine_stage_naming_an_unknown_slug_is_rejected():
    arrays = _shipped_arrays()
    with pytest.raises(ValueError, match="not in"):
        TopicClassifier(
            topics.FeatureSpec.from_json(str(arrays["spec"])), [str(c) for c in arrays["classes"]],
            arrays["coef"], arrays["intercept"], arrays["idf"], 1.0,
            fine_classes=["politics", "warfare"], fine_coef=arrays["coef"][:2],
            fine_intercept=np.zeros(2), fine_from=["politics"],
        )  # fmt: skip


# --- training data of the fine stage (train/topics.py) ----------------------------------

REPO = Path(__file__).resolve().parent.parent
DEV_LABELS = REPO.parent / "shared" / "corpus" / "ant" / "topic_labels_dev.jsonl"


@pytest.fixture(scope="module")
def training():
    spec = importlib.util.spec_from_file_location("topics_training", REPO / "train" / "topics.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["topics_training"] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def test_dev_split_is_by_document_stratified_and_stable(training, tmp_path):
    slugs = ["politics"] * 9 + ["conflict"] * 4 + ["society"]
    lines = [json.dumps({"docno": f"XX-middleEast-{i}-2018", "topic": slug, "sure": True}) for i, slug in enumerate(slugs)]
    path = tmp_path / "dev.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tune, report = training.dev_split(path)
    assert not {h.docno for h in tune} & {h.docno for h in report}
    assert len(tune) + len(report) == len(slugs)
    for slug in ("politics", "conflict", "society"):
        n_report = sum(h.slug == slug for h in report)
        n_tune = sum(h.slug == slug for h in tune)
        assert n_report - n_tune in (0, 1)  # alternating within each slug, report first
    # Another line appended cannot move the others from one half to the other.
    path.write_text("\n".join([*lines, json.dumps({"docno": "XX-new-1", "topic": "health"})]) + "\n", encoding="utf-8")
    tune_after, report_after = training.dev_split(path)
    assert set(report) <= set(report_after) and set(tune) <= set(tune_after)


def test_read_labels_are_vocabulary_slugs_with_unique_docnos(training):
    labels = training.read_labels()
    assert len(labels) >= 600
    assert {h.slug for h in labels} <= TopicVocabulary.default().slugs
    assert len({h.docno for h in labels}) == len(labels)
    # The fine stage has examples of every slug it can answer.
    assert set(training.FINE_CLASSES) <= {h.slug for h in labels}


@pytest.mark.corpus
def test_read_labels_never_touch_the_hand_labelled_dev_set(training):
    """Reads ../shared/corpus/ant/topic_labels_dev.jsonl; skips without it."""
    if not DEV_LABELS.exists():
        pytest.skip(f"corpus not found: {DEV_LABELS}")
    dev = {json.loads(line)["docno"] for line in DEV_LABELS.read_text(encoding="utf-8").splitlines() if line.strip()}
    assert not dev & {h.docno for h in training.read_labels()}
