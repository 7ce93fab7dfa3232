"""The first-level units of Kazakhstan (ISO 3166-2:KZ, numeric codes since 2022) in kk/ru/en."""

from __future__ import annotations

from typing import NamedTuple


class Region(NamedTuple):
    """One region or city of republican significance, named in the three languages."""

    code: str
    kk: str
    ru: str
    en: str

    def name(self, lang: str) -> str:
        """The name in `lang` (kk, ru, en), Kazakh when the language is unknown."""
        return getattr(self, lang, self.kk) if lang in ("kk", "ru", "en") else self.kk


REGIONS: dict[str, Region] = {
    r.code: r
    for r in (
        Region("KZ-10", "Абай облысы", "область Абай", "Abai Region"),
        Region("KZ-11", "Ақмола облысы", "Акмолинская область", "Akmola Region"),
        Region("KZ-15", "Ақтөбе облысы", "Актюбинская область", "Aktobe Region"),
        Region("KZ-19", "Алматы облысы", "Алматинская область", "Almaty Region"),
        Region("KZ-23", "Атырау облысы", "Атырауская область", "Atyrau Region"),
        Region(
            "KZ-27",
            "Батыс Қазақстан облысы",
            "Западно-Казахстанская область",
            "West Kazakhstan Region",
        ),
        Region("KZ-31", "Жамбыл облысы", "Жамбылская область", "Jambyl Region"),
        Region("KZ-33", "Жетісу облысы", "область Жетісу", "Jetisu Region"),
        Region("KZ-35", "Қарағанды облысы", "Карагандинская область", "Karaganda Region"),
        Region("KZ-39", "Қостанай облысы", "Костанайская область", "Kostanay Region"),
        Region("KZ-43", "Қызылорда облысы", "Кызылординская область", "Kyzylorda Region"),
        Region("KZ-47", "Маңғыстау облысы", "Мангистауская область", "Mangystau Region"),
        Region("KZ-55", "Павлодар облысы", "Павлодарская область", "Pavlodar Region"),
        Region(
            "KZ-59",
            "Солтүстік Қазақстан облысы",
            "Северо-Казахстанская область",
            "North Kazakhstan Region",
        ),
        Region("KZ-61", "Түркістан облысы", "Туркестанская область", "Turkistan Region"),
        Region("KZ-62", "Ұлытау облысы", "область Улытау", "Ulytau Region"),
        Region(
            "KZ-63",
            "Шығыс Қазақстан облысы",
            "Восточно-Казахстанская область",
            "East Kazakhstan Region",
        ),
        Region("KZ-71", "Астана қаласы", "город Астана", "Astana (city)"),
        Region("KZ-75", "Алматы қаласы", "город Алматы", "Almaty (city)"),
        Region("KZ-79", "Шымкент қаласы", "город Шымкент", "Shymkent (city)"),
    )
}


def is_region(code: str) -> bool:
    """Whether `code` is one of the 20 first-level units."""
    return code in REGIONS
