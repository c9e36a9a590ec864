"""The command line: exit codes, one-line errors, the `ask --json` contract. Most tests call `cli.main` in this
process (the model is then loaded again in a fraction of a second); two run `python -m assistant` for real."""
import contextlib
import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.answer.prompts import NOT_ANSWERED
from assistant.apps import cli
from assistant.core import Assistant, check_question
from assistant.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"

ANSWER_KEYS = {"question", "answered", "answer", "citations", "passages"}
PASSAGE_KEYS = {"doc_id", "title", "text", "agency", "section", "item", "chunk_id", "start", "end"}
EMPTY = "de vraag is leeg: stel een vraag"


@pytest.fixture(autouse=True)
def no_assistant_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("ASSISTANT_")]:
        monkeypatch.delenv(name)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def error_lines(err: str) -> list[str]:
    """The errors on stderr, without the progress lines of an ingest."""
    return [line for line in err.splitlines() if line.startswith(("error:", "Traceback"))]


def python_m_assistant(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False")
    return subprocess.run([sys.executable, "-m", "assistant", *argv], input=stdin, cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def data_index(tmp_path_factory: pytest.TempPathFactory, real_embedder: object) -> Path:
    """tests/data ingested with the real model by `ingest --index`, once for this module."""
    index = tmp_path_factory.mktemp("cli") / "index"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["ingest", str(DATA), "--index", str(index)])
    assert (code, out.getvalue().splitlines()[-1:]) == (0, [
        f"3 files: 4 documents added, 0 updated, 0 unchanged, 0 failed; 10 chunks written in "
        f"{_seconds(out.getvalue())} s; 10 chunks in the index"])
    return index


def _seconds(summary: str) -> str:
    found = re.search(r"chunks written in (\d+\.\d) s", summary)
    return found.group(1) if found else "?"


# -- bad input: exit 2 and one line on stderr, before any model is loaded -----------------------------


@pytest.mark.parametrize("question", ["", "   ", "\n\t "])
def test_an_empty_question_exits_2_with_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                 question: str) -> None:
    assert run(capsys, "ask", question, "--index", str(tmp_path / "index")) == (2, "", f"error: {EMPTY}\n")


def test_an_over_long_question_exits_2_at_once_naming_the_limit(capsys: pytest.CaptureFixture[str],
                                                                tmp_path: Path) -> None:
    started = time.monotonic()
    # The index folder is missing too: the length is checked first, before the index is opened.
    code, out, err = run(capsys, "ask", "x" * 100_000, "--index", str(tmp_path / "index"))
    assert time.monotonic() - started < 5
    assert (code, out, err) == (
        2, "", "error: de vraag is 100.000 tekens lang; de limiet is 20.000 tekens: kort ze in\n")


def test_the_question_limit_counts_the_question_without_surrounding_space() -> None:
    assert check_question("  " + "x" * 20_000 + "\n", 20_000) == "x" * 20_000
    with pytest.raises(InputError, match="de vraag is 20.001 tekens lang; de limiet is 20.000 tekens"):
        check_question("x" * 20_001, 20_000)


@pytest.mark.parametrize("command", [["ask", "Hoe tevreden zijn de klanten?"], ["remove", "doc-1"]])
def test_a_missing_index_exits_2_saying_how_to_build_one(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                         command: list[str]) -> None:
    missing = tmp_path / "nergens"
    assert run(capsys, *command, "--index", str(missing)) == (
        2, "", f"error: no index in {missing}; build one with `python -m assistant ingest PATH... --index {missing}`\n")
    assert not missing.exists()


def test_an_index_that_is_a_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "index.txt"
    path.write_text("geen index", encoding="utf-8")
    assert run(capsys, "ask", "Wat?", "--index", str(path)) == (
        2, "", f"error: {path} is a file, not an index folder\n")


def test_a_missing_embedding_model_exits_2(capsys: pytest.CaptureFixture[str], corpus_assistant: Assistant,
                                           tmp_path: Path) -> None:
    model = tmp_path / "model"
    code, out, err = run(capsys, "ask", "Wat?", "--index", str(corpus_assistant.settings.index_dir),
                         "--embedding-model", str(model))
    assert (code, out) == (2, "")
    assert err == (f"error: no sentence-transformers model in {model}; give a folder holding one, "
                   "or all-MiniLM-L6-v2 for the bundled model\n")


def test_the_real_command_exits_2_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    done = python_m_assistant("ask", "", "--index", str(tmp_path / "index"))
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"error: {EMPTY}\n")


# -- ask -------------------------------------------------------------------------------------------------


