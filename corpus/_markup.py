"""Reduce Mintlify MDX and DocFX Markdown to plain Markdown, inlining snippets and includes."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nh3

_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})")
_IMPORT = re.compile(r"""^\s*import\s+(\w+)\s+from\s+["']([^"']+)["'];?\s*$""", re.M)
_EXPORT = re.compile(r"^\s*export\s+(?:const|default|function)\b.*$", re.M)
_INLINE_CODE = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
_COMMENTS = re.compile(r"<!--.*?-->|\{/\*.*?\*/\}", re.S)
_DOCFX_INCLUDE = re.compile(r"\[!include\s*\[[^\]]*\]\(\s*<?([^)>\s]+)>?\s*\)\]", re.I)
# A DocFX code include names a source file that is never inlined: nothing of it is text.
_DOCFX_CODE = re.compile(r"\[!code(?:-[\w+#-]+)?\[[^\]]*\]\([^)]*\)\]", re.I)
_HEADING_ANCHOR = re.compile(
    r"""^(#{1,6})\s*<a\s+(?:id|name)=["']([^"']+)["']\s*/?>\s*(?:</a>)?\s*(.*?)\s*$""", re.M
)
_ALERT = re.compile(r"^(\s*)>\s*\[!(NOTE|TIP|CAUTION|WARNING|IMPORTANT)\]\s*$", re.I | re.M)
_QUOTED = re.compile(r"^(\s*)>\s?")
_ICON = re.compile(r"<Icon\b[^>]*?/>|<Icon\b[^>]*>.*?</Icon>|<i\s[^>]*>\s*</i>", re.S)
_ICON_LABEL = re.compile(r"""\b(?:aria-label|title|alt)\s*=\s*["']([^"'<>]*)["']""", re.I)
_ICON_NAME = re.compile(r"""\bicon\s*=\s*["']([\w-]+)["']|\b(?:ph|fa|bi|mdi)-([\w-]+)""")
_ICON_STYLE = {"bold", "fill", "duotone", "thin", "light", "regular", "solid"}
# An opening tag alone on its line, whose content MDX reads without its indentation.
_BLOCK_OPEN = re.compile(r"^([ \t]*)<([A-Za-z][\w.-]*)\b[^<>]*(?<!/)>[ \t]*$")
_DOCFX_VIDEO = re.compile(r"^[ \t]*>[ \t]*\[!Video[ \t]+([^\]\s]*)[ \t]*\][ \t]*$", re.I | re.M)
_EMPTY_PARENS = re.compile(r"\(\s*\)")
_TITLED = re.compile(
    r"""<(Tab|Step|Card|Accordion|Expandable|Update)\b[^>]*?\btitle=["']([^"']*)["'][^>]*>"""
)
_IMAGE = re.compile(r"!\[([^\]]*)\]\((?:[^()]|\([^()]*\))*\)|!\[([^\]]*)\]\[[^\]]*\]")
_IMG_TAG = re.compile(r"""<img\b[^>]*?\balt=["']([^"']*)["'][^>]*>""", re.I)
# Alt text that only names the picture ("Create user details -screenshot", "icon", "01") reads
# as noise inside a step of an answer; a descriptive alt text is kept.
_PICTURE_ALT = re.compile(
    r"screen\s*-?shot|screen\b|skjermbilde|skärmbild|skærmbillede|bildschirm|schermafbeelding"
    r"|\b(?:image|img|picture|bild|bilde|billede|afbeelding|icon|ikon|symbol)\b"
    r"|\.(?:png|jpe?g|gif|svg|webp)\b|^\W*\w{0,2}\W*$|^[\d\W]*$",
    re.I,
)
_REF_DEF = re.compile(r"""^\s{0,3}\[([^\]^]+)\]:\s*<?(\S+?)>?(?:\s+["'(].*["')])?\s*$""", re.M)
# A label may hold one level of brackets and a target one level of parentheses, as in
# `[a [b] c](f(x))`; anything looser leaves half a link behind in the text.
_INLINE_LINK = re.compile(
    r"\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*(?:<([^<>\n]*)>|((?:[^()\s<>]|\([^()\s]*\))*))"
    r"""(?:\s+(?:"[^"]*"|'[^']*'|\([^()]*\)))?\s*\)"""
)
# An embedded player (a demo video) becomes a line naming it, linked to what it plays: the
# text around it ("Watch this demo…") means nothing without it.
_IFRAME = re.compile(r"<iframe\b([^>]*)>(?:\s*</iframe\s*>)?", re.I)
_SRC = re.compile(r"""\bsrc\s*=\s*["']([^"'\s]+)["']""", re.I)
_TITLE = re.compile(r"""\btitle\s*=\s*["']([^"'<>]*)["']""", re.I)
_MAX_EMBED_LABEL = 80
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)>")
_AUTOLINK_SCHEMES = ("http:", "https:", "mailto:", "ftp:")
_UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:")
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")
_TAG_START = re.compile(r"<[A-Za-z!?/]")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[([^\]]*)\]")
_BR = re.compile(r"<br\s*/?>", re.I)
# An HTML link (Mintlify's hub pages list their articles as `<li><a href="/en/...">`) is a link
# like a Markdown one, and an HTML list item a Markdown one.
_A_TAG = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*["']([^"'<>]+)["'][^>]*>(.*?)</a\s*>""", re.I | re.S)
_LIST_ITEM = re.compile(r"<li\b[^>]*>[ \t]*", re.I)
_LIST_ITEM_LINE = re.compile(r"^[ \t]*<li\b[^>]*>[ \t]*", re.I | re.M)
_TABLE_ROW = re.compile(r"^[ \t]*\|.*$", re.M)
_TAG = re.compile(r"</?[A-Za-z][\w.:-]*(?:[\s/][^<>]*?)?/?>")
# MDX makes authors escape inline HTML (`\<i class="icon"\>\</i\>`): such a tag, one with
# attributes or a closing one, is stripped like any tag; `\<name>` stays as text.
_ESCAPED_TAG = re.compile(r"\\<(?:/[A-Za-z][\w.:-]*|[A-Za-z][\w.:-]*\s[^<>]*?=[^<>]*?)\\?>")
_ESCAPE = re.compile(r"\\([<>{}])")
_BLANKS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_TRAILING = re.compile(r"[ \t]+$", re.M)
_RULE = re.compile(r"^ {0,3}(?:\*\s*){3,}$|^ {0,3}(?:-\s*){3,}$|^ {0,3}(?:_\s*){3,}$", re.M)
_INNER_SPACES = re.compile(r"(?<=\S) {2,}")
_SPACE_BEFORE_PUNCT = re.compile(r"(?<=\S) +([.,;:!?])(?=\s|$)")


@dataclass
class Rendered:
    """Markdown produced from one source file, with the links it held and what went wrong."""

    text: str
    links: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def split_code(text: str) -> list[tuple[bool, str]]:
    """Split Markdown into `(is_code, text)` runs, keeping fenced code blocks whole."""
    runs: list[tuple[bool, str]] = []
    buf: list[str] = []
    fence = ""
    for line in text.splitlines(keepends=True):
        match = _FENCE.match(line)
        if not fence and match:
            if buf:
                runs.append((False, "".join(buf)))
            buf, fence = [line], match.group(2)
        elif (
            fence
            and match
            and match.group(2).startswith(fence)
            and not line.strip()[len(match.group(2)) :].strip()
        ):
            buf.append(line)
            runs.append((True, "".join(buf)))
            buf, fence = [], ""
        else:
            buf.append(line)
    if buf:
        runs.append((bool(fence), "".join(buf)))
    return runs


def _indent_like(line_prefix: str, body: str) -> str:
    """Indent every line after the first of `body` by the whitespace that led the tag."""
    pad = line_prefix if line_prefix.strip() == "" else ""
    lines = body.strip("\n").splitlines()
    return (
        "\n".join([lines[0], *(pad + ln if ln.strip() else ln for ln in lines[1:])])
        if lines
        else ""
    )


def include_path(root: Path, base: Path, target: str) -> Path:
    """The real path an include or import `target` in `base` names (`/` is the corpus root);
    the caller checks that it stays inside the root."""
    path = root / target.lstrip("/") if target.startswith("/") else base.resolve().parent / target
    return path.resolve()


def safe_target(target: str) -> bool:
    """False for a link target a browser would run or inline (`javascript:`, `data:`, ...),
    however it is spelled (entities, case, embedded blanks)."""
    plain = _URL_NOISE.sub("", html.unescape(target)).lower()
    return not plain.startswith(_UNSAFE_SCHEMES)


def strip_tags(text: str) -> str:
    """`text` without HTML tags, also those that stripping others joins (`<scr<script>ipt>`)."""
    while (stripped := _TAG.sub("", text)) != text:
        text = stripped
    return text


def plain_text(text: str) -> str:
    """A one-line value (a front matter title or description) with no markup left in it."""
    return defuse(strip_tags(text))


def defuse(text: str) -> str:
    """Text with no HTML tag left that a browser would parse: each line still holding a tag
    start is cleaned by nh3 down to the text a browser would show."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        # Unescaping can reveal a tag (`&lt;img ...&gt;`), so clean until none is left.
        for _ in range(8):
            if not _TAG_START.search(line):
                break
            line = html.unescape(nh3.clean(line, tags=set()))
        lines[i] = _TAG_START.sub(lambda m: m.group(0)[1:], line)
    return "\n".join(lines)


