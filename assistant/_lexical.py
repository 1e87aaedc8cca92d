"""BM25 over the sections of each language, with that language's stemmer and stopwords.

Germanic compounds ("Anfragekategorie", "mailingdomæne") are matched to their parts in both
directions: by default each long word also counts as the stems of its parts (split with
wordninja's per-language word frequencies), and the character n-grams of its stem score in a
second BM25 field. The defaults of `CompoundOptions` are the variant that measured best on the
tune questions (`python -m bench --only compounds`).

Building it would be most of a server's cold start, so the ingest builds it and keeps it in the
index generation's folder (`keep`, which takes the languages that did not change from the
previous generation's copy), and starts read it back (`kept_or_built`, which builds and keeps it
for an index that has none).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import shutil
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import bm25s
import numpy as np
import numpy.typing as npt
import Stemmer
import wordninja

from assistant._lang import WORD

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
COMPOUNDING = frozenset({"de", "sv", "da", "no", "nl"})
#: Languages that capitalise every noun: there only camel case ("HubSpot") marks a name.
NOUNS_CAPITALISED = frozenset({"de"})
_SENTENCE_END = ".!?:"
#: An inflected name ("SuperOfficessa", "Outlookissa") is its known stem plus this many letters.
INFLECTION = 4
MIN_STEM = 5
#: A question of at most this many words, none of which any section uses, is beyond the docs
#: ("asdf"): its nearest sections are noise.
STRANGE_WORDS = 3
#: A word that begins with the first this many letters of a word of the docs may be misspelt.
PREFIX = 4
#: The shortest part of a compound of the docs' words ("två" in "tvåfaktorsautentisering").
MIN_PART = 3
#: Bumped when what `LexicalIndex.save` writes changes.
SAVED_FORMAT = 2
_log = logging.getLogger(__name__)

Compounds = Literal["none", "split", "ngrams", "both"]


@dataclass(frozen=True)
class CompoundOptions:
    """How compounds are matched. `split` adds the stems of a long word's parts to its
    field; `ngrams` scores the character n-grams of long stems in a second BM25 field,
    added with `ngram_weight`; `both` does both. Words shorter than `min_word` are kept
    whole, and split parts shorter than `min_part` are dropped."""

    mode: Compounds = "both"
    min_word: int = 6
    min_part: int = 4
    ngram_sizes: tuple[int, ...] = (4, 5)
    ngram_weight: float = 0.1


@dataclass(frozen=True)
class _Terms:
    stems: list[str]
    grams: list[str]


class _Analyzer:
    """Words to stems plus compound parts and n-grams; cached per distinct word."""

    def __init__(self, lang: str, options: CompoundOptions) -> None:
        self.stopwords = _STOPWORDS.get(lang)
        self.stemmer = Stemmer.Stemmer(_STEMMERS[lang]) if lang in _STEMMERS else None
        self.options = options
        mode = options.mode if lang in COMPOUNDING else "none"
        self.splitter = wordninja.LanguageModel(lang) if mode in ("split", "both") else None
        self.ngrams = mode in ("ngrams", "both")
        self._cache: dict[str, tuple[list[str], list[str]]] = {}

    def _stem(self, word: str) -> str:
        return self.stemmer.stemWord(word) if self.stemmer else word

    def analyze(self, word: str) -> tuple[list[str], list[str]]:
        """A word's stem followed by the stems of its compound parts, and its n-grams."""
        stem = self._stem(word)
        o = self.options
        if len(word) < o.min_word:
            return [stem], []
        stems = [stem]
        if self.splitter is not None:
            parts = {self._stem(p) for p in self.splitter.split(word) if len(p) >= o.min_part}
            stems += sorted(parts - {stem})
        grams = []
        if self.ngrams:
            grams = sorted(
                {f"#{stem[i : i + n]}" for n in o.ngram_sizes for i in range(len(stem) - n + 1)}
            )
        return stems, grams

    def terms(self, texts: Sequence[str], remember: bool) -> list[_Terms]:
        """The stems of each text's words with their compound parts, and their n-grams;
        `remember` caches the words' analyses (the corpus's, not every question's)."""
        tokens = bm25s.tokenize(
            list(texts), stopwords=self.stopwords, return_ids=False, show_progress=False
        )
        out = []
        for words in tokens:
            terms = _Terms([], [])
            for word in words:
                found = self._cache.get(word)
                if found is None:
                    found = self.analyze(word)
                    if remember:
                        self._cache[word] = found
                terms.stems.extend(found[0])
                terms.grams.extend(found[1])
            out.append(terms)
        return out


