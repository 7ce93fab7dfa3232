"""What a notice of a council or of the library of practice says: topic -> lang -> texts."""

from __future__ import annotations

# Fields a council event stored before it carried them lacks: its notice reads without them.
OPTIONAL: dict[str, object] = {
    "council_name": "",
    "session_title": "",
    "session_starts_at": None,
    "reason": "",
}

COUNCILS: dict[str, dict[str, tuple[str, str]]] = {
    "councils.council.created": {
        "kk": ("{{ name }} кеңесі құрылды", "Қоғамдық келісім кеңесі құрылды: {{ name }}."),
        "ru": ("Создан совет {{ name }}", "Создан совет общественного согласия: {{ name }}."),
        "en": ("Council {{ name }} created", "A Public Accord council was created: {{ name }}."),
    },
    # A session's notice names its council (in the title) and the session, says why it moved
    # or was called off, and its e-mail links the page; events stored before they carried
    # these read without them (`OPTIONAL`).
    "councils.session.convened": {
        "kk": (
            "Кеңес отырысы шақырылды{% if council_name %}: {{ council_name }}{% endif %}",
            "{% if session_title %}«{{ session_title }}» отырысы{% else %}Отырыс{% endif %} "
            "{{ starts_at }} басталады, орны: {{ place }}.",
        ),
        "ru": (
            "Созвано заседание совета{% if council_name %}: {{ council_name }}{% endif %}",
            "Заседание{% if session_title %} «{{ session_title }}»{% endif %} начнётся "
            "{{ starts_at }}, место: {{ place }}.",
        ),
        "en": (
            "Council session convened{% if council_name %}: {{ council_name }}{% endif %}",
            "The session{% if session_title %} “{{ session_title }}”{% endif %} starts at "
            "{{ starts_at }}, at {{ place }}.",
        ),
    },
    "councils.session.rescheduled": {
        "kk": (
            "Кеңес отырысы ауыстырылды{% if council_name %}: {{ council_name }}{% endif %}",
            "{% if session_title %}«{{ session_title }}» отырысы{% else %}Отырыс{% endif %} "
            "{{ previous_starts_at }} орнына енді {{ starts_at }} басталады, орны: {{ place }}."
            "{% if reason %} Себебі: {{ reason | sentence }}{% endif %}",
        ),
        "ru": (
            "Заседание совета перенесено{% if council_name %}: {{ council_name }}{% endif %}",
            "Заседание{% if session_title %} «{{ session_title }}»{% endif %}, назначенное на "
            "{{ previous_starts_at }}, перенесено на {{ starts_at }}, место: {{ place }}."
            "{% if reason %} Причина: {{ reason | sentence }}{% endif %}",
        ),
        "en": (
            "Council session rescheduled{% if council_name %}: {{ council_name }}{% endif %}",
            "The session{% if session_title %} “{{ session_title }}”{% endif %}, set for "
            "{{ previous_starts_at }}, now starts at {{ starts_at }}, at {{ place }}."
            "{% if reason %} Reason: {{ reason | sentence }}{% endif %}",
        ),
    },
    "councils.session.cancelled": {
        "kk": (
            "Кеңес отырысы болдырылмады{% if council_name %}: {{ council_name }}{% endif %}",
            "{{ starts_at }} белгіленген {% if session_title %}«{{ session_title }}» отырысы"
            "{% else %}отырыс{% endif %} болдырылмады."
            "{% if reason %} Себебі: {{ reason | sentence }}{% endif %}",
        ),
        "ru": (
            "Заседание совета отменено{% if council_name %}: {{ council_name }}{% endif %}",
            "Заседание{% if session_title %} «{{ session_title }}»{% endif %}, назначенное на "
            "{{ starts_at }}, отменено.{% if reason %} Причина: {{ reason | sentence }}{% endif %}",
        ),
        "en": (
            "Council session cancelled{% if council_name %}: {{ council_name }}{% endif %}",
            "The session{% if session_title %} “{{ session_title }}”{% endif %} set for "
            "{{ starts_at }} is cancelled."
            "{% if reason %} Reason: {{ reason | sentence }}{% endif %}",
        ),
    },
    "councils.protocol.published": {
        "kk": (
            "Отырыс хаттамасы жарияланды{% if council_name %}: {{ council_name }}{% endif %}",
            "{% if session_title %}«{{ session_title }}» отырысының{% else %}Кеңес отырысының"
            "{% endif %}{% if session_starts_at %} ({{ session_starts_at }}){% endif %} "
            "хаттамасына қол қойылып, жарияланды.",
        ),
        "ru": (
            "Опубликован протокол заседания{% if council_name %}: {{ council_name }}{% endif %}",
            "Протокол заседания{% if session_title %} «{{ session_title }}»{% else %} совета"
            "{% endif %}{% if session_starts_at %} ({{ session_starts_at }}){% endif %} "
            "подписан и опубликован.",
        ),
        "en": (
            "Session minutes published{% if council_name %}: {{ council_name }}{% endif %}",
            "The minutes of the{% if session_title %} session “{{ session_title }}”{% else %} "
            "council session{% endif %}{% if session_starts_at %} ({{ session_starts_at }})"
            "{% endif %} were signed and published.",
        ),
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
