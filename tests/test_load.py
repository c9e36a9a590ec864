import json
from pathlib import Path

import pytest

from assistant.errors import InputError, LoadError
from assistant.ingest.load import find_files, load_file, read_documents, record_to_document, split_sections
from assistant.types import Document, Section

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"


# -- the shipped corpus and the test files ------------------------------------------------------------


def test_a_corpus_document_has_its_front_matter_as_id_title_and_metadata() -> None:
    path = CORPUS / "agii-klanttevredenheid.md"
    (doc,) = load_file(path)
    assert (doc.id, doc.title, doc.source) == (
        "agii-klanttevredenheid", "Agentschap Integratie en Inburgering (AgII) - Klanttevredenheid", str(path))
    assert doc.metadata == {"subject": "Klanttevredenheid", "agency": "Agentschap Integratie en Inburgering",
                            "agency_short": "AgII", "document_type": "schriftelijke vraag",
                            "source": "001_fe7e73de8c1537c0.txt"}
    assert (doc.agency, doc.agency_short) == ("Agentschap Integratie en Inburgering", "AgII")
    assert doc.text == path.read_text(encoding="utf-8").split("---\n", 2)[2]  # the body, front matter cut off


def test_a_corpus_document_has_a_question_and_an_answer_section() -> None:
    (doc,) = load_file(CORPUS / "agii-klanttevredenheid.md")
    question, answer = doc.sections
    assert (question.name, answer.name) == ("question", "answer")
    assert doc.text[:question.start] == "## Vraag"
    assert doc.text[question.end:answer.start] == "## Antwoord"
    assert doc.text[question.start:question.end].strip().startswith("Burgers, ondernemingen en overheden verwachten")
    assert doc.text[question.start:question.end].strip().endswith("Integratie en Inburgering?")
    assert doc.text[answer.start:answer.end].strip().startswith("1-2. Voor de klantengroepen inburgeraars")
    assert answer.end == len(doc.text)


def test_every_corpus_document_names_its_agency() -> None:
    docs = [doc for path in sorted(CORPUS.glob("*.md")) for doc in load_file(path)]
    assert [(d.id, d.agency_short, [s.name for s in d.sections]) for d in docs] == [
        ("abb-klanttevredenheidsonderzoek", "ABB", ["question", "answer"]),
        ("agii-klantentevredenheidsmeting", "AgII", ["question", "answer"]),
        ("agii-klanttevredenheid", "AgII", ["question", "answer"]),
        ("kg-klantentevredenheidsmeting", "K&G", ["question", "answer"]),
        ("wse-klantentevredenheidsmeting", "WSE", ["question", "answer"]),
    ]


def test_a_markdown_file_with_front_matter() -> None:
    (doc,) = load_file(DATA / "vdab-opleidingen.md")
    assert (doc.id, doc.title) == ("vdab-opleidingen", "VDAB - Klanttevredenheid opleidingen")
    assert doc.metadata == {"agency": "Vlaamse Dienst voor Arbeidsbemiddeling", "agency_short": "VDAB", "year": 2023}
    assert [s.name for s in doc.sections] == ["question", "answer"]


def test_a_plain_text_file_takes_its_id_from_the_name_and_its_title_from_the_first_line() -> None:
    (doc,) = load_file(DATA / "stuurgroep.txt")
    assert (doc.id, doc.title, doc.metadata) == ("stuurgroep", "Verslag van de stuurgroep klantenbevraging", {})
    assert doc.sections == (Section("text", 0, len(doc.text)),)
    assert "de klant-\ntevredenheid start" in doc.text  # loading keeps the text as it is; chunks clean it


def test_front_matter_keeps_scalar_fields_only(tmp_path: Path) -> None:
    path = tmp_path / "vraag.md"
    path.write_text("---\nid: 123\ntitle: Een vraag\nyear: 2024\nratio: 0.5\npublic: true\ntags: [a, b]\n"
                    "minister:\n  name: X\ndate: 2019-03-04\n---\nDe tekst.\n", encoding="utf-8")
    (doc,) = load_file(path)
    # An unquoted date, which YAML reads as a date, is kept as the text it was.
    assert (doc.id, doc.title, doc.metadata, doc.text) == ("123", "Een vraag", {"year": 2024, "ratio": 0.5,
                                                                                "public": True, "date": "2019-03-04"},
                                                           "De tekst.\n")


# -- JSON Lines -------------------------------------------------------------------------------------


