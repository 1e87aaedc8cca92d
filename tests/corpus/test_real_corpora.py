"""The real corpora in ../shared load completely: every language, every include."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from corpus import Chunker, load_corpus
from tests.conftest import DOCFX, SUPEROFFICE, need


def test_docfx_sample_loads_with_every_include_resolved() -> None:
    report = load_corpus(need(DOCFX))
    assert not report.skipped
    # The sample leaves out most of the articles its pages link to: one line says so.
    [warning] = report.warnings
    assert "name articles not in the corpus" in warning.reason
    assert len(report.articles) == 27
    body = next(a.body for a in report.articles if a.id == "learn/getting-started/index")
    assert "[!include" not in body
    videos = [(a, url) for a in report.articles for label, url in a.links if label == "Video"]
    assert videos and all(url.startswith("https://www.youtube.com/embed/") for _, url in videos)
    assert all("\nVideo\n" in a.body and "[!Video" not in a.body for a, _ in videos)


@pytest.mark.slow
def test_superoffice_loads_all_six_languages() -> None:
    report = load_corpus(need(SUPEROFFICE))
    langs = Counter(a.lang for a in report.articles)
    assert set(langs) == {"en", "sv", "no", "da", "de", "nl"}
    assert sum(langs.values()) > 3300
    assert all(
        not a.id.startswith("snippets/") and "/includes/" not in a.id for a in report.articles
    )
    missing = {w.reason for w in report.warnings if "missing include" in w.reason}
    # Only the site's own React components (outside the corpus) are missing.
    assert all("/components/" in reason for reason in missing)
    chunks = [c for a in report.articles[:300] for c in Chunker().split(a)]
    assert all(c.text.strip() for c in chunks)
    # An icon a sentence needs is named, never dropped ("To open it, click." was left).
    dangling = re.compile(r", (?:click|klicka på|klikk på|klik på|klicken Sie auf|klik op)[.,]")
    assert not [a.id for a in report.articles if dangling.search(a.body)]
