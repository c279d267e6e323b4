"""Bylines and author strings: people only (names written for these tests)."""

import pytest

from akhbar.transforms.text.bylines import author_names, authors_from_byline, is_person_name, merge_authors

SITE = ["الوطن", "Al Watan News", "alwatan"]


@pytest.mark.parametrize("line, people", [
    ("كتب: محمد علي", ["محمد علي"]),
    ("كتبت - سلمى يوسف", ["سلمى يوسف"]),
    ("بقلم / د. خالد يوسف", ["د. خالد يوسف"]),
    ("إعداد: رنا حداد وأحمد حسن", ["رنا حداد", "أحمد حسن"]),
    ("تقرير: ليلى حسن، القاهرة", ["ليلى حسن"]),
    ("حوار: منى الشريف", ["منى الشريف"]),
    ("By John Smith and Jane Doe", ["John Smith", "Jane Doe"]),
    ("كتب محمد علي - عمّان", ["محمد علي"]),
    ("كتب محمد وليد", ["محمد وليد"]),  # one name, not «محمد» and «ليد»
    ("(دبي - الوطن)", []),
    ("محمد علي - عمّان", []),  # no byline word: not a byline line
    ("كتب الرئيس في تغريدة على حسابه", []),  # a sentence, not a byline
])
def test_authors_from_byline(line, people):
    assert authors_from_byline(line) == people


@pytest.mark.parametrize("raw", [
    "https://www.alwatan.example/themes/images/logo-header.png",
    "Developed By Nile Web Solutions",
    "تصميم وتطوير شركة الحلول الرقمية",
    "الوطن",
    "Al Watan News",
    "فريق التحرير",
    "A",
    "admin",
    "https://www.facebook.com/alwatan.news",
])
def test_never_an_author(raw):
    assert author_names(raw, SITE) == []


@pytest.mark.parametrize("raw, people", [
    ("الدوحة - قناة المشرق", []),  # place and channel
    ("بيروت ـ المشرق.نت", []),  # a tatweel as the dash, a site's domain-like name
    ("المشرق.نت - سامي فارس", ["سامي فارس"]),
    ("طرابلس ـ رامي عيسى", ["رامي عيسى"]),  # a tatweel as the dash before a name
    ("الرباط - مرصد الأخبار الإخبارية", []),
    ("باريس - رويترز", []),
    ("عمّان - د ب أ", []),
    ("سان فرانسيسكو - أ ف ب", []),  # a place of three words, then the wire
    ("قناة 24", []),
])
def test_feed_author_strings_with_datelines_and_outlets(raw, people):
    assert author_names(raw, SITE) == people


def test_meta_author_and_dateline_forms():
    assert author_names("محمد علي - عمّان", SITE) == ["محمد علي"]
    assert author_names("سارة أحمد; يوسف حداد", SITE) == ["سارة أحمد", "يوسف حداد"]
    assert not is_person_name("محمد", SITE)  # one word names no one in particular


def test_merge_takes_the_first_source_that_names_people():
    groups = [["الوطن"], ["كتبت: هالة منصور"], ["نبيل حداد"]]
    assert merge_authors(groups, SITE) == ["هالة منصور"]
    assert merge_authors([[], ["https://x.example/logo.png"]], SITE) == []
