"""The pages' own strings in every supported language, and how a page picks its language."""

from __future__ import annotations

from collections.abc import Mapping

from assistant._answer import MESSAGES
from assistant._assistant import MAX_QUESTION_CHARS
from assistant._lang import language_code

DEFAULT_LANGUAGE = "en"

_STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Help center",
        "subtitle": "Ask a question about the product. Answers come from the documentation, "
        "with links to the exact section.",
        "admin_title": "Help center for administrators",
        "admin_subtitle": "Set-up, onboarding and best practices, answered from the "
        "administrator documentation.",
        "widget_title": "Help",
        "empty": "How can I help?",
        "placeholder": "Ask a question…",
        "send": "Send",
        "clear": "New conversation",
        "sources": "Sources",
        "examples": "Examples",
        "done": "Done",
        "copy_message": "Copy message",
        "copied_message": "Copied message",
        "conversation": "Conversation",
        "scroll_down": "Scroll down",
        "question_label": "Your question",
        "answer_label": "Answer",
        "not_found_hint": "Try rephrasing the question, or ask about one thing at a time.",
        "too_long": "The question is too long: keep it under {limit} characters.",
        "rate_limited": "Too many questions in a short time: please wait {seconds} s and "
        "ask again.",
        "open_help": "Open help",
        "close_help": "Close help",
        "connection_lost": "The connection to the server was lost. Reconnecting…",
        "close": "Close",
        "blocked": "This site is not allowed to embed the assistant: "
        "add its origin to server.allowed_origins.",
    },
    "sv": {
        "title": "Hjälpcenter",
        "subtitle": "Ställ en fråga om produkten. Svaren kommer från dokumentationen, "
        "med länkar till rätt avsnitt.",
        "admin_title": "Hjälpcenter för administratörer",
        "admin_subtitle": "Installation, introduktion av användare och bästa praxis, "
        "besvarat från administratörsdokumentationen.",
        "widget_title": "Hjälp",
        "empty": "Hur kan jag hjälpa dig?",
        "placeholder": "Ställ en fråga…",
        "send": "Skicka",
        "clear": "Ny konversation",
        "sources": "Källor",
        "examples": "Exempel",
        "done": "Klart",
        "copy_message": "Kopiera meddelandet",
        "copied_message": "Meddelandet har kopierats",
        "conversation": "Konversation",
        "scroll_down": "Rulla ned",
        "question_label": "Din fråga",
        "answer_label": "Svar",
        "not_found_hint": "Försök formulera om frågan, eller fråga om en sak i taget.",
        "too_long": "Frågan är för lång: håll den under {limit} tecken.",
        "rate_limited": "För många frågor på kort tid: vänta {seconds} s och fråga igen.",
        "open_help": "Öppna hjälpen",
        "close_help": "Stäng hjälpen",
        "connection_lost": "Anslutningen till servern bröts. Ansluter igen…",
        "close": "Stäng",
        "blocked": "Den här webbplatsen får inte bädda in assistenten: "
        "lägg till dess ursprung i server.allowed_origins.",
    },
    "no": {
        "title": "Hjelpesenter",
        "subtitle": "Still et spørsmål om produktet. Svarene kommer fra dokumentasjonen, "
        "med lenker til riktig avsnitt.",
        "admin_title": "Hjelpesenter for administratorer",
        "admin_subtitle": "Oppsett, opplæring av brukere og beste praksis, besvart fra "
        "administratordokumentasjonen.",
        "widget_title": "Hjelp",
        "empty": "Hva kan jeg hjelpe deg med?",
        "placeholder": "Still et spørsmål…",
        "send": "Send",
        "clear": "Ny samtale",
        "sources": "Kilder",
        "examples": "Eksempler",
        "done": "Ferdig",
        "copy_message": "Kopier meldingen",
        "copied_message": "Meldingen er kopiert",
        "conversation": "Samtale",
        "scroll_down": "Rull ned",
        "question_label": "Ditt spørsmål",
        "answer_label": "Svar",
        "not_found_hint": "Prøv å omformulere spørsmålet, eller spør om én ting om gangen.",
        "too_long": "Spørsmålet er for langt: hold det under {limit} tegn.",
        "rate_limited": "For mange spørsmål på kort tid: vent {seconds} s og spør igjen.",
        "open_help": "Åpne hjelp",
        "close_help": "Lukk hjelp",
        "connection_lost": "Forbindelsen til serveren ble brutt. Kobler til igjen…",
        "close": "Lukk",
        "blocked": "Dette nettstedet har ikke lov til å bygge inn assistenten: "
        "legg til opprinnelsen i server.allowed_origins.",
    },
    "da": {
        "title": "Hjælpecenter",
        "subtitle": "Stil et spørgsmål om produktet. Svarene kommer fra dokumentationen, "
        "med links til det rette afsnit.",
        "admin_title": "Hjælpecenter for administratorer",
        "admin_subtitle": "Opsætning, onboarding af brugere og bedste praksis, besvaret ud "
        "fra administratordokumentationen.",
        "widget_title": "Hjælp",
        "empty": "Hvad kan jeg hjælpe med?",
        "placeholder": "Stil et spørgsmål…",
        "send": "Send",
        "clear": "Ny samtale",
        "sources": "Kilder",
        "examples": "Eksempler",
        "done": "Færdig",
        "copy_message": "Kopiér beskeden",
        "copied_message": "Beskeden er kopieret",
        "conversation": "Samtale",
        "scroll_down": "Rul ned",
        "question_label": "Dit spørgsmål",
        "answer_label": "Svar",
        "not_found_hint": "Prøv at omformulere spørgsmålet, eller spørg om én ting ad gangen.",
        "too_long": "Spørgsmålet er for langt: hold det under {limit} tegn.",
        "rate_limited": "For mange spørgsmål på kort tid: vent {seconds} s, og spørg igen.",
        "open_help": "Åbn hjælp",
        "close_help": "Luk hjælp",
        "connection_lost": "Forbindelsen til serveren blev afbrudt. Forbinder igen…",
        "close": "Luk",
        "blocked": "Dette websted må ikke indlejre assistenten: "
        "tilføj dets oprindelse i server.allowed_origins.",
    },
    "de": {
        "title": "Hilfe-Center",
        "subtitle": "Stellen Sie eine Frage zum Produkt. Die Antworten stammen aus der "
        "Dokumentation, mit Links zum passenden Abschnitt.",
        "admin_title": "Hilfe-Center für Administratoren",
        "admin_subtitle": "Einrichtung, Einführung der Benutzer und Best Practices, "
        "beantwortet aus der Administratordokumentation.",
        "widget_title": "Hilfe",
        "empty": "Wie kann ich helfen?",
        "placeholder": "Stellen Sie eine Frage…",
        "send": "Senden",
        "clear": "Neues Gespräch",
        "sources": "Quellen",
        "examples": "Beispiele",
        "done": "Fertig",
        "copy_message": "Nachricht kopieren",
        "copied_message": "Nachricht kopiert",
        "conversation": "Gesprächsverlauf",
        "scroll_down": "Nach unten scrollen",
        "question_label": "Ihre Frage",
        "answer_label": "Antwort",
        "not_found_hint": "Formulieren Sie die Frage anders, oder fragen Sie nach einer "
        "Sache auf einmal.",
        "too_long": "Die Frage ist zu lang: bitte höchstens {limit} Zeichen.",
        "rate_limited": "Zu viele Fragen in kurzer Zeit: bitte {seconds} s warten und "
        "erneut fragen.",
        "open_help": "Hilfe öffnen",
        "close_help": "Hilfe schließen",
        "connection_lost": "Die Verbindung zum Server wurde unterbrochen. Verbindung wird "
        "wiederhergestellt…",
        "close": "Schließen",
        "blocked": "Diese Website darf den Assistenten nicht einbetten: "
        "tragen Sie ihren Ursprung in server.allowed_origins ein.",
    },
    "nl": {
        "title": "Helpcentrum",
        "subtitle": "Stel een vraag over het product. De antwoorden komen uit de "
        "documentatie, met links naar de juiste sectie.",
        "admin_title": "Helpcentrum voor beheerders",
        "admin_subtitle": "Inrichting, onboarding van gebruikers en best practices, "
        "beantwoord uit de beheerdersdocumentatie.",
        "widget_title": "Help",
        "empty": "Waarmee kan ik helpen?",
        "placeholder": "Stel een vraag…",
        "send": "Versturen",
        "clear": "Nieuw gesprek",
        "sources": "Bronnen",
        "examples": "Voorbeelden",
        "done": "Klaar",
        "copy_message": "Bericht kopiëren",
        "copied_message": "Bericht gekopieerd",
        "conversation": "Gesprek",
        "scroll_down": "Omlaag scrollen",
        "question_label": "Uw vraag",
        "answer_label": "Antwoord",
        "not_found_hint": "Probeer de vraag anders te formuleren, of vraag naar één ding tegelijk.",
        "too_long": "De vraag is te lang: gebruik maximaal {limit} tekens.",
        "rate_limited": "Te veel vragen in korte tijd: wacht {seconds} s en vraag het opnieuw.",
        "open_help": "Help openen",
        "close_help": "Help sluiten",
        "connection_lost": "De verbinding met de server is verbroken. Opnieuw verbinden…",
        "close": "Sluiten",
        "blocked": "Deze site mag de assistent niet insluiten: "
        "voeg de oorsprong toe aan server.allowed_origins.",
    },
    "fi": {
        "title": "Ohjekeskus",
        "subtitle": "Kysy tuotteesta. Vastaukset tulevat dokumentaatiosta, ja niissä on "
        "linkit oikeaan kohtaan.",
        "admin_title": "Ohjekeskus ylläpitäjille",
        "admin_subtitle": "Käyttöönotto, käyttäjien perehdytys ja parhaat käytännöt "
        "ylläpitäjän dokumentaatiosta.",
        "widget_title": "Ohje",
        "empty": "Miten voin auttaa?",
        "placeholder": "Kirjoita kysymys…",
        "send": "Lähetä",
        "clear": "Uusi keskustelu",
        "sources": "Lähteet",
        "examples": "Esimerkkejä",
        "done": "Valmis",
        "copy_message": "Kopioi viesti",
        "copied_message": "Viesti kopioitu",
        "conversation": "Keskustelu",
        "scroll_down": "Vieritä alas",
        "question_label": "Kysymyksesi",
        "answer_label": "Vastaus",
        "not_found_hint": "Kokeile muotoilla kysymys toisin tai kysy yksi asia kerrallaan.",
        "too_long": "Kysymys on liian pitkä: enintään {limit} merkkiä.",
        "rate_limited": "Liian monta kysymystä lyhyessä ajassa: odota {seconds} s ja "
        "kysy uudelleen.",
        "open_help": "Avaa ohje",
        "close_help": "Sulje ohje",
        "connection_lost": "Yhteys palvelimeen katkesi. Yhdistetään uudelleen…",
        "close": "Sulje",
        "blocked": "Tämä sivusto ei saa upottaa avustajaa: "
        "lisää sen alkuperä asetukseen server.allowed_origins.",
    },
}

