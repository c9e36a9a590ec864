"""Collections: a user sees the public collection and their groups' ones, and every path filters by them before
anything is ranked or shown. Real Chroma and BM25 over the corpus plus one document per group (auth_support.py),
the hash embedder."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from auth_support import BERT_ID, SECRET_AGENCY, SECRET_ID, SECRET_WORD, build_index, write_users
from support import CORPUS, HashEmbedder

from assistant.apps.chat import Chat, Session
from assistant.auth.scope import CollectionView, Scopes, scoped
from assistant.core import Assistant
from assistant.errors import InputError
from assistant.search.retrieve import retrieve
from assistant.settings import Settings
from assistant.similar import find_similar

CORPUS_IDS = ["abb-klanttevredenheidsonderzoek", "agii-klantentevredenheidsmeting", "agii-klanttevredenheid",
              "kg-klantentevredenheidsmeting", "wse-klantentevredenheidsmeting"]
BERT = frozenset({"openbaar", "financien"})
AN = frozenset({"openbaar", "kabinet"})
SECRET_QUESTION = f"Hoe tevreden is men over de {SECRET_WORD}?"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    return build_index(tmp_path_factory.mktemp("scope"), HashEmbedder())


def secret_chunk_ids(assistant: Assistant) -> set[str]:
    return {c.id for c in assistant.index.chunks if c.doc_id == SECRET_ID}


def test_the_collection_is_document_and_chunk_metadata(assistant: Assistant) -> None:
    index = assistant.index
    assert index.document(SECRET_ID).metadata["collection"] == "kabinet"  # type: ignore[union-attr]
    assert index.document(BERT_ID).metadata["collection"] == "financien"  # type: ignore[union-attr]
    assert "collection" not in index.document(CORPUS_IDS[0]).metadata  # type: ignore[union-attr]
    stored = index.store.chunk_collection.get(where={"collection": "kabinet"}, include=[])["ids"]
    assert set(stored) == secret_chunk_ids(assistant)


def test_reingesting_the_public_corpus_embeds_nothing_again(assistant: Assistant) -> None:
    report = assistant.ingest([CORPUS]).report
    assert (report.added, report.updated, report.unchanged, report.chunks) == (0, 0, 5, 0)


def test_each_collection_has_its_own_ids_and_prunes_only_its_own(tmp_path: Path) -> None:
    index = build_index(tmp_path, HashEmbedder())
    # The same file into another group's collection: another document, an's is left as it was.
    report = index.ingest([tmp_path / "docs" / "kabinet.md"], collection="financien").report
    assert (report.added, report.updated) == (1, 0)
    assert "financien/kab-nota-zwaluwstaart" in scoped(index, BERT).index.document_ids()
    assert SECRET_ID in scoped(index, AN).index.document_ids()
    assert "financien/kab-nota-zwaluwstaart" not in scoped(index, AN).index.document_ids()
    # And into the public one, under its own id. Pruning the kabinet's collection leaves that copy alone.
    index.ingest([tmp_path / "docs" / "kabinet.md"])
    (tmp_path / "docs" / "kabinet.md").unlink()
    assert index.ingest([tmp_path / "docs"], collection="kabinet", prune=True).removed == 1
    assert index.index.document(SECRET_ID) is None
    assert index.index.document("kab-nota-zwaluwstaart") is not None
    with pytest.raises(InputError, match="^ongeldige collectienaam 'Kabinet': gebruik kleine letters"):
        index.ingest([CORPUS], collection="Kabinet")


def test_lists_counts_and_the_passage_viewer_show_only_the_users_collections(assistant: Assistant) -> None:
    bert, an = CollectionView(assistant.index, BERT), CollectionView(assistant.index, AN)
    assert bert.document_ids() == sorted([*CORPUS_IDS, BERT_ID])
    assert an.document_ids() == sorted([*CORPUS_IDS, SECRET_ID])
    assert len(bert) == len(assistant.index) - len(secret_chunk_ids(assistant))
    assert len(an) == len(assistant.index) - 1  # bert's note is one chunk
    assert SECRET_AGENCY not in bert.agencies() and an.agencies()[SECRET_AGENCY] == "KTZ"
    assert {d for d in assistant.index.agencies()} == set(an.agencies()) | {"Financien Testdienst"}
    assert all(c.doc_id != SECRET_ID for c in bert.chunks)
    assert bert.document(SECRET_ID) is None and an.document(SECRET_ID).title.endswith(SECRET_WORD)  # type: ignore
    assert bert.first_chunk(SECRET_ID) is None
    with pytest.raises(KeyError):
        bert.chunk(next(iter(secret_chunk_ids(assistant))))


def test_bm25_filters_before_the_top_k(assistant: Assistant) -> None:
    tokens = assistant.index.analyzer.query_tokens(f"{SECRET_WORD} tevredenheid respondenten")
    everyone = assistant.index.search_bm25(tokens, 3)
    assert everyone[0][0] in secret_chunk_ids(assistant)
    seen = CollectionView(assistant.index, BERT).search_bm25(tokens, 3)
    # Still three passages, as they rank among the visible ones: the hidden ones were out before the three were
    # chosen, not cut from them afterwards.
    visible = [hit for hit in assistant.index.search_bm25(tokens, 50) if hit[0] not in secret_chunk_ids(assistant)]
    assert seen == visible[:3]


def test_vectors_filter_before_the_top_k(assistant: Assistant) -> None:
    secret = next(c for c in assistant.index.chunks if c.doc_id == SECRET_ID and c.section == "answer")
    vector = assistant.index.embedder.embed_query(secret.text)
    assert assistant.index.search_vectors(vector, 1, None)[0][0] == secret.id
    seen = CollectionView(assistant.index, BERT).search_vectors(vector, 4, None)
    assert len(seen) == 4 and not {i for i, _ in seen} & secret_chunk_ids(assistant)
    # With a caller's filter too: both apply.
    only = CollectionView(assistant.index, BERT).search_vectors(vector, 4, {"doc_id": {"$in": [SECRET_ID, BERT_ID]}})
    assert {assistant.index.chunk(i).doc_id for i, _ in only} == {BERT_ID}


def test_ask_and_similar_give_no_trace_to_another_group_and_all_to_the_owner(assistant: Assistant) -> None:
    bert, an = scoped(assistant, BERT), scoped(assistant, AN)
    answer = bert.ask(SECRET_QUESTION, k=10)
    assert SECRET_ID not in {p.chunk.doc_id for p in answer.passages}
    assert "37 respondenten" not in answer.text and "91 procent" not in answer.text and len(answer.passages) == 10
    assert an.ask(SECRET_QUESTION).citations[0].passage.chunk.doc_id == SECRET_ID
    found = find_similar(bert, SECRET_QUESTION, k=10)
    assert SECRET_ID not in {d.doc_id for d in found.documents} | {p.chunk.doc_id for p in found.sources}
    assert find_similar(an, SECRET_QUESTION, k=1).documents[0].doc_id == SECRET_ID
    # The comparison path (one retrieval per agency) and the whole-document BM25 of `similar`.
    compared = bert.ask("Vergelijk hoe de agentschappen de tevredenheid meten.")
    assert SECRET_AGENCY not in {p.chunk.agency for p in compared.passages}
    assert SECRET_AGENCY in {p.chunk.agency for p in an.ask("Vergelijk hoe de agentschappen de tevredenheid meten.",
                                                             k=20).passages}
    assert SECRET_ID not in {d for d, _ in bert.index.documents_bm25.search(
        assistant.index.analyzer.query_tokens(SECRET_WORD), 10)}
    assert retrieve(bert.index, SECRET_WORD, 3)[0].chunk.doc_id != SECRET_ID


def test_a_hidden_document_or_agency_in_a_filter_is_unknown(assistant: Assistant) -> None:
    bert = scoped(assistant, BERT)
    with pytest.raises(InputError, match=f"^unknown document id {SECRET_ID}$"):
        bert.ask("tevredenheid", doc_ids=[SECRET_ID])
    with pytest.raises(InputError) as caught:
        bert.ask("tevredenheid", agencies=["KTZ"])
    assert str(caught.value).startswith("unknown agency 'KTZ'; the index has: ") and "Kabinet" not in str(caught.value)


def request(name: str) -> SimpleNamespace:
    return SimpleNamespace(username=name, session_hash=f"tab-{name}")


@pytest.fixture(scope="module")
def chat(assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Chat:
    folder = tmp_path_factory.mktemp("chat")
    return Chat(assistant, export_dir=folder / "exports", scopes=Scopes(assistant, write_users(folder / "u.json")))


def test_the_chat_lists_and_viewer_follow_the_user(chat: Chat) -> None:
    bert, an = request("bert"), request("an")
    assert SECRET_AGENCY not in {full for _, full in chat.agency_choices(bert)}  # type: ignore[arg-type]
    assert SECRET_AGENCY in {full for _, full in chat.agency_choices(an)}  # type: ignore[arg-type]
    assert SECRET_ID not in {d for _, d in chat.document_choices((), bert)}  # type: ignore[arg-type]
    assert SECRET_ID in {d for _, d in chat.document_choices((), an)}  # type: ignore[arg-type]
    assert chat.documents(bert)(SECRET_ID) is None  # type: ignore[arg-type]
    assert chat.documents(an)(SECRET_ID).id == SECRET_ID  # type: ignore[arg-type]
    # Nobody signed in (a request the middleware would have refused): nothing.
    assert chat.agency_choices(request("niemand")) == []  # type: ignore[arg-type]


def conversation(chat: Chat, user: str, *questions: str) -> list[tuple]:  # type: ignore[type-arg]
    session = Session()
    outputs = []
    for question in questions:
        final = list(chat.respond(question, session, [], [], request(user)))[-1]  # type: ignore[arg-type]
        session = final[2]
        outputs.append(final)
    return outputs


def test_a_follow_up_resolves_only_to_what_the_user_may_see(chat: Chat) -> None:
    first = "Hoe meet Kind en Gezin de klanttevredenheid?"
    bert = conversation(chat, "bert", first, f"En {SECRET_AGENCY}?")[-1]
    turn = bert[2].turns[-1]
    assert SECRET_ID not in {p.chunk.doc_id for p in turn.answer.passages}
    assert SECRET_WORD not in str(bert[0][-1]) + str(bert[3])  # the chat message and the sources panel
    an = conversation(chat, "an", first, f"En {SECRET_AGENCY}?")[-1]
    assert an[2].turns[-1].searched == f"Hoe meet {SECRET_AGENCY} de klanttevredenheid?"
    assert an[2].turns[-1].answer.passages[0].chunk.doc_id == SECRET_ID
    assert SECRET_WORD in str(an[3])


def test_an_upload_goes_into_a_group_of_the_user(chat: Chat, tmp_path: Path) -> None:
    note = tmp_path / "an-upload.md"
    note.write_text("---\nid: an-upload\ntitle: Nota\ncollection: openbaar\n---\nDe kraanvogelregeling is klaar.\n")
    list(chat.upload([str(note)], [], [], "financien", request("an")))  # type: ignore[arg-type]
    assert chat.assistant.index.document("kabinet/an-upload").metadata["collection"] == "kabinet"  # type: ignore
    assert "kabinet/an-upload" in {d for _, d in chat.document_choices((), request("an"))}  # type: ignore[arg-type]
    assert "kabinet/an-upload" not in {d for _, d in chat.document_choices((), request("bert"))}  # type: ignore
    assert chat.assistant.remove(["kabinet/an-upload"]) == 1  # type: ignore[union-attr]


def test_an_open_server_says_so_on_the_page(assistant: Assistant, tmp_path: Path) -> None:
    from assistant.auth.access import OPEN_NOTICE

    def shown(chat: Chat) -> list[str]:
        config = chat.build().get_config_file()
        return [str(c["props"].get("value")) for c in config["components"]
                if c["props"].get("elem_id") == "open-server"]

    assert shown(Chat(assistant, export_dir=tmp_path, notice=OPEN_NOTICE)) == [
        "**Let op:** deze server is open (--no-auth): iedereen die hem bereikt, kan alle documenten lezen en er "
        "toevoegen, zonder aan te melden."]
    assert shown(Chat(assistant, export_dir=tmp_path)) == []


@pytest.mark.slow  # the command loads the bundled model
def test_ingest_collection_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from auth_support import write_documents

    from assistant.apps.cli import main

    secret, _ = write_documents(tmp_path / "docs")
    index = tmp_path / "index"
    assert main(["ingest", str(secret), "--index", str(index), "--collection", "kabinet", "--quiet"]) == 0
    assert main(["ingest", str(secret), "--index", str(index), "--collection", "Kabinet!"]) == 2
    assert capsys.readouterr().err == ("error: ongeldige collectienaam 'Kabinet!': gebruik kleine letters, cijfers, "
                                       "- en _ (bv. kabinet)\n")
    opened = Assistant.open(Settings(index_dir=index, default_index=False), embedder=HashEmbedder())
    assert opened.index.document(SECRET_ID).metadata["collection"] == "kabinet"  # type: ignore[union-attr]
