"""The ingest pipeline: bad input reported file by file, re-ingesting (unchanged, changed, removed, pruned),
left-overs of a cut-off ingest, progress, and the CLI's lines and exit code.

The fake embedder (conftest) stands in for the model, except in the one CLI test, which runs the real
command as a user would.
"""
from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from test_formats import encrypt_pdf, make_pdf

from assistant.apps import cli
from assistant.core import Assistant
from assistant.ingest.pipeline import FileResult, Progress
from assistant.search.index import document_hash
from assistant.settings import Settings
from assistant.types import Document

QUESTION = """---
id: {id}
title: {title}
agency: Kind en Gezin
---
## Vraag

Hoe meet het agentschap de {topic}?

## Antwoord

1. Het agentschap meet de {topic} met een jaarlijkse bevraging van gezinnen.

2. De resultaten worden besproken met de raad van bestuur.
"""


def question(doc_id: str, topic: str = "klanttevredenheid") -> str:
    return QUESTION.format(id=doc_id, title=f"Vraag over {topic}", topic=topic)


def record(doc_id: str, answer: str) -> str:
    return json.dumps({"id": doc_id, "title": f"Titel {doc_id}", "question": f"Vraag {doc_id}?",
                       "answer": answer, "department": "Mobiliteit", "date": "2017-01-04"})


def build(tmp_path: Path, embedder: object, name: str = "index") -> Assistant:
    settings = Settings(index_dir=tmp_path / name, default_index=False)
    return Assistant.open(settings, embedder=embedder, create=True)  # type: ignore[arg-type]


def chunk_ids(assistant: Assistant) -> list[str]:
    return sorted(c.id for c in assistant.index.chunks)


def stored_chunk_ids(assistant: Assistant) -> list[str]:
    """Every chunk id in Chroma, left-overs included: what the index holds, not what it shows."""
    return sorted(assistant.index.store.chunk_collection.get(include=[])["ids"])


# -- bad input ------------------------------------------------------------------------------------


@pytest.fixture
def mixed_folder(tmp_path: Path) -> Path:
    """Two good files (one of them JSON Lines with a bad line), and every kind of bad file."""
    folder = tmp_path / "archief"
    folder.mkdir()
    (folder / "goed.md").write_text(question("goed"), encoding="utf-8")
    (folder / "records.jsonl").write_text(
        "\n".join([record("r1", "Antwoord een."), '{"id": "r2", "question": "kapot', record("r3", "Antwoord drie.")])
        + "\n", encoding="utf-8")
    (folder / "kapot.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog")
    (folder / "geheim.pdf").write_bytes(encrypt_pdf(make_pdf([["Geheime tekst van het kabinet."]]), "geheim"))
    (folder / "leeg.txt").write_bytes(b"")
    (folder / "programma.txt").write_bytes(b"MZ\x90\x00\x03" + bytes(range(256)) * 8)
    with (folder / "groot.txt").open("wb") as f:  # 50 MB of real text
        f.write(b"Een lange zin over de begroting van het agentschap. " * 961_539)
    (folder / "weg.txt").symlink_to(folder / "bestaat-niet.txt")  # a file that cannot be read
    (folder / "kapot.docx").write_bytes(b"PK\x03\x04 geen echt Word-document")
    return folder


def expected_failures(folder: Path) -> list[str]:
    return [
        f"{folder / 'geheim.pdf'}: encrypted PDF that needs a password; save a copy without one",
        f"{folder / 'groot.txt'}: 50.0 MB, over the limit of 32 MB (ASSISTANT_MAX_FILE_MB); split the file or "
        "raise the limit",
        f"{folder / 'kapot.docx'}: not a readable Word document (not a .docx package; an old .doc? save it as "
        ".docx)",
        f"{folder / 'kapot.pdf'}: not a readable PDF (PdfStreamError: Stream has ended unexpectedly)",
        f"{folder / 'leeg.txt'}: empty file",
        f"{folder / 'programma.txt'}: binary content, not text",
        f"{folder / 'records.jsonl'}:2: not valid JSON (Unterminated string starting at column 26)",
        f"{folder / 'weg.txt'}: cannot be read (No such file or directory)",
    ]