def _bm25(docs: list[list[str]]) -> bm25s.BM25:
    bm25 = bm25s.BM25()
    bm25.index(docs, show_progress=False)
    return bm25


def _load_bm25(folder: Path) -> bm25s.BM25:
    bm25 = bm25s.BM25.load(folder, show_progress=False, allow_pickle=False)
    if not isinstance(bm25.vocab_dict, dict):
        raise ValueError(f"{folder}: no vocabulary")
    return bm25


def _scores(bm25: bm25s.BM25, tokens: list[str]) -> np.ndarray | None:
    known = [t for t in tokens if t in bm25.vocab_dict]
    return bm25.get_scores(known) if known else None


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
    def __init__(
        self,
        analyzer: _Analyzer,
        rows: npt.NDArray[np.int64],
        words: bm25s.BM25,
        grams: bm25s.BM25 | None,
    ) -> None:
        self.rows = rows
        self.analyzer = analyzer
        self.weight = analyzer.options.ngram_weight
        self.words = words
        self.grams = grams

    @classmethod
    def build(
        cls, lang: str, rows: list[int], texts: Sequence[str], options: CompoundOptions
    ) -> _LanguageIndex:
        analyzer = _Analyzer(lang, options)
        docs = analyzer.terms(texts, remember=True)
        has_grams = options.ngram_weight > 0 and any(d.grams for d in docs)
        grams = _bm25([d.grams for d in docs]) if has_grams else None
        return cls(
            analyzer, np.asarray(rows, dtype=np.int64), _bm25([d.stems for d in docs]), grams
        )

    def save(self, folder: Path) -> None:
        folder.mkdir()
        np.save(folder / "rows.npy", self.rows)
        self.words.save(folder / "words", show_progress=False)
        if self.grams is not None:
            self.grams.save(folder / "grams", show_progress=False)

    @classmethod
    def load(cls, folder: Path, lang: str, options: CompoundOptions, total: int) -> _LanguageIndex:
        """Raises ValueError when the files do not fit an index of `total` rows."""
        rows = np.load(folder / "rows.npy", allow_pickle=False)
        words = _load_bm25(folder / "words")
        grams = _load_bm25(folder / "grams") if (folder / "grams").exists() else None
        fits = rows.ndim == 1 and rows.dtype.kind == "i" and len(rows) > 0
        if not fits or rows.min() < 0 or rows.max() >= total:
            raise ValueError(f"{folder}: rows outside the index")
        for bm25 in (words, grams):
            if bm25 is not None and bm25.scores["num_docs"] != len(rows):
                raise ValueError(f"{folder}: {bm25.scores['num_docs']} documents, not {len(rows)}")
        return cls(_Analyzer(lang, options), rows, words, grams)

    def renumbered(self, rows: list[int]) -> _LanguageIndex:
        """The same index for the same sections at other rows of the chunk list."""
        return _LanguageIndex(
            self.analyzer, np.asarray(rows, dtype=np.int64), self.words, self.grams
        )

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        terms = self.analyzer.terms([query], remember=False)[0]
        scores = _scores(self.words, terms.stems)
        more = _scores(self.grams, terms.grams) if self.grams is not None else None
        if more is not None:
            scores = self.weight * more if scores is None else scores + self.weight * more
        if scores is None:
            return []
        k = min(k, len(self.rows))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(self.rows[d]), float(scores[d])) for d in top if scores[d] > 0]


