"""The pages and the widget in headless Chromium, against a real `assistant serve`."""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from assistant._smalltalk import REPLIES
from tests.assistant.llm_stub import Reply, StubLLMServer
from tests.ui.conftest import EXAMPLES, GUIDE, Served, publish, serving
from ui._i18n import LANGUAGES, guide_examples, strings

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ANSWER_TIMEOUT_MS = 30_000
# The machine is shared: a page can take longer than expect's default 5 s to load or answer.
expect.set_options(timeout=ANSWER_TIMEOUT_MS)
LOOPBACK = ("127.0.0.1", "localhost")
NewPage = Callable[..., Page]


@pytest.fixture
def new_page(browser: Browser) -> Iterator[NewPage]:
    """Open pages in fresh browser contexts (own locale, no shared storage)."""
    contexts = []

    def open_page(
        locale: str = "en-US", width: int = 1100, height: int = 900, touch: bool = False
    ) -> Page:
        context = browser.new_context(
            locale=locale,
            viewport={"width": width, "height": height},
            is_mobile=touch,
            has_touch=touch,
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(ANSWER_TIMEOUT_MS)
        return page

    yield open_page
    for context in contexts:
        context.close()


def ready(page: Page) -> None:
    """Wait until the page (or widget frame) has loaded the reader's language, as a reader
    would before typing: Gradio may drop an event sent while the page is still starting."""
    expect(page.locator("#page-language span[lang]")).to_be_attached()


def ask(page: Page, question: str) -> None:
    """Type a question into the page (or widget frame), press Enter, and wait until the chat
    shows it (a question sent while the previous answer is still finishing waits for it)."""
    ready(page)
    asked = page.locator("#chat [data-testid='user']")
    before = asked.count()
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    expect(asked).to_have_count(before + 1)


def test_chat_page_answers_in_swedish_with_links_to_sections(
    served: Served, new_page: NewPage, results: Path
) -> None:
    page = new_page(locale="en-US")
    outside: list[str] = []
    page.on(
        "request",
        lambda r: (
            outside.append(r.url)
            if r.url.startswith("http") and urlsplit(r.url).hostname not in LOOPBACK
            else None
        ),
    )
    page.goto(f"{served.url}/?lang=sv")
    expect(page.locator("#header")).to_contain_text("Hjälpcenter")
    expect(page.locator("#question textarea")).to_have_attribute("placeholder", "Ställ en fråga…")
    expect(page.locator("#send")).to_have_text("Skicka")
    expect(page.locator("#examples")).to_contain_text("Exempel")
    expect(page.locator("#examples")).to_contain_text("Hur skapar jag en ny kontakt?")

    ask(page, "Hur lägger jag till en ny användare?")
    link = page.locator("#chat [data-testid='bot'] a[href^='https://docs.superoffice.com/sv/']")
    expect(link.first).to_be_visible()
    expect(page.locator("#chat [data-testid='bot']").last).to_contain_text("Källor")
    href = link.first.get_attribute("href") or ""
    assert "#" in href, href
    assert link.first.get_attribute("target") == "_blank"
    assert "noopener" in (link.first.get_attribute("rel") or "")
    assert outside == [], "the page must not load anything from outside the server"

    shot = results / "chat.png"
    page.screenshot(path=shot)
    publish(shot, "chat.png")


def test_page_strings_follow_the_browser_language(
    served: Served, new_page: NewPage, results: Path
) -> None:
    page = new_page(locale="de-DE")
    page.goto(served.url)
    expect(page.locator("#header")).to_contain_text("Hilfe-Center")
    expect(page.locator("#send")).to_have_text("Senden")
    expect(page.locator("#clear")).to_have_text("Neues Gespräch")
    page.screenshot(path=results / "german.png")


@pytest.mark.parametrize(
    ("lang", "locale", "labels"),
    [
        ("sv", "en-US", ("Rensa chatten", "Kopiera meddelandet", "Gilla", "Ogilla")),
        ("de", "en-US", ("Chat leeren", "Nachricht kopieren", "Gefällt mir", "Gefällt mir nicht")),
        ("en", "sv-SE", ("Clear", "Copy message", "Like", "Dislike")),
        # Gradio has no Danish: the page gives its labels ours, not the browser's Swedish.
        ("da", "sv-SE", ("Ryd chatten", "Kopiér beskeden", "Synes godt om", "Synes ikke om")),
    ],
)
def test_gradios_own_labels_follow_the_page_language(
    guide_served: Served, new_page: NewPage, lang: str, locale: str, labels: tuple[str, ...]
) -> None:
    page = new_page(locale=locale)
    page.goto(f"{guide_served.url}/?lang={lang}")
    question = guide_examples(lang)[0]
    ask(page, question)
    expect(page.locator("#chat [data-testid='bot']")).to_have_count(1)
    # What a screen reader says of each message opens in the page's language too.
    text = strings(lang)
    asked = page.locator("#chat [data-testid='user']")
    expect(asked).to_have_attribute("aria-label", f"{text['question_label']}: {question}")
    answer = page.locator("#chat [data-testid='bot']")
    expect(answer).to_have_attribute("aria-label", re.compile(f"^{text['answer_label']}: ."))
    for label in labels:
        button = page.locator(f"#chat button[aria-label='{label}']").last
        expect(button).to_be_visible()
        expect(button).to_have_attribute("title", label)
    log = page.locator("#chat [role='log']")
    expect(log).to_have_attribute("aria-label", strings(lang)["conversation"])


def test_admin_page_answers_onboarding_questions(
    served: Served, new_page: NewPage, results: Path
) -> None:
    page = new_page()
    page.goto(f"{served.url}/admin?lang=en")
    expect(page.locator("#header")).to_contain_text("Help center for administrators")
    ready(page)
    example = page.locator("#examples").get_by_text("How do I get my users to adopt the CRM?")
    example.click()
    expect(
        page.locator("#chat [data-testid='bot'] a[href*='/en/admin/getting-started#']").first
    ).to_be_visible()
    page.screenshot(path=results / "admin.png")


def test_markup_in_a_question_is_shown_not_run(
    served: Served, new_page: NewPage, results: Path
) -> None:
    page = new_page()
    page.goto(f"{served.url}/?lang=en")
    ask(page, 'Add a user <img src=x onerror="window.pwned=1"><script>window.pwned=2</script>')
    expect(page.locator("#chat [data-testid='bot']").first).to_be_visible()
    assert page.evaluate("window.pwned") is None
    assert page.locator("#chat [onerror]").count() == 0
    assert page.locator("#chat script").count() == 0
    page.screenshot(path=results / "markup.png")


def test_a_question_is_shown_exactly_as_typed(guide_served: Served, new_page: NewPage) -> None:
    page = new_page()
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(urlsplit(r.url).path))
    page.goto(f"{guide_served.url}/?lang=en")
    typed = ["<img src=x onerror=alert(1)>", "<b>bold</b> **md** <svg></svg> # 1. `c`"]
    for question in typed:
        ask(page, question)
    expect(page.locator("#chat [data-testid='bot']")).to_have_count(len(typed))
    asked = page.locator("#chat [data-testid='user']")
    for n, question in enumerate(typed):
        assert asked.nth(n).inner_text() == question
        expect(asked.nth(n)).to_have_attribute("aria-label", f"Your question: {question}")
    assert asked.locator("img, b, strong, svg, code, h1, ol").count() == 0
    assert "/x" not in fetched


