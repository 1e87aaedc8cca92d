"""`assistant tune`: train the relevance model on questions with gold articles, choose every
retrieval value by cross-validation grouped by article, and write them to one file."""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from assistant._eval import EvalQuestion, heading_key, progress, section_names
from assistant._features import FEATURES, candidate_features
from assistant._ranker import DENSE_BEST, UNSERVED, Tuned
from assistant._retriever import Retriever
from corpus import Chunk

FOLDS = 5
#: Fold assignments that every cross-validated figure is the mean of: one assignment of 177
#: questions moves success@1 by about 0.015 either way, more than most choices it decides.
CV_SEEDS = (0, 1, 2)
C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
WEAK_WEIGHTS = (0.0, 0.1, 0.3, 1.0)
PSEUDO_PER_LANGUAGE = 60
GENERIC_USES = 3
MAX_OVER_DECLINED = 0.05
#: The F-beta's beta for the see-also point: a right article left out of see-also costs the
#: reader `SEE_ALSO_BETA` times as much as a wrong one listed, which is skimmed past.
SEE_ALSO_BETA = 2.0
SECTION_WEIGHTS = (0.0, 0.05, 0.1, 0.2, 0.4)
TRANSLATION_MARGINS = (0.0, 0.04, 0.08, 0.12)
PARENT_MARGINS = (-1.0, 0.0, 0.01, 0.02)
INTRO_MARGINS = (0.0, 0.02, 0.04, 0.08, 0.12, 0.2, 0.5)
CANDIDATE_GRID = ((256, 30, 15, 15), (256, 40, 20, 20), (512, 60, 30, 30))


@dataclass
class Sample:
    """One question's candidates: feature rows, which are gold, and the question's fold group."""

    question: EvalQuestion
    langs: list[str]
    docs: list[int]
    rows: npt.NDArray[np.float64]
    labels: npt.NDArray[np.float64]
    group: int = 0


def collect(
    retriever: Retriever,
    questions: Sequence[EvalQuestion],
    langs_of: Callable[[str], list[str]],
    desc: str = "",
) -> list[Sample]:
    """Candidates and features of every question, as the running assistant would see them;
    counted on a progress bar named `desc` when one is given."""
    samples = []
    for q in progress(questions, desc, bool(desc)):
        langs = langs_of(q.question)
        qv, ev, _ = retriever.evidence(q.question, langs)
        docs = retriever.candidates(ev)
        rows, _ = candidate_features(retriever.table, retriever.index.vectors, qv, docs, ev)
        gold = set(q.gold)
        labels = np.array([float(retriever.table.article_ids[d] in gold) for d in docs])
        samples.append(Sample(q, langs, docs, rows, labels))
    group_by_article(samples)
    return samples


def pseudo_questions(
    chunks: Sequence[Chunk], per_language: int = PSEUDO_PER_LANGUAGE, seed: int = 0
) -> list[EvalQuestion]:
    """Free weak supervision from the corpus itself: for a fixed-seed sample of articles in
    each language, its title, its description and one section heading, each a question whose
    answer is that article. Titles and headings that several articles share ("Overview",
    "Steps") say nothing about one article and are left out."""
    import random

    heads: dict[tuple[str, str], Chunk] = {}
    headings: dict[tuple[str, str], list[str]] = {}
    uses: dict[str, set[str]] = {}
    for c in chunks:
        heads.setdefault((c.lang, c.article_id), c)
        for text in (c.title, *c.headings[-1:]):
            uses.setdefault(heading_key(text), set()).add(c.article_id)
        if c.headings:
            headings.setdefault((c.lang, c.article_id), []).append(c.headings[-1])
    rng = random.Random(seed)
    questions = []
    for lang in sorted({lang for lang, _ in heads}):
        keys = sorted(k for k in heads if k[0] == lang)
        for key in rng.sample(keys, min(per_language, len(keys))):
            head = heads[key]
            specific = [
                h
                for h in dict.fromkeys(headings.get(key, []))
                if len(uses.get(heading_key(h), ())) < GENERIC_USES
            ]
            texts = [head.title, head.description, *([rng.choice(specific)] if specific else [])]
            for n, text in enumerate(texts):
                if text.strip() and len(uses.get(heading_key(text), ())) < GENERIC_USES:
                    questions.append(
                        EvalQuestion(f"pseudo-{lang}-{key[1]}-{n}", lang, text, (key[1],))
                    )
    return questions


