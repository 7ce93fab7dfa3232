"""The anonymity check finds anyone's phone (or part of one), e-mail, street address, case
number, exact date, IIN or BIN, bank account number (IBAN), identity document number, link and
name (with initials, a patronymic, an address, or a given name beside a surname), with no
source to compare with; and lets ordinary prose, places, institutions and official links pass."""

from __future__ import annotations

import pytest

from kelisim.anonymity import Identifying, check
from kelisim.anonymity.general import valid_iban, valid_iin
from tests.unit.kelisim.test_anonymity import found  # against the case's source

pytestmark = pytest.mark.db_independent

# What the form promises, whoever's it is: no phone, e-mail, address, case number or exact date.
NOBODY = Identifying()


def anyones(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in check(text, NOBODY)]


@pytest.mark.parametrize(
    ("planted", "kind"),
    [("+7 701 000 00 11", "phone"), ("8 701 000-00-11", "phone"), ("87010000011", "phone"),
     ("+77010000011", "phone"), ("8(727)2501234", "phone"), ("+7 (717) 250-12-34", "phone"),
     ("701 000 00 11", "phone"), ("250-12-34", "phone"),
     ("olga@mail.kz", "email"), ("Aigerim.K+mediation@gov.kz", "email"),
     ("ул. Абая 15", "address"), ("улица Жандосова, дом 8а", "address"),
     ("Абай көшесі, 15", "address"), ("Достық даңғылы 240", "address"),
     ("мкр Самал-2, д. 5", "address"), ("пр. Назарбаева 12/1", "address"),
     ("15 Abai street", "address"), ("Abai Avenue 15", "address"),
     ("KZ-71-2025-000123", "case_number"), ("kz 19 2026 000007", "case_number"),
     ("12.03.2026", "date"), ("2026-03-12", "date"), ("12/03/2026", "date"),
     ("12.03.26", "date"), ("12 марта 2026", "date"), ("12 марта 2026 г.", "date"),
     ("2026 жылғы 12 наурыз", "date"), ("12 наурыз 2026", "date"), ("March 12, 2026", "date"),
     ("12 March 2026", "date")],
)  # fmt: skip
def test_anyones_phone_email_address_case_number_or_exact_date_is_found(
    planted: str, kind: str
) -> None:
    """Not only the source's: a phone of another case, a neighbour's street, another date."""
    text = f"Екі тарап {planted} туралы келісті."
    assert anyones(text) == [(kind, planted.removesuffix(" г."))]


def test_what_the_qa_engineer_submitted_is_refused() -> None:
    text = (
        "Встреча прошла по адресу ул. Абая 15, кв. 3; звонили на +7 701 000 00 11, "
        "12.03.2026 стороны договорились, письмо ушло на olga@mail.kz."
    )
    assert anyones(text) == [
        ("address", "ул. Абая 15"),
        ("phone", "+7 701 000 00 11"),
        ("date", "12.03.2026"),
        ("email", "olga@mail.kz"),
    ]


def test_an_e_mail_is_found_as_an_e_mail_not_as_the_name_before_its_at() -> None:
    facts = Identifying(names=["Ольга Ким"])
    assert [(f.kind, f.text) for f in check("Пишите на olga@mail.kz.", facts)] == [
        ("email", "olga@mail.kz")
    ]


@pytest.mark.parametrize(
    "text",
    ["Сумма долга 1 500 000 тенге, выплачено 250 000 тенге.", "Согласно статье 15 Закона.",
     "п. 3.1.2 соглашения", "ст. 15, ч. 2", "Споры 2025-2026 годов", "в 2026 году",
     "в марте 2026 года", "2026 жылғы наурызда", "March 2026", "12 семей из 15 домов",
     "в 15 районах", "85% сторон", "1 234 567 тенге", "15 street vendors",
     "Абай көшесінде", "на улице Абая", "за 12 месяцев", "12 decisions, 2026",
     "KZ-75", "1.2.10", "код 8 800"],
)  # fmt: skip
def test_ordinary_numbers_years_and_months_are_not_findings(text: str) -> None:
    assert anyones(text) == []


