"""The Gradio pages: the chat page, the administrators' page and the compact widget."""

from __future__ import annotations

import contextlib
import html
import re
import string
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import gradio as gr

from assistant import Answer, Citation, QuestionError
from assistant._assistant import MAX_QUESTION_CHARS
from assistant._safe import safe_markdown
from assistant._smalltalk import small_talk_kind
from ui._i18n import (
    DEFAULT_LANGUAGE,
    guide_examples,
    normalize_language,
    pick_language,
    strings,
)
from ui._limits import RateLimiter, client_address
from ui._log import QuestionLogError
from ui._service import AnswerService

#: How many answers may be written at once; retrieval is short, a language model is not.
CONCURRENT_ANSWERS = 8
#: The previous questions a follow-up is asked with (the HTTP API accepts as many).
HISTORY_LIMIT = 20
#: Questions of one conversation sent and waiting for their answer to begin, at most.
MAX_SENT = 20
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>])")
# The punctuation that opens no Markdown, HTML or autolink once the rest is escaped: left as
# typed, since Gradio labels a question for screen readers with its raw text.
_INERT = "?,;'\"!%/("
_LITERAL_SPECIAL = re.compile(
    "([" + re.escape("".join(c for c in string.punctuation if c not in _INERT)) + "])"
)
_URL_SAFE = ":/?#@!$&'*+,;=%-._~"

Chat = list[dict[str, str]]


@dataclass(frozen=True)
class PageKind:
    """What distinguishes the chat page, the administrators' page and the widget."""

    channel: str
    admin: bool = False
    compact: bool = False


CHAT_PAGE = PageKind("page")
ADMIN_PAGE = PageKind("admin", admin=True)
WIDGET = PageKind("widget", compact=True)


@dataclass(frozen=True)
class Examples:
    """Where the example questions come from: `configured` per language (`ui.examples`),
    else the bundled guide's while it is the only corpus (`guide_only`), else the titles of
    the corpus's own articles, so that every example has an answer."""

    configured: Mapping[str, Sequence[str]] = field(default_factory=dict)
    admin_configured: Mapping[str, Sequence[str]] = field(default_factory=dict)
    guide_only: bool = True

    def questions(self, lang: str, admin: bool, service: AnswerService) -> list[str]:
        """The examples to show in `lang` on the chat page or, with `admin`, the admins'."""
        table = self.admin_configured if admin else self.configured
        if table:
            chosen = table.get(lang) or table.get(DEFAULT_LANGUAGE) or next(iter(table.values()))
            return list(chosen)
        if self.guide_only:
            return guide_examples(lang, admin)
        return service.titles(lang, admin)


@dataclass
class Conversation:
    """One reader's chat: what the page shows and what the next question needs."""

    lang: str = DEFAULT_LANGUAGE
    examples_lang: str = DEFAULT_LANGUAGE
    messages: Chat = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    answer_ids: dict[int, str] = field(default_factory=dict)
    #: The language of each answer, by its message's identity.
    answer_langs: dict[int, str] = field(default_factory=dict)
    #: The replies to small talk ("Hello!"), by their messages' identity: nothing to vote on.
    replies: set[int] = field(default_factory=set)
    #: Replaced by a new conversation: an answer still being written here shows nothing more.
    closed: bool = False
    #: Questions sent from the box and not yet taken up by an answer, oldest first.
    sent: list[str] = field(default_factory=list)

    def restarted(self) -> Conversation:
        """A new, empty conversation in the same languages."""
        return Conversation(lang=self.lang, examples_lang=self.examples_lang)


