"""Language detection of questions: lingua alone (Bokmål and Nynorsk summed, as before, or the
likelier of the two) against lingua weighed by the words each language's docs use (each word
counted once for every language that uses it, or split evenly between them, as before, or split
by how often each uses it), on the tune questions and on titles, descriptions and headings
asked as questions (short, like keyword searches), each of those against the words of the
other articles only. Then questions in languages that neither the docs nor the fine detector
have (`data/other-languages.jsonl`, hand-written), answered over the whole index with and
without the coarse detector of every language, and with and without the domain floor of the
languages without docs."""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from assistant import Assistant
from assistant._eval import EvalQuestion, read_questions
from assistant._lang import (
    _CAMEL,
    _CODES,
    FOREIGN,
    VOCABULARY_SMOOTHING,
    WORD,
    LanguageGuesser,
    reader_first,
)
from assistant._ranker import UNSERVED
from assistant._tune import pseudo_questions
from bench._report import log, table
from bench._setup import Setup
from corpus import Chunk

OTHER_LANGUAGES = Path(__file__).parent / "data" / "other-languages.jsonl"
SMOOTHINGS = (1.0, 0.2, 0.1, 0.05, 0.02)
OLDER_SMOOTHING = 0.1
PREVIOUS_SMOOTHING = 0.05
Guess = Callable[[str, str, str], str]  # (question, own article or "", its language) -> code
#: A page in a language near the question's: a Norwegian reader on a Swedish page, and so on.
NEIGHBOUR = {"sv": "no", "no": "sv", "da": "no", "de": "nl", "nl": "de", "en": "sv", "fi": "sv"}


