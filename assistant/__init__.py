"""Retrieval and answers: ask a question in any language, get an answer with citations."""

from __future__ import annotations

from assistant._assistant import Assistant, QuestionError
from assistant._llm import LLMClient
from assistant._model import Answer, Citation, Hit
from assistant._setup import open_assistant

__all__ = [
    "Answer",
    "Assistant",
    "Citation",
    "Hit",
    "LLMClient",
    "QuestionError",
    "open_assistant",
]
