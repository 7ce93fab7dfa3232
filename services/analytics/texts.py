"""The yearly report's fixed texts in Kazakh, Russian and English.

`LABELS` holds section titles and headings; `NAMES`, `TABLES`, `CATEGORIES` and `METHODS`
name what the analytics service publishes (services/analytics/measures.py, figures.py). A key
found in none of them is printed as given. The methodology page is in methodology.py.
"""

from __future__ import annotations

SUPPRESSED_MARK = "×"

LABELS: dict[str, dict[str, str]] = {
    "kk": {
        "organisation": "Қазақстан халқы Ассамблеясы",
        "title": "Этносаралық және конфессияаралық келісім туралы жылдық есеп",
        "subtitle": "Медиация және қоғамдық бақылау",
        "year": "{year} жыл",
        "national": "Қазақстан Республикасы",
        "generated_on": "Жасалған күні",
        "contents": "Мазмұны",
        "section_summary": "Негізгі көрсеткіштер",
        "section_regions": "Өңірлер бойынша көрсеткіштер",
        "section_trends": "Үрдістер",
        "section_alerts": "Ерте ескерту сигналдары",
        "section_councils": "Қоғамдық келісім кеңестерінің ұсынымдары және олардың орындалуы",
        "section_proposals": "Ел басшылығына арналған ұсыныстар",
        "section_methodology": "Әдістеме",
        "table": "Кесте",
        "figure": "Сурет",
        "based_on": "Негізі",
        "page_overview": "Талдау шолуы",
        "page_region": "Өңір көрсеткіштері: {name}",
        "page_alerts": "Ерте ескерту белгілері",
        "page_alert": "Ерте ескерту белгісі",
        "page_councils": "Кеңестер ұсынымдарының көрсеткіштері",
        "page_export": "Деректер жиыны: {name}",
        "col_indicator": "Көрсеткіш",
        "col_value": "Мәні",
        "col_region": "Өңір",
        "col_category": "Санат",
        "col_period": "Кезең",
        "col_observed": "Байқалған",
        "col_expected": "Күтілген",
        "col_upper": "Жоғарғы шек",
        "col_score": "Асу көрсеткіші",
        "col_method": "Әдіс",
        "alerts_intro": (
            "Байқалған істер саны күтілген деңгейдің жоғарғы шегінен асқан айлар. "
            "Әдіс «Әдістеме» бөлімінде сипатталған."
        ),
        "no_alerts": "Жыл ішінде ерте ескерту сигналдары болған жоқ.",
        "no_proposals": "Биыл ұсыныстар енгізілген жоқ.",
        "no_data": "Деректер жоқ.",
        "suppressed_note": (
            "× — құпиялылықты қорғау үшін жарияланбайды: 1-ден 4-ке дейінгі мәндер, сондай-ақ "
            "оларды жиынтықтардан есептеп шығаруға мүмкіндік беретін ұяшықтар."
        ),
        "trend_desc": "Айлар бойынша сызықтық диаграмма.",
        "chart_first": "алғашқы",
        "chart_last": "соңғы",
        "chart_highest": "ең жоғары",
        "chart_missing": "жасырылған",
        "chart_no_data": "деректер жоқ",
    },
    "ru": {
        "organisation": "Ассамблея народа Казахстана",
        "title": "Годовой отчёт о межэтническом и межконфессиональном согласии",
        "subtitle": "Медиация и общественный контроль",
        "year": "{year} год",
        "national": "Республика Казахстан",
        "generated_on": "Дата формирования",
        "contents": "Содержание",
        "section_summary": "Основные показатели",
        "section_regions": "Показатели по регионам",
        "section_trends": "Динамика",
        "section_alerts": "Сигналы раннего предупреждения",
        "section_councils": "Рекомендации советов общественного согласия и их исполнение",
        "section_proposals": "Предложения руководству страны",
        "section_methodology": "Методология",
        "table": "Таблица",
        "figure": "Рисунок",
        "based_on": "Основание",
        "page_overview": "Обзор аналитики",
        "page_region": "Показатели региона: {name}",
        "page_alerts": "Сигналы раннего предупреждения",
        "page_alert": "Сигнал раннего предупреждения",
        "page_councils": "Показатели рекомендаций советов",
        "page_export": "Набор данных: {name}",
        "col_indicator": "Показатель",
        "col_value": "Значение",
        "col_region": "Регион",
        "col_category": "Категория",
        "col_period": "Период",
        "col_observed": "Наблюдаемое",
        "col_expected": "Ожидаемое",
        "col_upper": "Верхняя граница",
        "col_score": "Индекс превышения",
        "col_method": "Метод",
        "alerts_intro": (
            "Месяцы, в которых наблюдаемое число дел превысило верхнюю границу ожидаемого "
            "уровня. Метод описан в разделе «Методология»."
        ),
        "no_alerts": "В течение года сигналов раннего предупреждения не было.",
        "no_proposals": "В этом году предложения не вносились.",
        "no_data": "Нет данных.",
        "suppressed_note": (
            "× — не публикуется в целях защиты конфиденциальности: значения от 1 до 4, а также "
            "ячейки, по которым их можно вычислить из итогов."
        ),
        "trend_desc": "Линейная диаграмма по месяцам.",
        "chart_first": "первое",
        "chart_last": "последнее",
        "chart_highest": "наибольшее",
        "chart_missing": "скрыто",
        "chart_no_data": "нет данных",
    },
    "en": {
        "organisation": "Assembly of People of Kazakhstan",
        "title": "Yearly report on interethnic and interfaith accord",
        "subtitle": "Mediation and public control",
        "year": "{year}",
        "national": "Republic of Kazakhstan",
        "generated_on": "Generated on",
        "contents": "Contents",
        "section_summary": "Key figures",
        "section_regions": "Figures by region",
        "section_trends": "Trends",
        "section_alerts": "Early-warning alerts",
        "section_councils": "Recommendations of the Public Accord councils and their execution",
        "section_proposals": "Proposals for the country's leadership",
        "section_methodology": "Methodology",
        "table": "Table",
        "figure": "Figure",
        "based_on": "Based on",
        "page_overview": "Analytics overview",
        "page_region": "Figures of the region: {name}",
        "page_alerts": "Early-warning alerts",
        "page_alert": "An early-warning alert",
        "page_councils": "Figures of the councils' recommendations",
        "page_export": "Data set: {name}",
        "col_indicator": "Indicator",
        "col_value": "Value",
        "col_region": "Region",
        "col_category": "Category",
        "col_period": "Period",
        "col_observed": "Observed",
        "col_expected": "Expected",
        "col_upper": "Upper bound",
        "col_score": "Exceedance score",
        "col_method": "Method",
        "alerts_intro": (
            "Months in which the observed number of cases exceeded the upper bound of the "
            "expected level. The method is described under Methodology."
        ),
        "no_alerts": "No early-warning alerts were raised during the year.",
        "no_proposals": "No proposals were made this year.",
        "no_data": "No data.",
        "suppressed_note": (
            "× — not published to protect confidentiality: counts of 1 to 4, and the cells "
            "from which they could be worked out from the totals."
        ),
        "trend_desc": "Line chart by month.",
        "chart_first": "first",
        "chart_last": "last",
        "chart_highest": "highest",
        "chart_missing": "suppressed",
        "chart_no_data": "no data",
    },
}

