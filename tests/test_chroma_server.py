"""The same index and retrieval tests on a Chroma server: `chroma run --path TMP --host 127.0.0.1 --port FREE`
(the CLI that ships in chromadb), started here and stopped afterwards. The tests of test_index.py and
test_retrieve.py that build their index through a fixture run here again, with `build_assistant` and
`corpus_assistant` opening the server instead of a folder; then what only a server has: another process
writing (BM25 follows), a server that is down or goes away, the API over it, and answers equal to the
embedded store's."""
from __future__ import annotations

import inspect
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import chromadb
import httpx
import pytest
import test_index
import test_retrieve
from fastapi.testclient import TestClient
from langchain_core.embeddings import Embeddings
from support import CORPUS, DATA, HashEmbedder, free_port, open_with

from assistant.apps.api import create_app
from assistant.apps.cli import main
from assistant.core import Assistant
from assistant.errors import IndexMismatchError, IndexMissingError, ServerUnavailableError
from assistant.settings import Settings

pytestmark = pytest.mark.slow  # starts a Chroma server

CHROMA = Path(sys.executable).parent / "chroma"
TESTS = Path(__file__).resolve().parent


@dataclass
class ChromaServer:
    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def clear(self) -> None:
        """Delete every collection: the next test starts with no index."""
        host, port = self.url.removeprefix("http://").split(":")
        client = chromadb.HttpClient(host=host, port=int(port), settings=chromadb.Settings(anonymized_telemetry=False))
        for collection in client.list_collections():
            client.delete_collection(collection.name)


