"""Example questions for an empty chat, made from the open index's documents: their subject lines."""
from __future__ import annotations

import re

from .search.index import Index

MAX_EXAMPLES = 4
MAX_SUBJECT_CHARS = 90
MAX_AGENCY_CHARS = 12  # "ABB", "AgII": a short form reads well in a question; a minister's full title does not


def subject_of(title: str, subject: str = "") -> str:
    """A document's subject: its `subject` metadata, else its title after the last " - " ("Agentschap X -
    Klanttevredenheid" -> "Klanttevredenheid"), else the title, without a closing full stop."""
    text = subject or title.rsplit(" - ", 1)[-1]
    return re.sub(r"\s+", " ", text).strip().rstrip(".").strip()


def example_questions(index: Index, n: int = MAX_EXAMPLES) -> list[str]:
    """Up to n questions about different subjects of the index, from documents spread over it (the same ones
    every time for the same index); none for an index whose documents have neither subject nor title."""
    made: list[str] = []
    doc_ids = index.document_ids()
    step = max(1, len(doc_ids) // (4 * n))  # look at about 4n documents evenly spread, not only the first few
    for doc_id in doc_ids[::step]:
        chunk = index.first_chunk(doc_id)
        if chunk is None:
            continue
        subject = subject_of(chunk.title, str(chunk.metadata.get("subject", "")))
        if not subject or len(subject) > MAX_SUBJECT_CHARS:
            continue
        short = chunk.agency_short
        question = (f"{subject}: wat antwoordde {short}?" if short and len(short) <= MAX_AGENCY_CHARS
                    else f"{subject}: wat werd er geantwoord?")
        if question not in made:
            made.append(question)
        if len(made) == n:
            break
    return made
