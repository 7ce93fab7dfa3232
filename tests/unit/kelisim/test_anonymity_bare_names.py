"""The anonymity check finds anyone's bare name written in lowercase, and a given name that is
also a place, a month or a word when a surname stands beside it; ordinary prose, places and
holidays pass (kelisim.anonymity.persons, kelisim.anonymity.lowercase)."""

from __future__ import annotations

import pytest

from kelisim.anonymity import Identifying, check

pytestmark = pytest.mark.db_independent


def anyones(text: str) -> list[tuple[str, str]]:
    found = check(text, Identifying())
    assert all(text[f.start : f.end] == f.text for f in found)
    return [(f.kind, f.text) for f in found]


@pytest.mark.parametrize(
    ("text", "name"),
    [("на встречу пришёл иван петров, сосед заявителя.", "иван петров"),
     ("заявитель: петров иван, проживает рядом.", "петров иван"),
     ("кездесуге асқар нұрланұлы келмеді.", "асқар нұрланұлы"),
     ("со стороны ответчика выступила айгуль сапарова.", "айгуль сапарова"),
     ("стороны пригласили ивана петрова на вторую встречу.", "ивана петрова"),
     ("медиатор поговорил с анной ивановой по телефону.", "анной ивановой"),
     ("письмо передали ивану петрову в тот же день.", "ивану петрову"),
     ("медиатор жанар сейткалиевамен кездесті.", "жанар сейткалиевамен"),
     ("хат айгүл сапароваға жіберілді.", "айгүл сапароваға"),
     ("арызды петров иванға тапсырдық.", "петров иванға"),
     ("куә гүлнар ахметқызы сөз алды.", "гүлнар ахметқызы"),
     ("жиналысты ерлан нурланулы жүргізді.", "ерлан нурланулы"),
     ("заявление подал иванов иван иванович.", "иванов иван иванович"),
     ("слово взяла ольга смирнова, соседка.", "ольга смирнова"),
     ("the neighbour asel nurlanova agreed.", "asel nurlanova"),
     ("ответчик Иван петров возражал.", "Иван петров"),
     # a common word as a name, beside a Kazakh patronymic no prose word has
     ("кездесуге мақсат серікұлы қатысты.", "мақсат серікұлы")],
)  # fmt: skip
def test_anyones_name_written_in_lowercase_is_found(text: str, name: str) -> None:
    """A summary typed in a hurry, all in lowercase, still names the person."""
    assert anyones(text) == [("name", name)]


@pytest.mark.parametrize(
    "text",
    ["роза ветров учтена при размещении котельной, соседи не возражали.",
     "вера в закон и доверие к медиатору помогли сторонам.",
     "любовь к родине и любовь супругов здесь ни при чём.",
     "родительская любовь не зависит от решения суда, отметил медиатор.",
     "у заявителя сохранилась надежда снова договориться с соседом.",
     "исторический роман и семейная библиотека переданы дочери.",
     "спор о границе участков решён, марки товаров указаны в акте.",
     "мать готова уступить, отец здоров; основа соглашения была готова.",
     "половина участка отходит истцу, причина спора устранена.",
     "мужчина и женщина согласились на график встреч.",
     "юридическая помощь оказана бесплатно, психологическая поддержка тоже.",
     "рассмотрено 15 споров, 12 договоров подписано, опыт казахских медиаторов учтён.",
     "лев толстой писал о семье; Лев Толстой тоже.",
     "максим был уверен, что спор решится; ответчик петров возражал.",
     "жер учаскесінің шекарасы туралы даулы мәселе шешілді.",
     "тараптар сот қаулысын орындауға келісті, есік жабулы болды.",
     "мақсат жазулы: тараптар бітімге келді.",
     "тараптар ақша төлеген соң дау аяқталды, берік келісім жасалды.",
     "ерлі-зайыптылардың ұлы мен қызы әкесімен қалды.",
     "медиатор машинаға мініп, магазинге барды; дисциплина мен медицина.",
     "жыл сайын кездесу өтеді, күн сайын хабарласады.",
     "марат пен асқар келісті, ерлан ағай мен жанар апай қатысты.",
     "свидетели: соседи петровых, иван и его брат."],
)  # fmt: skip
def test_ordinary_lowercase_prose_is_not_a_name(text: str) -> None:
    """A given name that is a word (вера, любовь, роман, мақсат) beside a word shaped as a
    surname: prose."""
    assert anyones(text) == []


