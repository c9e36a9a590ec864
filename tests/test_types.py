"""The data between the stages: the agency a document or chunk names, and how it is shown."""
from __future__ import annotations

import pytest

from assistant.types import Chunk, Document, agency_label

AGII = {"agency": "Agentschap Integratie en Inburgering", "agency_short": "AgII"}


@pytest.mark.parametrize(
    ("metadata", "agency", "short", "label"),
    [
        (AGII, "Agentschap Integratie en Inburgering", "AgII", "Agentschap Integratie en Inburgering (AgII)"),
        ({"agency": "Kind en Gezin"}, "Kind en Gezin", "Kind en Gezin", "Kind en Gezin"),
        ({"department": "Minister van Mobiliteit"}, "Minister van Mobiliteit", "Minister van Mobiliteit",
         "Minister van Mobiliteit"),  # an archive that names no agency: the department
        ({}, "", "", ""),
    ],
)
def test_documents_and_chunks_name_their_agency_alike(metadata: dict, agency: str, short: str, label: str) -> None:
    document = Document(id="d", text="Tekst.", metadata=metadata)
    chunk = Chunk(id="d#1", doc_id="d", text="Tekst.", start=0, end=6, metadata=metadata)
    for item in (document, chunk):
        assert (item.agency, item.agency_short, item.agency_label) == (agency, short, label)


def test_a_chunk_is_a_table_when_the_chunker_marked_it() -> None:
    marked = Chunk(id="d#1", doc_id="d", text="a 1 2", start=0, end=5, metadata={"table": True})
    assert (marked.is_table, Chunk(id="d#2", doc_id="d", text="a", start=0, end=1).is_table) == (True, False)


def test_the_agency_label_leaves_out_a_short_form_that_says_nothing_more() -> None:
    assert [agency_label("Kind en Gezin", s) for s in ("KG", "Kind en Gezin", "")] == [
        "Kind en Gezin (KG)", "Kind en Gezin", "Kind en Gezin"]
