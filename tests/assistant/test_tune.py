"""Training, saving and loading the ranking model on a small generated corpus (fake embedder)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

from assistant import Assistant, _eval
from assistant._eval import EvalQuestion, section_names
from assistant._features import FEATURES
from assistant._ingest import CorpusSource, ingest
from assistant._ranker import UNSERVED, load_tuned
from assistant._retriever import RetrievalParams
from assistant._setup import open_assistant
from assistant._tune import (
    CV_SEEDS,
    Sample,
    _section_score,
    bootstrap,
    choose_see_also,
    collect,
    cross_validate,
    decline_curve,
    domain_floor,
    figures,
    pseudo_questions,
    repeated_cv,
    tune,
)
from assistant.cli import main
from assistant.settings import load_settings
from corpus import Chunker
from embeddings import FakeEmbedder, IndexStore

TOPICS = {
    "calendar/invite": ("invite colleagues meeting calendar", "bjud in kollegor till möte"),
    "calendar/recurrence": ("repeat weekly appointment recurrence", "upprepa bokning varje vecka"),
    "sales/quote": ("quote alternative price discount", "offert alternativ rabatt pris"),
    "sales/forecast": ("forecast pipeline stage probability", "prognos säljtratt sannolikhet"),
    "admin/users": ("add user licence password role", "lägg till användare licens roll"),
    "admin/import": ("import spreadsheet columns mapping", "importera kalkylblad kolumner"),
    "mail/template": ("email template signature merge", "e-postmall signatur fält"),
    "mail/bounce": ("bounced email invalid address", "studsade e-post ogiltig adress"),
    "mobile/app": ("phone app caller notification", "mobilapp samtal avisering"),
    "reports/export": ("export report excel columns", "exportera rapport excel"),
}


def _write_docs(folder: Path) -> None:
    for article, (en, sv) in TOPICS.items():
        for lang, words in (("en", en), ("sv", sv)):
            path = folder / lang / f"{article}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            title = words.split()[0].title()
            path.write_text(f"# {title}\n\n## Steps\n\n{words} {words}.\n\n## More\n\nOther.\n")
    (folder / "en" / "calendar" / "index.md").write_text(
        "# Calendar\n\n- [Invite](invite.md)\n- [Recurrence](recurrence.md)\n"
    )


@pytest.fixture
def assistant(tmp_path: Path) -> Assistant:
    _write_docs(tmp_path / "docs")
    embedder = FakeEmbedder()
    ingest(
        [CorpusSource(tmp_path / "docs", "https://x/{lang}/{id}")],
        IndexStore(tmp_path / "index"),
        embedder,
        Chunker(),
        show_progress=False,
    )
    return Assistant(tmp_path / "index", embedder, RetrievalParams(tuned=bootstrap()))


def _questions() -> list[EvalQuestion]:
    questions = []
    for n, (article, (en, sv)) in enumerate(TOPICS.items()):
        questions.append(EvalQuestion(f"e{n}", "en", f"how do I {en}?", (article,), "Steps"))
        questions.append(EvalQuestion(f"s{n}", "sv", f"hur gör jag {sv}?", (article,), "Steps"))
    questions += [
        EvalQuestion("o1", "en", "quantum entanglement of penguins", ()),
        EvalQuestion("o2", "en", "volcano lava temperature", ()),
    ]
    return questions


def test_tune_chooses_every_value_and_the_file_loads_back(
    assistant: Assistant, tmp_path: Path
) -> None:
    said: list[str] = []
    tuned = tune(
        assistant.retriever,
        _questions(),
        lambda q: ["sv" if "gör" in q else "en"],
        said.append,
        "t",
    )
    assert tuned.features == FEATURES
    assert len(tuned.weights) == len(FEATURES)
    assert 0 < tuned.min_relevance < 1 and 0 < tuned.see_also < 1
    assert tuned.figures["cv_success@5"] >= 0.5
    assert any("cross-validated" in line for line in said)
    # The fake embedder puts each question far nearer its own language's words.
    assert tuned.own_language_lead > 0
    assert tuned.domain == assistant.retriever.table.domain
    assert set(tuned.domain_floor) == {"en", "sv"}
    path = tmp_path / "tuned.json"
    tuned.save(path)
    assert load_tuned(path) == tuned
    rows = np.zeros((3, len(FEATURES)))
    assert tuned.relevance(rows).shape == (3,)


def test_folds_never_split_an_article(assistant: Assistant) -> None:
    from assistant._tune import collect

    samples = collect(assistant.retriever, _questions(), lambda q: ["en"])
    owner: dict[str, int] = {}
    for s in samples:
        for article in s.question.gold:
            assert owner.setdefault(article, s.group) == s.group


def test_figures_pooled_over_fold_assignments_count_per_assignment(assistant: Assistant) -> None:
    samples = collect(assistant.retriever, _questions(), lambda q: ["en"])
    pooled, scores = repeated_cv(samples, bootstrap(), 1.0)
    assert len(pooled) == len(scores) == len(samples) * len(CV_SEEDS)
    everything_declined = figures(pooled, scores, 1.01, repeats=len(CV_SEEDS))
    assert (everything_declined.declined, everything_declined.out_of_scope) == (2, 2)
    assert everything_declined.success_at_1 == 0
    *_, (threshold, right, wrong, declined) = decline_curve(pooled, scores, len(CV_SEEDS))
    assert (threshold, right + wrong, declined) == (1.0, 0, len(samples))


def test_a_file_for_other_features_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tuned.json"
    path.write_text('{"features": ["x"]}', "utf-8")
    with pytest.raises(ValueError, match="assistant tune"):
        load_tuned(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "no such ranker file; run `assistant tune` to write it"),
        ("[1]", "not a tuned ranker file (it has no weights)"),
        ('{"weights": [1]}', "not a tuned ranker file (Tuned.__init__() missing"),
    ],
)
def test_a_missing_or_foreign_file_is_named(tmp_path: Path, text: str | None, message: str) -> None:
    path = tmp_path / "ranker.json"
    if text is not None:
        path.write_text(text, "utf-8")
    with pytest.raises(ValueError) as raised:
        load_tuned(path)
    assert str(raised.value).startswith(f"{path}: {message}")


def test_a_vector_of_the_wrong_length_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ranker.json"
    bootstrap().save(path)
    data = json.loads(path.read_text("utf-8"))
    data["weights"] = data["weights"][:-1]
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(ValueError, match="not a tuned ranker file"):
        load_tuned(path)


def _cli_files(tmp_path: Path, settings: str = "") -> tuple[Path, Path]:
    """The fixture docs, a settings file (in a folder of its own) naming them with the fake
    embedder and `settings` besides, and the questions as JSONL."""
    _write_docs(tmp_path / "docs")
    config = tmp_path / "conf" / "config.yaml"
    config.parent.mkdir()
    config.write_text(
        "corpora:\n  - {path: ../docs, url_template: 'https://x/{lang}/{id}'}\n"
        "embedder: {backend: fake, model: hashing}\n" + settings,
        "utf-8",
    )
    questions = tmp_path / "questions.jsonl"
    lines = [json.dumps(dataclasses.asdict(q)) for q in _questions()]
    questions.write_text("\n".join(lines) + "\n", "utf-8")
    return config, questions


def test_tune_writes_the_configured_ranker_and_every_command_reads_it(tmp_path: Path) -> None:
    config, questions = _cli_files(tmp_path, "retrieval: {ranker: models/ranker.json}\n")
    ranker = config.parent / "models" / "ranker.json"

    def run(*args: str) -> Result:
        return CliRunner().invoke(main, ["--config", str(config), *args])

    missing = run("ask", "how do I invite colleagues?")
    assert missing.exit_code == 1
    assert missing.output == (
        f"Error: retrieval.ranker: {ranker}: no such ranker file; "
        "run `assistant tune` to write it\n"
    )
    tuned = run("tune", str(questions))
    assert tuned.exit_code == 0, tuned.output
    assert f"Wrote {ranker}." in tuned.output
    chosen = load_tuned(ranker)
    assert (
        f"decline below relevance {chosen.min_relevance}, see also from relevance "
        f"{chosen.see_also}." in tuned.output
    )
    assert open_assistant(load_settings(config)).retriever.params.tuned == chosen
    assert run("ask", "how do I invite colleagues?").exit_code == 0
    other = tmp_path / "other.json"
    assert run("tune", "--out", str(other), str(questions)).exit_code == 0
    assert load_tuned(other).features == FEATURES


def test_tune_and_eval_show_progress_on_stderr_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_eval, "PROGRESS_DELAY", 0.0)  # the fixture is quicker than the delay
    config, questions = _cli_files(tmp_path)
    runner = CliRunner()
    tuned = runner.invoke(
        main, ["--config", str(config), "tune", "--out", str(tmp_path / "t.json"), str(questions)]
    )
    assert tuned.exit_code == 0, tuned.output
    for bar in ("Candidates (", "Pseudo-questions", "Section weighting", "Intro margin"):
        assert bar in tuned.stderr
        assert bar not in tuned.stdout
    assert "Cross-validated on" in tuned.stdout
    evaluated = runner.invoke(main, ["--config", str(config), "eval", "--json", str(questions)])
    assert evaluated.exit_code == 0, evaluated.output
    assert "Questions:" in evaluated.stderr
    assert evaluated.stderr.endswith("\r"), "the bar is removed when done"
    assert json.loads(evaluated.stdout)["overall"]["success@5"] > 0


def test_section_hits_count_only_the_questions_that_name_a_section(assistant: Assistant) -> None:
    retriever = assistant.retriever
    named = _questions()[:2]
    langs = lambda q: ["sv" if "gör" in q else "en"]  # noqa: E731
    names = section_names(retriever.index.chunks)
    score, _ = _section_score(retriever, collect(retriever, named, langs), names)
    unnamed = [dataclasses.replace(q, id=f"{q.id}-", section="") for q in named]
    both, _ = _section_score(retriever, collect(retriever, [*named, *unnamed], langs), names)
    assert score > 0 and both == score


def _sample(lang: str, best: float, gold: tuple[str, ...] = ("a",)) -> Sample:
    rows = np.zeros((2, len(FEATURES)))
    rows[:, FEATURES.index("dense_best")] = (best, best - 0.1)
    return Sample(EvalQuestion(f"q{best}", lang, "q", gold), [lang], [0, 1], rows, np.zeros(2))


def test_the_domain_floor_is_the_lowest_best_cosine_of_each_language_of_the_docs() -> None:
    samples = [
        _sample("en", 0.9),
        _sample("en", 0.8567),
        _sample("sv", 0.875),
        _sample("fi", 0.81),  # no docs in Finnish or Italian: one floor for both
        _sample("it", 0.7999),
        _sample("en", 0.5, gold=()),  # out of scope
        _sample("fi", 0.4, gold=()),
    ]
    floors = domain_floor(samples, {"en", "sv", "de"})
    assert floors == {"en": 0.856, "sv": 0.875, UNSERVED: 0.799}
    assert domain_floor(samples, set()) == {}
    tuned = dataclasses.replace(bootstrap(), domain_floor=floors)
    assert tuned.floor("en", {"en", "sv", "de"}) == 0.856
    assert tuned.floor("pl", {"en", "sv", "de"}) == 0.799
    assert tuned.floor("de", {"en", "sv", "de"}) is None  # docs, but no question asked in it


def test_the_see_also_point_weighs_a_missed_right_article_more_than_a_wrong_link() -> None:
    # The second candidates' relevance and whether each is gold: the last right article
    # (0.1) is reached only by listing three wrong ones as well.
    seconds = [(0.6, 1.0), (0.5, 1.0), (0.2, 0.0), (0.15, 0.0), (0.12, 0.0), (0.1, 1.0)]
    samples = [
        dataclasses.replace(_sample("en", 0.9), labels=np.array([1.0, gold])) for _, gold in seconds
    ]
    scores = [np.array([0.9, p]) for p, _ in seconds]
    assert choose_see_also(samples, scores, beta=1.0) == 0.5  # precision as much as recall
    assert choose_see_also(samples, scores) == 0.1  # the shipped beta: every right one listed


def test_cross_validation_declines_a_question_below_the_floor_of_its_training_folds(
    assistant: Assistant,
) -> None:
    retriever = assistant.retriever
    samples = collect(retriever, _questions(), lambda q: ["sv" if "gör" in q else "en"])
    weak = collect(retriever, pseudo_questions(retriever.index.chunks), lambda q: ["en"])
    at = FEATURES.index("dense_best")
    lowest = int(np.argmin([s.rows[:, at].max() if s.question.gold else 9.0 for s in samples]))
    low = samples[lowest]
    # Less like every section than any other question: below the floor of the other folds.
    samples[lowest] = Sample(low.question, ["en"], low.docs, low.rows - 1.0, low.labels, low.group)
    floored = cross_validate(samples, bootstrap(), 1.0, weak)
    assert not floored[lowest].any()
    assert all(scores.any() for i, scores in enumerate(floored) if i != lowest)
    assert cross_validate(samples, bootstrap(), 1.0, weak, floor=False)[lowest].any()


def test_a_question_below_the_floor_is_declined_only_on_the_index_it_was_measured_on(
    assistant: Assistant,
) -> None:
    retriever = assistant.retriever
    retriever.params = dataclasses.replace(retriever.params, min_score=0.001)
    question, langs = "how do I invite colleagues to a meeting?", ["en"]
    before = retriever.retrieve(question, langs)
    assert before.relevant
    floored = dataclasses.replace(
        bootstrap(), domain_floor={"en": 1.5}, domain=retriever.table.domain
    )
    retriever.params = dataclasses.replace(retriever.params, tuned=floored)
    declined = retriever.retrieve(question, langs)
    assert (declined.relevant, declined.relevance) == (False, 0.0)
    assert [h.chunk.doc_id for h in declined.hits] != []
    assert retriever.retrieve("hur gör jag bjud in kollegor?", ["sv"]).relevant
    # A language without docs has its own floor, which does not apply to the docs' languages.
    unserved = dataclasses.replace(floored, domain_floor={UNSERVED: 1.5})
    retriever.params = dataclasses.replace(retriever.params, tuned=unserved)
    assert not retriever.retrieve(question, ["fi", "en"]).relevant
    assert retriever.retrieve(question, langs).relevant
    elsewhere = dataclasses.replace(floored, domain="another corpus")
    retriever.params = dataclasses.replace(retriever.params, tuned=elsewhere)
    assert retriever.retrieve(question, langs).relevant


def test_a_domain_floor_that_is_not_a_number_per_language_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ranker.json"
    dataclasses.replace(bootstrap(), domain_floor={"en": "high"}).save(  # type: ignore[dict-item]
        path
    )
    with pytest.raises(ValueError, match="domain_floor is not a number per language"):
        load_tuned(path)
