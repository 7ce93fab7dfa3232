"""What an alert says: escalations not accepted, endpoints disabled, failed logins, early
warnings; topic -> lang -> (title, body)."""

from __future__ import annotations

ALERTS: dict[str, dict[str, tuple[str, str]]] = {
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
    # The acceptance names the case for staff, and never the liaison who accepted it.
    "notifications.escalation.acknowledged": {
        "kk": (
            "Хабарлау қабылданды: {{ region_name }}",
            "Құқық қорғау органдарымен байланыс өкілі {% if number is defined %}{{ number }} іс "
            "бойынша {% endif %}хабарлауды қабылдады: {{ acknowledged_at }}.",
        ),
        "ru": (
            "Информирование принято: {{ region_name }}",
            "Представитель правоохранительных органов принял информирование"
            "{% if number is defined %} по делу {{ number }}{% endif %}: {{ acknowledged_at }}.",
        ),
        "en": (
            "Escalation accepted: {{ region_name }}",
            "The law-enforcement liaison accepted the escalation{% if number is defined %} of "
            "case {{ number }}{% endif %}: {{ acknowledged_at }}.",
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
    "identity.login.burst_detected": {
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
    },
}

# An alert's observed count is null where the protected tables hide it (event version 2): the
# notice then says it is withheld, with the one wording for every hidden figure (telling
# "fewer than 5" from a secondary suppression apart would narrow the range; an alarm needs
# at least the minimum count, so a hidden one is usually the latter). Expected count and
# threshold are null where a month of their baseline is hidden. Version 1 events always
# carry numbers.
MONTHLY = frozenset({"analytics.alert.raised"})  # topics whose `period` is a month
ALERTS["analytics.alert.raised"] = {
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