def test_questions_sent_back_to_back_are_each_answered_below_their_own(
    guide_served: Served, new_page: NewPage
) -> None:
    page = new_page()
    page.goto(f"{guide_served.url}/?lang=en")
    ready(page)
    questions = guide_examples("en")[:4]
    box = page.locator("#question textarea")
    # Faster than any reader: each sent as soon as the box is empty again, without waiting for
    # a question to show or its answer to begin.
    for question in questions:
        box.fill(question)
        box.press("Enter")
        expect(box).to_have_value("")
    messages = page.locator("#chat [data-testid='user'], #chat [data-testid='bot']")
    expect(page.locator("#chat [data-testid='bot']")).to_have_count(len(questions))
    roles = [m.get_attribute("data-testid") for m in messages.all()]
    assert roles == ["user", "bot"] * len(questions), roles
    shown = page.locator("#chat [data-testid='user']").all_inner_texts()
    assert sorted(shown) == sorted(questions), "each question once, none lost"
    expect(box).to_have_value("")


def test_a_lost_server_is_told_in_the_pages_language_and_the_question_outlives_the_reload(
    guide_served: Served, new_page: NewPage
) -> None:
    page = new_page(locale="en-US")
    page.goto(f"{guide_served.url}/?lang=sv")
    ready(page)
    page.evaluate("() => { window.beforeReload = true; }")
    question = guide_examples("sv")[0]
    box = page.locator("#question textarea")
    page.context.set_offline(True)
    box.fill(question)
    box.press("Enter")
    notice = page.locator("[data-testid='toast-body']")
    expect(notice).to_contain_text(strings("sv")["connection_lost"])
    expect(notice).not_to_contain_text("Error", use_inner_text=True)
    expect(notice.locator("[data-testid='toast-close']")).to_have_attribute(
        "aria-label", strings("sv")["close"]
    )
    expect(box).to_have_value(question)
    # Back online, Gradio reloads the page; the question is in the box again, to be sent.
    page.context.set_offline(False)
    page.wait_for_function("() => window.beforeReload === undefined")
    ready(page)
    expect(box).to_have_value(question)
    box.press("Enter")
    expect(page.locator("#chat [data-testid='user']")).to_have_text(question)
    expect(page.locator("#chat [data-testid='bot']")).to_have_count(1)
    page.reload()
    ready(page)
    expect(box).to_have_value("")


