"""Replicas share one budget per client when `server.rate_limit_storage` points at a Redis:
two `assistant serve` processes over one real `redis-server` refuse the question after the
budget, whichever replica it reaches."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import stop_process
from tests.reliability.conftest import Server, write_config
from tests.ui.conftest import free_port

pytestmark = [pytest.mark.integration]

BUDGET = 4
QUESTION = {"question": "How do I set up the coffee machine?"}


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    pytest.importorskip(
        "redis", reason='the redis client is not installed (pip install ".[redis]")'
    )
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import redis

        client = redis.Redis(port=port)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("redis-server did not start")
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}"
    finally:
        stop_process(proc)


def test_two_replicas_share_one_budget(
    tmp_path: Path, serve: Callable[..., Server], redis_url: str
) -> None:
    storage = f"rate_limit_storage: {redis_url}\nrate_burst: 100"
    replicas = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        config = write_config(folder, rate_limit=f"{BUDGET}/minute", server=storage)
        replicas.append(serve(config, name=name))
    codes = [
        httpx.post(f"{replicas[n % 2].url}/api/ask", json=QUESTION, timeout=30).status_code
        for n in range(BUDGET + 2)
    ]
    assert codes == [200] * BUDGET + [429, 429]
