"""Greetings, thanks, "ok", goodbyes, asking for help, "that didn't help" and a lone "why?" are
answered in kind, unsearched."""

from __future__ import annotations

import pytest

from assistant._smalltalk import LIKELIEST, PHRASES, REPLIES, small_talk, small_talk_kind


@pytest.mark.parametrize(
    ("message", "lang", "reader_lang", "kind", "replied_in"),
    [
        ("Hello!", None, None, "greeting", "en"),
        ("hej", None, None, "greeting", "sv"),
        ("Hej", None, "da", "greeting", "da"),
        ("Hallo", None, "nl", "greeting", "nl"),
        ("Hallo", None, None, "greeting", "de"),
        ("Hallo", None, "no", "greeting", "no"),
        ("Guten Morgen :)", None, None, "greeting", "de"),
        ("Tusen takk!", None, None, "thanks", "no"),
        ("Tack så mycket!!", None, "en", "thanks", "sv"),
        ("kiitos", None, None, "thanks", "fi"),
        ("Thanks a lot", "de", None, "thanks", "de"),
        ("Hej då", None, None, "goodbye", "sv"),
        ("Tot ziens", None, None, "goodbye", "nl"),
        ("What can you do?", None, None, "help", "en"),
        ("Hilfe!", None, None, "help", "de"),
        ("help", None, "nl", "help", "nl"),
        ("test", None, None, "greeting", "en"),
        ("OK", None, None, "okay", "en"),
        ("ok", None, "sv", "okay", "sv"),
        ("Alles klar!", None, None, "okay", "de"),
        ("That didn't help.", None, None, "unhelpful", "en"),
        ("Det hjalp ikke", None, "da", "unhelpful", "da"),
        ("Das hilft mir nicht!", None, None, "unhelpful", "de"),
        ("Why?", None, None, "vague", "en"),
        ("hvorfor", None, "no", "vague", "no"),
        ("Nee", None, None, "vague", "nl"),
        ("?", None, "sv", "vague", "sv"),
        ("...", "fi", None, "vague", "fi"),
    ],
)
def test_small_talk_is_answered_in_its_language(
    message: str, lang: str | None, reader_lang: str | None, kind: str, replied_in: str
) -> None:
    reply = small_talk(message, lang, reader_lang)
    assert reply is not None
    assert (reply.text, reply.language) == (REPLIES[kind][replied_in], replied_in)
    assert reply.citations == [] and reply.confident


@pytest.mark.parametrize(
    "message",
    [
        "Hej, hur skapar jag en ny kontakt?",
        "hello world example",
        "thanks but where is the export button",
        "hi " * 20,
        "bgcolor",
        "404",
        "Why is my calendar empty?",
        "that didn't help with the export",
    ],
)
def test_a_message_that_asks_anything_is_not_small_talk(message: str) -> None:
    assert small_talk_kind(message) is None


def test_every_language_has_its_phrases_replies_and_a_place_among_the_likeliest() -> None:
    for kind, by_lang in PHRASES.items():
        assert set(by_lang) == set(REPLIES[kind]) == set(LIKELIEST)


def test_a_lone_why_is_a_follow_up_when_an_llm_reads_the_conversation() -> None:
    assert small_talk("Why?", follow_up=True) is None
    thanks = small_talk("Thanks!", follow_up=True)
    assert thanks is not None and thanks.text == REPLIES["thanks"]["en"]
