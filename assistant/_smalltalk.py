"""Greetings, thanks, goodbyes, "ok", "what can you do?", "that didn't help" and a lone "why?"
or "yes": answered in kind, in their language, without a search.

A message that is only "Hej!", "test" or "Thanks a lot" asks nothing of the docs; searched, it
finds whatever section shares its one word.
"""

from __future__ import annotations

import re
import uuid

from assistant._model import Answer

#: Per kind of message, per language, the whole messages of that kind (lower case, words only).
PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "greeting": {
        "en": (
            "hi",
            "hello",
            "hey",
            "hi there",
            "hello there",
            "hey there",
            "good morning",
            "good afternoon",
            "good evening",
            "greetings",
            "howdy",
            "yo",
            "test",
            "testing",
            "test test",
            "just testing",
        ),
        "sv": (
            "hej",
            "hej hej",
            "hejsan",
            "hallå",
            "tjena",
            "tja",
            "god morgon",
            "god dag",
            "god kväll",
            "goddag",
            "test",
            "testar",
        ),
        "no": (
            "hei",
            "hei hei",
            "heisann",
            "hallo",
            "god morgen",
            "god dag",
            "god kveld",
            "goddag",
            "morn",
            "test",
            "tester",
        ),
        "da": (
            "hej",
            "hej hej",
            "hejsa",
            "hallo",
            "god morgen",
            "goddag",
            "god dag",
            "god aften",
            "dav",
            "test",
            "tester",
        ),
        "de": (
            "hallo",
            "hi",
            "hey",
            "guten morgen",
            "guten tag",
            "guten abend",
            "moin",
            "servus",
            "grüß gott",
            "grüezi",
            "test",
            "testen",
        ),
        "nl": (
            "hallo",
            "hoi",
            "hai",
            "hey",
            "goedemorgen",
            "goedemiddag",
            "goedenavond",
            "dag",
            "goeiedag",
            "test",
            "testen",
        ),
        "fi": (
            "hei",
            "moi",
            "moikka",
            "terve",
            "huomenta",
            "hyvää huomenta",
            "päivää",
            "hyvää päivää",
            "iltaa",
            "hyvää iltaa",
            "testi",
            "testaan",
        ),
    },
    "thanks": {
        "en": (
            "thanks",
            "thank you",
            "thanks a lot",
            "thank you very much",
            "thanks so much",
            "many thanks",
            "thx",
            "ty",
            "cheers",
            "great thanks",
            "ok thanks",
            "okay thanks",
            "ok thank you",
            "perfect thanks",
        ),
        "sv": (
            "tack",
            "tack så mycket",
            "tusen tack",
            "tackar",
            "stort tack",
            "tack tack",
            "okej tack",
            "ok tack",
        ),
        "no": (
            "takk",
            "tusen takk",
            "takk skal du ha",
            "mange takk",
            "takker",
            "ok takk",
            "takk takk",
        ),
        "da": ("tak", "mange tak", "tusind tak", "tak skal du have", "ok tak", "tak tak"),
        "de": (
            "danke",
            "danke schön",
            "danke sehr",
            "vielen dank",
            "herzlichen dank",
            "ok danke",
            "super danke",
            "dankeschön",
        ),
        "nl": (
            "dank je",
            "dank u",
            "dankjewel",
            "dank je wel",
            "dank u wel",
            "bedankt",
            "hartelijk dank",
            "ok bedankt",
            "top bedankt",
            "thanks",
        ),
        "fi": ("kiitos", "kiitti", "kiitos paljon", "kiitoksia", "ok kiitos", "kiitos kiitos"),
    },
    "goodbye": {
        "en": ("bye", "goodbye", "bye bye", "see you", "see you later"),
        "sv": ("hej då", "hejdå", "vi ses", "adjö"),
        "no": ("ha det", "ha det bra", "hade", "vi ses"),
        "da": ("farvel", "vi ses", "hav det godt"),
        "de": ("tschüss", "tschüs", "auf wiedersehen", "bis bald", "ciao"),
        "nl": ("doei", "dag dag", "tot ziens", "tot later", "doeg"),
        "fi": ("heippa", "näkemiin", "moikka moikka", "nähdään"),
    },
    "help": {
        "en": (
            "help",
            "help me",
            "what can you do",
            "what can you help me with",
            "who are you",
            "what are you",
            "are you a bot",
            "are you a robot",
            "are you human",
            "how does this work",
        ),
        "sv": (
            "hjälp",
            "vad kan du göra",
            "vad kan du",
            "vad kan du hjälpa mig med",
            "vem är du",
            "vad är du",
            "är du en bot",
            "är du en robot",
            "hur fungerar det här",
        ),
        "no": (
            "hjelp",
            "hva kan du gjøre",
            "hva kan du",
            "hva kan du hjelpe meg med",
            "hvem er du",
            "hva er du",
            "er du en bot",
            "er du en robot",
        ),
        "da": (
            "hjælp",
            "hvad kan du gøre",
            "hvad kan du",
            "hvad kan du hjælpe mig med",
            "hvem er du",
            "hvad er du",
            "er du en bot",
            "er du en robot",
        ),
        "de": (
            "hilfe",
            "was kannst du",
            "was kannst du tun",
            "was können sie",
            "wer bist du",
            "was bist du",
            "bist du ein bot",
            "bist du ein roboter",
            "wie funktioniert das",
        ),
        "nl": (
            "help",
            "wat kun je",
            "wat kan je",
            "wat kun je doen",
            "wie ben jij",
            "wie ben je",
            "wat ben jij",
            "ben je een bot",
            "ben je een robot",
            "hoe werkt dit",
        ),
        "fi": (
            "apua",
            "mitä osaat",
            "mitä sinä osaat",
            "mitä osaat tehdä",
            "kuka olet",
            "kuka sinä olet",
            "oletko botti",
            "oletko robotti",
        ),
    },
    "okay": {
        "en": (
            "ok",
            "okay",
            "ok great",
            "great",
            "perfect",
            "nice",
            "cool",
            "got it",
            "alright",
            "all right",
            "understood",
            "awesome",
            "fine",
            "good",
            "excellent",
        ),
        "sv": (
            "ok",
            "okej",
            "bra",
            "perfekt",
            "toppen",
            "super",
            "uppfattat",
            "fint",
            "kanon",
            "jättebra",
            "okej bra",
            "ok bra",
        ),
        "no": (
            "ok",
            "okei",
            "greit",
            "bra",
            "perfekt",
            "supert",
            "flott",
            "skjønner",
            "forstått",
            "fint",
            "ok bra",
        ),
        "da": ("ok", "okay", "fint", "godt", "perfekt", "super", "forstået", "fedt", "ok fint"),
        "de": (
            "ok",
            "okay",
            "gut",
            "super",
            "perfekt",
            "prima",
            "alles klar",
            "verstanden",
            "klasse",
            "ok gut",
            "sehr gut",
        ),
        "nl": (
            "ok",
            "oké",
            "goed",
            "prima",
            "perfect",
            "top",
            "super",
            "begrepen",
            "duidelijk",
            "helder",
            "ok goed",
        ),
        "fi": ("ok", "okei", "selvä", "hyvä", "hienoa", "täydellistä", "jees", "selvä juttu"),
    },
    "unhelpful": {
        "en": (
            "not helpful",
            "not useful",
            "that didn t help",
            "that did not help",
            "didn t help",
            "did not help",
            "doesn t help",
            "that doesn t help",
            "not what i asked",
            "that s not what i asked",
            "that is not what i asked",
            "that s not it",
            "no that s not it",
            "wrong answer",
            "that s wrong",
            "that is wrong",
            "useless",
            "you are useless",
        ),
        "sv": (
            "det hjälpte inte",
            "hjälpte inte",
            "nej det hjälpte inte",
            "inte hjälpsamt",
            "fel svar",
            "det är fel",
            "det var inte det jag frågade",
            "värdelöst",
        ),
        "no": (
            "det hjalp ikke",
            "hjalp ikke",
            "nei det hjalp ikke",
            "ikke nyttig",
            "feil svar",
            "det er feil",
            "det var ikke det jeg spurte om",
            "ubrukelig",
        ),
        "da": (
            "det hjalp ikke",
            "hjalp ikke",
            "nej det hjalp ikke",
            "ikke nyttigt",
            "forkert svar",
            "det er forkert",
            "det var ikke det jeg spurgte om",
            "ubrugeligt",
        ),
        "de": (
            "das hilft nicht",
            "das hilft mir nicht",
            "hilft nicht",
            "hilft mir nicht",
            "nicht hilfreich",
            "falsche antwort",
            "das ist falsch",
            "das war nicht meine frage",
            "nutzlos",
        ),
        "nl": (
            "dat helpt niet",
            "helpt niet",
            "niet nuttig",
            "fout antwoord",
            "verkeerd antwoord",
            "dat is fout",
            "dat is niet wat ik vroeg",
            "nutteloos",
        ),
        "fi": (
            "ei auttanut",
            "se ei auttanut",
            "ei hyödyllinen",
            "väärä vastaus",
            "en kysynyt sitä",
            "hyödytön",
        ),
    },
    "vague": {
        "en": (
            "",
            "yes",
            "yeah",
            "no",
            "nope",
            "why",
            "how",
            "what",
            "when",
            "where",
            "who",
            "which",
            "huh",
            "hmm",
            "and",
            "so",
            "really",
            "maybe",
        ),
        "sv": (
            "",
            "ja",
            "nej",
            "varför",
            "hur",
            "vad",
            "när",
            "var",
            "vem",
            "vilken",
            "hmm",
            "och",
            "jaså",
            "kanske",
        ),
        "no": (
            "",
            "ja",
            "nei",
            "hvorfor",
            "hvordan",
            "hva",
            "når",
            "hvor",
            "hvem",
            "hvilken",
            "hmm",
            "og",
            "kanskje",
        ),
        "da": (
            "",
            "ja",
            "nej",
            "hvorfor",
            "hvordan",
            "hvad",
            "hvornår",
            "hvor",
            "hvem",
            "hvilken",
            "hmm",
            "og",
            "måske",
        ),
        "de": (
            "",
            "ja",
            "nein",
            "warum",
            "wieso",
            "weshalb",
            "wie",
            "was",
            "wann",
            "wo",
            "wer",
            "welche",
            "hmm",
            "und",
            "vielleicht",
        ),
        "nl": (
            "",
            "ja",
            "nee",
            "waarom",
            "hoe",
            "wat",
            "wanneer",
            "waar",
            "wie",
            "welke",
            "hmm",
            "en",
            "misschien",
        ),
        "fi": (
            "",
            "kyllä",
            "joo",
            "ei",
            "miksi",
            "miten",
            "kuinka",
            "mitä",
            "mikä",
            "milloin",
            "missä",
            "kuka",
            "hmm",
            "ja",
            "ehkä",
        ),
    },
}