def test_a_greeting_is_greeted_in_the_pages_language(
    guide_served: Served, new_page: NewPage
) -> None:
    page = new_page()
    page.goto(f"{guide_served.url}/?lang=da")
    ask(page, "Hej!")
    reply = page.locator("#chat [data-testid='bot']").last
    expect(reply).to_contain_text(REPLIES["greeting"]["da"])
    expect(reply).not_to_contain_text(strings("da")["not_found_hint"])
    assert reply.locator("a").count() == 0
    # Nothing to vote on: the reply keeps its copy button, Gradio's thumbs are hidden.
    buttons = reply.locator("xpath=ancestor::div[contains(@class, 'message-row')][1]").locator(
        "xpath=following-sibling::div[contains(@class, 'message-buttons')][1]"
    )
    expect(buttons.locator("button[data-gradio-aria-label='Copy message']")).to_be_visible()
    for vote in ("Like", "Dislike"):
        thumb = buttons.locator(f"button[data-gradio-aria-label='{vote}']")
        expect(thumb).to_have_count(1)
        expect(thumb).to_be_hidden()


def test_a_question_over_the_limit_is_kept_whole_with_a_warning(
    guide_served: Served, new_page: NewPage
) -> None:
    page = new_page(locale="en-US")
    page.goto(f"{guide_served.url}/?lang=fi")
    long = "Miten indeksoin omat ohjeartikkelini? " * 60
    box = page.locator("#question textarea")
    expect(box).to_have_attribute("placeholder", strings("fi")["placeholder"])
    box.fill(long)
    box.press("Enter")
    warning = page.locator("[data-testid='toast-body']")
    expect(warning).to_contain_text(strings("fi")["too_long"])
    expect(warning).not_to_contain_text("Warning", use_inner_text=True)
    assert box.input_value() == long
    expect(page.locator("#chat [data-testid='user']")).to_have_count(0)
    expect(page.locator("#chat [data-testid='bot']")).to_have_count(0)
    assert "Miten indeksoin" not in guide_served.report()


@pytest.mark.parametrize(
    ("path", "locale", "lang", "title"),
    [
        ("/?lang=sv", "en-US", "sv", "Hjälpcenter"),
        ("/", "nl-NL", "nl", "Helpcentrum"),
        ("/admin/?lang=de", "en-US", "de", "Hilfe-Center für Administratoren"),
        ("/widget/?lang=fi", "en-US", "fi", "Ohje"),
    ],
)
def test_the_document_has_the_pages_language_and_title(
    guide_served: Served, new_page: NewPage, path: str, locale: str, lang: str, title: str
) -> None:
    page = new_page(locale=locale)
    page.goto(guide_served.url + path)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page).to_have_title(title)


@pytest.mark.parametrize(("path", "width"), [("/", 375), ("/widget/", 335)])
def test_the_send_label_fits_its_button_on_a_phone(
    guide_served: Served, new_page: NewPage, results: Path, path: str, width: int
) -> None:
    page = new_page(width=width, height=700)
    send = page.locator("#send")
    for lang in LANGUAGES:
        page.goto(f"{guide_served.url}{path}?lang={lang}")
        expect(send).to_have_text(strings(lang)["send"])
        fit = send.evaluate(
            """button => {
                const label = document.createRange();
                label.selectNodeContents(button);
                const text = label.getBoundingClientRect(), box = button.getBoundingClientRect();
                return { overflow: button.scrollWidth - button.clientWidth,
                         left: text.left - box.left, right: box.right - text.right };
            }"""
        )
        page.screenshot(path=results / f"send-{lang}.png")
        assert fit["overflow"] <= 0 and fit["left"] >= 0 and fit["right"] >= 0, (lang, fit)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_question_box_and_send_show_the_keyboard_focus(
    guide_served: Served, new_page: NewPage, results: Path, theme: str
) -> None:
    page = new_page()
    page.goto(f"{guide_served.url}/?lang=en&__theme={theme}")
    box = page.locator("#question textarea")
    border = box.evaluate("e => getComputedStyle(e).borderTopWidth")
    assert border != "0px", border
    box.focus()
    for focused in (box, page.locator("#send")):
        expect(focused).to_be_focused()
        outline = focused.evaluate(
            "e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineWidth]; }"
        )
        assert outline[0] != "none" and outline[1] not in ("0px", ""), outline
        page.keyboard.press("Tab")
    page.screenshot(path=results / f"focus-{theme}.png")


