"""Turn parsed HTML pages into articles: ids from URLs, translations tied by hreflang."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from corpus._html import Page, language_code, parse_page
from corpus._loader import read_text
from corpus._model import Article, LoadReport, Skipped

HTML_SUFFIXES = (".html", ".htm")
#: Category or breadcrumb labels of administrator documentation, in the languages served.
ADMIN_LABEL = re.compile(
    r"admin|settings|inställningar|innstillinger|indstillinger|einstellungen|instellingen|"
    r"asetukset|ylläpi|beheer",
    re.I,
)
_LANG_SEGMENT = re.compile(r"^[a-z]{2,3}(?:[-_][a-z]{2,4})?$", re.I)
_PAGE_SUFFIX = re.compile(r"\.(?:html?|php|aspx?)$", re.I)

Warn = Callable[[Skipped], None]
Detect = Callable[[str], str]


def page_id(url: str, base: str, lang: str) -> str:
    """An article id from a page URL: its path below `base`, without a leading language
    folder or page suffix; a folder URL is that folder's `index`-less path."""
    path = unquote(urlsplit(url).path)
    prefix = unquote(urlsplit(base).path)
    prefix = prefix[: prefix.rfind("/") + 1]
    rel = path[len(prefix) :] if path.startswith(prefix) else path.lstrip("/")
    parts = [p for p in rel.split("/") if p]
    # The language folder may follow a section folder (`/kb/sv/…`); the id leaves it out.
    for i, part in enumerate(parts[:2]):
        code = language_code(part) if _LANG_SEGMENT.match(part) else None
        if code is not None and code == language_code(lang):
            del parts[i]
            break
    if parts and rel.endswith("/"):
        return "/".join(parts)
    if parts:
        parts[-1] = _PAGE_SUFFIX.sub("", parts[-1])
    return "/".join(parts) or "index"


def _audience(trail: Sequence[str]) -> str:
    return "admin" if any(ADMIN_LABEL.search(label) for label in trail) else ""


def pages_to_articles(
    pages: Sequence[Page],
    base: str,
    corpus: str,
    default_lang: str = "en",
    detect: Detect | None = None,
    warn: Warn | None = None,
    fallback_lang: str = "en",
) -> list[Article]:
    """One article version per distinct canonical page; pages that name each other as
    `hreflang` alternates share one id (the fallback language's, else the shortest)."""
    unique: dict[str, Page] = {}
    for page in pages:
        if page.noindex:  # a search or listing page that asks not to be indexed
            continue
        if not page.body.strip() or not re.sub(r"^#.*$", "", page.body, flags=re.M).strip():
            if warn:
                warn(Skipped(page.url, "no main content"))
            continue
        unique.setdefault(page.canonical, page)
    kept = list(unique.values())
    langs = [p.lang or (detect(p.text) if detect else "") or default_lang for p in kept]
    ids = [page_id(p.canonical, base, lang) for p, lang in zip(kept, langs, strict=True)]
    # Union-find over pages that name each other (by URL or canonical) as translations.
    owner = {url: i for i, p in enumerate(kept) for url in (p.url, p.canonical)}
    parent = list(range(len(kept)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, page in enumerate(kept):
        for _, url in page.alternates:
            j = owner.get(url)
            if j is not None:
                parent[find(j)] = find(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(kept)):
        groups.setdefault(find(i), []).append(i)
    articles = []
    for members in groups.values():
        lead = min(members, key=lambda i: (langs[i] != fallback_lang, len(ids[i]), ids[i]))
        seen_langs: set[str] = set()
        for i in members:
            page, lang = kept[i], langs[i]
            # Two pages in one language are two articles, whatever their hreflang says.
            article_id = ids[lead] if lang not in seen_langs else ids[i]
            seen_langs.add(lang)
            meta: dict[str, object] = {"title": page.title, "description": page.description}
            if page.trail:
                meta["category"] = list(page.trail)
            if audience := _audience(page.trail):
                meta["audience"] = audience
            articles.append(
                Article(
                    id=article_id,
                    lang=lang,
                    title=page.title,
                    url=page.canonical,
                    body=page.body,
                    source=page.url,
                    meta=meta,
                    corpus=corpus,
                    explicit_anchors=True,
                )
            )
    return articles


def load_html_folder(
    root: Path,
    base_url: str = "",
    corpus: str = "",
    default_lang: str = "en",
    detect: Detect | None = None,
    on_warning: Warn | None = None,
) -> LoadReport:
    """Load saved `.html` pages below `root`; a page's link is `base_url` plus its path
    (its canonical URL when it names one), else the local file."""
    if not root.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {root}")
    report = LoadReport()

    def warn(item: Skipped) -> None:
        report.skipped.append(item)
        if on_warning:
            on_warning(item)

    base = base_url.rstrip("/") + "/" if base_url else root.resolve().as_uri() + "/"
    pages = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.suffix.lower() not in HTML_SUFFIXES or any(p.startswith(".") for p in rel.parts):
            continue
        try:
            text, problem = read_text(path)
        except (OSError, ValueError) as exc:
            warn(Skipped(path, str(exc)))
            continue
        if problem:
            report.warnings.append(Skipped(path, f"{problem}; read as Windows-1252"))
            if on_warning:
                on_warning(report.warnings[-1])
        url = base + rel.as_posix() if base_url else path.resolve().as_uri()
        pages.append(parse_page(text, url))
    report.articles = pages_to_articles(pages, base, corpus, default_lang, detect, warn)
    return report