@pytest.mark.parametrize(
    "text",
    ["на встречах анна споров не допускала.",  # a woman's name, a man's surname's shape
     "у ивана споров с соседом не было.",  # a genitive beside a nominative
     "иван готов подписать соглашение, анна готова уступить.",  # common words so shaped
     "иван причин отказа не назвал.",  # -чин, -щина: мужчин, причин, женщина
     "иван документов не принёс, медиатор отложил встречу.",  # a common plural
     "марат казахский язык знает, иван юридический факультет окончил.",  # adjectives
     "ерлан жабулы есікті ашты.",  # -улы after no name: an adjective
     "после трёх встреч не осталось споров, иван согласился."],  # a comma: a list
)  # fmt: skip
def test_a_lowercase_given_name_beside_a_word_that_does_not_agree_is_prose(text: str) -> None:
    """A listed given name written in lowercase beside a word shaped as a surname that does
    not agree with it in gender or case, a common word so shaped, or past a comma."""
    assert anyones(text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [("Наурыз Абенов келісімге қол қойды.", "Наурыз Абенов"),
     ("Жамбыл Сатыбалдиев медиаторға жүгінді.", "Жамбыл Сатыбалдиев"),
     ("Со стороны истца выступил Нұр Ахметов.", "Нұр Ахметов"),
     ("Заявитель: Абенов, Наурыз.", "Абенов, Наурыз"),
     ("Арызды Сұлтан Жұмабаев берді.", "Сұлтан Жұмабаев"),
     ("Встречу вела Жібек Сапарова.", "Жібек Сапарова"),
     ("Хат Ислам Қасымовқа жіберілді.", "Ислам Қасымовқа"),
     ("Дауды Наурыз Мейрамбек бастады.", "Наурыз Мейрамбек")],
)  # fmt: skip
def test_a_given_name_that_is_also_a_place_or_a_month_is_found_beside_a_surname(
    text: str, name: str
) -> None:
    assert anyones(text) == [("name", name)]


@pytest.mark.parametrize(
    "text",
    ["Жамбыл облысы бойынша 12 іс қаралды.", "Жамбыл ауданы әкімдігі қатысты.",
     "Совет прошёл в Жамбылской области.", "Наурыз мейрамынан кейін кездестік.",
     "Наурыз мейрамы алдында тараптар татуласты.", "После праздника Наурыз стороны встретились.",
     "Офис на улице Жамбыла, рядом с парком.", "Офис на улице Жамбыла Жабаева.",
     "Жамбыл Жабаев атындағы мектепте кездесу өтті.", "Нұр Отан партиясының өкілі келді.",
     "Нұр-Сұлтан Назарбаев туралы баяндама.", "Сұлтан Жібек көшелері.",
     "Кеңестер Алтай Дархан және Самал ықшамаудандарында өтті.",
     "Наурыз айында Есіл ауданында кеңес өтті."],
)  # fmt: skip
def test_places_months_and_holidays_that_are_given_names_stay_clean(text: str) -> None:
    assert anyones(text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [("Договор подписала Вера Петрова.", "Вера Петрова"),
     ("Медиатор Роман Ветров провёл встречу.", "Роман Ветров"),
     ("Келісімге Мақсат Жұмабаев қол қойды.", "Мақсат Жұмабаев")],
)  # fmt: skip
def test_a_capitalised_given_name_that_is_a_word_in_lowercase_is_still_a_name(
    text: str, name: str
) -> None:
    assert anyones(text) == [("name", name)]