class _OtherArticles(Mapping[str, float]):
    """The words of one language's sections outside one article, each with its share of
    that language's words outside it, or with 1 when `evenly` (a word that several languages
    use is then split evenly between them, as before)."""

    def __init__(
        self, words: Mapping[str, Counter[str]], sizes: Counter[str], own: str, evenly: bool
    ) -> None:
        self.words = words
        self.own = own
        self.size = 1 if evenly else sizes.total() - sizes[own]
        self.evenly = evenly

    def _count(self, word: str) -> int:
        found = self.words.get(word)
        return found.total() - found[self.own] if found else 0

    def __contains__(self, word: object) -> bool:
        return self._count(str(word)) > 0

    def __getitem__(self, word: str) -> float:
        count = self._count(word)
        if not count:
            raise KeyError(word)
        return 1.0 if self.evenly else count / self.size

    def __iter__(self) -> Iterator[str]:
        return (word for word in self.words if word in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


Counts = dict[str, tuple[dict[str, Counter[str]], Counter[str]]]


def word_articles(chunks: Sequence[Chunk]) -> Counts:
    """Per language, how often each lowercased word occurs in each article, and how many
    words each article has."""
    out: Counts = {}
    for c in chunks:
        words, sizes = out.setdefault(c.lang, ({}, Counter()))
        found = WORD.findall(c.passage().lower())
        sizes[c.article_id] += len(found)
        for word in found:
            words.setdefault(word, Counter())[c.article_id] += 1
    return out


def variants(guesser: LanguageGuesser, articles: Counts) -> dict[str, Guess]:
    """Each way of guessing, by name."""

    def others(own: str, evenly: bool = False) -> dict[str, Mapping[str, float]]:
        return {
            lang: _OtherArticles(w, sizes, own, evenly) for lang, (w, sizes) in articles.items()
        }

    def words_of(question: str) -> list[str]:
        text = _CAMEL.sub(" ", question)
        return WORD.findall((text if text.strip() else question).lower())

    def summed(question: str, _own: str, _lang: str) -> str:
        words = _CAMEL.sub(" ", question)
        merged: dict[str, float] = {}
        for value in guesser._detector.compute_language_confidence_values(
            words if words.strip() else question
        ):
            code = _CODES[value.language]
            merged[code] = merged.get(code, 0.0) + value.value
        return max(merged, key=merged.__getitem__) if merged else guesser.default

    def counted_once(question: str, own: str, _lang: str) -> str:
        confidence = dict(guesser.candidates(question, floor=0.0))
        words = words_of(question)
        if not words:
            return max(confidence, key=confidence.__getitem__)
        use = {
            lang: OLDER_SMOOTHING + sum(w in v for w in words) / len(words)
            for lang, v in others(own).items()
        }
        mean = sum(use.values()) / len(use)
        return max(confidence, key=lambda code: confidence[code] * use.get(code, mean))

    def weighed(
        smoothing: float,
        page: Callable[[str], str | None] = lambda _lang: None,
        evenly: bool = False,
    ) -> Guess:
        def guess(question: str, own: str, lang: str) -> str:
            vocab = others(own, evenly)
            found = guesser.candidates(question, vocabularies=vocab, smoothing=smoothing)
            return reader_first([code for code, _ in found], page(lang))[0]

        return guess

    out: dict[str, Guess] = {
        "lingua, Bokmål + Nynorsk summed": summed,
        "lingua, the likelier of Bokmål and Nynorsk": lambda q, _own, _lang: guesser.guess(q),
        f"+ docs' words, each counted once, smoothing {OLDER_SMOOTHING}": counted_once,
        f"+ docs' words, shared ones split evenly, smoothing {PREVIOUS_SMOOTHING} (before)": (
            weighed(PREVIOUS_SMOOTHING, evenly=True)
        ),
    }
    for smoothing in SMOOTHINGS:
        chosen = " (default)" if smoothing == VOCABULARY_SMOOTHING else ""
        out[f"+ docs' words, shared ones split by use, smoothing {smoothing}{chosen}"] = weighed(
            smoothing
        )
    out["  + the page's language first, page in the question's language"] = weighed(
        VOCABULARY_SMOOTHING, lambda lang: lang
    )
    out["  + the page's language first, page in a neighbouring language"] = weighed(
        VOCABULARY_SMOOTHING, NEIGHBOUR.get
    )
    return out


def run(setup: Setup) -> list[str]:
    """Accuracy of each variant on the tune questions and on the corpus's own short texts."""
    assistant = Assistant(setup.index, setup.embedder)
    chunks = assistant.retriever.index.chunks
    sets: dict[str, list[EvalQuestion]] = {
        "tune": read_questions(setup.tune_path),
        "titles": pseudo_questions(chunks),
    }
    articles = word_articles(chunks)
    langs = sorted({q.lang for q in sets["titles"]})
    rows = []
    for name, guess in variants(LanguageGuesser(), articles).items():
        log(f"language: {name}")
        row: list[object] = [name]
        per_lang: Counter[str] = Counter()
        for set_name, questions in sets.items():
            right = 0
            for q in questions:
                own = q.gold[0] if set_name == "titles" else ""
                ok = guess(q.question, own, q.lang) == q.lang
                right += ok
                if set_name == "titles":
                    per_lang[q.lang] += ok
            row.append(f"{right}/{len(questions)}")
        sizes = Counter(q.lang for q in sets["titles"])
        row += [f"{per_lang[lg]}/{sizes[lg]}" for lg in langs]
        rows.append(row)
    setup.record("language", {str(r[0]): r[1:] for r in rows})
    return [
        table(
            "Question language, right guesses: tune questions, and titles, descriptions and "
            f"headings of a fixed-seed sample of articles asked as questions "
            f"({len(sets['titles'])}), each against the words of the other articles; "
            "the default smoothing is the best on these",
            ["variant", "tune", "titles", *(f"titles {lg}" for lg in langs)],
            rows,
        ),
        other_languages(setup, assistant),
    ]


def other_languages(setup: Setup, assistant: Assistant) -> str:
    """The language found, and the answers, for questions in languages outside the served
    ones: with the fine detector alone, with the coarse one first, and with that and the
    domain floor of the languages without docs."""
    questions = read_questions(OTHER_LANGUAGES)
    answerable = [q for q in questions if q.gold]
    rows: list[list[str]] = []
    record: dict[str, list[str]] = {}
    retriever = assistant.retriever
    shipped = retriever.params
    floors = {k: v for k, v in shipped.tuned.domain_floor.items() if k != UNSERVED}
    unfloored = dataclasses.replace(
        shipped, tuned=dataclasses.replace(shipped.tuned, domain_floor=floors)
    )
    # The last row is the shipped setting, which the assistant keeps for the sections after.
    for name, foreign, params in (
        ("fine detector alone", math.inf, unfloored),
        ("coarse first (before)", FOREIGN, unfloored),
        ("coarse first, floor of the languages without docs", FOREIGN, shipped),
    ):
        log(f"language: other languages, {name}")
        assistant.languages = LanguageGuesser(assistant.params.fallback_language, foreign)
        retriever.params = params
        right = s1 = s5 = declined = 0
        for q in questions:
            retrieval, langs = assistant.retrieve(q.question)
            right += langs[0] == q.lang
            found = list(dict.fromkeys(h.chunk.article_id for h in retrieval.hits))
            if not q.gold:
                declined += not retrieval.relevant
            elif retrieval.relevant:
                s1 += found[0] in q.gold
                s5 += any(a in q.gold for a in found[:5])
        row = [
            name,
            f"{right}/{len(questions)}",
            f"{s1 / len(answerable):.3f}",
            f"{s5 / len(answerable):.3f}",
            f"{declined}/{len(questions) - len(answerable)}",
        ]
        rows.append(row)
        record[name] = row[1:]
    setup.record("other_languages", record)
    codes = ", ".join(dict.fromkeys(q.lang for q in questions))
    return table(
        f"Questions in languages neither the docs nor the fine detector have ({codes}; "
        f"{len(answerable)} answerable, {len(questions) - len(answerable)} off-domain; "
        "hand-written, bench/data/other-languages.jsonl): success as in eval, a declined "
        "answerable question a miss",
        ["language detection", "language right", "success@1", "success@5", "off-domain declined"],
        rows,
    )
