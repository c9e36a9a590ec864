import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.ingest.chunk import answered_questions, chunk_id, clean_text, split_into_chunks, split_items
from assistant.ingest.load import load_file
from assistant.types import Chunk, Document, Section

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"
CORPUS_FILES = sorted(p.name for p in CORPUS.glob("*.md"))
AGII = "agii-klanttevredenheid.md"


def load(path: Path) -> Document:
    (doc,) = load_file(path)
    return doc


def chunks_of(name: str, chunk_size: int = 600, chunk_overlap: int = 80) -> list[Chunk]:
    return split_into_chunks(load(CORPUS / name), chunk_size, chunk_overlap)


# -- the numbered items of a written question and its answer ------------------------------------------


def test_the_agii_answer_is_cut_at_its_numbered_items() -> None:
    answer = [c.item for c in chunks_of(AGII) if c.section == "answer"]
    # 7a holds five surveys' results (1,250 characters): three chunks, all labelled 7a.
    assert answer == ["1-2", "3", "4a", "4b", "4c-e", "4f-g", "4h", "5", "6", "7a", "7a", "7a", "7b", "7c",
                      "8a", "8b", "9a", "9b-c", "10", "11", "12"]


def test_the_agii_question_is_cut_at_its_numbered_items() -> None:
    question = [c.item for c in chunks_of(AGII) if c.section == "question"]
    assert question == ["", "", "1", "2", "3", "4", "4a", "4b", "4c", "4d", "4e", "4f", "4g", "4h", "5", "6",
                        "6a", "6b", "7", "7a", "7b", "7c", "8", "8a", "8b", "9", "9a", "9b", "9c", "10", "11", "12"]


def test_each_answer_item_chunk_starts_with_its_label() -> None:
    by_item = {c.item: c.text for c in chunks_of(AGII) if c.section == "answer"}
    assert by_item["3"] == ("3. Het agentschap gebruikt hoofdzakelijk websurveys. Bij lokale besturen wordt ook naar "
                            "klantentevredenheid gepeild via gesprekken.")
    assert by_item["4f-g"] == "f-g) Zie antwoord vraag 1."
    assert by_item["1-2"].startswith("1-2. Voor de klantengroepen inburgeraars en deelnemers aan het vormingsaanbod")
    assert by_item["4a"].startswith("4. a) Het agentschap monitort")
    assert by_item["4b"].startswith("b) Bevraging inburgeraars in 2022: • na het aanbod MO: 15.087 personen")
    assert by_item["9b-c"].startswith("b-c) Het regelgevend kader")


def test_numbered_items_of_a_small_answer(tmp_path: Path) -> None:
    doc = load(DATA / "vdab-opleidingen.md")
    assert [(c.section, c.item, c.text) for c in split_into_chunks(doc)] == [
        ("question", "", "Hoe meet de VDAB de klanttevredenheid over haar opleidingen?"),
        ("question", "1", "1. Hoeveel cursisten werden bevraagd?"),
        ("question", "2", "2. Wat was de gemiddelde score?"),
        ("answer", "1", "1. In 2023 bevroeg het toenmalige Vlaams Subsidie-Agentschap 4.210 cursisten."),
        ("answer", "2a", "2. a) De gemiddelde score was 8,1 op 10."),
        ("answer", "2b", "b) Cursisten vragen meer praktijkoefeningen."),
    ]


def test_an_answer_item_carries_the_sub_questions_it_replies_to() -> None:
    doc = load(DATA / "vdab-opleidingen.md")
    assert [(c.section, c.item, c.asks) for c in split_into_chunks(doc)] == [
        ("question", "", ""),
        ("question", "1", ""),
        ("question", "2", ""),
        ("answer", "1", "1. Hoeveel cursisten werden bevraagd?"),
        ("answer", "2a", "2. Wat was de gemiddelde score?"),  # the question has no 2a: its item 2 is asked
        ("answer", "2b", "2. Wat was de gemiddelde score?"),
    ]
    answer = split_into_chunks(doc)[3]
    assert answer.indexed_text == ("VDAB - Klanttevredenheid opleidingen\n"
                                   "1. In 2023 bevroeg het toenmalige Vlaams Subsidie-Agentschap 4.210 cursisten.\n"
                                   "1. Hoeveel cursisten werden bevraagd?")


