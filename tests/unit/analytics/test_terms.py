"""Search terms of the library: every spelling and ending of a word meets one term."""

from __future__ import annotations

import pytest

from services.analytics.terms import cosine, counts, idf, query_terms, terms

pytestmark = pytest.mark.db_independent


@pytest.mark.parametrize(
    ("lang", "spellings", "term"),
    [
        ("kk", ["жер", "Жер", "ЖЕРДІ", "жерлер", "жерлерді", "zher", "Jer"], "jer"),
        ("kk", ["суару", "суаруды", "Suaru"], "suaru"),
        ("kk", ["жайылым", "жайылымды", "жайылымдар", "Jaiylym", "Zhaiylym"], "jailim"),
        ("ru", ["пастбище", "пастбищам", "ПАСТБИЩЕ", "pastbishche"], "pastbiw"),
        ("ru", ["развод", "развода", "разводом"], "razvod"),
        ("ru", ["межевание", "межевания"], "mejev"),
        ("en", ["pasture", "pastures", "Pasture"], "pastur"),
        ("en", ["bridge", "bridges"], "bridg"),
    ],
)
def test_every_spelling_and_ending_of_a_word_is_one_term(
    lang: str, spellings: list[str], term: str
) -> None:
    assert {tuple(terms(word, lang)) for word in spellings} == {(term,)}


def test_a_query_word_stands_for_its_stems_in_every_language() -> None:
    [variants] = query_terms("развода")
    assert "razvod" in variants
    [variants] = query_terms("жерлерді")
    assert "jer" in variants


def test_stop_words_digits_and_single_letters_are_not_terms() -> None:
    assert terms("и в the and 2026 мен бұл, а", "kk") == []


def test_cosine_ranks_shared_rare_terms_above_nothing_shared() -> None:
    a = counts([("en", "pasture rota elders")])
    b, c = counts([("en", "rota for the pasture")]), counts([("en", "house")])
    weights = idf({"pastur": 2, "rota": 2, "elder": 1, "hous": 1}, 3)
    assert cosine(a, b, weights) > 0.5
    assert cosine(a, c, weights) == 0.0
