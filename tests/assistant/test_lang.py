"""Language tags are read the same by the CLI and the API; questions' languages are guessed
from their words, not from the product names in them."""

from __future__ import annotations

import pytest

from assistant._generate import language_name
from assistant._lang import _CODES, WORD, LanguageGuesser, english_name, language_code


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("nb", "no"),
        ("nn", "no"),
        ("no-NO", "no"),
        ("nb_NO", "no"),
        ("sv-SE", "sv"),
        ("EN", "en"),
        (" da ", "da"),
        ("pt-BR", "pt"),
        ("../etc", None),
        ("", None),
        (None, None),
    ],
)
def test_language_tags_are_normalised(tag: str | None, code: str | None) -> None:
    assert language_code(tag) == code


@pytest.mark.parametrize(
    "question",
    [
        "Kan SuperOffice lese e-post fra kunder på tysk?",
        "Kan jeg koble SuperOffice til HubSpot og WhatsApp?",
        "Hvordan deler jeg en SuperOffice-rapport med LinkedIn?",
    ],
)
def test_names_in_camel_case_do_not_sway_the_language(question: str) -> None:
    assert LanguageGuesser().guess(question) == "no"


def test_a_question_of_names_alone_still_gets_a_language() -> None:
    (code, confidence), *_ = LanguageGuesser().candidates("SuperOffice HubSpot")
    assert code and confidence > 0


def docs(**words: str) -> dict[str, dict[str, float]]:
    """Vocabularies as `LexicalIndex` keeps them, from each language's text: every word with
    its share of that language's words."""
    out = {}
    for lang, text in words.items():
        found = WORD.findall(text.lower())
        out[lang] = {w: found.count(w) / len(found) for w in found}
    return out


DOCS = docs(
    sv="skapa offert en ny",
    no="opprette tilbud et nytt",
    da="opret tilbud et nyt",
    en="create quote a new",
)


def test_the_words_the_docs_use_decide_a_short_question() -> None:
    guesser = LanguageGuesser()
    assert guesser.guess("skapa offert", DOCS) == "sv"


@pytest.mark.parametrize(
    ("question", "lang"),
    [("Miten lisään uuden käyttäjän?", "fi"), ("How do I create a new quote?", "en")],
)
def test_a_language_the_docs_lack_or_a_clear_one_keeps_its_guess(question: str, lang: str) -> None:
    assert LanguageGuesser().guess(question, DOCS) == lang


def test_a_word_only_one_language_uses_outweighs_words_they_share() -> None:
    shared = "kalender med outlook"
    vocab = docs(sv=f"{shared} synkronisera", no=f"{shared} synkronisere", da=shared)
    assert LanguageGuesser().guess("synkronisera kalender med outlook", vocab) == "sv"


def test_a_word_several_languages_use_counts_most_for_the_one_that_uses_it_most() -> None:
    # German docs quote English screen names now and then; lingua alone reads this as German.
    vocab = docs(
        en="change your password change the password to a new password",
        de="Passwort ändern das Passwort change password",
    )
    assert LanguageGuesser().guess("Change password", vocab) == "en"


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("Come posso eliminare una persona?", "it"),
        ("Jak usunąć osobę?", "pl"),
        ("Как удалить контактное лицо?", "ru"),
        ("如何删除联系人？", "zh"),
        ("كيف أحذف شخصًا؟", "ar"),
    ],
)
def test_a_language_we_do_not_serve_is_named_not_misread_as_one_we_do(
    question: str, lang: str
) -> None:
    # The fine detector knows the served languages only: it read Italian as English, Polish
    # as Swedish, Chinese as Norwegian.
    assert LanguageGuesser().guess(question, DOCS) == lang
    assert LanguageGuesser(foreign=2.0).guess(question, DOCS) in {*_CODES.values()}


@pytest.mark.parametrize(
    "question",
    [
        "Chatbeheer",  # one or two Latin words say too little to the coarse detector
        "Generer persondatarapport",
        "skapa en ny offert idag",  # most words the docs use
    ],
)
def test_short_or_familiar_questions_stay_with_the_served_languages(question: str) -> None:
    assert LanguageGuesser().guess(question, DOCS) in {*_CODES.values()}


def test_without_the_docs_words_only_the_served_languages_are_guessed() -> None:
    assert LanguageGuesser().guess("Come posso eliminare una persona?") in {*_CODES.values()}


def test_a_language_is_named_in_english_for_the_llm() -> None:
    assert english_name("it") == "Italian"
    assert language_name("no") == "Norwegian (Bokmål)"
    assert english_name("xx") == "xx"