class MarkupRenderer:
    """Render the MDX/DocFX dialects to Markdown; `read` loads an included file's body."""

    def __init__(self, root: Path, read: Callable[[Path], str]) -> None:
        self._root = root
        self._root_real = root.resolve()
        self._read = read
        self._cache: dict[Path, Rendered] = {}

    def render(self, path: Path, text: str, stack: tuple[Path, ...] = ()) -> Rendered:
        """Render `text` (the body of `path`); includes resolve relative to `path`."""
        out = Rendered(text="")
        imports = {name: target for name, target in _IMPORT.findall(text)}
        text = _dedent_blocks(_EXPORT.sub("", _IMPORT.sub("", text)), path.suffix.lower() == ".mdx")
        defs = {m.group(1).lower(): m.group(2) for m in _REF_DEF.finditer(text)}
        parts = []
        for is_code, run in split_code(text):
            parts.append(run if is_code else self._prose(path, run, imports, defs, stack, out))
        body = _TRAILING.sub("", "".join(parts))
        out.text = _BLANKS.sub("\n\n", body).strip("\n") + "\n"
        return out

    def _include(self, base: Path, target: str, stack: tuple[Path, ...], out: Rendered) -> str:
        try:
            path = include_path(self._root, base, target)
        except (OSError, RuntimeError, ValueError) as exc:
            out.problems.append(f"missing include {target} ({type(exc).__name__})")
            return ""
        if not path.is_relative_to(self._root_real):
            out.problems.append(f"include {target} points outside the corpus; not read")
            return ""
        if path in stack or path == base.resolve():
            out.problems.append(f"include cycle at {target}")
            return ""
        cached = self._cache.get(path)
        if cached is None:
            try:
                raw = self._read(path)
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                out.problems.append(f"missing include {target} ({type(exc).__name__})")
                return ""
            cached = self.render(path, raw, (*stack, base.resolve()))
            if not any("include cycle" in p for p in cached.problems):
                self._cache[path] = cached
        out.links.extend(cached.links)
        out.problems.extend(cached.problems)
        return cached.text.strip("\n")

    def _prose(
        self,
        path: Path,
        text: str,
        imports: dict[str, str],
        defs: dict[str, str],
        stack: tuple[Path, ...],
        out: Rendered,
    ) -> str:
        spans: list[str] = []

        def protect(match: re.Match[str]) -> str:
            spans.append(match.group(0))
            return f"\ue000{len(spans) - 1}\ue001"

        text = _INLINE_CODE.sub(protect, text)
        text = _COMMENTS.sub("", text)

        def docfx_include(match: re.Match[str]) -> str:
            prefix = text[text.rfind("\n", 0, match.start()) + 1 : match.start()]
            spans.append(_indent_like(prefix, self._include(path, match.group(1), stack, out)))
            return f"\ue000{len(spans) - 1}\ue001"

        text = _DOCFX_INCLUDE.sub(docfx_include, _DOCFX_CODE.sub("", text))
        if imports:
            names = "|".join(re.escape(n) for n in imports)
            snippet = re.compile(rf"<({names})\b[^>]*?/>|<({names})\b[^>]*>\s*</\2>")

            def mdx_snippet(match: re.Match[str]) -> str:
                name = match.group(1) or match.group(2)
                prefix = text[text.rfind("\n", 0, match.start()) + 1 : match.start()]
                spans.append(_indent_like(prefix, self._include(path, imports[name], stack, out)))
                return f"\ue000{len(spans) - 1}\ue001"

            text = snippet.sub(mdx_snippet, text)
        text = _HEADING_ANCHOR.sub(lambda m: f"{m.group(1)} {m.group(3)} {{#{m.group(2)}}}", text)

        def video(match: re.Match[str]) -> str:
            if not match.group(1).lower().startswith(("https:", "http:")):
                return ""
            out.links.append(("Video", match.group(1)))
            return "\nVideo\n"

        text = _dequote_alerts(_DOCFX_VIDEO.sub(video, text))
        text = _EMPTY_PARENS.sub("", _ICON.sub(_icon, text))
        text = _TITLED.sub(lambda m: f"\n**{m.group(2)}**\n", text)
        text = _IMAGE.sub(lambda m: _alt(m.group(1) or m.group(2) or ""), text)
        text = _IMG_TAG.sub(lambda m: _alt(m.group(1)), text)
        text = _REF_DEF.sub("", text)

        def autolink(match: re.Match[str]) -> str:
            target = match.group(1)
            if "@" in target and ":" not in target:
                return target
            if target.lower().startswith(_AUTOLINK_SCHEMES):
                out.links.append((target, target))
                return target
            return ""

        def inline_link(match: re.Match[str]) -> str:
            target = match.group(2) if match.group(2) is not None else match.group(3)
            if safe_target(target):
                out.links.append((_restore(match.group(1), spans), target))
            return match.group(1)

        def ref_link(match: re.Match[str]) -> str:
            label = match.group(2) or match.group(1)
            target = defs.get(label.lower(), "")
            if safe_target(target):
                out.links.append((_restore(match.group(1), spans), target))
            return match.group(1)

        def embedded(match: re.Match[str]) -> str:
            src, title = _SRC.search(match.group(1)), _TITLE.search(match.group(1))
            if src is None or not src.group(1).lower().startswith(("https:", "http:")):
                return ""
            label = title.group(1).strip() if title else ""
            label = label if 0 < len(label) <= _MAX_EMBED_LABEL else "Video"
            out.links.append((label, src.group(1)))
            return f"\n\n{label}\n\n"

        def html_link(match: re.Match[str]) -> str:
            target, label = html.unescape(match.group(1)).strip(), match.group(2)
            plain = strip_tags(label).strip()
            if plain and safe_target(target):
                out.links.append((_restore(plain, spans), target))
            return label

        text = _IFRAME.sub(embedded, text)
        text = _AUTOLINK.sub(autolink, text)
        text = _REF_LINK.sub(ref_link, _INLINE_LINK.sub(inline_link, text))
        text = _A_TAG.sub(html_link, text)
        # A line break inside a table cell would end the row: there it is a space; a list
        # item there stays in its cell.
        text = _TABLE_ROW.sub(lambda m: _BR.sub(" ", _LIST_ITEM.sub(" ", m.group(0))), text)
        text = _LIST_ITEM.sub("\n- ", _LIST_ITEM_LINE.sub("- ", text))
        text = strip_tags(_ESCAPED_TAG.sub("", _BR.sub("\n", text)))
        text = defuse(_ESCAPE.sub(_unescape, text))
        text = _SPACE_BEFORE_PUNCT.sub(r"\1", _INNER_SPACES.sub(" ", _RULE.sub("", text)))
        return _restore(text, spans)


