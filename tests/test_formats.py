"""PDF, DOCX and HTML readers, encodings, and written questions recognised as question + answer.

The PDFs and Word files are made here, in the test, so no binary fixture is committed: `make_pdf` writes a
minimal PDF (Helvetica text, one line a text row) that pypdf reads like a real one.
"""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from assistant.errors import LoadError
from assistant.ingest.formats import join_hyphenated, read_docx, read_html, read_pdf
from assistant.ingest.load import decode_text, load_file, read_text


def make_pdf(pages: list[list[str]], title: str = "") -> bytes:
    """A PDF whose pages hold these lines of text, top to bottom."""
    objects: list[bytes] = []
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for i, lines in enumerate(pages):
        rows = " ".join(f"({_pdf_escape(line)}) Tj T*" if line else "T*" for line in lines)  # a blank line: a gap
        stream = f"BT /F1 11 Tf 14 TL 50 800 Td {rows} ET".encode("cp1252")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
                       f"/Contents {5 + 2 * i} 0 R >>".encode())
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    info = len(objects) + 1
    objects.append(f"<< /Title ({_pdf_escape(title)}) >>".encode())
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {info} 0 R >>\nstartxref\n{xref}\n%%EOF\n"
              .encode())
    return out.getvalue()


def encrypt_pdf(data: bytes, user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="eigenaar", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


HEADER = "Vlaams Parlement - Schriftelijke vraag 123"

# A written question of three pages: a running header, "Pagina n van 3" footers, words broken over lines.
QUESTION_PAGES = [
    [HEADER, "SCHRIFTELIJKE VRAAG", "nr. 123", "van JAN PEETERS", "datum: 12 januari 2017",
     "aan JO VANDEURZEN", "VLAAMS MINISTER VAN WELZIJN, VOLKSGEZONDHEID EN GEZIN", "",
     "Klantentevredenheidsmeting", "", "Werd er een klant-", "tevredenheidsmeting uitgevoerd in de zorg-",
     "en welzijnssector?", "Pagina 1 van 3"],
    [HEADER, "Wat zijn de resultaten?", "", "JO VANDEURZEN", "ANTWOORD", "op vraag nr. 123 van 12 januari 2017",
     "van JAN PEETERS", "", "1. In 2016 werd een bevraging georgani-", "seerd bij 1200 gezinnen.",
     "Pagina 2 van 3"],
    [HEADER, "2. De resultaten volgen in het voorjaar.", "Pagina 3 van 3"],
]


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# -- PDF ------------------------------------------------------------------------------------------


def test_a_pdf_loses_its_running_header_footers_and_page_numbers_and_joins_broken_words(tmp_path: Path) -> None:
    extracted = read_pdf(write(tmp_path / "vraag.pdf", make_pdf(QUESTION_PAGES)))
    assert extracted.text == (
        "SCHRIFTELIJKE VRAAG\nnr. 123\nvan JAN PEETERS\ndatum: 12 januari 2017\naan JO VANDEURZEN\n"
        "VLAAMS MINISTER VAN WELZIJN, VOLKSGEZONDHEID EN GEZIN\n\nKlantentevredenheidsmeting\n\n"
        "Werd er een klanttevredenheidsmeting\nuitgevoerd in de zorg-\nen welzijnssector?\n"
        "Wat zijn de resultaten?\n\nJO VANDEURZEN\nANTWOORD\nop vraag nr. 123 van 12 januari 2017\n"
        "van JAN PEETERS\n\n1. In 2016 werd een bevraging georganiseerd\nbij 1200 gezinnen.\n"
        "2. De resultaten volgen in het voorjaar."
    )


def test_a_written_question_pdf_is_a_question_and_an_answer_with_its_number_date_and_minister(tmp_path: Path) -> None:
    (doc,) = load_file(write(tmp_path / "vraag-123.pdf", make_pdf(QUESTION_PAGES)))
    assert (doc.id, doc.title) == ("vraag-123", "Klantentevredenheidsmeting")
    assert doc.metadata == {"number": "123", "date": "2017-01-12",
                            "department": "Vlaams minister van welzijn, volksgezondheid en gezin"}
    assert [(s.name, doc.text[s.start:s.end].strip()[:37]) for s in doc.sections] == [
        ("question", "Klantentevredenheidsmeting\n\nWerd er e"),
        ("answer", "1. In 2016 werd een bevraging georgan"),
    ]
    assert doc.text[doc.sections[1].start:].strip().endswith("in het voorjaar.")


def test_a_pdf_title_comes_from_its_properties_unless_it_is_a_placeholder(tmp_path: Path) -> None:
    pages = [["Een tekst zonder kop over de begroting van 2017."]]
    (doc,) = load_file(write(tmp_path / "a.pdf", make_pdf(pages, title="Begroting 2017")))
    (placeholder,) = load_file(write(tmp_path / "b.pdf", make_pdf(pages, title="Microsoft Word - b.doc")))
    assert (doc.title, placeholder.title) == ("Begroting 2017", "Een tekst zonder kop over de begroting van 2017.")


def test_a_line_repeated_on_one_page_only_is_kept(tmp_path: Path) -> None:
    pages = [["Inleiding", "Eerste bladzijde tekst."], ["Tweede bladzijde tekst.", "Slot"]]
    assert read_pdf(write(tmp_path / "a.pdf", make_pdf(pages))).text == (
        "Inleiding\nEerste bladzijde tekst.\nTweede bladzijde tekst.\nSlot")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", "not a readable PDF"),
        (b"this is not a pdf at all, just text in a file named .pdf\n", "not a readable PDF"),
        (make_pdf([[]]), "PDF without a text layer (a scan?); run OCR on it first"),
        (encrypt_pdf(make_pdf([["Geheime tekst van het kabinet."]]), "geheim"),
         "encrypted PDF that needs a password; save a copy without one"),
    ],
    ids=["truncated", "not-a-pdf", "no-text-layer", "encrypted"],
)
def test_an_unreadable_pdf_says_why(tmp_path: Path, data: bytes, reason: str) -> None:
    path = write(tmp_path / "kapot.pdf", data)
    with pytest.raises(LoadError) as caught:
        read_pdf(path)
    assert str(caught.value).startswith(f"{path}: {reason}")


