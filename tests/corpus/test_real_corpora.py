"""The real corpora in ../shared load completely: every language, every include."""

from __future__ import annotations

from collections import Counter

import pytest

from corpus import Chunker, load_corpus
from tests.conftest import DOCFX, SUPEROFFICE, need


def test_docfx_sample_loads_with_every_include_resolved() -> None:
    report = load_corpus(need(DOCFX))
    assert not report.skipped
    assert not report.warnings
    assert len(report.articles) == 27
    body = next(a.body for a in report.articles if a.id == "learn/getting-started/index")
    assert "[!include" not in body


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