REPLIES: dict[str, dict[str, str]] = {
    "greeting": {
        "en": "Hello! Ask me a question about the documentation and I will answer with links "
        "to the pages that say so.",
        "sv": "Hej! Ställ en fråga om dokumentationen så svarar jag med länkar till sidorna "
        "där svaret står.",
        "no": "Hei! Still et spørsmål om dokumentasjonen, så svarer jeg med lenker til sidene "
        "der svaret står.",
        "da": "Hej! Stil et spørgsmål om dokumentationen, så svarer jeg med links til de sider, "
        "hvor svaret står.",
        "de": "Hallo! Stellen Sie eine Frage zur Dokumentation, und ich antworte mit Links zu "
        "den Seiten, auf denen die Antwort steht.",
        "nl": "Hallo! Stel een vraag over de documentatie en ik antwoord met links naar de "
        "pagina's waar het antwoord staat.",
        "fi": "Hei! Kysy jotain dokumentaatiosta, niin vastaan linkeillä sivuille, joilla "
        "vastaus on.",
    },
    "thanks": {
        "en": "You're welcome! Ask again whenever you need to.",
        "sv": "Varsågod! Fråga igen när du behöver.",
        "no": "Bare hyggelig! Spør igjen når du trenger det.",
        "da": "Selv tak! Spørg igen, når du har brug for det.",
        "de": "Gern geschehen! Fragen Sie gern wieder, wenn Sie etwas brauchen.",
        "nl": "Graag gedaan! Vraag het gerust opnieuw als u iets nodig hebt.",
        "fi": "Ole hyvä! Kysy uudelleen, kun tarvitset.",
    },
    "goodbye": {
        "en": "Goodbye!",
        "sv": "Hej då!",
        "no": "Ha det bra!",
        "da": "Farvel!",
        "de": "Auf Wiedersehen!",
        "nl": "Tot ziens!",
        "fi": "Näkemiin!",
    },
    "help": {
        "en": "I answer questions about the documentation, in your language, and link the pages "
        "and sections each answer comes from. Ask the way you would ask a colleague, for "
        "example how to do something.",
        "sv": "Jag svarar på frågor om dokumentationen, på ditt språk, och länkar till sidorna "
        "och avsnitten som svaret kommer från. Fråga som du skulle fråga en kollega, till "
        "exempel hur du gör något.",
        "no": "Jeg svarer på spørsmål om dokumentasjonen, på ditt språk, og lenker til sidene "
        "og avsnittene svaret kommer fra. Spør slik du ville spurt en kollega, for eksempel "
        "hvordan du gjør noe.",
        "da": "Jeg svarer på spørgsmål om dokumentationen, på dit sprog, og linker til de sider "
        "og afsnit, svaret kommer fra. Spørg, som du ville spørge en kollega, for eksempel "
        "hvordan du gør noget.",
        "de": "Ich beantworte Fragen zur Dokumentation in Ihrer Sprache und verlinke die Seiten "
        "und Abschnitte, aus denen die Antwort stammt. Fragen Sie so, wie Sie eine Kollegin "
        "oder einen Kollegen fragen würden, zum Beispiel, wie etwas geht.",
        "nl": "Ik beantwoord vragen over de documentatie, in uw taal, en link naar de pagina's "
        "en secties waar het antwoord vandaan komt. Vraag het zoals u een collega zou vragen, "
        "bijvoorbeeld hoe u iets doet.",
        "fi": "Vastaan dokumentaatiota koskeviin kysymyksiin omalla kielelläsi ja linkitän "
        "sivut ja kohdat, joista vastaus on. Kysy kuten kysyisit työkaveriltasi, esimerkiksi "
        "miten jokin tehdään.",
    },
    "okay": {
        "en": "Good. Ask again whenever you need to.",
        "sv": "Bra. Fråga igen när du behöver.",
        "no": "Fint. Spør igjen når du trenger det.",
        "da": "Godt. Spørg igen, når du har brug for det.",
        "de": "Gut. Fragen Sie gern wieder, wenn Sie etwas brauchen.",
        "nl": "Prima. Vraag het gerust opnieuw als u iets nodig hebt.",
        "fi": "Hyvä. Kysy uudelleen, kun tarvitset.",
    },
    "unhelpful": {
        "en": "Sorry that did not help. Try asking in other words, or name the screen or "
        "feature you are working in.",
        "sv": "Tyvärr hjälpte det inte. Försök fråga med andra ord, eller nämn skärmen eller "
        "funktionen du arbetar i.",
        "no": "Beklager at det ikke hjalp. Prøv å spørre med andre ord, eller nevn skjermbildet "
        "eller funksjonen du jobber i.",
        "da": "Beklager, at det ikke hjalp. Prøv at spørge med andre ord, eller nævn "
        "skærmbilledet eller funktionen, du arbejder i.",
        "de": "Das tut mir leid. Versuchen Sie es mit anderen Worten, oder nennen Sie den "
        "Bildschirm oder die Funktion, mit der Sie arbeiten.",
        "nl": "Sorry dat dit niet hielp. Probeer het met andere woorden, of noem het scherm of "
        "de functie waarin u werkt.",
        "fi": "Valitettavasti tämä ei auttanut. Kysy toisin sanoin tai kerro, missä näkymässä "
        "tai toiminnossa työskentelet.",
    },
    "vague": {
        "en": "Could you say a little more? Ask a whole question about what you want to do, "
        "and I will answer with links to the pages that say so.",
        "sv": "Kan du berätta lite mer? Ställ en hel fråga om vad du vill göra, så svarar jag "
        "med länkar till sidorna där svaret står.",
        "no": "Kan du si litt mer? Still et helt spørsmål om hva du vil gjøre, så svarer jeg "
        "med lenker til sidene der svaret står.",
        "da": "Kan du sige lidt mere? Stil et helt spørgsmål om, hvad du vil gøre, så svarer "
        "jeg med links til de sider, hvor svaret står.",
        "de": "Können Sie etwas mehr sagen? Stellen Sie eine ganze Frage dazu, was Sie tun "
        "möchten, und ich antworte mit Links zu den Seiten, auf denen die Antwort steht.",
        "nl": "Kunt u iets meer vertellen? Stel een volledige vraag over wat u wilt doen en ik "
        "antwoord met links naar de pagina's waar het antwoord staat.",
        "fi": "Voisitko kertoa vähän enemmän? Kysy kokonainen kysymys siitä, mitä haluat tehdä, "
        "niin vastaan linkeillä sivuille, joilla vastaus on.",
    },
}

