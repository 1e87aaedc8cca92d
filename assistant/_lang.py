"""Offline language detection of questions (lingua): finely among the languages we serve,
coarsely among all the others."""

from __future__ import annotations

import re
import threading
import unicodedata
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
_NAMES = {lg.iso_code_639_1.name.lower(): lg.name.title() for lg in Language.all()}
_KNOWN = frozenset(_ALIASES.get(c, c) for c in _NAMES)
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
#: How sure lingua's coarse detector of every language must be of one language outside
#: `_CODES` for a question to be taken as that language ("Come posso eliminare una persona?",
#: "如何删除联系人？"), which the fine detector could only misread as one of its own (Italian
#: as English, Polish as Swedish, Chinese as Norwegian). Its guesses on short text are poor
#: ("What is a banana?" 0.24 Tswana, "How do I change my password?" 0.61 Italian).
FOREIGN = 0.9
#: ... and the most of its words that the docs may use: a short question in a language we serve
#: ("Change password") may look foreign to the coarse detector, never to the docs.
FOREIGN_KNOWN = 0.5
#: ... and the fewest words: on one or two the coarse detector errs (with 1 here, the Danish
#: title "Generer persondatarapport" of `python -m bench --only language` went Italian). A
#: question mostly in another script than the Latin one (Chinese, Arabic, Cyrillic) is in
#: no language we serve, however short, and takes the coarse detector's likeliest.
FOREIGN_WORDS = 3


def language_code(tag: str | None) -> str | None:
    """The language of a tag such as `sv`, `sv-SE` or `nb` (as `no`); None when malformed or
    not a language (ISO 639-1, as lingua knows them: "xx" is none)."""
    match = _TAG.match(tag or "")
    if not match:
        return None
    code = match.group(1).lower()
    code = _ALIASES.get(code, code)
    return code if code in _KNOWN else None


def english_name(code: str) -> str:
    """The English name of language `code` ("it": "Italian"), the code itself when none."""
    return _NAMES.get(code, code)


class LanguageGuesser:
    """Guesses a question's language code; short or ambiguous text yields several candidates."""

    def __init__(self, default: str = "en", foreign: float = FOREIGN) -> None:
        self.default = default
        self.foreign = foreign
        """`FOREIGN`; above 1, every question is taken for one of `_CODES`' languages."""
        self._lock = threading.Lock()

    @cached_property
    def _detector(self) -> LanguageDetector:
        with self._lock:
            return (
                LanguageDetectorBuilder.from_languages(*_CODES)
                .with_preloaded_language_models()
                .build()
            )

    @cached_property
    def _coarse(self) -> LanguageDetector:
        """Every language lingua knows, on its small models (77 MB against about 20 MB per
        language on the full ones)."""
        with self._lock:
            return (
                LanguageDetectorBuilder.from_all_languages()
                .with_low_accuracy_mode()
                .with_preloaded_language_models()
                .build()
            )

    def warm_up(self) -> None:
        """Load both detectors' models before the first question."""
        for detector in (self._detector, self._coarse):
            detector.compute_language_confidence_values("warm up")

    def _foreign(
        self, words: str, vocabularies: Mapping[str, Mapping[str, float]] | None
    ) -> tuple[str, float] | None:
        """The language and confidence of `words` when they are in none of `_CODES`': mostly
        in another script than the Latin one, or as `FOREIGN` and its kin tell. None otherwise,
        and always without the docs' `vocabularies` or with `foreign` above 1."""
        if not vocabularies or self.foreign > 1:
            return None
        letters = [c for c in words if c.isalpha()]
        latin = sum(unicodedata.name(c, "").startswith("LATIN") for c in letters)
        threshold = 0.0
        if 2 * latin >= len(letters):
            found = WORD.findall(words.lower())
            known = sum(any(w in vocab for vocab in vocabularies.values()) for w in found)
            if len(found) < FOREIGN_WORDS or known > FOREIGN_KNOWN * len(found):
                return None
            threshold = self.foreign
        values = self._coarse.compute_language_confidence_values(words)
        best = next((v for v in values if v.language not in _CODES), None)
        if best is None or best.value <= 0 or best.value < threshold:
            return None
        code = language_code(best.language.iso_code_639_1.name)
        return (code, best.value) if code else None

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
        detector but much to the docs. A question in a language outside `_CODES` gets that
        language alone."""
        merged: dict[str, float] = {}
        words = _CAMEL.sub(" ", text)
        words = words if words.strip() else text
        if foreign := self._foreign(words, vocabularies):
            return [foreign]
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
