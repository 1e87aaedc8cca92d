"""Language tags are read the same by the CLI and the API; questions' languages are guessed
from their words, not from the product names in them."""

from __future__ import annotations

import pytest

from assistant._lang import LanguageGuesser, language_code


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
