"""Offline language detection of questions (lingua), limited to the languages we serve."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from functools import cached_property

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

_CODES = {
    Language.ENGLISH: "en",
    Language.SWEDISH: "sv",
    Language.BOKMAL: "no",
    Language.NYNORSK: "no",
    Language.DANISH: "da",
    Language.GERMAN: "de",
    Language.DUTCH: "nl",
    Language.FINNISH: "fi",
    Language.FRENCH: "fr",
    Language.SPANISH: "es",
}

_ALIASES = {"nb": "no", "nn": "no"}
_KNOWN = frozenset(
    {_ALIASES.get(c, c) for c in (lg.iso_code_639_1.name.lower() for lg in Language.all())}
)
_TAG = re.compile(r"^\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*\s*$")
# A camel-case word ("SuperOffice", "WhatsApp", "iPad") is a name: it says nothing about the
# language around it, yet sways the detector (dropping them: 174 → 176 of the 177 tune questions).
_CAMEL = re.compile(r"\b[^\W\d_]*[a-z][^\W\d_]*[A-Z][^\W\d_]*\b")
#: A word: a letter, then letters or digits. The docs' vocabularies are made of these too.
WORD = re.compile(r"[^\W\d_][^\W_]*")
#: How much a language that the docs are written in counts when none of the question's words
#: occur in its docs: the likelihood of each such language is this plus its share of the
#: question's words (a word that the docs of several languages use is split between them by
#: how often each uses it). Measured by
#: `python -m bench --only language` (titles, descriptions and headings as questions, each
#: against the words of the other articles).
VOCABULARY_SMOOTHING = 0.05


def language_code(tag: str | None) -> str | None:
    """The language of a tag such as `sv`, `sv-SE` or `nb` (as `no`); None when malformed or
    not a language (ISO 639-1, as lingua knows them: "xx" is none)."""
    match = _TAG.match(tag or "")
    if not match:
        return None
    code = match.group(1).lower()
    code = _ALIASES.get(code, code)
    return code if code in _KNOWN else None


class LanguageGuesser:
    """Guesses a question's language code; short or ambiguous text yields several candidates."""

    def __init__(self, default: str = "en") -> None:
        self.default = default
        self._lock = threading.Lock()

    @cached_property
    def _detector(self) -> LanguageDetector:
        with self._lock:
            return (
                LanguageDetectorBuilder.from_languages(*_CODES)
                .with_preloaded_language_models()
                .build()
            )

    def candidates(
        self,
        text: str,
        floor: float = 0.25,
        vocabularies: Mapping[str, Mapping[str, float]] | None = None,
        smoothing: float = VOCABULARY_SMOOTHING,
    ) -> list[tuple[str, float]]:
        """Language codes with their confidence, best first; those below `floor` of the best
        are left out. Camel-case names are not read. With the `vocabularies` of the languages
        the docs are written in (lowercased words, each with its share of its language's
        words), a language whose docs use more of the question's words, and more often,
        counts more: a short question ("skapa offert", "change password") says little to the
        detector but much to the docs."""
        merged: dict[str, float] = {}
        words = _CAMEL.sub(" ", text)
        words = words if words.strip() else text
        for value in self._detector.compute_language_confidence_values(words):
            code = _CODES[value.language]
            # Bokmål and Nynorsk are one code: the likelier of the two, not their sum.
            merged[code] = max(merged.get(code, 0.0), value.value)
        if vocabularies:
            merged = _weighed_by_use(merged, WORD.findall(words.lower()), vocabularies, smoothing)
        ranked = sorted(merged.items(), key=lambda kv: -kv[1])
        if not ranked or ranked[0][1] <= 0:
            return [(self.default, 0.0)]
        top = ranked[0][1]
        return [(code, conf) for code, conf in ranked if conf >= floor * top]

    def guess(
        self, text: str, vocabularies: Mapping[str, Mapping[str, float]] | None = None
    ) -> str:
        """The most likely language code of `text`."""
        return self.candidates(text, vocabularies=vocabularies)[0][0]


def reader_first(codes: list[str], reader_lang: str | None) -> list[str]:
    """`codes` with `reader_lang` (the language of the reader's page) first when it is one of
    them, so that it only breaks ties between the languages a question may be in."""
    if reader_lang not in codes:
        return codes
    return [reader_lang, *(code for code in codes if code != reader_lang)]


def _weighed_by_use(
    confidence: dict[str, float],
    words: list[str],
    vocabularies: Mapping[str, Mapping[str, float]],
    smoothing: float,
) -> dict[str, float]:
    """`confidence` times each docs language's share of `words` (plus `smoothing`), relative
    to the mean share, so that languages without docs keep their own confidence. A word that
    the docs of several languages use is split between them by how often each uses it:
    "password" is mostly English even where German docs quote it, "synkronisera" Swedish."""
    if not words:
        return confidence
    share = dict.fromkeys(vocabularies, 0.0)
    for word in words:
        rates = {lang: vocab[word] for lang, vocab in vocabularies.items() if word in vocab}
        total = sum(rates.values())
        for lang, rate in rates.items():
            share[lang] += rate / total
    use = {lang: smoothing + value / len(words) for lang, value in share.items()}
    mean = sum(use.values()) / len(use)
    return {code: value * use.get(code, mean) / mean for code, value in confidence.items()}
