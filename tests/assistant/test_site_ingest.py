"""Websites beside folders in one index: `assistant ingest URL` keeps the other corpora,
re-syncs incrementally (added, changed, unchanged, removed) and re-embeds only what changed."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant._setup import ingest_targets, open_assistant
from assistant.cli import main
from assistant.settings import load_settings
from embeddings import IndexStore
from tests.conftest import DATA
from tests.corpus.conftest import Serve, serve_site, site_markdown

pytestmark = pytest.mark.integration
__all__ = ["serve_site", "site_markdown"]  # the generated-site fixtures, shared with tests/corpus

CONFIG = """
corpora:
  - name: coffee
    path: {mdx}
    url_template: "https://coffee.example/{{lang}}/{{id}}"
  - name: help
    sitemap: {url}/sitemap.xml
    crawl: {{delay: 0, user_agent: "assistant-tests"}}
embedder: {{backend: fake, model: hashing}}
retrieval: {{min_score: 0.0}}
"""


def _config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG.format(mdx=DATA / "mdx", url=url), "utf-8")
    return path


def test_a_website_beside_a_folder_resyncs_incrementally(serve_site: Serve, tmp_path: Path) -> None:
    site, server = serve_site("docs")
    settings = load_settings(_config(tmp_path, server.url), {})
    ingest_targets(settings, ["coffee"])
    first = ingest_targets(settings, [f"{server.url}/sitemap.xml"])
    pages = len(site.pages) + 1  # the page with broken markup is kept, degraded
    assert first.changes["help"] == {"added": pages, "changed": 0, "unchanged": 0, "removed": 0}
    chunks = IndexStore(settings.index_dir).load().chunks
    assert {c.corpus for c in chunks} == {"coffee", "help"}
    assert {c.doc_id for c in chunks if c.corpus == "coffee"} >= {"coffee:guide/setup"}

    server.requests()
    again = ingest_targets(settings, ["help"])
    assert again.changes["help"]["unchanged"] == pages
    assert again.build is not None and again.build.embedded == 0
    assert all(r.conditional for r in server.requests() if r.path in site.pages)

    path, (_, lang) = next(iter(site.pages.items()))
    file = site.root / path.strip("/")
    html = file.read_text("utf-8")
    file.write_text(html.replace("</h1>", "</h1><p>Descale the grinder weekly.</p>", 1))
    changed = ingest_targets(settings, ["help"])
    assert changed.changes["help"] == {
        "added": 0,
        "changed": 1,
        "unchanged": pages - 1,
        "removed": 0,
    }
    assert changed.build is not None and 1 <= changed.build.embedded <= 3

    site.remove(path)
    removed = ingest_targets(settings, ["help"])
    assert removed.changes["help"]["removed"] == 1
    assistant = open_assistant(settings, build_if_missing=False)
    answer = assistant.ask("Descale the grinder weekly", lang=lang, top_k=50)
    assert all(not h.chunk.url.endswith(path) for h in answer.hits)
    assert {h.chunk.corpus for h in answer.hits} == {"coffee", "help"}


def test_cli_ingest_of_a_url_prints_what_changed(serve_site: Serve, tmp_path: Path) -> None:
    site, server = serve_site("docs")
    config = _config(tmp_path, server.url)
    runner = CliRunner()
    args = ["--config", str(config), "ingest", "--quiet", f"{server.url}/sitemap.xml"]
    result = runner.invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    pages = len(site.pages) + 1  # the page with broken markup is kept, degraded
    assert f"help: {pages} added, 0 changed, 0 unchanged, 0 removed" in result.output
    assert "1 disallowed by robots.txt" in result.output
    assert result.output.count("HTTP 500") == 2  # its warning line and the summary
    result = runner.invoke(main, args, catch_exceptions=False)
    assert f"0 added, 0 changed, {pages} unchanged, 0 removed" in result.output
    assert "already up to date" in result.output
