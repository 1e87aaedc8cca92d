"""Walk a help-center folder and turn its files into `Article`s."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import frontmatter
import yaml
from lingua import Language

from corpus._html import language_code
from corpus._links import article_urls, missing_links
from corpus._markup import MarkupRenderer, include_path, plain_text
from corpus._model import Article, LoadReport, Skipped

SUFFIXES = (".md", ".mdx")
DEFAULT_URL_TEMPLATE = "https://docs.superoffice.com/{lang}/{id}"
KEPT_META = (
    "title",
    "description",
    "keywords",
    "audience",
    "uid",
    "redirect_from",
    "content_type",
    "topic",
    "category",
    "language",
)
_SNIPPET_DIRS = {"includes", "snippets", "_snippets", "node_modules"}
_LANG_DIR = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?$")
#: The codes a language folder is named by (ISO 639-1, `no` too): `faq/` or `api/` is no language.
_LANGUAGES = frozenset({lg.iso_code_639_1.name.lower() for lg in Language.all()} | {"no"})
_H1 = re.compile(r"^#\s+(.+?)\s*(?:\{#[^}]*\})?\s*$", re.M)
_IMPORT_TARGET = re.compile(r"""^\s*import\s+\w+\s+from\s+["']([^"']+)["']""", re.M)
_INCLUDE_TARGET = re.compile(r"\[!include\s*\[[^\]]*\]\(\s*<?([^)>\s]+)>?\s*\)\]", re.I)
_FRONT = re.compile(r"\A---\s*\n.*?\n---\s*(?:\n|\Z)", re.S)

Warn = Callable[[Skipped], None]


def read_text(path: Path) -> tuple[str, str | None]:
    """Read a text file; return its text and, when it was not clean UTF-8, why."""
    data = path.read_bytes()
    if b"\x00" in data:
        raise ValueError("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return data.decode("cp1252", errors="replace"), f"invalid UTF-8 at byte {exc.start}"


def _read_body(path: Path) -> str:
    text, _ = read_text(path)
    try:
        return frontmatter.loads(text).content
    except (yaml.YAMLError, ValueError, TypeError):
        return _FRONT.sub("", text)


def _plain(value: Any) -> Any:
    """Make a front matter value JSON-friendly (dates become ISO strings)."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _meta(raw: dict[str, Any]) -> dict[str, Any]:
    """Keep the useful front matter keys; DocFX `so.`-prefixed keys count as their plain names."""
    merged: dict[str, Any] = {}
    for key, value in raw.items():
        name = str(key)
        plain = name[3:] if name.startswith("so.") else name
        if plain == "language" and isinstance(value, bool):
            value = "no" if value is False else "yes"  # YAML 1.1 reads `language: no` as false
        if plain in ("title", "description") and isinstance(value, str):
            value = plain_text(value)  # both are shown to readers beside the answer
        if plain in KEPT_META and (plain not in merged or name == plain):
            merged[plain] = _plain(value)
    return merged


def article_url(template: str, lang: str, article_id: str) -> str:
    """The published URL of an article: `index` pages map to their folder."""
    path = re.sub(r"(?:^|/)index$", "", article_id)
    return template.format(lang=lang, id=path)


def _candidates(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).parts
        if (
            path.suffix.lower() in SUFFIXES
            and path.is_file()
            and not any(p.startswith(".") for p in rel)
        ):
            yield path


def _in_snippet_dir(root: Path, path: Path) -> bool:
    return any(p in _SNIPPET_DIRS for p in path.relative_to(root).parts[:-1])


def _include_graph(root: Path, paths: list[Path]) -> dict[Path, set[Path]]:
    """What each file (by real path) imports or includes, inside the corpus or not."""
    graph: dict[Path, set[Path]] = {}
    for path in paths:
        try:
            text = path.read_text("utf-8", errors="replace")
        except OSError:
            continue
        targets = graph.setdefault(path.resolve(), set())
        for target in (*_IMPORT_TARGET.findall(text), *_INCLUDE_TARGET.findall(text)):
            try:
                targets.add(include_path(root, path, target))
            except (OSError, RuntimeError, ValueError):
                continue
    return graph


def _included_files(graph: dict[Path, set[Path]]) -> set[Path]:
    """Every file that another file imports or includes: snippets, never articles. A file
    that includes only itself is still an article (its render reports the cycle)."""
    return {target for path, targets in graph.items() for target in targets if target != path}


def _cycle(graph: dict[Path, set[Path]], start: Path) -> list[Path]:
    """A shortest include path from `start` back to itself through other files, or []."""
    paths = [[start, t] for t in graph.get(start, ()) if t != start]
    seen = {start}
    while paths:
        trail = paths.pop(0)
        if trail[-1] == start:
            return trail
        if trail[-1] in seen:
            continue
        seen.add(trail[-1])
        paths.extend([*trail, t] for t in graph.get(trail[-1], ()))
    return []


def _inside(root: Path, paths: Iterator[Path], warn: Callable[..., None]) -> list[Path]:
    """The candidates whose real path is inside `root`; a link out of it is never read."""
    real_root = root.resolve()
    kept = []
    for path in paths:
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError) as exc:
            reason = f"cannot be resolved ({type(exc).__name__}); not read"
            warn(Skipped(path, reason), skipped=True)
            continue
        if real.is_relative_to(real_root):
            kept.append(path)
        else:
            warn(Skipped(path, "links to a file outside the corpus; not read"), skipped=True)
    return kept