ASKED = {"1": "1. Wie betaalt?", "2": "2. Hoeveel?", "4": "4. Hoe wordt het budget verdeeld?", "4a": "a) Per gemeente?",
         "4b": "b) Per inwoner?", "4c": "c) Sinds wanneer?", "6": "6. Wie beslist?"}


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("1-2", "1. Wie betaalt? 2. Hoeveel?"),
        ("4", "4. Hoe wordt het budget verdeeld? a) Per gemeente? b) Per inwoner? c) Sinds wanneer?"),
        ("4b", "4. Hoe wordt het budget verdeeld? b) Per inwoner?"),
        ("4b-c", "4. Hoe wordt het budget verdeeld? b) Per inwoner? c) Sinds wanneer?"),
        ("6a", "6. Wie beslist?"),
        ("3", ""),  # the question has no item 3
        ("", ""),  # the text before the first item
    ],
)
def test_answered_questions(label: str, expected: str) -> None:
    assert answered_questions(label, ASKED) == expected


def test_a_document_without_a_question_section_has_no_sub_questions() -> None:
    doc = Document(id="r", text="1. Wie betaalt?\n\n1. De gemeente betaalt.", title="Premies")
    assert [(c.section, c.item, c.asks) for c in split_into_chunks(doc)] == [("text", "1", ""), ("text", "1", "")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Inleiding.\n1-2. Eerste.\n3. Derde.\n", [("", "Inleiding."), ("1-2", "1-2. Eerste."), ("3", "3. Derde.")]),
        ("4. a) Doel.\nb) Aantal.\nc-e) Rest.\n",
         [("4a", "4. a) Doel."), ("4b", "b) Aantal."), ("4c-e", "c-e) Rest.")]),
        # A letter item after a plain number takes that number; the next number starts afresh.
        ("6. Zelf.\na) Kost.\n7. Resultaat.\n", [("6", "6. Zelf."), ("6a", "a) Kost."), ("7", "7. Resultaat.")]),
        # A year, an amount or a date at a line's start is not an item.
        ("1. Meting.\n2024. Dat jaar.\n15.087 personen.\n12 maart.\n", [("1", "1. Meting.\n2024. Dat jaar.\n"
                                                                         "15.087 personen.\n12 maart.")]),
        # A label needs white space after it.
        ("1. Eerste.\n2.5 keer meer.\nb)c\n", [("1", "1. Eerste.\n2.5 keer meer.\nb)c")]),
        ("Geen nummers hier.\n", [("", "Geen nummers hier.")]),
        ("   \n\n", []),
    ],
)
def test_split_items(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(label, text[start:end].strip()) for label, start, end in split_items(text, 0, len(text))] == expected


def test_split_items_stays_inside_the_span_it_is_given() -> None:
    text = "1. Vraag een.\n2. Vraag twee.\n---\n1. Antwoord een.\n"
    start = text.index("---") + 4
    assert split_items(text, start, len(text)) == [("1", start, len(text))]


# -- tables, paragraphs, sizes ------------------------------------------------------------------------

NPS_TABLE = "\n".join([  # a table keeps its lines: they are its rows
    "8. a)", "Type bevraging Wie Cijfers", "jaar x", "Net", "Promotor", "Score", "jaar x", "% (heel)", "tevreden",
    "jaar x", "Verschil", "% (heel)", "tevreden", "jaar x-1", "Na aanbod MO Inburgeraars 2022 72 95 -3",
    "Na test MO Inburgeraars 2022 nvt 90 nvt", "Na", "Inburgeringstraject", "Inburgeraars 2022 41 83 -5",
    "Vormingsaanbod", "AgII", "Deelnemers 2022 13 81 -10", "Lokale Besturen Medewerkers en", "mandatarissen",
    "2023 -6 70 3",
])