def test_the_scroll_down_button_leaves_the_answer_it_held(
    guide_served: Served, new_page: NewPage
) -> None:
    page = new_page(height=620)  # a chat 320 px high, shorter than the answer
    page.goto(f"{guide_served.url}/?lang=en")
    for n in (1, 2):
        ask(page, guide_examples("en")[1])
        expect(_answers(page)).to_have_count(n)
        expect(_answers(page).last.locator("a").first).to_be_visible()
    page.wait_for_timeout(500)  # the scroll runs after the answer is drawn
    wrap = page.locator("#chat .bubble-wrap")
    held = wrap.evaluate("w => w.scrollTop")
    assert wrap.evaluate("w => w.scrollHeight - w.clientHeight") > held + 100
    down = page.locator(f"#chat button[aria-label='{strings('en')['scroll_down']}']")
    down.click()
    page.wait_for_timeout(1000)  # long enough for the pinning to pull it back
    bottom = wrap.evaluate("w => [w.scrollTop, w.scrollHeight - w.clientHeight]")
    assert bottom[0] > held and bottom[0] >= bottom[1] - 2, (held, bottom)


def test_a_phone_shows_the_question_box_and_buttons_for_a_finger(
    guide_served: Served, new_page: NewPage, results: Path
) -> None:
    page = new_page(locale="de-DE", width=375, height=740, touch=True)
    page.goto(guide_served.url)
    box = page.locator("#question textarea")
    expect(page.locator("#send")).to_have_text(strings("de")["send"])
    bottom = box.evaluate("e => e.getBoundingClientRect().bottom")
    assert bottom <= 740, bottom
    ask(page, guide_examples("de")[0])
    expect(page.locator("#chat button[aria-label='Gefällt mir']")).to_be_visible()
    page.screenshot(path=results / "phone.png")
    small = page.evaluate(
        """() => [...document.querySelectorAll('#chat button, #examples button, #clear')]
            .filter(b => b.offsetWidth && (b.offsetWidth < 40 || b.offsetHeight < 40))
            .map(b => b.getAttribute('aria-label') || b.innerText)"""
    )
    assert small == [], small


def test_widget_on_an_allowed_site_answers_in_norwegian(
    served: Served, new_page: NewPage, results: Path
) -> None:
    page = new_page(width=1000, height=720)
    page.goto(served.allowed_site)
    launcher = page.locator("#helpcenter-widget button.launcher")
    expect(launcher).to_have_attribute("aria-label", "Åpne hjelp")
    launcher.click()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    iframe = page.locator("#helpcenter-widget iframe")
    assert (iframe.get_attribute("src") or "").startswith(f"{served.url}/widget/?")
    widget = page.frame_locator("#helpcenter-widget iframe")
    expect(widget.locator("#header")).to_contain_text("Hjelp")
    ask_in = widget.locator("#question textarea")
    ask_in.fill("Hvordan legger jeg til en ny bruker?")
    ask_in.press("Enter")
    expect(
        widget.locator(
            "#chat [data-testid='bot'] a[href^='https://docs.superoffice.com/no/']"
        ).first
    ).to_be_visible()
    expect(widget.locator("#chat button[aria-label='Liker ikke']").first).to_be_visible()
    shot = results / "widget.png"
    page.screenshot(path=shot)
    publish(shot, "widget.png")

    launcher.click()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(iframe).to_be_hidden()


def test_escape_in_the_widget_closes_it_and_focuses_the_launcher(
    guide_served: Served, new_page: NewPage
) -> None:
    page = new_page(width=1000, height=720)
    page.goto(guide_served.allowed_site)
    launcher = page.locator("#helpcenter-widget button.launcher")
    launcher.click()
    box = page.frame_locator("#helpcenter-widget iframe").locator("#question textarea")
    box.click()
    # The host page's own scripts cannot close the widget by posting the same message.
    page.evaluate("window.postMessage({ type: 'helpcenter-widget:close' }, '*')")
    page.wait_for_timeout(300)
    expect(launcher).to_have_attribute("aria-expanded", "true")
    box.press("Escape")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#helpcenter-widget iframe")).to_be_hidden()
    expect(launcher).to_be_focused()


