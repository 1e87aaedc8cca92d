"""`assistant serve` and `assistant report`: thin commands with clear errors."""

from __future__ import annotations

import uuid
from pathlib import Path

from click.testing import CliRunner

from assistant import Answer
from assistant.cli import main
from ui import QuestionLog


def write_config(tmp_path: Path, extra: str = "") -> Path:
    config = tmp_path / "config.yaml"
    config.write_text(f"database_url: sqlite:///questions.db\n{extra}", "utf-8")
    return config


def test_report_lists_unanswered_questions(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    log = QuestionLog(f"sqlite:///{tmp_path / 'questions.db'}")
    log.record(Answer(uuid.uuid4().hex, "Where is the fax?", "-", [], "en", False), "page")
    log.close()
    result = CliRunner().invoke(main, ["--config", str(config), "report", "--limit", "5"])
    assert result.exit_code == 0, result.output
    row = result.output.splitlines()[1]
    assert row.split()[:5] == ["1", "1", "0", "0", "en"]
    assert row.endswith("Where is the fax?")


def test_report_on_an_empty_log(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--config", str(write_config(tmp_path)), "report"])
    assert result.exit_code == 0
    assert "No unanswered, down-voted or unfinished questions yet." in result.output


def test_serve_refuses_a_bad_origin_without_a_traceback(tmp_path: Path) -> None:
    config = write_config(tmp_path, "server:\n  allowed_origins: ['intranet.example.com']\n")
    result = CliRunner().invoke(main, ["--config", str(config), "serve", "--port", "7999"])
    assert result.exit_code == 1
    assert "server.allowed_origins: 'intranet.example.com' is not an origin" in result.output
    assert "Traceback" not in result.output


def test_serve_help_lists_the_pages() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    for path in ("/admin", "/widget.js", "/api/ask", "/healthz", "--port"):
        assert path in result.output
