"""Example questions for an empty chat, made from the open index's documents: their subject lines."""
from __future__ import annotations

import re

from .search.index import Index

MAX_EXAMPLES = 4
MAX_SUBJECT_CHARS = 90
# "bij Agentschap Binnenlands Bestuur" reads well in a question, a minister's full title of 100 characters does not
# (then the short form, where it is short, or none). The reader answers "<subject> bij <agency>?" for every
# document of the shipped corpus; with the short form ("bij ABB") it declined two of five: the passages say the
# name in full.
MAX_AGENCY_CHARS = 40


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
        agency = next((a for a in (chunk.agency, chunk.agency_short) if a and len(a) <= MAX_AGENCY_CHARS), "")
        question = f"{subject} bij {agency}?" if agency else f"{subject}?"
        if question not in made:
            made.append(question)
        if len(made) == n:
            break
    return made