def _restore(text: str, spans: list[str]) -> str:
    """`text` with the code spans and includes that `_prose` set aside put back."""
    return re.sub("\ue000(\\d+)\ue001", lambda m: spans[int(m.group(1))], text)


def _unescape(match: re.Match[str]) -> str:
    # An escaped `\<name>` is text meant to show angle brackets: keep it as an entity, which
    # Markdown and HTML both display as `<`, so it never becomes a tag.
    char = match.group(1)
    return "&lt;" if char == "<" and _TAG_START.match(match.string, match.end() - 1) else char


def _icon(match: re.Match[str]) -> str:
    """An inline icon as the words a sentence needs in its place: its label (`aria-label`,
    `title`), else its name; nothing where it only decorates (alone on its line, in
    parentheses, beside a bold button name, between sentences)."""
    text, tag = match.string, match.group(0)
    before = text[text.rfind("\n", 0, match.start()) + 1 : match.start()].rstrip()
    end = text.find("\n", match.end())
    after = text[match.end() : len(text) if end < 0 else end].lstrip()
    if (not before and not after) or before.endswith("**") or after.startswith("**"):
        return ""
    label = _ICON_LABEL.search(tag)
    if label and label.group(1).strip():
        return label.group(1).strip()
    if not before[-1:].isalnum() or after.startswith(("(", "<", "[", "`", "*", "_")):
        return ""
    names = [n for m in _ICON_NAME.finditer(tag) if (n := m.group(1) or m.group(2))]
    name = next((n for n in names if n not in _ICON_STYLE), "").replace("-", " ")
    return name if name.endswith("icon") else f"{name} icon".strip()


