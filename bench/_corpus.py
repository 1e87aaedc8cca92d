"""The benchmark corpora: article files by id, fair fixed-seed subsets and copied slices."""

from __future__ import annotations

import random
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

SUFFIXES = (".md", ".mdx")
SNIPPET_DIRS = {"includes", "snippets", "_snippets", "node_modules"}
_LANG_DIR = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?$")


@dataclass(frozen=True)
class RawDoc:
    """One article file in one language; its id is the path without language and suffix."""

    article_id: str
    lang: str
    path: Path


def languages(root: Path) -> list[str]:
    """The language folders of a corpus."""
    return sorted(p.name for p in root.iterdir() if p.is_dir() and _LANG_DIR.match(p.name))


def raw_docs(root: Path) -> list[RawDoc]:
    """Every article file of a corpus (snippet folders excluded), sorted by id and language."""
    docs = []
    for lang in languages(root):
        base = root / lang
        for path in sorted(base.rglob("*")):
            rel = path.relative_to(base)
            if (
                path.suffix.lower() in SUFFIXES
                and path.is_file()
                and not SNIPPET_DIRS & set(rel.parts[:-1])
                and not any(p.startswith(".") for p in rel.parts)
            ):
                docs.append(RawDoc(rel.with_suffix("").as_posix(), lang, path))
    return sorted(docs, key=lambda d: (d.article_id, d.lang))


def subset_ids(
    docs: Iterable[RawDoc], must: Iterable[str], sample: int, seed: int = 0
) -> list[str]:
    """`must` plus the first `sample` ids of a fixed-seed shuffle of all ids (a larger sample
    extends a smaller one, so quick subsets nest in full ones)."""
    ids = sorted({d.article_id for d in docs})
    random.Random(seed).shuffle(ids)
    return sorted(set(must) | set(ids[:sample]))


def make_slice(root: Path, dest: Path, ids: set[str], langs: set[str]) -> Path:
    """A copy of `root` in `dest` holding the articles of `ids` in `langs` and every
    non-article file (snippets, includes, images) of those languages. Copies, not links: the
    ingest never reads through a link that leaves the corpus."""
    docs = raw_docs(root)
    article_paths = {d.path for d in docs}
    keep = {d.path for d in docs if d.article_id in ids and d.lang in langs}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        top = rel.parts[0]
        if not path.is_file() or (_LANG_DIR.match(top) and top not in langs):
            continue
        if path in article_paths and path not in keep:
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            shutil.copyfile(path, target)
    return dest
