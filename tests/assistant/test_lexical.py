"""The lexical side matches Germanic compounds to their parts, in both directions, and is
kept beside the index after its first build."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import assistant._lexical as lexical
from assistant._lexical import CompoundOptions, LexicalIndex, keep, kept, kept_or_built

SECTIONS = [
    ("de", "Die Kategorie einer Anfrage ändern: jede Anfrage hat genau eine Kategorie."),
    ("de", "Neue Verkäufe anlegen und die Verkaufsphasen anpassen."),
    ("de", "Die Anfragekategorien werden in den Einstellungen verwaltet."),
    ("de", "Einen Termin im Kalender planen."),
    ("da", "Opsæt et domæne til udsendelser, så modtagerne stoler på afsenderen."),
    ("da", "Opret et nyt salg og tilføj produkter."),
    ("sv", "Ändra inställningar för en användare under Personliga val."),
    ("sv", "Skapa en ny försäljning från företagskortet."),
    ("en", "How to create a new sale in the sales module."),
    ("en", "Change the preferences of a user."),
    ("en", "Install SuperOffice on the server."),
]
LANGS = [lang for lang, _ in SECTIONS]
TEXTS = [text for _, text in SECTIONS]


@pytest.fixture(scope="module")
def index() -> LexicalIndex:
    return LexicalIndex(LANGS, TEXTS)


def rows(index: LexicalIndex, query: str, lang: str) -> list[int]:
    return [row for row, _ in index.search(query, lang, k=10)]


def test_question_compound_finds_its_parts(index: LexicalIndex) -> None:
    assert set(rows(index, "Wie ändere ich die Anfragekategorie?", "de")[:2]) == {0, 2}
    assert rows(index, "mailingdomæne", "da")[0] == 4
    assert rows(index, "Var ändrar jag användarinställningar?", "sv")[0] == 6


def test_parts_in_the_question_find_a_compound_in_a_section(index: LexicalIndex) -> None:
    assert 2 in rows(index, "Wo wird die Kategorie einer Anfrage verwaltet?", "de")[:2]
    assert rows(index, "Phase eines Verkaufs", "de")[0] == 1


def test_plain_stems_miss_what_compounds_find() -> None:
    plain = LexicalIndex(LANGS, TEXTS, CompoundOptions(mode="none"))
    assert rows(plain, "mailingdomæne", "da") == []
    assert 0 not in rows(plain, "Anfragekategorie", "de")


def test_english_is_unchanged(index: LexicalIndex) -> None:
    plain = LexicalIndex(LANGS, TEXTS, CompoundOptions(mode="none"))
    query = "how do I create a sale"
    assert index.search(query, "en") == plain.search(query, "en")
    assert rows(index, query, "en")[0] == 8


def test_languages_and_unknown_language(index: LexicalIndex) -> None:
    assert index.languages == {"de", "da", "sv", "en"}
    assert index.search("Anfrage", "fi") == []
    assert index.search("der die das", "de") == []


@pytest.mark.parametrize(
    ("query", "lang", "names"),
    [
        ("Kann ich Kunden per WhatsApp anschreiben?", "de", ("WhatsApp",)),
        ("Wie ändere ich die Anfragekategorie?", "de", ()),
        ("Neue Verkäufe im Treiber anlegen", "de", ()),
        ("How do I connect the sales module to Slack or Slack?", "en", ("Slack",)),
        ("Slack or not: how do I create a new sale?", "en", ()),
        ("How do I change the preferences of a User?", "en", ()),
        ("Ändra inställningar med BankID", "sv", ("BankID",)),
        ("Ändra Användarinställningar", "sv", ()),
        ("How do I create a new sale in Power BI?", "en", ("Power BI",)),
        (
            "Can I sync with Google Calendar or Apple Calendar?",
            "en",
            ("Google Calendar", "Apple Calendar"),
        ),
        ("Kan jag använda Google Workspace?", "sv", ("Google Workspace",)),
        ("Miten lähetän WhatsApp-viestin?", "fi", ("WhatsApp",)),
        ("Voiko SuperOfficessa tehdä Gantt-kaavion Saksan kanssa?", "fi", ()),
        # Chinese runs into a Latin name unspaced: one "word" with a capital inside.
        ("如何将选择导出到Excel？", "zh", ()),
        ("如何将选择导出到WhatsApp？", "zh", ()),
        ("如何 发送 WhatsApp 消息？", "zh", ("WhatsApp",)),
    ],
)
def test_names_no_section_mentions(
    index: LexicalIndex, query: str, lang: str, names: tuple[str, ...]
) -> None:
    assert index.unknown_names(query, lang) == names


def test_a_short_question_of_words_no_section_uses_is_strange(index: LexicalIndex) -> None:
    assert index.strange_words("asdf qwertz", "en") == ("asdf", "qwertz")
    assert index.strange_words("asdf server", "en") == ()  # one word the docs use
    assert index.strange_words("Instalation", "en") == ()  # misspelt, begins as "install"
    assert index.strange_words("asdf", "fi") == ()  # no sections in the language: no judging
    assert index.strange_words("asdf qwertz uiop hjkl", "en") == ()  # a longer question
    # A compound of the docs' words, with a linking "s" or an inflected last part.
    assert index.strange_words("Terminskalender", "de") == ()
    assert index.strange_words("Kalenderterminen", "de") == ()
    assert index.strange_words("Asdfkalender", "de") == ("Asdfkalender",)


QUERIES = [
    ("Wie ändere ich die Anfragekategorie?", "de"),
    ("mailingdomæne", "da"),
    ("Skapa försäljning", "sv"),
    ("how do I create a sale", "en"),
]


@pytest.fixture
def gen(tmp_path: Path) -> Path:
    """An index generation's folder."""
    folder = tmp_path / "gen"
    folder.mkdir()
    return folder