@pytest.mark.parametrize(
    ("text", "kind", "piece"),
    [("ИИН стороны 900101300123.", "identity_number", "900101300123"),
     ("Номер 900101300123 указан в заявлении", "identity_number", "900101300123"),
     ("БИН кафе 140340012345", "identity_number", "140340012345"),
     ("ЖСН 900101 300126 көрсетілген", "identity_number", "900101 300126"),
     ("IIN 9001-0130-0126", "identity_number", "9001-0130-0126"),
     ("Удостоверение личности № 045123456", "document_number", "045123456"),
     ("жеке куәлік нөмірі 045123456 болды", "document_number", "045123456"),
     ("ID card No. 045123456", "document_number", "045123456"),
     ("паспорт серии N12345678", "document_number", "N12345678"),
     ("he showed N 12345678", "document_number", "N 12345678"),
     ("https://t.me/omarov_b", "link", "https://t.me/omarov_b"),
     ("Жазыңыз: t.me/omarov_b.", "link", "t.me/omarov_b"),
     ("страница instagram.com/omarov.b", "link", "instagram.com/omarov.b"),
     ("see www.facebook.com/people/x", "link", "www.facebook.com/people/x"),
     ("писал @omarov_b в чате", "link", "@omarov_b"),
     ("Телефон заканчивался на 00-50", "phone", "00-50"),
     ("номер телефона оканчивается на 50", "phone", "50"),
     ("тел. 12-34", "phone", "12-34"),
     ("телефон нөмірі *** 45 67", "phone", "*** 45 67"),
     ("his phone ending in 4567", "phone", "4567"),
     ("WhatsApp: 45 67 89", "phone", "45 67 89")],
)  # fmt: skip
def test_identity_numbers_document_numbers_links_and_parts_of_phones_are_found(
    text: str, kind: str, piece: str
) -> None:
    """What the QA session got into the shared library: each identifies someone on its own."""
    assert anyones(text) == [(kind, piece)]
    (finding,) = check(text, NOBODY)
    assert text[finding.start : finding.end] == piece


def test_the_iin_check_digit_is_the_official_one() -> None:
    assert valid_iin("900101300126") and valid_iin("061211600012")
    assert not valid_iin("900101300123") and not valid_iin("90010130012")
    # twelve digits grouped as figures are an IIN only when the check digit is right
    assert anyones("ИИН 900101 300123") == []


@pytest.mark.parametrize(
    "text",
    ["Статья 73 Закона о медиации, ст. 115 УК РК, п. 2 ст. 8.", "Споры 2025-2026 годов.",
     "Долг 1 500 000 тенге, выплачено 250 000 тенге, остаток 12 500 тенге.",
     "Стороны говорили по телефону 12 раз, по 10-15 минут.", "Звонили в 2025 году.",
     "За 2026 год 150 000 000 тенге по 12 делам.", "Телефонный разговор длился 20 минут.",
     "Кездесу 3 сағатқа созылды, 2 рет телефонмен сөйлесті.", "Сайт egov.kz.",
     "Паспорт выдан в 2015 году; удостоверение получено 3 года назад.",
     "Closed with 85% of 120 cases; ID checks took 2 days.", "Площадь участка 600 кв. м."],
)  # fmt: skip
def test_ordinary_mediation_prose_with_numbers_is_not_refused(text: str) -> None:
    assert anyones(text) == []


@pytest.mark.parametrize(
    "text",
    ["По Закону о медиации (https://adilet.zan.kz/rus/docs/Z1100000401), ст. 8.",
     "Медиация туралы заң: https://adilet.zan.kz/kaz/docs/Z1100000401#z12.",
     "see adilet.zan.kz/eng/docs/Z1100000401", "http://adilet.zan.kz/rus/docs/Z1100000401",
     "https://zan.kz/ru/law/view/1", "www.zan.kz/ru/law/view/1",
     "https://www.gov.kz/memleket/entities/adilet/press/news/details/512345?lang=ru",
     "https://www.gov.kz/memleket/entities/almaty/documents/1/2/3",
     "https://stat.gov.kz/ru/industries/social-statistics/demography/",
     "https://egov.kz/cms/ru/law/list/Z1100000401", "https://www.egov.kz/cms/kk",
     "https://www.akorda.kz/ru/official_documents/constitution", "https://www.parlam.kz/ru/mazhilis",
     "HTTPS://ASSEMBLY.KZ/ru/"],
)  # fmt: skip
def test_a_link_to_an_official_source_of_law_may_be_cited(text: str) -> None:
    """A mediator cites the law they relied on: the official host names no one."""
    assert anyones(text) == []


