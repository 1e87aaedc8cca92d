"""Searches rather than questions: link texts ("Registrera en order") asked as keyword searches
whose answer is the linked article, scored out of fold beside the tune questions, for the
shipped recipe and for two variants meant for such searches (link texts as training data, and
features that the model weighs only for questions of at most five words)."""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from assistant._eval import EvalQuestion, heading_key
from assistant._features import FEATURES
from assistant._ranker import Tuned
from assistant._tune import FOLDS, Sample, _fit, _tuned_from, figures
from corpus import Chunk

SEARCH_SEEDS = (0, 1, 2)
LINKS_PER_LANGUAGE = 100
LINK_WORDS = (2, 8)
SHORT_WORDS = 5
SHORT_FEATURES = (
    "dense_gap",
    "dense_rank",
    "title_gap",
    "summary_gap",
    "lexical_lang_norm",
    "lexical_rank",
)


def link_questions(
    chunks: Sequence[Chunk], per_language: int = LINKS_PER_LANGUAGE, seed: int = 0
) -> list[EvalQuestion]:
    """A fixed-seed sample per language of the texts of links from one article to another,
    of two to eight words, that are not the linked article's title and always open the same
    article: searches whose answer is known."""
    article_at = {c.url.split("#")[0]: c.article_id for c in chunks}
    titles = {(c.lang, c.article_id): heading_key(c.title) for c in chunks}
    found: dict[tuple[str, str], tuple[str, set[str]]] = {}
    for c in chunks:
        for text, url in c.links:
            target = article_at.get(url.split("#")[0])
            words = len(text.split())
            if target is None or target == c.article_id:
                continue
            key = heading_key(text)
            if LINK_WORDS[0] <= words <= LINK_WORDS[1] and key != titles.get((c.lang, target)):
                found.setdefault((c.lang, key), (text, set()))[1].add(target)
    rng = random.Random(seed)
    questions = []
    for lang in sorted({lang for lang, _ in found}):
        keys = sorted(k for k in found if k[0] == lang and len(found[k][1]) == 1)
        for n, pick in enumerate(sorted(rng.sample(keys, min(per_language, len(keys))))):
            text, (target,) = found[pick]
            questions.append(EvalQuestion(f"link-{lang}-{n}", lang, text, (target,)))
    return questions


def _with_short(group: Sequence[Sample]) -> list[Sample]:
    """The samples with `SHORT_FEATURES` repeated, kept only for questions of at most
    `SHORT_WORDS` words (zero otherwise)."""
    words_at = FEATURES.index("question_words")
    columns = [FEATURES.index(name) for name in SHORT_FEATURES]
    out = []
    for s in group:
        words = round(float(np.expm1(s.rows[0, words_at]))) if len(s.rows) else 0
        short = float(0 < words <= SHORT_WORDS)
        rows = np.column_stack([s.rows, s.rows[:, columns] * short])
        out.append(Sample(s.question, s.langs, s.docs, rows, s.labels, s.group))
    return out


def searches_table(
    samples: Sequence[Sample], weak: Sequence[Sample], links: Sequence[Sample], tuned: Tuned
) -> list[list[object]]:
    """Success at 1 and 5 of the tune questions and of the link texts, both out of fold: folds
    grouped by article over the two together (no link text is scored by a model that saw a
    question about its article), the other pseudo-questions trained on with the shipped weight
    and regularisation; the mean over `SEARCH_SEEDS` fold assignments."""
    from sklearn.model_selection import GroupKFold

    c = float(tuned.figures.get("C", 1.0))
    weight = float(tuned.figures.get("weak_weight", 0.0))
    rows: list[list[object]] = []
    for name, with_links, short in (
        ("shipped recipe", False, False),
        ("  + link texts in training", True, False),
        ("  + keyword-search features", False, True),
        ("  + both", True, True),
    ):
        asked = _with_short(samples) if short else list(samples)
        searched = _with_short(links) if short else list(links)
        pseudo = _with_short(weak) if short else list(weak)
        both = [*asked, *searched]
        found = []
        for seed in SEARCH_SEEDS:
            rng = np.random.default_rng(seed)
            shuffled = {g: rng.random() for g in sorted({s.group for s in both})}
            groups = np.array([shuffled[s.group] for s in both])
            out: list[npt.NDArray[np.float64]] = [np.zeros(0)] * len(both)
            folds = GroupKFold(n_splits=min(FOLDS, len(set(groups.tolist()))))
            for train, test in folds.split(np.zeros(len(both)), groups=groups):
                held = {both[i].group for i in test}
                extra = [s for s in pseudo if s.group not in held]
                extra += [both[i] for i in train if i >= len(asked) and with_links]
                scaler, model = _fit([both[i] for i in train if i < len(asked)], c, extra, weight)
                fitted = _tuned_from(scaler, model, tuned)
                for i in test:
                    out[i] = fitted.relevance(both[i].rows)
            tune_f = figures(asked, out[: len(asked)], -1.0)
            link_f = figures(searched, out[len(asked) :], -1.0)
            found.append(
                [tune_f.success_at_1, tune_f.success_at_5, link_f.success_at_1, link_f.success_at_5]
            )
        rows.append([name, *(round(float(v), 3) for v in np.mean(found, axis=0))])
    return rows
