from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.errors import IndexMismatchError, IndexMissingError, InputError
from assistant.ingest.chunk import split_into_chunks
from assistant.ingest.load import find_files, load_file
from assistant.search.index import IngestReport
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"

CORPUS_CHUNKS = 127
DATA_CHUNKS = 10  # opgroeien.jsonl 2 + 1, stuurgroep.txt 1, vdab-opleidingen.md 6
ANSWER_V1 = "## Vraag\n\nHoe tevreden zijn de klanten?\n\n## Antwoord\n\n1. De klanten zijn tevreden.\n\n2. {}\n"


def expected_chunks(*paths: Path, chunk_size: int = 600, chunk_overlap: int = 80) -> list:
    docs = [doc for f in find_files(paths) for doc in load_file(f.path, f.default_id)]
    chunks = [c for doc in docs for c in split_into_chunks(doc, chunk_size, chunk_overlap)]
    return sorted(chunks, key=lambda c: (c.doc_id, c.start, c.id))


def bm25_doc_ids(assistant: Assistant, word: str) -> list[str]:
    index = assistant.index
    return sorted({index.chunk(i).doc_id for i, _ in index.search_bm25(index.analyzer.tokens(word), 50)})


# -- what the index holds -----------------------------------------------------------------------------


def test_the_index_holds_exactly_the_chunks_of_the_chunker(build_assistant) -> None:
    assistant = build_assistant([CORPUS, DATA])
    assert len(assistant.index) == CORPUS_CHUNKS + DATA_CHUNKS
    # Text, offsets, item, section, title and every metadata field come back from Chroma as they went in.
    assert assistant.index.chunks == expected_chunks(CORPUS, DATA)
    table = [c for c in assistant.index.chunks if c.is_table]
    assert [(c.doc_id, c.item) for c in table] == [("agii-klanttevredenheid", "8a")]


def test_the_index_keeps_each_document_for_the_chat(build_assistant) -> None:
    assistant = build_assistant([DATA])
    (doc,) = load_file(DATA / "vdab-opleidingen.md")
    stored = assistant.index.document("vdab-opleidingen")
    assert stored is not None
    assert (stored.id, stored.text, stored.title, stored.sections) == (doc.id, doc.text, doc.title, doc.sections)
    assert stored.metadata == doc.metadata
    assert assistant.index.document("nope") is None
    assert assistant.index.document_ids() == ["18", "opg-wachttijden", "stuurgroep", "vdab-opleidingen"]


def test_agencies_map_full_names_to_short_ones(build_assistant) -> None:
    assert build_assistant([CORPUS, DATA]).index.agencies() == {
        "Agentschap Binnenlands Bestuur": "ABB", "Agentschap Integratie en Inburgering": "AgII",
        "Kind en Gezin": "K&G", "Departement Werk en Sociale Economie": "WSE", "Opgroeien": "Opgroeien",
        "Vlaamse Dienst voor Arbeidsbemiddeling": "VDAB",
    }


def test_a_document_without_a_short_agency_name_does_not_hide_the_short_name(build_assistant, tmp_path: Path) -> None:
    extra = tmp_path / "extra.jsonl"
    extra.write_text('{"id": "zz-kg", "text": "Kind en Gezin meet de tevredenheid.", "agency": "Kind en Gezin"}\n',
                     encoding="utf-8")
    assert build_assistant([CORPUS, extra]).index.agencies()["Kind en Gezin"] == "K&G"


def test_an_index_reopened_has_the_same_chunks(build_assistant, fake_embedder, tmp_path: Path) -> None:
    first = build_assistant([CORPUS])
    again = Assistant.open(Settings(index_dir=tmp_path / "index", default_index=False), embedder=fake_embedder)
    assert [c.id for c in again.index.chunks] == [c.id for c in first.index.chunks]
    assert bm25_doc_ids(again, "SurveyMonkey") == bm25_doc_ids(first, "SurveyMonkey") == ["agii-klanttevredenheid"]


