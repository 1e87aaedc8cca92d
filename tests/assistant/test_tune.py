"""Training, saving and loading the ranking model on a small generated corpus (fake embedder)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant
from assistant._eval import EvalQuestion
from assistant._features import FEATURES
from assistant._ingest import CorpusSource, ingest
from assistant._ranker import load_tuned
from assistant._retriever import RetrievalParams
from assistant._tune import bootstrap, tune
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


@pytest.fixture
def assistant(tmp_path: Path) -> Assistant:
    for article, (en, sv) in TOPICS.items():
        for lang, words in (("en", en), ("sv", sv)):
            path = tmp_path / "docs" / lang / f"{article}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            title = words.split()[0].title()
            path.write_text(f"# {title}\n\n## Steps\n\n{words} {words}.\n\n## More\n\nOther.\n")
    (tmp_path / "docs" / "en" / "calendar" / "index.md").write_text(
        "# Calendar\n\n- [Invite](invite.md)\n- [Recurrence](recurrence.md)\n"
    )
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


def test_a_file_for_other_features_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tuned.json"
    path.write_text('{"features": ["x"]}', "utf-8")
    with pytest.raises(ValueError, match="assistant tune"):
        load_tuned(path)
