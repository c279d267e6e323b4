"""train/ner_read.py: ANT sentences labelled by reading become (text, spans) for train/ner.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("ner_read", REPO / "train" / "ner_read.py")
ner_read = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ner_read)


def _named(text, spans):
    return [(text[s:e], t) for s, e, t in spans]


def test_names_are_found_in_order_after_a_proclitic_and_a_repeat_is_the_next_occurrence():
    text = "وقال ماكرون في باريس إن فرنسا ستدعم لبنان، وأكد ماكرون أن وفرنسا لن تتخلى عن بيروت"
    labels = [("ماكرون", "PER"), ("باريس", "LOC"), ("فرنسا", "LOC"), ("لبنان", "LOC"),
              ("ماكرون", "PER"), ("فرنسا", "LOC"), ("بيروت", "LOC")]
    spans = ner_read.locate(text, labels)
    assert _named(text, spans) == labels
    assert spans[0][0] == text.index("ماكرون") and spans[4][0] == text.rindex("ماكرون")
    assert text[spans[5][0] - 1] == "و"  # «وفرنسا»: the span starts after the proclitic


def test_a_name_inside_another_word_or_missing_is_not_taken():
    text = "زار الوفد عمان ثم التقى بالمسؤولين في الأمم المتحدة"
    # «مان» sits inside «عمان» only; «دمشق» is not in the text: both are labelling slips.
    assert _named(text, ner_read.locate(text, [("مان", "LOC"), ("الأمم المتحدة", "ORG"), ("دمشق", "LOC")])) == [
        ("الأمم المتحدة", "ORG")
    ]


def test_a_name_written_with_two_proclitic_letters_and_lam_lam_is_kept_as_labelled():
    text = "وبالقاهرة اجتمع المندوبون للأمم المتحدة"
    assert _named(text, ner_read.locate(text, [("القاهرة", "LOC"), ("للأمم المتحدة", "ORG")])) == [
        ("القاهرة", "LOC"), ("للأمم المتحدة", "ORG")
    ]


def test_sentences_chosen_for_labelling_are_the_title_and_the_first_full_sentences():
    record = {
        "title": "الأمطار الغزيرة تغلق الطرق في عدة مدن مغربية",
        "text": "أغلقت السلطات المغربية عدة طرق رئيسية بسبب الأمطار الغزيرة. قصير جدا. "
        "#هاشتاج طويل يكفي ليكون جملة من ست كلمات\nوقالت وزارة التجهيز إن الفرق تعمل على فتح الطرق منذ الصباح الباكر."
        " وأضافت أن الوضع سيتحسن خلال اليومين المقبلين حسب توقعات الأرصاد. وجملة خامسة لن تؤخذ لأن الحد أربع جمل.",
    }
    chosen = ner_read.ant_sentences(record)
    assert chosen == [
        "الأمطار الغزيرة تغلق الطرق في عدة مدن مغربية",
        "أغلقت السلطات المغربية عدة طرق رئيسية بسبب الأمطار الغزيرة.",
        "وقالت وزارة التجهيز إن الفرق تعمل على فتح الطرق منذ الصباح الباكر.",
        "وأضافت أن الوضع سيتحسن خلال اليومين المقبلين حسب توقعات الأرصاد.",
    ]


def test_the_shipped_labels_file_names_sentences_and_typed_names_only():
    labels = ner_read.read_labels()
    assert len(labels) > 1000
    for sentence_id, names in labels.items():
        docno, _, index = sentence_id.partition("#")
        assert docno and index.isdigit()
        for name, typ in names:
            assert typ in ner_read.TYPES and 0 < len(name.split()) <= 12


def test_the_second_round_of_labels_is_well_formed_and_labels_no_sentence_twice():
    first = ner_read.read_labels()
    second = ner_read.read_labels(ner_read.LABELS_ROUND2_PATH)
    assert len(second) > 1000 and not first.keys() & second.keys()
    assert any(sentence_id.startswith("snn-") for sentence_id in second)
    for sentence_id, names in second.items():
        docno, _, index = sentence_id.partition("#")
        assert docno and index.isdigit()
        for name, typ in names:
            assert typ in ner_read.TYPES and 0 < len(name.split()) <= 12


def test_saudinewsnet_sentences_run_deeper_into_the_article_and_skip_links():
    body = "\n".join(
        [f"وقال المتحدث الرسمي إن الجولة رقم {n} من المفاوضات ستعقد في الرياض الأسبوع المقبل." for n in range(12)]
        + ["للمزيد تابعونا على http://example.com في كل وقت ومن أي مكان"]
    )
    record = {"url": "http://example.com/a", "title": "انطلاق جولة جديدة من المفاوضات في الرياض", "content": body}
    chosen = ner_read.snn_sentences(record)
    assert len(chosen) == ner_read.SNN_SENTENCES_PER_ARTICLE
    assert chosen[0] == record["title"] and all("http" not in s for s in chosen)
    assert ner_read.snn_id(record).startswith("snn-") and len(ner_read.snn_id(record)) == 16


def test_a_name_is_placed_on_the_whole_word_not_on_an_adjective_that_starts_with_it():
    text = "قال المسؤول اليمني إن الحكومة اليمنية تريد أن يعود السلام إلى اليمن قريبا"
    spans = ner_read.locate(text, [("اليمن", "LOC")])
    assert _named(text, spans) == [("اليمن", "LOC")] and spans[0][0] == text.rindex("اليمن")


def test_a_head_with_only_nationality_adjectives_is_no_name_as_in_newsfane():
    def kept(text):
        return ner_read.follows_newsfane(text, (0, len(text), "ORG"))

    assert not kept("القوات الإسرائيلية")
    assert not kept("المنتخب السعودي")
    assert not kept("الإدارة الأمريكية")
    # a name after the head, another head, or another type stays
    assert kept("قوات سوريا الديمقراطية")
    assert kept("الجيش السوري")
    assert kept("القوات المسلحة السودانية")
    assert kept("القوات الجوية") and kept("الإدارة الذاتية الكردية")  # adjectives of kind, not nation
    assert kept("التحالف العربي")  # التحالف is not such a head
    assert not kept("المنتخب المصرى")  # spelt with ى: read on match keys
    assert ner_read.follows_newsfane("المنتخب السعودي", (0, 15, "LOC"))
