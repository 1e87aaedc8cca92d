"""Typed values that leave the assistant package."""

from __future__ import annotations

from dataclasses import dataclass, field

from corpus import Chunk


@dataclass(frozen=True)
class Hit:
    """A retrieved section with the scores that ranked it."""

    chunk: Chunk
    score: float
    dense: float
    lexical: float


@dataclass(frozen=True)
class Citation:
    """A numbered source of an answer, linking to the page and section."""

    n: int
    title: str
    breadcrumb: str
    url: str
    lang: str
    score: float
    article_id: str
    doc_id: str = ""


@dataclass(frozen=True)
class Answer:
    """What the assistant says to a question, with its sources. `confident` is false when the
    docs have no answer or the first source is only the closest match."""

    id: str
    question: str
    text: str
    citations: list[Citation]
    language: str
    confident: bool
    notice: str = ""
    hits: list[Hit] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, object]:
        """The JSON shape of `assistant ask --json` and the HTTP API."""
        return {
            "id": self.id,
            "answer": self.text,
            "citations": [
                {
                    "n": c.n,
                    "url": c.url,
                    "title": c.title,
                    "breadcrumb": c.breadcrumb,
                    "lang": c.lang,
                    "score": round(c.score, 4),
                }
                for c in self.citations
            ],
            "language": self.language,
            "confident": self.confident,
            "notice": self.notice,
        }
