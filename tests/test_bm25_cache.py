"""The cached in-memory state of a large index: read back on open, never stale after a write, ignored when
unreadable."""
from __future__ import annotations

from pathlib import Path

import pytest
from support import CORPUS, DATA, BuildAssistant

from assistant.core import Assistant
from assistant.search import index as index_module
from assistant.search.bm25_cache import FOLDER

QUESTION = "Hoe meet Kind en Gezin de klanttevredenheid?"


@pytest.fixture(autouse=True)
def cache_every_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "CACHE_MIN_CHUNKS", 1)


def _search(assistant: Assistant) -> list[tuple[str, float]]:
    index = assistant.index
    return index.search_bm25(index.analyzer.query_tokens(QUESTION), 10)


def test_a_reopened_index_reads_the_cache_and_finds_the_same(build_assistant: BuildAssistant, tmp_path: Path) -> None:
    first = build_assistant([CORPUS])
    (cached,) = (tmp_path / "index" / FOLDER).glob("*.pkl")
    reopened = build_assistant()
    assert [c.id for c in reopened.index.chunks] == [c.id for c in first.index.chunks]
    assert reopened.index.document_frequency == first.index.document_frequency
    assert _search(reopened) == _search(first)
    tokens = first.index.analyzer.query_tokens(QUESTION)
    assert reopened.index.documents_bm25.search(tokens, 10) == first.index.documents_bm25.search(tokens, 10) != []
    assert reopened.index.agencies() == first.index.agencies() != {}
    assert reopened.index.analyzer.decompounder.split("klanttevredenheid") == ("klant", "tevredenheid")
    assert list((tmp_path / "index" / FOLDER).glob("*.pkl")) == [cached]


def test_a_write_replaces_the_cache_and_a_reopened_index_sees_it(build_assistant: BuildAssistant,
                                                                 tmp_path: Path) -> None:
    first = build_assistant([CORPUS])
    (before,) = (tmp_path / "index" / FOLDER).glob("*.pkl")
    first.ingest([DATA])
    (after,) = (tmp_path / "index" / FOLDER).glob("*.pkl")
    assert after != before
    reopened = build_assistant()
    assert len(reopened.index) == len(first.index)
    assert "opg-wachttijden" in reopened.index.document_ids()
    first.remove(["opg-wachttijden"])
    assert "opg-wachttijden" not in build_assistant().index.document_ids()


def test_an_unreadable_cache_is_rebuilt(build_assistant: BuildAssistant, tmp_path: Path) -> None:
    first = build_assistant([CORPUS])
    (cached,) = (tmp_path / "index" / FOLDER).glob("*.pkl")
    cached.write_bytes(b"not a pickle")
    reopened = build_assistant()
    assert _search(reopened) == _search(first)
    assert cached.read_bytes() != b"not a pickle"  # written again