def test_every_bad_file_is_one_failure_naming_it_and_the_good_ones_are_ingested(
        tmp_path: Path, mixed_folder: Path, fake_embedder: object) -> None:
    assistant = build(tmp_path, fake_embedder)
    heard: list[FileResult] = []
    result = assistant.ingest([mixed_folder], on_file=heard.append)
    assert [f.reason for f in result.failures] == expected_failures(mixed_folder)
    assert (result.report.added, result.report.updated, result.report.unchanged) == (3, 0, 0)
    assert assistant.index.document_ids() == ["goed", "r1", "r3"]
    # Files are heard of as they are done (a failed one at once, a good one once its batch is stored);
    # the result lists them in reading order.
    assert [(r.path.name, r.added, r.failed) for r in result.results] == [
        ("geheim.pdf", 0, True), ("goed.md", 1, False), ("groot.txt", 0, True), ("kapot.docx", 0, True),
        ("kapot.pdf", 0, True), ("leeg.txt", 0, True), ("programma.txt", 0, True), ("records.jsonl", 2, True),
        ("weg.txt", 0, True)]
    assert sorted(heard, key=lambda r: r.path) == list(result.results)
    assert [r.path.name for r in heard][-2:] == ["goed.md", "records.jsonl"]
    assert result.summary().startswith("9 files: 3 documents added, 0 updated, 0 unchanged, 8 failed; "
                                       f"{result.report.chunks} chunks written in ")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its permissions")
def test_a_file_without_read_permission_is_a_failure(tmp_path: Path, fake_embedder: object) -> None:
    path = tmp_path / "dicht.txt"
    path.write_text("Geheim.", encoding="utf-8")
    path.chmod(0)
    result = build(tmp_path, fake_embedder).ingest([path])
    assert [f.reason for f in result.failures] == [f"{path}: cannot be read (Permission denied)"]


def test_a_document_id_read_twice_is_ingested_once_and_the_second_is_a_failure(
        tmp_path: Path, fake_embedder: object) -> None:
    (tmp_path / "a.md").write_text(question("dubbel"), encoding="utf-8")
    (tmp_path / "b.md").write_text(question("dubbel", "wachttijd"), encoding="utf-8")
    assistant = build(tmp_path, fake_embedder)
    result = assistant.ingest([tmp_path / "a.md", tmp_path / "b.md"])
    assert [f.reason for f in result.failures] == [
        f"{tmp_path / 'b.md'}: document id 'dubbel' also in {tmp_path / 'a.md'}; skipped"]
    assert "klanttevredenheid" in assistant.index.document("dubbel").text  # type: ignore[union-attr]


def test_a_document_id_is_its_path_below_the_folder(tmp_path: Path, fake_embedder: object) -> None:
    folder = tmp_path / "archief"
    (folder / "2017").mkdir(parents=True)
    (folder / "2017" / "vraag-12.txt").write_text("Een vraag over de begroting.", encoding="utf-8")
    (folder / "vraag-12.txt").write_text("Een andere vraag over wegen.", encoding="utf-8")
    assistant = build(tmp_path, fake_embedder)
    assistant.ingest([folder])
    assistant.ingest([folder / "2017" / "vraag-12.txt"])  # named directly: its name
    assert assistant.index.document_ids() == ["2017/vraag-12", "vraag-12"]
    assert assistant.index.document("vraag-12").text == "Een vraag over de begroting."  # type: ignore[union-attr]


# -- re-ingesting ---------------------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for doc_id, topic in [("kg", "klanttevredenheid"), ("vdab", "opleidingen"), ("wse", "wachttijd")]:
        (folder / f"{doc_id}.md").write_text(question(doc_id, topic), encoding="utf-8")
    (folder / "records.jsonl").write_text("\n".join(record(f"r{i}", f"Antwoord {i}.") for i in range(3)) + "\n",
                                          encoding="utf-8")
    return folder


def test_re_ingesting_unchanged_files_writes_and_embeds_nothing(
        tmp_path: Path, folder: Path, fake_embedder: object) -> None:
    assistant = build(tmp_path, fake_embedder)
    first = assistant.ingest([folder])
    before, calls = chunk_ids(assistant), len(fake_embedder.calls)  # type: ignore[attr-defined]
    second = assistant.ingest([folder])
    assert (first.report.added, first.report.unchanged) == (6, 0)
    assert (second.report.added, second.report.updated, second.report.unchanged, second.report.chunks) == (0, 0, 6, 0)
    assert len(fake_embedder.calls) == calls  # type: ignore[attr-defined]
    assert chunk_ids(assistant) == before == stored_chunk_ids(assistant)


