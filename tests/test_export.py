"""export.py: Markdown and DOCX with the sources in full, citations renumbered to the sources listed."""
from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path

from docx import Document as open_docx
from docx.oxml.ns import qn

from assistant.apps.conversation import Turn
from assistant.apps.export import escape_markdown, number_sources, to_docx, to_markdown, write_exports
from assistant.types import Answer, Chunk, Citation, Passage


def passage(rank: int, chunk_id: str, text: str, title: str = "K&G - Meting", item: str = "") -> Passage:
    chunk = Chunk(id=chunk_id, doc_id=f"doc-{chunk_id}", text=text, start=10 * rank, end=10 * rank + len(text),
                  title=title, section="answer", item=item,
                  metadata={"agency": "Kind en Gezin", "agency_short": "K&G"})
    return Passage(chunk=chunk, score=0.5, rank=rank)


def turn(question: str, text: str, passages: list[Passage], cited: list[int], searched: str = "",
         **fields: object) -> Turn:
    by_rank = {p.rank: p for p in passages}
    answer = Answer(question=question, answered=bool(cited), text=text,
                    citations=tuple(Citation(n, by_rank[n]) for n in cited), passages=tuple(passages),
                    searched=searched or question, **fields)  # type: ignore[arg-type]
    return Turn(question, answer)


ONE = passage(1, "a", "Ouders geven feedback via *Meet the Parents*.", item="3")
TWO = passage(2, "b", "Een enquête <script>alert(1)</script> bij 95% van de ouders.")
THREE = passage(1, "c", "ABB meet jaarlijks.", title="ABB - Onderzoek")
CONVERSATION = [
    turn("Hoe meet K&G?", "Via een community [1]. Ook een enquête [2].", [ONE, TWO], [1, 2]),
    turn("En ABB?", "Jaarlijks [1]. Zoals K&G [2].", [THREE, TWO], [1, 2], searched="Hoe meet ABB?",
         notices=("Filter toegepast: agentschap: ABB.",)),
]


def test_sources_are_numbered_once_in_order_of_first_citation() -> None:
    sources = number_sources(CONVERSATION)
    assert [p.chunk.id for p in sources.passages] == ["a", "b", "c"]
    assert sources.numbers == ({1: 1, 2: 2}, {1: 3, 2: 2})  # turn 2's [2] is turn 1's [2]


def test_markdown_of_a_conversation() -> None:
    text = to_markdown(CONVERSATION, exported_at=datetime(2024, 5, 6, 7, 8))
    assert text == """# Parlementaire vragen: gesprek met bronnen

Geëxporteerd op 06-05-2024 07:08.

## Vraag 1

> Hoe meet K&G?

**Antwoord**

Via een community [[1]](#bron-1). Ook een enquête [[2]](#bron-2).

## Vraag 2

> En ABB?

*Gezocht naar:* Hoe meet ABB?

**Antwoord**

Jaarlijks [[3]](#bron-3). Zoals K&G [[2]](#bron-2).

*Filter toegepast: agentschap: ABB.*

## Bronnen

<a id="bron-1"></a>

### [1] K&G - Meting

- Agentschap: Kind en Gezin (K&G)
- Plaats: Antwoord, punt 3
- Document: doc-a, tekens 10–55

> Ouders geven feedback via \\*Meet the Parents\\*.

<a id="bron-2"></a>

### [2] K&G - Meting

- Agentschap: Kind en Gezin (K&G)
- Plaats: Antwoord
- Document: doc-b, tekens 20–80

> Een enquête \\<script\\>alert(1)\\</script\\> bij 95% van de ouders.

<a id="bron-3"></a>

### [3] ABB - Onderzoek

- Agentschap: Kind en Gezin (K&G)
- Plaats: Antwoord
- Document: doc-c, tekens 10–29

> ABB meet jaarlijks.
"""


