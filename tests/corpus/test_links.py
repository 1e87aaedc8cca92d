"""Links of a section resolved to the pages they open, and alt text that only names a picture."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from corpus import Article, article_urls, section_links
from corpus._links import missing_links, resolve
from corpus._markup import MarkupRenderer


def _article(
    article_id: str, lang: str = "sv", links: tuple[tuple[str, str], ...] = (), body: str = ""
) -> Article:
    url = f"https://docs.example.com/{lang}/{article_id.removesuffix('index').rstrip('/')}"
    return Article(article_id, lang, article_id, url, body, Path(f"{article_id}.md"), links=links)


USERS_SV = "# Användare\n\n## Lägg till en användare\n\nText.\n\n```\n# Ändra inte\n```\n"
ARTICLES = [
    _article("admin/users/add", links=(("Edit users", "./update#edit"), ("Roles", "./role/"))),
    _article("admin/users/update", body=USERS_SV),
    _article("admin/users/role/index"),
    _article("admin/users/update", lang="en"),
    _article("admin/index"),
]
URLS = article_urls(ARTICLES)


def test_relative_targets_open_the_articles_published_page() -> None:
    add = ARTICLES[0]
    assert (
        resolve(add, "./update#edit", URLS) == "https://docs.example.com/sv/admin/users/update#edit"
    )
    assert resolve(add, "update.mdx", URLS) == "https://docs.example.com/sv/admin/users/update"
    assert resolve(add, "./role/", URLS) == "https://docs.example.com/sv/admin/users/role"
    assert (
        resolve(add, "/admin/users/update", URLS)
        == "https://docs.example.com/sv/admin/users/update"
    )
    assert resolve(add, "#steps", URLS) == "https://docs.example.com/sv/admin/users/add#steps"


def test_root_relative_links_may_name_the_language_folder() -> None:
    add = ARTICLES[0]
    assert (
        resolve(add, "/sv/admin/users/update#edit", URLS)
        == "https://docs.example.com/sv/admin/users/update#edit"
    )
    assert (
        resolve(add, "/en/admin/users/update", URLS)
        == "https://docs.example.com/en/admin/users/update"
    )
    assert (
        resolve(add, "/en-US/admin/users/update", URLS)
        == "https://docs.example.com/en/admin/users/update"
    )
    assert (
        resolve(add, "../../../en/admin/users/update.md", URLS)
        == "https://docs.example.com/en/admin/users/update"
    )
    assert resolve(add, "../", URLS) == "https://docs.example.com/sv/admin"
    assert resolve(add, "/de/admin/users/update", URLS) is None


def test_a_root_relative_link_may_give_the_published_path() -> None:
    guide = [
        Article("index", "en", "Guide", "/guide/en", "", Path("en/index.md")),
        Article("setup/widget", "en", "Widget", "/guide/en/setup/widget", "", Path("w.md")),
    ]
    urls = article_urls(guide)
    assert resolve(guide[0], "/guide/en/setup/widget#embed", urls) == "/guide/en/setup/widget#embed"
    assert resolve(guide[1], "/guide/en/", urls) == "/guide/en"
    assert missing_links(replace(guide[0], links=(("w", "/guide/en/setup/widget"),)), urls) == []


def test_an_anchor_spelled_without_accents_gets_the_pages_own() -> None:
    add = ARTICLES[0]
    page = "https://docs.example.com/sv/admin/users/update"
    assert resolve(add, "./update#lagg-till-en-anvandare", URLS) == f"{page}#lägg-till-en-användare"
    assert resolve(add, "./update#lägg-till-en-användare", URLS) == f"{page}#lägg-till-en-användare"
    # An anchor the page does not have, but for accents either, stays as written.
    assert resolve(add, "./update#andra-inte", URLS) == f"{page}#andra-inte"
    assert resolve(add, "./update#edit", URLS) == f"{page}#edit"


def test_links_to_articles_the_corpus_lacks_are_listed_once() -> None:
    links = (
        ("a", "./missing"),
        ("b", "./missing"),
        ("c", "/sv/admin/gone#x"),
        ("d", "./update"),
        ("e", "../../media/shot.png"),
        ("f", "https://example.com/x"),
        ("g", "#top"),
    )
    article = _article("admin/users/add", links=links)
    assert missing_links(article, URLS) == ["./missing", "/sv/admin/gone#x"]


def test_web_addresses_are_kept_and_anything_else_is_not_linked() -> None:
    add = ARTICLES[0]
    assert (
        resolve(add, "https://help.example.com/x.html", URLS) == "https://help.example.com/x.html"
    )
    assert resolve(add, "../../media/shot.png", URLS) is None
    assert resolve(add, "./missing", URLS) is None
    assert resolve(add, "mailto:help@example.com", URLS) is None
    assert resolve(add, "javascript:alert(1)", URLS) is None
    assert resolve(add, "", URLS) is None


def test_a_section_keeps_only_the_links_it_mentions() -> None:
    links = section_links(ARTICLES[0], "See Edit users for more.", URLS)
    assert links == (("Edit users", "https://docs.example.com/sv/admin/users/update#edit"),)


def test_alt_text_that_names_a_picture_is_dropped() -> None:
    renderer = MarkupRenderer(Path("."), lambda path: "")
    text = (
        "1. Fill in the tabs. ![Create user details -screenshot][img7]\n"
        "2. Click ![i](icon.png) then ![01](a.png) and ![Ikon](b.png).\n"
        '<img src="x.png" alt="Skärmbild av listan">\n'
        "![Diagram of the water tank](tank.png)\n\n"
        "[img7]: ../media/shot.png\n"
    )
    out = renderer.render(Path("a.md"), text).text
    assert "screenshot" not in out and "Skärmbild" not in out and "Ikon" not in out
    assert "01" not in out
    assert "Fill in the tabs." in out
    assert "Diagram of the water tank" in out


def test_an_embedded_video_becomes_a_line_linked_to_it() -> None:
    renderer = MarkupRenderer(Path("."), lambda path: "")
    text = (
        "Watch this demo.\n\n"
        '<Frame caption="An older version">\n  <iframe\n    width="100%"\n'
        '    src="https://www.youtube-nocookie.com/embed/abc"\n    title="(This video shows an'
        ' older version of the product, so the design may look different. Steps are the same.)"'
        "\n    allowfullscreen\n  ></iframe>\n</Frame>\n\n(length: 1:46)\n\n"
        '<iframe src="https://player.example.com/1" title="Add a user"></iframe>\n'
        '<iframe src="javascript:alert(1)"></iframe>\n'
    )
    rendered = renderer.render(Path("a.md"), text)
    assert rendered.text.split("\n\n") == [
        "Watch this demo.",
        "Video",
        "(length: 1:46)",
        "Add a user\n",
    ]
    assert rendered.links == [
        ("Video", "https://www.youtube-nocookie.com/embed/abc"),
        ("Add a user", "https://player.example.com/1"),
    ]