def _escape(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _literal(text: str) -> str:
    """Markdown that shows `text` as typed, its line breaks too: a question is no markup."""
    return _LITERAL_SPECIAL.sub(r"\\\1", text).replace("\n", "\\\n")


def _drop(conv: Conversation, *gone: dict[str, str]) -> None:
    """Remove the `gone` messages (by identity) from `conv`, keeping the answer ids on theirs."""
    for message in gone:
        conv.answer_langs.pop(id(message), None)
        conv.replies.discard(id(message))
    ids = {id(conv.messages[at]): answer for at, answer in conv.answer_ids.items()}
    conv.messages[:] = [m for m in conv.messages if all(m is not g for g in gone)]
    conv.answer_ids = {at: ids[id(m)] for at, m in enumerate(conv.messages) if id(m) in ids}


def _place_after(conv: Conversation, asked: dict[str, str], reply: dict[str, str]) -> None:
    """Put `reply` right below its question `asked` in `conv`, moving the answer ids of the
    messages after it along."""
    at = next(i for i, m in enumerate(conv.messages) if m is asked) + 1
    conv.messages.insert(at, reply)
    conv.answer_ids = {i + (i >= at): answer for i, answer in conv.answer_ids.items()}


def render_answer(answer: Answer, lang: str) -> str:
    """The answer as Markdown for the chat, its sources as numbered links in `lang`; when the
    docs have no answer, the answer's not-found message (which names what the docs never
    mention) if it is in `lang`, else the page's own, and a hint either way. A reply to small
    talk (confident, citing nothing) is shown as it is."""
    text = strings(lang)
    found = bool(answer.citations)
    declined = answer.text if normalize_language(answer.language) == lang else ""
    shown = found or _is_reply(answer)
    parts = [answer.text if shown else f"{declined or text['not_found']} {text['not_found_hint']}"]
    if answer.notice:
        parts.append(f"_{_escape(answer.notice)}_")
    if found:
        links = [
            f"{c.n}. [{_escape(c.breadcrumb)}]({quote(c.url, safe=_URL_SAFE)})"
            for c in _unlinked(answer)
        ]
        parts.append(f"**{text['sources']}**\n\n" + "\n".join(links))
    return "\n\n".join(parts)


def _is_reply(answer: Answer) -> bool:
    """Whether `answer` replies to small talk: sure of itself, yet citing nothing."""
    return answer.confident and not answer.citations


def _unlinked(answer: Answer) -> list[Citation]:
    """The citations to list under the answer: those its text does not already link (an
    extractive answer's see-also), as long as they stay numbered 1, 2, 3…; else all."""
    shown = [c for c in answer.citations if f"]({quote(c.url, safe=_URL_SAFE)})" not in answer.text]
    numbered = [c.n for c in shown] == list(range(1, len(shown) + 1))
    return shown if shown and numbered else list(answer.citations)


def answer_language(answer: Answer, page_lang: str) -> str:
    """The language the strings around an answer are shown in: the answer's own when the pages
    speak it, else the page's."""
    return normalize_language(answer.language) or page_lang


class ChatHandlers:
    """The event handlers of one kind of page; Gradio runs them in its thread pool."""

    def __init__(
        self,
        service: AnswerService,
        kind: PageKind,
        limiter: RateLimiter | None = None,
        examples: Examples | None = None,
    ) -> None:
        self.service = service
        self.kind = kind
        self.limiter = limiter
        self.examples = examples or Examples()

    def example_set(self, lang: str) -> Any:
        """The examples and their label in `lang`, hidden when there are none in `lang`."""
        samples = [[q] for q in self.examples.questions(lang, self.kind.admin, self.service)]
        return gr.Dataset(
            samples=samples,
            label=strings(lang)["examples"],
            visible=bool(samples) and not self.kind.compact,
        )

    def _client(self, request: gr.Request | None) -> str:
        # The reader's address as the limiter sees it: the peer unless it is a trusted proxy.
        peer = request.client.host if request and request.client else None
        forwarded = dict(request.headers).get("x-forwarded-for") if request else None
        if self.limiter is None:
            return client_address(peer, forwarded)
        return self.limiter.client(peer, forwarded)

    def _wait(self, request: gr.Request | None) -> int | None:
        # The seconds this reader must wait before the next question or vote, or None.
        return None if self.limiter is None else self.limiter.hit(self._client(request))

    def title(self, lang: str) -> str:
        """The page's title (its browser tab) in `lang`."""
        text = strings(lang)
        if self.kind.compact:
            return text["widget_title"]
        return text["admin_title" if self.kind.admin else "title"]

    def language(self, lang: str, conv: Conversation | None = None) -> str:
        """The page's language and title, then the language of each answer in `conv` (an
        empty `<i lang>` each, `<b lang>` for a reply to small talk, which has no vote
        buttons: Gradio keeps no other attribute), as the HTML that
        static/page/page-language.js applies."""
        page = f'<span lang="{lang}">{html.escape(self.title(lang))}</span>'
        if conv is None:
            return page
        marks = [
            ("b" if id(m) in conv.replies else "i", conv.answer_langs.get(id(m), lang))
            for m in conv.messages
            if m["role"] == "assistant"
        ]
        return page + "".join(f'<{tag} lang="{answer}"></{tag}>' for tag, answer in marks)

    def mark_languages(self, conv: Conversation) -> str:
        """After an answer or a new conversation: the page's language and its answers'."""
        return self.language(conv.lang, conv)

    def header(self, lang: str) -> str:
        """The page's heading in `lang`."""
        text = strings(lang)
        if self.kind.compact:
            return f"**{text['widget_title']}**"
        key = "admin_" if self.kind.admin else ""
        return f"# {text[key + 'title']}\n{text[key + 'subtitle']}"

    def localize(self, conv: Conversation, request: gr.Request) -> tuple[Any, ...]:
        """On page load: take the language from `?lang=` or Accept-Language, relabel the page."""
        query = dict(request.query_params).get("lang") if request else None
        accept = dict(request.headers).get("accept-language") if request else None
        conv.lang = pick_language(query, accept)
        conv.examples_lang = conv.lang
        text = strings(conv.lang)
        return (
            conv,
            self.language(conv.lang),
            gr.update(value=self.header(conv.lang)),
            gr.update(placeholder=text["empty"]),
            gr.update(placeholder=text["placeholder"], label=text["placeholder"]),
            gr.update(value=text["send"]),
            gr.update(value=text["clear"]),
            self.example_set(conv.lang),
        )

    def respond(
        self, message: str, conv: Conversation, request: gr.Request | None = None
    ) -> Iterator[tuple[Any, Chat, Conversation, Any]]:
        """Show the question at once, then the answer as it is written, then its sources. A
        question over the length limit is no answer: a warning in the page's language says so
        and the question stays in the box to be shortened, out of the chat and the log; a
        reader over the question rate is asked the same way to wait and send it again. An
        accepted question leaves the box as sending emptied it (the reader may be typing the
        next one), and one sent while this answer is written is asked as its follow-up. The
        page's language breaks ties between the languages the question may be in; the headings
        around an answer and the examples follow the answer's language."""
        keep = gr.skip()
        question = message.strip()
        if not question:
            yield keep, list(conv.messages), conv, keep
            return
        wait = self._wait(request)
        if wait is not None:
            gr.Warning(strings(conv.lang)["rate_limited"].format(seconds=wait))
            yield message, list(conv.messages), conv, keep
            return
        if len(" ".join(question.split())) > MAX_QUESTION_CHARS:  # measured as the assistant does
            # Left in the box to be shortened: a limit on the box would cut it without a word.
            gr.Warning(strings(conv.lang)["too_long"])
            yield message, list(conv.messages), conv, keep
            return
        asked = {"role": "user", "content": _literal(question)}
        conv.messages.append(asked)
        history = conv.questions[-HISTORY_LIMIT:]
        # Asked from now: a question sent while this one is answered follows it.
        conv.questions.append(question)
        yield keep, list(conv.messages), conv, keep
        # This answer's own message, right below its question: the reader's next question may
        # be answered at the same time, below it.
        reply = {"role": "assistant", "content": ""}
        _place_after(conv, asked, reply)
        written = ""
        try:
            for part in self.service.stream(
                question,
                history=history,
                admin=self.kind.admin,
                channel=self.kind.channel,
                reader_lang=conv.lang,
            ):
                examples = keep
                if isinstance(part, Answer):
                    lang = answer_language(part, conv.lang)
                    reply["content"] = render_answer(part, lang)
                    conv.answer_langs[id(reply)] = lang
                    at = next(i for i, m in enumerate(conv.messages) if m is reply)
                    if _is_reply(part):
                        conv.replies.add(id(reply))
                    else:
                        conv.answer_ids[at] = part.id
                    self._unhelpful(conv, at, question, request)
                    if lang != conv.examples_lang:
                        conv.examples_lang = lang
                        examples = self.example_set(lang)
                else:
                    # The model's raw text: until its sources are known it may link nowhere.
                    written += part
                    reply["content"] = safe_markdown(written)
                if conv.closed:  # Gradio's cancel may come after one more update
                    return
                yield keep, list(conv.messages), conv, examples
        except QuestionError:
            # The service has forgotten it: refused as above, it leaves the chat too.
            _drop(conv, asked, reply)
            del conv.questions[max(i for i, q in enumerate(conv.questions) if q == question)]
            gr.Warning(strings(conv.lang)["too_long"])
            yield message, list(conv.messages), conv, keep

    def send(self, message: str, conv: Conversation) -> str:
        """A question sent: kept in `conv` for `respond_sent`, the box emptied; left in the box
        while `MAX_SENT` earlier ones wait."""
        if len(conv.sent) >= MAX_SENT:
            return message
        conv.sent.append(message)
        return ""

    def respond_sent(
        self, conv: Conversation, request: gr.Request | None = None
    ) -> Iterator[tuple[Any, Chat, Conversation, Any]]:
        """`respond` to the earliest question sent and not yet answered: each question is
        kept apart from the box, which holds the next one meanwhile."""
        yield from self.respond(conv.sent.pop(0) if conv.sent else "", conv, request)

    def respond_example(
        self, sample: list[str], conv: Conversation, request: gr.Request | None = None
    ) -> Iterator[tuple[Any, Chat, Conversation, Any]]:
        """An example clicked: asked as if typed and sent, the box left as it is."""
        yield from self.respond(sample[0], conv, request)

    def clear(self, conv: Conversation) -> tuple[Chat, Conversation, str]:
        """Start a new conversation in the same language; answers still being written in
        the old one stop."""
        conv.closed = True
        return [], conv.restarted(), ""

    def settle(self, conv: Conversation) -> tuple[Chat, Conversation]:
        """Show the conversation again once a new one has started: Gradio cancels an answer
        asynchronously, and its last update can reach the page after the new conversation,
        bringing the old (closed) one back; that one is then replaced by a new one."""
        if conv.closed:
            conv = conv.restarted()
        return list(conv.messages), conv

    def _unhelpful(
        self, conv: Conversation, at: int, message: str, request: gr.Request | None
    ) -> None:
        """A reader's "That didn't help" counts as a thumbs-down, with the message as its
        comment, on the answer before it (at chat position `at`)."""
        found = small_talk_kind(message)
        earlier = [i for i in conv.answer_ids if i < at]
        if found is None or found[0] != "unhelpful" or not earlier:
            return
        with contextlib.suppress(QuestionLogError):
            self.service.vote(
                conv.answer_ids[max(earlier)], "down", message, voter=self._client(request)
            )

    def vote(
        self, conv: Conversation, data: gr.LikeData, request: gr.Request | None = None
    ) -> None:
        """Store a thumbs-up or thumbs-down on an answer, replacing the reader's earlier vote
        on it; a reader over the limit is not counted."""
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        answer_id = conv.answer_ids.get(int(index))
        vote = {True: "up", False: "down", "Like": "up", "Dislike": "down"}.get(data.liked)
        if answer_id and vote and self._wait(request) is None:
            # The service has logged why a vote could not be stored; the chat goes on.
            with contextlib.suppress(QuestionLogError):
                self.service.vote(answer_id, vote, voter=self._client(request))


def build_page(
    service: AnswerService,
    kind: PageKind,
    limiter: RateLimiter | None = None,
    examples: Examples | None = None,
) -> gr.Blocks:
    """A page of `kind` (its strings are relabelled per reader when it loads); questions count
    against `limiter`."""
    handlers = ChatHandlers(service, kind, limiter, examples)
    text = strings(DEFAULT_LANGUAGE)
    page = gr.Blocks(
        title=handlers.title(DEFAULT_LANGUAGE),
        analytics_enabled=False,
        fill_height=kind.compact,
    )
    with page:
        conv = gr.State(Conversation())
        # Empty until the page has loaded: then it holds the reader's language, and the page is
        # ready for questions.
        language = gr.Markdown("", visible="hidden", elem_id="page-language")
        header = gr.Markdown(handlers.header(DEFAULT_LANGUAGE), elem_id="header")
        chatbot = gr.Chatbot(
            show_label=False,
            elem_id="chat",
            height=None if kind.compact else 520,
            scale=1 if kind.compact else None,
            placeholder=text["empty"],
            autoscroll=False,
            sanitize_html=True,
            render_markdown=True,
            allow_tags=False,
            line_breaks=False,
            latex_delimiters=[],
            buttons=[] if kind.compact else ["copy"],
        )
        with gr.Row(equal_height=True):
            box = gr.Textbox(
                label=text["placeholder"],
                show_label=False,
                placeholder=text["placeholder"],
                container=False,
                scale=6,
                elem_id="question",
            )
            send = gr.Button(text["send"], variant="primary", scale=1, min_width=80, elem_id="send")
        samples = handlers.examples.questions(DEFAULT_LANGUAGE, kind.admin, service)
        examples_ = gr.Dataset(
            components=[box],
            samples=[[q] for q in samples],
            label=text["examples"],
            visible=bool(samples) and not kind.compact,
            elem_id="examples",
        )
        clear = gr.Button(
            text["clear"], size="sm", variant="secondary", visible=not kind.compact, elem_id="clear"
        )

        # Every question sent is answered, each below its own, also while earlier answers are
        # still being written (Gradio's default drops an event sent while one is pending). The
        # box is emptied as the question is sent, outside the queue: emptied with the answer,
        # after a wait in the queue, it would erase the next question typed meanwhile.
        answer_io: dict[str, Any] = {
            "outputs": [box, chatbot, conv, examples_],
            "concurrency_limit": CONCURRENT_ANSWERS,
            "concurrency_id": "answer",
            "show_progress": "minimal",
            "trigger_mode": "multiple",
        }
        asked = gr.on(
            [box.submit, send.click],
            handlers.send,
            [box, conv],
            box,
            queue=False,
            show_progress="hidden",
            trigger_mode="multiple",
        ).then(handlers.respond_sent, conv, **answer_io)
        example = examples_.click(handlers.respond_example, [examples_, conv], **answer_io)
        # Each answer is marked with its language once written, for screen readers (in the page,
        # not in the message, which Gradio copies and reads out as written).
        marks: dict[str, Any] = {
            "fn": handlers.mark_languages,
            "inputs": conv,
            "outputs": language,
            "show_progress": "hidden",
        }
        asked.then(**marks)
        example.then(**marks)
        # A new conversation stops the answers being written, which would bring the old one back.
        for event in (clear.click, chatbot.clear):
            event(handlers.clear, conv, [chatbot, conv, box], cancels=[asked, example]).then(
                handlers.settle, conv, [chatbot, conv], show_progress="hidden"
            ).then(**marks)
        # A vote, like the page's relabelling and an example put in the box, has nothing to wait
        # for: Gradio would show its progress and announce its end to screen readers.
        chatbot.like(handlers.vote, conv, None, show_progress="hidden")
        page.load(
            handlers.localize,
            conv,
            [conv, language, header, chatbot, box, send, clear, examples_],
            show_progress="hidden",
        )
    return page
