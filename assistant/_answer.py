"""Extractive answers: the best section's text, then the other sections as "see also"."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from urllib.parse import quote

from assistant._lexical import stems
from assistant._model import Answer, Citation, Hit
from assistant._safe import safe_markdown
from corpus import Chunk

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "unsure": (
            "This may not answer your question exactly: "
            "it is the closest match in the documentation."
        ),
        "not_found": "I could not find this in the documentation.",
        "never_mentions": "It never mentions {names}.",
        "see_also": "See also",
        "from": "From",
        "also_under": "Also under “{heading}”:",
        "llm_failed": (
            "The language model did not answer; showing the matching documentation instead."
        ),
    },
    "sv": {
        "unsure": (
            "Det här kanske inte svarar exakt på din fråga: "
            "det är det som passar bäst i dokumentationen."
        ),
        "not_found": "Jag kunde inte hitta det här i dokumentationen.",
        "never_mentions": "Den nämner aldrig {names}.",
        "see_also": "Se även",
        "from": "Från",
        "also_under": "Även under “{heading}”:",
        "llm_failed": "Språkmodellen svarade inte; här är den dokumentation som matchar i stället.",
    },
    "no": {
        "unsure": (
            "Dette svarer kanskje ikke nøyaktig på spørsmålet ditt: "
            "det er det som passer best i dokumentasjonen."
        ),
        "not_found": "Jeg fant ikke dette i dokumentasjonen.",
        "never_mentions": "Den nevner aldri {names}.",
        "see_also": "Se også",
        "from": "Fra",
        "also_under": "Også under “{heading}”:",
        "llm_failed": "Språkmodellen svarte ikke; her er dokumentasjonen som passer i stedet.",
    },
    "da": {
        "unsure": (
            "Dette svarer måske ikke præcist på dit spørgsmål: "
            "det er det, der passer bedst i dokumentationen."
        ),
        "not_found": "Jeg kunne ikke finde dette i dokumentationen.",
        "never_mentions": "Den nævner aldrig {names}.",
        "see_also": "Se også",
        "from": "Fra",
        "also_under": "Også under “{heading}”:",
        "llm_failed": "Sprogmodellen svarede ikke; her er den dokumentation, der passer, i stedet.",
    },
    "de": {
        "unsure": (
            "Das beantwortet Ihre Frage vielleicht nicht genau: "
            "Es ist die beste Übereinstimmung in der Dokumentation."
        ),
        "not_found": "Dazu habe ich in der Dokumentation nichts gefunden.",
        "never_mentions": "Sie erwähnt {names} nirgends.",
        "see_also": "Siehe auch",
        "from": "Aus",
        "also_under": "Außerdem unter „{heading}“:",
        "llm_failed": (
            "Das Sprachmodell hat nicht geantwortet; hier ist stattdessen die "
            "passende Dokumentation."
        ),
    },
    "nl": {
        "unsure": (
            "Dit beantwoordt uw vraag misschien niet precies: "
            "het is wat het best past in de documentatie."
        ),
        "not_found": "Ik kon dit niet vinden in de documentatie.",
        "never_mentions": "{names} komt er nergens in voor.",
        "see_also": "Zie ook",
        "from": "Uit",
        "also_under": "Ook onder “{heading}”:",
        "llm_failed": (
            "Het taalmodel gaf geen antwoord; hier is in plaats daarvan de passende documentatie."
        ),
    },
    "fi": {
        "unsure": (
            "Tämä ei ehkä vastaa kysymykseesi tarkalleen: se on dokumentaation lähin osuma."
        ),
        "not_found": "En löytänyt tätä dokumentaatiosta.",
        "never_mentions": "Siinä ei mainita lainkaan: {names}.",
        "see_also": "Katso myös",
        "from": "Lähde",
        "also_under": "Myös otsikon “{heading}” alla:",
        "llm_failed": (
            "Kielimalli ei vastannut; tässä on sen sijaan aiheeseen sopiva dokumentaatio."
        ),
    },
}
_EXCESS_BLANKS = re.compile(r"\n{3,}")
#: An answer that is only the closest match shows about this much of its section: enough to
#: tell whether it is the one, not a page of reference to scroll through when it is not.
UNSURE_CHARS = 700
_URL_SAFE = ":/?#@!$&'*+,;=%-._~"


def message(lang: str, key: str) -> str:
    """A fixed phrase of the assistant in `lang`, English when that language has none."""
    return MESSAGES.get(lang, MESSAGES["en"])[key]


_LINK_TARGET = re.compile(r"\]\([^()\s]*\)")


def _target(url: str) -> str:
    """`url` as a Markdown link target: quoted, parentheses escaped."""
    return quote(url, safe=_URL_SAFE).replace("(", "%28").replace(")", "%29")


def _label(text: str) -> str:
    """`text` as a Markdown link text: backslashes and brackets escaped."""
    return re.sub(r"([\\\[\]])", r"\\\1", text)


def with_links(text: str, links: Sequence[tuple[str, str]]) -> str:
    """`text` with the first plain mention of each link text turned back into its link, so
    that what the docs link is clickable and nothing else looks like a link."""
    for label, url in links:
        mention = re.compile(rf"(?<![\[\w]){re.escape(label)}(?![\]\w])")
        link = f"[{label}]({_target(url)})".replace("\\", "\\\\")
        text = mention.sub(link, text, count=1)
    return text


def answering_section(chunk: Chunk, question: str) -> Chunk:
    """`chunk` with the headings and anchor of its merged section that shares the most words
    with `question` (heading words count twice; words every section has count for nothing);
    on a tie, the section the chunk is cited at (`Chunk.section`), by default its first."""
    parts = chunk.part_texts()
    if len(parts) < 2:
        return chunk
    asked = stems(question, chunk.lang)
    heads = [stems((part.headings or (chunk.title,))[-1], chunk.lang) for part, _ in parts]
    bodies = [stems(text, chunk.lang) | head for (_, text), head in zip(parts, heads, strict=True)]
    common = set.intersection(*bodies)
    scores = [
        len((asked & body) - common) + len((asked & head) - common)
        for body, head in zip(bodies, heads, strict=True)
    ]
    cited = [(part.headings, part.anchor) == (chunk.headings, chunk.anchor) for part, _ in parts]
    best = max(range(len(parts)), key=lambda i: (scores[i], cited[i], -i))
    return chunk.section(parts[best][0])


def citations_for(hits: Sequence[Hit], question: str = "") -> list[Citation]:
    """Number the hits' sections from 1 as citations, each linking to the merged section of
    its chunk that answers `question`."""
    citations = []
    for n, hit in enumerate(hits, start=1):
        section = answering_section(hit.chunk, question)
        citations.append(
            Citation(
                n=n,
                title=section.title,
                breadcrumb=section.breadcrumb,
                url=section.link,
                lang=section.lang,
                score=hit.score,
                article_id=section.article_id,
                doc_id=section.doc_id,
            )
        )
    return citations


def not_found(question: str, lang: str, notice: str = "", unknown: Sequence[str] = ()) -> Answer:
    """The answer that says the documentation does not cover the question, naming the
    `unknown` words of the question that it never mentions; cites nothing."""
    text = message(lang, "not_found")
    if unknown:
        names = ", ".join(f"“{safe_markdown(name)}”" for name in unknown)
        text += " " + message(lang, "never_mentions").format(names=names)
    return Answer(
        id=uuid.uuid4().hex,
        question=question,
        text=text,
        citations=[],
        language=lang,
        confident=False,
        notice=notice,
    )


def _opening(text: str, limit: int) -> str:
    """`text`'s first paragraphs up to about `limit` characters as read (a link's target not
    counted; at least one paragraph), and an ellipsis when it goes on."""
    paragraphs = text.split("\n\n")
    kept = [paragraphs[0]]

    def shown(part: str) -> int:
        return len(_LINK_TARGET.sub("]", part))

    for paragraph in paragraphs[1:]:
        if sum(map(shown, kept)) + shown(paragraph) > limit:
            return "\n\n".join([*kept, "…"])
        kept.append(paragraph)
    return text


def extractive(
    question: str,
    lang: str,
    hits: Sequence[Hit],
    see_also_floor: float,
    body: str | None = None,
    sure: bool = True,
) -> Answer:
    """The first hit's section (`body`, default its text) cited as [1]; the further hits whose
    relevance reaches `see_also_floor` as see-also. When not `sure`, a first line says that
    this is only the closest match, only the section's opening (`UNSURE_CHARS`) is shown, and
    the answer is not `confident`."""
    best = hits[0]
    others = [h for h in hits[1:] if h.score >= see_also_floor]
    kept = [best, *others]
    citations = citations_for(kept, question)
    shown = with_links((body or best.chunk.text).strip(), best.chunk.links)
    if not sure:
        shown = _opening(shown, UNSURE_CHARS)
    lines = [] if sure else [f"_{message(lang, 'unsure')}_", ""]
    lines += [f"**{citations[0].breadcrumb}** [1]", "", shown]
    if others:
        lines += ["", f"**{message(lang, 'see_also')}:**"]
        lines += [f"- [{_label(c.breadcrumb)}]({_target(c.url)}) [{c.n}]" for c in citations[1:]]
    # Links the docs themselves have (`Chunk.links`) are kept too; nothing else links anywhere.
    allowed = [c.url for c in citations] + [_target(url) for _, url in best.chunk.links]
    text = safe_markdown(_EXCESS_BLANKS.sub("\n\n", "\n".join(lines)), allowed)
    return Answer(
        id=uuid.uuid4().hex,
        question=question,
        text=text,
        citations=citations,
        language=lang,
        confident=sure,
        hits=list(hits),
    )
