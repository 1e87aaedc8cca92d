"""Loading the MDX and DocFX dialects: every construct keeps its text, markup goes."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus import Article, load_corpus
from tests.conftest import DATA


@pytest.fixture(scope="module")
def mdx() -> dict[str, Article]:
    report = load_corpus(DATA / "mdx", "https://docs.example.com/{lang}/{id}")
    return {f"{a.lang}/{a.id}": a for a in report.articles}


@pytest.fixture(scope="module")
def docfx() -> dict[str, Article]:
    report = load_corpus(DATA / "docfx")
    return {f"{a.lang}/{a.id}": a for a in report.articles}


def test_snippets_and_includes_are_not_articles(mdx: dict[str, Article]) -> None:
    assert sorted(mdx) == ["en/guide/index", "en/guide/setup", "sv/guide/setup"]


def test_front_matter_is_kept(mdx: dict[str, Article]) -> None:
    article = mdx["en/guide/setup"]
    assert article.meta["description"].startswith("How to install")
    assert article.meta["keywords"] == "coffee, setup, install"
    assert article.meta["uid"] == "guide-en-setup"
    assert article.meta["redirect_from"] == "/en/old/coffee-setup"
    assert article.audience == "settings"
    assert article.title == "Set up the coffee machine"


def test_language_and_id_come_from_the_path(mdx: dict[str, Article]) -> None:
    article = mdx["sv/guide/setup"]
    assert (article.lang, article.id) == ("sv", "guide/setup")
    assert article.url == "https://docs.example.com/sv/guide/setup"


def test_index_pages_map_to_their_folder(mdx: dict[str, Article]) -> None:
    assert mdx["en/guide/index"].url == "https://docs.example.com/en/guide"


@pytest.mark.parametrize(
    "text",
    [
        "Unplug the machine before you open the lid.",  # <Note>
        "Keep the manual nearby.",  # inline <Tip>
        "Never put the carafe in the dishwasher.",  # <Warning>
        "Hot surfaces.",  # <Caution>
        "The machine has a two-year warranty.",  # <Info>
        "**Place the machine**",  # <Step title>
        "Fill the tank with cold water.",
        "**Espresso model**",  # <Tab title>
        "Insert a paper filter.",
        "**Descaling**",  # <Card title>
        "Descale every month.",
        "**Troubleshooting the grinder**",  # <Accordion title>
        "Use filtered water for a better taste.",  # imported relative snippet
        "Register the machine to extend the warranty.",  # imported /snippets/ file
        "Diagram of the water tank",  # image alt, reference style
        "Grinder dial",  # image alt inside <Frame>
        "Read the safety sheet and the quick start first.",  # links become text
        "| Brew group | Weekly |",  # tables untouched
    ],
)
def test_mdx_constructs_keep_their_text(mdx: dict[str, Article], text: str) -> None:
    assert text in mdx["en/guide/setup"].body


@pytest.mark.parametrize(
    "markup",
    [
        "<Note",
        "<Tip",
        "<Steps",
        "<Tab",
        "<Card",
        "<Frame",
        "<Columns",
        "<Accordion",
        "<Icon",
        "<i ",
        "import ",
        "[1]:",
        "![",
        "ph-timer",
        "()",
    ],
)
def test_markup_is_gone(mdx: dict[str, Article], markup: str) -> None:
    body = mdx["en/guide/setup"].body
    prose = body.split("```")[0] + body.split("```")[2]
    assert markup not in prose


def test_code_blocks_keep_their_xml(mdx: dict[str, Article]) -> None:
    body = mdx["en/guide/setup"].body
    assert '<grinder size="fine" />' in body
    assert '<view name="barista"><panel id="1"/></view>' in body
    assert "Use `<panel>` elements for each display." in body


def test_reference_links_are_kept_as_metadata(mdx: dict[str, Article]) -> None:
    links = dict(mdx["en/guide/setup"].links)
    assert links["safety sheet"] == "https://example.com/safety.pdf"
    assert links["quick start"] == "quick-start.md"


def test_docfx_includes_resolve_recursively(docfx: dict[str, Article]) -> None:
    body = docfx["en/admin/page"].body
    assert "Send a welcome mail. Sign it as the kitchen team." in body
    assert "* Give a tour of the kitchen on day one." in body


def test_docfx_alerts_keep_their_text(docfx: dict[str, Article]) -> None:
    assert "New staff need a key card first." in docfx["en/admin/page"].body
    assert "Pair each newcomer with a buddy." in docfx["en/admin/page"].body
    assert "[!" not in docfx["en/admin/page"].body
    assert "Ny personal behöver ett passerkort först." in docfx["sv/admin/page"].body


def test_docfx_heading_anchor_becomes_an_id(docfx: dict[str, Article]) -> None:
    assert "## Tips and best practice {#tips}" in docfx["en/admin/page"].body


def test_so_prefixed_keys_read_as_plain_names(docfx: dict[str, Article]) -> None:
    meta = docfx["en/admin/page"].meta
    assert meta["title"] == "Onboarding"
    assert meta["description"] == "Roll out the kitchen to new staff."
    assert meta["audience"] == "settings"


def test_include_cycle_and_missing_include_degrade_with_warnings() -> None:
    report = load_corpus(DATA / "docfx")
    reasons = [w.reason for w in report.warnings if w.path.name == "page.md"]
    assert any("include cycle" in r for r in reasons)
    assert any("missing include includes/does-not-exist.md" in r for r in reasons)
    body = next(a.body for a in report.articles if a.id == "admin/page" and a.lang == "en")
    assert "Loop A text. Loop B text." in body


def test_yaml_language_no_is_norwegian(tmp_path: Path) -> None:
    (tmp_path / "no").mkdir()
    (tmp_path / "no" / "a.md").write_text("---\nlanguage: no\n---\n# Hei\n\nTekst.\n", "utf-8")
    article = load_corpus(tmp_path).articles[0]
    assert article.lang == "no"
    assert article.meta["language"] == "no"


def _write(root: Path, rel: str, text: str) -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(text, "utf-8")


def test_region_folders_are_their_base_language_with_the_folder_in_the_url(
    tmp_path: Path,
) -> None:
    for folder in ("en-US", "pt-BR", "nb-NO"):
        _write(tmp_path, f"{folder}/setup.md", "# Setup\n\nText.\n")
    report = load_corpus(tmp_path, "https://docs.example.com/{lang}/{id}")
    found = {(a.lang, a.url) for a in report.articles}
    assert found == {
        ("en", "https://docs.example.com/en-US/setup"),
        ("pt", "https://docs.example.com/pt-BR/setup"),
        ("no", "https://docs.example.com/nb-NO/setup"),
    }
    assert not report.warnings


def test_two_folders_of_one_language_keep_one_article_and_name_both(tmp_path: Path) -> None:
    _write(tmp_path, "en-US/setup.md", "# Setup (US)\n\nText.\n")
    _write(tmp_path, "en/setup.md", "# Setup\n\nText.\n")
    _write(tmp_path, "en-US/only-us.md", "# Only US\n\nText.\n")
    report = load_corpus(tmp_path, "https://docs.example.com/{lang}/{id}")
    kept = sorted((a.lang, a.id, a.url) for a in report.articles)
    assert kept == [
        ("en", "only-us", "https://docs.example.com/en-US/only-us"),
        ("en", "setup", "https://docs.example.com/en/setup"),
    ]
    [skipped] = report.skipped
    assert skipped.path == tmp_path / "en-US" / "setup.md"
    assert str(tmp_path / "en" / "setup.md") in skipped.reason


def test_a_corpus_without_language_folders_says_once_which_language_it_assumed(
    tmp_path: Path,
) -> None:
    _write(tmp_path, "belts.md", "# Belts\n\nText.\n")
    _write(tmp_path, "guide/rollers.md", "# Rollers\n\nText.\n")
    _write(tmp_path, "guide/sv.md", "---\nlanguage: sv\n---\n# Band\n\nText.\n")
    report = load_corpus(tmp_path)
    assert sorted(a.lang for a in report.articles) == ["en", "en", "sv"]
    [warning] = report.warnings
    assert warning.path == tmp_path
    assert "2 article(s)" in warning.reason and "'en'" in warning.reason
    assert "default_language" in warning.reason
    chosen = load_corpus(tmp_path, default_lang="de")
    assert sorted(a.lang for a in chosen.articles) == ["de", "de", "sv"]
    assert not chosen.warnings


def test_links_to_missing_articles_make_one_warning_naming_the_first_file(
    tmp_path: Path,
) -> None:
    _write(tmp_path, "en/a.md", "# A\n\n[B](b.md), [C](c.md), [C again](c.md#x), [D](d.md).\n")
    _write(tmp_path, "en/b.md", "# B\n\n[A](/en/a) and [the sheet](sheet.pdf).\n")
    _write(tmp_path, "en/e.md", "# E\n\n[F](f.md).\n")
    report = load_corpus(tmp_path)
    [warning] = report.warnings
    assert warning.path == tmp_path
    assert warning.reason.startswith("4 link(s) in 2 file(s) name articles not in the corpus")
    assert f"{tmp_path / 'en' / 'a.md'} (c.md, c.md#x, d.md) and 1 other file(s)" in warning.reason


def test_a_topic_folder_is_no_language_folder(tmp_path: Path) -> None:
    _write(tmp_path, "faq/billing.md", "# Billing\n\nText.\n")
    _write(tmp_path, "pt-BR/faq/billing.md", "# Cobrança\n\nTexto.\n")
    report = load_corpus(tmp_path, default_lang="en")
    assert sorted((a.lang, a.id) for a in report.articles) == [
        ("en", "faq/billing"),
        ("pt", "faq/billing"),
    ]
