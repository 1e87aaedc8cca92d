"""Bad guide paths (NUL and control characters, `..`, very long names) are a 404 from a real
server, never a 500 with a traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.reliability.conftest import Server, write_config
from ui._guide import guide_page

pytestmark = pytest.mark.integration

BAD = [
    "/guide/en/%00",
    "/guide/en/a%00b",
    "/guide/%00/index",
    "/guide/en/%01%1b%7f",
    "/guide/en/a%0Ab",
    "/guide/en/..%2F..%2F..%2Fpyproject",
    "/guide/en/%2E%2E/%2E%2E/README",
    "/guide/..%2F..%2Fui/_guide",
    "/guide/en/" + "a" * 5000,
    "/guide/en/" + "/".join(["b" * 250] * 20),
]


def test_bad_guide_paths_are_not_found(tmp_path: Path, serve: Callable[..., Server]) -> None:
    server = serve(write_config(tmp_path))
    assert httpx.get(f"{server.url}/guide/en/index", timeout=30).status_code == 200
    for path in BAD:
        reply = httpx.get(f"{server.url}{path}", timeout=30)
        assert reply.status_code == 404, (path[:60], reply.status_code)
    assert "Traceback" not in server.output()
    assert "ERROR" not in server.output()


@pytest.mark.parametrize("path", ["\x00", "a\x00b", "a" * 5000, "x/" * 3000, "\x1b[2J"])
def test_guide_page_refuses_names_the_file_system_cannot_take(path: str) -> None:
    assert guide_page("en", path) is None
