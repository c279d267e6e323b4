"""A second set of article templates whose widgets use wording configs/boilerplate.yaml does not list.

    /work/wt14/.venv/bin/python bench/quality.py --set unseen --family heldout

bench/quality.py scores extraction on these next to the familiar set of bench/pagegen.py. The
hidden evaluation wraps held-out article texts in templates nobody here has seen, so the widget
wording below was written by this team to be *unlike* the phrases in the config: same kinds of
widget (app-notification notices, "follow our page" lines, update stamps, messaging-channel
promotions, a suggested-stories heading with its headlines, photo credits and caption prefixes,
comment widgets, bylines), other words.

Two wording families, kept apart on purpose:
- ``tune``: written first; the structural rules in transforms/text/boilerplate.py were tuned on it.
- ``heldout``: written after the rules were finished; measured once (bench/RESULTS.md), and its
  failures then led to more general word classes, so it is no longer clean;
- ``heldout2``: written before those changes were made, measured after them: the clean hold-out.

Each outlet (template) picks one wording per kind for all its pages, as a real CMS does (the
learnt per-source template, transforms/text/template.py, relies on that); the headlines under a
suggested-stories heading change from page to page.
"""

from __future__ import annotations

import html as html_lib
import random
from collections.abc import Callable

_esc = lambda text: html_lib.escape(text, quote=False)  # noqa: E731 - one-liner shared by the templates

# --------------------------------------------------------------------------- wording families
# Placeholders: {site} outlet name, {date} a date, {time} a clock time, {name} a person.
TUNE: dict[str, list[str]] = {
    "app_notice": [
        "نزّل تطبيقنا المجاني من متجر آبل أو غوغل بلاي واحصل على التنبيهات العاجلة",
        "احصل على تنبيهات فورية بأهم العناوين عبر تطبيق {site} على هاتفك الذكي",
        "لا تفوّت أي خبر عاجل: ثبّت تطبيق {site} على أندرويد وآيفون",
    ],
    "follow_page": [
        "لمزيد من الأخبار تابعوا حسابنا الرسمي على إنستغرام",
        "كونوا أول من يعرف.. تابعوا صفحتنا على فيسبوك",
        "ابقَ على اطلاع دائم وتابع {site} على منصة إكس",
    ],
    "update_stamp": [
        "آخر تحديث: {time} صباحاً، {date}",
        "تم تحديث هذا الخبر في {date} الساعة {time}",
        "نُشر في {date} | عُدّل في {date} {time}",
    ],
    "messaging": [
        "للأخبار العاجلة على هاتفك، اشترك في قناة {site} على تيليغرام",
        "يمكنكم الآن متابعة أخبارنا عبر واتساب من خلال هذا الرابط",
        "قناة {site} على واتساب: أهم الأخبار تصلك مباشرة",
    ],
    "suggested_heading": ["قصص قد تثير اهتمامك", "ننصحك بمتابعة", "من أخبارنا أيضاً"],
    "photo_credit": ["(الصورة من غيتي إيميجز)", "لقطة: وكالة الأناضول", "الصورة لـ {name} - خاص"],
    "comments": [
        "التعليقات تخضع للمراجعة قبل ظهورها على الموقع",
        "شاركنا رأيك في التعليقات أدناه",
        "لا توجد تعليقات بعد، كن أول من يعلق",
    ],
    "byline": ["بواسطة: {name}", "إشراف: {name}", "كتبه {name}"],
}

# Written after the rules were done; only measured, never tuned on.
HELDOUT: dict[str, list[str]] = {
    "app_notice": [
        "خدمة الإشعارات الفورية متاحة الآن لمستخدمي الهواتف الذكية مجاناً",
        "اسمح بالإشعارات من متصفحك لتبقى في قلب الحدث",
        "هل تريد معرفة الخبر قبل غيرك؟ حمّل التطبيق الآن",
        "أخبار {site} بين يديك أينما كنت عبر تطبيق الهاتف",
    ],
    "follow_page": [
        "تابع آخر المستجدات لحظة بلحظة عبر حساباتنا على مواقع التواصل الاجتماعي",
        "صفحة {site} على فيسبوك تضم أكثر من مليون متابع.. انضم إليهم",
        "لا تفوت جديدنا، اضغط زر المتابعة على تويتر",
        "للمزيد: {site} على سناب شات ويوتيوب",
    ],
    "update_stamp": [
        "حُدِّث بتاريخ {date} - {time}",
        "التحديث الأخير {date}، {time} بتوقيت مكة",
        "{date} {time} (آخر تعديل)",
        "منشور: {date} | محدّث: {time}",
    ],
    "messaging": [
        "انضم إلى مجتمع قرّاء {site} على واتساب وتيليغرام",
        "الأخبار العاجلة تصلك على تيليغرام: ابحث عن قناة {site}",
        "مجموعة {site} الإخبارية على واتساب مفتوحة للجميع",
        "أرسل كلمة «أخبار» إلى رقمنا على واتساب لتلقي النشرة اليومية",
    ],
    "suggested_heading": ["قصص أخرى", "إليك أيضاً", "على صلة بالموضوع", "في السياق نفسه"],
    "photo_credit": ["[صورة: رويترز]", "المصوّر: {name}", "الصورة بعدسة {name}", "مصدر اللقطة: منصات التواصل"],
    "comments": [
        "أضف رأيك — التعليقات المخالفة للقواعد لن تُنشر",
        "عدد المشاركات: 0 — ناقش الخبر",
        "يرجى الالتزام بآداب الحوار عند كتابة تعليقك",
        "سجّل الدخول للتعليق على هذا الخبر",
    ],
    "byline": ["تقرير: {name}", "{name} - {site}", "من {name}، مراسل {site}", "نص: {name}"],
}