@pytest.mark.parametrize(
    "link",
    ["https://wa.me/77010000011", "https://vk.com/omarov", "https://instagram.com/omarov.b",
     "https://omarov.kz/about", "ftp://adilet.zan.kz/rus/docs/Z1100000401",
     "https://olga@adilet.zan.kz/rus/docs/Z1100000401",
     "https://adilet.zan.kz@omarov.kz/rus", "https://adilet.zan.kz:8443/rus/docs/Z1",
     "https://adilet.zan.kz.omarov.kz/rus", "https://notgov.kz/x", "https://dialog.egov.kz/blogs/1",
     "https://sud.gov.kz/rus/decisions/1",
     "https://www.gov.kz/x?phone=%2B77010000011", "https://www.gov.kz/x?tel=77010000011",
     "https://www.gov.kz/x?mail=olga%40mail.kz", "https://adilet.zan.kz/rus?iin=900101300126",
     "https://www.gov.kz/x?q=ул.+Абая+15", "https://www.gov.kz/x#12.03.2026",
     "https://www.gov.kz/x?tel=12-34"],
)  # fmt: skip
def test_any_other_link_or_one_carrying_personal_data_is_still_refused(link: str) -> None:
    assert anyones(f"Смотрите {link} там.") == [("link", link)]


def test_a_name_of_the_source_in_an_official_link_is_still_found() -> None:
    assert found("https://www.gov.kz/memleket/news/zhanar") == [("name", "zhanar")]


@pytest.mark.parametrize(
    ("text", "piece"),
    [("Оплата на счёт KZ86 125K ZT50 0410 0100 в 2026 году.", "KZ86 125K ZT50 0410 0100"),
     ("шотқа KZ86125KZT5004100100 аударды", "KZ86125KZT5004100100"),
     ("IBAN: kz86125kzt5004100100.", "kz86125kzt5004100100"),
     ("KZ86 125K ZT50 0410 0100 2026 жылы", "KZ86 125K ZT50 0410 0100"),
     ("paid to DE89 3704 0044 0532 0130 00 in full", "DE89 3704 0044 0532 0130 00"),
     ("счёт GB82WEST12345698765432 в Лондоне", "GB82WEST12345698765432")],
)  # fmt: skip
def test_a_bank_account_number_of_any_country_is_found(text: str, piece: str) -> None:
    assert anyones(text) == [("iban", piece)]
    (finding,) = check(text, NOBODY)
    assert text[finding.start : finding.end] == piece


@pytest.mark.parametrize(
    "text",
    ["Счёт KZ86125KZT5004100101 указан с ошибкой.", "KZ87 125K ZT50 0410 0100",
     "AB12 3456 7890 1234 5678", "DE89 3704 0044 0532 0130 01",
     "Долг 1 500 000 тенге, выплачено 250 000 тенге по ст. 15 ГК РК.",
     "Статьи 73 и 115 УК РК, п. 2 ст. 8 Закона, 12 семей из 15 домов.",
     "КоАП РК ст 73-1, 2026 год"],
)  # fmt: skip
def test_what_fails_the_iban_check_digits_and_ordinary_prose_are_not_bank_accounts(
    text: str,
) -> None:
    assert anyones(text) == []


def test_the_iban_check_is_iso_13616_mod_97() -> None:
    assert valid_iban("KZ86125KZT5004100100") and valid_iban("kz86 125k zt50 0410 0100")
    assert valid_iban("DE89370400440532013000")
    assert not valid_iban("KZ86125KZT5004100101")  # a character changed
    assert not valid_iban("KZ8612KZT5004100100")  # a Kazakh IBAN has 20 characters


