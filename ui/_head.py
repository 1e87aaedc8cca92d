"""What each kind of Gradio page carries besides its components: the scripts in its head and its
style sheet, kept as files in static/page/ (each says what it is for)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from ui._i18n import LANGUAGES, gradio_labels, gradio_prefixes

_PAGE = Path(__file__).parent / "static" / "page"


def _read(name: str) -> str:
    return (_PAGE / name).read_text("utf-8")


def _script(name: str, fills: dict[str, object] | None = None) -> str:
    source = _read(name)
    for key, value in (fills or {}).items():
        source = source.replace(f"/*{key}*/ {{}}", json.dumps(value))
    return f"<script>\n{source}</script>"


@cache
def page_head(widget: bool = False) -> str:
    """The scripts of a chat page's head (`widget`: of the widget's frame)."""
    language = _script(
        "page-language.js",
        {
            "LABELS": {lang: gradio_labels(lang) for lang in LANGUAGES},
            "PREFIXES": {lang: gradio_prefixes(lang) for lang in LANGUAGES},
        },
    )
    page = _script("scroll-to-answer.js") + _script("keep-question.js") + language
    if widget:
        return _script("widget-accent.js") + _script("widget-frame.js") + page
    return page


@cache
def page_css(widget: bool = False) -> str:
    """The style sheet of a chat page (`widget`: of the widget's frame)."""
    return _read("chat.css") + _read("widget.css" if widget else "page.css")
