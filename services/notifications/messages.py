"""Message catalog: what a notification says, in Kazakh (default), Russian and English.

Titles and bodies are Jinja2 templates over the event's fields (which carry no personal
data of parties). The words follow the project glossary.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template
from jinja2.sandbox import SandboxedEnvironment

from kelisim import localtime
from kelisim.regions import REGIONS
from services.notifications.schemas import PERSON_FIELDS

LANGS = ("kk", "ru", "en")
DEFAULT_LANG = "kk"

# topic -> lang -> (title, body)
CATALOG: dict[str, dict[str, tuple[str, str]]] = {
    "cases.case.registered": {
        "kk": (
            "{{ number }} іс тіркелді",
            "{{ region_name }} өңірінде жаңа іс тіркелді: медиаторды тағайындауды күтуде.",
        ),
        "ru": (
            "Зарегистрировано дело {{ number }}",
            "В регионе {{ region_name }} зарегистрировано дело: оно ждёт назначения медиатора.",
        ),
        "en": (
            "Case {{ number }} registered",
            "A new case was registered in {{ region_name }}: it waits for a mediator.",
        ),
    },
    "cases.case.assigned": {
        "kk": (
            "{{ number }} іс сізге берілді",
            "Сіз {{ number }} істің медиаторы болып тағайындалдыңыз.",
        ),
        "ru": ("Вам передано дело {{ number }}", "Вы назначены медиатором по делу {{ number }}."),
        "en": ("Case {{ number }} assigned to you", "You are the mediator of case {{ number }}."),
    },
    "cases.case.deadline_approaching": {
        "kk": (
            "{{ number }} іс бойынша мерзім жақындады",
            "Медиация мерзімі {{ deadline }} аяқталады ({{ days_left }} күн қалды).",
        ),
        "ru": (
            "Приближается срок по делу {{ number }}",
            "Срок медиации истекает {{ deadline }} (осталось дней: {{ days_left }}).",
        ),
        "en": (
            "Term of case {{ number }} ends soon",
            "The mediation term ends on {{ deadline }} ({{ days_left }} days left).",
        ),
    },
    "cases.case.overdue": {
        "kk": ("{{ number }} іс мерзімі өткен", "Медиация мерзімі {{ deadline }} өтіп кетті."),
        "ru": ("Дело {{ number }} просрочено", "Срок медиации истёк {{ deadline }}."),
        "en": ("Case {{ number }} is overdue", "The mediation term ended on {{ deadline }}."),
    },
    "cases.case.escalated": {
        "kk": (
            "Құқық қорғау органдарына хабарлау: {{ region_name }}",
            "{% if number is defined %}{{ number }} іс{% else %}Іс{% endif %} құқық қорғау"
            " органдарына жіберілді: қауіп деңгейі {{ risk_level }}.",
        ),
        "ru": (
            "Информирование правоохранительных органов: {{ region_name }}",
            "Дело{% if number is defined %} {{ number }}{% endif %} передано правоохранительным"
            " органам: уровень риска {{ risk_level }}.",
        ),
        "en": (
            "Escalation to law enforcement: {{ region_name }}",
            "{% if number is defined %}Case {{ number }}{% else %}A case{% endif %} was escalated"
            " to law enforcement: risk level {{ risk_level }}.",
        ),
    },
    "councils.council.created": {
        "kk": ("{{ name }} кеңесі құрылды", "Қоғамдық келісім кеңесі құрылды: {{ name }}."),
        "ru": ("Создан совет {{ name }}", "Создан совет общественного согласия: {{ name }}."),
        "en": ("Council {{ name }} created", "A Public Accord council was created: {{ name }}."),
    },
    "councils.session.convened": {
        "kk": ("Кеңес отырысы шақырылды", "Отырыс {{ starts_at }} басталады, орны: {{ place }}."),
        "ru": (
            "Созвано заседание совета",
            "Заседание начнётся {{ starts_at }}, место: {{ place }}.",
        ),
        "en": (
            "Council session convened",
            "The session starts at {{ starts_at }}, at {{ place }}.",
        ),
    },
    "councils.session.rescheduled": {
        "kk": (
            "Кеңес отырысы ауыстырылды",
            "Отырыс енді {{ starts_at }} басталады, орны: {{ place }}.",
        ),
        "ru": (
            "Заседание совета перенесено",
            "Заседание теперь начнётся {{ starts_at }}, место: {{ place }}.",
        ),
        "en": (
            "Council session rescheduled",
            "The session now starts at {{ starts_at }}, at {{ place }}.",
        ),
    },
    "councils.session.cancelled": {
        "kk": (
            "Кеңес отырысы болдырылмады",
            "{{ starts_at }} белгіленген отырыс болдырылмады.",
        ),
        "ru": (
            "Заседание совета отменено",
            "Заседание, назначенное на {{ starts_at }}, отменено.",
        ),
        "en": (
            "Council session cancelled",
            "The session set for {{ starts_at }} is cancelled.",
        ),
    },
    "councils.protocol.published": {
        "kk": (
            "Отырыс хаттамасы жарияланды",
            "Кеңес отырысының хаттамасына қол қойылып, жарияланды.",
        ),
        "ru": (
            "Опубликован протокол заседания",
            "Протокол заседания совета подписан и опубликован.",
        ),
        "en": ("Session minutes published", "The minutes of the council session were published."),
    },
    "councils.recommendation.overdue": {
        "kk": (
            "Ұсыным мерзімі өткен",
            "{{ addressee }} үшін ұсынымның мерзімі {{ due_date }} өтті.",
        ),
        "ru": (
            "Рекомендация просрочена",
            "Срок исполнения рекомендации ({{ addressee }}) истёк {{ due_date }}.",
        ),
        "en": (
            "Recommendation overdue",
            "The recommendation to {{ addressee }} was due on {{ due_date }}.",
        ),
    },
    "notifications.escalation.unacknowledged": {
        "kk": (
            "Хабарлау қабылданбады: {{ region_name }}",
            "Құқық қорғау органдары {% if number is defined %}{{ number }} іс бойынша {% endif %}"
            "{{ hours }} сағат ішінде хабарлауды қабылдамады.",
        ),
        "ru": (
            "Информирование не принято: {{ region_name }}",
            "Правоохранительные органы не приняли информирование{% if number is defined %} по делу"
            " {{ number }}{% endif %} за {{ hours }} ч.",
        ),
        "en": (
            "Escalation not accepted: {{ region_name }}",
            "Law enforcement has not accepted the escalation{% if number is defined %} of case"
            " {{ number }}{% endif %} within {{ hours }} hours.",
        ),
    },
    "notifications.endpoint.disabled": {
        "kk": (
            "Вебхук өшірілді: {{ region_name }}",
            "Құқық қорғау органдарының жүйесі өшірілді: {{ reason }}.",
        ),
        "ru": (
            "Вебхук отключён: {{ region_name }}",
            "Точка доставки правоохранительных органов отключена: {{ reason }}.",
        ),
        "en": (
            "Webhook endpoint disabled: {{ region_name }}",
            "The law-enforcement endpoint was disabled: {{ reason }}.",
        ),
    },
}

CATALOG["identity.login.burst_detected"] = {
    "kk": (
        "Сәтсіз кірулер: {{ username }}",
        "«{{ username }}» атымен {{ failures }} рет қате кіру әрекеті болды "
        "(соңғысы {{ address }} мекенжайынан).",
    ),
    "ru": (
        "Неудачные входы: {{ username }}",
        "{{ failures }} неудачных попыток входа под именем «{{ username }}» "
        "(последняя с адреса {{ address }}).",
    ),
    "en": (
        "Failed logins: {{ username }}",
        "{{ failures }} failed logins under the name '{{ username }}' "
        "(the last from {{ address }}).",
    ),
}

CATALOG["cases.case.compliance_overdue"] = {
    "kk": (
        "{{ number }} іс: келісім міндеттемесінің мерзімі өтті",
        "Медиативтік келісім бойынша міндеттеме {{ due_on }} дейін орындалуы тиіс еді.",
    ),
    "ru": (
        "Дело {{ number }}: срок обязательства истёк",
        "Обязательство по медиативному соглашению следовало исполнить до {{ due_on }}.",
    ),
    "en": (
        "Case {{ number }}: an obligation is overdue",
        "An obligation of the settlement agreement was due on {{ due_on }}.",
    ),
}

CATALOG["cases.case.conflict_declared"] = {
    "kk": (
        "{{ number }} іс: медиатор мүдделер қақтығысын мәлімдеді",
        "{{ mediator_name }} медиаторы {{ number }} іс бойынша мүдделер қақтығысын мәлімдеді. "
        "Іс басқа медиаторды тағайындауды күтуде; себебі істің «Іс барысы» бөлімінде.",
    ),
    "ru": (
        "Дело {{ number }}: медиатор заявил о конфликте интересов",
        "Медиатор {{ mediator_name }} заявил о конфликте интересов по делу {{ number }}. "
        "Дело ждёт назначения другого медиатора; причина — в разделе «Ход дела».",
    ),
    "en": (
        "Case {{ number }}: the mediator declared a conflict of interest",
        "Mediator {{ mediator_name }} declared a conflict of interest in case {{ number }}. "
        "The case waits for another mediator; the reason is in the case's Timeline.",
    ),
}

# A practice note's author is told of the library's decision. The reviewer's remark is not in
# the event (it may quote what the note must not hold): a returned note's notice points to it.
NOTE_RETURNED = {
    "kk": (
        "Тәжірибе жазбасы түзетуге қайтарылды",
        "Басқа өңірдің үйлестірушісі «{{ title }}» жазбаңызды түзетуге қайтарды. Рецензенттің "
        "ескертпесі жазбаның бетінде: жазбаны түзетіп, қайта жіберіңіз.",
    ),
    "ru": (
        "Заметка о практике возвращена на доработку",
        "Координатор другого региона вернул вашу заметку «{{ title }}» на доработку. Замечание "
        "рецензента — на странице заметки: исправьте её и отправьте снова.",
    ),
    "en": (
        "Practice note returned for changes",
        "A coordinator of another region returned your note “{{ title }}” for changes. The "
        "reviewer's remark is on the note's page: edit the note and submit it again.",
    ),
}
NOTE_PUBLISHED = {
    "kk": (
        "Тәжірибе жазбасы жарияланды",
        "Басқа өңірдің үйлестірушісі «{{ title }}» жазбаңызды мақұлдады: енді оны тәжірибе "
        "кітапханасында барлық өңірлер оқи алады.",
    ),
    "ru": (
        "Заметка о практике опубликована",
        "Координатор другого региона одобрил вашу заметку «{{ title }}»: теперь её читают все "
        "регионы в библиотеке практики.",
    ),
    "en": (
        "Practice note published",
        "A coordinator of another region approved your note “{{ title }}”: every region now "
        "reads it in the library of practice.",
    ),
}
for _source in ("cases", "councils"):
    CATALOG[f"{_source}.practice_note.returned"] = NOTE_RETURNED
    CATALOG[f"{_source}.practice_note.published"] = NOTE_PUBLISHED

# An alert's observed count is null where the protected tables hide it (event version 2): the
# notice then says it is withheld, with the one wording for every hidden figure (telling
# "fewer than 5" from a secondary suppression apart would narrow the range; an alarm needs
# at least the minimum count, so a hidden one is usually the latter). Expected count and
# threshold are null where a month of their baseline is hidden. Version 1 events always
# carry numbers.
MONTHLY = frozenset({"analytics.alert.raised"})  # topics whose `period` is a month
CATALOG["analytics.alert.raised"] = {
    "kk": (
        "Ерте ескерту: {{ region_name }}, {{ category_name }}",
        "{% if observed is none %}{{ period }} айында тіркелген істер саны жарияланбайды "
        "(аз сандарды қорғау үшін кестелерде жасырылған){% else %}{{ period }} айында "
        "{{ observed }} іс тіркелді{% endif %}{% if expected is none %}; күтілетін сан мен шекті "
        "мән жарияланбайды (олар есептелетін айлардың бірі жасырылған).{% else %}; күтілгені "
        "{{ expected }}, шекті мәні {{ upper }}.{% endif %}",
    ),
    "ru": (
        "Раннее предупреждение: {{ region_name }}, {{ category_name }}",
        "{% if observed is none %}Число дел, зарегистрированных за {{ period }} г., не "
        "публикуется (скрыто в таблицах для защиты малых чисел){% else %}За {{ period }} г. "
        "зарегистрировано дел: {{ observed }}{% endif %}{% if expected is none %}; "
        "ожидаемое число и порог не публикуются (один из месяцев, по которым они рассчитаны, "
        "скрыт).{% else %}; ожидалось {{ expected }}, порог {{ upper }}.{% endif %}",
    ),
    "en": (
        "Early warning: {{ region_name }}, {{ category_name }}",
        "{% if observed is none %}The number of cases registered in {{ period }} "
        "is not published (hidden in the tables to protect small counts){% else %}"
        "{{ observed }} cases registered in {{ period }}{% endif %}"
        "{% if expected is none %}; the expected count and threshold are not published (a "
        "month they are computed from is hidden).{% else %}; {{ expected }} expected, "
        "threshold {{ upper }}.{% endif %}",
    ),
}

# Risk levels named in each language (a notice never shows the code "high").
RISK_NAMES = {
    "low": ("төмен", "низкий", "low"),
    "medium": ("орташа", "средний", "medium"),
    "high": ("жоғары", "высокий", "high"),
    "critical": ("аса жоғары", "критический", "critical"),
}

# Case categories named in each language, for messages that carry a category code.
CATEGORY_NAMES = {
    "interethnic": ("этносаралық", "межэтнический", "interethnic"),
    "interfaith": ("конфессияаралық", "межконфессиональный", "interfaith"),
    "community": ("әлеуметтік-тұрмыстық", "социально-бытовой", "social and household"),
    "family": ("отбасылық", "семейный", "family"),
    "labour": ("еңбек", "трудовой", "labour"),
    "land": ("жер", "земельный", "land"),
    "neighbour": ("көршілік", "соседский", "neighbour"),
    "other": ("басқа", "другое", "other"),
}

GENERIC = {
    "kk": ("Хабарлама: {{ topic }}", "Жаңа оқиға: {{ topic }}."),
    "ru": ("Уведомление: {{ topic }}", "Новое событие: {{ topic }}."),
    "en": ("Notification: {{ topic }}", "New event: {{ topic }}."),
}

# Neutral one-line summaries kept on the notification row (logs, the legacy list).
SUMMARIES = {
    "cases.case.registered": "case {{ number }} registered",
    "councils.council.created": "council {{ name }} created",
}

DIGEST = {
    "kk": ("Келісім: хабарламалар ({{ count }})", "Соңғы хабарламалар:"),
    "ru": ("Келисим: уведомления ({{ count }})", "Последние уведомления:"),
    "en": ("Kelisim: notifications ({{ count }})", "Latest notifications:"),
}

FOOTER = {
    "kk": "Бұл хат «Келісім» жүйесінен автоматты түрде жіберілді.",
    "ru": "Это письмо отправлено системой «Келисим» автоматически.",
    "en": "This message was sent automatically by Kelisim.",
}


@cache
def _env() -> SandboxedEnvironment:
    return SandboxedEnvironment(autoescape=False, undefined=StrictUndefined)


def lang_of(lang: str | None) -> str:
    """A supported language, Kazakh when unknown."""
    return lang if lang in LANGS else DEFAULT_LANG


@lru_cache(maxsize=1024)
def _compiled(template: str) -> Template:
    """A catalog text compiled once: Jinja's `from_string` compiles anew on every call."""
    return _env().from_string(template)