@pytest.mark.parametrize(
    ("text", "name"),
    [("Мәселені А.Б. Жұмабеков шешті.", "А.Б. Жұмабеков"),
     ("Мәселені А. Б. Жұмабеков шешті.", "А. Б. Жұмабеков"),
     ("Ответственный: Смагулов Е.К., аким района.", "Смагулов Е.К."),
     ("Предложение внёс Т. Ахметов.", "Т. Ахметов"),
     ("Письмо передано Ахметову Т. в тот же день.", "Ахметову Т."),
     ("Жиналысты Ерлан Қайратұлы басқарды.", "Ерлан Қайратұлы"),
     ("Слово взяла Ольга Викторовна.", "Ольга Викторовна"),
     ("Обратились к г-ну Сидорову.", "г-ну Сидорову"),
     ("Комиссия: господин Сидоров.", "господин Сидоров"),
     ("The committee heard Mr. Brown.", "Mr. Brown"),
     ("Кеңесте Гүлнар ханым сөйледі.", "Гүлнар ханым"),
     ("Ұсынысты Н. Тоқаевқа жібердік.", "Н. Тоқаевқа")],
)  # fmt: skip
def test_anyones_name_written_with_initials_a_patronymic_or_an_address_is_found(
    text: str, name: str
) -> None:
    """Not a party of the case (a witness, an official, anyone in a proposal): the form tells
    a person's name."""
    assert found(text) == [("name", name)]


@pytest.mark.parametrize(
    "text",
    ["Г. Алматы провёл три сессии.", "г. Петропавловск и Ивановская область.",
     "В Петропавловске прошло заседание.", "Назарбаев Университет принял делегацию.",
     "Ұлы Дала елінің дәстүрлері.", "Т.е. Аким района ответил.", "И.о. акима ответил.",
     "U.S. Embassy and U.N. agencies.", "Республика Казахстан, ст. 5 п. 2 Закона РК.",
     "Совет рекомендовал Акимату Костанайской области."],
)  # fmt: skip
def test_places_abbreviations_and_institutions_are_not_names_by_form(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [("Иван Петров ұсынысты қабылдады.", "Иван Петров"),
     ("Жанар Сейткали келісімге қол қойды.", "Жанар Сейткали"),
     ("Со стороны истца выступила Асель Нурланова.", "Асель Нурланова"),
     ("Applicant: Petrov Ivan, the neighbour.", "Petrov Ivan"),
     ("Нұрлан Жұмабаев медиаторға жүгінді.", "Нұрлан Жұмабаев"),
     ("Хат Иван Петровқа жіберілді.", "Иван Петровқа"),
     ("Стороны пригласили Ивана Петрова на встречу.", "Ивана Петрова"),
     ("Медиатор Жанар Сейткалиевамен кездесті.", "Жанар Сейткалиевамен"),
     ("Жұмабаев Нұрлан кездесуге келмеді.", "Жұмабаев Нұрлан"),
     ("The neighbour Zhanar Seitkali agreed.", "Zhanar Seitkali"),
     ("Asel Nurlanova signed the agreement.", "Asel Nurlanova"),
     ("Договор подписала Ольга Смирнова.", "Ольга Смирнова"),
     ("Спор урегулирован с Сергеем Кузнецовым.", "Сергеем Кузнецовым"),
     ("Встреча с Анной Ивановой прошла спокойно.", "Анной Ивановой"),
     ("Дау Асқар Бекболатовпен келіспеуден басталды.", "Асқар Бекболатовпен"),
     ("Гүлнар Ахметованың арызы қаралды.", "Гүлнар Ахметованың"),
     ("Kairat Abenov and the akimat settled.", "Kairat Abenov"),
     ("Dmitry Sokolov withdrew the claim.", "Dmitry Sokolov"),
     ("Заявитель: ПЕТРОВ Иван, сосед.", "ПЕТРОВ Иван"),
     ("Келісімге Нұрсұлтан Серікбай қол қойды.", "Нұрсұлтан Серікбай"),
     ("Айгүл Төлеген екі кездесуге қатысты.", "Айгүл Төлеген"),
     ("Претензию направила Светлана Ковалевская.", "Светлана Ковалевская"),
     ("Aigerim Tulegenova came to the session.", "Aigerim Tulegenova"),
     ("Сообщил аким района Иван Петров.", "Иван Петров"),
     ("Witness: Marat Yerlanovich, a neighbour.", "Marat Yerlanovich"),
     ("Заявление подал Иванов Иван Иванович.", "Иванов Иван Иванович"),
     ("Заявитель: Петров, Иван (сосед).", "Петров, Иван"),
     ("Өтініш берген: Жұмабаев, Нұрлан.", "Жұмабаев, Нұрлан"),
     ("Applicant: Zhumabayev, Nurlan.", "Zhumabayev, Nurlan")],
)  # fmt: skip
def test_anyones_given_name_with_a_surname_is_found_in_either_order_and_any_case(
    text: str, name: str
) -> None:
    """A proposal or a note's general text has no list of names to compare with: a common
    given name next to a surname tells a person (Kazakh, Russian and Latin, inflected)."""
    assert anyones(text) == [("name", name)]
    (finding,) = check(text, NOBODY)
    assert text[finding.start : finding.end] == name