def _code_interior(lines: list[str]) -> list[bool]:
    """Per line, whether it is inside a fenced code block (its fences excluded)."""
    inside: list[bool] = []
    fence = ""
    for line in lines:
        match = _FENCE.match(line)
        if (
            fence
            and match
            and match.group(2).startswith(fence)
            and not line.strip().strip(fence[0])
        ):
            inside.append(False)
            fence = ""
        elif not fence and match:
            inside.append(False)
            fence = match.group(2)
        else:
            inside.append(bool(fence))
    return inside


def _closing(lines: list[str], code: list[bool], start: int, name: str) -> int | None:
    """The line that closes the tag `name` opened on line `start`, if any."""
    opens = re.compile(rf"<{re.escape(name)}\b[^<>]*(?<!/)>")
    closes = re.compile(rf"</{re.escape(name)}\s*>")
    depth = 1
    for j in range(start + 1, len(lines)):
        if not code[j]:
            depth += len(opens.findall(lines[j])) - len(closes.findall(lines[j]))
            if depth <= 0:
                return j
    return None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _dedent_blocks(text: str, mdx: bool) -> str:
    """The content of block components (`<Steps>`, `<Step>`, `<Tab>`, `<Note>`; in MDX any
    tag) moved left to the tag's own indent: MDX never reads indentation as code, Markdown
    would. Relative indentation, code blocks' included, is kept."""
    lines = text.split("\n")
    code = _code_interior(lines)
    for i, line in enumerate(lines):
        match = None if code[i] else _BLOCK_OPEN.match(line)
        if not match or not (mdx or match.group(2)[0].isupper()):
            continue
        end = _closing(lines, code, i, match.group(2))
        if end is None:
            continue
        closing_only = lines[end].strip() == f"</{match.group(2)}>"
        body = range(i + 1, end if closing_only else end + 1)
        indents = [_indent(lines[j]) for j in body if lines[j].strip() and not code[j]]
        shift = min(indents, default=0) - len(match.group(1))
        if shift > 0:
            for j in range(i + 1, end + 1):
                lead = _indent(lines[j])
                lines[j] = lines[j][min(lead, shift) :]
    return "\n".join(lines)


def _alt(text: str) -> str:
    """An image's alt text as prose, or nothing when it only names the picture."""
    return "" if _PICTURE_ALT.search(text) else text


def _dequote_alerts(text: str) -> str:
    """Turn DocFX `> [!NOTE]` blocks into plain paragraphs that keep their text."""
    if not _ALERT.search(text):
        return text
    lines = text.split("\n")
    result: list[str] = []
    in_alert = False
    for line in lines:
        if _ALERT.match(line):
            in_alert = True
            result.append("")
            continue
        quoted = _QUOTED.match(line)
        if in_alert and quoted:
            result.append(quoted.group(1) + line[quoted.end() :])
            continue
        in_alert = False
        result.append(line)
    return "\n".join(result)