def test_the_widget_opened_from_the_keyboard_takes_the_focus(
    guide_served: Served, new_page: NewPage
) -> None:
    page = new_page(width=1000, height=720)
    page.goto(guide_served.allowed_site)
    launcher = page.locator("#helpcenter-widget button.launcher")
    box = page.frame_locator("#helpcenter-widget iframe").locator("#question textarea")
    launcher.focus()
    page.keyboard.press("Enter")
    expect(box).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(launcher).to_be_focused()
    page.keyboard.press("Tab")
    expect(box).to_be_focused()
    page.keyboard.press("Escape")
    expect(launcher).to_be_focused()
    page.keyboard.press("Enter")
    expect(box).to_be_focused()


def test_a_site_not_in_allowed_origins_is_told_how_to_allow_it(
    served: Served, new_page: NewPage, results: Path
) -> None:
    page = new_page(width=1000, height=720)
    page.goto(served.other_site)
    page.locator("#helpcenter-widget button.launcher").click()
    notice = page.locator("#helpcenter-widget .blocked")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("server.allowed_origins")
    expect(notice).to_contain_text("bygge inn assistenten")  # data-lang="no"
    assert page.locator("#helpcenter-widget iframe").count() == 0
    shot = results / "widget-blocked.png"
    page.screenshot(path=shot)
    publish(shot, "widget-blocked.png")
    refused = f"refused to let '{served.other_site}' embed the widget"
    deadline = time.monotonic() + 10
    while refused not in served.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    page.reload()
    page.locator("#helpcenter-widget button.launcher").click()
    expect(notice).to_be_visible()
    assert served.log.read_text().count(refused) == 1, "logged once per origin"


def _answers(page: Page) -> Locator:
    return page.locator("#chat [data-testid='bot']")


def _first_link(answer: Locator) -> str:
    """The first source's link: the last list of an answer is its sources (the answer's own
    text may link other docs pages before it)."""
    link = answer.locator("ol").last.locator("a[href^='https://docs.superoffice.com/']").first
    expect(link).to_be_visible()
    return link.get_attribute("href") or ""


def test_a_follow_up_is_answered_from_its_own_section(
    served: Served, new_page: NewPage, results: Path
) -> None:
    page = new_page(locale="sv-SE", width=1280, height=900)
    page.goto(f"{served.url}/?lang=sv")
    ask(page, "Hur lägger jag till en ny användare?")
    expect(_answers(page)).to_have_count(1)
    first = _first_link(_answers(page).nth(0))
    assert "/sv/admin/user-management/add-associate#" in first, first
    ask(page, "Hur tar jag bort en medarbetare?")
    expect(_answers(page)).to_have_count(2)
    second = _first_link(_answers(page).nth(1))
    assert second.endswith("/sv/admin/user-management/update-user#delete"), second
    expect(_answers(page).nth(1)).to_contain_text("Ta bort medarbetare")
    shot = results / "followup.png"
    page.screenshot(path=shot)
    publish(shot, "followup.png")


@pytest.mark.parametrize("lang", sorted(EXAMPLES))
def test_every_example_is_answered_from_its_article(
    served: Served, new_page: NewPage, lang: str
) -> None:
    page = new_page()
    page.goto(f"{served.url}/?lang={lang}")
    ready(page)
    shown = page.locator("#examples button")
    expect(shown).to_have_count(len(EXAMPLES[lang]))
    for n, (question, article) in enumerate(EXAMPLES[lang].items()):
        page.locator("#examples").get_by_text(question, exact=True).click()
        expect(_answers(page)).to_have_count(n + 1)
        href = _first_link(_answers(page).nth(n))
        assert f"/{lang}/{article}" in href, (question, href)


def test_a_long_answer_is_shown_from_its_start(served: Served, new_page: NewPage) -> None:
    page = new_page(width=900, height=900)
    page.goto(f"{served.url}/?lang=sv")
    for n, question in enumerate(
        ("Hur skapar jag en ny kontakt?", "Hur lägger jag till en ny användare?"), start=1
    ):
        ask(page, question)
        expect(_answers(page)).to_have_count(n)
        expect(_answers(page).nth(n - 1).locator("a").first).to_be_visible()
    page.wait_for_timeout(500)  # the scroll runs after the answer is drawn
    wrap = page.locator("#chat .bubble-wrap").bounding_box()
    question = page.locator("#chat [data-testid='user']").last.bounding_box()
    answer = _answers(page).last.bounding_box()
    assert wrap and question and answer
    overflow = page.evaluate(
        "() => { const w = document.querySelector('#chat .bubble-wrap');"
        " return w.scrollHeight - w.clientHeight; }"
    )
    assert overflow > 0, "the conversation must be longer than the chat"
    assert wrap["y"] <= question["y"] < answer["y"] < wrap["y"] + wrap["height"] / 2
    assert answer["y"] + answer["height"] > wrap["y"] + wrap["height"], "the end is below"


