"""render.py: escaping, citation links, the passage in its document, the comparison table."""
from __future__ import annotations

import pytest

from assistant.apps.render import (
    link_citations,
    parse_citation_target,
    passage_in_context,
    render_answer,
    render_question,
    render_sources,
    stream_steps,
)
from assistant.types import Answer, Chunk, Citation, Document, Passage

DOC_TEXT = "Eerste alinea over iets.\n\nTweede alinea: de meting gebeurt\njaarlijks met een enquête. Slot."
START = DOC_TEXT.index("de meting")
END = DOC_TEXT.index(" Slot.")


def passage(rank: int, text: str = "de meting gebeurt jaarlijks met een enquête.", doc_id: str = "doc-a",
            title: str = "Titel A", start: int = START, end: int = END, item: str = "2",
            agency: str = "Kind en Gezin", short: str = "K&G") -> Passage:
    chunk = Chunk(id=f"c{rank}-{doc_id}", doc_id=doc_id, text=text, start=start, end=end, title=title,
                  section="answer", item=item, metadata={"agency": agency, "agency_short": short})
    return Passage(chunk=chunk, score=1.0 / rank, rank=rank)


def answer(text: str, cited: tuple[int, ...] = (1,), passages: tuple[Passage, ...] | None = None,
           **fields: object) -> Answer:
    passages = passages or (passage(1), passage(2, text="Iets anders.", doc_id="doc-b", title="Titel B"))
    by_rank = {p.rank: p for p in passages}
    return Answer(question="Hoe?", answered=True, text=text, citations=tuple(Citation(n, by_rank[n]) for n in cited),
                  passages=passages, searched=str(fields.pop("searched", "Hoe?")), **fields)  # type: ignore[arg-type]


def documents(doc_id: str) -> Document | None:
    return Document(id=doc_id, text=DOC_TEXT, title="Titel A") if doc_id == "doc-a" else None


def test_link_citations_links_only_the_answers_passages() -> None:
    assert link_citations("a [1] b [3] c [0]", turn=2, valid=[1, 2]) == (
        'a <a class="cite" href="#bron-2-1" title="Bron 1 tonen">[1]</a> b [3] c [0]')


@pytest.mark.parametrize("target, expected", [
    ("#bron-0-1", (0, 1)), ("bron-12-3", (12, 3)), ("#bron-1", None), ("#bron-a-1", None),
    ("javascript:alert(1)", None), ("", None),
])
def test_parse_citation_target(target: str, expected: tuple[int, int] | None) -> None:
    assert parse_citation_target(target) == expected


def test_answer_text_and_question_are_escaped_not_markup() -> None:
    shown = render_answer(answer("Zie <script>alert(1)</script> & <img src=x onerror=alert(1)> [1]."), 0,
                          "<b>vraag</b>")
    assert "<script>" not in shown and "<img" not in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;" in shown
    assert render_question("<img src=x onerror=alert(1)>") == (
        '<div class="question">&lt;img src=x onerror=alert(1)&gt;</div>')


def test_answer_shows_the_searched_question_only_when_it_differs() -> None:
    same = render_answer(answer("Ja [1].", searched="Hoe meet K&G?"), 0, "Hoe meet K&G?")
    other = render_answer(answer("Ja [1].", searched="Hoe meet Kind en Gezin?"), 0, "En Kind en Gezin?")
    assert "Gezocht naar" not in same
    assert '<div class="searched">Gezocht naar: <q>Hoe meet Kind en Gezin?</q></div>' in other


def test_answer_has_no_raw_newline_and_lists_its_notices() -> None:
    shown = render_answer(answer("Regel een [1].\nRegel twee.", notices=("Filter toegepast: agentschap: K&G.",)),
                          1, "Hoe?")
    assert "\n" not in shown
    assert "Regel een" in shown and "<br>Regel twee." in shown
    assert '<div class="notice">Filter toegepast: agentschap: K&amp;G.</div>' in shown
    assert 'href="#bron-1-1"' in shown