#: Whose word a message shared by several languages likeliest is: "Hallo" is German before it is
#: Norwegian, "Hej" Swedish before Danish.
LIKELIEST = ("en", "de", "nl", "sv", "no", "da", "fi")
_WORDS = re.compile(r"[^\W\d_]+")
#: The longest small-talk message read; anything longer is a question.
MAX_CHARS = 40


def small_talk_kind(question: str) -> tuple[str, list[str]] | None:
    """The kind of small talk `question` is alone (greeting, thanks, goodbye, "ok", help:
    asking what the assistant does, unhelpful: saying an answer did not help, or vague: one
    word such as "why" or "yes", or only punctuation) and the languages it may be in,
    likeliest first (`LIKELIEST`); None when it says anything more."""
    if len(question) > MAX_CHARS:
        return None
    key = " ".join(_WORDS.findall(question.casefold()))
    if not key and any(ch.isalnum() for ch in question):
        return None
    for kind, by_lang in PHRASES.items():
        langs = [lang for lang in LIKELIEST if key in by_lang[lang]]
        if langs:
            return kind, langs
    return None


def small_talk(
    question: str,
    lang: str | None = None,
    reader_lang: str | None = None,
    *,
    follow_up: bool = False,
) -> Answer | None:
    """The reply to a message that is only small talk, in `lang` when the caller fixed the
    answer's language, else in the reader's page language when the message may be in it
    ("Hallo" on a Dutch page), else in the message's likeliest language; None when
    `question` asks something, and for a vague word when it is a `follow_up` (an LLM reads a
    lone "why?" with the question before it)."""
    found = small_talk_kind(question)
    if found is None or (follow_up and found[0] == "vague"):
        return None
    kind, langs = found
    if lang is None or lang not in REPLIES[kind]:
        lang = reader_lang if reader_lang is not None and reader_lang in langs else langs[0]
    return Answer(
        id=uuid.uuid4().hex,
        question=question,
        text=REPLIES[kind][lang],
        citations=[],
        language=lang,
        confident=True,
    )