def group_by_article(samples: Sequence[Sample]) -> None:
    """Questions that share a gold article share a group, so that no article is in both the
    training and the test side of a fold."""
    parent = list(range(len(samples)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, s in enumerate(samples):
        for article in s.question.gold:
            if article in owner:
                parent[root(i)] = root(owner[article])
            else:
                owner[article] = i
    for i, s in enumerate(samples):
        s.group = root(i)


def domain_floor(samples: Sequence[Sample], languages: Collection[str]) -> dict[str, float]:
    """Per language of `languages` (the docs'), the lowest best-section cosine among the
    answerable questions asked in it (by their likeliest language), rounded down to 3
    decimals; under `UNSERVED`, the same over the questions in every other language, which
    are searched in all the docs' languages and so share one floor. A question less like
    every section than all the questions about the docs is outside their domain ("What is
    the capital of Australia?"). Without `languages`, no floor."""
    if not languages:
        return {}
    lowest: dict[str, float] = {}
    for s in samples:
        if s.question.gold and len(s.rows):
            key = s.langs[0] if s.langs[0] in languages else UNSERVED
            top = float(s.rows[:, DENSE_BEST].max())
            lowest[key] = min(lowest.get(key, top), top)
    return {lang: math.floor(v * 1000) / 1000 for lang, v in sorted(lowest.items())}


def doc_languages(weak: Sequence[Sample]) -> set[str]:
    """The languages of the docs: those the pseudo-questions were taken from."""
    return {s.question.lang for s in weak}


def _fit(
    samples: Sequence[Sample], c: float, weak: Sequence[Sample] = (), weak_weight: float = 0.0
) -> tuple[Any, Any]:
    """Logistic regression over standardised features; `weak` samples count `weak_weight`
    each. Classes are not reweighted, so the output is a calibrated probability."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    used = [*samples, *(weak if weak_weight > 0 else ())]
    x = np.vstack([s.rows for s in used])
    y = np.concatenate([s.labels for s in used])
    w = np.concatenate(
        [
            np.full(len(s.labels), 1.0 if i < len(samples) else weak_weight)
            for i, s in enumerate(used)
        ]
    )
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=c, max_iter=3000)
    model.fit(scaler.transform(x), y, sample_weight=w)
    return scaler, model


def _tuned_from(scaler: Any, model: Any, base: Tuned) -> Tuned:
    return dataclasses.replace(
        base,
        features=FEATURES,
        mean=tuple(float(v) for v in scaler.mean_),
        scale=tuple(float(v) if v > 0 else 1.0 for v in scaler.scale_),
        weights=tuple(float(v) for v in model.coef_[0]),
        bias=float(model.intercept_[0]),
    )


def cross_validate(
    samples: list[Sample],
    base: Tuned,
    c: float,
    weak: Sequence[Sample] = (),
    weak_weight: float = 0.0,
    seed: int = 0,
    floor: bool = True,
) -> list[npt.NDArray[np.float64]]:
    """Out-of-fold relevance of every question's candidates. Folds are grouped by article,
    and weak samples about a test fold's articles are left out of its training and of its
    `domain_floor` (with `floor`); a `seed` above 0 shuffles which groups share a fold."""
    from sklearn.model_selection import GroupKFold

    groups = np.array([s.group for s in samples])
    if seed:
        ids = sorted(set(groups.tolist()))
        shuffled = dict(zip(ids, np.random.default_rng(seed).permutation(len(ids)), strict=True))
        groups = np.array([shuffled[g] for g in groups.tolist()])
    folds = min(FOLDS, len(set(groups.tolist())))
    languages = doc_languages(weak) if floor else set()
    out: list[npt.NDArray[np.float64]] = [np.zeros(0)] * len(samples)
    for train, test in GroupKFold(n_splits=folds).split(np.zeros(len(samples)), groups=groups):
        held = {samples[i].group for i in test}
        kept = [s for s in weak if s.group not in held]
        scaler, model = _fit([samples[i] for i in train], c, kept, weak_weight)
        floors = domain_floor([*(samples[i] for i in train), *kept], languages)
        tuned = dataclasses.replace(_tuned_from(scaler, model, base), domain_floor=floors)
        for i in test:
            out[i] = tuned.relevance(samples[i].rows, tuned.floor(samples[i].langs[0], languages))
    return out


def repeated_cv(
    samples: list[Sample],
    base: Tuned,
    c: float,
    weak: Sequence[Sample] = (),
    weak_weight: float = 0.0,
    floor: bool = True,
) -> tuple[list[Sample], list[npt.NDArray[np.float64]]]:
    """Out-of-fold relevance under each of the `CV_SEEDS` fold assignments, pooled: the
    samples repeated once per assignment, beside their scores (pass `len(CV_SEEDS)` as
    `repeats` to `figures` and `decline_curve`)."""
    scores = [
        row
        for seed in CV_SEEDS
        for row in cross_validate(samples, base, c, weak, weak_weight, seed, floor)
    ]
    return samples * len(CV_SEEDS), scores


@dataclass(frozen=True)
class Figures:
    """What out-of-fold predictions score at one decline point."""

    success_at_1: float
    success_at_5: float
    declined: float
    out_of_scope: int
    over_declined: float
    decisions: float


def figures(
    samples: Sequence[Sample],
    scores: Sequence[npt.NDArray[np.float64]],
    threshold: float,
    repeats: int = 1,
) -> Figures:
    """Success at 1 and 5 (a declined answerable question is a miss), out-of-scope questions
    declined, answerable questions declined, and the share of right answer-or-decline calls;
    the counts per fold assignment when the samples are pooled over `repeats` of them."""
    s1 = s5 = declined = over = right = 0
    answerable = [i for i, s in enumerate(samples) if s.question.gold]
    for i, s in enumerate(samples):
        order = np.argsort(-scores[i], kind="stable")
        top = float(scores[i][order[0]]) if len(order) else 0.0
        answered = top >= threshold
        hit1 = bool(len(order)) and s.labels[order[0]] > 0
        hit5 = bool(s.labels[order[:5]].sum() > 0) if len(order) else False
        if not s.question.gold:
            declined += int(not answered)
            right += int(not answered)
            continue
        s1 += int(answered and hit1)
        s5 += int(answered and hit5)
        over += int(not answered)
        right += int(answered == hit5)
    n = max(len(answerable), 1)
    return Figures(
        success_at_1=s1 / n,
        success_at_5=s5 / n,
        declined=round(declined / repeats, 1),
        out_of_scope=(len(samples) - len(answerable)) // repeats,
        over_declined=over / n,
        decisions=right / max(len(samples), 1),
    )


def decline_curve(
    samples: Sequence[Sample],
    scores: Sequence[npt.NDArray[np.float64]],
    repeats: int = 1,
    steps: int = 20,
) -> list[list[float]]:
    """[threshold, answered right, answered wrong, declined] over thresholds from 0 to 1,
    counted per fold assignment when the samples are pooled over `repeats` of them."""
    curve = []
    for t in np.linspace(0.0, 1.0, steps + 1):
        right = wrong = declined = 0
        for i, s in enumerate(samples):
            order = np.argsort(-scores[i], kind="stable")
            top = float(scores[i][order[0]]) if len(order) else 0.0
            if top < t:
                declined += 1
            elif s.question.gold and s.labels[order[0]] > 0:
                right += 1
            else:
                wrong += 1
        curve.append(
            [round(float(t), 3), *(round(n / repeats, 1) for n in (right, wrong, declined))]
        )
    return curve


def choose_threshold(samples: Sequence[Sample], scores: Sequence[npt.NDArray[np.float64]]) -> float:
    """The decline point that declines the most out-of-scope questions while declining at
    most `MAX_OVER_DECLINED` of the answerable ones (the product's budget for wrongly
    saying "not in the docs"); among equals, the lowest."""
    grid = np.round(np.arange(0.0, 0.99, 0.01), 3)
    allowed = [
        (figures(samples, scores, float(t)), float(t))
        for t in grid
        if figures(samples, scores, float(t)).over_declined <= MAX_OVER_DECLINED
    ]
    return max(allowed, key=lambda ft: (ft[0].declined, -ft[1]))[1]


def choose_see_also(
    samples: Sequence[Sample],
    scores: Sequence[npt.NDArray[np.float64]],
    beta: float = SEE_ALSO_BETA,
) -> float:
    """The relevance from which a further article is shown as see-also: the split of the
    second to fifth candidates into gold and not with the best F-beta, recall weighing `beta`
    times as much as precision."""
    pairs = []
    for i, s in enumerate(samples):
        order = np.argsort(-scores[i], kind="stable")[1:5]
        pairs += [(float(scores[i][j]), s.labels[j] > 0) for j in order]
    b2 = beta * beta

    def f_beta(t: float) -> float:
        tp = sum(1 for p, g in pairs if p >= t and g)
        fp = sum(1 for p, g in pairs if p >= t and not g)
        fn = sum(1 for p, g in pairs if p < t and g)
        return (1 + b2) * tp / max((1 + b2) * tp + b2 * fn + fp, 1)

    grid = np.round(np.arange(0.01, 0.99, 0.01), 3)
    return float(max(grid, key=lambda t: (f_beta(float(t)), t)))


def bootstrap() -> Tuned:
    """A starting point before any tuning: rank by the best section's cosine alone."""
    n = len(FEATURES)
    weights = [0.0] * n
    weights[FEATURES.index("dense_best")] = 20.0
    return Tuned(
        features=FEATURES,
        mean=(0.0,) * n,
        scale=(1.0,) * n,
        weights=tuple(weights),
        bias=-16.0,
        min_relevance=0.5,
        see_also=0.5,
        dense_chunks=CANDIDATE_GRID[1][0],
        dense_articles=CANDIDATE_GRID[1][1],
        head_articles=CANDIDATE_GRID[1][2],
        lexical_articles=CANDIDATE_GRID[1][3],
        section_lexical_weight=0.0,
        translation_margin=0.08,
        parent_margin=-1.0,
    )


def _with_counts(base: Tuned, counts: tuple[int, int, int, int]) -> Tuned:
    """`base` with the candidate counts (dense chunks, dense, head and lexical articles)."""
    return dataclasses.replace(
        base,
        dense_chunks=counts[0],
        dense_articles=counts[1],
        head_articles=counts[2],
        lexical_articles=counts[3],
    )


def _candidate_recall(samples: Sequence[Sample]) -> float:
    answerable = [s for s in samples if s.question.gold]
    return sum(float(s.labels.sum() > 0) for s in answerable) / max(len(answerable), 1)


def _section_score(
    retriever: Retriever, samples: Sequence[Sample], names: Callable[[Any], set[str]]
) -> tuple[float, float]:
    """Share of the answerable questions that name a section whose first hit is a gold
    article cited at that section, and share of answerable questions cited in their language."""
    hits = same = n = sectioned = 0
    for s in samples:
        if not s.question.gold:
            continue
        n += 1
        sectioned += bool(s.question.section)
        found = retriever.retrieve(s.question.question, s.langs, top_k=1).hits
        if not found:
            continue
        chunk = found[0].chunk
        same += int(chunk.lang == s.question.lang)
        if chunk.article_id in s.question.gold and s.question.section:
            hits += int(heading_key(s.question.section) in names(chunk))
    return hits / max(sectioned, 1), same / max(n, 1)


def own_language_lead(retriever: Retriever, samples: Sequence[Sample]) -> float:
    """The 90th percentile, over the answerable questions whose first gold article is in their
    language and another, of how much nearer the question's vector comes to its own
    language's version than to the nearest other translation. A fixed answer language (the
    API's `lang`) counts it more when choosing the translation to cite, so that a faithful
    translation is cited rather than the question's own language's version."""
    table, vectors = retriever.table, retriever.index.vectors
    leads = []
    for s in samples:
        gold = s.question.gold[0] if s.question.gold else None
        if gold not in table.article_ids:
            continue
        rows = table.rows[table.article_ids.index(gold)]
        if s.question.lang not in rows or len(rows) < 2:
            continue
        qv = retriever.query_vector(s.question.question)
        best = {lang: float((vectors[r] @ qv).max()) for lang, r in rows.items()}
        own = best.pop(s.question.lang)
        leads.append(own - max(best.values()))
    return round(float(np.percentile(leads, 90)), 3) if leads else 0.0


def tune(
    retriever: Retriever,
    questions: Sequence[EvalQuestion],
    langs_of: Callable[[str], list[str]],
    say: Callable[[str], None],
    source: str,
    show_progress: bool = False,
) -> Tuned:
    """Choose candidate counts, the model's regularisation, the decline and see-also points,
    the section weighting and the translation margin, each by cross-validated figures on
    `questions`; return the model trained on all of them with those values. With
    `show_progress`, the passes over the questions show progress bars on stderr."""
    base = retriever.params.tuned
    best_counts: tuple[Tuned, list[Sample]] | None = None
    best_recall = -1.0
    for counts in CANDIDATE_GRID:
        trial = _with_counts(base, counts)
        retriever.params = dataclasses.replace(retriever.params, tuned=trial)
        desc = f"Candidates {counts}" if show_progress else ""
        samples = collect(retriever, questions, langs_of, desc)
        recall = _candidate_recall(samples)
        say(f"candidates {counts}: gold among candidates for {recall:.3f} of answerable")
        if recall > best_recall + 1e-9:
            best_counts, best_recall = (trial, samples), recall
    assert best_counts is not None
    base, samples = best_counts
    retriever.params = dataclasses.replace(retriever.params, tuned=base)
    pseudo = pseudo_questions(retriever.index.chunks)
    weak = collect(retriever, pseudo, langs_of, "Pseudo-questions" if show_progress else "")
    group_by_article([*samples, *weak])
    say(f"{len(weak)} pseudo-questions from titles, descriptions and headings")
    best = (C_GRID[0], WEAK_WEIGHTS[0])
    best_key: tuple[float, float] = (-1.0, -1.0)
    best_scores: list[npt.NDArray[np.float64]] = []
    repeats = len(CV_SEEDS)
    for weak_weight in WEAK_WEIGHTS:
        for c in C_GRID:
            pooled, scores = repeated_cv(samples, base, c, weak, weak_weight)
            t = choose_threshold(pooled, scores)
            f = figures(pooled, scores, t, repeats)
            say(
                f"weak weight {weak_weight}, C={c}: cross-validated success@1 "
                f"{f.success_at_1:.3f}, success@5 {f.success_at_5:.3f}, declined "
                f"{f.declined:g}/{f.out_of_scope} out of scope, {f.over_declined:.3f} of "
                f"answerable (decline below {t:.2f})"
            )
            key = (f.success_at_1 + f.success_at_5, f.decisions)
            if key > best_key:
                best, best_key, best_scores = (c, weak_weight), key, scores
    best_c, weak_weight = best
    pooled = samples * repeats
    threshold = choose_threshold(pooled, best_scores)
    see_also = choose_see_also(pooled, best_scores)
    cv = figures(pooled, best_scores, threshold, repeats)
    scaler, model = _fit(samples, best_c, weak, weak_weight)
    floors = domain_floor([*samples, *weak], doc_languages(weak))
    tuned = dataclasses.replace(
        _tuned_from(scaler, model, base),
        min_relevance=threshold,
        see_also=see_also,
        domain_floor=floors,
        domain=retriever.table.domain,
    )
    say(
        "domain floor (best-section cosine below which a question is outside the docs): "
        + ", ".join(f"{lang} {v}" for lang, v in floors.items())
    )
    names = section_names(retriever.index.chunks)
    best_section = (-1.0, -1.0)
    pairs = list(itertools.product(SECTION_WEIGHTS, TRANSLATION_MARGINS))
    for weight, margin in progress(pairs, "Section weighting", show_progress, "trial"):
        trial = dataclasses.replace(tuned, section_lexical_weight=weight, translation_margin=margin)
        retriever.params = dataclasses.replace(retriever.params, tuned=trial)
        score = _section_score(retriever, samples, names)
        if score > best_section:
            best_section = score
            tuned = trial
    best_section = (-1.0, -1.0)
    for name, values in (("parent_margin", PARENT_MARGINS), ("intro_margin", INTRO_MARGINS)):
        chosen = tuned
        for value in progress(values, name.replace("_", " ").capitalize(), show_progress, "trial"):
            change: dict[str, Any] = {name: value}
            trial = dataclasses.replace(tuned, **change)
            retriever.params = dataclasses.replace(retriever.params, tuned=trial)
            score = _section_score(retriever, samples, names)
            if score > best_section:
                best_section, chosen = score, trial
        tuned = chosen
    tuned = dataclasses.replace(tuned, own_language_lead=own_language_lead(retriever, samples))
    say(
        f"own-language lead {tuned.own_language_lead} (cited translation under a fixed "
        "answer language)"
    )
    say(
        f"section weight {tuned.section_lexical_weight}, translation margin "
        f"{tuned.translation_margin}, parent margin {tuned.parent_margin}, intro margin "
        f"{tuned.intro_margin}: section@1 "
        f"{best_section[0]:.3f}, same language {best_section[1]:.3f}"
    )
    return dataclasses.replace(
        tuned,
        trained_on=source,
        figures={
            "folds": FOLDS,
            "fold_assignments": repeats,
            "questions": len(samples),
            "C": best_c,
            "weak_weight": weak_weight,
            "weak_questions": len(weak),
            "candidate_recall": round(best_recall, 3),
            "cv_success@1": round(cv.success_at_1, 3),
            "cv_success@5": round(cv.success_at_5, 3),
            "cv_declined": f"{cv.declined:g}/{cv.out_of_scope}",
            "cv_over_declined": round(cv.over_declined, 3),
            "decline_curve": decline_curve(pooled, best_scores, repeats),
        },
    )