# What the analytics service publishes: its measures, and the rows and key parts around them.
NAMES: dict[str, dict[str, str]] = {
    "kk": {
        "total": "Барлығы",
        "KZ": "Республикалық деңгей",
        "all": "барлық санаттар",
        "cases.registered": "Тіркелген істер",
        "cases.refused": "Медиациядан бас тартылды",
        "cases.refused_reason": "Бас тарту себептері",
        "cases.assigned": "Медиатор тағайындалды",
        "cases.agreement_signed": "Медиация туралы шарт жасалды",
        "cases.in_mediation": "Қазір медиацияда",
        "cases.settled": "Реттелді",
        "cases.not_settled": "Реттелмеді",
        "cases.withdrawn": "Кері қайтарылды",
        "cases.terminated": "Тоқтатылды",
        "cases.ended_in_term": "Мерзімінде аяқталды",
        "cases.ended_late": "Мерзімінен кеш аяқталды",
        "cases.extended": "Мерзім ұзартылды",
        "cases.breached": "Міндеттемелер бұзылды",
        "cases.compliance_overdue": "Орындау мерзімі өтті",
        "escalations.raised": "Құқық қорғау органдарына хабарланды",
        "escalations.accepted": "Құқық қорғау органдары қабылдады",
        "escalations.accept_hours": "Қабылдауға дейінгі сағат",
        "councils.sessions_held": "Өткізілген отырыстар",
        "councils.quorum_failed": "Кворумсыз отырыстар",
        "councils.decisions_adopted": "Қабылданған шешімдер",
        "councils.decisions_rejected": "Қабылданбаған шешімдер",
        "recommendations.issued": "Берілген ұсынымдар",
        "recommendations.answered": "Жауап алынған ұсынымдар",
        "recommendations.implemented_on_time": "Мерзімінде орындалды",
        "recommendations.implemented_late": "Кешігіп орындалды",
        "recommendations.overdue": "Мерзімі өткен ұсынымдар",
    },
    "ru": {
        "total": "Всего",
        "KZ": "Республиканский уровень",
        "all": "все категории",
        "cases.registered": "Зарегистрировано дел",
        "cases.refused": "В медиации отказано",
        "cases.refused_reason": "Причины отказа",
        "cases.assigned": "Медиатор назначен",
        "cases.agreement_signed": "Заключён договор о медиации",
        "cases.in_mediation": "Сейчас в медиации",
        "cases.settled": "Урегулировано",
        "cases.not_settled": "Не урегулировано",
        "cases.withdrawn": "Отозвано",
        "cases.terminated": "Прекращено",
        "cases.ended_in_term": "Завершено в срок",
        "cases.ended_late": "Завершено с превышением срока",
        "cases.extended": "Срок продлён",
        "cases.breached": "Нарушены обязательства",
        "cases.compliance_overdue": "Просрочено исполнение",
        "escalations.raised": "Передано в правоохранительные органы",
        "escalations.accepted": "Принято правоохранительными органами",
        "escalations.accept_hours": "Часов до принятия",
        "councils.sessions_held": "Проведено заседаний",
        "councils.quorum_failed": "Заседания без кворума",
        "councils.decisions_adopted": "Принято решений",
        "councils.decisions_rejected": "Отклонено решений",
        "recommendations.issued": "Направлено рекомендаций",
        "recommendations.answered": "Получены ответы",
        "recommendations.implemented_on_time": "Исполнено в срок",
        "recommendations.implemented_late": "Исполнено с опозданием",
        "recommendations.overdue": "Просрочено рекомендаций",
    },
    "en": {
        "total": "Total",
        "KZ": "Republic level",
        "all": "all categories",
        "cases.registered": "Cases registered",
        "cases.refused": "Mediation refused",
        "cases.refused_reason": "Refusals by reason",
        "cases.assigned": "Mediator assigned",
        "cases.agreement_signed": "Mediation agreements signed",
        "cases.in_mediation": "In mediation now",
        "cases.settled": "Settled",
        "cases.not_settled": "Not settled",
        "cases.withdrawn": "Withdrawn",
        "cases.terminated": "Terminated",
        "cases.ended_in_term": "Ended within the term",
        "cases.ended_late": "Ended after the term",
        "cases.extended": "Term extended",
        "cases.breached": "Obligations breached",
        "cases.compliance_overdue": "Compliance overdue",
        "escalations.raised": "Escalations raised",
        "escalations.accepted": "Escalations accepted",
        "escalations.accept_hours": "Hours to acceptance",
        "councils.sessions_held": "Council sessions held",
        "councils.quorum_failed": "Sessions without quorum",
        "councils.decisions_adopted": "Decisions adopted",
        "councils.decisions_rejected": "Decisions rejected",
        "recommendations.issued": "Recommendations issued",
        "recommendations.answered": "Recommendations answered",
        "recommendations.implemented_on_time": "Implemented on time",
        "recommendations.implemented_late": "Implemented late",
        "recommendations.overdue": "Recommendations overdue",
    },
}