def ask_json(capsys: pytest.CaptureFixture[str], index: Path, question: str, *options: str) -> dict:
    code, out, err = run(capsys, "ask", "--json", question, "--index", str(index), *options)
    assert (code, err) == (0, "")
    (line,) = out.splitlines()
    return json.loads(line)


def test_ask_json_prints_the_contract(capsys: pytest.CaptureFixture[str], corpus_assistant: Assistant) -> None:
    question = "Hoeveel personen werden na de test MO aangeschreven?"
    answer = ask_json(capsys, corpus_assistant.settings.index_dir, question, "--k", "4")
    assert set(answer) == ANSWER_KEYS
    assert (answer["question"], answer["answered"]) == (question, True)
    assert "6.133" in answer["answer"] and "[1]" in answer["answer"]
    passages = answer["passages"]
    assert [p["rank"] for p in passages] == [1, 2, 3, 4]
    assert all(set(p) == PASSAGE_KEYS | {"rank", "score"} for p in passages)
    first = passages[0]
    assert (first["doc_id"], first["item"], first["section"], first["agency"]) == (
        "agii-klanttevredenheid", "4b", "answer", "Agentschap Integratie en Inburgering")
    assert first["title"] == "Agentschap Integratie en Inburgering (AgII) - Klanttevredenheid"
    assert first["text"].startswith("b) Bevraging inburgeraars in 2022: • na het aanbod MO: 15.087 personen")
    assert first["chunk_id"] == corpus_assistant.index.chunk(first["chunk_id"]).id
    assert [p["score"] for p in passages] == sorted((p["score"] for p in passages), reverse=True)
    assert answer["citations"] and all(set(c) == PASSAGE_KEYS | {"n"} for c in answer["citations"])
    for citation in answer["citations"]:  # [n] is passage n
        assert {k: v for k, v in citation.items() if k != "n"} == {
            k: v for k, v in passages[citation["n"] - 1].items() if k not in {"rank", "score"}}


def test_ask_abstains_when_the_documents_do_not_answer(capsys: pytest.CaptureFixture[str],
                                                      corpus_assistant: Assistant) -> None:
    answer = ask_json(capsys, corpus_assistant.settings.index_dir, "Wat kost een parkeerkaart in Gent?")
    assert (answer["answered"], answer["citations"]) == (False, [])
    assert answer["answer"] == f"{NOT_ANSWERED} Geen enkele passage noemt Gent."
    assert NOT_ANSWERED == "De documenten beantwoorden deze vraag niet."
    assert [p["rank"] for p in answer["passages"]] == [1, 2, 3, 4, 5]  # the nearest passages are still shown


def test_ask_with_an_agency_filter(capsys: pytest.CaptureFixture[str], corpus_assistant: Assistant) -> None:
    answer = ask_json(capsys, corpus_assistant.settings.index_dir, "Hoe tevreden zijn de ouders?",
                      "--agency", "kind en gezin", "--k", "3")
    assert [(p["rank"], p["doc_id"]) for p in answer["passages"]] == [
        (1, "kg-klantentevredenheidsmeting"), (2, "kg-klantentevredenheidsmeting"),
        (3, "kg-klantentevredenheidsmeting")]


def test_ask_prints_the_answer_and_its_sources(capsys: pytest.CaptureFixture[str],
                                               corpus_assistant: Assistant) -> None:
    code, out, err = run(capsys, "ask", "Hoeveel personen werden na de test MO aangeschreven?",
                         "--index", str(corpus_assistant.settings.index_dir))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert "6.133" in lines[0]
    assert "Bronnen:" in lines
    source = lines.index("[1] Agentschap Integratie en Inburgering (AgII) - Klanttevredenheid (AgII, answer, punt 4b)")
    assert lines[source + 1].startswith("    b) Bevraging inburgeraars in 2022:")


def test_an_unknown_agency_exits_2_listing_the_known_ones(capsys: pytest.CaptureFixture[str],
                                                          corpus_assistant: Assistant) -> None:
    code, out, err = run(capsys, "ask", "Hoe tevreden zijn de ouders?", "--agency", "NASA",
                         "--index", str(corpus_assistant.settings.index_dir))
    assert (code, out, err) == (2, "", (
        "error: unknown agency 'NASA'; the index has: ABB (Agentschap Binnenlands Bestuur), AgII (Agentschap "
        "Integratie en Inburgering), WSE (Departement Werk en Sociale Economie), K&G (Kind en Gezin)\n"))


