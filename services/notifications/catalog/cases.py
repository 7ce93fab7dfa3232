"""What a notice of a case's life says: topic -> lang -> (title, body)."""

from __future__ import annotations

CASES: dict[str, dict[str, tuple[str, str]]] = {
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
    "cases.case.compliance_overdue": {
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
    },
    # Older stored events carry no number: the notice then says "an obligation of a case".
    "cases.obligation.breached": {
        "kk": (
            "{% if number %}{{ number }} іс: к{% else %}К{% endif %}елісім міндеттемесі бұзылды",
            "Медиативтік келісім бойынша {{ due_on }} дейін орындалуы тиіс міндеттеме бұзылды. "
            "Істі қайта ашу туралы үйлестіруші шешеді.",
        ),
        "ru": (
            "{% if number %}Дело {{ number }}: о{% else %}О{% endif %}бязательство нарушено",
            "Обязательство по медиативному соглашению со сроком исполнения до {{ due_on }} "
            "нарушено. Решение о возобновлении дела принимает координатор.",
        ),
        "en": (
            "{% if number %}Case {{ number }}: a{% else %}A{% endif %}n obligation was breached",
            "An obligation of the settlement agreement, due on {{ due_on }}, was breached. "
            "The coordinator decides whether to reopen the case.",
        ),
    },
    "cases.case.conflict_declared": {
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
    },
}