# Table titles by the table's key (a measure's key names its region x category table).
TABLES: dict[str, dict[str, str]] = {
    "kk": {
        "overview": "Өңірлер бойынша медиация істері",
        "cases.registered": "Өңірлер мен санаттар бойынша тіркелген істер",
        "escalations.raised": "Өңірлер бойынша құқық қорғау органдарына хабарланған істер",
        "councils": "Өңірлер бойынша қоғамдық келісім кеңестерінің жұмысы",
        "state_bodies": "Мемлекеттік органдар бойынша ұсынымдардың орындалуы",
    },
    "ru": {
        "overview": "Дела о медиации по регионам",
        "cases.registered": "Зарегистрированные дела по регионам и категориям",
        "escalations.raised": "Дела, переданные в правоохранительные органы, по регионам",
        "councils": "Работа советов общественного согласия по регионам",
        "state_bodies": "Исполнение рекомендаций по государственным органам",
    },
    "en": {
        "overview": "Mediation cases by region",
        "cases.registered": "Cases registered by region and category",
        "escalations.raised": "Cases escalated to law-enforcement bodies, by region",
        "councils": "Public Accord councils by region",
        "state_bodies": "Execution of recommendations by state body",
    },
}

CATEGORIES: dict[str, dict[str, str]] = {
    "kk": {
        "interethnic": "Этносаралық",
        "interfaith": "Конфессияаралық",
        "community": "Әлеуметтік-тұрмыстық",
        "family": "Отбасылық",
        "labour": "Еңбек",
        "land": "Жер",
        "neighbour": "Көршілік",
        "other": "Басқа",
    },
    "ru": {
        "interethnic": "Межэтнические",
        "interfaith": "Межконфессиональные",
        "community": "Социально-бытовые",
        "family": "Семейные",
        "labour": "Трудовые",
        "land": "Земельные",
        "neighbour": "Соседские",
        "other": "Прочие",
    },
    "en": {
        "interethnic": "Interethnic",
        "interfaith": "Interfaith",
        "community": "Community (social and household)",
        "family": "Family",
        "labour": "Labour",
        "land": "Land",
        "neighbour": "Neighbour",
        "other": "Other",
    },
}

