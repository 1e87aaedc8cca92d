"""Extractive answers: the best section's text, then the other sections as "see also"."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence

from assistant._model import Answer, Citation, Hit
from assistant._safe import safe_markdown

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "not_found": "I could not find this in the documentation.",
        "see_also": "See also",
        "from": "From",
        "llm_failed": (
            "The language model did not answer; showing the matching documentation instead."
        ),
    },
    "sv": {
        "not_found": "Jag kunde inte hitta det här i dokumentationen.",
        "see_also": "Se även",
        "from": "Från",
        "llm_failed": "Språkmodellen svarade inte; här är den dokumentation som matchar i stället.",
    },
    "no": {
        "not_found": "Jeg fant ikke dette i dokumentasjonen.",
        "see_also": "Se også",
        "from": "Fra",
        "llm_failed": "Språkmodellen svarte ikke; her er dokumentasjonen som passer i stedet.",
    },
    "da": {
        "not_found": "Jeg kunne ikke finde dette i dokumentationen.",
        "see_also": "Se også",
        "from": "Fra",
        "llm_failed": "Sprogmodellen svarede ikke; her er den dokumentation, der passer, i stedet.",
    },
    "de": {
        "not_found": "Dazu habe ich in der Dokumentation nichts gefunden.",
        "see_also": "Siehe auch",
        "from": "Aus",
        "llm_failed": (
            "Das Sprachmodell hat nicht geantwortet; hier ist stattdessen die "
            "passende Dokumentation."
        ),
    },
    "nl": {
        "not_found": "Ik kon dit niet vinden in de documentatie.",
        "see_also": "Zie ook",
        "from": "Uit",
        "llm_failed": (
            "Het taalmodel gaf geen antwoord; hier is in plaats daarvan de passende documentatie."
        ),
    },
    "fi": {
        "not_found": "En löytänyt tätä dokumentaatiosta.",
        "see_also": "Katso myös",
        "from": "Lähde",
        "llm_failed": (
            "Kielimalli ei vastannut; tässä on sen sijaan aiheeseen sopiva dokumentaatio."
        ),
    },
}
_EXCESS_BLANKS = re.compile(r"\n{3,}")
SEE_ALSO_MARGIN = 0.025


def message(lang: str, key: str) -> str:
    """A fixed phrase of the assistant in `lang`, English when that language has none."""
    return MESSAGES.get(lang, MESSAGES["en"])[key]


def citations_for(hits: Sequence[Hit]) -> list[Citation]:
    """Number the hits' sections from 1 as citations."""
    return [
        Citation(
            n=n,
            title=hit.chunk.title,
            breadcrumb=hit.chunk.breadcrumb,
            url=hit.chunk.link,
            lang=hit.chunk.lang,
            score=hit.dense or hit.score,
            article_id=hit.chunk.article_id,
        )
        for n, hit in enumerate(hits, start=1)
    ]


def not_found(question: str, lang: str, notice: str = "") -> Answer:
    """The answer that says the documentation does not cover the question; cites nothing."""
    return Answer(
        id=uuid.uuid4().hex,
        question=question,
        text=message(lang, "not_found"),
        citations=[],
        language=lang,
        confident=False,
        notice=notice,
    )


def extractive(
    question: str,
    lang: str,
    hits: Sequence[Hit],
    confident: bool,
    see_also_floor: float,
    body: str | None = None,
) -> Answer:
    """The first hit's section (`body`, default its text) cited as [1]; further hits whose
    section is about as similar to the question as the first (within `SEE_ALSO_MARGIN`, and at
    least `see_also_floor`, both cosines) as see-also; the text is made safe (`safe_markdown`)."""
    best = hits[0]
    floor = max(see_also_floor, best.dense - SEE_ALSO_MARGIN)
    others = [h for h in hits[1:] if h.dense >= floor]
    kept = [best, *others]
    citations = citations_for(kept)
    lines = [f"**{best.chunk.breadcrumb}** [1]", "", (body or best.chunk.text).strip()]
    if others:
        lines += ["", f"**{message(lang, 'see_also')}:**"]
        lines += [f"- {c.breadcrumb} [{c.n}]" for c in citations[1:]]
    text = safe_markdown(_EXCESS_BLANKS.sub("\n\n", "\n".join(lines)), [c.url for c in citations])
    return Answer(
        id=uuid.uuid4().hex,
        question=question,
        text=text,
        citations=citations,
        language=lang,
        confident=confident,
        hits=list(hits),
    )