class LexicalIndex:
    """Per-language BM25 indexes over chunk texts; rows are positions in the chunk list."""

    def __init__(
        self,
        langs: Sequence[str],
        texts: Sequence[str],
        compounds: CompoundOptions | None = None,
        on_language: Callable[[str], None] | None = None,
        previous: LexicalIndex | None = None,
    ) -> None:
        """`on_language` hears each language done; a language whose sections are those of
        `previous`, in the same order, is taken from it instead of built again."""
        options = compounds or CompoundOptions()
        by_lang: dict[str, list[int]] = {}
        for row, lang in enumerate(langs):
            by_lang.setdefault(lang, []).append(row)
        vocabularies: dict[str, dict[str, float]] = {}
        indexes: dict[str, _LanguageIndex] = {}
        digests: dict[str, str] = {}
        for lang, rows in by_lang.items():
            own = [texts[r] for r in rows]
            digests[lang] = digest = _digest(own)
            if previous and previous.options == options and previous.digests.get(lang) == digest:
                vocabularies[lang] = previous.vocabularies[lang]
                indexes[lang] = previous._indexes[lang].renumbered(rows)
            else:
                words = Counter(w for text in own for w in WORD.findall(text.lower()))
                total = words.total()
                vocabularies[lang] = {word: n / total for word, n in words.items()}
                indexes[lang] = _LanguageIndex.build(lang, rows, own, options)
            if on_language is not None:
                on_language(lang)
        self._assemble(options, len(langs), vocabularies, indexes, digests)

    def _assemble(
        self,
        options: CompoundOptions,
        rows: int,
        vocabularies: dict[str, dict[str, float]],
        indexes: dict[str, _LanguageIndex],
        digests: dict[str, str],
    ) -> None:
        self.options = options
        self._sections = rows
        self.digests = digests
        """A digest of each language's section texts, in order."""
        self.vocabularies = vocabularies
        """The lowercased words of each language's sections, each with its share of that
        language's words."""
        self._prefixes = frozenset(w[:PREFIX] for words in vocabularies.values() for w in words)
        """The first `PREFIX` letters of every word of the sections."""
        self._indexes = indexes

    def save(self, folder: Path) -> None:
        """Write the index to `folder` (which must not exist yet) all at once: to a temporary
        folder beside it, then renamed. OSError when it cannot be written."""
        temporary = folder.with_name(f".{folder.name}.tmp-{uuid.uuid4().hex}")
        try:
            temporary.mkdir(parents=True)
            languages = list(self._indexes)
            for n, lang in enumerate(languages):
                self._indexes[lang].save(temporary / f"lang-{n}")
            vocabularies = json.dumps(self.vocabularies, ensure_ascii=False)
            (temporary / "vocabularies.json").write_text(vocabularies, "utf-8")
            meta = {
                "key": saved_key(self.options),
                "rows": self._sections,
                "languages": languages,
                "digests": self.digests,
            }
            (temporary / "meta.json").write_text(json.dumps(meta), "utf-8")
            os.rename(temporary, folder)
        finally:
            shutil.rmtree(temporary, ignore_errors=True)

    @classmethod
    def load(
        cls, folder: Path, rows: int, compounds: CompoundOptions | None = None
    ) -> LexicalIndex | None:
        """The index `save` wrote to `folder` for `rows` chunks with these options and these
        versions of the libraries; None when there is none, or it is of another kind or
        unreadable."""
        options = compounds or CompoundOptions()
        try:
            meta = json.loads((folder / "meta.json").read_text("utf-8"))
            if meta.get("key") != saved_key(options) or meta.get("rows") != rows:
                return None
            languages, digests = meta["languages"], meta["digests"]
            vocabularies = json.loads((folder / "vocabularies.json").read_text("utf-8"))
            if not _is_vocabularies(vocabularies) or set(vocabularies) != set(languages):
                return None
            if not isinstance(digests, dict) or set(digests) != set(languages):
                return None
            indexes = {
                lang: _LanguageIndex.load(folder / f"lang-{n}", str(lang), options, rows)
                for n, lang in enumerate(languages)
            }
        except Exception:  # what a cache holds may be anything: then it is built again
            return None
        index = cls.__new__(cls)
        index._assemble(options, rows, vocabularies, indexes, digests)
        return index

    @property
    def languages(self) -> set[str]:
        """Languages that have sections."""
        return set(self._indexes)

    def search(self, query: str, lang: str, k: int = 100) -> list[tuple[int, float]]:
        """Best `(row, score)` pairs for `query` among the sections in `lang`."""
        index = self._indexes.get(lang)
        return index.search(query, k) if index else []

    def unknown_names(self, query: str, lang: str) -> tuple[str, ...]:
        """The names in `query` that occur nowhere in any language's sections: a word that is
        camel case ("WhatsApp"), or, in a language the docs are written in, capitalised inside
        a sentence ("Slack", "BI") and not a compound of known parts, together with the
        capitalised words right beside it ("Power BI"). A known word with an inflection added
        ("SuperOfficessa") is known; so are all words of one or two letters but acronyms."""
        index = self._indexes.get(lang)
        words = list(WORD.finditer(query))

        def inside(n: int) -> bool:
            before = query[: words[n].start()].rstrip()
            return bool(before) and before[-1] not in _SENTENCE_END

        def capital(n: int) -> bool:
            return words[n].group()[0].isupper()

        def joined(n: int) -> bool:
            """Words `n` and `n + 1` are one space apart."""
            return query[words[n].end() : words[n + 1].start()] == " "

        spans: list[str] = []
        for n, match in enumerate(words):
            word = match.group()
            if (len(word) < 3 and not (len(word) == 2 and word.isupper())) or self._known(word):
                continue
            # Letters without case (Chinese, Japanese) may run into a Latin name unspaced
            # ("如何将选择导出到Excel"): such a run is no camel-case name.
            camel = (
                any(c.isupper() for c in word[1:])
                and not word.isupper()
                and all(c.isupper() or c.islower() or c.isdigit() for c in word)
            )
            # Without sections in `lang`, a capitalised word may as well be a place or a
            # person ("Saksan"): only camel case counts there.
            capitalised = (
                index is not None
                and inside(n)
                and word[0].isupper()
                and lang not in NOUNS_CAPITALISED
                and len(index.analyzer.analyze(word.lower())[0]) == 1
            )
            if not (camel or capitalised):
                continue
            first, last = n, n
            while first > 0 and inside(first - 1) and capital(first - 1) and joined(first - 1):
                first -= 1
            while last + 1 < len(words) and capital(last + 1) and joined(last):
                last += 1
            spans.append(query[words[first].start() : words[last].end()])
        return tuple(dict.fromkeys(spans))

    def strange_words(self, query: str, lang: str) -> tuple[str, ...]:
        """The words of a short `query` in a language the docs are written in, when no
        language's sections use any of them ("asdf"); empty otherwise. A word of one or two
        letters counts as used, and so do a misspelling (`_begins`) and a compound of the
        sections' words (`_compound`)."""
        words = [m.group() for m in WORD.finditer(query)]
        if lang not in self._indexes or not words or len(words) > STRANGE_WORDS:
            return ()
        if any(
            len(word) < 3 or self._known(word) or self._begins(word) or self._compound(word)
            for word in words
        ):
            return ()
        return tuple(dict.fromkeys(words))

    def _compound(self, word: str) -> bool:
        """Whether `word` is made of words of the sections, each of at least `MIN_PART`
        letters and any but the last maybe followed by a linking "s" ("Tvåfaktorsautentisering":
        två, faktor-s, autentisering), the last maybe inflected as `_known` allows."""
        lowered = word.lower()
        n = len(lowered)
        reached = [False] * (n + 1)
        reached[0] = True
        for start in range(n - MIN_PART + 1):
            if not reached[start]:
                continue
            for end in range(start + MIN_PART, n + 1):
                part = lowered[start:end]
                if end == n:
                    if start > 0 and self._known(part):
                        return True
                elif any(part in vocabulary for vocabulary in self.vocabularies.values()):
                    reached[end] = True
                    if lowered[end] == "s":
                        reached[end + 1] = True
        return False

    def _begins(self, word: str) -> bool:
        """Whether a word of the sections begins as `word` does (its first `PREFIX` letters),
        so that a misspelt word ("kontackt") is not taken for noise."""
        return len(word) > PREFIX and word[:PREFIX].lower() in self._prefixes

    def _known(self, word: str) -> bool:
        """Whether a language's sections use `word`, or the word less an ending of up to
        `INFLECTION` letters (at least `MIN_STEM` left)."""
        lowered = word.lower()
        lengths = range(max(MIN_STEM, len(lowered) - INFLECTION), len(lowered))
        forms = [lowered, *(lowered[:n] for n in lengths)]
        vocabularies = self.vocabularies.values()
        return any(form in vocabulary for vocabulary in vocabularies for form in forms)