METHODS: dict[str, dict[str, str]] = {
    "kk": {"farrington": "Фаррингтон", "ewma": "EWMA"},
    "ru": {"farrington": "Фаррингтон", "ewma": "EWMA"},
    "en": {"farrington": "Farrington", "ewma": "EWMA"},
}

MONTHS: dict[str, tuple[str, ...]] = {
    "kk": (
        "қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым",
        "шілде", "тамыз", "қыркүйек", "қазан", "қараша", "желтоқсан",
    ),
    "ru": (
        "январь", "февраль", "март", "апрель", "май", "июнь",
        "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip

# Russian dates name the month in the genitive: "15 января 2026 г.".
MONTHS_GENITIVE_RU = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip

# Day-month-year and month-year patterns, filled with str.format.
DATE_FORMATS: dict[str, tuple[str, str]] = {
    "kk": ("{year} жылғы {day} {month}", "{year} жылғы {month}"),
    "ru": ("{day} {month_genitive} {year} г.", "{month} {year} г."),
    "en": ("{day} {month} {year}", "{month} {year}"),
}

# Thousands and decimal separators.
NUMBER_FORMATS: dict[str, tuple[str, str]] = {
    "kk": ("\u00a0", ","),
    "ru": ("\u00a0", ","),
    "en": (",", "."),
}