def render(template: str, params: dict[str, Any]) -> str:
    return _compiled(template).render(**params)


def title_and_body(topic: str, lang: str | None, params: dict[str, Any]) -> tuple[str, str]:
    """The localized title and body of a notification."""
    code = lang_of(lang)
    texts = CATALOG.get(topic, GENERIC)[code]
    # Times and days in words in Kazakhstan's zone, codes in words: never raw values.
    shown = {
        key: localtime.number(value, code)
        if isinstance(value, float)
        else localtime.humane(value, code)
        for key, value in params.items()
    }
    period = str(params.get("period", ""))
    if topic in MONTHLY and localtime.ISO_DAY.match(period):  # a month, named as one
        shown["period"] = localtime.month(period, code)
    risk = RISK_NAMES.get(str(params.get("risk_level")))
    if risk:
        shown["risk_level"] = risk[LANGS.index(code)]
    values = {"topic": topic, **_names(params, code), **shown}
    title, body = render(texts[0], values), render(texts[1], values)
    return localtime.end_sentence(title), localtime.end_sentence(body)


def _names(params: dict[str, Any], lang: str) -> dict[str, str]:
    """The region's and the category's names in `lang`, and each staff member the event names
    by login (`mediator`, `author`) by their full name as `<field>_name` (the login when the
    directory had no name for them), for templates that show them."""
    region = REGIONS.get(str(params.get("region")))
    category = CATEGORY_NAMES.get(str(params.get("category")))
    people = {
        f"{field}_name": str(params.get(f"{field}_name") or params[field])
        for field in PERSON_FIELDS
        if params.get(field)
    }
    return {
        **people,
        "region_name": region.name(lang) if region else str(params.get("region", "")),
        "category_name": category[LANGS.index(lang)]
        if category
        else str(params.get("category", "")),
    }


def summary(topic: str, params: dict[str, Any]) -> str:
    """The neutral one-line summary stored with a notification."""
    template = SUMMARIES.get(topic)
    if template is None:
        return title_and_body(topic, "en", params)[0]
    return render(template, {"topic": topic, **params})


def digest(lang: str | None, items: list[tuple[str, str]]) -> tuple[str, str]:
    """Subject and body of a digest e-mail of (title, body) items."""
    code = lang_of(lang)
    subject_t, intro = DIGEST[code]
    lines = [intro, ""] + [f"- {title}: {body}" for title, body in items]
    return render(subject_t, {"count": len(items)}), "\n".join([*lines, "", FOOTER[code]])


def email_body(lang: str | None, body: str) -> str:
    return f"{body}\n\n{FOOTER[lang_of(lang)]}"