# The bundled guide's examples, used while it is the only corpus indexed: in every language
# the first asks about setup/add-your-docs, the second setup/embed-widget, the third
# setup/models-and-llm; for administrators admin/onboarding, admin/onboarding, setup/embed-widget.
GUIDE_EXAMPLES: dict[str, tuple[str, ...]] = {
    "en": (
        "How do I index my own Markdown help articles?",
        "How do I embed the widget on my website?",
        "How do I connect a language model?",
    ),
    "sv": (
        "Hur indexerar jag mina egna hjälpartiklar i Markdown?",
        "Hur bäddar jag in widgeten på min webbplats?",
        "Hur ansluter jag en språkmodell?",
    ),
    "no": (
        "Hvordan indekserer jeg mine egne hjelpeartikler i Markdown?",
        "Hvordan bygger jeg inn widgeten på nettstedet mitt?",
        "Hvordan kobler jeg til en språkmodell?",
    ),
    "da": (
        "Hvordan indekserer jeg mine egne hjælpeartikler i Markdown?",
        "Hvordan indlejrer jeg widgetten på mit websted?",
        "Hvordan tilslutter jeg en sprogmodel?",
    ),
    "de": (
        "Wie indiziere ich meine eigenen Markdown-Hilfeartikel?",
        "Wie binde ich das Widget in meine Website ein?",
        "Wie verbinde ich ein Sprachmodell?",
    ),
    "nl": (
        "Hoe indexeer ik mijn eigen Markdown-helpartikelen?",
        "Hoe sluit ik de widget in op mijn website?",
        "Hoe koppel ik een taalmodel?",
    ),
    "fi": (
        "Miten indeksoin omat Markdown-ohjeartikkelini?",
        "Miten upotan widgetin verkkosivustolleni?",
        "Miten yhdistän kielimallin (LLM)?",
    ),
}

