"""python -m assistant ingest | ask | remove | serve | similar | users | audit | feedback: parse, call core, print."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ..auth.commands import COMMANDS as AUTH_COMMANDS
from ..auth.commands import OneLineParser
from ..auth.commands import add_commands as add_auth_commands
from ..checks import check_k
from ..errors import AssistantError, InputError
from ..settings import Settings
from ..types import Answer

if TYPE_CHECKING:
    from ..ingest.pipeline import FileResult, Progress

log = logging.getLogger("assistant")

EXIT_BAD_INPUT = 2
EXIT_SOME_FAILED = 1


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", type=Path, help="index folder (default: index/, built from corpus/ on first use)")
    common.add_argument("--embedding-model", help="bundled model name or a folder with a sentence-transformers model")
    common.add_argument("--chroma-url", help="a shared Chroma server, http://HOST:PORT, instead of the index folder")
    common.add_argument("--llm", help="a generative model, openai:MODEL or ollama:MODEL (keys from the environment: "
                                      "OPENAI_API_KEY); without it the answers are extractive, offline")
    common.add_argument("--llm-base-url", help="the model's server: any OpenAI-compatible one (vLLM, llama.cpp, "
                                               "LM Studio), e.g. http://127.0.0.1:8080/v1, or Ollama's")
    common.add_argument("-v", "--verbose", action="store_true", help="log what happens")

    parser = argparse.ArgumentParser(prog="python -m assistant",
                                     description="Vragen over schriftelijke parlementaire vragen en antwoorden.")
    sub = parser.add_subparsers(dest="command", required=True)

    ingest = sub.add_parser("ingest", parents=[common], help="add files or folders to the index",
                            description="Add .pdf, .docx, .html, .md, .txt and .jsonl files (folders recursively). "
                                        "Unchanged documents are skipped, changed ones replaced. Exit code 1 when "
                                        "some files could not be read.")
    ingest.add_argument("paths", nargs="+", type=Path)
    ingest.add_argument("--prune", action="store_true",
                        help="also remove documents whose file (or record) under PATHS is gone")
    ingest.add_argument("-q", "--quiet", action="store_true", help="no progress and no summary; failures only")
    ingest.add_argument("--collection", default="openbaar",
                        help="the collection the documents go into (default: openbaar, seen by every signed-in "
                             "user; any other only by the users in the group of that name)")

    ask = sub.add_parser("ask", parents=[common], help="answer a question (or one per line from stdin)")
    ask.add_argument("question", nargs="?", help="the question; without it, one question per line from stdin")
    ask.add_argument("--json", action="store_true", help="print the JSON contract, one object per question")
    ask.add_argument("--k", type=int, help="passages to retrieve (default 5)")
    ask.add_argument("--agency", action="append", default=[], help="only this agency (repeatable)")
    ask.add_argument("--doc", action="append", default=[], help="only this document id (repeatable)")

    remove = sub.add_parser("remove", parents=[common], help="take documents out of the index")
    remove.add_argument("doc_ids", nargs="+")

    similar = sub.add_parser("similar", parents=[common], help="asked before? earlier answers on a question's subject",
                             description="The earlier questions and answers on the same subject as a new written "
                                         "question, one per document, best first, and a draft answer outline "
                                         "citing them [n].")
    similar.add_argument("questions", nargs="*", metavar="QUESTION",
                         help="the question's text, or a file holding it; "
                              "without it, the whole of stdin is one question")
    similar.add_argument("--json", action="store_true", help="print one JSON object per question")
    similar.add_argument("--k", type=int, help="documents to show (default 5)")
    similar.add_argument("--agency", action="append", default=[], help="only this agency or department (repeatable)")
    similar.add_argument("--since", default="", help="only documents dated on or after YYYY-MM-DD")
    similar.add_argument("--until", default="", help="only documents dated on or before YYYY-MM-DD")
    similar.add_argument("--docx", type=Path, metavar="FILE", help="also write the draft to FILE as Word")
    similar.add_argument("--markdown", type=Path, metavar="FILE", help="also write the draft to FILE as Markdown")
    similar.add_argument("--embedding-backend", choices=["torch", "onnx"],
                         help="how the model runs: torch, or onnx (int8; the index must have been built with it)")

    tune = sub.add_parser("tune-embeddings",
                          help="fine-tune the embedding model on an archive's question -> answer pairs",
                          description="Fine-tune the embedding model (the bundled one, or --embedding-model) on the "
                                      "question -> answer pairs of JSON Lines records {\"question\", \"answer\"} on "
                                      "the CPU, with in-batch negatives, into a model folder. Point --embedding-model "
                                      "(or ASSISTANT_EMBEDDING_MODEL) at it for an index of that archive.")
    tune.add_argument("records", type=Path, help="JSON Lines file of records with \"question\" and \"answer\"")
    tune.add_argument("--out", type=Path, help="model folder to write (default: models/tuned-<file name>)")
    tune.add_argument("--embedding-model", help="model to start from (default: the bundled model)")
    tune.add_argument("--epochs", type=int, default=1)
    tune.add_argument("--batch-size", type=int, default=16, help="pairs a step; the others in it are the negatives")
    tune.add_argument("--since", help="only records dated on or after this day (YYYY-MM-DD)")
    tune.add_argument("--until", help="only records dated before this day (YYYY-MM-DD)")
    tune.add_argument("--limit", type=int, help="at most this many pairs (for a quick trial)")
    tune.add_argument("-v", "--verbose", action="store_true", help="log what happens")

    serve = sub.add_parser("serve", parents=[common], help="start the chat")
    serve.add_argument("--port", type=int, default=7860)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--users", type=Path, help="the users file: sign-in required for the chat and the API "
                                                  "(default: users.json beside the code when it exists)")
    serve.add_argument("--no-auth", action="store_true",
                       help="serve without sign-in on an address other than 127.0.0.1: anyone who reaches it "
                            "reads everything (the page says so)")
    add_auth_commands(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] and argv[0] in AUTH_COMMANDS:  # a mistake in these is one line, as in their own parsers
        parser.error = OneLineParser.error.__get__(parser)  # type: ignore[method-assign]
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env(index_dir=getattr(args, "index", None),
                                     embedding_model=getattr(args, "embedding_model", None),
                                     chroma_url=getattr(args, "chroma_url", None), llm=getattr(args, "llm", None),
                                     llm_base_url=getattr(args, "llm_base_url", None),
                                     users_file=getattr(args, "users", None), audit_db=getattr(args, "audit_db", None))
        return COMMANDS[args.command](args, settings)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `ask ... | head`: the reader has seen enough
        sys.stderr.close()
        return 0


def run_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from ..core import Assistant

    from ..ingest.collection import check_collection

    check_collection(args.collection)  # before seconds of model loading
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings on damaged PDFs: we report those ourselves
    assistant = Assistant.open(settings, create=True)
    reporter = progress_reporter(sys.stderr, quiet=args.quiet)
    try:
        result = assistant.ingest(args.paths, on_file=reporter.file_done, on_progress=reporter.update,
                                  prune=args.prune, collection=args.collection)
    finally:
        reporter.close()
    if not args.quiet:
        print(f"{result.summary()}; {len(assistant.index)} chunks in the index")
    return EXIT_SOME_FAILED if result.failures else 0


def run_remove(args: argparse.Namespace, settings: Settings) -> int:
    from ..core import Assistant

    assistant = Assistant.open(settings)
    doc_ids = list(dict.fromkeys(args.doc_ids))
    missing = [doc_id for doc_id in doc_ids if assistant.index.document(doc_id) is None]
    for doc_id in missing:
        print(f"error: no document {doc_id!r} in the index", file=sys.stderr)
    removed = assistant.remove(doc_ids)
    print(f"{removed} of {len(doc_ids)} documents removed; {len(assistant.index)} chunks in the index")
    return EXIT_SOME_FAILED if missing else 0


class IngestReporter:
    """An ingest's progress on `out`: a bar on a terminal, a plain line every `interval` seconds otherwise,
    only the failures when quiet. Each failure is one line, "error: <file>: <reason>", as it happens."""

    def __init__(self, out: TextIO, bar: bool, quiet: bool = False, interval: float = 2.0) -> None:
        self.out, self.quiet, self.interval = out, quiet, interval
        self._bar: Any = None
        self._use_bar = bar and not quiet
        self._last_line = -interval
        self._last: Progress | None = None

    def file_done(self, result: FileResult) -> None:
        for error in result.errors:
            if self._bar is not None:
                self._bar.write(f"error: {error}", file=self.out)
            else:
                print(f"error: {error}", file=self.out, flush=True)

    def update(self, progress: Progress) -> None:
        self._last = progress
        if self.quiet:
            return
        if self._use_bar:
            self._draw(progress)
        elif progress.seconds - self._last_line >= self.interval:
            self._last_line = progress.seconds
            print(f"ingest: {describe_progress(progress)}", file=self.out, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        elif not self.quiet and not self._use_bar and self._last is not None \
                and self._last.seconds > self._last_line:
            print(f"ingest: {describe_progress(self._last)}", file=self.out, flush=True)

    def _draw(self, progress: Progress) -> None:
        from tqdm import tqdm

        rate = progress.chunks / progress.seconds if progress.seconds > 0 else 0.0
        postfix = f"{progress.files_done}/{progress.files} files, {progress.chunks} chunks, {rate:.0f} chunks/s"
        if self._bar is None:  # tqdm draws the bar as it is made: with the files and chunks from the start
            self._bar = tqdm(total=progress.documents, initial=progress.documents_done, unit="doc",
                             file=self.out, dynamic_ncols=True, desc="ingest", smoothing=0.1, postfix=postfix)
            return
        self._bar.total = progress.documents
        self._bar.n = progress.documents_done
        self._bar.set_postfix_str(postfix, refresh=False)
        self._bar.refresh()


def progress_reporter(out: TextIO, quiet: bool = False) -> IngestReporter:
    return IngestReporter(out, bar=out.isatty(), quiet=quiet)


def describe_progress(p: Progress) -> str:
    """"512/1939 documents (26%), 0/1 files, 3904 chunks, 12.1 documents/s, 92 chunks/s, 1m58s left"."""
    share = f" ({100 * p.documents_done / p.documents:.0f}%)" if p.documents else ""
    text = f"{p.documents_done}/{p.documents} documents{share}, {p.files_done}/{p.files} files, {p.chunks} chunks"
    if p.seconds > 0 and p.documents_done:
        rate = p.documents_done / p.seconds
        left = (p.documents - p.documents_done) / rate
        text += f", {rate:.1f} documents/s, {p.chunks / p.seconds:.0f} chunks/s, {_duration(left)} left"
    return text


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def run_ask(args: argparse.Namespace, settings: Settings) -> int:
    from ..core import Assistant

    if args.k is not None:
        check_k(args.k)
    if args.question is not None:
        from ..core import check_question

        check_question(args.question, settings.max_question_chars)  # before seconds of model loading
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
    from ..auth.access import sign_in_for

    named = args.users is not None or "ASSISTANT_USERS_FILE" in os.environ
    users, notice = sign_in_for(settings.users_file, args.host, named, args.no_auth)  # before Gradio's import
    from .chat import serve

    serve(settings, host=args.host, port=args.port, users=users, notice=notice)
    return 0


def _print_answer(answer: Answer, as_json: bool, out: TextIO) -> None:
    if as_json:
        print(json.dumps(answer.to_json(), ensure_ascii=False), file=out, flush=True)
        return
    print(answer.text, file=out)
    for notice in answer.notices:
        print(f"({notice})", file=out)
    shown = ([(c.n, c.passage) for c in answer.citations] if answer.citations
             else [(p.rank, p) for p in answer.passages])
    heading = "Bronnen:" if answer.citations else "Dichtstbijzijnde passages:"
    print(f"\n{heading}", file=out)
    for n, passage in shown:
        chunk = passage.chunk
        point = f"punt {chunk.item}" if chunk.item else ""
        where = ", ".join(x for x in (chunk.agency_short, chunk.section, point) if x)
        print(f"[{n}] {chunk.title} ({where})\n    {chunk.text}", file=out)
    print(file=out, flush=True)


def run_similar(args: argparse.Namespace, settings: Settings) -> int:
    from ..core import Assistant, check_question
    from ..similar import find_similar

    if args.k is not None:
        check_k(args.k)
    if args.embedding_backend:
        settings = settings.with_(embedding_backend=args.embedding_backend)
    questions = [_question_text(q) for q in args.questions] if args.questions else [sys.stdin.read()]
    for question in questions:
        check_question(question, settings.max_question_chars)  # before seconds of model loading
    if (args.docx or args.markdown) and len(questions) > 1:
        raise InputError("--docx and --markdown write the draft of one question: give one")
    assistant = Assistant.open(settings)
    for question in questions:
        found = find_similar(assistant, question, k=args.k, agencies=args.agency, since=args.since, until=args.until)
        if args.docx or args.markdown:
            from .draft_export import write_draft

            if args.docx:
                write_draft(found, args.docx, "docx")
            if args.markdown:
                write_draft(found, args.markdown, "markdown")
        if args.json:
            print(json.dumps(found.to_json(), ensure_ascii=False), flush=True)
        else:
            print(format_similar(found), flush=True)
    return 0


def _question_text(arg: str) -> str:
    """A QUESTION argument: the text of the file it names, or else the argument itself (a pasted question of
    thousands of characters is text, even where it cannot be a file name)."""
    try:
        is_file = "\n" not in arg and Path(arg).is_file()
    except (OSError, ValueError):  # "File name too long", a NUL byte: no file by that name
        is_file = False
    if not is_file:
        return arg
    try:
        return Path(arg).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"kan {arg} niet lezen: {exc}") from exc


def format_similar(found: Any) -> str:
    """`similar` for a reader: the documents with their best passage (matching words in **bold**), then the draft."""
    from ..similar import Similar

    assert isinstance(found, Similar)
    lines: list[str] = []
    if not found.documents:
        lines.append("Geen eerdere documenten gevonden.")
    for doc in found.documents:
        about = ", ".join(x for x in (doc.date, doc.agency) if x)
        lines.append(f"{doc.rank}. {doc.title or doc.doc_id} [{doc.doc_id}]" + (f" ({about})" if about else "")
                     + f"  score {doc.score:.2f}")
        lines.append(f"   {_marked(doc.passage.chunk.text, doc.highlights)}")
    lines.append("")
    lines.append("Ontwerp van antwoord:")
    lines.append(found.draft_text)
    if found.sources:
        lines.append("")
        lines.append("Bronnen:")
        from .draft_export import source_line

        for p in found.sources:
            lines.append(f"[{p.rank}] {source_line(p)}\n    {p.chunk.text}")
    return "\n".join(lines) + "\n"


def _marked(text: str, spans: Sequence[tuple[int, int]]) -> str:
    out, last = [], 0
    for start, end in spans:
        out.append(text[last:start] + "**" + text[start:end] + "**")
        last = end
    return "".join(out) + text[last:]


def run_tune(args: argparse.Namespace, settings: Settings) -> int:
    from ..search.tune import tune_embeddings

    out = args.out or Path("models") / f"tuned-{args.records.stem}"
    report = tune_embeddings(args.records, out, base=args.embedding_model or settings.embedding_model,
                             epochs=args.epochs, batch_size=args.batch_size, since=args.since, until=args.until,
                             limit=args.limit, on_progress=lambda line: print(line, file=sys.stderr, flush=True))
    print(report.summary())
    return 0


COMMANDS = {"ingest": run_ingest, "ask": run_ask, "remove": run_remove, "serve": run_serve,
            "similar": run_similar, "tune-embeddings": run_tune, **AUTH_COMMANDS}
