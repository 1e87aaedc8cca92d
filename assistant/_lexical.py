"""BM25 over the sections of each language, with that language's stemmer and stopwords."""

from __future__ import annotations

from collections.abc import Sequence

import bm25s
import numpy as np
import Stemmer

_STEMMERS = {
    "en": "english",
    "sv": "swedish",
    "no": "norwegian",
    "da": "danish",
    "de": "german",
    "nl": "dutch",
    "fi": "finnish",
    "fr": "french",
    "es": "spanish",
}
_STOPWORDS = {"en": "en", "sv": "sv", "no": "no", "da": "da", "de": "de", "nl": "nl"}


def stems(text: str, lang: str) -> set[str]:
    """The stemmed words of `text` without stopwords, as BM25 in `lang` indexes them."""
    stemmer = Stemmer.Stemmer(_STEMMERS[lang]) if lang in _STEMMERS else None
    tokens = bm25s.tokenize(
        [text],
        stopwords=_STOPWORDS.get(lang),
        stemmer=stemmer,
        return_ids=False,
        show_progress=False,
    )
    return set(tokens[0])


class _LanguageIndex:
    def __init__(self, lang: str, rows: list[int], texts: Sequence[str]) -> None:
        self.rows = np.asarray(rows)
        self.stemmer = Stemmer.Stemmer(_STEMMERS[lang]) if lang in _STEMMERS else None
        self.stopwords = _STOPWORDS.get(lang)
        tokens = bm25s.tokenize(
            list(texts), stopwords=self.stopwords, stemmer=self.stemmer, show_progress=False
        )
        self.vocab = tokens.vocab
        self.bm25 = bm25s.BM25()
        self.bm25.index(tokens, show_progress=False)

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        tokens = bm25s.tokenize(
            [query],
            stopwords=self.stopwords,
            stemmer=self.stemmer,
            return_ids=False,
            show_progress=False,
        )
        words = [w for w in tokens[0] if w in self.vocab]
        if not words:
            return []
        k = min(k, len(self.rows))
        docs, scores = self.bm25.retrieve([words], k=k, show_progress=False, n_threads=1)
        return [
            (int(self.rows[d]), float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0
        ]


class LexicalIndex:
    """Per-language BM25 indexes over chunk texts; rows are positions in the chunk list."""

    def __init__(self, langs: Sequence[str], texts: Sequence[str]) -> None:
        by_lang: dict[str, list[int]] = {}
        for row, lang in enumerate(langs):
            by_lang.setdefault(lang, []).append(row)
        self._indexes = {
            lang: _LanguageIndex(lang, rows, [texts[r] for r in rows])
            for lang, rows in by_lang.items()
        }

    @property
    def languages(self) -> set[str]:
        """Languages that have sections."""
        return set(self._indexes)

    def search(self, query: str, lang: str, k: int = 100) -> list[tuple[int, float]]:
        """Best `(row, score)` pairs for `query` among the sections in `lang`."""
        index = self._indexes.get(lang)
        return index.search(query, k) if index else []
