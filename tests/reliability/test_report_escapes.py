"""`assistant report` shows what readers typed without letting it act on the admin's terminal:
escape sequences, bells, line breaks and bidi overrides come out as visible escapes."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest

from assistant import Answer
from tests.reliability.conftest import CLI, cli_env, write_config
from ui._log import QuestionLog

HOSTILE = "\x1b]0;TITLE\x07\x1b[2J\x1b[31mreset\x9b1m\rmy\npassword\u202eevil?"


@pytest.mark.integration
def test_report_escapes_control_characters(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    log = QuestionLog(f"sqlite:///{tmp_path / 'questions.db'}")
    answer = Answer(uuid.uuid4().hex, HOSTILE, "", [], "en", confident=False)
    log.record(answer, "api")
    log.close()

    done = subprocess.run(
        [*CLI, "--config", str(config), "report"],
        cwd=tmp_path,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    _header, row = done.stdout.splitlines()
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c == "\u202e" for c in row)
    assert row.endswith(r"\x1b]0;TITLE\x07\x1b[2J\x1b[31mreset\x9b1m\rmy\npassword\u202eevil?"), row