def load_corpus(
    root: Path,
    url_template: str = DEFAULT_URL_TEMPLATE,
    default_lang: str | None = None,
    on_warning: Warn | None = None,
) -> LoadReport:
    """Load every article below `root`; bad files are skipped or degraded, never fatal. An
    article outside a language folder is in `default_lang`, English with a warning if none."""
    report = LoadReport()

    def warn(item: Skipped, *, skipped: bool) -> None:
        (report.skipped if skipped else report.warnings).append(item)
        if on_warning:
            on_warning(item)

    if not root.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {root}")
    paths = _inside(root, _candidates(root), warn)
    graph = _include_graph(root, paths)
    included = _included_files(graph)
    renderer = MarkupRenderer(root, _read_body)
    for path in paths:
        if _in_snippet_dir(root, path):
            continue
        if path.resolve() in included:
            # Outside a snippet folder, a file included only within its own cycle would have
            # been an article: say why it is not one.
            cycle = _cycle(graph, path.resolve())
            if cycle:
                trail = " -> ".join(p.name for p in cycle)
                warn(Skipped(path, f"include cycle ({trail}); not indexed"), skipped=True)
            continue
        try:
            article = _load_article(root, path, renderer, url_template, default_lang or "en", warn)
        except (OSError, ValueError) as exc:
            warn(Skipped(path, str(exc)), skipped=True)
            continue
        except Exception as exc:  # one odd file must never stop an ingest of thousands
            warn(Skipped(path, f"could not be read ({type(exc).__name__}: {exc})"), skipped=True)
            continue
        if article is not None:
            report.articles.append(article)
    report.articles = _one_per_language(root, report.articles, warn)
    urls = article_urls(report.articles)
    broken = [(a, found) for a in report.articles if (found := missing_links(a, urls))]
    if broken:
        first, found = broken[0]
        more = f" and {len(broken) - 1} other file(s)" if len(broken) > 1 else ""
        reason = (
            f"{sum(len(f) for _, f in broken)} link(s) in {len(broken)} file(s) name articles "
            f"not in the corpus and are kept as text: {first.source} ({', '.join(found[:3])})"
            f"{more}"
        )
        warn(Skipped(root, reason), skipped=False)
    defaulted = sum(
        not _lang_folder(root, Path(a.source)) and not a.meta.get("language")
        for a in report.articles
    )
    if defaulted and default_lang is None:
        reason = (
            f"{defaulted} article(s) outside a language folder (en/, sv/, pt-BR/, ...) and "
            f"without `language:` in front matter are labelled 'en': if that is wrong, set "
            "default_language for this corpus in config.yaml"
        )
        warn(Skipped(root, reason), skipped=False)
    return report


def _lang_folder(root: Path, path: Path) -> str:
    """The language folder `path` is in, as written (`en`, `pt-BR`), or ""."""
    parts = path.relative_to(root).parts
    name = parts[0] if len(parts) > 1 else ""
    return name if _LANG_DIR.match(name) and language_code(name) in _LANGUAGES else ""


def _one_per_language(
    root: Path, articles: list[Article], warn: Callable[..., None]
) -> list[Article]:
    """One article per (language, id): two folders of one language (`en` and `en-US`) holding
    the same id keep the one in the folder named by the bare code, else the first by name."""
    kept: dict[tuple[str, str], Article] = {}
    for article in sorted(
        articles, key=lambda a: (_lang_folder(root, Path(a.source)) != a.lang, str(a.source))
    ):
        other = kept.setdefault((article.lang, article.id), article)
        if other is not article:
            reason = (
                f"same article as {other.source} (both language '{article.lang}', id "
                f"'{article.id}'); not indexed"
            )
            warn(Skipped(article.source, reason), skipped=True)
    return [a for a in articles if kept[(a.lang, a.id)] is a]


def _load_article(
    root: Path,
    path: Path,
    renderer: MarkupRenderer,
    url_template: str,
    default_lang: str,
    warn: Callable[..., None],
) -> Article | None:
    text, encoding_problem = read_text(path)
    if encoding_problem:
        warn(Skipped(path, f"{encoding_problem}; read as Windows-1252"), skipped=False)
    try:
        post = frontmatter.loads(text)
        raw_meta = post.metadata if isinstance(post.metadata, dict) else {}
        body = post.content
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        warn(Skipped(path, f"broken front matter ({reason}); body kept"), skipped=False)
        raw_meta, body = {}, _FRONT.sub("", text)
    meta = _meta(raw_meta)
    rendered = renderer.render(path, body)
    if rendered.problems:  # one line per file, however many of its includes failed
        warn(Skipped(path, "; ".join(dict.fromkeys(rendered.problems))), skipped=False)
    if not rendered.text.strip() or not re.sub(r"^#.*$", "", rendered.text, flags=re.M).strip():
        warn(Skipped(path, "no body"), skipped=True)
        return None
    parts = path.relative_to(root).with_suffix("").parts
    folder = _lang_folder(root, path)
    # Language-wise an article is its base code (`en-US` is `en`: the stemmer, stop words and
    # detection know `en`), but its URL keeps the folder as the site publishes it.
    written = str(meta.get("language") or folder or default_lang)
    lang = language_code(written)
    article_id = "/".join(parts[1:] if folder else parts)
    h1 = _H1.search(rendered.text)
    title = h1.group(1) if h1 else str(meta.get("title") or path.stem)
    return Article(
        id=article_id,
        lang=lang,
        title=title,
        url=article_url(url_template, folder or written, article_id),
        body=rendered.text,
        source=path,
        meta=meta,
        links=tuple(rendered.links),
    )
