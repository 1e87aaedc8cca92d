"""Language tags are read the same by the CLI and the API; questions' languages are guessed
from their words, not from the product names in them."""

from __future__ import annotations

import pytest

from assistant._lang import WORD, LanguageGuesser, language_code


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
