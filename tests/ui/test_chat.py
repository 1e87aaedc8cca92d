"""The chat handlers without a browser: questions, follow-ups, votes, languages, Markdown."""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import gradio as gr
import pytest
from sqlalchemy.exc import OperationalError

from assistant import Answer, Citation, Hit, QuestionError
from assistant._answer import extractive, not_found
from assistant._assistant import MAX_QUESTION_CHARS
from assistant._smalltalk import REPLIES, small_talk
from corpus import Chunk
from ui._chat import (
    ADMIN_PAGE,
    CHAT_PAGE,
    MAX_SENT,
    WIDGET,
    ChatHandlers,
    Conversation,
    Examples,
    PageKind,
    render_answer,
)
from ui._i18n import guide_examples, strings
from ui._service import AnswerService, example_titles

QUESTION = "How do I install the coffee machine?"


class Spy:
    """Records the arguments every `ask_stream` was called with, then asks the real assistant."""

    def __init__(self, service: AnswerService, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[dict[str, Any]] = []
        real = service.assistant.ask_stream

        def ask_stream(question: str, **kwargs: Any) -> Iterator[str | Answer]:
            self.calls.append({"question": question, **kwargs})
            return real(question, **kwargs)

        monkeypatch.setattr(service.assistant, "ask_stream", ask_stream)


def run(handlers: ChatHandlers, conv: Conversation, message: str) -> list[Any]:
    return list(handlers.respond(message, conv))


def logged(service: AnswerService) -> list[str]:
    """Every question in the log, answered or not."""
    with service.log.engine.connect() as connection:
        return [r[0] for r in connection.exec_driver_sql("SELECT question FROM questions")]


def write_slowly(service: AnswerService, monkeypatch: pytest.MonkeyPatch) -> None:
    """Answers that show "Writing… " before the answer itself, as an LLM's first words."""
    real = service.assistant.ask_stream

    def ask_stream(question: str, **kwargs: Any) -> Iterator[str | Answer]:
        yield "Writing… "
        yield from real(question, **kwargs)

    monkeypatch.setattr(service.assistant, "ask_stream", ask_stream)


def test_the_question_shows_at_once_then_the_answer_with_sources(service: AnswerService) -> None:
    conv = Conversation()
    first, *_, last = run(ChatHandlers(service, CHAT_PAGE), conv, f"  {QUESTION} ")
    assert first[0] == gr.skip(), "the page emptied the box; it may hold the next question"
    assert first[1] == [{"role": "user", "content": QUESTION}]
    box, chat, state, _examples = last
    assert box == gr.skip() and state is conv
    assert chat[1]["role"] == "assistant"
    assert "**Sources**" in chat[1]["content"]
    assert "](https://docs.example.com/en/guide/" in chat[1]["content"]
    marks = ChatHandlers(service, CHAT_PAGE).mark_languages(conv)
    assert marks.endswith('</span><i lang="en"></i>'), "the answer's language, the page's here"
    assert list(conv.answer_ids) == [1]
    assert conv.questions == [QUESTION]


def test_the_question_is_shown_as_typed_and_asked_as_typed(
    service: AnswerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(service, monkeypatch)
    conv = Conversation()
    typed = "<img src=x onerror=alert(1)> **md** <b>bold</b>\n1. a_b [c](d) `e` & f?"
    first, *_ = run(ChatHandlers(service, CHAT_PAGE), conv, typed)
    shown = [
        r"\<img src\=x onerror\=alert(1\)\> \*\*md\*\* \<b\>bold\</b\>",
        r"1\. a\_b \[c\](d\) \`e\` \& f?",
    ]
    assert first[1] == [{"role": "user", "content": "\\\n".join(shown)}]
    assert spy.calls[0]["question"] == typed
    assert conv.questions == [typed]


def test_a_follow_up_is_asked_with_the_earlier_questions(
    service: AnswerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(service, monkeypatch)
    handlers, conv = ChatHandlers(service, CHAT_PAGE), Conversation()
    for question in ("How do I install the machine?", "and the grinder?", "and the water?"):
        run(handlers, conv, question)
    histories = [list(call["history"]) for call in spy.calls]
    assert histories == [
        [],
        ["How do I install the machine?"],
        ["How do I install the machine?", "and the grinder?"],
    ]
    assert [call["lang"] for call in spy.calls] == [None, None, None]


def test_the_page_language_is_passed_on_to_break_ties_in_the_questions_language(
    service: AnswerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(service, monkeypatch)
    run(ChatHandlers(service, WIDGET), Conversation(lang="sv"), "Skriv ut etiketter")
    assert (spy.calls[0]["lang"], spy.calls[0]["reader_lang"]) == (None, "sv")


def test_the_admin_page_asks_for_administrator_articles(
    service: AnswerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(service, monkeypatch)
    run(ChatHandlers(service, ADMIN_PAGE), Conversation(lang="sv"), QUESTION)
    assert spy.calls[0]["admin"] is True
    assert (spy.calls[0]["lang"], spy.calls[0]["reader_lang"]) == (None, "sv")


def test_two_answers_written_at_once_each_keep_their_own_message(
    service: AnswerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_slowly(service, monkeypatch)
    handlers, conv = ChatHandlers(service, CHAT_PAGE), Conversation()
    first = handlers.respond(QUESTION, conv)
    next(first)
    _, chat, _, _ = next(first)
    assert chat[-1] == {"role": "assistant", "content": "Writing… "}
    second = "How do I descale the machine?"
    run(handlers, conv, second)
    *_, (_, chat, _, _) = [*first]
    assert [(m["role"], m["content"][:30]) for m in chat[::2]] == [
        ("user", QUESTION[:30]),
        ("user", second[:30]),
    ]
    assert "**Sources**" in chat[1]["content"] and "**Sources**" in chat[3]["content"]
    assert sorted(conv.answer_ids) == [1, 3]
    assert conv.answer_ids[1] != conv.answer_ids[3]


def test_questions_sent_while_an_answer_is_written_are_each_answered_below_their_own(
    service: AnswerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(service, monkeypatch)
    write_slowly(service, monkeypatch)
    handlers, conv = ChatHandlers(service, CHAT_PAGE), Conversation()
    later = ["How do I descale the machine?", "and the grinder?"]
    assert handlers.send(QUESTION, conv) == ""
    first = handlers.respond_sent(conv)
    next(first)
    # Sent before the first answer is placed: shown at once, answered with the first asked.
    for question in later:
        assert handlers.send(question, conv) == ""
    second = handlers.respond_sent(conv)
    _, chat, _, _ = next(second)
    assert [m["role"] for m in chat] == ["user", "user"]
    third = handlers.respond_sent(conv)
    updates = [*first, *second, *third]
    assert all(box == gr.skip() for box, *_ in updates) and conv.sent == []
    chat = conv.messages
    assert [(m["role"], m["content"][:20]) for m in chat[::2]] == [
        ("user", QUESTION[:20]),
        ("user", later[0][:20]),
        ("user", later[1][:20]),
    ]
    assert all("**Sources**" in m["content"] for m in chat[1::2])
    assert sorted(conv.answer_ids) == [1, 3, 5]
    assert [call["history"] for call in spy.calls] == [
        [],
        [QUESTION],
        [QUESTION, later[0]],
    ]
    assert list(handlers.respond_sent(conv)) == [(gr.skip(), [*chat], conv, gr.skip())], "none left"


def test_a_blank_message_asks_nothing(
    service: AnswerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(service, monkeypatch)
    conv = Conversation()
    assert run(ChatHandlers(service, CHAT_PAGE), conv, "   ") == [(gr.skip(), [], conv, gr.skip())]
    assert spy.calls == []


def test_a_question_sent_while_too_many_wait_stays_in_the_box(service: AnswerService) -> None:
    handlers, conv = ChatHandlers(service, CHAT_PAGE), Conversation()
    assert [handlers.send(f"q{n}", conv) for n in range(MAX_SENT)] == [""] * MAX_SENT
    assert handlers.send("one more", conv) == "one more"
    assert conv.sent == [f"q{n}" for n in range(MAX_SENT)]
    # Its answer event finds the earlier questions taken and leaves the box as it is.
    conv.sent.clear()
    assert list(handlers.respond_sent(conv)) == [(gr.skip(), [], conv, gr.skip())]


def test_a_question_over_the_limit_is_a_warning_and_stays_in_the_box(
    service: AnswerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(service, monkeypatch)
    handlers, conv = ChatHandlers(service, CHAT_PAGE), Conversation(lang="sv")
    run(handlers, conv, QUESTION)
    shown = list(conv.messages)
    long = "Varför? " * (MAX_QUESTION_CHARS // 8 + 1)
    # Outside a running page gr.Warning is a Python warning; on the page, a toast.
    with pytest.warns(UserWarning, match=re.escape(strings("sv")["too_long"])):
        (box, chat, _, _), *more = run(handlers, conv, long)
    assert box == long and more == []
    assert chat == conv.messages == shown, "no reply to vote on"
    assert [call["question"] for call in spy.calls] == [QUESTION]
    assert logged(service) == [QUESTION]


def test_a_question_the_assistant_refuses_leaves_the_chat_and_the_log(
    service: AnswerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = service.assistant.ask_stream

    def refuse_x(question: str, **kwargs: Any) -> Iterator[str | Answer]:
        if question == "x":
            raise QuestionError("the question is too long")
        return real(question, **kwargs)

    monkeypatch.setattr(service.assistant, "ask_stream", refuse_x)
    handlers, conv = ChatHandlers(service, WIDGET), Conversation(lang="sv")
    second = "How do I descale the machine?"
    run(handlers, conv, QUESTION)
    refused = handlers.respond("x", conv)
    next(refused)  # shown, then another question is answered below it before it is refused
    run(handlers, conv, second)
    answers = list(conv.answer_ids.values())
    with pytest.warns(UserWarning, match=re.escape(strings("sv")["too_long"])):
        *_, (box, chat, _, _) = refused
    assert box == "x"
    assert [m["role"] for m in chat] == ["user", "assistant"] * 2
    assert conv.answer_ids == dict(zip((1, 3), answers, strict=True))
    assert conv.questions == [QUESTION, second]
    assert sorted(logged(service)) == sorted([QUESTION, second])


def test_an_answer_left_before_it_is_written_is_logged_as_unfinished(
    service: AnswerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_slowly(service, monkeypatch)
    answering = ChatHandlers(service, CHAT_PAGE).respond(QUESTION, Conversation())
    next(answering)
    next(answering)
    # Already logged while the answer is written: a server stopped now would not lose it.
    [row] = service.log.report()
    assert (row.question, row.language, row.unanswered, row.unfinished) == (QUESTION, "en", 0, 1)
    answering.close()
    assert service.log.report() == [row]


def test_an_unfinished_question_is_logged_in_the_language_the_page_breaks_ties_to(
    service: AnswerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_slowly(service, monkeypatch)
    question = "Skriv ut etiketter"
    for lang in ("sv", "no"):
        answering = ChatHandlers(service, WIDGET).respond(question, Conversation(lang=lang))
        next(answering)
        next(answering)
        answering.close()
    assert [row.language for row in service.log.report()] in (["sv"], ["no"])
    with service.log.engine.connect() as conn:
        languages = [r[0] for r in conn.exec_driver_sql("SELECT language FROM questions")]
    assert sorted(languages) == ["no", "sv"]


def test_a_finished_answer_leaves_one_row_and_nothing_unfinished(service: AnswerService) -> None:
    answer = service.answer(QUESTION)
    assert service.log.report() == []
    assert service.log.record_feedback(answer.id, "down")
    [row] = service.log.report()
    assert (row.asked, row.unanswered, row.down_votes, row.unfinished) == (1, 0, 1, 0)


def test_thumbs_down_is_stored_for_the_answer_it_was_given_on(service: AnswerService) -> None:
    handlers, conv = ChatHandlers(service, CHAT_PAGE), Conversation()
    run(handlers, conv, QUESTION)
    handlers.vote(conv, gr.LikeData(None, {"index": 1, "value": "…", "liked": False}))
    handlers.vote(conv, gr.LikeData(None, {"index": 0, "value": "…", "liked": False}))
    rows = service.log.report()
    assert [(r.question, r.down_votes) for r in rows] == [(QUESTION, 1)]


def test_a_reply_to_small_talk_has_nothing_to_vote_on(service: AnswerService) -> None:
    handlers, conv = ChatHandlers(service, CHAT_PAGE), Conversation(lang="sv")
    run(handlers, conv, "Hej!")
    run(handlers, conv, QUESTION)
    handlers.vote(conv, gr.LikeData(None, {"index": 1, "value": "…", "liked": True}))
    assert service.log.report() == []
    marks = handlers.mark_languages(conv)
    assert re.findall(r"<([bi]) lang=", marks) == ["b", "i"]
    handlers.vote(conv, gr.LikeData(None, {"index": 3, "value": "…", "liked": False}))
    assert [r.down_votes for r in service.log.report()] == [1]


def test_saying_an_answer_did_not_help_votes_it_down(service: AnswerService) -> None:
    handlers, conv = ChatHandlers(service, CHAT_PAGE), Conversation()
    run(handlers, conv, "That didn't help")  # nothing before it to vote on
    run(handlers, conv, QUESTION)
    run(handlers, conv, "That didn't help")
    assert conv.messages[-1]["content"] == REPLIES["unhelpful"]["en"]
    rows = service.log.report()
    assert [(r.question, r.down_votes) for r in rows] == [(QUESTION, 1)]
    with service.log.engine.connect() as connection:
        comments = connection.exec_driver_sql("SELECT comment FROM feedback").fetchall()
    assert [c[0] for c in comments] == ["That didn't help"]


def test_a_new_conversation_stops_the_answer_being_written_in_the_old_one(
    service: AnswerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_slowly(service, monkeypatch)
    handlers, conv = ChatHandlers(service, CHAT_PAGE), Conversation()
    answering = handlers.respond(QUESTION, conv)
    next(answering)
    next(answering)
    chat, fresh, _ = handlers.clear(conv)
    assert [*answering] == []
    assert chat == [] and fresh.messages == [] and not fresh.closed


def test_a_late_update_of_the_old_conversation_gives_way_to_a_new_one(
    service: AnswerService,
) -> None:
    handlers = ChatHandlers(service, CHAT_PAGE)
    old = Conversation(lang="sv", messages=[{"role": "user", "content": QUESTION}])
    _, fresh, _ = handlers.clear(old)
    assert handlers.settle(fresh) == ([], fresh)
    chat, settled = handlers.settle(old)
    assert chat == [] and settled is not old and settled.lang == "sv" and not settled.closed


def test_a_new_conversation_keeps_the_language(service: AnswerService) -> None:
    handlers = ChatHandlers(service, CHAT_PAGE)
    conv = Conversation(lang="fi")
    run(handlers, conv, QUESTION)
    chat, fresh, box = handlers.clear(conv)
    assert chat == [] and box == ""
    assert (fresh.lang, fresh.questions) == ("fi", [])


@pytest.mark.parametrize(
    ("query", "accept", "lang", "title"),
    [
        ({}, "sv-SE,sv;q=0.9", "sv", "Hjälpcenter"),
        ({"lang": "no"}, "de", "no", "Hjelpesenter"),
        ({"lang": "xx"}, "", "en", "Help center"),
    ],
)
def test_the_page_is_relabelled_in_the_readers_language(
    service: AnswerService,
    query: dict[str, str],
    accept: str,
    lang: str,
    title: str,
) -> None:
    request = gr.Request(headers={"accept-language": accept}, query_params=query)
    conv, language, header, *rest = ChatHandlers(service, CHAT_PAGE).localize(
        Conversation(), request
    )
    assert conv.lang == lang
    assert language == f'<span lang="{lang}">{title}</span>'
    assert title in header["value"]
    assert len(rest) == 5


@pytest.mark.parametrize(
    ("kind", "title"),
    [
        (CHAT_PAGE, "Hjälpcenter"),
        (ADMIN_PAGE, "Hjälpcenter för administratörer"),
        (WIDGET, "Hjälp"),
    ],
)
def test_every_page_has_its_own_title_in_the_readers_language(
    service: AnswerService, kind: PageKind, title: str
) -> None:
    request = gr.Request(headers={}, query_params={"lang": "sv"})
    _, language, *_ = ChatHandlers(service, kind).localize(Conversation(), request)
    assert language == f'<span lang="sv">{title}</span>'


def test_headings_and_examples_follow_the_answers_language(service: AnswerService) -> None:
    handlers = ChatHandlers(service, CHAT_PAGE)
    conv = Conversation(lang="en")
    swedish = "Innan du börjar: dra ur kontakten innan du öppnar locket"
    *_, (_, chat, _, examples) = run(handlers, conv, swedish)
    assert "**Källor**" in chat[-1]["content"] and "Sources" not in chat[-1]["content"]
    # Marked for screen readers on the page, not in the message (which Gradio copies).
    assert "lang=" not in chat[-1]["content"]
    assert handlers.mark_languages(conv).endswith('</span><i lang="sv"></i>')
    assert examples.label == "Exempel"
    assert conv.examples_lang == "sv"
    *_, (_, _, _, again) = run(handlers, conv, swedish)
    assert again == gr.skip(), "the examples are already in Swedish"


def test_examples_come_from_the_config_else_the_guide_else_the_corpus_titles(
    service: AnswerService,
) -> None:
    configured = Examples({"sv": ["Hur avkalkar jag?"], "en": ["How do I descale?"]})
    assert configured.questions("sv", False, service) == ["Hur avkalkar jag?"]
    assert configured.questions("de", False, service) == ["How do I descale?"]
    assert configured.questions("sv", True, service) == guide_examples("sv", admin=True)
    assert Examples().questions("nl", False, service) == guide_examples("nl")
    titles = Examples(guide_only=False).questions("sv", False, service)
    assert titles and set(titles) <= {c.title for c in service.assistant.retriever.index.chunks}
    assert all(service.answer(title, "sv").confident for title in titles)


def test_corpus_examples_are_the_most_translated_and_linked_articles_one_per_area() -> None:
    def head(article_id: str, title: str, lang: str = "en", links: int = 0) -> Chunk:
        url = f"https://x/{lang}/{article_id}"
        return Chunk(article_id, lang, title, (), "", url, "text", 0, links=(("l", url),) * links)

    chunks = [
        head("contact/create", "Create a contact", links=5),
        head("contact/edit", "Edit a contact", links=9),
        head("sale/add", "Add a sale", links=3),
        head("sale/index", "All about sales", links=20),
        head("sale/overview", "Overview", links=8),
        *(head(f"x/overview-{n}", "Overview", lang) for n in range(3) for lang in ("en", "sv")),
        head("diary/calendar", "Calendar", links=7),
        head("admin/users", "Add a user", links=1),
        head("contact/create", "Skapa en kontakt", "sv"),
        head("suite/about", "SuperOffice CRM Suite", links=30),
    ]
    # The only article in Swedish too comes first, then the most linked.
    assert example_titles(chunks, "en") == ["Create a contact", "Add a sale", "Edit a contact"]
    english = [c for c in chunks if c.lang == "en"]
    assert example_titles(english, "en") == ["Edit a contact", "Add a sale", "Create a contact"]
    assert example_titles(english, "en", admin=True, count=2) == ["Add a user", "Edit a contact"]
    assert example_titles(chunks, "sv", count=1) == ["Skapa en kontakt"]
    assert example_titles(chunks, "fi") == [], "English titles are no Finnish questions"


def test_a_page_in_a_language_the_docs_lack_shows_no_examples(service: AnswerService) -> None:
    handlers = ChatHandlers(service, CHAT_PAGE, examples=Examples(guide_only=False))
    for lang, shown in (("fi", False), ("sv", True)):
        request = gr.Request(headers={}, query_params={"lang": lang})
        *_, examples = handlers.localize(Conversation(), request)
        assert examples.visible is shown, lang
        assert bool(examples.samples) is shown, lang
    # A Finnish reader answered from the English docs gets English examples beside the answer.
    conv = Conversation(lang="fi", examples_lang="fi")
    *_, (_, _, _, examples) = run(handlers, conv, QUESTION)
    assert examples.visible is True and examples.samples
    assert conv.examples_lang == "en"


def citation(n: int, breadcrumb: str, url: str) -> Citation:
    return Citation(n, breadcrumb, breadcrumb, url, "sv", 0.9, f"a{n}")


def answer(citations: Sequence[Citation], notice: str = "") -> Answer:
    return Answer(uuid.uuid4().hex, "q", "Body [1]", list(citations), "sv", True, notice)


def test_sources_are_numbered_links_with_escaped_titles_and_encoded_urls() -> None:
    text = render_answer(
        answer(
            [
                citation(1, "Intro [beta] › *New* <b>", "https://d.example/sv/a#steg"),
                citation(2, "Översikt", "https://d.example/sv/b (old)#få-med"),
            ]
        ),
        "sv",
    )
    body, sources = text.split("\n\n**Källor**\n\n")
    assert body == "Body [1]"
    assert sources.splitlines() == [
        r"1. [Intro \[beta\] › \*New\* \<b\>](https://d.example/sv/a#steg)",
        "2. [Översikt](https://d.example/sv/b%20%28old%29#f%C3%A5-med)",
    ]


def test_sources_leave_out_what_the_answer_already_links_as_see_also() -> None:
    def hit(n: int, title: str) -> Hit:
        chunk = Chunk(
            f"a{n}", "en", title, ("Steps",), "steps", f"https://d.example/en/a{n}", "Do.", 0
        )
        return Hit(chunk, 0.9, 0.9, 0.0)

    answer = extractive("q", "en", [hit(1, "Add a user"), hit(2, "User (list)")], 0.5)
    text = render_answer(answer, "en")
    body, sources = text.split("\n\n**Sources**\n\n")
    assert "- [User (list) › Steps](https://d.example/en/a2#steps) [2]" in body
    assert sources == "1. [Add a user › Steps](https://d.example/en/a1#steps)"
    # An answer that links its second source but not its third keeps the list whole.
    gap = [*answer.citations, citation(3, "Third", "https://d.example/en/a3")]
    assert "3. [Third]" in render_answer(dataclasses.replace(answer, citations=gap), "en")


def test_not_found_speaks_the_page_language_and_keeps_a_notice() -> None:
    declined = not_found("Wetter?", "de", notice="The language model is unavailable.")
    text = render_answer(declined, "nl")
    assert text.startswith("Ik kon dit niet vinden in de documentatie.")
    assert "_The language model is unavailable\\._" not in text
    assert "_The language model is unavailable._" in text
    assert "Bronnen" not in text


def test_not_found_in_the_page_language_names_what_the_docs_never_mention() -> None:
    declined = not_found("Kan jeg bruke WhatsApp?", "no", unknown=["WhatsApp"])
    text = render_answer(declined, "no")
    assert text.startswith("Jeg fant ikke dette i dokumentasjonen. Den nevner aldri “WhatsApp”.")
    assert text.endswith("Prøv å omformulere spørsmålet, eller spør om én ting om gangen.")


def test_a_reply_to_small_talk_is_shown_as_it_is() -> None:
    for message, kind in (("Hej!", "greeting"), ("hvorfor?", "vague")):
        reply = small_talk(message, None, "da")
        assert reply is not None
        assert render_answer(reply, "da") == REPLIES[kind]["da"]


def test_the_answer_survives_a_broken_log(
    service: AnswerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise OperationalError("INSERT", {}, Exception("disk full"))

    monkeypatch.setattr(service.log, "record", broken)
    assert service.answer(QUESTION).citations


def test_health_says_loading_until_warmed_up(service: AnswerService) -> None:
    cold = AnswerService(service.assistant, service.log)
    assert cold.health()["status"] == "loading"
    assert cold.health()["index"]["loaded"] is False
    warm = service.health()
    assert warm["status"] == "ok"
    assert warm["index"]["articles"] == cold.health()["index"]["articles"] > 0
    assert warm["model"]["backend"] == "fake"
