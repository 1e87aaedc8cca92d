"""What a run works on: the corpus, the questions, the existing index and a scratch folder."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from assistant._eval import EvalQuestion, read_questions
from assistant._ingest import CorpusSource, IngestReport, ingest
from corpus import Chunker
from embeddings import Embedder, IndexStore
from embeddings._store import CACHE

URL_TEMPLATE = "https://docs.superoffice.com/{lang}/{id}"


@dataclass(eq=False)
class Setup:
    """Inputs and sizes of one run; `quick` shrinks every sample."""

    corpus: Path
    questions_path: Path
    tune_path: Path
    index: Path
    work: Path
    make_embedder: Callable[[], Embedder]
    quick: bool = False
    seed: int = 0
    results: dict[str, object] = field(default_factory=dict)

    @cached_property
    def embedder(self) -> Embedder:
        """One shared embedder, loaded on first use."""
        embedder = self.make_embedder()
        embedder.warm_up()
        return embedder

    @cached_property
    def questions(self) -> list[EvalQuestion]:
        """The dev questions."""
        return read_questions(self.questions_path)

    def seeded_dir(self, name: str) -> Path:
        """An empty index folder under `work` holding a copy of the main index's embedding
        cache (when there is one), so that ingesting known text embeds nothing."""
        path = self.work / name
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        if (self.index / CACHE).exists():
            shutil.copyfile(self.index / CACHE, path / CACHE)
        return path

    def ingest(self, corpus: Path, index_dir: Path) -> IngestReport:
        """Ingest `corpus` into `index_dir` with the production settings."""
        return ingest(
            [CorpusSource(corpus, URL_TEMPLATE)],
            IndexStore(index_dir),
            self.embedder,
            Chunker(),
            show_progress=False,
        )

    def record(self, section: str, data: object) -> None:
        """Keep a section's results for the JSON output."""
        self.results[section] = json.loads(json.dumps(data, default=str))
