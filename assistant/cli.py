"""python -m assistant ingest | ask | remove | serve: parse, call core, print."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .errors import AssistantError
from .settings import Settings
from .types import Answer

log = logging.getLogger("assistant")

EXIT_BAD_INPUT = 2
EXIT_SOME_FAILED = 1


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", type=Path, help="index folder (default: index/, built from corpus/ on first use)")
    common.add_argument("--embedding-model", help="bundled model name or a folder with a sentence-transformers model")
    common.add_argument("-v", "--verbose", action="store_true", help="log what happens")

    parser = argparse.ArgumentParser(prog="python -m assistant",
                                     description="Vragen over schriftelijke parlementaire vragen en antwoorden.")
    sub = parser.add_subparsers(dest="command", required=True)

    ingest = sub.add_parser("ingest", parents=[common], help="add files or folders to the index")
    ingest.add_argument("paths", nargs="+", type=Path)

    ask = sub.add_parser("ask", parents=[common], help="answer a question (or one per line from stdin)")
    ask.add_argument("question", nargs="?", help="the question; without it, one question per line from stdin")
    ask.add_argument("--json", action="store_true", help="print the JSON contract, one object per question")
    ask.add_argument("--k", type=int, help="passages to retrieve (default 5)")
    ask.add_argument("--agency", action="append", default=[], help="only this agency (repeatable)")
    ask.add_argument("--doc", action="append", default=[], help="only this document id (repeatable)")

    remove = sub.add_parser("remove", parents=[common], help="take documents out of the index")
    remove.add_argument("doc_ids", nargs="+")

    serve = sub.add_parser("serve", parents=[common], help="start the chat")
    serve.add_argument("--port", type=int, default=7860)
    serve.add_argument("--host", default="127.0.0.1")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env(index_dir=args.index, embedding_model=args.embedding_model)
        return COMMANDS[args.command](args, settings)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130


def run_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from .core import Assistant

    assistant = Assistant.open(settings, create=True)
    result = assistant.ingest(args.paths)
    for failure in result.failures:
        print(f"error: {failure.reason}", file=sys.stderr)
    r = result.report
    print(f"{result.files} files: {r.added} added, {r.updated} updated, {r.unchanged} unchanged, "
          f"{len(result.failures)} failed; {r.chunks} chunks written, {len(assistant.index)} in the index")
    return EXIT_SOME_FAILED if result.failures else 0


def run_remove(args: argparse.Namespace, settings: Settings) -> int:
    from .core import Assistant

    assistant = Assistant.open(settings)
    removed = assistant.remove(args.doc_ids)
    print(f"{removed} of {len(args.doc_ids)} documents removed")
    return 0 if removed == len(args.doc_ids) else EXIT_SOME_FAILED


def run_ask(args: argparse.Namespace, settings: Settings) -> int:
    from .core import Assistant

    if args.question is not None:
        from .core import check_question

        check_question(args.question, settings.max_question_chars)  # before minutes of model loading
    assistant = Assistant.open(settings)
    if args.question is not None:
        answer = assistant.ask(args.question, k=args.k, agencies=args.agency, doc_ids=args.doc)
        _print_answer(answer, args.json, sys.stdout)
        return 0
    failed = 0
    for line in sys.stdin:
        question = line.rstrip("\n")
        try:
            answer = assistant.ask(question, k=args.k, agencies=args.agency, doc_ids=args.doc)
        except AssistantError as exc:
            failed += 1
            if args.json:
                print(json.dumps({"question": question, "error": str(exc)}, ensure_ascii=False), flush=True)
            else:
                print(f"error: {exc}", file=sys.stderr, flush=True)
            continue
        _print_answer(answer, args.json, sys.stdout)
    return EXIT_BAD_INPUT if failed else 0


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    from .ui import serve

    serve(settings, host=args.host, port=args.port)
    return 0


def _print_answer(answer: Answer, as_json: bool, out: TextIO) -> None:
    if as_json:
        print(json.dumps(answer.to_json(), ensure_ascii=False), file=out, flush=True)
        return
    print(answer.text, file=out)
    for notice in answer.notices:
        print(f"({notice})", file=out)
    shown = answer.citations or tuple(answer.passages)
    heading = "Bronnen:" if answer.citations else "Dichtstbijzijnde passages:"
    print(f"\n{heading}", file=out)
    for item in shown:
        passage = getattr(item, "passage", item)
        n = getattr(item, "n", passage.rank)
        chunk = passage.chunk
        where = ", ".join(x for x in (chunk.agency_short, chunk.section, f"punt {chunk.item}" if chunk.item else "") if x)
        print(f"[{n}] {chunk.title} ({where})\n    {chunk.text}", file=out)
    print(file=out, flush=True)


COMMANDS = {"ingest": run_ingest, "ask": run_ask, "remove": run_remove, "serve": run_serve}