def test_a_changed_file_replaces_its_chunks_and_leaves_no_stale_one(
        tmp_path: Path, folder: Path, fake_embedder: object) -> None:
    assistant = build(tmp_path, fake_embedder)
    assistant.ingest([folder])
    old = {c.id for c in assistant.index.chunks if c.doc_id == "kg"}
    (folder / "kg.md").write_text(question("kg", "wachttijd in de kinderopvang"), encoding="utf-8")
    lines = (folder / "records.jsonl").read_text(encoding="utf-8").splitlines()
    lines[1] = record("r1", "Een nieuw antwoord.")
    (folder / "records.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = assistant.ingest([folder])
    clean = build(tmp_path, fake_embedder, "clean")
    clean.ingest([folder])
    assert (result.report.added, result.report.updated, result.report.unchanged) == (0, 2, 4)
    assert chunk_ids(assistant) == chunk_ids(clean) == stored_chunk_ids(assistant)
    assert not old & set(chunk_ids(assistant))
    assert "kinderopvang" in assistant.index.document("kg").text  # type: ignore[union-attr]
    assert assistant.index.document("r1").text == "Vraag r1?\n\nEen nieuw antwoord."  # type: ignore[union-attr]


def test_a_changed_answer_embeds_only_its_changed_chunks(tmp_path: Path, fake_embedder: object) -> None:
    """The chunks a change leaves as they were keep their vectors (not embedded or written again); the others
    are replaced. A changed title changes what every chunk embeds, so then every chunk is embedded again."""
    paragraphs = [f"Alinea {n} over de wachttijd in de kinderopvang in regio {n}. " * 4 for n in range(6)]
    data = tmp_path / "data" / "vragen.jsonl"
    data.parent.mkdir()

    def write(answer: str, title: str = "Titel lang") -> None:
        row = json.loads(record("lang", answer))
        data.write_text(json.dumps({**row, "title": title}) + "\n", encoding="utf-8")

    write("\n\n".join(paragraphs))
    assistant = build(tmp_path, fake_embedder)
    assistant.ingest([data.parent])
    before = set(chunk_ids(assistant))
    write("\n\n".join(paragraphs[:-1] + ["Het laatste antwoord is herschreven. " * 5]))
    calls = len(fake_embedder.calls)  # type: ignore[attr-defined]
    assistant.ingest([data.parent])
    after = set(chunk_ids(assistant))
    embedded = sum(fake_embedder.calls[calls:])  # type: ignore[attr-defined]
    clean = build(tmp_path, fake_embedder, "clean")
    clean.ingest([data.parent])
    assert len(before) >= 4 and 1 <= len(after - before) == embedded < len(after)
    assert sorted(after) == chunk_ids(clean) == stored_chunk_ids(assistant)
    assert stored_vectors(assistant) == stored_vectors(clean)
    write("\n\n".join(paragraphs), title="Een andere titel")
    calls = len(fake_embedder.calls)  # type: ignore[attr-defined]
    assistant.ingest([data.parent])
    assert sum(fake_embedder.calls[calls:]) == len(chunk_ids(assistant))  # type: ignore[attr-defined]
    assert {c.title for c in assistant.index.chunks} == {"Een andere titel"}


def stored_vectors(assistant: Assistant) -> dict[str, list[float]]:
    got = assistant.index.store.chunk_collection.get(include=["embeddings"])
    return {i: [float(x) for x in v] for i, v in zip(got["ids"], got["embeddings"])}


def test_remove_takes_a_document_and_all_its_chunks_out(tmp_path: Path, folder: Path, fake_embedder: object) -> None:
    assistant = build(tmp_path, fake_embedder)
    assistant.ingest([folder])
    assert assistant.remove(["kg", "geen-document"]) == 1
    assert "kg" not in assistant.index.document_ids()
    assert assistant.index.document("kg") is None
    assert not [i for i in stored_chunk_ids(assistant) if i.startswith("kg#")]
    assert assistant.index.search_bm25(assistant.index.analyzer.tokens("klanttevredenheid"), 5) == []


def test_prune_removes_the_documents_of_deleted_files_and_records(
        tmp_path: Path, folder: Path, fake_embedder: object) -> None:
    assistant = build(tmp_path, fake_embedder)
    assistant.ingest([folder])
    (folder / "vdab.md").unlink()
    (folder / "records.jsonl").write_text(record("r0", "Antwoord 0.") + "\n", encoding="utf-8")
    kept = assistant.ingest([folder])  # without --prune, nothing goes
    pruned = assistant.ingest([folder], prune=True)
    assert (kept.removed, pruned.removed) == (0, 3)
    assert assistant.index.document_ids() == ["kg", "r0", "wse"]


def test_prune_keeps_the_documents_of_a_file_that_fails_and_of_other_folders(
        tmp_path: Path, folder: Path, fake_embedder: object) -> None:
    other = tmp_path / "elders"
    other.mkdir()
    (other / "abb.md").write_text(question("abb"), encoding="utf-8")
    assistant = build(tmp_path, fake_embedder)
    assistant.ingest([folder, other])
    (folder / "records.jsonl").write_text(record("r0", "Antwoord 0.") + "\n{kapot\n", encoding="utf-8")
    (folder / "wse.md").write_bytes(b"")
    result = assistant.ingest([folder], prune=True)
    assert [f.reason.split(": ", 1)[1] for f in result.failures] == [
        "not valid JSON (Expecting property name enclosed in double quotes at column 2)", "empty file"]
    assert result.removed == 0
    assert assistant.index.document_ids() == ["abb", "kg", "r0", "r1", "r2", "vdab", "wse"]


# -- a cut-off ingest -----------------------------------------------------------------------------


def test_left_overs_of_a_cut_off_ingest_are_unseen_and_cleaned_by_the_next_run(
        tmp_path: Path, folder: Path, fake_embedder: object) -> None:
    """The two states a crash can leave: a new document's chunks without its record, and a changed document
    whose old record is gone while its chunks were being replaced."""
    assistant = build(tmp_path, fake_embedder)
    assistant.ingest([folder])
    index = assistant.index
    half = Document(id="half", text="Een half geschreven document over wegen.", title="Half")
    from assistant.ingest.chunk import split_into_chunks
    from assistant.search.store import chunk_metadata

    chunks = split_into_chunks(half)
    index.store.chunk_collection.upsert(
        ids=[c.id for c in chunks], documents=[c.text for c in chunks],
        embeddings=fake_embedder.embed_documents([c.indexed_text for c in chunks]),  # type: ignore[attr-defined]
        metadatas=[chunk_metadata(c) for c in chunks])
    index.store.document_collection.delete(ids=["kg"])  # "kg" was being replaced
    reopened = build(tmp_path, fake_embedder)
    shown = {c.doc_id for c in reopened.index.chunks}
    assert ("half" in shown, "kg" in shown) == (False, False)
    vector = fake_embedder.embed_query("Een half geschreven document over wegen.")  # type: ignore[attr-defined]
    assert all(i in reopened.index.directory for i, _ in reopened.index.search_vectors(vector, 50, None))
    result = reopened.ingest([folder])
    clean = build(tmp_path, fake_embedder, "clean")
    clean.ingest([folder])
    assert (result.report.added, result.report.unchanged) == (1, 5)
    assert stored_chunk_ids(reopened) == chunk_ids(reopened) == chunk_ids(clean)


def test_the_hash_covers_text_title_metadata_and_chunking() -> None:
    doc = Document(id="a", text="Tekst.", title="T", metadata={"date": "2017-01-04"})
    settings = Settings(default_index=False)
    hashes = {document_hash(d, s) for d, s in [
        (doc, settings), (Document(id="a", text="Tekst!", title="T", metadata=doc.metadata), settings),
        (Document(id="a", text="Tekst.", title="U", metadata=doc.metadata), settings),
        (Document(id="a", text="Tekst.", title="T", metadata={"date": "2017-01-05"}), settings),
        (doc, Settings(default_index=False, chunk_size=500))]}
    assert len(hashes) == 5


# -- progress and upload --------------------------------------------------------------------------


def test_progress_reports_documents_files_chunks_rates_and_time_left() -> None:
    progress = Progress(files_done=0, files=1, documents_done=512, documents=1939, chunks=3904, seconds=42.0)
    assert cli.describe_progress(progress) == (
        "512/1939 documents (26%), 0/1 files, 3904 chunks, 12.2 documents/s, 93 chunks/s, 1m57s left")
    assert cli.describe_progress(Progress(0, 2, 0, 2, 0, 0.0)) == "0/2 documents (0%), 0/2 files, 0 chunks"


@pytest.mark.parametrize(("quiet", "lines"), [
    (False, ["ingest: 0/3 documents (0%), 0/2 files, 0 chunks", "error: b.txt: empty file",
             "ingest: 1/3 documents (33%), 1/2 files, 0 chunks, 0.5 documents/s, 0 chunks/s, 4s left",
             "ingest: 3/3 documents (100%), 2/2 files, 4 chunks, 1.0 documents/s, 1 chunks/s, 0s left"]),
    (True, ["error: b.txt: empty file"]),
])
def test_without_a_terminal_progress_is_plain_lines_and_quiet_keeps_only_failures(
        quiet: bool, lines: list[str]) -> None:
    out = io.StringIO()
    reporter = cli.IngestReporter(out, bar=False, quiet=quiet, interval=2.0)
    reporter.update(Progress(0, 2, 0, 3, 0, 0.0))
    reporter.file_done(FileResult(Path("b.txt"), errors=("b.txt: empty file",)))
    reporter.update(Progress(1, 2, 1, 3, 0, 1.0))  # within 2 s of the last line: not shown
    reporter.update(Progress(1, 2, 1, 3, 0, 2.0))
    reporter.update(Progress(2, 2, 3, 3, 4, 3.0))
    reporter.close()
    assert out.getvalue().splitlines() == lines


def test_on_a_terminal_progress_is_a_bar(tmp_path: Path) -> None:
    out = io.StringIO()
    reporter = cli.IngestReporter(out, bar=True)
    reporter.update(Progress(1, 2, 5, 10, 40, 2.0))
    reporter.file_done(FileResult(Path("b.txt"), errors=("b.txt: empty file",)))
    reporter.close()
    text = out.getvalue()
    assert "ingest:  50%|" in text and "5/10" in text and "1/2 files, 40 chunks, 20 chunks/s" in text
    assert "error: b.txt: empty file\n" in text


def test_an_uploaded_file_is_searchable_right_after(tmp_path: Path, fake_embedder: object) -> None:
    assistant = build(tmp_path, fake_embedder)
    upload = tmp_path / "upload"
    upload.mkdir()
    (upload / "vraag.pdf").write_bytes(make_pdf([["Hoeveel laadpalen plaatst het agentschap in 2017?", "",
                                                 "ANTWOORD", "", "Het agentschap plaatst 300 laadpalen."]]))
    progress: list[Progress] = []
    result = assistant.ingest([upload / "vraag.pdf"], on_progress=progress.append)
    assert [(r.path.name, r.added, r.chunks, r.errors) for r in result.results] == [("vraag.pdf", 1, 2, ())]
    assert (progress[-1].documents_done, progress[-1].files_done, progress[-1].chunks) == (1, 1, 2)
    hits = assistant.index.search_bm25(assistant.index.analyzer.tokens("laadpalen"), 5)
    assert {assistant.index.chunk(i).doc_id for i, _ in hits} == {"vraag"}


# -- the command line, with the real model --------------------------------------------------------


def test_the_ingest_command_prints_a_line_per_failure_a_summary_and_exits_1(
        tmp_path: Path, mixed_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["ingest", str(mixed_folder), "--index", str(tmp_path / "index")])
    out, err = capsys.readouterr()
    assert code == cli.EXIT_SOME_FAILED
    # A file's failures are printed when the file is done; JSON Lines records finish with their write batch.
    assert sorted(line for line in err.splitlines() if line.startswith("error: ")) == [
        f"error: {reason}" for reason in expected_failures(mixed_folder)]
    (summary,) = out.splitlines()
    assert summary.startswith("9 files: 3 documents added, 0 updated, 0 unchanged, 8 failed; ")
    code = cli.main(["ingest", "--quiet", str(mixed_folder / "goed.md"), "--index", str(tmp_path / "index")])
    assert (code, capsys.readouterr()) == (0, ("", ""))
    code = cli.main(["remove", "goed", "weg", "--index", str(tmp_path / "index")])
    out, err = capsys.readouterr()
    assert (code, err) == (cli.EXIT_SOME_FAILED, "error: no document 'weg' in the index\n")
    assert out.startswith("1 of 2 documents removed; ")