@pytest.mark.parametrize("k", ["51", "-1"])
def test_k_out_of_range_exits_2(capsys: pytest.CaptureFixture[str], corpus_assistant: Assistant, k: str) -> None:
    code, out, err = run(capsys, "ask", "Wat?", "--k", k, "--index", str(corpus_assistant.settings.index_dir))
    assert (code, out, err) == (2, "", f"error: k must be between 1 and 50, not {k}\n")


def test_k_zero_exits_2(capsys: pytest.CaptureFixture[str], corpus_assistant: Assistant) -> None:
    code, out, err = run(capsys, "ask", "Wat?", "--k", "0", "--index", str(corpus_assistant.settings.index_dir))
    assert (code, out, err) == (2, "", "error: k must be between 1 and 50, not 0\n")


# -- ask, one question a line on stdin, for real --------------------------------------------------------

# A good question, an empty line, a good question.
STDIN = ("Hoeveel cursisten bevroeg het Subsidie-Agentschap?\n"
         "\n"
         "Hoe lang wachten ouders op een plaats in de kinderopvang?\n")


@pytest.fixture(scope="module")
def stdin_run(data_index: Path) -> subprocess.CompletedProcess[str]:
    return python_m_assistant("ask", "--json", "--index", str(data_index), stdin=STDIN)


def test_a_bad_line_on_stdin_gets_an_error_object_and_the_run_goes_on(
        stdin_run: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in stdin_run.stderr
    assert stdin_run.returncode == 2  # some questions failed
    first, second, third = [json.loads(line) for line in stdin_run.stdout.splitlines()]
    assert second == {"question": "", "error": EMPTY}
    assert set(first) == set(third) == ANSWER_KEYS
    assert (first["question"], first["answered"], third["answered"]) == (
        "Hoeveel cursisten bevroeg het Subsidie-Agentschap?", True, True)
    assert "4.210" in first["answer"] and "vier maanden" in third["answer"]
    assert [(p["doc_id"], p["item"]) for p in first["passages"][:2]] == [("vdab-opleidingen", "1"),
                                                                         ("vdab-opleidingen", "2b")]
    assert third["passages"][0]["doc_id"] == "opg-wachttijden"


def test_ask_json_on_stdin_writes_nothing_to_stderr(stdin_run: subprocess.CompletedProcess[str]) -> None:
    assert stdin_run.stderr == ""


# -- ingest and remove -------------------------------------------------------------------------------------


def test_ingest_twice_adds_nothing_the_second_time(capsys: pytest.CaptureFixture[str], data_index: Path,
                                                   tmp_path: Path) -> None:
    code, out, _ = run(capsys, "ingest", str(DATA), "--index", str(data_index), "--quiet")
    assert (code, out) == (0, "")
    code, out, err = run(capsys, "ingest", str(DATA), "--index", str(data_index))
    assert (code, error_lines(err)) == (0, [])
    assert out.splitlines()[-1] == (f"3 files: 0 documents added, 0 updated, 4 unchanged, 0 failed; 0 chunks written "
                                    f"in {_seconds(out)} s; 10 chunks in the index")


def test_ingest_reports_each_unreadable_file_and_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                         real_embedder: object) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "goed.txt").write_text("Een goed document over de klanten.", encoding="utf-8")
    (folder / "kapot.txt").write_bytes(b"\x00\x01\x02 binary")
    code, out, err = run(capsys, "ingest", str(folder), "--index", str(tmp_path / "index"))
    assert code == 1
    assert error_lines(err) == [
        f"error: {folder / 'kapot.txt'}: binary content, not text"]
    assert out.splitlines()[-1].startswith("2 files: 1 documents added, 0 updated, 0 unchanged, 1 failed; 1 chunks ")


def test_ingest_of_a_missing_path_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                          real_embedder: object) -> None:
    code, out, err = run(capsys, "ingest", str(tmp_path / "weg"), "--index", str(tmp_path / "index"))
    assert (code, out, error_lines(err)) == (2, "", [f"error: {tmp_path / 'weg'}: no such file or folder"])


def test_remove_names_what_it_could_not_find(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                             real_embedder: object) -> None:
    index = tmp_path / "index"
    assert run(capsys, "ingest", str(DATA), "--index", str(index), "--quiet")[0] == 0
    code, out, err = run(capsys, "remove", "stuurgroep", "nope", "--index", str(index))
    assert (code, out, err) == (1, "1 of 2 documents removed; 9 chunks in the index\n",
                                "error: no document 'nope' in the index\n")
    code, out, err = run(capsys, "remove", "18", "--index", str(index))
    assert (code, out, err) == (0, "1 of 1 documents removed; 8 chunks in the index\n", "")
