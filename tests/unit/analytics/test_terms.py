"""Search terms of the library: every spelling and ending of a word meets one term."""

from __future__ import annotations

import pytest

from services.analytics.terms import cosine, counts, idf, terms


@pytest.mark.parametrize(
    ("spellings", "term"),
    [
        (["жер", "Жер", "ЖЕРДІ", "жерлер", "жерлерді", "zher", "Jer"], "jer"),
        (["суару", "суаруды", "Suaru"], "suar"),
        (["жайылым", "жайылымды", "жайылымдар", "Jaiylym", "Zhaiylym"], "jailim"),
        (["пастбище", "пастбищам", "ПАСТБИЩЕ", "pastbishche"], "pastbiw"),
        (["земля", "земли", "zemlia"], "zeml"),
        (["pasture", "pastures", "Pasture"], "pastur"),
    ],
)
def test_every_spelling_and_ending_of_a_word_is_one_term(spellings: list[str], term: str) -> None:
    assert {tuple(terms(word)) for word in spellings} == {(term,)}


def test_stop_words_digits_and_single_letters_are_not_terms() -> None:
    assert terms("и в the and 2026 мен бұл, а") == []


def test_cosine_ranks_shared_rare_terms_above_nothing_shared() -> None:
    a, b, c = counts(["pasture rota elders"]), counts(["rota for the pasture"]), counts(["house"])
    weights = idf({"pastur": 2, "rot": 2, "elder": 1, "hous": 1}, 3)
    assert cosine(a, b, weights) > 0.5
    assert cosine(a, c, weights) == 0.0
