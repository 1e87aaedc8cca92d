"""The bundled user guide as web pages, so that its citations link somewhere real."""

from __future__ import annotations

import html
import re
from pathlib import Path, PurePosixPath
from typing import Any

import frontmatter
from markdown_it import MarkdownIt

from assistant.settings import GUIDE_DIR
from corpus import Slugger

_LANG = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?")
_MAX_PATH = 300

_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font: 16px/1.6 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto;
  padding: 0 1rem; color: #1f2937; }}
pre {{ background: #f3f4f6; padding: .75rem; overflow-x: auto; border-radius: 6px; }}
code {{ font-family: ui-monospace, monospace; font-size: .9em; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #d1d5db; padding: .3rem .6rem; }}
:target {{ background: #fef9c3; }}
</style></head><body>{body}</body></html>"""


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    slugger = Slugger()

    def heading_open(renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        tokens[idx].attrSet("id", slugger.anchor(tokens[idx + 1].content))
        return str(renderer.renderToken(tokens, idx, options, env))

    md.add_render_rule("heading_open", heading_open)
    return md


def guide_page(lang: str, path: str, root: Path = GUIDE_DIR) -> str | None:
    """The guide article at `/guide/{lang}/{path}` as HTML, or None when there is none.
    Headings carry the anchors that citations link to."""
    if (
        not _LANG.fullmatch(lang)
        or len(path) > _MAX_PATH
        or not path.isprintable()
        or ".." in PurePosixPath(path).parts
    ):
        return None
    try:
        base = (root / lang / path).resolve()
        for candidate in (base.with_name(base.name + ".md"), base / "index.md"):
            if candidate.is_relative_to(root.resolve()) and candidate.is_file():
                post = frontmatter.loads(candidate.read_text("utf-8"))
                break
        else:
            return None
    except (OSError, ValueError):  # a name the file system refuses is no page either
        return None
    title = str(post.metadata.get("title") or candidate.stem)
    body = _markdown().render(post.content)
    return _PAGE.format(lang=html.escape(lang), title=html.escape(title), body=body)