def test_json_lines_records_become_documents_with_their_scalar_fields_as_metadata() -> None:
    path = DATA / "opgroeien.jsonl"
    docs = load_file(path)
    assert [(d.id, d.title, d.metadata, d.source) for d in docs] == [
        ("opg-wachttijden", "Opgroeien - Wachttijden kinderopvang",
         {"agency": "Opgroeien", "year": 2024, "answered": True, "score": 7.5}, f"{path}:1"),
        # Line 2 is blank; an integer id becomes a string; no title is no title.
        ("18", "", {"agency": "Opgroeien"}, f"{path}:3"),
    ]
    assert docs[0].text == ("Vraag\nHoe lang wachten ouders op een plaats in de kinderopvang?\n\n"
                            "Antwoord\nGemiddeld wachten ouders vier maanden op een plaats in de kinderopvang.")
    assert [(s.name, docs[0].text[s.start:s.end].strip()) for s in docs[0].sections] == [
        ("question", "Hoe lang wachten ouders op een plaats in de kinderopvang?"),
        ("answer", "Gemiddeld wachten ouders vier maanden op een plaats in de kinderopvang."),
    ]
    assert docs[1].sections == (Section("text", 0, len(docs[1].text)),)


def test_a_record_with_question_and_answer_fields_gets_both_sections() -> None:
    doc = record_to_document({"id": "q1", "question": " Hoeveel? ", "answer": "Tien.", "number": 3}, "f.jsonl:1")
    assert (doc.text, doc.metadata) == ("Hoeveel?\n\nTien.", {"number": 3})
    assert doc.sections == (Section("question", 0, 8), Section("answer", 10, 15))