GUIDE_ADMIN_EXAMPLES: dict[str, tuple[str, ...]] = {
    "en": (
        "How do I get my users to adopt the assistant?",
        "Should I start with a pilot group?",
        "How do I allow my websites to embed the widget?",
    ),
    "sv": (
        "Hur får jag användarna att börja använda assistenten?",
        "Ska jag börja med en pilotgrupp?",
        "Hur tillåter jag mina webbplatser att bädda in widgeten?",
    ),
    "no": (
        "Hvordan får jeg brukerne til å ta i bruk assistenten?",
        "Bør jeg begynne med en pilotgruppe?",
        "Hvordan tillater jeg nettstedene mine å bygge inn widgeten?",
    ),
    "da": (
        "Hvordan får jeg brugerne til at tage assistenten i brug?",
        "Skal jeg starte med en pilotgruppe?",
        "Hvordan tillader jeg mine websteder at indlejre widgetten?",
    ),
    "de": (
        "Wie bringe ich meine Benutzer dazu, den Assistenten zu nutzen?",
        "Soll ich mit einer Pilotgruppe beginnen?",
        "Wie erlaube ich meinen Websites, das Widget einzubetten?",
    ),
    "nl": (
        "Hoe krijg ik mijn gebruikers zover dat ze de assistent gebruiken?",
        "Moet ik met een pilotgroep beginnen?",
        "Hoe sta ik mijn websites toe de widget in te sluiten?",
    ),
    "fi": (
        "Miten saan käyttäjät ottamaan avustajan käyttöön?",
        "Pitäisikö minun aloittaa pilottiryhmällä?",
        "Miten sallin verkkosivustojeni upottaa widgetin?",
    ),
}

