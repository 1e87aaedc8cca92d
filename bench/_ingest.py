"""Ingest speed: the full corpus from the embedding cache, a re-ingest with nothing changed,
one edited article, and the from-scratch embedding rate on a slice (extrapolated)."""

from __future__ import annotations

import shutil
import time

from assistant._ingest import IngestReport
from assistant._lexical import LexicalIndex, kept
from bench._corpus import languages, make_slice, raw_docs, subset_ids
from bench._report import log, table
from bench._setup import Setup
from corpus import Chunker, load_corpus
from embeddings import IndexStore
from embeddings._store import dense_text

EDIT = "This paragraph was added by the benchmark to measure an incremental re-ingest.\n\n"


def edited(text: str) -> str:
    """`text` with a paragraph inserted at the top of the body (after the front matter and
    the H1, if any), so its first section changes."""
    end = text.find("\n---", 3) if text.startswith("---") else -1
    cut = text.find("\n", end + 1) + 1 if end >= 0 else 0
    if text[cut:].lstrip().startswith("# "):
        h1 = text.index("# ", cut)
        cut = text.find("\n", h1) + 1 or len(text)
    return text[:cut] + "\n" + EDIT + text[cut:]


def _row(label: str, report: IngestReport) -> dict[str, object]:
    build = report.build
    assert build is not None
    return {
        "run": label,
        "articles": report.articles,
        "chunks": report.chunks,
        "embedded": build.embedded,
        "seconds": round(report.seconds, 2),
        "articles_per_s": round(report.articles / report.seconds, 1),
        "chunks_per_s": round(report.chunks / report.seconds, 1),
    }


def run(setup: Setup) -> list[str]:
    """Measure, record and return the ingest tables."""
    docs = raw_docs(setup.corpus)
    langs = set(languages(setup.corpus))
    view = setup.work / "ingest-corpus"
    shutil.rmtree(view, ignore_errors=True)
    make_slice(setup.corpus, view, {d.article_id for d in docs}, langs)
    index = setup.seeded_dir("ingest-index")
    rows = []
    log("ingest: full corpus into a fresh index seeded with the embedding cache")
    full = setup.ingest(view, index)
    rows.append(_row("full corpus, fresh index, cached vectors", full))
    log("ingest: again, nothing changed")
    rows.append(_row("re-ingest, nothing changed", setup.ingest(view, index)))
    store = IndexStore(index)
    before = store.load()
    assert before.folder is not None
    started = time.perf_counter()
    previous = kept(before.folder, len(before.chunks))
    read_previous = time.perf_counter() - started
    english = [d for d in docs if d.lang == "en"] or docs
    doc = english[len(english) // 2]
    target = view / doc.lang / doc.path.relative_to(setup.corpus / doc.lang)
    text = doc.path.read_text("utf-8")
    target.unlink()
    target.write_text(edited(text), "utf-8")
    log(f"ingest: after editing {target}")
    rows.append(
        _row(f"re-ingest after editing {doc.lang}/{doc.article_id}", setup.ingest(view, index))
    )
    lexical = _lexical(store, previous, read_previous)

    ids = set(subset_ids(docs, (), 5 if setup.quick else 20, setup.seed))
    scratch_corpus = setup.work / "scratch-corpus"
    shutil.rmtree(scratch_corpus, ignore_errors=True)
    make_slice(setup.corpus, scratch_corpus, ids, langs)
    scratch_index = setup.work / "scratch-index"
    shutil.rmtree(scratch_index, ignore_errors=True)
    log(f"ingest: from scratch, {len(ids)} ids in every language, no cache")
    scratch = setup.ingest(scratch_corpus, scratch_index)
    rows.append(_row(f"from scratch, slice of {len(ids)} ids (no cache)", scratch))
    assert scratch.build is not None and full.build is not None
    rate = scratch.build.embedded / scratch.seconds
    passages = full.build.embedded + full.build.reused
    naive_per_s, naive_texts = _naive_rate(setup)
    estimates = {
        "from_scratch_passages_per_s": round(rate, 1),
        "full_corpus_distinct_passages": passages,
        "full_from_scratch_min_extrapolated": round(passages / rate / 60 + full.seconds / 60, 1),
        "naive_one_by_one_passages_per_s": round(naive_per_s, 1),
        "naive_full_corpus_texts": naive_texts,
        "naive_full_min_extrapolated": round(naive_texts / naive_per_s / 60, 1),
    }
    setup.record("ingest", {"runs": rows, "extrapolated": estimates, "lexical": lexical})
    cols = ["run", "articles", "chunks", "embedded", "seconds", "articles_per_s", "chunks_per_s"]
    return [
        table("Ingest (measured)", cols, [[r[c] for c in cols] for r in rows]),
        table(
            "Lexical index of the edited corpus, the re-ingest's last step (in memory here, "
            "not written)",
            ["how", "seconds", "languages built"],
            [[r["how"], r["seconds"], r["built"]] for r in lexical],
        ),
        table(
            "Ingest from scratch: EXTRAPOLATED from the slice rates above",
            ["estimate", "value"],
            [[k, v] for k, v in estimates.items()],
        ),
    ]


def _lexical(
    store: IndexStore, previous: LexicalIndex | None, read_previous: float
) -> list[dict[str, object]]:
    """The lexical index of the store's index built whole (as every start did before the
    ingest kept it) against the re-ingest's way: the previous generation's kept index read,
    and only the languages whose sections changed built."""
    now = store.load()
    langs, texts = [c.lang for c in now.chunks], [c.passage() for c in now.chunks]
    started = time.perf_counter()
    whole = LexicalIndex(langs, texts)
    whole_s = time.perf_counter() - started
    started = time.perf_counter()
    reused = LexicalIndex(langs, texts, previous=previous)
    reused_s = time.perf_counter() - started
    old = previous.digests if previous is not None else {}
    built = sum(old.get(lang) != digest for lang, digest in reused.digests.items())
    rows = [
        ("built whole (baseline)", whole_s, len(whole.digests)),
        ("previous generation's kept index read", read_previous, 0),
        ("unchanged languages taken from it (ours)", reused_s, built),
    ]
    return [{"how": how, "seconds": round(t, 2), "built": n} for how, t, n in rows]


def _naive_rate(setup: Setup) -> tuple[float, int]:
    """Passages/s when every chunk's (same 240-character) text is embedded in its own call,
    and how many chunks the full corpus has: the naive pipeline embeds each one, with no
    batching, cache or dedup."""
    loaded = load_corpus(setup.corpus, "{lang}/{id}")
    chunker = Chunker(450, 60)
    chunks = [c for a in loaded.articles for c in chunker.split(a)]
    sample = [dense_text(c, 240) for c in chunks[:: max(1, len(chunks) // 32)]][:32]
    started = time.perf_counter()
    for text in sample:
        setup.embedder.embed_passages([text])
    return len(sample) / (time.perf_counter() - started), len(chunks)