def test_a_pdf_encrypted_without_a_user_password_is_read(tmp_path: Path) -> None:
    data = encrypt_pdf(make_pdf([["Openbare tekst met alleen een bewerkingsslot."]]), "")
    assert read_pdf(write(tmp_path / "slot.pdf", data)).text == "Openbare tekst met alleen een bewerkingsslot."


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        ("klant-\ntevredenheid is hoog", "klanttevredenheid\nis hoog"),
        ("klant-\ntevredenheid\nvolgende", "klanttevredenheid\nvolgende"),
        ("zorg-\nen welzijn", "zorg-\nen welzijn"),  # "zorg- en welzijnssector" is no broken word
        ("Noord-\nBrabant", "Noord-\nBrabant"),  # a capital after the hyphen: a compound, kept
        ("item a-\nb) volgende", "item a-\nb) volgende"),  # "b)" is an item label, not a word's end
    ],
)
def test_words_broken_over_a_line_end_are_joined(text: str, joined: str) -> None:
    assert join_hyphenated(text) == joined


# -- DOCX -----------------------------------------------------------------------------------------


def make_docx(path: Path, title: str = "") -> Path:
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.add_heading("Vraag", level=2)
    document.add_paragraph("Hoeveel gezinnen werden bevraagd?")
    document.add_heading("Antwoord", level=2)
    document.add_paragraph("Er werden gezinnen bevraagd in twee rondes.", style="List Number")
    document.add_paragraph("De resultaten staan in de tabel.", style="List Number")
    table = document.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, [("Jaar", "Gezinnen"), ("2016", "1200")]):
        for cell, text in zip(row.cells, cells):
            cell.text = text
    document.save(str(path))
    return path


def test_a_word_document_keeps_headings_numbering_and_tables(tmp_path: Path) -> None:
    extracted = read_docx(make_docx(tmp_path / "vraag.docx", title="Bevraging gezinnen"))
    assert extracted.title == "Bevraging gezinnen"
    assert extracted.text == (
        "## Vraag\n\nHoeveel gezinnen werden bevraagd?\n\n## Antwoord\n\n"
        "1. Er werden gezinnen bevraagd in twee rondes.\n\n2. De resultaten staan in de tabel.\n\n"
        "Jaar\tGezinnen\n2016\t1200"
    )


def test_a_word_document_is_a_question_and_an_answer(tmp_path: Path) -> None:
    (doc,) = load_file(make_docx(tmp_path / "vraag.docx"))
    assert [(s.name, doc.text[s.start:s.end].strip()[:24]) for s in doc.sections] == [
        ("question", "Hoeveel gezinnen werden "), ("answer", "1. Er werden gezinnen be")]
    assert doc.title == "Hoeveel gezinnen werden bevraagd?"