LANGUAGES = tuple(_STRINGS)
#: What Gradio says, in English on every page, when it has lost the server (a restart, the
#: network); it reconnects and then reloads the page.
GRADIO_CONNECTION_LOST = "Connection to the server was lost. Attempting reconnection..."
# Gradio's own name of a language where it differs (its built-in translations use "nb").
_GRADIO_LOCALES = {"no": "nb"}
# Gradio's labels on a page in a language it has no translations of, which it shows in English:
# it picks its locale among those it ships alone, whatever `gr.I18n` adds.
_GRADIO_LACKS = {
    "da": {"Clear": "Ryd chatten", "Like": "Synes godt om", "Dislike": "Synes ikke om"},
}


def normalize_language(tag: str | None) -> str | None:
    """The language of a tag when the pages speak it, else None."""
    code = language_code(tag)
    return code if code in _STRINGS else None


def accepted_languages(header: str | None) -> list[str]:
    """The supported languages of an Accept-Language header, most preferred first."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.partition(";")
        quality = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip() == "q":
            try:
                quality = float(value)
            except ValueError:
                continue
        code = normalize_language(tag)
        if code and quality > 0:
            ranked.append((-quality, position, code))
    return list(dict.fromkeys(code for _, _, code in sorted(ranked)))


def pick_language(query: str | None, accept_language: str | None) -> str:
    """A page's language: `?lang=` when supported, else the browser's preference, else English."""
    preferred = [normalize_language(query), *accepted_languages(accept_language)]
    return next((code for code in preferred if code), DEFAULT_LANGUAGE)


def strings(lang: str) -> Mapping[str, str]:
    """Every string of the pages in `lang` (English for an unsupported language)."""
    table = dict(_STRINGS.get(lang, _STRINGS[DEFAULT_LANGUAGE]))
    table["not_found"] = MESSAGES.get(lang, MESSAGES[DEFAULT_LANGUAGE])["not_found"]
    table["too_long"] = table["too_long"].format(limit=MAX_QUESTION_CHARS)
    return table


def gradio_locale(lang: str) -> str:
    """Gradio's code for the page language `lang`. Gradio has no Danish: it shows a page in a
    language it lacks in English."""
    return _GRADIO_LOCALES.get(lang, lang)


def gradio_translations() -> dict[str, dict[str, str]]:
    """The strings of Gradio's own that its translations lack, per Gradio locale: the
    screen-reader status it announces when an event ends, and the copy button's label."""
    return {
        gradio_locale(lang): {
            "common.complete": strings(lang)["done"],
            "chatbot.copy_message": strings(lang)["copy_message"],
            "chatbot.copied_message": strings(lang)["copied_message"],
        }
        for lang in LANGUAGES
    }


def gradio_labels(lang: str) -> dict[str, str]:
    """Our words for the English labels Gradio gives its chat's parts in `lang`: the ones it
    never translates (the conversation, its "Scroll down" button, a notice's close button and
    the notice that it lost the server), and on a page in a language Gradio lacks, its buttons'
    too."""
    text = strings(lang)
    labels = {
        "chatbot conversation": text["conversation"],
        "Scroll down": text["scroll_down"],
        "Close": text["close"],
        GRADIO_CONNECTION_LOST: text["connection_lost"],
    }
    if lang in _GRADIO_LACKS:
        labels |= _GRADIO_LACKS[lang] | {
            "Copy message": text["copy_message"],
            "Copied message": text["copied_message"],
        }
    return labels


def gradio_prefixes(lang: str) -> dict[str, str]:
    """Our words for the English openings of the labels Gradio gives each message in the chat
    (a screen reader reads them out), in `lang`."""
    text = strings(lang)
    return {
        "user's message: ": f"{text['question_label']}: ",
        "bot's message: ": f"{text['answer_label']}: ",
    }


def guide_examples(lang: str, admin: bool = False) -> list[str]:
    """The bundled guide's example questions in `lang` (English for a language without)."""
    table = GUIDE_ADMIN_EXAMPLES if admin else GUIDE_EXAMPLES
    return list(table.get(lang, table[DEFAULT_LANGUAGE]))
