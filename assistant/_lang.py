"""Offline language detection of questions (lingua), limited to the languages we serve."""

from __future__ import annotations

import re
import threading
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
_TAG = re.compile(r"^\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*\s*$")
# A camel-case word ("SuperOffice", "WhatsApp", "iPad") is a name: it says nothing about the
# language around it, yet sways the detector (dropping them: 174 → 176 of the 177 tune questions).
_CAMEL = re.compile(r"\b[^\W\d_]*[a-z][^\W\d_]*[A-Z][^\W\d_]*\b")


def language_code(tag: str | None) -> str | None:
    """The language of a tag such as `sv`, `sv-SE` or `nb` (as `no`); None when malformed."""
    match = _TAG.match(tag or "")
    if not match:
        return None
    code = match.group(1).lower()
    return _ALIASES.get(code, code)


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

    def candidates(self, text: str, floor: float = 0.25) -> list[tuple[str, float]]:
        """Language codes with their confidence, best first; those below `floor` of the best
        are left out. Camel-case names are not read."""
        merged: dict[str, float] = {}
        words = _CAMEL.sub(" ", text)
        for value in self._detector.compute_language_confidence_values(
            words if words.strip() else text
        ):
            code = _CODES[value.language]
            merged[code] = merged.get(code, 0.0) + value.value
        ranked = sorted(merged.items(), key=lambda kv: -kv[1])
        if not ranked or ranked[0][1] <= 0:
            return [(self.default, 0.0)]
        top = ranked[0][1]
        return [(code, conf) for code, conf in ranked if conf >= floor * top]

    def guess(self, text: str) -> str:
        """The most likely language code of `text`."""
        return self.candidates(text)[0][0]
