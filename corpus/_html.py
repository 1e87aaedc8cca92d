"""Main content and metadata of one HTML help page, as Markdown whose headings keep their ids."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

#: Elements that never hold article text.
_DROP = (
    "script, style, noscript, template, svg, canvas, iframe, object, embed, form, button, input, "
    "select, textarea, nav, aside, footer, dialog, [role=navigation], [role=search], "
    "[role=complementary], [role=contentinfo], [role=banner], [role=dialog], [aria-hidden=true], "
    "[hidden]"
)
#: Class or id words of site furniture: menus, banners, tables of contents, related links.
_FURNITURE = re.compile(
    r"(?:^|[-_\s])(?:cookies?|consent|gdpr|breadcrumbs?|related|toc|table-of-contents|on-this-page|"
    r"sidebar|share|sharing|social|search|searchbox|newsletter|footer|navbar|nav|navigation|menu|"
    r"pagination|pager|comments?|feedback|rating|edit-?link|skip-?link|banner|promo|ads?)(?:$|[-_\s])",
    re.I,
)
_MAIN = (
    "main",
    "[role=main]",
    "article",
    ".entry-content",
    ".post-content",
    ".article-body",
    "#content",
    ".content",
)
_TRAIL = (
    "[class*=breadcrumb] a, [class*=breadcrumb] li, [aria-label*=readcrumb] a, "
    "[aria-label*=readcrumb] li, [itemtype*=BreadcrumbList] [itemprop=name], "
    "a[rel~=category], a[rel~=tag], [class*=cat-links] a, .category, .kb-category"
)
_TITLE_SEPARATOR = re.compile(r"\s+[|–—·:-]\s+")
_HEADING = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_BLOCKS = {
    "p",
    "div",
    "section",
    "article",
    "header",
    "main",
    "figure",
    "figcaption",
    "details",
    "summary",
    "dl",
    "dt",
    "dd",
    "address",
    "center",
}
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_ID_OK = re.compile(r"^[^\s{}]+$")
_MARKER = re.compile(r"(?:\d+\.|-)")


@dataclass(frozen=True)
class Page:
    """What one HTML page says about itself, and its main content as Markdown."""

    url: str
    canonical: str
    lang: str
    title: str
    description: str
    body: str
    alternates: tuple[tuple[str, str], ...] = ()
    trail: tuple[str, ...] = ()
    noindex: bool = False

    @property
    def text(self) -> str:
        """The body without Markdown heading marks, for language detection."""
        return re.sub(r"^#+\s|\{#[^}]*\}", "", self.body, flags=re.M)


def language_code(value: str) -> str:
    """`sv-SE`, `sv_SE` or `SV` as `sv`; Norwegian Bokmål and Nynorsk as `no`."""
    code = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    return "no" if code in ("nb", "nn") else code


def _meta(tree: LexborHTMLParser, *selectors: str) -> str:
    for selector in selectors:
        node = tree.css_first(selector)
        if node is not None:
            value = (node.attributes.get("content") or "").strip()
            if value:
                return value
    return ""


def _site_title(raw: str) -> str:
    """`Article – Site` as `Article`: the part before the last separator."""
    parts = _TITLE_SEPARATOR.split(raw.strip())
    return " - ".join(parts[:-1]).strip() if len(parts) > 1 else raw.strip()


def _is_furniture(node: LexborNode) -> bool:
    attrs = node.attributes
    # A heading's id is a slug of its text ("search-options"), not a sign of site furniture.
    names = ("class",) if node.tag in _HEADING else ("class", "id")
    return any(_FURNITURE.search(attrs.get(name) or "") for name in names)


def _main(tree: LexborHTMLParser) -> LexborNode | None:
    for selector in _MAIN:
        for node in tree.css(selector):
            if not _is_furniture(node) and node.text(deep=True).strip():
                return node
    return tree.body


def _heading_id(node: LexborNode, main: LexborNode) -> str:
    """The heading's own id, else the nearest element's: a child anchor, an empty anchor
    just before it, or an enclosing section that starts with it."""
    candidates = [node.attributes.get("id")]
    candidates += [c.attributes.get("id") or c.attributes.get("name") for c in node.css("[id], a")]
    prev = node.prev
    while prev is not None and prev.tag == "-text" and not (prev.text_content or "").strip():
        prev = prev.prev
    if prev is not None and prev.tag == "a" and not prev.text(deep=True).strip():
        candidates.append(prev.attributes.get("id") or prev.attributes.get("name"))
    parent = node.parent
    if parent is not None and parent is not main and parent.tag in ("section", "div", "article"):
        first = next((c for c in parent.iter() if c.tag != "-comment"), None)
        if first is not None and first.mem_id == node.mem_id:
            candidates.append(parent.attributes.get("id"))
    return next((c for c in candidates if c and _ID_OK.match(c)), "")


class _Writer:
    """Depth-first walk that writes Markdown blocks."""

    def __init__(self, main: LexborNode) -> None:
        self.main = main
        self.blocks: list[str] = []
        self.line: list[str] = []

    def flush(self) -> None:
        text = _SPACES.sub(" ", "".join(self.line)).strip()
        if _MARKER.fullmatch(text):  # a list item's paragraph continues its marker's line
            return
        text = re.sub(r" ?\n ?", "\n", text)
        if text:
            self.blocks.append(text)
        self.line = []

    def _inline_one(self, child: LexborNode) -> str:
        tag = child.tag
        if tag == "-text":
            return (child.text_content or "").replace("\n", " ")
        if tag == "br":
            return "\n"
        if tag == "img":
            return child.attributes.get("alt") or ""
        if tag == "code":
            return f"`{child.text(deep=True)}`"
        if tag in ("strong", "b"):
            inner = self.inline(child).strip()
            return f"**{inner}**" if inner else ""
        return "" if tag == "-comment" else self.inline(child)

    def inline(self, node: LexborNode) -> str:
        """The text of an inline run, with code and bold marked as in Markdown."""
        return "".join(self._inline_one(child) for child in node.iter(include_text=True))

    def walk(self, node: LexborNode, list_prefix: str = "") -> None:
        for child in node.iter(include_text=True):
            tag = child.tag
            if tag == "-text":
                self.line.append((child.text_content or "").replace("\n", " "))
            elif tag in _HEADING:
                self.flush()
                text = _SPACES.sub(" ", self.inline(child)).strip()
                if text:
                    anchor = _heading_id(child, self.main)
                    suffix = f" {{#{anchor}}}" if anchor else ""
                    self.blocks.append(f"{'#' * _HEADING[tag]} {text}{suffix}")
            elif tag in ("ul", "ol"):
                self.flush()
                start = len(self.blocks)
                items = [i for i in child.css("li") if i.parent and i.parent.mem_id == child.mem_id]
                for n, item in enumerate(items, start=1):
                    self.line.append(f"{n}. " if tag == "ol" else "- ")
                    self.walk(item, list_prefix + "  ")
                    self.flush()
                # One block per list, an item per line, nested items indented.
                lines = self.blocks[start:]
                del self.blocks[start:]
                if lines:
                    self.blocks.append(textwrap.indent("\n".join(lines), list_prefix))
            elif tag == "pre":
                self.flush()
                self.blocks.append(f"```\n{child.text(deep=True).strip(chr(10))}\n```")
            elif tag == "table":
                self.flush()
                self.table(child)
            elif tag == "blockquote":
                self.flush()
                self.walk(child)
                self.flush()
            elif tag in ("br",):
                self.line.append("\n")
            elif tag == "img":
                self.line.append(child.attributes.get("alt") or "")
            elif tag in ("strong", "b", "code"):
                self.line.append(self._inline_one(child))
            elif tag == "hr" or tag == "-comment":
                self.flush()
            elif tag in _BLOCKS or tag == "li":
                self.flush()
                self.walk(child, list_prefix)
                self.flush()
            else:
                self.walk(child, list_prefix)

    def table(self, node: LexborNode) -> None:
        rows = []
        for tr in node.css("tr"):
            cells = [_SPACES.sub(" ", self.inline(c)).strip() for c in tr.css("th, td")]
            if any(cells):
                rows.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
        if rows:
            self.blocks.append("\n".join(rows))


def parse_page(html: str, url: str) -> Page:
    """Metadata and main content of a page fetched from (or saved for) `url`.

    Navigation, sidebars, breadcrumbs, banners, tables of contents, related links, search
    boxes and footers are left out; headings keep the id the page gives them.
    """
    tree = LexborHTMLParser(html)
    root = tree.css_first("html")
    lang = language_code((root.attributes.get("lang") or "") if root is not None else "")
    lang = lang or language_code(_meta(tree, "meta[property='og:locale']"))
    title_node = tree.css_first("title")
    raw_title = _meta(tree, "meta[property='og:title']") or (
        title_node.text(deep=True) if title_node is not None else ""
    )
    canonical_node = tree.css_first("link[rel=canonical]")
    canonical = (canonical_node.attributes.get("href") or "") if canonical_node else ""
    alternates = []
    for link in tree.css("link[rel=alternate][hreflang]"):
        code, href = link.attributes.get("hreflang") or "", link.attributes.get("href") or ""
        if href and code and code.lower() != "x-default":
            alternates.append((language_code(code), urldefrag(urljoin(url, href))[0]))
    trail = tuple(
        dict.fromkeys(
            t
            for t in (_SPACES.sub(" ", n.text(deep=True)).strip() for n in tree.css(_TRAIL))
            if t and len(t) < 80
        )
    )
    trail += tuple(
        v for v in (_meta(tree, "meta[property='article:section']"),) if v and v not in trail
    )
    main = _main(tree)
    body = ""
    if main is not None:
        for node in main.css(_DROP):
            node.decompose()
        for node in main.css("[class], [id]"):
            if _is_furniture(node) and node.parent is not None:
                node.decompose()
        writer = _Writer(main)
        writer.walk(main)
        writer.flush()
        body = "\n\n".join(writer.blocks)
    h1 = re.search(r"^# (.+?)(?: \{#[^}]*\})?$", body, re.M)
    title = _site_title(raw_title) or (h1.group(1) if h1 else "")
    if body and not h1 and title:
        body = f"# {title}\n\n{body}"
    return Page(
        url=url,
        canonical=urldefrag(urljoin(url, canonical))[0] if canonical else url,
        lang=lang,
        title=title,
        description=_meta(tree, "meta[name=description]", "meta[property='og:description']"),
        body=body,
        alternates=tuple(dict.fromkeys(alternates)),
        trail=trail,
        noindex="noindex" in _meta(tree, "meta[name=robots]").lower(),
    )
