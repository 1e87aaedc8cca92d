"""The pages' strings: complete in every language, and the language a page picks."""

from __future__ import annotations

import pytest

from assistant._answer import MESSAGES
from ui._i18n import (
    GRADIO_CONNECTION_LOST,
    LANGUAGES,
    accepted_languages,
    gradio_labels,
    gradio_locale,
    gradio_prefixes,
    gradio_translations,
    guide_examples,
    language_code,
    normalize_language,
    pick_language,
    strings,
)


def test_every_language_has_every_string_and_examples() -> None:
    english = set(strings("en"))
    assert {"en", "sv", "no", "da", "de", "nl", "fi"} <= set(LANGUAGES)
    for lang in LANGUAGES:
        table = strings(lang)
        assert set(table) == english, lang
        assert all(value.strip() for value in table.values()), lang
        assert len(guide_examples(lang)) == len(guide_examples(lang, admin=True)) == 3
    assert len({strings(lang)["sources"] for lang in LANGUAGES}) > 4


def test_not_found_reuses_the_assistants_phrase() -> None:
    for lang in LANGUAGES:
        assert strings(lang)["not_found"] == MESSAGES[lang]["not_found"]


def test_the_limit_is_filled_in() -> None:
    assert "2000" in strings("sv")["too_long"]
    assert "{limit}" not in strings("fi")["too_long"]


def test_gradio_gets_its_missing_strings_in_its_own_locale_codes() -> None:
    translations = gradio_translations()
    assert translations["nb"]["common.complete"] == "Ferdig"
    assert translations["sv"]["chatbot.copy_message"] == "Kopiera meddelandet"
    assert translations["fi"]["common.complete"] == strings("fi")["done"]
    assert len(translations) == len(LANGUAGES) and "no" not in translations
    assert [gradio_locale(lang) for lang in ("no", "sv", "da")] == ["nb", "sv", "da"]


def test_gradios_untranslated_labels_get_ours_and_danish_gets_its_buttons() -> None:
    swedish = {
        "chatbot conversation": "Konversation",
        "Scroll down": "Rulla ned",
        "Close": "Stäng",
        GRADIO_CONNECTION_LOST: "Anslutningen till servern bröts. Ansluter igen…",
    }
    assert gradio_labels("sv") == swedish
    danish = gradio_labels("da")
    assert danish["Clear"] == "Ryd chatten" and danish["Scroll down"] == "Rul ned"
    assert danish["Copy message"] == strings("da")["copy_message"]
    assert all(set(gradio_labels(lang)) >= {"chatbot conversation"} for lang in LANGUAGES)


def test_the_openings_of_gradios_message_labels_get_ours() -> None:
    german = {"user's message: ": "Ihre Frage: ", "bot's message: ": "Antwort: "}
    assert gradio_prefixes("de") == german
    assert all(len(set(gradio_prefixes(lang).values())) == 2 for lang in LANGUAGES)


def test_administrators_get_onboarding_examples() -> None:
    admin = guide_examples("en", admin=True)
    assert "How do I get my users to adopt the assistant?" in admin
    assert guide_examples("en") != admin
    assert guide_examples("sv", admin=True) != admin


def test_an_unsupported_language_falls_back_to_english() -> None:
    assert strings("pl") == strings("en")
    assert guide_examples("pl") == guide_examples("en")


@pytest.mark.parametrize(
    ("tag", "code", "supported"),
    [
        ("sv", "sv", "sv"),
        ("sv-SE", "sv", "sv"),
        ("NB_no", "no", "no"),
        ("nn", "no", "no"),
        ("pt-BR", "pt", None),
        ("../etc", None, None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_language_tags(tag: str | None, code: str | None, supported: str | None) -> None:
    assert language_code(tag) == code
    assert normalize_language(tag) == supported


def test_accept_language_is_ranked_by_quality() -> None:
    header = "pl;q=1, en-US;q=0.5, da;q=0.8, sv-SE, fi;q=0, de;q=bogus"
    assert accepted_languages(header) == ["sv", "da", "en"]
    assert accepted_languages(None) == []


@pytest.mark.parametrize(
    ("query", "header", "expected"),
    [
        ("sv", "de-DE,de;q=0.9", "sv"),
        ("klingon", "de-DE,de;q=0.9", "de"),
        (None, "nb-NO,en;q=0.5", "no"),
        (None, "pl", "en"),
        (None, None, "en"),
    ],
)
def test_query_parameter_then_browser_then_english(
    query: str | None, header: str | None, expected: str
) -> None:
    assert pick_language(query, header) == expected