def test_headings_follow_the_answers_language(served: Served, new_page: NewPage) -> None:
    page = new_page(locale="en-US")
    page.goto(served.url)
    expect(page.locator("#examples")).to_contain_text("How do I add a new user?")
    ask(page, "Hvordan oppretter jeg et prosjekt?")
    answer = _answers(page).last
    expect(answer).to_contain_text("Kilder")
    expect(answer).not_to_contain_text("Sources")
    # Screen readers read it in Norwegian on this English page.
    expect(answer).to_have_attribute("lang", "no")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#examples")).to_contain_text("Eksempler")
    expect(page.locator("#examples")).to_contain_text("Hvordan oppretter jeg et prosjekt?")


def test_answers_hold_no_picture_names_and_only_real_links(
    served: Served, new_page: NewPage
) -> None:
    page = new_page()
    page.goto(f"{served.url}/?lang=sv")
    ask(page, "Hur lägger jag till en ny användare?")
    answer = _answers(page).last
    expect(answer.locator("a").first).to_be_visible()
    assert "screenshot" not in answer.inner_text().lower()
    for link in answer.locator("a").all():
        assert (link.get_attribute("href") or "").startswith("https://"), link.inner_text()


@pytest.mark.parametrize("width", [1280, 375])
def test_the_chat_buttons_do_not_overlap(
    served: Served, new_page: NewPage, results: Path, width: int
) -> None:
    page = new_page(locale="sv-SE", width=width, height=800)
    page.goto(f"{served.url}/?lang=sv")
    for n, question in enumerate(
        ("Hur skapar jag ett projekt?", "Hur lägger jag till en ny användare?"), start=1
    ):
        ask(page, question)
        expect(_answers(page)).to_have_count(n)
    page.wait_for_timeout(500)
    chat = page.locator("#chat").bounding_box()
    assert chat
    boxes = []  # the buttons and questions as far as they show inside the chat
    for element in page.locator("#chat button, #chat [data-testid='user']").all():
        box = element.bounding_box() if element.is_visible() else None
        if box:
            top = max(box["y"], chat["y"])
            bottom = min(box["y"] + box["height"], chat["y"] + chat["height"])
            if bottom > top:
                boxes.append({**box, "y": top, "height": bottom - top})
    assert len(boxes) >= 5
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = (
                a["x"] + a["width"] <= b["x"]
                or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"]
                or b["y"] + b["height"] <= a["y"]
            )
            assert apart, (a, b)
    page.screenshot(path=results / f"chat-{width}.png")


def test_thumbs_down_is_stored_and_reported(
    served: Served, new_page: NewPage, results: Path
) -> None:
    question = "How do I add a user with a different user plan?"
    page = new_page()
    page.goto(f"{served.url}/?lang=en")
    ask(page, question)
    bot = page.locator("#chat [data-testid='bot']").first
    expect(bot).to_be_visible()
    page.locator("#chat button[aria-label='Dislike']").first.click()
    page.screenshot(path=results / "disliked.png")
    deadline = time.monotonic() + 15
    report = served.report()
    while question not in report and time.monotonic() < deadline:
        time.sleep(0.5)
        report = served.report()
    (results / "report.txt").write_text(report, "utf-8")
    row = next(line for line in report.splitlines() if question in line)
    assert row.split()[2] == "1", report  # one down vote


#: Run before the page's scripts: keep each text the page shows (or announces), however briefly.
RECORD_TEXTS = """
window.shownTexts = [];
function keep(text) {
  var parent = text.parentElement;
  if (!(parent && parent.closest("script, style"))) { window.shownTexts.push(text.data); }
}
new MutationObserver(function (changes) {
  changes.forEach(function (change) {
    var nodes = change.type === "characterData" ? [change.target] : change.addedNodes;
    nodes.forEach(function (node) {
      var texts = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
      if (node.nodeType === Node.TEXT_NODE) { keep(node); }
      while (texts.nextNode()) { keep(texts.currentNode); }
    });
  });
}).observe(document, { childList: true, subtree: true, characterData: true });
"""