def test_every_markdown_citation_points_to_a_listed_source() -> None:
    text = to_markdown(CONVERSATION)
    cited = set(re.findall(r"\]\(#(bron-\d+)\)", text))
    listed = set(re.findall(r'<a id="(bron-\d+)"></a>', text))
    assert cited == listed == {"bron-1", "bron-2", "bron-3"}


def test_latest_answer_alone_keeps_its_number_and_its_own_sources() -> None:
    text = to_markdown(CONVERSATION[-1:], first_number=2)
    assert "## Vraag 2" in text and "## Vraag 1" not in text
    assert "Jaarlijks [[1]](#bron-1). Zoals K&G [[2]](#bron-2)." in text
    assert "### [1] ABB - Onderzoek" in text and "### [3]" not in text


def test_comparison_exports_as_a_table() -> None:
    rows = ({"agency": "Kind en Gezin", "agency_short": "K&G", "method": "Community [1].", "key_figure": "95% [2]",
             "citations": [1, 2]},)
    text = to_markdown([turn("Vergelijk", "- K&G: Community [1].", [ONE, TWO], [1, 2], comparison=rows)])
    assert ("| Agentschap | Methode | Kerncijfer | Bron |\n| --- | --- | --- | --- |\n"
            "| Kind en Gezin (K&G) | Community [[1]](#bron-1). | 95% [[2]](#bron-2) | [[1]](#bron-1) [[2]](#bron-2) |"
            ) in text


def test_an_unanswered_question_exports_without_sources() -> None:
    text = to_markdown([turn("Wat kost het?", "De documenten beantwoorden deze vraag niet.", [ONE], [])])
    assert text.endswith("## Bronnen\n\nGeen enkel antwoord citeert een passage.\n")


def test_escape_markdown_keeps_characters_visible() -> None:
    assert escape_markdown("<img src=x onerror=alert(1)> *a* [1] a|b") == (
        "\\<img src=x onerror=alert(1)\\> \\*a\\* \\[1\\] a\\|b")


def docx_parts(data: bytes) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    """(paragraph texts incl. table cells, (link anchor, link text) pairs, bookmark names)."""
    doc = open_docx(io.BytesIO(data))
    body = doc.element.body
    texts = ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in body.iter(qn("w:p"))]
    links = [(h.get(qn("w:anchor")), "".join(t.text or "" for t in h.iter(qn("w:t"))))
             for h in body.iter(qn("w:hyperlink"))]
    marks = [b.get(qn("w:name")) for b in body.iter(qn("w:bookmarkStart"))]
    return texts, links, marks


def test_docx_citations_link_to_bookmarked_sources() -> None:
    texts, links, marks = docx_parts(to_docx(CONVERSATION))
    assert links == [("bron_1", "[1]"), ("bron_2", "[2]"), ("bron_3", "[3]"), ("bron_2", "[2]")]
    assert marks == ["bron_1", "bron_2", "bron_3"]
    assert "Via een community [1]. Ook een enquête [2]." in texts
    assert "Gezocht naar: Hoe meet ABB?" in texts
    assert "[2] K&G - Meting" in texts
    assert "Een enquête <script>alert(1)</script> bij 95% van de ouders." in texts  # Word shows text as text
    assert texts.index("Bronnen") < texts.index("[1] K&G - Meting")


def test_docx_drops_characters_xml_cannot_hold() -> None:
    bad = passage(1, "x", "tekst\x00met\x0bstuurtekens")
    texts, _, _ = docx_parts(to_docx([turn("V\x01?", "Ja [1].", [bad], [1])]))
    assert "tekstmetstuurtekens" in texts and "V?" in texts


def test_write_exports_writes_both_files(tmp_path: Path) -> None:
    markdown, docx = write_exports(CONVERSATION, tmp_path / "out", "gesprek")
    assert (markdown.name, docx.name) == ("gesprek.md", "gesprek.docx")
    assert markdown.read_text(encoding="utf-8") == to_markdown(CONVERSATION)
    assert docx_parts(docx.read_bytes())[2] == ["bron_1", "bron_2", "bron_3"]