# Written after a first measure on HELDOUT had led to more general word classes (see
# bench/RESULTS.md): a fresh family that no rule change has seen.
HELDOUT2: dict[str, list[str]] = {
    "app_notice": [
        "تنبيهات {site} العاجلة متوفرة الآن على الهواتف المحمولة",
        "اجعل {site} أول ما تقرأه كل صباح: فعّل إشعارات المتصفح",
        "ثبّت تطبيقنا لتصلك الأخبار قبل الجميع",
        "النسخة الجديدة من تطبيق {site} متاحة على المتاجر الإلكترونية",
    ],
    "follow_page": [
        "{site} على إنستغرام: صور وأخبار يومية",
        "انضم لأكثر من مليوني متابع على صفحتنا في فيسبوك",
        "ابقوا معنا على تويتر لمتابعة التغطية المباشرة",
        "حساباتنا على منصات التواصل: فيسبوك، إكس، يوتيوب",
    ],
    "update_stamp": [
        "آخر تعديل {date} الساعة {time}",
        "{time} | {date} - تحديث",
        "تاريخ النشر: {date} - آخر تحديث: {time}",
        "عُدّل هذا المقال في {date}",
    ],
    "messaging": [
        "قناتنا على تيليغرام تنقل الخبر لحظة وقوعه",
        "راسلونا عبر واتساب على الرقم 0096170000000",
        "اشتركوا في نشرة {site} عبر ماسنجر",
        "للحصول على الأخبار عبر واتساب أرسل «اشتراك»",
    ],
    "suggested_heading": ["موضوعات قد تهمك", "مختارات", "تابع القراءة", "أخبار مشابهة"],
    "photo_credit": ["(عدسة {name})", "الصورة عن: مواقع التواصل", "{name}/ الصورة", "مصدر الصور: أرشيف {site}"],
    "comments": [
        "التعليقات (0)",
        "اكتب تعليقك هنا",
        "ملاحظة: التعليقات المنشورة لا تعبر عن الموقع",
        "هل لديك رأي؟ شاركه معنا أسفل الخبر",
    ],
    "byline": ["{name} | {site}", "تقرير {name}", "{name}، صحفي في {site}", "المراسل: {name}"],
}

FAMILIES = {"tune": TUNE, "heldout": HELDOUT, "heldout2": HELDOUT2}
NAMES = ["هالة عبد الرحيم", "يوسف المصري", "مريم الكبيسي", "طارق بن علي"]
MONTHS = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس"]


def outlet_wording(family: dict[str, list[str]], outlet_index: int, site: str) -> dict[str, str]:
    """One wording per kind for one outlet, fixed for all its pages (placeholders filled but {date}/{time})."""
    rng = random.Random(f"{outlet_index}-{site}")
    name = rng.choice(NAMES)
    chosen = {}
    for kind, options in family.items():
        if not options:
            raise ValueError(f"wording family has no {kind!r} wording")
        text = options[outlet_index % len(options)]
        chosen[kind] = text.replace("{site}", site).replace("{name}", name)
    return chosen


def _stamp(text: str, rng: random.Random) -> str:
    day = f"{rng.randint(1, 28)} {rng.choice(MONTHS)} 2018"
    clock = f"{rng.randint(0, 11):02d}:{rng.randint(0, 59):02d}"
    return text.replace("{date}", day).replace("{time}", clock)


def _head(title: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>{_esc(title)}</title>'
        f'<meta property="og:title" content="{html_lib.escape(title)}"></head><body>'
    )