@pytest.mark.parametrize(
    "text",
    ["Абай ауданы бойынша медиация орталығы ашылды.", "На улице Абая открыли кабинет медиации.",
     "Қазыбек би ауданының тұрғындары келісімге келді.", "Алматы облысы бойынша 12 іс қаралды.",
     "Назарбаев Университет принял делегацию.", "Қарағанды қаласында кеңес өтті.",
     "Есиль ауданының әкімдігі қатысты.", "Офис находится на проспекте Назарбаева.",
     "Мағжан Жұмабаев ауданында жер дауы шешілді.", "В районе Магжана Жумабаева прошёл совет.",
     "Абай Құнанбаев атындағы мектепте кездесу өтті.",
     "Совет прошёл в школе имени Шокана Уалиханова.",
     "Три спора на улице Шокана Валиханова решены.",
     "Мұхтар Әуезов театры маңында дау туды.", "Nazarbayev University hosted the council.",
     "The office is on Abai Kunanbayev Street.", "Әлихан Бөкейхан көшесіндегі көршілер келісті.",
     "В марте Аким района и Прокурор города провели совет.",
     "Мамыр айында Кеңес отырысы өтті, Наурыз мейрамынан кейін.",
     "Дело вёл судья Петров; Президент Тоқаев подписал указ.",
     "Марат Астанаға, Айгүл Қарағандыға көшті.", "Ерлан мен Асқар келісті.",
     "Қонаев қаласында медиация орталығы ашылды.",
     "Жоғарғы Сот пен Бас Прокуратура, Медиаторлар Кеңесі.",
     "Республика Казахстан, Костанайская область, Северо-Казахстанская область.",
     "Иван бауырымен, Жанар көршісімен келісті.", "Серік Жанарға хат жазды.",
     "Бауыржан Момышұлы даңғылындағы үйлер.", "Ахмет Байтұрсынұлы атындағы университет.",
     "Л.Н. Гумилев атындағы Еуразия ұлттық университеті.",
     "Мемлекет басшысы Қасым-Жомарт Тоқаевтың Жолдауында айтылғандай.",
     "Президент Касым-Жомарт Токаев поручил расширить медиацию.",
     "Марат, Айгүл және Асель келісті.", "В Саратове, Иван сказал, всё решено.",
     "Назарбаев, Тоқаев және Абай туралы баяндама."],
)  # fmt: skip
def test_places_institutions_titles_and_a_surname_alone_are_not_a_bare_name(text: str) -> None:
    """A place or an institution named after a person (a district, a street, a school), the
    Head of State named with the office, a title, a month, a surname alone or a given name
    alone: ordinary practice text."""
    assert anyones(text) == []