def test_an_invalid_json_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    path.write_text('{"id": "a", "text": "Een."}\n{"id": "b", "text": \n{"id": "c", "text": "Drie."}\n',
                    encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        load_file(path)
    assert str(caught.value).startswith(f"{path}:2: not valid JSON (")
    # Read record by record, the bad line is reported in its place and the others are still read.
    items = list(read_documents(path))
    assert [type(i).__name__ for i in items] == ["Document", "LoadError", "Document"]
    assert [i.id for i in items if isinstance(i, Document)] == ["a", "c"]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("[1, 2]", "a record must be a JSON object"),
        ('"tekst"', "a record must be a JSON object"),
        ('{"text": "Zonder id."}', 'record has no "id"'),
        ('{"id": "  ", "text": "Leeg id."}', 'record has no "id"'),
        ('{"id": null, "text": "Null id."}', 'record has no "id"'),
        ('{"id": "a"}', 'record a has no "text"'),
        ('{"id": "a", "text": "   "}', 'record a has no "text"'),
        ('{"id": "a", "text": 12}', 'record a has no "text"'),
    ],
)
def test_a_bad_record_names_file_line_and_what_is_missing(tmp_path: Path, line: str, reason: str) -> None:
    path = tmp_path / "records.jsonl"
    path.write_text('{"id": "ok", "text": "Goed."}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        load_file(path)
    assert str(caught.value).startswith(f"{path}:2: {reason}")


# -- encodings and unreadable files -------------------------------------------------------------------

DUTCH = ("Vraag\nWerd de geïntegreerde enquête over de crèche in 2023 herhaald?\n\n"
         "Antwoord\nJa, voor € 1.200 per jaar.\n")


@pytest.mark.parametrize(
    ("encoded", "name"),
    [
        (DUTCH.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + DUTCH.encode("utf-8"), "utf-8 with byte order mark"),
        (DUTCH.encode("cp1252"), "Windows-1252"),  # ï, è and ê are other letters in cp1250, the usual wrong guess
        (DUTCH.encode("utf-16"), "utf-16 with byte order mark"),
        (DUTCH.replace("\n", "\r\n").encode("utf-8"), "Windows line ends"),
    ],
)
def test_text_is_decoded_correctly(tmp_path: Path, encoded: bytes, name: str) -> None:
    path = tmp_path / "vraag.txt"
    path.write_bytes(encoded)
    (doc,) = load_file(path)
    assert doc.text == DUTCH
    assert [s.name for s in doc.sections] == ["question", "answer"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "binary content, not text"),
        (bytes(range(256)) * 8, "binary content, not text"),
        (b"abc\x01\x02\x03\x04\x05\x06def" * 20, "binary content, not text"),  # control bytes, no NUL
        (b"", "empty file"),
        (b"  \n\n\t \n", "empty document"),
        (b"---\nid: x\ntitle: Alleen kop\n---\n\n", "empty document"),
        (b"---\ntitle: [niet afgesloten\n---\nTekst.\n", "front matter is not valid YAML"),
        (b"---\n- een\n- lijst\n---\nTekst.\n", "front matter must be a mapping of fields"),
    ],
)
def test_an_unreadable_file_is_a_load_error_naming_it(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "stuk.txt"
    path.write_bytes(content)
    with pytest.raises(LoadError) as caught:
        load_file(path)
    assert str(caught.value).startswith(f"{path}: {reason}")


def test_a_file_of_headings_only_is_an_empty_document(tmp_path: Path) -> None:
    path = tmp_path / "leeg.md"
    path.write_text("## Vraag\n\n## Antwoord\n", encoding="utf-8")
    with pytest.raises(LoadError, match="empty document"):
        load_file(path)


def test_an_unsupported_file_type_is_a_load_error(tmp_path: Path) -> None:
    path = tmp_path / "cijfers.csv"
    path.write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        load_file(path)
    assert str(caught.value).startswith(f"{path}: unsupported file type .csv; use ")


# -- finding files and sections -----------------------------------------------------------------------


def test_find_files_lists_known_file_types_recursively_in_order(tmp_path: Path) -> None:
    for name in ["b.md", "a/z.txt", "a/y.jsonl", "c.csv", "a/notes.docx.bak", "d.TXT"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    found = find_files([tmp_path])
    assert [(f.path.relative_to(tmp_path).as_posix(), f.default_id) for f in found] == [
        ("a/y.jsonl", "a/y"), ("a/z.txt", "a/z"), ("b.md", "b"), ("d.TXT", "d")]


def test_find_files_takes_a_named_file_as_it_is() -> None:
    assert [(f.path, f.default_id) for f in find_files([DATA / "stuurgroep.txt"])] == [
        (DATA / "stuurgroep.txt", "stuurgroep")]


def test_find_files_refuses_a_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        find_files([DATA, tmp_path / "weg"])
    assert str(caught.value) == f"{tmp_path / 'weg'}: no such file or folder"


def test_find_files_lists_a_file_once_however_often_it_is_named() -> None:
    found = find_files([CORPUS, CORPUS / "kg-klantentevredenheidsmeting.md"])
    assert len([f.path.resolve() for f in found]) == len({f.path.resolve() for f in found}) == 5


@pytest.mark.parametrize(
    ("text", "sections"),
    [
        ("## Vraag\nWat?\n## Antwoord\nDit.\n", [("question", "Wat?"), ("answer", "Dit.")]),
        ("Vraag:\nWat?\n\nAntwoord:\nDit.", [("question", "Wat?"), ("answer", "Dit.")]),
        ("Question\nWhat?\nAnswer\nThis.", [("question", "What?"), ("answer", "This.")]),
        # Text before a lone answer heading is the question.
        ("Wat kost het?\nANTWOORD\nNiets.", [("question", "Wat kost het?"), ("answer", "Niets.")]),
        # Text before a question heading is a preamble.
        ("Inleiding.\n## Vraag\nWat?\n## Antwoord\nDit.", [("text", "Inleiding."), ("question", "Wat?"),
                                                          ("answer", "Dit.")]),
        # "antwoord" inside a line is not a heading.
        ("Het antwoord volgt.\nEen vraag ook.", [("text", "Het antwoord volgt.\nEen vraag ook.")]),
    ],
)
def test_split_sections(text: str, sections: list[tuple[str, str]]) -> None:
    assert [(s.name, text[s.start:s.end].strip()) for s in split_sections(text)] == sections


def test_records_in_a_file_that_is_not_utf8_are_read(tmp_path: Path) -> None:
    path = tmp_path / "oud.jsonl"
    path.write_bytes(json.dumps({"id": "c1", "text": "De crèche is geïntegreerd."}, ensure_ascii=False)
                     .encode("cp1252") + b"\n")
    assert [(d.id, d.text) for d in load_file(path)] == [("c1", "De crèche is geïntegreerd.")]


# -- Symbol-font bullets ---------------------------------------------------------------------------------


def test_symbol_font_bullets_in_the_corpus_become_bullets() -> None:
    (doc,) = load_file(CORPUS / "abb-klanttevredenheidsonderzoek.md")
    assert ("\uf0b7" in doc.text, doc.text.count("• ")) == (False, 11)
    assert "\n• het bevorderen van gelijke kansen en het samenleven van burgers in diversiteit.\n" in doc.text


@pytest.mark.parametrize("name", ["notes.txt", "notes.md"])
def test_symbol_font_bullets_become_bullets_in_place(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("Vraag: wat loopt er?\n\uf0b7 een meting\n\uf0a7 een enquête\n", encoding="utf-8")
    (doc,) = load_file(path)
    assert doc.text == "Vraag: wat loopt er?\n• een meting\n▪ een enquête\n"


def test_symbol_font_bullets_in_a_record_become_bullets() -> None:
    doc = record_to_document({"id": "r1", "question": "Welke metingen?", "answer": "\uf0b7 een enquête"}, "x.jsonl")
    assert (doc.text, doc.sections) == ("Welke metingen?\n\n• een enquête",
                                        (Section("question", 0, 15), Section("answer", 17, 30)))
