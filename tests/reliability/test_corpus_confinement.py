"""A hostile corpus (traversal includes, absolute imports, symlinks in and out, include cycles):
the ingest reads nothing outside the corpus root, warns once per offending file, and no question
to a real server brings the outside text back."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from corpus import Skipped, load_corpus
from tests.reliability.conftest import CLI, Server, cli_env, write_config

SECRET = "zanzibar quokka marmalade xylophone"
GOOD = "Descale the kettle with citric acid and rinse it twice."
#: Offending file (relative to the corpus) -> what its one warning must say.
OFFENDERS = {
    "en/traversal.md": "outside the corpus",
    "en/passwd.md": "outside the corpus",
    "en/absolute.mdx": "outside the corpus",
    "en/relative.mdx": "outside the corpus",
    "en/via-inner-link.md": "outside the corpus",
    "en/secret-link.md": "outside the corpus",
    "en/includes/linked.md": "outside the corpus",
    "en/self.md": "include cycle",
    "en/cycle-a.md": "include cycle",
    "en/cycle-b.md": "include cycle",
}


def _page(title: str, body: str) -> str:
    return f"---\ntitle: {title}\n---\n\n# {title}\n\n{GOOD}\n\n{body}\n"


def hostile_corpus(base: Path) -> Path:
    """The corpus `base/docs` beside a folder `base/outside` holding the secret."""
    outside = base / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "secret.md").write_text(f"# Secret\n\n{SECRET}\n", "utf-8")
    (outside / "folder" / "page.md").write_text(f"# Folder page\n\n{SECRET}\n", "utf-8")
    docs = base / "docs"
    en = docs / "en"
    (en / "includes").mkdir(parents=True)
    files = {
        "good.md": _page("Good", "Nothing odd here."),
        "traversal.md": _page(
            "Traversal",
            "[!include[s](../../outside/secret.md)]\n\n[!include[t](../../../../../etc/hostname)]",
        ),
        "passwd.md": _page("Passwd", "[!include[p](../../../../../../../../../../etc/passwd)]"),
        "absolute.mdx": _page("Absolute", 'import H from "/../../outside/secret.md"\n\n<H />'),
        "relative.mdx": _page("Relative", 'import S from "../../outside/secret.md";\n\n<S />'),
        "via-inner-link.md": _page("Inner link", "[!include[l](includes/linked.md)]"),
        "self.md": _page("Self", "[!include[me](self.md)]"),
        "cycle-a.md": _page("Cycle A", "[!include[b](cycle-b.md)]"),
        "cycle-b.md": _page("Cycle B", "[!include[a](cycle-a.md)]"),
    }
    for name, text in files.items():
        (en / name).write_text(text, "utf-8")
    (en / "secret-link.md").symlink_to(outside / "secret.md")
    (en / "includes" / "linked.md").symlink_to(outside / "secret.md")
    (en / "folder-link").symlink_to(outside / "folder", target_is_directory=True)
    (en / "good-link.md").symlink_to(en / "good.md")  # stays inside: indexed like any file
    return docs


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return hostile_corpus(tmp_path)


@pytest.fixture
def opened(tmp_path: Path) -> Iterator[list[str]]:
    """Every file path this process opens while the fixture is active (an audit hook)."""
    paths: list[str] = []
    active = [True]

    def hook(event: str, args: tuple[object, ...]) -> None:
        if active[0] and event == "open" and isinstance(args[0], str | bytes | os.PathLike):
            paths.append(os.fsdecode(args[0]))

    sys.addaudithook(hook)  # hooks cannot be removed: this one just stops recording
    yield paths
    active[0] = False


def test_the_loader_reads_nothing_outside_and_warns_once_per_file(
    corpus: Path, opened: list[str]
) -> None:
    warnings: list[Skipped] = []
    report = load_corpus(corpus, on_warning=warnings.append)

    outside = str(corpus.parent / "outside")
    read = [p for p in opened if p.startswith((outside, "/etc/"))]
    assert read == []
    for article in report.articles:
        assert "zanzibar" not in article.body and "root:" not in article.body, article.source
    ids = {a.id for a in report.articles}
    assert ids == {"good", "good-link", "self", "traversal", "passwd", "absolute", "relative"} | {
        "via-inner-link"
    }
    per_file = Counter(str(w.path.relative_to(corpus)) for w in warnings)
    assert per_file == dict.fromkeys(OFFENDERS, 1), warnings
    for item in warnings:
        assert OFFENDERS[str(item.path.relative_to(corpus))] in item.reason, item


@pytest.mark.integration
def test_no_question_brings_outside_text_back(
    tmp_path: Path, corpus: Path, serve: Callable[..., Server]
) -> None:
    config = write_config(tmp_path, corpus)
    ingest = subprocess.run(
        [*CLI, "--config", str(config), "ingest", "--quiet"],
        cwd=tmp_path,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ingest.returncode == 0, ingest.stderr
    lines = [ln for ln in ingest.stderr.splitlines() if ln.startswith("warning:")]
    assert "Traceback" not in ingest.stderr
    assert len(lines) == len(OFFENDERS), lines
    for name in OFFENDERS:
        assert sum(str(corpus / name) + ":" in ln for ln in lines) == 1, (name, lines)

    server = serve(config)
    for question in (SECRET, "root bin bash nologin daemon", "folder page secret"):
        reply = httpx.post(f"{server.url}/api/ask", json={"question": question}, timeout=30)
        assert reply.status_code == 200, reply.text
        text = reply.text.lower()
        assert "zanzibar" not in text and "quokka" not in text
        assert "nologin" not in text and "root:x" not in text