def _teaser_items(headlines: list[str], tag: str = "li") -> str:
    return "".join(f'<{tag}><a href="/story/{abs(hash(h)) % 99999}">{_esc(h)}</a></{tag}>' for h in headlines)


# --------------------------------------------------------------------------- templates
def template_magazine(title, paragraphs, extra, caption, wording, rng):
    """Update stamp over the text, photo credit under the figure, app notice mid-text, suggested stories at the end."""
    stamp = _stamp(wording["update_stamp"], rng)
    body = [f"<p>{_esc(p)}</p>" for p in paragraphs]
    body.insert(min(3, len(body)), f'<p class="app-cta">{_esc(wording["app_notice"])}</p>')
    html = (
        _head(title)
        + f'<main><article><h1>{_esc(title)}</h1><div class="article-body"><p class="updated">{_esc(stamp)}</p>'
        + f'<figure><img src="/a.jpg"><figcaption>{_esc(caption)}</figcaption></figure>'
        + f'<p class="credit">{_esc(wording["photo_credit"])}</p>'
        + "".join(body)
        + f'<p>{_esc(wording["follow_page"])}</p>'
        + f'<h3>{_esc(wording["suggested_heading"])}</h3><ul>{_teaser_items(extra[:4])}</ul>'
        + "</div></article></main></body></html>"
    )
    injected = [stamp, wording["app_notice"], wording["photo_credit"], wording["follow_page"],
                wording["suggested_heading"], *extra[:4], caption]
    return html, injected


def template_wire(title, paragraphs, extra, caption, wording, rng):
    """Byline and publish stamp, messaging-channel promo between paragraphs, comment policy and prompt."""
    stamp = _stamp(wording["update_stamp"], rng)
    byline = wording["byline"]
    body = [f"<p>{_esc(p)}</p>" for p in paragraphs]
    body.insert(min(2, len(body)), f'<p><strong>{_esc(wording["messaging"])}</strong></p>')
    html = (
        _head(title)
        + f'<div id="story"><h1>{_esc(title)}</h1><div class="text"><p class="by">{_esc(byline)}</p>'
        + f"<p>{_esc(stamp)}</p>"
        + "".join(body)
        + f'<p>{_esc(wording["comments"])}</p>'
        + "</div></div></body></html>"
    )
    injected = [byline, stamp, wording["messaging"], wording["comments"]]
    return html, injected


def template_sidebar(title, paragraphs, extra, caption, wording, rng):
    """Suggested stories (one-line paragraphs of links) in the middle of the text, follow line and app notice at the end."""
    body = [f"<p>{_esc(p)}</p>" for p in paragraphs]
    block = f'<p><b>{_esc(wording["suggested_heading"])}</b></p>' + _teaser_items(extra[:3], "p")
    body.insert(max(1, len(body) // 2), block)
    html = (
        _head(title)
        + f'<div class="post"><h2>{_esc(title)}</h2>'
        + f'<div class="post-body"><p>{_esc(caption)} {_esc(wording["photo_credit"])}</p>'
        + "".join(body)
        + f'<p>{_esc(wording["app_notice"])}</p><p>{_esc(wording["follow_page"])}</p>'
        + "</div></div></body></html>"
    )
    injected = [wording["suggested_heading"], *extra[:3], wording["photo_credit"], wording["app_notice"],
                wording["follow_page"]]
    return html, injected


def template_tabloid(title, paragraphs, extra, caption, wording, rng):
    """Caption line, byline and stamp on one line, messaging promo and comment widget after the text."""
    stamp = _stamp(wording["update_stamp"], rng)
    body = [f"<p>{_esc(p)}</p>" for p in paragraphs]
    html = (
        _head(title)
        + f'<section class="news"><h1>{_esc(title)}</h1><div class="content">'
        + f"<p>{_esc(wording['byline'])}</p><p>{_esc(stamp)}</p>"
        + "".join(body)
        + f"<p>{_esc(wording['messaging'])}</p>"
        + f'<div class="comments"><p>{_esc(wording["comments"])}</p></div>'
        + f'<h4>{_esc(wording["suggested_heading"])}</h4><ol>{_teaser_items(extra[:5])}</ol>'
        + "</div></section></body></html>"
    )
    injected = [wording["byline"], stamp, wording["messaging"], wording["comments"],
                wording["suggested_heading"], *extra[:5]]
    return html, injected


Template = Callable[..., tuple[str, list[str]]]
UNSEEN_TEMPLATES: dict[str, Template] = {
    "magazine": template_magazine,
    "wire": template_wire,
    "sidebar": template_sidebar,
    "tabloid": template_tabloid,
}