def _same(one: LexicalIndex, other: LexicalIndex) -> None:
    for query, lang in QUERIES:
        assert one.search(query, lang) == other.search(query, lang), query
    assert one.vocabularies == other.vocabularies
    assert one.languages == other.languages
    names = "Can I sign with BankID in Slack?"
    assert one.unknown_names(names, "en") == other.unknown_names(names, "en") == ("BankID", "Slack")
    assert one.strange_words("asdf qwer", "en") == other.strange_words("asdf qwer", "en")


def no_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any build of a lexical index fail the test."""

    def fail(*args: Any) -> None:
        raise AssertionError("built again")

    monkeypatch.setattr(LexicalIndex, "__init__", fail)


def counted_builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The languages whose lexical index is built from now on, in order."""
    built: list[str] = []
    build = lexical._LanguageIndex.build

    def counted(lang: str, *args: Any) -> Any:
        built.append(lang)
        return build(lang, *args)

    monkeypatch.setattr(lexical._LanguageIndex, "build", counted)
    return built


def test_the_index_is_kept_after_its_first_build_and_read_back_the_same(
    gen: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    heard: list[str] = []
    built = kept_or_built(LANGS, TEXTS, gen, heard.append)
    assert sorted(heard) == sorted(set(LANGS))
    [kept] = gen.iterdir()
    assert kept.name.startswith("lexical-")
    no_build(monkeypatch)
    _same(built, kept_or_built(LANGS, TEXTS, gen))
    keep(LANGS, TEXTS, gen)  # kept already: nothing built


@pytest.mark.parametrize(
    "damage",
    [
        lambda kept: (kept / "meta.json").write_text("{not json", "utf-8"),
        lambda kept: (kept / "vocabularies.json").write_text("[1, 2]", "utf-8"),
        lambda kept: (kept / "lang-0" / "rows.npy").write_bytes(b"\x93NUMPY garbage"),
        lambda kept: (kept / "lang-1" / "words" / "vocab.index.json").unlink(),
    ],
)
def test_a_damaged_kept_index_is_built_again_and_replaced(gen: Path, damage: Any) -> None:
    kept_or_built(LANGS, TEXTS, gen)
    [kept] = gen.iterdir()
    damage(kept)
    _same(LexicalIndex(LANGS, TEXTS), kept_or_built(LANGS, TEXTS, gen))
    assert LexicalIndex.load(kept, len(LANGS)) is not None


def test_a_kept_index_of_other_sections_versions_or_options_is_not_used(
    gen: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept_or_built(LANGS, TEXTS, gen)
    [kept] = gen.iterdir()
    assert LexicalIndex.load(kept, len(LANGS) + 1) is None
    assert LexicalIndex.load(kept, len(LANGS), CompoundOptions(mode="none")) is None
    monkeypatch.setattr(lexical, "SAVED_FORMAT", lexical.SAVED_FORMAT + 1)
    kept_or_built(LANGS, TEXTS, gen)
    assert len(list(gen.iterdir())) == 2, "the new format is kept beside the old"


def test_rows_outside_the_sections_are_refused(gen: Path) -> None:
    kept_or_built(LANGS, TEXTS, gen)
    [kept] = gen.iterdir()
    np.save(kept / "lang-0" / "rows.npy", np.array([0, 1, 2, 99]))
    assert LexicalIndex.load(kept, len(LANGS)) is None


def test_an_unwritable_folder_only_costs_the_build(
    gen: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = gen / "a-file"
    blocked.write_text("not a folder", "utf-8")
    with caplog.at_level("INFO", logger="assistant._lexical"):
        _same(LexicalIndex(LANGS, TEXTS), kept_or_built(LANGS, TEXTS, blocked))
    [said] = [r.message for r in caplog.records if r.name == "assistant._lexical"]
    assert said.startswith("the lexical index is built at every start")
    assert [p.name for p in gen.iterdir()] == ["a-file"]


def test_a_start_that_lost_the_race_leaves_the_kept_index_of_the_other(
    gen: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    kept_or_built(LANGS, TEXTS, other)
    [theirs] = other.iterdir()
    build = LexicalIndex.__init__

    def build_while_the_other_start_keeps_its_own(self: LexicalIndex, *args: Any) -> None:
        build(self, *args)
        shutil.copytree(theirs, gen / theirs.name)

    monkeypatch.setattr(LexicalIndex, "__init__", build_while_the_other_start_keeps_its_own)
    with caplog.at_level("INFO", logger="assistant._lexical"):
        kept_or_built(LANGS, TEXTS, gen)
    assert [p.name for p in gen.iterdir()] == [theirs.name]
    assert (gen / theirs.name / "meta.json").stat().st_mtime_ns == (
        theirs / "meta.json"
    ).stat().st_mtime_ns
    assert [r.message for r in caplog.records if r.name == "assistant._lexical"] == []


def test_a_language_whose_sections_did_not_change_is_taken_from_the_previous_index(
    gen: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    previous = kept_or_built(LANGS, TEXTS, gen / "before")
    langs = ["sv", *LANGS]  # a Swedish section added first: every row moves
    texts = ["Skapa en ny försäljning i mobilen.", *TEXTS]
    built = counted_builds(monkeypatch)
    keep(langs, texts, gen / "after", previous=kept(gen / "before", len(LANGS)))
    assert built == ["sv"]
    monkeypatch.undo()
    again = kept(gen / "after", len(langs))
    assert again is not None and again.digests != previous.digests
    _same(LexicalIndex(langs, texts), again)
    assert again.search("Skapa försäljning", "sv")[0][0] == 0
