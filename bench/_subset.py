"""The fair subset every pipeline, the tutorial baseline included, is compared on."""

from __future__ import annotations

import functools
import shutil
from dataclasses import dataclass
from pathlib import Path

from assistant._eval import EvalQuestion
from assistant._ingest import IngestReport
from bench._corpus import languages, make_slice, raw_docs, subset_ids
from bench._report import log
from bench._setup import Setup
from bench._tutorial import TutorialIndex

QUICK_LANGS = ("en", "sv")
QUICK_SAMPLE = 15
FULL_SAMPLE = 40


@dataclass(frozen=True)
class Subset:
    """A copied corpus slice, our index of it and the tutorial baseline's index of it."""

    description: str
    langs: tuple[str, ...]
    ids: frozenset[str]
    questions: list[EvalQuestion]
    corpus: Path
    index: Path
    ours: IngestReport
    tutorial: TutorialIndex


@functools.cache
def subset(setup: Setup) -> Subset:
    """Every language version of the dev questions' gold articles plus a fixed-seed sample
    of other articles (quick: English and Swedish only, and their questions)."""
    all_langs = languages(setup.corpus)
    langs = tuple(lg for lg in QUICK_LANGS if lg in all_langs) if setup.quick else tuple(all_langs)
    questions = [q for q in setup.questions if not setup.quick or q.lang in langs]
    sample = QUICK_SAMPLE if setup.quick else FULL_SAMPLE
    docs = raw_docs(setup.corpus)
    ids = frozenset(subset_ids(docs, {g for q in questions for g in q.gold}, sample, setup.seed))
    kept = [d for d in docs if d.article_id in ids and d.lang in langs]
    description = (
        f"subset: gold articles of {len(questions)} questions + {sample} random ids "
        f"(seed {setup.seed}) = {len(ids)} ids, {len(kept)} files in {', '.join(langs)}"
    )
    log(description)
    slice_dir = setup.work / "subset-corpus"
    shutil.rmtree(slice_dir, ignore_errors=True)
    make_slice(setup.corpus, slice_dir, set(ids), set(langs))
    index = setup.seeded_dir("subset-index")
    ours = setup.ingest(slice_dir, index)
    log(f"our subset index: {ours.chunks} chunks, {ours.build.embedded if ours.build else 0} new")
    tutorial = TutorialIndex(kept, setup.embedder, setup.work / "tutorial-cache.sqlite")
    log(f"tutorial subset index: {len(tutorial.owners)} chunks, {tutorial.embedded} new")
    return Subset(description, langs, ids, questions, slice_dir, index, ours, tutorial)
