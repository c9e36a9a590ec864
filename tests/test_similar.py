"""similar: documents ranked by their best chunks, one row per answer (copies of one answer grouped), and a draft
with a section per point whose every line cites the passage its sentence stands in; the `similar` command's text,
--json, --docx and --markdown output."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from support import CORPUS, BuildAssistant

from assistant.apps import cli
from assistant.core import Assistant
from assistant.errors import InputError
from assistant.similar import (
    NO_EARLIER_ANSWER,
    aggregate,
    find_similar,
    highlight_spans,
    question_points,
    question_stems,
    rank_documents,
    strip_boilerplate,
)
from assistant.types import Chunk

KG_QUESTION = ("Klanttevredenheid bij Kind en Gezin\n\nGraag kreeg ik een antwoord op de volgende vragen: "
               "1. Hoe meet Kind en Gezin de tevredenheid van zijn klanten? 2. Hoeveel respondenten waren er?")
DOCUMENT_KEYS = {"rank", "doc_id", "title", "score", "date", "agency", "passage", "chunk_id", "section", "item",
                 "highlights", "copies"}


@pytest.fixture
def corpus(build_assistant: BuildAssistant) -> Assistant:
    return build_assistant([CORPUS])


# -- pure helpers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("question", "points"), [
    ("Onderwerp. - Sub\n\nIntro. 1. Wat is X?2. Zou Y kunnen? 3. Hoeveel in 2016?",
     [("1", "Wat is X?"), ("2", "Zou Y kunnen?"), ("3", "Hoeveel in 2016?")]),
    # A "3." that breaks the run 1, 2 is part of the text, not a point.
    ("1. Wat kostte het in 2016? 3. Daling? 2. Waarom?",
     [("1", "Wat kostte het in 2016? 3. Daling?"), ("2", "Waarom?")]),
    ("Mijn vragen:1. Wat kost het?2. Wie betaalt?", [("1", "Wat kost het?"), ("2", "Wie betaalt?")]),
    ("1) Wat kost het? 2) Wie betaalt?", [("1", "Wat kost het?"), ("2", "Wie betaalt?")]),
    # After a colon or a semicolon a point may start with a small letter; elsewhere "3. van" is no point.
    ("Kan u meedelen:1. hoeveel zaken er zijn;2. hoeveel er open zijn?",
     [("1", "hoeveel zaken er zijn;"), ("2", "hoeveel er open zijn?")]),
    ("Zie artikel 1. van de wet en artikel 2. van het besluit.", [
        ("", "Zie artikel 1. van de wet en artikel 2. van het besluit.")]),
    ("Vragen: a) hoeveel kost het? b) Wie betaalt?", [("a", "hoeveel kost het?"), ("b", "Wie betaalt?")]),
    # Numbers first: the letters of a point's sub-questions stay in its text.
    ("1. Wat kost het: a) in 2016? b) in 2017? 2. Wie betaalt?",
     [("1", "Wat kost het: a) in 2016? b) in 2017?"), ("2", "Wie betaalt?")]),
    # Without numbers a question is one point, however many question marks it has.
    ("Hoeveel kost het? Wie betaalt het?", [("", "Hoeveel kost het? Wie betaalt het?")]),
    ("Hoeveel kost het parkeren in Gent?", [("", "Hoeveel kost het parkeren in Gent?")]),
    ("1. Eén enkele vraag?", [("", "1. Eén enkele vraag?")]),
    ("Artikel 3. Wat staat erin? a) is geen reeks", [("", "Artikel 3. Wat staat erin? a) is geen reeks")]),
])
def test_question_points(question: str, points: list[tuple[str, str]]) -> None:
    assert question_points(question) == points


@pytest.mark.parametrize(("question", "stripped"), [
    ("Graag kreeg ik een antwoord op de volgende vragen: 1. Wat?", "1. Wat?"),
    ("Onderwerp. Mijn volgende vragen zijn: a) b)", "Onderwerp. a) b)"),
    ("Ik had graag vernomen hoeveel het kost.", "hoeveel het kost."),
    ("Hoeveel kost het?", "Hoeveel kost het?"),
])
def test_strip_boilerplate(question: str, stripped: str) -> None:
    assert strip_boilerplate(question) == stripped


def _chunk(doc_id: str, n: int) -> Chunk:
    return Chunk(id=f"{doc_id}#{n}", doc_id=doc_id, text="x", start=n, end=n + 1)


def test_aggregate_takes_each_documents_best_chunk_plus_a_share_of_its_second() -> None:
    hits = [(_chunk("a", 0), 3.0), (_chunk("b", 0), 5.0), (_chunk("a", 1), 4.0), (_chunk("c", 0), 4.0)]
    assert aggregate(hits) == [("b", 5.0), ("a", 4.0), ("c", 4.0)]
    assert aggregate(hits, second=0.5) == [("a", 5.5), ("b", 5.0), ("c", 4.0)]
    assert aggregate([]) == []


def test_highlight_spans_mark_only_the_rare_words_the_question_shares(corpus: Assistant) -> None:
    index = corpus.index
    stems = set(index.analyzer.tokens("tevredenheid van de respondenten in 2022: werken en moeten"))
    # In 4 and 8 of the 127 chunks (an answer item counts the words of the sub-questions it replies to):
    # "2022" and "respondent" carry the question. "tevreden" is in all 127 and "werk" in 45 (the corpus is
    # about satisfaction), "moet" a stop word the index never counted.
    assert [(s, index.df(s)) for s in sorted(stems)] == [
        ("2022", 4), ("moet", 0), ("respondent", 8), ("tevreden", 127), ("werk", 45)]
    text = "De klanttevredenheid werd in 2022 gemeten; 3 respondenten antwoordden dat ze moeten werken."
    assert [text[s:e] for s, e in highlight_spans(index, text, stems)] == ["2022", "respondenten"]


def test_question_stems_keep_compound_parts_of_five_letters_or_more(corpus: Assistant) -> None:
    assert question_stems(corpus.index, "De klanttevredenheid en de loopbrug; daarvoor") == {
        "klanttevreden", "klant", "tevreden", "loopbrug", "daarvoor"}  # not "loop", "brug", "daar", "voor"


def test_a_short_compound_part_marks_nothing(corpus: Assistant) -> None:
    index = corpus.index  # "daarvoor" splits into "daar" and "voor", as "daarnaast" into "daar" and "naast"
    assert highlight_spans(index, "Daarnaast is er de website.", set(index.analyzer.tokens("daarvoor"))) == ()


# -- ranking and the draft over the shipped corpus (hash embedder) -----------------------------------


def test_documents_come_one_row_each_best_first(corpus: Assistant) -> None:
    found = find_similar(corpus, KG_QUESTION, k=5)
    assert [d.doc_id for d in found.documents] == [
        "kg-klantentevredenheidsmeting", "agii-klanttevredenheid", "wse-klantentevredenheidsmeting",
        "abb-klanttevredenheidsonderzoek", "agii-klantentevredenheidsmeting"]
    assert [d.rank for d in found.documents] == [1, 2, 3, 4, 5]
    scores = [d.score for d in found.documents]
    assert scores[0] == pytest.approx(1.0) and scores == sorted(scores, reverse=True)
    assert all(d.passage.chunk.doc_id == d.doc_id for d in found.documents)


def test_k_limits_the_documents(corpus: Assistant) -> None:
    assert [d.doc_id for d in find_similar(corpus, KG_QUESTION, k=2).documents] == [
        "kg-klantentevredenheidsmeting", "agii-klanttevredenheid"]


def test_the_draft_has_a_section_per_point_and_every_line_cites_the_passage_its_sentence_stands_in(
        corpus: Assistant) -> None:
    found = find_similar(corpus, KG_QUESTION, k=5)
    assert [(s.point, s.question) for s in found.sections] == [
        ("1", "Hoe meet Kind en Gezin de tevredenheid van zijn klanten?"), ("2", "Hoeveel respondenten waren er?")]
    assert [[(line.text, line.n) for line in s.lines] for s in found.sections] == [
        [("Daarnaast start Kind en Gezin ook met een proefproject in een aantal regio’s om meteen na een contact "
          "met Kind en Gezin (in het consultatiebureau of thuis) aan de ouders feedback te vragen over de "
          "dienstverlening door onze medewerkers.", 1)],
        [("Bevraging lokale besturen (2023): 70% van de respondenten is (heel) tevreden over de samenwerking met "
          "AgII.", 2)]]
    assert [p.chunk.doc_id for p in found.sources] == ["kg-klantentevredenheidsmeting", "agii-klanttevredenheid"]
    assert [p.rank for p in found.sources] == list(range(1, len(found.sources) + 1))
    for line in found.draft:
        source = found.sources[line.n - 1].chunk
        assert line.text.replace(": ", ": • ") in source.text or line.text in source.text
        assert source.section == "answer"  # the draft is made of what was answered, not what was asked
    assert found.draft_text.splitlines()[0] == "1. Hoe meet Kind en Gezin de tevredenheid van zijn klanten?"


def test_a_point_no_earlier_answer_addresses_says_so(corpus: Assistant) -> None:
    question = KG_QUESTION + " 3. Hoeveel kost de nieuwe voetgangersbrug aan het station van Mechelen?"
    found = find_similar(corpus, question, k=5)
    assert [(s.point, len(s.lines)) for s in found.sections] == [("1", 1), ("2", 1), ("3", 0)]
    assert found.draft_text.splitlines()[-2:] == [
        "3. Hoeveel kost de nieuwe voetgangersbrug aan het station van Mechelen?", f"   {NO_EARLIER_ANSWER}"]


def test_a_filter_keeps_other_agencies_out(corpus: Assistant) -> None:
    found = find_similar(corpus, KG_QUESTION, k=5, agencies=["AgII"])
    assert [d.doc_id for d in found.documents] == ["agii-klanttevredenheid", "agii-klantentevredenheidsmeting"]


def test_rank_documents_with_a_filter_matching_nothing_is_empty(corpus: Assistant) -> None:
    from assistant.search.retrieve import Filters

    assert rank_documents(corpus.index, KG_QUESTION, 5, Filters(doc_ids=("missing",))) == []


@pytest.mark.parametrize(("question", "k", "message"), [
    ("   ", 5, "de vraag is leeg: stel een vraag"),
    ("Hoe?", 0, "k must be between 1 and 50, not 0"),
    ("Hoe?", 51, "k must be between 1 and 50, not 51"),
])
def test_bad_input_is_an_input_error(corpus: Assistant, question: str, k: int, message: str) -> None:
    with pytest.raises(InputError) as error:
        find_similar(corpus, question, k=k)
    assert str(error.value) == message


def test_json_contract(corpus: Assistant) -> None:
    data = find_similar(corpus, KG_QUESTION, k=3).to_json()
    assert set(data) == {"question", "documents", "draft"}
    assert data["question"] == KG_QUESTION
    assert [d["doc_id"] for d in data["documents"]] == [
        "kg-klantentevredenheidsmeting", "agii-klanttevredenheid", "wse-klantentevredenheidsmeting"]
    assert all(set(d) == DOCUMENT_KEYS for d in data["documents"])
    first = data["documents"][0]
    assert first["passage"] == corpus.index.chunk(first["chunk_id"]).text
    draft = data["draft"]
    assert set(draft) == {"text", "sections", "sources"}
    assert [(s["point"], [line["citation"] for line in s["lines"]]) for s in draft["sections"]] == [
        ("1", [1]), ("2", [2])]
    assert all(set(s) == {"point", "question", "lines"} for s in draft["sections"])
    assert all(set(line) == {"text", "citation"} for s in draft["sections"] for line in s["lines"])
    assert [(s["n"], s["doc_id"], s["agency"], s["date"]) for s in draft["sources"]] == [
        (1, "kg-klantentevredenheidsmeting", "Kind en Gezin", ""),
        (2, "agii-klanttevredenheid", "Agentschap Integratie en Inburgering", "")]
    assert set(draft["sources"][0]) == {"n", "doc_id", "title", "date", "agency", "chunk_id", "text"}
    assert draft["sources"][0]["text"] == corpus.index.chunk(draft["sources"][0]["chunk_id"]).text


# -- the command ---------------------------------------------------------------------------------------


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_similar_json_with_the_real_model(capsys: pytest.CaptureFixture[str], corpus_assistant: Assistant,
                                          tmp_path: Path) -> None:
    index = str(corpus_assistant.settings.index_dir)
    question_file = tmp_path / "vraag.txt"
    question_file.write_text(KG_QUESTION, encoding="utf-8")
    code, out, err = _run(capsys, "similar", "--json", "--k", "3", str(question_file), "--index", index)
    assert (code, err) == (0, "")
    (line,) = out.splitlines()
    data = json.loads(line)
    want = find_similar(corpus_assistant, KG_QUESTION, k=3)
    assert data == json.loads(json.dumps(want.to_json(), ensure_ascii=False))
    assert data["documents"][0]["doc_id"] == "kg-klantentevredenheidsmeting"


def test_similar_reads_one_long_question_from_stdin(capsys: pytest.CaptureFixture[str], corpus_assistant: Assistant,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(KG_QUESTION))
    code, out, err = _run(capsys, "similar", "--k", "2", "--index", str(corpus_assistant.settings.index_dir))
    assert (code, err) == (0, "")
    want = find_similar(corpus_assistant, KG_QUESTION, k=2)
    lines = out.splitlines()
    first = want.documents[0]
    assert lines[0] == f"1. {first.title} [{first.doc_id}] ({first.agency})  score 1.00"
    text, spans = first.passage.chunk.text, first.highlights
    assert lines[1].replace("**", "").strip() == text
    assert lines[1].count("**") == 2 * len(spans)  # the rare words the question shares are in bold
    assert "Ontwerp van antwoord:" in lines
    assert "1. Hoe meet Kind en Gezin de tevredenheid van zijn klanten?" in lines
    assert f"   {want.draft[0].render()}" in lines


def test_similar_with_an_empty_question_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = _run(capsys, "similar", "  ", "--index", str(tmp_path / "none"))
    assert (code, out, err) == (2, "", "error: de vraag is leeg: stel een vraag\n")


def test_a_pasted_question_longer_than_a_file_name_is_text(capsys: pytest.CaptureFixture[str],
                                                           corpus_assistant: Assistant) -> None:
    pasted = " ".join([KG_QUESTION.replace("\n", " ")] * 6)  # one line of thousands of characters
    assert len(pasted) > 1000
    code, out, err = _run(capsys, "similar", "--json", "--k", "2", pasted,
                          "--index", str(corpus_assistant.settings.index_dir))
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data == json.loads(json.dumps(find_similar(corpus_assistant, pasted, k=2).to_json(), ensure_ascii=False))


THREE_POINTS = KG_QUESTION + " 3. Hoeveel kost de nieuwe voetgangersbrug aan het station van Mechelen?"


def test_similar_writes_the_draft_as_docx_and_markdown(capsys: pytest.CaptureFixture[str],
                                                       corpus_assistant: Assistant, tmp_path: Path) -> None:
    from docx import Document as open_docx

    from assistant.apps.draft_export import draft_markdown

    docx, markdown = tmp_path / "ontwerp.docx", tmp_path / "ontwerp.md"
    code, out, err = _run(capsys, "similar", "--json", "--k", "3", THREE_POINTS, "--docx", str(docx),
                          "--markdown", str(markdown), "--index", str(corpus_assistant.settings.index_dir))
    assert (code, err) == (0, "")
    want = find_similar(corpus_assistant, THREE_POINTS, k=3)
    data = json.loads(out)
    assert data == json.loads(json.dumps(want.to_json(), ensure_ascii=False))
    # The JSON shape of the draft: a section per point, its lines with their [n], the sources.
    assert [s["point"] for s in data["draft"]["sections"]] == ["1", "2", "3"]
    assert data["draft"]["sections"][2]["lines"] == []
    cited = sorted({line["citation"] for s in data["draft"]["sections"] for line in s["lines"]})
    assert cited == [s["n"] for s in data["draft"]["sources"]] == list(range(1, len(cited) + 1))
    assert markdown.read_text(encoding="utf-8") == draft_markdown(want)
    paragraphs = [(p.style.name, p.text) for p in open_docx(str(docx)).paragraphs]
    headings = [text for style, text in paragraphs if style == "Heading 1"]
    assert headings == ["Vraag", "Punt 1", "Punt 2", "Punt 3", "Bronnen"]
    after_point_3 = [text for _, text in paragraphs[paragraphs.index(("Heading 1", "Punt 3")) + 1:]]
    assert after_point_3[:2] == ["Hoeveel kost de nieuwe voetgangersbrug aan het station van Mechelen?",
                                 "Geen eerder antwoord over dit punt."]
    sources = [text for _, text in paragraphs if text.startswith("[")]
    assert [s.split("]")[0] for s in sources] == [f"[{n}" for n in cited]


def test_similar_writes_one_question_s_draft_only(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = _run(capsys, "similar", "Eerste vraag?", "Tweede vraag?", "--docx", str(tmp_path / "x.docx"),
                          "--index", str(tmp_path / "none"))
    assert (code, out, err) == (2, "", "error: --docx and --markdown write the draft of one question: give one\n")
    assert not (tmp_path / "x.docx").exists()