def test_a_damaged_word_document_says_why(tmp_path: Path) -> None:
    path = write(tmp_path / "kapot.docx", b"PK\x03\x04 not really a zip")
    with pytest.raises(LoadError) as caught:
        read_docx(path)
    assert str(caught.value).startswith(f"{path}: not a readable Word document (")


# -- HTML -----------------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html><html><head><title>Vraag 77 - Wachttijden</title>
<meta name="dcterms.date" content="2017-03-02T10:00:00"><style>p {color: red}</style>
<script>var x = "<p>geen tekst</p>";</script></head>
<body><header><nav><a href="/">Home</a> | <a href="/zoek">Zoeken</a></nav></header>
<h1>Wachttijden</h1><p>Hoe lang wacht een <b>gezin</b> gemiddeld?</p>
<h2>Antwoord</h2><ol><li>Gemiddeld 14 dagen.</li><li>In Brussel 21&nbsp;dagen.</li></ol>
<table><tr><th>Regio</th><th>Dagen</th></tr><tr><td>Antwerpen</td><td>12</td></tr></table>
<footer>Vlaams Parlement &copy; 2017</footer></body></html>"""


def test_an_html_page_keeps_its_text_and_drops_scripts_menus_and_footers(tmp_path: Path) -> None:
    extracted = read_html(tmp_path / "vraag.html", PAGE)
    assert (extracted.title, extracted.metadata) == ("Vraag 77 - Wachttijden", {"date": "2017-03-02"})
    assert extracted.text == (
        "## Wachttijden\n\nHoe lang wacht een gezin gemiddeld?\n\n## Antwoord\n\n"
        "1. Gemiddeld 14 dagen.\n2. In Brussel 21 dagen.\n\nRegio\tDagen\nAntwerpen\t12"
    )


def test_an_html_page_is_a_question_and_an_answer(tmp_path: Path) -> None:
    (doc,) = load_file(write(tmp_path / "vraag.html", PAGE.encode()))
    assert [(s.name, doc.text[s.start:s.end].strip()[:20]) for s in doc.sections] == [
        ("question", "## Wachttijden\n\nHoe "), ("answer", "1. Gemiddeld 14 dage")]
    assert (doc.title, doc.metadata) == ("Vraag 77 - Wachttijden", {"date": "2017-03-02"})


# -- text and encodings ---------------------------------------------------------------------------

DUTCH = "Één café, de coördinatie van het beleid: 5 € per maand.\n"


@pytest.mark.parametrize(
    "data",
    [DUTCH.encode("utf-8"), DUTCH.encode("utf-8-sig"), DUTCH.encode("cp1252"), DUTCH.encode("utf-16"),
     DUTCH.replace("€", "EUR").encode("latin-1")],
    ids=["utf-8", "utf-8-bom", "cp1252", "utf-16-bom", "latin-1"],
)
def test_text_encodings_are_detected(data: bytes) -> None:
    assert decode_text(data, "x.txt") == DUTCH.replace("€", "EUR") if b"EUR" in data else DUTCH


def test_windows_line_ends_become_line_feeds() -> None:
    assert decode_text(b"een\r\ntwee\rdrie", "x.txt") == "een\ntwee\ndrie"


@pytest.mark.parametrize(
    "data",
    [bytes(range(256)) * 4, b"MZ\x90\x00\x03" + bytes(200), bytes([0x81, 0x8D, 0x01, 0x02, 0x03, 0x04]) * 100],
    ids=["all-bytes", "executable", "control-bytes"],
)
def test_a_binary_file_named_txt_is_refused(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path / "notities.txt", data)
    with pytest.raises(LoadError) as caught:
        read_text(path)
    assert str(caught.value) == f"{path}: binary content, not text"


def test_a_written_question_in_plain_text_has_its_sections_and_metadata(tmp_path: Path) -> None:
    path = tmp_path / "vraag.txt"
    path.write_text("SCHRIFTELIJKE VRAAG nr. 88\nvan 3 februari 2017\nvan MIEKE JANSSENS\n\nOpvang\n\n"
                    "Hoeveel plaatsen zijn er?\n\nANTWOORD op vraag nr. 88 van 3 februari 2017\n\n"
                    "Er zijn 2000 plaatsen.\n", encoding="utf-8")
    (doc,) = load_file(path)
    assert (doc.title, doc.metadata) == ("Opvang", {"number": "88", "date": "2017-02-03"})
    assert [(s.name, doc.text[s.start:s.end].strip()) for s in doc.sections] == [
        ("question", "Opvang\n\nHoeveel plaatsen zijn er?"), ("answer", "Er zijn 2000 plaatsen.")]