def test_chunk_ids_are_the_same_in_two_indexes(build_assistant, tmp_path: Path) -> None:
    one = build_assistant([CORPUS], index_dir=tmp_path / "one")
    two = build_assistant([CORPUS], index_dir=tmp_path / "two")
    assert [c.id for c in one.index.chunks] == [c.id for c in two.index.chunks]
    assert len(one.index) == CORPUS_CHUNKS


# -- ingesting again, changing, removing --------------------------------------------------------------


def test_ingesting_the_same_folders_twice_changes_nothing(build_assistant, fake_embedder) -> None:
    assistant = build_assistant()
    first = assistant.ingest([CORPUS, DATA])
    ids = [c.id for c in assistant.index.chunks]
    embedded = sum(fake_embedder.calls)
    second = assistant.ingest([CORPUS, DATA])
    assert first.report == IngestReport(added=9, updated=0, unchanged=0, chunks=CORPUS_CHUNKS + DATA_CHUNKS)
    assert second.report == IngestReport(added=0, updated=0, unchanged=9, chunks=0)
    assert (first.files, second.files, first.failures, second.failures) == (8, 8, (), ())
    assert [c.id for c in assistant.index.chunks] == ids
    assert sum(fake_embedder.calls) == embedded == CORPUS_CHUNKS + DATA_CHUNKS  # nothing embedded again


def test_a_file_named_twice_is_ingested_once(build_assistant) -> None:
    result = build_assistant().ingest([CORPUS, CORPUS / "kg-klantentevredenheidsmeting.md"])
    assert (result.files, result.report, result.failures) == (5, IngestReport(added=5, chunks=CORPUS_CHUNKS), ())


