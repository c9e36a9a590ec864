from pathlib import Path

import pytest

from assistant.errors import SettingsError
from assistant.settings import ROOT, Settings


def test_settings_reject_overlap_beyond_half_the_chunk() -> None:
    with pytest.raises(SettingsError, match="chunk_overlap"):
        Settings(chunk_size=200, chunk_overlap=150)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"chunk_size": 99}, "chunk_size must be at least 100 characters, not 99"),
        ({"chunk_size": 200, "chunk_overlap": 100},
         "chunk_overlap must be between 0 and half of chunk_size (100), not 100"),
        ({"chunk_overlap": -1}, "chunk_overlap must be between 0 and half of chunk_size (300), not -1"),
        ({"bm25_weight": 1.5}, "bm25_weight must be between 0 and 1, not 1.5"),
        ({"bm25_weight": -0.1}, "bm25_weight must be between 0 and 1, not -0.1"),
        ({"k": 0}, "k must be between 1 and 50, not 0"),
        ({"k": 51}, "k must be between 1 and 50, not 51"),
        ({"stemmer": "foo"}, "stemmer must be a Snowball algorithm such as dutch or dutch_porter, not 'foo'"),
        ({"embedding_model": " "}, "embedding_model must name a model or a folder holding one, not ' '"),
        ({"index_dir": "index"}, "index_dir must be a folder path, not 'index'"),
        ({"llm_base_url": "localhost:8000"}, "llm_base_url must look like http://HOST:PORT/PATH, not 'localhost:8000'"),
        ({"llm_timeout": 0.0}, "llm_timeout must be more than 0 seconds, not 0.0"),
        ({"llm_retries": -1}, "llm_retries must be 0 or more, not -1"),
        ({"embedding_backend": "tf"}, "embedding_backend must be one of torch, onnx, not 'tf'"),
        ({"chroma_url": "localhost"}, "chroma_url must look like http://HOST:PORT, not 'localhost'"),
        ({"llm": "gpt-4"}, "llm must be openai:MODEL or ollama:MODEL (e.g. openai:gpt-4o-mini), not 'gpt-4'"),
        ({"candidates": 0}, "candidates must be at least 1, not 0"),
        ({"rrf_k": 0}, "rrf_k must be at least 1, not 0"),
        ({"max_question_chars": 0}, "max_question_chars must be at least 1, not 0"),
        ({"batch_size": 0}, "batch_size must be at least 1, not 0"),
        ({"bm25_weight_english": 2.0}, "bm25_weight_english must be between 0 and 1, not 2.0"),
        ({"write_batch": 0}, "write_batch must be at least 1, not 0"),
        ({"max_file_mb": 0}, "max_file_mb must be at least 1, not 0"),
        ({"reader_threshold": 1.0}, "reader_threshold must be at least 0 and below 1, not 1.0"),
        ({"reader_threshold": -0.1}, "reader_threshold must be at least 0 and below 1, not -0.1"),
    ],
)
def test_bad_values_fail_naming_the_field(changes: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings(**changes)  # type: ignore[arg-type]
    assert str(caught.value) == message


@pytest.mark.parametrize("changes", [{"chunk_size": 100, "chunk_overlap": 49}, {"chunk_overlap": 0},
                                     {"bm25_weight": 0.0}, {"bm25_weight": 1.0}, {"k": 1}, {"k": 50},
                                     {"stemmer": "dutch_porter"}, {"llm_base_url": "http://127.0.0.1:8080/v1"}])
def test_boundary_values_are_accepted(changes: dict[str, object]) -> None:
    settings = Settings(**changes)  # type: ignore[arg-type]
    assert {k: getattr(settings, k) for k in changes} == changes


def test_defaults() -> None:
    settings = Settings()
    assert (settings.index_dir, settings.corpus_dir) == (ROOT / "index", ROOT / "corpus")
    assert (settings.embedding_model, settings.chunk_size, settings.chunk_overlap) == ("all-MiniLM-L6-v2", 600, 80)
    assert (settings.k, settings.max_question_chars, settings.default_index) == (5, 20_000, True)


def test_from_env_reads_prefixed_variables_and_converts_their_types() -> None:
    environ = {"ASSISTANT_CHUNK_SIZE": "300", "ASSISTANT_CHUNK_OVERLAP": "40", "ASSISTANT_BM25_WEIGHT": "0.5",
               "ASSISTANT_EMBEDDING_MODEL": "/models/mini", "ASSISTANT_INDEX_DIR": "/tmp/elders", "CHUNK_SIZE": "999"}
    settings = Settings.from_env(environ)
    assert (settings.chunk_size, settings.chunk_overlap, settings.bm25_weight) == (300, 40, 0.5)
    assert settings.embedding_model == "/models/mini"
    assert settings.index_dir == Path("/tmp/elders")
    # An index folder that is named is used as it is: not built from the corpus when missing.
    assert settings.default_index is False


def test_from_env_without_index_dir_keeps_building_the_default_index() -> None:
    assert Settings.from_env({}).default_index is True
    assert Settings.from_env({"ASSISTANT_DEFAULT_INDEX": "0"}).default_index is True


def test_overrides_beat_the_environment_and_none_means_not_given() -> None:
    environ = {"ASSISTANT_K": "7", "ASSISTANT_EMBEDDING_MODEL": "/models/mini"}
    settings = Settings.from_env(environ, k=3, embedding_model=None, index_dir=None)
    assert (settings.k, settings.embedding_model, settings.default_index) == (3, "/models/mini", True)


def test_from_env_reads_os_environ_only_when_called(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_K", "9")
    assert Settings.from_env().k == 9
    assert Settings.from_env({}).k == 5
    assert Settings().k == 5


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("ASSISTANT_K", "five", "ASSISTANT_K='five' is not a valid int"),
        ("ASSISTANT_BM25_WEIGHT", "high", "ASSISTANT_BM25_WEIGHT='high' is not a valid float"),
    ],
)
def test_from_env_names_a_variable_that_does_not_convert(name: str, raw: str, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({name: raw})
    assert str(caught.value) == message


def test_from_env_checks_converted_values() -> None:
    with pytest.raises(SettingsError, match="chunk_size must be at least 100 characters, not 50"):
        Settings.from_env({"ASSISTANT_CHUNK_SIZE": "50"})


def test_index_signature_holds_what_shapes_the_index_and_nothing_else() -> None:
    settings = Settings(chunk_size=300, chunk_overlap=40, k=9, bm25_weight=0.2)
    assert settings.index_signature() == {
        "embedding_model": "all-MiniLM-L6-v2", "chunk_size": 300, "chunk_overlap": 40, "stemmer": "dutch",
    }
    assert settings.with_(k=3, candidates=10).index_signature() == settings.index_signature()
    assert settings.with_(chunk_size=400).index_signature()["chunk_size"] == 400


def test_a_bad_setting_in_the_environment_is_one_line_from_the_cli(monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.apps.cli import main

    monkeypatch.setenv("ASSISTANT_STEMMER", "foo")
    assert main(["ask", "Hoe meet Kind en Gezin de klanttevredenheid?"]) == 2
    assert capsys.readouterr().err == ("error: stemmer must be a Snowball algorithm such as dutch or dutch_porter, "
                                       "not 'foo'\n")
