"""The yearly report's methodology page in Kazakh, Russian and English: where the figures come
from, the confidentiality rule and the early-warning detector."""

from __future__ import annotations

# The methodology page: (heading, paragraphs) per subsection.
METHODOLOGY: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "kk": (
        (
            "Деректер көзі және көрсеткіштер",
            (
                "Есеп Kelisim жүйесіндегі медиация істерінің тізілімі мен қоғамдық келісім "
                "кеңестерінің құжаттары негізінде жасалды. Есепте жеке деректер жоқ: барлық "
                "көрсеткіштер жиынтық түрде беріледі.",
                "Әр көрсеткіш жыл ішіндегі оқиғаларды (істің тіркелуі, реттелуі және т.б.) "
                "олар болған ай бойынша, Қазақстан уақытымен, өңір және дау санаты бойынша "
                "есептейді. «Қазір медиацияда» көрсеткіші есеп жасалған күнгі ашық істерді "
                "көрсетеді. Кеңестер бөлімінде отырыстар, шешімдер, мемлекеттік органдарға "
                "берілген ұсынымдар және олардың белгіленген мерзімде орындалуы көрсетіледі.",
            ),
        ),
        (
            "Құпиялылықты қорғау ережесі",
            (
                "1-ден 4-ке дейінгі мәндер жарияланбайды және × белгісімен көрсетіледі. "
                "Жасырылған мәндердің ешқайсысын жарияланған сандардан есептеп шығару мүмкін "
                "болмайынша басқа мәндер де — ұяшықтар немесе жиынтықтар — жасырылады "
                "(қайталама жасыру). Бөлгіші жасырылған үлестер мен коэффициенттер "
                "көрсетілмейді. Нөл мәні жарияланады.",
            ),
        ),
        (
            "Ерте ескерту детекторы",
            (
                "Сигналдарды Фаррингтон әдісіне негізделген детектор береді: әр өңір мен "
                "санат бойынша өткен айлардағы істер санына тренд пен маусымдық мүшелері бар "
                "квазипуассондық регрессия бағаланады. Бұрын өршу байқалған айлардың салмағы "
                "азайтылады, сондықтан олар базалық деңгейді көтермейді.",
                "Ағымдағы ай үшін күтілген сан мен оның жоғарғы шегі есептеледі. Байқалған "
                "сан жоғарғы шектен асып, кемінде 5 болса, сигнал беріледі. Тарихы 6–23 ай "
                "болатын қатарлар үшін экспоненциалды өлшенген жылжымалы орта (EWMA) "
                "қолданылады; бұдан қысқа қатарлар бағаланбайды.",
                "Әр ай сайын көптеген қатарлар бір мезгілде тексерілетіндіктен, олардың "
                "p-мәндері Бенджамини — Хохберг рәсімі бойынша бірге түзетіледі; бұл жалған "
                "дабылдардың үлесін шектейді.",
                "Асу көрсеткіші = (байқалған − күтілген) / (жоғарғы шек − күтілген). "
                "1-ден жоғары мән байқалған санның жоғарғы шектен асқанын білдіреді.",
                "Күтілетін сан есептелетін айлардың бірі кестелерде жасырылған болса, сол "
                "ескертудің күтілетін саны, жоғарғы шегі және асу көрсеткіші де × болып "
                "көрсетіледі: олар жасырылған айды анықтауға мүмкіндік берер еді.",
            ),
        ),
    ),
    "ru": (
        (
            "Источник данных и показатели",
            (
                "Отчёт подготовлен на основе реестра дел о медиации и документов советов "
                "общественного согласия в системе Kelisim. Персональных данных в отчёте нет: "
                "все показатели приводятся в агрегированном виде.",
                "Каждый показатель учитывает события года (регистрацию дела, урегулирование "
                "и т. д.) в том месяце, когда они произошли, по времени Казахстана, в разрезе "
                "региона и категории спора. Показатель «Сейчас в медиации» отражает дела, "
                "открытые на дату формирования отчёта. В разделе о советах приводятся "
                "заседания, решения, рекомендации государственным органам и их исполнение в "
                "установленный срок.",
            ),
        ),
        (
            "Правило защиты конфиденциальности",
            (
                "Значения от 1 до 4 не публикуются и обозначены знаком ×. Кроме того, "
                "скрываются и другие значения — ячейки или итоги, — пока ни одно скрытое "
                "значение нельзя вычислить по опубликованным (вторичное подавление). Доли и "
                "коэффициенты со скрытым знаменателем не приводятся. Нулевые значения "
                "публикуются.",
            ),
        ),
        (
            "Детектор раннего предупреждения",
            (
                "Сигналы формирует детектор по методу Фаррингтона: для каждого региона и "
                "категории по помесячному числу дел за прошлые периоды оценивается "
                "квазипуассоновская регрессия с трендом и сезонными членами. Месяцы прошлых "
                "вспышек учитываются с пониженным весом, чтобы не завышать базовый уровень.",
                "Для текущего месяца рассчитываются ожидаемое значение и его верхняя граница. "
                "Сигнал подаётся, если наблюдаемое число превышает верхнюю границу и "
                "составляет не менее 5. Для рядов с историей от 6 до 23 месяцев используется "
                "экспоненциально взвешенное скользящее среднее (EWMA); более короткие ряды "
                "не оцениваются.",
                "Поскольку ежемесячно проверяется много рядов одновременно, их p-значения "
                "корректируются совместно по процедуре Бенджамини — Хохберга, что ограничивает "
                "долю ложных тревог.",
                "Индекс превышения = (наблюдаемое − ожидаемое) / (верхняя граница − "
                "ожидаемое). Значение больше 1 означает, что наблюдаемое число превысило "
                "верхнюю границу.",
                "Если один из месяцев, по которым рассчитано ожидаемое число, скрыт в "
                "таблицах, ожидаемое число, верхняя граница и индекс превышения этого "
                "предупреждения тоже показаны как ×: по ним можно было бы вычислить скрытый "
                "месяц.",
            ),
        ),
    ),
    "en": (
        (
            "Sources and measures",
            (
                "The report is drawn from Kelisim's register of mediation cases and the "
                "records of the Public Accord councils. It holds no personal data: every "
                "figure is an aggregate.",
                "Each figure counts the year's events (a case registered, settled and so on) "
                "in the month they happened, in Kazakhstan's time, by region and category of "
                "dispute. “In mediation now” counts the cases open on the day the report was "
                "generated. The council section counts sessions, decisions and "
                "recommendations to state bodies, and whether these were carried out by "
                "their deadline.",
            ),
        ),
        (
            "Confidentiality rule",
            (
                "Counts of 1 to 4 are not published and are shown as ×. Further figures, "
                "cells or totals, are hidden as well, until no hidden count can be worked out "
                "from the figures that are published (secondary suppression). Shares and "
                "rates whose denominator is hidden are not shown. Zeros are published.",
            ),
        ),
        (
            "Early-warning detector",
            (
                "Alerts come from a Farrington-style detector: for each region and category, "
                "a quasi-Poisson regression with a trend and seasonal terms is fitted to the "
                "monthly counts of past periods. Months that were themselves outbreaks are "
                "down-weighted, so they do not raise the baseline.",
                "For the current month the detector computes the expected count and its "
                "upper bound. An alert is raised when the observed count is above the upper "
                "bound and is at least 5. Series with 6 to 23 months of history use an "
                "exponentially weighted moving average (EWMA) instead; shorter series are not "
                "assessed.",
                "Because many series are tested every month, their p-values are corrected "
                "together with the Benjamini–Hochberg procedure, which keeps the share of "
                "false alarms under control.",
                "Exceedance score = (observed − expected) / (upper bound − expected). A score "
                "above 1 means the observed count was above the upper bound.",
                "Where a month the expected count is computed from is hidden in the tables, "
                "the alert's expected count, upper bound and score are shown as × as well: "
                "they would narrow the hidden month down.",
            ),
        ),
    ),
}