@pytest.mark.parametrize(
    ("text", "name"),
    [("медиатор жанар сейткали мен кездесті.", "жанар сейткали"),
     ("арызды айгүл ерлан берді, ол көршісі.", "айгүл ерлан"),
     ("Жанар сейткали келісімге қол қойды.", "Жанар сейткали"),
     ("тізімде сейткали жанар бар, ол жер иесі.", "сейткали жанар"),
     ("на встречу пришла асель нурлан, соседка истца.", "асель нурлан"),
     ("the neighbour zhanar seitkali agreed.", "zhanar seitkali")],
)  # fmt: skip
def test_a_kazakh_fathers_name_as_a_surname_is_found_in_lowercase(text: str, name: str) -> None:
    """Many Kazakhs write their father's given name as their surname, without -ұлы/-қызы."""
    assert anyones(text) == [("name", name)]


@pytest.mark.parametrize(
    ("text", "name"),
    [("заявитель: петров, иван, проживает рядом.", "петров, иван"),
     ("со стороны ответчика — сапарова, айгуль.", "сапарова, айгуль"),
     ("арыз берген: ахметов, нұрлан.", "ахметов, нұрлан"),
     ("Заявитель: Петров, иван пришёл с соседом.", "Петров, иван")],
)  # fmt: skip
def test_a_registers_order_is_found_in_lowercase(text: str, name: str) -> None:
    """The surname, a comma and the given name, as copied from a list, typed in lowercase."""
    assert anyones(text) == [("name", name)]


@pytest.mark.parametrize(
    "text",
    ["иван кредитов не брал, долг возник из расписки соседу.",
     "иван соседов на встречу не позвал.",
     "иван налогов за участок не платил три года.",
     "иван счетов за свет не оплачивал, сосед подал жалобу.",
     "иван братьев на раздел наследства не позвал.",
     "марат клиентов к нотариусу не приводил.",  # borrowed nouns, by their final
     "иван аргументов против раздела дома не привёл.",
     "ерлан депозитов не открывал, деньги хранил дома.",
     "у семьи не осталось кредитов, иван устроился на работу.",  # a clause's end
     "у заявителя нет долгов перед соседом; иван без документов не пришёл."],
)  # fmt: skip
def test_a_given_name_before_a_common_nouns_plural_is_prose(text: str) -> None:
    """A man's given name before a noun's genitive plural, which ends as a surname does."""
    assert anyones(text) == []


@pytest.mark.parametrize(
    "text",
    ["жанар ерік білдірді, келісімге келуге дайын.",  # ерік: "will"
     "бітімге келгенде жанар қуандық деді.",  # қуандық: "we were glad"
     "тараптар берік бейбіт келісім жасады.",
     "жанар маратқа хат жазды, асқар келісті.",  # an inflected name: a sentence
     "қыздары жанар айгүл екеуі анасымен қалды.",  # no man's name: no father's
     "свидетели иван андрей и ольга подтвердили границу.",  # a father's name is Kazakh
     "марат, жанар және асқар жер дауын шешті."],  # given names after a comma: a list
)  # fmt: skip
def test_given_names_side_by_side_in_prose_are_no_fathers_name(text: str) -> None:
    assert anyones(text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [("Иван Кредитов займ не погасил.", "Иван Кредитов"),  # a capital: the writer's name
     ("иван викторов подписал соглашение о границе.", "иван викторов"),  # Виктор's son
     ("ерлан сабитов келісімге қол қойды.", "ерлан сабитов")],  # Сәбит's son
)  # fmt: skip
def test_a_surname_shaped_as_a_nouns_plural_is_still_a_name(text: str, name: str) -> None:
    """A capitalised one, and a lowercase one whose stem is a given name's."""
    assert anyones(text) == [("name", name)]
