"""What a notice of a council or of the library of practice says: topic -> lang -> texts."""

from __future__ import annotations

COUNCILS: dict[str, dict[str, tuple[str, str]]] = {
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
    COUNCILS[f"{_source}.practice_note.returned"] = NOTE_RETURNED
    COUNCILS[f"{_source}.practice_note.published"] = NOTE_PUBLISHED