def test_screen_readers_hear_no_untranslated_key(guide_served: Served, new_page: NewPage) -> None:
    page = new_page(locale="en-US")
    page.add_init_script(RECORD_TEXTS)
    page.goto(f"{guide_served.url}/?lang=en")
    ask(page, "How do I index my own Markdown help articles?")
    expect(page.locator("#chat [data-testid='bot']")).to_have_count(1)
    # Gradio announces an answer written in the page's language, at most every 5 s.
    done = strings("en")["done"]
    page.wait_for_function("done => window.shownTexts.includes(done)", arg=done)
    page.evaluate("window.shownTexts = []")
    page.locator("#chat button[aria-label='Dislike']").first.click()
    page.wait_for_timeout(6000)
    texts = [*page.evaluate("window.shownTexts"), page.locator("body").inner_text()]
    assert [text for text in texts if "common." in text or text == done] == [], "a vote is silent"


#: "Sources" in every language: an answer's headings are in the question's language.
SOURCES = re.compile("|".join(strings(lang)["sources"] for lang in LANGUAGES))


def test_answer_latency_in_the_chat_page(
    served: Served, new_page: NewPage, results: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = [
        "Hur lägger jag till en ny användare?",
        "Hvordan oppretter jeg en ny kontakt?",
        "How do I create a project?",
        "Vad ska jag förbereda innan jag importerar data?",
        "How do I get my users to adopt the CRM?",
        "Hvordan oppretter jeg et prosjekt?",
        "Hur skapar jag en ny kontakt?",
        "What should I prepare before importing data?",
        "Hvordan legger jeg til en ny bruker?",
        "How do I add a new user?",
    ]
    page = new_page()
    page.goto(f"{served.url}/?lang=en")
    ready(page)
    answers = page.locator("#chat [data-testid='bot']")
    marked = page.locator("#page-language i[lang], #page-language b[lang]")
    seconds = []
    for n, question in enumerate(questions, start=1):
        page.locator("#question textarea").fill(question)
        started = time.perf_counter()
        page.locator("#question textarea").press("Enter")
        expect(answers).to_have_count(n)
        expect(answers.nth(n - 1)).to_contain_text(SOURCES)
        seconds.append(time.perf_counter() - started)
        # As a reader, who reads an answer before asking the next question: once the answer's
        # event has ended (its language is marked), not while Gradio is still finishing it.
        expect(marked).to_have_count(n)
    p50 = statistics.median(seconds)
    summary = {"questions": len(seconds), "p50_s": round(p50, 3), "max_s": round(max(seconds), 3)}
    (results / "latency.json").write_text(json.dumps(summary, indent=2), "utf-8")
    page.screenshot(path=results / "conversation.png")
    with capsys.disabled():
        print(f"\nchat page, Enter to answer shown: p50 {p50 * 1000:.0f} ms over {len(seconds)}")


#: A table wider than a phone: three columns of long words.
WIDE_TABLE = (
    "| Einstellung | Beschreibung | Standardwert |\n|---|---|---|\n"
    "| Zugelassene Herkunftsadressen | Webseitenadressen, die das Hilfefenster einbetten dürfen "
    "| Keine Einbettungsberechtigung |\n"
    "| Anfragebegrenzung | Höchstzahl gleichzeitiger Benutzeranfragen | Zwanzigtausend |\n\n"
    "Siehe [1]."
)


def test_a_table_on_a_phone_scrolls_with_its_words_whole(
    tmp_path: Path, new_page: NewPage, results: Path
) -> None:
    with StubLLMServer() as llm:
        more = f"retrieval:\n  min_score: 0.0\nllm:\n  base_url: {llm.url}\n  model: stub\n"
        with serving(tmp_path, GUIDE, "backend: fake", more) as served:
            llm.script(Reply(WIDE_TABLE))
            page = new_page(width=375, height=740, touch=True)
            page.goto(f"{served.url}/?lang=de")
            ask(page, guide_examples("de")[0])
            # Written, the answer is drawn again with its sources: its language marks the end.
            expect(_answers(page).last).to_have_attribute("lang", "de")
            table = _answers(page).last.locator("table")
            expect(table).to_be_visible()
            table.scroll_into_view_if_needed()
            page.screenshot(path=results / "table.png")
            fit = table.evaluate(
                """t => ({
                    scrolls: t.scrollWidth > t.clientWidth,
                    overflow: getComputedStyle(t).overflowX,
                    page: document.documentElement.scrollWidth,
                    broken: [...t.querySelectorAll('td, th')].filter(cell => {
                        const words = cell.textContent.trim().split(/\\s+/);
                        const range = document.createRange();
                        range.selectNodeContents(cell);
                        const lines = new Set([...range.getClientRects()]
                            .map(r => Math.round(r.top))).size;
                        return lines > words.length;
                    }).map(cell => cell.textContent),
                })"""
            )
    assert fit["scrolls"] and fit["overflow"] == "auto", fit
    assert fit["page"] <= 375, fit
    assert fit["broken"] == [], fit


@pytest.fixture
def slow_llm(tmp_path: Path) -> Iterator[tuple[Served, StubLLMServer]]:
    """`assistant serve` over the bundled guide, answering through an OpenAI-compatible stub
    that writes each answer slowly, one word every 0.2 s."""
    with StubLLMServer() as llm:
        # The fake embedder's relevance is low: never decline here.
        more = f"retrieval:\n  min_score: 0.0\nllm:\n  base_url: {llm.url}\n  model: stub\n"
        with serving(tmp_path, GUIDE, "backend: fake", more) as server:
            yield server, llm


WORDS = 30
"""Words of the slowly written first answer: 6 s at the stub's pace."""


def writing(page: Page, served: Served, llm: StubLLMServer, *then: Reply) -> Locator:
    """Ask a first question whose answer the stub writes slowly, the `then` replies after it;
    return that answer's message once its writing has begun."""
    first = " ".join(f"first{n}" for n in range(WORDS)) + " [1]."
    llm.script(Reply(first, chunk_delay=0.2), *then)
    page.goto(f"{served.url}/?lang=en")
    ask(page, "How do I index my own Markdown help articles?")
    answer = page.locator("#chat [data-testid='bot']").first
    expect(answer).to_contain_text("first3")
    return answer


def test_the_next_question_can_be_typed_and_sent_while_an_answer_is_written(
    slow_llm: tuple[Served, StubLLMServer], new_page: NewPage
) -> None:
    served, llm = slow_llm
    second = "How do I embed the widget on my website?"
    # The second question made to stand alone, then its answer.
    answer = writing(new_page(), served, llm, Reply(second), Reply("Second answer [1]."))
    page = answer.page
    box = page.locator("#question textarea")
    box.fill(second)
    expect(answer).to_contain_text("first8")
    expect(box).to_have_value(second)
    assert len(llm.sent) < WORDS, "the first answer was finished before the second question"
    box.press("Enter")
    expect(page.locator("#chat [data-testid='user']")).to_have_count(2)
    expect(page.locator("#chat [data-testid='bot']").nth(1)).to_contain_text("Second answer")
    expect(answer).to_contain_text(f"first{WORDS - 1}")
    expect(box).to_have_value("")
    asked = [seen.body["messages"][-1]["content"] for seen in llm.requests]
    assert len(asked) == 3 and second in asked[1] and second in asked[2], asked


def test_an_example_clicked_while_an_answer_is_written_is_answered_below_it(
    slow_llm: tuple[Served, StubLLMServer], new_page: NewPage
) -> None:
    served, llm = slow_llm
    example = "How do I create a project?"
    # Asked after the first question, as a typed one: made to stand alone, then answered.
    answer = writing(new_page(), served, llm, Reply(example), Reply("Second answer [1]."))
    page = answer.page
    page.locator("#examples").get_by_text(example).click()
    assert len(llm.sent) < WORDS, "the first answer was finished before the example was clicked"
    asked = page.locator("#chat [data-testid='user']")
    expect(asked).to_have_count(2)
    expect(asked.nth(1)).to_have_text(example)
    expect(page.locator("#chat [data-testid='bot']").nth(1)).to_contain_text("Second answer")
    expect(answer).to_contain_text(f"first{WORDS - 1}")
    expect(answer).not_to_contain_text("Second answer")
    sent = [seen.body["messages"][-1]["content"] for seen in llm.requests]
    assert len(sent) == 3 and example in sent[1] and example in sent[2], sent


def test_a_new_conversation_stops_the_answer_being_written(
    slow_llm: tuple[Served, StubLLMServer], new_page: NewPage
) -> None:
    served, llm = slow_llm
    page = writing(new_page(), served, llm, Reply("Second answer [1].")).page
    page.locator("#clear").click()
    expect(page.locator("#chat [data-testid='user']")).to_have_count(0)
    page.wait_for_timeout(WORDS * 200 + 1000)  # until the first answer would have ended
    expect(page.locator("#chat [data-testid='user']")).to_have_count(0)
    expect(page.locator("#chat [data-testid='bot']")).to_have_count(0)
    ask(page, "How do I embed the widget on my website?")
    expect(page.locator("#chat [data-testid='bot']")).to_have_count(1)
    expect(page.locator("#chat [data-testid='bot']").first).to_contain_text("Second answer")