def start_chroma(folder: Path) -> ChromaServer:
    """`chroma run` on a free port, once its heartbeat answers (a few seconds)."""
    port = free_port()
    log = (folder / "chroma.log").open("wb")
    process = subprocess.Popen([str(CHROMA), "run", "--path", str(folder / "data"), "--host", "127.0.0.1",
                                "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chroma run stopped: {(folder / 'chroma.log').read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                return ChromaServer(url, process)
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("chroma run did not answer within 60 s")


@pytest.fixture(scope="session")
def scratch_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    server = start_chroma(tmp_path_factory.mktemp("chroma-scratch"))
    yield server
    server.stop()


@pytest.fixture
def chroma_url(scratch_server: ChromaServer) -> Iterator[str]:
    """A server with no index on it; what the test leaves is deleted after it."""
    scratch_server.clear()
    yield scratch_server.url
    scratch_server.clear()


def open_on(url: str, embedder: Embeddings, paths: Iterable[Path] = (), create: bool = True,
            **settings: object) -> Assistant:
    return open_with(Settings(chroma_url=url, default_index=False, **settings),  # type: ignore[arg-type]
                     embedder, paths, create)


@pytest.fixture
def build_assistant(chroma_url: str, fake_embedder: HashEmbedder) -> Callable[..., Assistant]:
    """conftest's build_assistant, on the server. Every index_dir names the same (server's) index."""

    def build(paths: Iterable[Path] = (), embedder: Embeddings | None = None, index_dir: Path | None = None,
              **settings: object) -> Assistant:
        return open_on(chroma_url, embedder or fake_embedder, paths, **settings)

    return build


_EMBEDDED: dict[str, Assistant] = {}


@pytest.fixture(scope="session")
def corpus_assistant(corpus_assistant: Assistant, real_embedder: Embeddings,
                     tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    """conftest's corpus (the real model), ingested into a server of its own; conftest's embedded one is kept
    for the comparison below."""
    _EMBEDDED["corpus"] = corpus_assistant
    server = start_chroma(tmp_path_factory.mktemp("chroma-corpus"))
    yield open_on(server.url, real_embedder, [CORPUS])
    server.stop()


# -- the tests of test_index.py and test_retrieve.py, on the server -----------------------------------


def _fixture_built(module: object) -> Iterator[tuple[str, Callable[..., None]]]:
    """The tests that get their index from `build_assistant` or `corpus_assistant` (the others open a folder
    by its path, or need no index)."""
    for name, test in vars(module).items():
        if name.startswith("test_") and callable(test):
            parameters = set(inspect.signature(test).parameters)
            if parameters & {"build_assistant", "corpus_assistant"} and "Settings(" not in inspect.getsource(test):
                yield name, test


SHARED = dict(kv for module in (test_index, test_retrieve) for kv in _fixture_built(module))
globals().update(SHARED)  # pytest collects them here, where the fixtures above replace conftest's


def test_most_index_and_retrieval_tests_run_here_too() -> None:
    assert len(SHARED) >= 30  # 32 when this was written; the others open a folder by its path or need no index
    assert "test_the_index_holds_exactly_the_chunks_of_the_chunker" in SHARED
    assert "test_the_passage_that_answers_comes_first" in SHARED


# -- what only a shared server has -------------------------------------------------------------------


def test_an_index_reopened_on_the_server_has_the_same_chunks(build_assistant, fake_embedder, chroma_url) -> None:
    first = build_assistant([CORPUS])
    again = open_on(chroma_url, fake_embedder, create=False)
    assert [c.id for c in again.index.chunks] == [c.id for c in first.index.chunks]
    assert test_index.bm25_doc_ids(again, "SurveyMonkey") == ["agii-klanttevredenheid"]


def test_no_index_on_the_server_is_an_error_saying_how_to_build_one(chroma_url, fake_embedder) -> None:
    with pytest.raises(IndexMissingError, match=rf"^no index on the Chroma server at {chroma_url}; build one with "
                                                rf"`python -m assistant ingest PATH\.\.\. --chroma-url {chroma_url}`$"):
        open_on(chroma_url, fake_embedder, create=False)


def test_other_settings_than_the_servers_index_is_an_error(build_assistant, fake_embedder, chroma_url) -> None:
    build_assistant([DATA])
    with pytest.raises(IndexMismatchError, match=rf"the index in the Chroma server at {chroma_url} was built with "
                                                 r"other settings \(chunk_size: index has 600, settings say 500\)"):
        open_on(chroma_url, fake_embedder, chunk_size=500, create=False)


@pytest.mark.parametrize("store", ["embedded", "server"])
def test_bm25_follows_what_another_process_writes(store: str, chroma_url: str, tmp_path: Path,
                                                  fake_embedder: HashEmbedder) -> None:
    """A colleague ingests a document into the shared index: the open assistant finds it by its words."""
    where = f"chroma_url={chroma_url!r}" if store == "server" else f"index_dir=Path({str(tmp_path / 'index')!r})"
    settings = Settings(chroma_url=chroma_url) if store == "server" else Settings(index_dir=tmp_path / "index")
    reader = Assistant.open(settings.with_(default_index=False), embedder=fake_embedder, create=True)
    reader.ingest([DATA])
    generation = reader.index.generation
    assert "lucht" not in test_index.bm25_doc_ids(reader, "Luchtkwaliteitsmeting")
    extra = tmp_path / "lucht.md"
    extra.write_text("---\nid: lucht\ntitle: Luchtkwaliteit\nagency: Vlaamse Milieumaatschappij\n---\n"
                     "## Antwoord\n\nDe Luchtkwaliteitsmeting gebeurt op 60 plaatsen.\n", encoding="utf-8")
    writer = textwrap.dedent(f"""
        from pathlib import Path
        from support import HashEmbedder
        from assistant.core import Assistant
        from assistant.settings import Settings
        settings = Settings({where}, default_index=False)
        Assistant.open(settings, embedder=HashEmbedder()).ingest([Path({str(extra)!r})])
    """)
    if store == "server":  # another process, as a colleague's ingest would be
        subprocess.run([sys.executable, "-c", writer], cwd=TESTS, check=True, timeout=120,
                       env={**os.environ, "PYTHONPATH": f"{TESTS}:{TESTS.parent}"})
    else:  # an embedded store has one process; a second client in this one writes
        Assistant.open(settings.with_(default_index=False), embedder=HashEmbedder()).ingest([extra])
    assert "lucht" not in test_index.bm25_doc_ids(reader, "Luchtkwaliteitsmeting")  # not yet read
    answer = reader.ask("Waar gebeurt de Luchtkwaliteitsmeting?")
    assert reader.index.generation != generation
    assert answer.passages[0].chunk.doc_id == "lucht"
    assert "lucht" in test_index.bm25_doc_ids(reader, "Luchtkwaliteitsmeting")
    assert reader.index.sync() is False  # nothing new: nothing reread


def test_a_server_that_is_down_is_one_line_and_exit_code_2(capsys) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ServerUnavailableError, match=rf"^the Chroma server at {url} does not answer; start it "):
        Assistant.open(Settings(chroma_url=url), embedder=HashEmbedder())
    assert main(["ask", "--chroma-url", url, "Hoe meet Kind en Gezin de klanttevredenheid?"]) == 2
    err = capsys.readouterr().err
    assert err == (f"error: the Chroma server at {url} does not answer; start it (`chroma run --path DIR "
                   f"--host 127.0.0.1 --port {url.rsplit(':', 1)[1]}`) or give the right --chroma-url\n")


def test_a_server_that_goes_away_is_a_clear_error_and_a_503(tmp_path: Path, fake_embedder: HashEmbedder) -> None:
    server = start_chroma(tmp_path)
    try:
        assistant = open_on(server.url, fake_embedder, [DATA])
        client = TestClient(create_app(assistant))
        assert client.get("/api/health").json()["store"] == "server"
        assert client.post("/api/ask", json={"question": "Hoe lang wachten ouders?"}).status_code == 200
    finally:
        server.stop()
    with pytest.raises(ServerUnavailableError, match=rf"^the Chroma server at {server.url} does not answer"):
        assistant.ask("Hoe lang wachten ouders?")
    for response in (client.get("/api/health"), client.post("/api/ask", json={"question": "Hoe lang wachten?"})):
        assert response.status_code == 503
        assert response.json()["detail"].startswith(f"the Chroma server at {server.url} does not answer")


@pytest.mark.parametrize("question", [
    "Hoe meet Kind en Gezin de klanttevredenheid?",
    "Hoeveel respondenten waren er bij het Agentschap Integratie en Inburgering?",
    "Wat is de algemene tevredenheid bij het Agentschap Binnenlands Bestuur?",
    "Vergelijk hoe de agentschappen de klanttevredenheid meten.",
    "Which design agency did WSE work with in 2016?",
])
def test_the_server_gives_the_embedded_stores_answers(corpus_assistant: Assistant, question: str) -> None:
    embedded = _EMBEDDED["corpus"]
    assert corpus_assistant.settings.chroma_url and not embedded.settings.chroma_url
    on_server, local = corpus_assistant.ask(question).to_json(), embedded.ask(question).to_json()
    # Scores come from vector distances, computed by two HNSW indexes: equal to 4 decimals is equal enough.
    assert on_server == local


def test_similar_finds_the_same_documents_on_the_server(corpus_assistant: Assistant) -> None:
    from assistant.similar import find_similar

    question = "Hoe meten de agentschappen de tevredenheid van hun klanten?"
    on_server = find_similar(corpus_assistant, question, k=3).to_json()
    assert on_server == find_similar(_EMBEDDED["corpus"], question, k=3).to_json()
    assert len(on_server["documents"]) == 3


def test_collections_are_metadata_on_the_server_and_filter_its_vector_search(chroma_url: str, tmp_path: Path,
                                                                             fake_embedder: HashEmbedder) -> None:
    from auth_support import SECRET_ID, write_documents

    from assistant.auth.scope import CollectionView

    secret, _ = write_documents(tmp_path)
    assistant = open_on(chroma_url, fake_embedder, [CORPUS])
    assistant.ingest([secret], collection="kabinet")
    assert assistant.index.document(SECRET_ID).metadata["collection"] == "kabinet"  # type: ignore[union-attr]
    hidden = {c.id for c in assistant.index.chunks if c.doc_id == SECRET_ID}
    vector = fake_embedder.embed_query(assistant.index.chunk(sorted(hidden)[0]).text)
    assert assistant.index.search_vectors(vector, 1, None)[0][0] in hidden
    # Public chunks carry no `collection` field; the server's $nin keeps them, as the embedded store's does.
    seen = CollectionView(assistant.index, {"openbaar"}).search_vectors(vector, 10, None)
    assert len(seen) == 10 and not {i for i, _ in seen} & hidden
    assert {i for i, _ in CollectionView(assistant.index, {"openbaar", "kabinet"}).search_vectors(vector, 10, None)} \
        & hidden == hidden
