"""Whether a follow-up may point back to the previous question: "And how do I delete it?" does,
"How many vacation days do I have left?" does not.

The lists are generous on purpose (Dutch "het" and German "es" are also an article and a dummy
subject): a word here only lets the previous question be searched with the follow-up, which the
assistant did for every follow-up before. A follow-up with none of them that the docs don't
answer alone is declined instead of answered from the previous question's topic.
"""

from __future__ import annotations

from assistant._lang import WORD

#: Per language, the words that can stand for something named before.
_POINTER_WORDS = {
    "en": "it its itself them they their this that these those him her one same",
    "sv": "den det dem de denna detta dessa dess honom henne hen samma",
    "no": "den det dem de denne dette disse dens dets ham henne hen samme",
    "da": "den det dem de denne dette disse dens dets ham hende hen vedkommende samme",
    "de": "es ihn ihm sie ihr ihnen dies diese dieser dieses diesen diesem dessen deren "
    "dasselbe derselbe dieselbe damit dafür dazu davon darin darauf",
    "nl": "het hem haar ze zij hen hun die dat deze dit ervan erin eraan ermee erop ervoor "
    "dezelfde hetzelfde",
    "fi": "se sen sitä siitä siihen sillä siinä ne niitä niiden niihin hän hänet häntä hänen "
    "tämä tämän tätä tähän nämä tuo sama saman",
}
POINTERS = {lang: frozenset(words.split()) for lang, words in _POINTER_WORDS.items()}
#: Per language, the openings that continue the previous question ("And on mobile?").
OPENINGS: dict[str, tuple[str, ...]] = {
    "en": ("and", "also", "then", "what about", "how about"),
    "sv": ("och", "även", "också", "men", "hur är det med", "vad gäller"),
    "no": ("og", "også", "men", "hva med", "hva om"),
    "da": ("og", "også", "men", "hvad med", "hvad hvis"),
    "de": ("und", "auch", "aber", "was ist mit"),
    "nl": ("en", "ook", "maar", "wat als", "hoe zit het met"),
    "fi": ("ja", "entä", "mutta", "myös"),
}


def points_back(question: str, lang: str) -> bool:
    """Whether `question`, written in `lang`, may refer to the previous question: it has a
    pronoun or opens like a continuation. True for a language without lists."""
    if lang not in POINTERS:
        return True
    words = [w.lower() for w in WORD.findall(question)]
    opening = " ".join(words[:4])
    return not POINTERS[lang].isdisjoint(words) or any(
        opening == start or opening.startswith(f"{start} ") for start in OPENINGS[lang]
    )
