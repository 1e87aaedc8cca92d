"""Citations link to the merged section of a chunk that answers the question."""

from __future__ import annotations

from pathlib import Path

from assistant._answer import citations_for, extractive
from assistant._model import Hit
from corpus import Article, Chunk, Chunker

BODY = (
    "# Guide\n\n## Install\n\n"
    + "Download the installer and run it on this computer. " * 6
    + "\n\n## Uninstall\n\nRemove the app from the control panel.\n\n"
    "## Support\n\nMail the helpdesk when the licence expires.\n"
)


def _chunk(tmp_path: Path) -> Chunk:
    article = Article("a", "en", "Guide", "https://x/en/a", BODY, tmp_path / "a.md")
    chunks = Chunker(max_tokens=100, min_tokens=20).split(article)
    assert [c.anchor for c in chunks] == ["install", "uninstall"]
    return chunks[1]


def _cited(chunk: Chunk, question: str) -> tuple[str, str]:
    (citation,) = citations_for([Hit(chunk, 0.9, 0.9, 0.0)], question)
    return citation.breadcrumb, citation.url


def test_the_section_sharing_the_questions_words_is_cited(tmp_path: Path) -> None:
    chunk = _chunk(tmp_path)
    assert _cited(chunk, "How do I contact the helpdesk?") == (
        "Guide › Support",
        "https://x/en/a#support",
    )
    assert _cited(chunk, "How do I remove the app?") == (
        "Guide › Uninstall",
        "https://x/en/a#uninstall",
    )


def test_without_a_telling_word_the_chunks_own_section_is_cited(tmp_path: Path) -> None:
    chunk = _chunk(tmp_path)
    assert _cited(chunk, "Hur gör jag?") == ("Guide › Uninstall", "https://x/en/a#uninstall")
    assert _cited(chunk, "") == ("Guide › Uninstall", "https://x/en/a#uninstall")


def test_without_a_telling_word_a_chunk_cited_at_a_later_section_stays_there(
    tmp_path: Path,
) -> None:
    chunk = _chunk(tmp_path)
    support = chunk.section(chunk.parts[1])
    assert _cited(support, "Hur gör jag?") == ("Guide › Support", "https://x/en/a#support")
    assert _cited(support, "How do I remove the app?")[0] == "Guide › Uninstall"


def test_an_extractive_answer_is_headed_by_the_cited_section(tmp_path: Path) -> None:
    chunk = _chunk(tmp_path)
    answer = extractive("licence expires", "en", [Hit(chunk, 0.9, 0.9, 0.0)], 0.8)
    assert answer.text.startswith("**Guide › Support** [1]")
    assert answer.citations[0].url == "https://x/en/a#support"
    assert answer.confident


def test_an_unsure_answer_shows_only_the_opening_of_a_long_section(tmp_path: Path) -> None:
    chunk = _chunk(tmp_path)
    body = "\n\n".join(f"Paragraph {n}. " + "More words here. " * 10 for n in range(20))
    unsure = extractive("licence expires", "en", [Hit(chunk, 0.3, 0.9, 0.0)], 0.8, body, False)
    assert "Paragraph 0." in unsure.text and "Paragraph 19." not in unsure.text
    assert unsure.text.rstrip().endswith("…")
    sure = extractive("licence expires", "en", [Hit(chunk, 0.9, 0.9, 0.0)], 0.8, body)
    assert "Paragraph 19." in sure.text


def test_an_unsure_answer_counts_the_text_of_its_links_not_their_targets() -> None:
    items = [f"Article {n}" for n in range(30)]
    target = "https://x/en/" + "deep/" * 20
    links = tuple((item, f"{target}{n}") for n, item in enumerate(items))
    body = "Articles of this area:\n\n" + "\n\n".join(f"- {item}" for item in items)
    hub = Chunk("a", "en", "Guide", (), "", "https://x/en/a", body, 0, links=links)
    answer = extractive("guide", "en", [Hit(hub, 0.3, 0.9, 0.0)], 0.8, sure=False)
    assert f"- [Article 29]({target}29)" in answer.text, "a list of links is read whole"


def test_see_also_lines_link_to_their_sources(tmp_path: Path) -> None:
    first = _chunk(tmp_path)
    other = Article(
        "b", "en", "Tips [beta]", "https://x/en/b", "## Extra\n\nMore.\n", tmp_path / "b.md"
    )
    (second,) = Chunker(max_tokens=100, min_tokens=0).split(other)
    hits = [Hit(first, 0.9, 0.9, 0.0), Hit(second, 0.85, 0.8, 0.0)]
    answer = extractive("licence expires", "en", hits, 0.8)
    assert "- [Tips \\[beta\\] › Extra](https://x/en/b#extra) [2]" in answer.text


def test_an_unsure_answer_says_first_that_it_is_the_closest_match(tmp_path: Path) -> None:
    chunk = _chunk(tmp_path)
    hits = [Hit(chunk, 0.3, 0.9, 0.0)]
    answer = extractive("licence expires", "sv", hits, 0.8, sure=False)
    first, blank, heading = answer.text.splitlines()[:3]
    assert first.startswith("_Det här kanske inte svarar exakt") and first.endswith("_")
    assert (blank, heading) == ("", "**Guide › Support** [1]")
    assert not answer.confident


def test_a_short_list_of_links_to_other_articles_is_not_merged_into_a_chunk(tmp_path: Path) -> None:
    body = BODY + "\n## Related content\n\n* Remove the licence\n* Contact the helpdesk\n"
    links = (("Remove the licence", "licence.md"), ("Contact the helpdesk", "help.md"))
    article = Article("a", "en", "Guide", "https://x/en/a", body, tmp_path / "a.md", links=links)
    chunk = Chunker(max_tokens=100, min_tokens=20).split(article)[1]
    assert [p.anchor for p in chunk.parts] == ["uninstall", "support"]
    assert _cited(chunk, "Contact the helpdesk to remove the licence") == (
        "Guide › Support",
        "https://x/en/a#support",
    )
