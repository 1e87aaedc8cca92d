"""The `assistant` command: thin subcommands, clear errors, JSON output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main
from tests.conftest import DATA

CONFIG = """
corpora:
  - path: {corpus}
    url_template: "https://docs.example.com/{{lang}}/{{id}}"
embedder:
  backend: fake
  model: hashing
retrieval:
  min_score: 0.0
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG.format(corpus=DATA / "mdx"), "utf-8")
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_help_explains_every_command() -> None:
    code, out, _ = run("--help")
    assert code == 0
    for command in ("ingest", "ask", "eval"):
        assert command in out
    code, out, _ = run("ingest", "--help")
    assert "Only" in out and "changed sections are re-embedded" in out


def test_ingest_prints_a_summary(config: Path) -> None:
    code, out, _ = run("--config", str(config), "ingest", "--quiet", str(DATA / "docfx"))
    assert code == 0, out
    assert "Indexed 2 articles, 2 chunks in 2 languages" in out
    assert "(en 1, sv 1)" in out
    assert "1 warnings" in out  # one line for the one file whose includes failed
    code, out, _ = run("--config", str(config), "ingest", "--quiet", str(DATA / "docfx"))
    assert "already up to date" in out


def test_ingest_warns_about_bad_files(tmp_path: Path, config: Path) -> None:
    (tmp_path / "docs" / "en").mkdir(parents=True)
    (tmp_path / "docs" / "en" / "ok.md").write_text("# OK\n\nText.\n", "utf-8")
    (tmp_path / "docs" / "en" / "bad.md").write_bytes(b"\x00\x01")
    code, out, err = run("--config", str(config), "ingest", "--quiet", str(tmp_path / "docs"))
    assert code == 0
    assert "bad.md: binary file" in err
    assert "Skipped 1 files" in out


def test_ask_builds_the_index_first_and_prints_json(config: Path) -> None:
    code, out, _ = run("--config", str(config), "ask", "--json", "descale the grinder monthly")
    assert code == 0
    data = json.loads(out[out.index("{") :])
    assert set(data) == {"answer", "citations", "language", "confident", "notice"}
    assert set(data["citations"][0]) == {"n", "url", "title", "breadcrumb", "lang", "score"}
    assert data["citations"][0]["url"].startswith("https://docs.example.com/en/guide/setup#")


def test_eval_prints_a_table_and_json(tmp_path: Path, config: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"id": "1", "lang": "en", "question": "descale grinder monthly", '
        '"gold": ["guide/setup"]}\n'
        '{"id": "2", "lang": "sv", "question": "installera kaffemaskinen", '
        '"gold": ["guide/setup"]}\n',
        "utf-8",
    )
    code, out, _ = run("--config", str(config), "eval", str(questions))
    assert code == 0
    assert "success@1" in out and "section@1" in out and "overall" in out
    code, out, _ = run("--config", str(config), "eval", "--json", "--mode", "bm25", str(questions))
    data = json.loads(out[out.index("{") :])
    assert data["overall"]["success@5"] == data["overall"]["recall@5"] == 1.0
    assert set(data["by_language"]) == {"en", "sv"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("embedder: [1, 2\n", "not valid YAML"),
        ("retrieval:\n  top_k: zero\n", "retrieval.top_k"),
        ("embedder:\n  backend: word2vec\n", "embedder.backend"),
        ("corpora:\n  - path: x\n    url_template: '{lang}/{page}'\n", "url_template"),
        ("colour: blue\n", "colour"),
    ],
)
def test_bad_config_is_one_clear_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, "utf-8")
    result = CliRunner().invoke(main, ["--config", str(path), "ask", "hello"])
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_model_mismatch_says_to_reingest(tmp_path: Path, config: Path) -> None:
    run("--config", str(config), "ingest", "--quiet")
    other = tmp_path / "other.yaml"
    other.write_text(config.read_text().replace("model: hashing", "model: other"), "utf-8")
    result = CliRunner().invoke(main, ["--config", str(other), "ask", "grinder"])
    assert result.exit_code == 1
    assert "run `assistant ingest`" in result.stderr


def test_bad_eval_file_names_the_line(tmp_path: Path, config: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"question": "ok", "gold": []}\nnot json\n', "utf-8")
    result = CliRunner().invoke(main, ["--config", str(config), "eval", str(questions)])
    assert result.exit_code == 1
    assert "q.jsonl:2" in result.stderr


def test_console_script_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Multilingual help-center assistant" in done.stdout


def test_lang_is_read_as_the_api_reads_it(config: Path) -> None:
    run("--config", str(config), "ingest", "--quiet")
    for tag, code in [("nb", "no"), ("nn", "no"), ("no-NO", "no"), ("sv-SE", "sv"), ("EN", "en")]:
        status, out, _ = run("--config", str(config), "ask", "--json", "--lang", tag, "grinder")
        assert status == 0
        assert json.loads(out)["language"] == code, tag


@pytest.mark.parametrize("tag", ["../x", "xx", "zz-ZZ"])
def test_a_malformed_or_unknown_lang_is_a_one_line_error(config: Path, tag: str) -> None:
    result = CliRunner().invoke(main, ["--config", str(config), "ask", "--lang", tag, "q"])
    assert result.exit_code == 2
    assert f"{tag!r} is not a language tag we know, such as sv, sv-SE or nb" in result.output


def test_without_a_settings_file_it_says_so(
    tmp_path: Path, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ASSISTANT_CONFIG", raising=False)
    monkeypatch.chdir(config.parent)
    assert "No config.yaml here" not in CliRunner().invoke(main, ["report"]).stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    result = CliRunner().invoke(main, ["report"])
    assert result.exit_code == 0
    assert "No config.yaml here: using the defaults" in result.stderr
