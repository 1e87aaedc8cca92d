"""The learned second stage: a relevance model over candidate features, and the values that
`assistant tune` chose, kept together in one file shipped with the package."""

from __future__ import annotations

import json
import os
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from assistant._features import FEATURES

TUNED_FILE = Path(__file__).with_name("tuned.json")
DENSE_BEST = FEATURES.index("dense_best")
#: The `Tuned.domain_floor` key of the languages without docs (Finnish, Italian…).
UNSERVED = "*"


@dataclass(frozen=True)
class Tuned:
    """A relevance model (logistic regression over standardised `FEATURES`) and every value
    retrieval depends on, as chosen by `assistant tune`."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    min_relevance: float
    see_also: float
    dense_chunks: int
    dense_articles: int
    head_articles: int
    lexical_articles: int
    section_lexical_weight: float
    translation_margin: float
    parent_margin: float
    intro_margin: float = 0.0
    #: How much nearer a question's vector comes to its own language's version of an article
    #: than to the nearest other translation (see `_tune.own_language_lead`).
    own_language_lead: float = 0.0
    #: Per language of the docs, the best-section cosine below which a question is outside
    #: the docs' domain ("What is the capital of Australia?"): the lowest that any question
    #: about them reached when `assistant tune` ran (see `_tune.domain_floor`). The key
    #: `UNSERVED` holds one floor shared by the languages without docs.
    domain_floor: dict[str, float] = field(default_factory=dict)
    #: The corpus, model, engine and text length the floor was measured on
    #: (`ArticleTable.domain`); on any other index it is not applied.
    domain: str = ""
    trained_on: str = ""
    figures: dict[str, Any] = field(default_factory=dict)

    def floor(self, lang: str, languages: Collection[str]) -> float | None:
        """The domain floor of a question in `lang`, given the docs' `languages`."""
        return self.domain_floor.get(lang if lang in languages else UNSERVED)

    def relevance(
        self, rows: npt.NDArray[np.float64], floor: float | None = None
    ) -> npt.NDArray[np.float64]:
        """The probability that each candidate answers the question, one per feature row; 0
        for all when no candidate's best section reaches the cosine `floor`."""
        if rows.shape[0] == 0:
            return np.zeros(0)
        if floor is not None and float(rows[:, DENSE_BEST].max()) < floor:
            return np.zeros(rows.shape[0])
        z = (rows - np.asarray(self.mean)) / np.asarray(self.scale)
        logits = z @ np.asarray(self.weights) + self.bias
        out: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-np.clip(logits, -40, 40)))
        return out

    def save(self, path: Path) -> None:
        """Write the values as JSON, making the folder if need be; ValueError names the file
        when it cannot be written."""
        text = json.dumps(asdict(self), indent=1, ensure_ascii=False) + "\n"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, "utf-8")
        except OSError as exc:
            raise ValueError(f"{path}: cannot write the ranker file ({exc.strerror})") from exc


def check_writable(
    path: Path, what: str = "the ranker file", setting: str = "retrieval.ranker"
) -> None:
    """ValueError naming `path` when `what` could not be written there (`setting` names it in
    config.yaml), so that a long `assistant tune` or `adapt` fails at its start, not its end."""
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    writable = folder.is_dir() and os.access(path if path.exists() else folder, os.W_OK)
    if path.is_dir() or not writable:
        raise ValueError(
            f"{path}: cannot write {what} there; name another with --out or {setting} in "
            "config.yaml"
        )


def load_tuned(path: Path = TUNED_FILE) -> Tuned:
    """Read a tuned file; ValueError names the file when it is missing, is not a ranker file
    or was made for other features."""
    if not path.is_file():
        raise ValueError(f"{path}: no such ranker file; run `assistant tune` to write it")
    try:
        data = json.loads(path.read_text("utf-8"))
        if not isinstance(data, dict) or "weights" not in data:
            raise ValueError("it has no weights")
        fields: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v
            for k, v in data.items()
            if k in Tuned.__dataclass_fields__
        }
        tuned = Tuned(**fields)
    except (OSError, ValueError, TypeError) as exc:
        raise ValueError(f"{path}: not a tuned ranker file ({exc}); run `assistant tune`") from exc
    if tuned.features != FEATURES:
        raise ValueError(f"{path}: made for other features; run `assistant tune` again")
    for vector in (tuned.mean, tuned.scale, tuned.weights):
        if len(vector) != len(FEATURES) or not all(isinstance(v, int | float) for v in vector):
            raise ValueError(
                f"{path}: not a tuned ranker file (a vector that is not "
                f"{len(FEATURES)} numbers); run `assistant tune`"
            )
    floor = tuned.domain_floor
    if not isinstance(floor, dict) or not all(
        isinstance(k, str) and isinstance(v, int | float) for k, v in floor.items()
    ):
        raise ValueError(
            f"{path}: not a tuned ranker file (domain_floor is not a number per language); "
            "run `assistant tune`"
        )
    return tuned
