"""The same articles from Markdown and from their website: `assistant ingest FOLDER` against
`assistant ingest http://…/sitemap.xml` of the generated docs-theme site, then
`assistant eval` on both, side by side; and a re-sync of the unchanged site."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench._corpus import make_slice, raw_docs, subset_ids
from bench._report import log, table
from bench._setup import Setup
from embeddings._store import CACHE
from tests.corpus.site_builder import SiteServer, build_site

SAMPLE = 100
QUICK_SAMPLE = 15
EMBED_MAX_CHARS = 360
METRICS = ("success@1", "success@5", "recall@5", "mrr@10", "same_lang")
ROOT = Path(__file__).resolve().parents[1]


def _config(folder: Path, corpus: str, setup: Setup) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.yaml"
    embedder = setup.make_embedder()
    path.write_text(
        f"corpora:\n  - {corpus}\n"
        f"index_dir: {folder / 'index'}\n"
        f"database_url: sqlite:///{folder / 'questions.db'}\n"
        f"embedder:\n  backend: {embedder.backend}\n  model: {embedder.model}\n"
        f"  embed_max_chars: {EMBED_MAX_CHARS}\n",
        "utf-8",
    )
    return path


def _cli(config: Path, *args: str) -> tuple[str, float]:
    """Run `assistant` with this worktree's code; its stdout and wall seconds."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ASSISTANT_CONFIG": str(config)}
    for name in ("ASSISTANT_INDEX_DIR", "ASSISTANT_DATABASE_URL", "ASSISTANT_EMBEDDER_BACKEND"):
        env.pop(name, None)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "--config", str(config), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"assistant {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done.stdout, time.perf_counter() - started


def _line(output: str, start: str) -> str:
    return next((line for line in output.splitlines() if line.startswith(start)), "")


def run(setup: Setup) -> list[str]:
    """Ingest the slice both ways, evaluate both, re-sync the site; record and return tables."""
    work = setup.work / "html"
    shutil.rmtree(work, ignore_errors=True)
    docs = raw_docs(setup.corpus)
    gold = {g for q in setup.questions for g in q.gold}
    sample = QUICK_SAMPLE if setup.quick else SAMPLE
    ids = set(subset_ids(docs, gold, sample, setup.seed))
    langs = {d.lang for d in docs}
    markdown = make_slice(setup.corpus, work / "markdown", ids, langs)
    files = sum(1 for d in docs if d.article_id in ids)
    description = (
        f"gold articles of {len(setup.questions)} dev questions + {sample} random ids "
        f"(seed {setup.seed}) = {len(ids)} ids, {files} files in {len(langs)} languages; "
        f"embed_max_chars {EMBED_MAX_CHARS}"
    )
    log(f"html: {description}")
    setup.seeded_dir("html/md-run/index")  # the main index's embedding cache, when there is one
    md_config = _config(work / "md-run", f"name: docs\n    path: {markdown}", setup)
    md_out, md_seconds = _cli(md_config, "ingest", "--quiet")
    server = SiteServer(work / "site")
    site = build_site(markdown, server.root, "docs", server.url)
    rows: list[list[object]] = []
    data: dict[str, object] = {"description": description}
    with server.running():
        url = f"{server.url}/sitemap.xml"
        site_config = _config(
            work / "site-run", f"name: docs\n    sitemap: {url}\n    crawl: {{delay: 0}}", setup
        )
        (work / "site-run" / "index").mkdir(parents=True)
        shutil.copyfile(work / "md-run" / "index" / CACHE, work / "site-run" / "index" / CACHE)
        log(f"html: ingesting {len(site.pages)} pages from {url}")
        site_out, site_seconds = _cli(site_config, "ingest", "--quiet", url)
        server.requests()
        again_out, again_seconds = _cli(site_config, "ingest", "--quiet", url)
        resync = server.requests()
    for name, config, out, seconds in (
        ("markdown folder", md_config, md_out, md_seconds),
        ("website (sitemap)", site_config, site_out, site_seconds),
    ):
        log(f"html: eval on {name}")
        evaluated, _ = _cli(config, "eval", "--json", str(setup.questions_path))
        overall = json.loads(evaluated)["overall"]
        indexed = _line(out, "Indexed ")
        rows.append([name, *(overall[m] for m in METRICS), indexed, round(seconds, 1)])
        data[name] = {"overall": overall, "ingest": indexed, "seconds": round(seconds, 1)}
    pages = [r for r in resync if r.path in site.pages]
    resync_row: dict[str, object] = {
        "seconds": round(again_seconds, 1),
        "requests": len(resync),
        "page_requests_conditional": sum(r.conditional for r in pages),
        "page_requests": len(pages),
        "not_modified": sum(r.status == 304 for r in pages),
        "summary": _line(again_out, "docs: "),
        "embedded": _line(again_out, "The index was") or _line(again_out, "Embedded"),
    }
    data["resync"] = resync_row
    setup.record("html", data)
    return [
        table(
            f"Markdown vs its website, same articles ({description})",
            ["source", *METRICS, "ingest", "ingest_s"],
            rows,
        ),
        table(
            "Re-sync of the unchanged website (assistant ingest URL again)",
            list(resync_row),
            [list(resync_row.values())],
        ),
    ]