def test_a_changed_document_is_updated_and_leaves_no_stale_chunk(build_assistant, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    path = folder / "vraag.md"
    path.write_text(ANSWER_V1.format("De wachttijd is kort dankzij de helpdesk."), encoding="utf-8")
    assistant = build_assistant([folder, DATA])
    old = {c.id for c in assistant.index.chunks if c.doc_id == "vraag"}
    assert bm25_doc_ids(assistant, "helpdesk") == ["vraag"]

    path.write_text(ANSWER_V1.format("De wachttijd is kort dankzij het callcenter."), encoding="utf-8")
    result = assistant.ingest([folder, DATA])
    assert result.report == IngestReport(added=0, updated=1, unchanged=4, chunks=3)
    now = [c for c in assistant.index.chunks if c.doc_id == "vraag"]
    assert now == expected_chunks(path)
    assert [c.text for c in now] == ["Hoe tevreden zijn de klanten?", "1. De klanten zijn tevreden.",
                                     "2. De wachttijd is kort dankzij het callcenter."]
    assert len(old & {c.id for c in now}) == 2  # the unchanged chunks keep their ids
    assert bm25_doc_ids(assistant, "helpdesk") == []
    assert bm25_doc_ids(assistant, "callcenter") == ["vraag"]
    stored = assistant.index.document("vraag")
    assert stored is not None and "callcenter" in stored.text


def test_a_document_that_shrinks_loses_its_extra_chunks(build_assistant, tmp_path: Path) -> None:
    path = tmp_path / "lang.txt"
    paragraphs = [f"Alinea {n} gaat over het onderwerp en niets anders." for n in range(1, 41)]
    paragraphs.append("Het slotwoord staat alleen hier.")
    path.write_text("\n\n".join(paragraphs), encoding="utf-8")
    assistant = build_assistant([path], chunk_size=200, chunk_overlap=20)
    assert len(assistant.index) > 5
    assert bm25_doc_ids(assistant, "slotwoord") == ["lang"]
    path.write_text(paragraphs[0], encoding="utf-8")
    assert assistant.ingest([path]).report == IngestReport(updated=1, chunks=1)
    assert [c.text for c in assistant.index.chunks] == [paragraphs[0]]
    assert bm25_doc_ids(assistant, "slotwoord") == []


def test_removed_documents_leave_no_chunk_behind(build_assistant) -> None:
    assistant = build_assistant([CORPUS, DATA])
    assert assistant.remove(["vdab-opleidingen", "nope", "stuurgroep"]) == 2
    assert assistant.index.document_ids() == ["18", "abb-klanttevredenheidsonderzoek",
                                              "agii-klantentevredenheidsmeting", "agii-klanttevredenheid",
                                              "kg-klantentevredenheidsmeting", "opg-wachttijden",
                                              "wse-klantentevredenheidsmeting"]
    assert len(assistant.index) == CORPUS_CHUNKS + DATA_CHUNKS - 7
    assert (assistant.index.document("vdab-opleidingen"), bm25_doc_ids(assistant, "cursisten")) == (None, [])
    assert assistant.remove(["vdab-opleidingen"]) == 0
    # Ingesting it again adds it as new.
    assert assistant.ingest([DATA]).report == IngestReport(added=2, unchanged=2, chunks=7)
    assert bm25_doc_ids(assistant, "cursisten") == ["vdab-opleidingen"]


def test_an_unreadable_file_is_reported_and_the_others_are_ingested(build_assistant, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a-goed.txt").write_text("Een goed document over de klanten.", encoding="utf-8")
    (bad / "b-kapot.txt").write_bytes(b"\x00\x01\x02 binary")
    (bad / "c-records.jsonl").write_text('{"id": "r1", "text": "Record een."}\n{kapot\n', encoding="utf-8")
    result = build_assistant().ingest([bad])
    assert result.report == IngestReport(added=2, chunks=2)
    assert [(Path(f.path).name, f.reason) for f in result.failures] == [
        ("b-kapot.txt", f"{bad / 'b-kapot.txt'}: binary content, not text"),
        ("c-records.jsonl", f"{bad / 'c-records.jsonl'}:2: not valid JSON (Expecting property name enclosed in "
                            "double quotes at column 2)"),
    ]


def test_a_document_id_read_twice_is_kept_once_and_reported(build_assistant, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "x.md").write_text("---\nid: dubbel\n---\nEerste versie.\n", encoding="utf-8")
    (tmp_path / "b" / "y.md").write_text("---\nid: dubbel\n---\nTweede versie.\n", encoding="utf-8")
    assistant = build_assistant()
    result = assistant.ingest([tmp_path / "a", tmp_path / "b"])
    assert result.report.added == 1
    assert [c.text for c in assistant.index.chunks] == ["Eerste versie."]
    assert len(result.failures) == 1
    assert result.failures[0].reason.startswith(f"{tmp_path / 'b' / 'y.md'}: document id 'dubbel' also in ")


def test_ingesting_a_missing_path_is_an_input_error(build_assistant, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        build_assistant().ingest([tmp_path / "weg"])


# -- opening --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "difference"),
    [
        ({"chunk_size": 300}, "chunk_size: index has 600, settings say 300"),
        ({"chunk_overlap": 40}, "chunk_overlap: index has 80, settings say 40"),
        ({"stemmer": "dutch_porter"}, "stemmer: index has 'dutch', settings say 'dutch_porter'"),
        ({"embedding_model": "/models/other"}, "embedding_model: index has 'all-MiniLM-L6-v2', settings say "
                                               "'/models/other'"),
    ],
)
def test_opening_an_index_with_other_settings_is_an_error(build_assistant, fake_embedder, tmp_path: Path,
                                                          changes: dict[str, object], difference: str) -> None:
    build_assistant([DATA / "stuurgroep.txt"])
    settings = Settings(index_dir=tmp_path / "index", default_index=False, **changes)  # type: ignore[arg-type]
    with pytest.raises(IndexMismatchError) as caught:
        Assistant.open(settings, embedder=fake_embedder)
    assert f"was built with other settings ({difference})" in str(caught.value)
    # The failed open changed nothing: the index still opens with its own settings.
    assert [c.doc_id for c in build_assistant().index.chunks] == ["stuurgroep"]


def test_the_default_index_built_with_other_settings_is_built_again_from_the_documents_it_holds(
        fake_embedder, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # An older chunker (here: another chunk size) built the default index, and a document was added in the chat
    # from a file that is gone since: the rebuild keeps it, from the index's own records.
    index_dir, added = tmp_path / "index", tmp_path / "upload" / "bruggen.txt"
    added.parent.mkdir()
    added_text = " ".join(f"Brug {i} over het kanaal werd in {2000 + i} hersteld." for i in range(12))
    added.write_text(added_text, encoding="utf-8")
    old = Assistant.open(Settings(index_dir=index_dir, corpus_dir=DATA / "opgroeien.jsonl", chunk_size=200,
                                  chunk_overlap=20), embedder=fake_embedder)
    old.ingest([added])
    added.unlink()
    before = old.index.document_ids()
    assert before == ["18", "bruggen", "opg-wachttijden"]

    settings = Settings(index_dir=index_dir, corpus_dir=DATA / "opgroeien.jsonl")
    with pytest.raises(IndexMismatchError):  # someone's own index is never rebuilt unasked
        Assistant.open(settings.with_(default_index=False), embedder=fake_embedder)
    rebuilt = Assistant.open(settings, embedder=fake_embedder)
    assert f"{index_dir} was built with other settings (chunk_size: index has 200, settings say 600, chunk_overlap: " \
           "index has 20, settings say 80): building it again from its 3 documents" in caplog.text
    assert rebuilt.index.document_ids() == before
    stored = [rebuilt.index.document(i) for i in before]
    texts = sorted(c.text for doc in stored if doc for c in split_into_chunks(doc))
    assert sorted(c.text for c in rebuilt.index.chunks) == texts != sorted(c.text for c in old.index.chunks)
    assert [c.text for c in rebuilt.index.chunks if c.doc_id == "bruggen"] == [added_text]  # one chunk, not three
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index", "upload"]  # no folder left beside it


def test_opening_a_missing_index_is_an_error_and_creates_nothing(fake_embedder, tmp_path: Path) -> None:
    missing = tmp_path / "nergens"
    with pytest.raises(IndexMissingError) as caught:
        Assistant.open(Settings(index_dir=missing, default_index=False), embedder=fake_embedder)
    assert str(caught.value) == (f"no index in {missing}; build one with "
                                 f"`python -m assistant ingest PATH... --index {missing}`")
    assert not missing.exists()


def test_an_index_folder_that_is_a_file_is_an_input_error(fake_embedder, tmp_path: Path) -> None:
    path = tmp_path / "index"
    path.write_text("geen index", encoding="utf-8")
    with pytest.raises(InputError, match="is a file, not an index folder"):
        Assistant.open(Settings(index_dir=path, default_index=False), embedder=fake_embedder)


def test_an_empty_index_finds_nothing(build_assistant) -> None:
    index = build_assistant().index
    assert (len(index), index.document_ids(), index.agencies()) == (0, [], {})
    assert index.search_bm25(["klant"], 5) == []
    assert index.search_vectors([1.0] + [0.0] * 63, 5, None) == []


# -- BM25 and vectors over the index --------------------------------------------------------------------


def test_bm25_ranks_the_chunk_holding_the_rare_word_first_and_drops_zero_scores(build_assistant) -> None:
    index = build_assistant([CORPUS]).index
    hits = index.search_bm25(index.analyzer.tokens("SurveyMonkey"), 10)
    assert [(index.chunk(i).doc_id, index.chunk(i).item) for i, _ in hits] == [("agii-klanttevredenheid", "5")]
    assert index.search_bm25(index.analyzer.tokens("zzzonbekendwoord"), 10) == []


def test_the_bm25_mask_keeps_only_the_chunks_of_the_filter(build_assistant) -> None:
    index = build_assistant([CORPUS]).index
    tokens = index.analyzer.tokens("tevredenheid van de klanten")
    everywhere = {index.chunk(i).doc_id for i, _ in index.search_bm25(tokens, 200)}
    masked = index.search_bm25(tokens, 200, index.mask(agencies=["Kind en Gezin"]))
    assert len(everywhere) == 5
    assert {index.chunk(i).doc_id for i, _ in masked} == {"kg-klantentevredenheidsmeting"}
    by_doc = index.search_bm25(tokens, 200, index.mask(doc_ids=["agii-klanttevredenheid"]))
    assert {index.chunk(i).doc_id for i, _ in by_doc} == {"agii-klanttevredenheid"}
    assert index.mask() is None


@pytest.mark.parametrize(("agencies", "doc_ids"), [
    (["Kind en Gezin"], []),
    (["Kind en Gezin", "Agentschap Binnenlands Bestuur"], []),
    ([], ["agii-klanttevredenheid", "wse-klantentevredenheidsmeting"]),
    (["Agentschap Integratie en Inburgering"], ["agii-klanttevredenheid", "kg-klantentevredenheidsmeting"]),
    (["Geen Agentschap"], []),
    ([], ["geen-document"]),
    ([], []),
])
def test_the_filters_documents_and_mask_are_those_of_each_chunks_agency_and_document(
        build_assistant, agencies: list[str], doc_ids: list[str]) -> None:
    # Worked out once per index and reused for each agency of a list: the same as asking every chunk.
    index = build_assistant([CORPUS]).index
    def wanted(chunk) -> bool:
        return (not agencies or chunk.agency in agencies) and (not doc_ids or chunk.doc_id in doc_ids)
    assert index.matching_documents(agencies, doc_ids) == {c.doc_id for c in index.chunks if wanted(c)}
    mask = index.mask(agencies, doc_ids)
    if agencies or doc_ids:
        assert mask.tolist() == [float(wanted(c)) for c in index.chunks]
    else:
        assert mask is None


def test_vector_search_finds_a_chunk_by_its_own_text_first(build_assistant, fake_embedder) -> None:
    index = build_assistant([CORPUS]).index
    target = next(c for c in index.chunks if c.item == "4f-g")
    hits = index.search_vectors(fake_embedder.embed_query(target.indexed_text), 3, None)
    assert hits[0][0] == target.id
    assert hits[0][1] == pytest.approx(1.0, abs=1e-5)  # cosine similarity of a vector with itself
    where = {"doc_id": {"$in": ["kg-klantentevredenheidsmeting"]}}
    assert {index.chunk(i).doc_id for i, _ in index.search_vectors(fake_embedder.embed_query(target.text), 5, where)} \
        == {"kg-klantentevredenheidsmeting"}



def test_the_vector_search_keeps_search_ef_in_view_also_in_an_index_built_before(build_assistant, fake_embedder,
                                                                                tmp_path: Path) -> None:
    """Chroma's default ef_search (100) gave another top 40 from one process to the next; an index built with
    it gets SEARCH_EF when it is opened, and the setting stays."""
    from assistant.search.chroma import CHUNKS, open_client
    from assistant.search.store import SEARCH_EF

    build_assistant([DATA])
    client = open_client(tmp_path / "index", create=False)
    client.get_collection(CHUNKS).modify(configuration={"hnsw": {"ef_search": 100}})
    assert client.get_collection(CHUNKS).configuration["hnsw"]["ef_search"] == 100
    again = Assistant.open(Settings(index_dir=tmp_path / "index", default_index=False), embedder=fake_embedder)
    assert again.index.store.chunk_collection.configuration["hnsw"]["ef_search"] == SEARCH_EF
    assert client.get_collection(CHUNKS).configuration["hnsw"]["ef_search"] == SEARCH_EF


def test_a_small_index_searches_its_vectors_exactly_in_every_filter_and_after_a_write(build_assistant, fake_embedder,
                                                                                      tmp_path: Path) -> None:
    """Up to EXACT_MAX_CHUNKS the vector search is exact (HNSW varied between processes): the top k equals the
    cosine order over every stored vector, a filter keeps only its chunks, and a write is seen at once."""
    import numpy as np

    assistant = build_assistant([CORPUS])
    index = assistant.index
    ids = [c.id for c in index.chunks]
    stored = index.store.read_vectors(ids)
    query = fake_embedder.embed_query("Hoe meet Kind en Gezin de tevredenheid van zijn klanten?")
    cosine = stored @ np.asarray(query) / np.linalg.norm(stored, axis=1) / np.linalg.norm(query)
    hits = index.search_vectors(query, 40, None)
    assert [i for i, _ in hits] == [ids[i] for i in np.argsort(-cosine, kind="stable")[:40]]
    assert [s for _, s in hits] == pytest.approx(sorted(cosine, reverse=True)[:40], abs=1e-5)
    kg = {"doc_id": {"$in": ["kg-klantentevredenheidsmeting"]}}
    assert {index.chunk(i).doc_id for i, _ in index.search_vectors(query, 40, kg)} == {"kg-klantentevredenheidsmeting"}
    both = {"$and": [{"doc_id": {"$nin": ["kg-klantentevredenheidsmeting"]}}, {"section": {"$eq": "question"}}]}
    found = [index.chunk(i) for i, _ in index.search_vectors(query, 200, both)]
    assert found and all(c.doc_id != "kg-klantentevredenheidsmeting" and c.section == "question" for c in found)
    assert len(found) == sum(c.doc_id != "kg-klantentevredenheidsmeting" and c.section == "question"
                             for c in index.chunks)
    later = index.search_vectors(query, 10, {"start": {"$gt": 0}})  # an operator exact.py does not read: Chroma's
    assert later and all(index.chunk(i).start > 0 for i, _ in later)
    assistant.ingest([DATA / "stuurgroep.txt"])
    new = next(c for c in index.chunks if c.doc_id == "stuurgroep")
    assert index.search_vectors(fake_embedder.embed_query(new.indexed_text), 1, None)[0][0] == new.id


def test_a_filter_the_exact_search_cannot_read_goes_to_chroma() -> None:
    from assistant.search.exact import Unsupported, predicate
    from assistant.types import Chunk

    chunk = Chunk(id="a#1", doc_id="a", text="x", start=0, end=1, metadata={"collection": "kabinet"})
    public = Chunk(id="b#1", doc_id="b", text="x", start=0, end=1)
    hidden = predicate({"collection": {"$nin": ["kabinet"]}})
    assert (hidden(chunk), hidden(public)) == (False, True)  # a field a chunk lacks: $nin holds
    assert predicate({"$or": [{"doc_id": "b"}, {"collection": {"$in": ["kabinet"]}}]})(chunk)
    with pytest.raises(Unsupported, match=r"\$gt"):
        predicate({"start": {"$gt": 0}})


def test_the_whole_document_bm25_holds_each_title_once_and_every_chunks_text(build_assistant) -> None:
    """Built from the chunks' tokens at refresh, it equals BM25 over each document tokenised anew: its title,
    then the text of every chunk."""
    import bm25s

    index = build_assistant([CORPUS, DATA]).index
    documents: dict[str, list[str]] = {}
    for chunk in index.chunks:
        if chunk.doc_id not in documents:
            documents[chunk.doc_id] = index.analyzer.tokens(chunk.title)
        documents[chunk.doc_id].extend(index.analyzer.tokens(chunk.text))
    expected = bm25s.BM25()
    expected.index(list(documents.values()), show_progress=False)
    assert index.documents_bm25.doc_ids == list(documents) == index.document_ids()
    for question in ["Hoe meet Kind en Gezin de klanttevredenheid?", "wachttijden opleidingen VDAB", "websurvey"]:
        tokens = index.analyzer.query_tokens(question)
        scores = expected.get_scores(tokens)
        found = index.documents_bm25.search(tokens, 5)
        assert found
        best = [round(float(s), 5) for s in sorted(scores, reverse=True)[:5] if s > 0]
        assert [round(s, 5) for _, s in found] == best
        assert all(abs(scores[list(documents).index(d)] - s) < 1e-5 for d, s in found)
    assert [index.first_chunk(d).id for d in documents] == [  # type: ignore[union-attr]
        next(c.id for c in index.chunks if c.doc_id == d) for d in documents]
    assert index.first_chunk("geen-document") is None
