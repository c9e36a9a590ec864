"""Accent folding: the fast table-based fold against its definition (NFKD, then no combining marks)."""
from __future__ import annotations

import sys
import unicodedata

from assistant.search.text import fold, words


def reference_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def test_fold_drops_accents_and_case() -> None:
    assert fold("Geïntegreerd Één CRÈCHE Straße ﬁnanciën") == "geintegreerd een creche strasse financien"
    assert words("Hoe scoort Kind en Gezin in België?") == ["hoe", "scoort", "kind", "en", "gezin", "in", "belgie"]


def test_fold_equals_its_definition_for_every_code_point() -> None:
    # In runs of 64 characters, so a mark is also tested after a letter it combines with.
    chars = [chr(cp) for cp in range(sys.maxunicode + 1) if not 0xD800 <= cp <= 0xDFFF]
    for start in range(0, len(chars), 64):
        text = "".join(chars[start:start + 64])
        assert fold(text) == reference_fold(text), hex(ord(chars[start]))
