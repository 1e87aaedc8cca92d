"""The generated help-center website: from a slice of the real corpus when it is beside the
checkout, else from the fixture Markdown in tests/data/site-md."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bench._corpus import make_slice
from tests.conftest import DATA, SUPEROFFICE
from tests.corpus.site_builder import Site, SiteServer, build_site

SLICE_IDS = {
    "admin/getting-started",
    "admin/lists/add-items",
    "company/learn/create",
    "contact/learn/delete",
    "project/learn/create",
    "sale/admin/add-currency",
}
SLICE_LANGS = {"sv", "no", "en"}

Serve = Callable[[str], tuple[Site, SiteServer]]


@pytest.fixture(scope="session")
def site_markdown(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Markdown articles in sv, no and en to render as a website."""
    if not SUPEROFFICE.exists():
        return DATA / "site-md"
    return make_slice(SUPEROFFICE, tmp_path_factory.mktemp("slice"), SLICE_IDS, SLICE_LANGS)


@pytest.fixture
def serve_site(tmp_path: Path, site_markdown: Path) -> Iterator[Serve]:
    """Build a site in a theme and serve it until the test ends."""
    stops: list[Callable[[], None]] = []

    def serve(theme: str) -> tuple[Site, SiteServer]:
        server = SiteServer(tmp_path / f"site-{theme}")
        site = build_site(site_markdown, server.root, theme, server.url)
        context = server.running()
        context.__enter__()
        stops.append(lambda: context.__exit__(None, None, None))
        return site, server

    yield serve
    for stop in stops:
        stop()