def test_comparison_is_a_table_with_one_row_per_agency_and_cited_cells() -> None:
    rows = ({"agency": "Kind en Gezin", "agency_short": "K&G", "method": "Online community [1].",
             "key_figure": "95% [1]", "citations": [1]},
            {"agency": "Agentschap <i>X</i>", "agency_short": "X", "method": "Enquête [2].", "key_figure": "",
             "citations": [2]})
    shown = render_answer(answer("- K&G: Online community [1].\n- X: Enquête [2].", cited=(1, 2), comparison=rows),
                          0, "Vergelijk")
    assert shown.count("<tr>") == 3  # header and two agencies
    assert "<th>Agentschap</th><th>Methode</th><th>Kerncijfer</th><th>Bron</th>" in shown
    assert '<td class="agency">Kind en Gezin (K&amp;G)</td>' in shown
    assert '<td class="agency">Agentschap &lt;i&gt;X&lt;/i&gt; (X)</td>' in shown
    assert ('<td class="figure">95% <a class="cite" href="#bron-0-1" title="Bron 1 tonen">[1]</a></td>') in shown
    assert '<td class="figure">—</td>' in shown  # no key figure: said, not left blank
    assert '<td class="sources"><a class="cite" href="#bron-0-2" title="Bron 2 tonen">[2]</a></td>' in shown
    assert "answer-text" not in shown  # the table replaces the bullet text


def test_passage_in_context_cuts_at_white_space() -> None:
    text = "aaa bbb ccc DDD eee fff ggg"
    context = passage_in_context(text, 12, 15, window=6)
    assert (context.before, context.passage, context.after) == ("ccc ", "DDD", " eee")
    assert (context.cut_before, context.cut_after) == (True, True)
    whole = passage_in_context(text, 12, 15, window=100)
    assert whole.before + whole.passage + whole.after == text
    assert (whole.cut_before, whole.cut_after) == (False, False)


def test_sources_list_cited_passages_and_keep_the_uncited_one_click_away() -> None:
    panel = render_sources(answer("Ja [1]."), 0, documents)
    assert "<mark" not in panel  # nothing opened until a citation is clicked
    assert '<li class="card" id="kaart-0-1">' in panel
    assert "Kind en Gezin (K&amp;G) · Antwoord · punt 2" in panel
    assert '<details class="uncited"><summary>Andere gevonden passages (1), niet geciteerd</summary>' in panel
    assert panel.index("kaart-0-1") < panel.index("<details") < panel.index("kaart-0-2")


def test_opened_citation_shows_the_passage_marked_inside_its_document() -> None:
    panel = render_sources(answer("Ja [1]."), 3, documents, selected=1)
    assert ('<div class="document">Eerste alinea over iets.<br><br>Tweede alinea: '
            '<mark id="geciteerd">de meting gebeurt jaarlijks met een enquête.</mark> Slot.</div>') in panel
    assert '<section class="viewer" id="bron-3-1"><h3>[1] Titel A</h3>' in panel
    assert '<li class="card active" id="kaart-3-1">' in panel


def test_opening_an_uncited_passage_opens_its_list() -> None:
    panel = render_sources(answer("Ja [1]."), 0, documents, selected=2)
    assert '<details class="uncited" open>' in panel
    # doc-b's text is not available: the passage alone is shown, marked
    assert '<mark id="geciteerd">Iets anders.</mark>' in panel


def test_titles_and_document_text_in_the_panel_are_escaped() -> None:
    evil = "<script>alert(1)</script><img src=x onerror=alert(1)>"
    p = passage(1, text=evil, title=evil, doc_id="evil", start=0, end=len(evil))
    panel = render_sources(answer("x [1].", passages=(p,)), 0,
                           lambda _: Document(id="evil", text=evil, title=evil), selected=1)
    assert "<script" not in panel and "<img" not in panel
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in panel


def test_stream_steps_grow_to_the_whole_text() -> None:
    assert stream_steps("een twee drie vier vijf", words_per_step=2) == ["een twee", "een twee drie vier",
                                                                           "een twee drie vier vijf"]
    assert stream_steps("kort", words_per_step=6) == ["kort"]
    long = " ".join(str(i) for i in range(100))
    assert len(stream_steps(long, words_per_step=6, most=12)) == 12  # 9 words a step, not 6