@pytest.mark.parametrize("chunk_size", [600, 200, 100])
def test_the_nps_table_is_one_chunk_even_when_longer_than_a_chunk(chunk_size: int) -> None:
    chunks = chunks_of(AGII, chunk_size, chunk_size // 5)
    holding = [c for c in chunks if "Inburgeraars 2022 41 83 -5" in c.text]
    assert [(c.item, c.section, c.is_table, c.text) for c in holding] == [
        ("8a", "answer", True, NPS_TABLE)]


def test_only_the_nps_table_is_marked_as_a_table() -> None:
    tables = [(c.doc_id, c.item) for name in CORPUS_FILES for c in chunks_of(name) if c.is_table]
    assert tables == [("agii-klanttevredenheid", "8a")]
    assert not any(c.is_table for c in split_into_chunks(load(DATA / "vdab-opleidingen.md")))


@pytest.mark.parametrize(
    ("name", "sentence"),
    [
        # In the source a blank line splits "... oriëntatie" from "actief zouden aanraden." (a page break).
        (AGII, "de cursus maatschappelijke oriëntatie actief zouden aanraden."),
        (AGII, "het agentschap actief zouden aanraden is hier kleiner,"),
        ("abb-klanttevredenheidsonderzoek.md",
         "de realisatie van de missie, visie en doelstellingen van het agentschap"),
    ],
)
def test_a_sentence_broken_by_a_blank_line_stays_in_one_chunk(name: str, sentence: str) -> None:
    assert sum(sentence in c.text for c in chunks_of(name)) == 1


def test_a_rejoined_sentence_stays_whole_when_its_paragraph_is_cut() -> None:
    texts = [c.text for c in chunks_of(AGII, 300, 60)]
    assert sum("het agentschap actief zouden aanraden is hier kleiner," in t for t in texts) == 1


def test_a_long_paragraph_is_cut_into_overlapping_pieces_under_the_size() -> None:
    body = " ".join(f"Zin {n} gaat over de meting van de tevredenheid." for n in range(1, 31))
    doc = Document(id="lang", text=body, title="Lang", sections=(Section("text", 0, len(body)),))
    chunks = split_into_chunks(doc, chunk_size=200, chunk_overlap=50)
    assert len(chunks) > 5
    assert all(c.end - c.start <= 200 for c in chunks)
    assert (chunks[0].start, chunks[-1].end) == (0, len(body))
    for before, after in zip(chunks, chunks[1:]):
        assert before.start < after.start < before.end  # each piece overlaps the one before: no gap
    assert all(c.text.startswith("Zin ") and c.text.endswith(".") for c in chunks)  # cut at sentence ends


def test_a_full_stop_before_a_lower_case_word_is_no_place_to_cut() -> None:
    # "spp. en": an abbreviation, not a sentence's end; the cut falls at the sentence end before it.
    body = ("Het onderzoek liep drie jaar in vier provincies. Het ging over twee soorten luizen (Aphis spp. "
            "en Myzus persicae) in kersen. De resultaten volgen later.")
    doc = Document(id="vliegen", text=body, title="Vliegen", sections=(Section("text", 0, len(body)),))
    texts = [c.text for c in split_into_chunks(doc, chunk_size=90, chunk_overlap=0)]
    assert texts == ["Het onderzoek liep drie jaar in vier provincies.",
                     "Het ging over twee soorten luizen (Aphis spp. en Myzus persicae) in kersen.",
                     "De resultaten volgen later."]


def test_paragraphs_are_packed_up_to_the_size() -> None:
    paragraphs = [f"Alinea {n} zegt iets over de klanten." for n in range(1, 9)]  # 36-37 characters each
    text = "\n\n".join(paragraphs)
    doc = Document(id="alineas", text=text, sections=(Section("text", 0, len(text)),))
    chunks = split_into_chunks(doc, chunk_size=100, chunk_overlap=0)
    assert [c.text for c in chunks] == [" ".join(paragraphs[i:i + 2]) for i in range(0, 8, 2)]


def test_an_empty_section_gives_no_chunk() -> None:
    text = "## Vraag\n\n   \n\n## Antwoord\n\nHet antwoord.\n"
    heading = text.index("## Antwoord")
    doc = Document(id="leeg", text=text, sections=(Section("question", 8, heading),
                                                   Section("answer", heading + 11, len(text))))
    assert [(c.section, c.text) for c in split_into_chunks(doc)] == [("answer", "Het antwoord.")]


def test_a_document_without_sections_is_one_text_section() -> None:
    doc = load(DATA / "stuurgroep.txt")
    assert [(c.section, c.item, c.title, c.text) for c in split_into_chunks(doc)] == [
        ("text", "", "Verslag van de stuurgroep klantenbevraging",
         "Verslag van de stuurgroep klantenbevraging De stuurgroep kwam op 12 maart 2024 samen. De nieuwe meting van "
         "de klanttevredenheid start in het najaar."),
    ]
    bare = Document(id="kaal", text="Een tekst zonder secties.")
    assert [(c.section, c.start, c.end) for c in split_into_chunks(bare)] == [("text", 0, 25)]


# -- offsets, sections and metadata over the whole corpus ---------------------------------------------


@pytest.mark.parametrize(("chunk_size", "chunk_overlap"), [(600, 80), (200, 50), (100, 0)])
@pytest.mark.parametrize("name", CORPUS_FILES)
def test_chunk_offsets_point_into_the_document_text(name: str, chunk_size: int, chunk_overlap: int) -> None:
    doc = load(CORPUS / name)
    chunks = split_into_chunks(doc, chunk_size, chunk_overlap)
    assert [c.text for c in chunks] == [clean_text(doc.text[c.start:c.end], keep_lines=c.is_table)
                                        for c in chunks]
    spans = {s.name: (s.start, s.end) for s in doc.sections}
    assert [c.section for c in chunks if not spans[c.section][0] <= c.start < c.end <= spans[c.section][1]] == []
    # A chunk is at most chunk_size characters of source text; only a table may be longer.
    assert [c.item for c in chunks if c.end - c.start > chunk_size and not c.is_table] == []
    assert [c.start for c in chunks] == sorted({c.start for c in chunks})  # reading order, no duplicates


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_every_chunk_carries_its_document_title_agency_and_section(name: str) -> None:
    doc = load(CORPUS / name)
    chunks = split_into_chunks(doc)
    assert {(c.doc_id, c.title, c.agency, c.agency_short) for c in chunks} == {
        (doc.id, doc.title, doc.agency, doc.agency_short)}
    assert doc.agency != "" and doc.agency_short != ""
    assert all(c.metadata["document_type"] == "schriftelijke vraag" for c in chunks)
    # The question comes first, then the answer: no chunk of one among the other's.
    sections = [c.section for c in chunks]
    assert sections == sorted(sections, key=["question", "answer"].index)
    assert set(sections) == {"question", "answer"}


def test_question_and_answer_are_apart() -> None:
    doc = load(CORPUS / AGII)
    (question, answer) = doc.sections
    chunks = split_into_chunks(doc)
    last_question = [c for c in chunks if c.section == "question"][-1]
    first_answer = [c for c in chunks if c.section == "answer"][0]
    assert last_question.text == ("12. Hoe evalueert de minister de laatste klanttevredenheidsmeting van het "
                                  "Agentschap Integratie en Inburgering?")
    assert last_question.end <= question.end < answer.start <= first_answer.start
    assert "Antwoord" not in last_question.text and "Antwoord" not in first_answer.text


# -- cleaning -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("de klant-\ntevredenheid", "de klanttevredenheid"),  # a word hyphenated over a line end
        ("de klant- \n   tevredenheid", "de klanttevredenheid"),
        ("Vlaams Subsidie-\nAgentschap", "Vlaams Subsidie-Agentschap"),  # a compound's own hyphen stays
        ("het ESF-\nAgentschap", "het ESF-Agentschap"),
        ("in 2021-\n2022", "in 2021-2022"),
        ("  twee   woorden \n\n op \t drie  regels \n", "twee woorden op drie regels"),
        ("een streepje - in de zin", "een streepje - in de zin"),
        ("", ""),
    ],
)
def test_clean_text(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


def test_a_suspended_compound_broken_over_a_line_keeps_its_hyphen_on_the_word() -> None:
    assert clean_text("kwaliteitsmanagement en -\nzorg") == "kwaliteitsmanagement en -zorg"


def test_line_broken_words_of_the_corpus_are_rejoined() -> None:
    wse = load(CORPUS / "wse-klantentevredenheidsmeting.md")
    assert "Vlaams Subsidie-\nAgentschap" in wse.text
    texts = [c.text for c in split_into_chunks(wse)]
    assert sum("door het toenmalige Vlaams Subsidie-Agentschap en het ESF-Agentschap op" in t for t in texts) == 1
    assert [t for t in texts if "-\n" in t or "- Agentschap" in t or "SubsidieAgentschap" in t] == []


# -- ids -----------------------------------------------------------------------------------------------


def test_chunk_id_is_a_hash_of_document_start_and_text() -> None:
    digest = hashlib.sha256(b"doc\x1f12\x1fDe tekst.").hexdigest()[:16]
    assert chunk_id("doc", 12, "De tekst.") == f"doc#{digest}"
    assert chunk_id("doc", 12, "De tekst.") != chunk_id("doc", 13, "De tekst.")
    assert chunk_id("doc", 12, "De tekst.") != chunk_id("doc2", 12, "De tekst.")
    assert all(c.id == chunk_id(c.doc_id, c.start, c.text) for c in chunks_of(AGII))


def test_chunk_ids_are_unique_within_the_corpus() -> None:
    ids = [c.id for name in CORPUS_FILES for c in chunks_of(name)]
    assert len(ids) == len(set(ids)) == 127


_PRINT_IDS = """
import json, sys
from pathlib import Path
from assistant.ingest.chunk import split_into_chunks
from assistant.ingest.load import load_file
print(json.dumps([c.id for p in sorted(Path('corpus').glob('*.md')) for c in split_into_chunks(load_file(p)[0])]))
"""


def test_chunk_ids_are_the_same_in_another_process() -> None:
    ids = [c.id for name in CORPUS_FILES for c in chunks_of(name)]
    env = {**os.environ, "PYTHONHASHSEED": "4321"}  # another str hash seed: ids must not depend on it
    run = subprocess.run([sys.executable, "-c", _PRINT_IDS], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120, check=True)
    assert json.loads(run.stdout) == ids
