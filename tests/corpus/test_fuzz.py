"""Random and malformed markup never raises: the loader skips or degrades, nothing else."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from corpus import Article, Chunker, load_corpus
from corpus._markup import MarkupRenderer

PIECES = st.sampled_from(
    [
        "# Title\n",
        "## Section {#id}\n",
        "### Sub\n",
        "<Note>",
        "</Note>",
        "<Tabs>",
        '<Tab title="T">',
        "</Tab>",
        "<Steps>",
        "<Step>",
        "<Icon icon='x' />",
        "<X />",
        '<i class="ph ph-x"></i>',
        "```xml\n<config/>\n",
        "```\n",
        "~~~\n",
        "> [!NOTE]\n",
        "> text\n",
        "[!include[a](missing.md)]",
        "[!include[b](self.md)]",
        "[link][1]",
        "[1]: http://x\n",
        "![alt](img.png)",
        "| a | b |\n",
        "|---|---|\n",
        "1. item\n",
        "* item\n",
        "    indented\n",
        "{/* c */}",
        "<!-- c -->",
        "\\<",
        "`code <b>`",
        'import X from "./x.md";\n',
        "---\n",
        "\n\n",
        "text ",
        "ÅÄÖ ",
        "\x00",
        "\ufeff",
    ]
)
DOCUMENTS = st.lists(st.one_of(PIECES, st.text(max_size=40)), max_size=40).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS)
def test_renderer_and_chunker_accept_anything(text: str) -> None:
    rendered = MarkupRenderer(Path("/nonexistent"), lambda p: "").render(Path("/x/self.md"), text)
    assert isinstance(rendered.text, str)
    article = Article("a", "en", "T", "u", rendered.text, Path("a.md"))
    for chunk in Chunker(max_tokens=64, min_tokens=8).split(article):
        assert chunk.text.strip()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(front=st.text(max_size=60), body=DOCUMENTS, raw=st.binary(max_size=80))
@example(front="?", body="# T\n\ntext", raw=b"")  # YAML's complex key: a None key broke the loader
def test_loading_files_never_raises(tmp_path: Path, front: str, body: str, raw: bytes) -> None:
    folder = tmp_path / "en"
    folder.mkdir(exist_ok=True)
    (folder / "a.md").write_text(f"---\n{front}\n---\n{body}", "utf-8", errors="replace")
    (folder / "b.mdx").write_bytes(raw)
    report = load_corpus(tmp_path)
    assert len(report.articles) + len(report.skipped) == 2
