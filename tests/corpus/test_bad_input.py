"""Bad files never stop a load: each is skipped or degraded with one reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus import Skipped, load_corpus


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    en = tmp_path / "en"
    en.mkdir()
    (en / "good.md").write_text("---\ntitle: Good\n---\n# Good\n\nFine text.\n", "utf-8")
    (en / "broken-yaml.md").write_text("---\ntitle: [unclosed\n---\n# Broken\n\nBody.\n", "utf-8")
    (en / "latin1.md").write_bytes("# Café\n\nCrème brûlée.\n".encode("latin-1"))
    (en / "empty.md").write_text("---\ntitle: Empty\n---\n\n", "utf-8")
    (en / "heading-only.mdx").write_text("# Only a heading\n", "utf-8")
    (en / "blob.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00binary")
    (en / "missing.mdx").write_text(
        'import Gone from "./includes/gone.md";\n\n# Missing\n\nText <Gone />.\n', "utf-8"
    )
    (en / "list-meta.md").write_text("---\n- a\n- b\n---\n# List meta\n\nText.\n", "utf-8")
    return tmp_path


def test_bad_files_are_skipped_or_degraded(messy: Path) -> None:
    seen: list[Skipped] = []
    report = load_corpus(messy, on_warning=seen.append)
    loaded = sorted(a.source.name for a in report.articles)
    assert loaded == ["broken-yaml.md", "good.md", "latin1.md", "list-meta.md", "missing.mdx"]
    skipped = {s.path.name: s.reason for s in report.skipped}
    assert skipped == {
        "blob.md": "binary file (contains NUL bytes)",
        "empty.md": "no body",
        "heading-only.mdx": "no body",
    }
    warned = {w.path.name: w.reason for w in report.warnings}
    assert warned["broken-yaml.md"].startswith("broken front matter")
    assert "invalid UTF-8" in warned["latin1.md"]
    assert "missing include ./includes/gone.md" in warned["missing.mdx"]
    assert len(seen) == len(report.skipped) + len(report.warnings)


def test_degraded_files_keep_their_text(messy: Path) -> None:
    bodies = {a.source.name: a.body for a in load_corpus(messy).articles}
    assert "Crème brûlée." in bodies["latin1.md"]
    assert "Body." in bodies["broken-yaml.md"]
    assert "Text ." in bodies["missing.mdx"]


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="corpus folder not found"):
        load_corpus(tmp_path / "nope")
