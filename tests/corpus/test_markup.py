"""Markup that must leave readable Markdown: DocFX videos, indented component content, icons."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus._markup import MarkupRenderer, Rendered, split_code


def _render(text: str, name: str = "a.mdx") -> Rendered:
    return MarkupRenderer(Path("."), lambda path: "").render(Path(name), text)


def test_a_docfx_video_becomes_a_line_linked_to_it() -> None:
    text = (
        "Watch how to archive an e-mail:\n\n"
        "> [!Video https://www.youtube.com/embed/abc123]\n\n"
        "> [!VIDEO javascript:alert(1)]\n\n"
        "Then connect your mailbox.\n"
    )
    rendered = _render(text, "a.md")
    assert rendered.text.split("\n\n") == [
        "Watch how to archive an e-mail:",
        "Video",
        "Then connect your mailbox.\n",
    ]
    assert rendered.links == [("Video", "https://www.youtube.com/embed/abc123")]


STEPS = """## Install

<Steps>
  <Step title="Download">
    Run the installer as an administrator.

    ```bash
    ./install.sh \\
  --quiet
    ```
  </Step>
  <Step title="Activate">
    Enter the key:

    - from the welcome mail
      - or from the portal
  </Step>
</Steps>

1. Open the list.

    <Note>
    Only admins see it.
    </Note>

<div className="linklist">
  <ul>
    <li>Intro</li>
  </ul>
</div>
"""


def test_component_content_is_not_indented_into_code() -> None:
    text = _render(STEPS).text
    assert "**Download**\n\nRun the installer as an administrator." in text
    # The fenced block keeps the indentation it shows, even of a line left of its fence.
    assert "```bash\n./install.sh \\\n--quiet\n```" in text
    assert "Enter the key:\n\n- from the welcome mail\n  - or from the portal" in text
    # Content indented under a list item stays in the item.
    assert "1. Open the list.\n\n    Only admins see it." in text
    assert "\n- Intro" in text, "an HTML list item is a Markdown one"
    prose = "".join(run for code, run in split_code(text) if not code)
    assert not [
        line for line in prose.splitlines() if line.startswith("    ") and "admins" not in line
    ]


def test_indented_code_in_markdown_outside_components_stays_code() -> None:
    text = "Run:\n\n    make install\n\n<div>\n\n    raw\n\n</div>\n"
    assert "    make install" in _render(text, "a.md").text
    assert "    raw" in _render(text, "a.md").text  # an HTML block's content only in MDX
    assert "\nraw" in _render(text, "a.mdx").text


def test_tags_inside_code_blocks_are_not_components() -> None:
    text = "```xml\n<config>\n    <grinder />\n</config>\n```\n"
    assert "<config>\n    <grinder />\n</config>" in _render(text).text


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # A labelled icon reads as its label where the sentence needs a word.
        (
            'To start it, click <i class="ph ph-video-camera" aria-label="Camera"></i>. Done.',
            "To start it, click Camera. Done.",
        ),
        (
            'Press <Icon icon="gear" title="Settings" /> to open them.',
            "Press Settings to open them.",
        ),
        # An unlabelled one by its name.
        (
            'Then click <i class="ph ph-list-bullets" aria-hidden="true"></i> to switch view.',
            "Then click list bullets icon to switch view.",
        ),
        ('Select <Icon icon="star" />.', "Select star icon."),
        # Decoration goes: in parentheses, beside a bold button name, between sentences.
        (
            'Click **Save** (<i class="ph ph-check" aria-hidden="true"></i>).',
            "Click **Save**.",
        ),
        (
            'Select <i class="ph ph-gear" aria-label="Gear"></i> **Preferences**.',
            "Select **Preferences**.",
        ),
        ('It is ready. <Icon icon="coffee" /> Enjoy.', "It is ready. Enjoy."),
        ('<Icon icon="compass" />\n<span>Concept</span>', "Concept"),
    ],
)
def test_icons_leave_whole_sentences(source: str, expected: str) -> None:
    assert _render(source + "\n").text.strip() == expected


def test_a_hub_pages_html_links_are_links_and_its_items_list_items() -> None:
    hub = """<div className="linklist">
  <div className="linklist-header"><span>How-to</span></div>
  <ul>
    <li><a href="/en/diary/learn/create">Create a <b>follow-up</b></a></li>
    <li><a href='edit.md' id="x">Edit &amp; delete</a></li><li><a href="javascript:x">Bad</a></li>
    <li><a href="">Empty</a></li>
  </ul>
</div>

| Icon | Meaning |
|---|---|
| pin | <ul><li>Pinned</li><li>Kept</li></ul> |
"""
    rendered = _render(hub)
    assert "How-to\n\n- Create a follow-up\n- Edit &amp; delete\n- Bad\n- Empty" in rendered.text
    assert "| pin | Pinned Kept |" in rendered.text, "a list in a table cell stays in its cell"
    assert rendered.links == [
        ("Create a follow-up", "/en/diary/learn/create"),
        ("Edit &amp; delete", "edit.md"),
    ]


def test_a_line_break_inside_a_table_cell_keeps_the_row_whole() -> None:
    text = (
        "| Preference | Meaning |\n|---|---|\n"
        "| Ask before sending | Asked each time.<br>Default: yes<br/> |\n\n"
        "First line<br>second line\n"
    )
    rows = _render(text, "a.md").text.split("\n")
    assert rows[2] == "| Ask before sending | Asked each time. Default: yes |"
    assert rows[4:6] == ["First line", "second line"]