def saved_key(options: CompoundOptions) -> str:
    """What a saved lexical index must have been built with: the format, the compound options
    and the versions of the libraries that tokenise, stem, split and score."""
    libraries = {name: metadata.version(name) for name in ("bm25s", "PyStemmer", "wordninja-pp")}
    return json.dumps(
        {"format": SAVED_FORMAT, "options": dataclasses.asdict(options), **libraries},
        sort_keys=True,
    )


def _digest(texts: Sequence[str]) -> str:
    hashed = hashlib.sha256()
    for text in texts:
        hashed.update(hashlib.sha256(text.encode()).digest())
    return hashed.hexdigest()


def _kept(folder: Path) -> Path:
    key = hashlib.sha256(saved_key(CompoundOptions()).encode()).hexdigest()[:12]
    return folder / f"lexical-{key}"


def kept_or_built(
    langs: Sequence[str],
    texts: Sequence[str],
    folder: Path | None,
    on_language: Callable[[str], None] | None = None,
    previous: LexicalIndex | None = None,
) -> LexicalIndex:
    """The lexical index of these sections (default options): read from `folder`, the folder
    of the index generation they are, when the ingest or an earlier start kept it there, else
    built (most of a cold start; see `LexicalIndex` for `on_language` and `previous`) and kept
    there when the folder can be written."""
    options = CompoundOptions()
    path = _kept(folder) if folder is not None else None
    if path is not None and (found := LexicalIndex.load(path, len(langs), options)):
        return found
    damaged = path is not None and path.exists()  # there, but it did not load
    built = LexicalIndex(langs, texts, options, on_language, previous)
    if path is not None:
        if damaged:
            shutil.rmtree(path, ignore_errors=True)
        try:
            built.save(path)
        except OSError as exc:
            if not path.exists():  # else another start kept its own meanwhile
                _log.info("the lexical index is built at every start: %s", exc)
    return built


def keep(
    langs: Sequence[str],
    texts: Sequence[str],
    folder: Path,
    on_language: Callable[[str], None] | None = None,
    previous: LexicalIndex | None = None,
) -> None:
    """Build the lexical index of a new index generation and keep it in the generation's
    `folder`, unless it is kept there already, so that no start has to build it; the
    languages whose sections are unchanged since `previous` are taken from it."""
    if not _kept(folder).exists():
        kept_or_built(langs, texts, folder, on_language, previous)


def kept(folder: Path, rows: int) -> LexicalIndex | None:
    """The lexical index kept in an index generation's `folder` for its `rows` sections, if
    one is there and loads."""
    return LexicalIndex.load(_kept(folder), rows)


def _is_vocabularies(data: Any) -> bool:
    return isinstance(data, dict) and all(
        isinstance(words, dict)
        and all(isinstance(w, str) and isinstance(v, float | int) for w, v in words.items())
        for words in data.values()
    )
