from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.errors import InputError
from assistant.search.retrieve import Filters, fuse_rankings, per_agency, resolve_filters, retrieve

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"

AGII_FULL = "Agentschap Integratie en Inburgering"
AGII_DOCS = {"agii-klanttevredenheid", "agii-klantentevredenheidsmeting"}


# -- the fusion maths ---------------------------------------------------------------------------------


def test_fuse_rankings_sums_weight_over_k_plus_rank() -> None:
    scores = fuse_rankings([["a", "b", "c"], ["b", "d"]], [0.65, 0.35], k=60)
    assert scores == {"a": 0.65 / 61, "b": 0.65 / 62 + 0.35 / 61, "c": 0.65 / 63, "d": 0.35 / 62}
    # Found by both retrievers beats first place in one.
    assert sorted(scores, key=lambda i: -scores[i]) == ["b", "a", "c", "d"]


def test_fuse_rankings_with_a_small_constant_favours_the_head() -> None:
    assert fuse_rankings([["a", "b"]], [1.0], k=1) == {"a": 0.5, "b": 1 / 3}
    assert fuse_rankings([["a", "b"], ["b", "a"]], [0.5, 0.5], k=60) == {"a": 0.5 / 61 + 0.5 / 62,
                                                                         "b": 0.5 / 62 + 0.5 / 61}


def test_fuse_rankings_edge_cases() -> None:
    assert fuse_rankings([], [], k=10) == {}
    assert fuse_rankings([[], []], [0.5, 0.5], k=10) == {}
    assert fuse_rankings([["a"], ["b"]], [1.0, 0.0], k=10) == {"a": 1 / 11, "b": 0.0}
    with pytest.raises(ValueError, match="one weight per ranking"):
        fuse_rankings([["a"], ["b"]], [1.0], k=10)


# -- scores and ranks with the small embedder ---------------------------------------------------------


def test_scores_are_fused_ranks_relative_to_first_place_in_both(build_assistant) -> None:
    index = build_assistant([DATA]).index
    passages = retrieve(index, "Hoe lang wachten ouders op een plaats in de kinderopvang?", 3, bm25_weight=0.65)
    assert [(p.rank, p.chunk.doc_id, p.chunk.section) for p in passages[:2]] == [
        (1, "opg-wachttijden", "answer"), (2, "opg-wachttijden", "question")]
    # The answer is second in both lists: (k+1)/(k+2) of first place. The question restates the question: first
    # in both lists (1.0), but a question chunk keeps half its score.
    k = index.settings.rrf_k
    assert passages[0].score == pytest.approx((k + 1) / (k + 2), abs=1e-12)
    assert passages[1].score == pytest.approx(0.5, abs=1e-12)


def test_a_question_without_content_words_is_found_by_vectors_alone(build_assistant, fake_embedder) -> None:
    index = build_assistant([DATA]).index
    assert index.analyzer.query_tokens("Wat is het?") == []
    vector_ranking = [i for i, _ in index.search_vectors(fake_embedder.embed_query("Wat is het?"), 40, None)]
    # Vector ranks only: 0.35 / (k + rank), relative to first place in both lists (1 / (k + 1)); half for a question.
    k = index.settings.rrf_k
    expected = {chunk_id: 0.35 * (k + 1) / (k + rank) * (0.5 if index.chunk(chunk_id).section == "question" else 1.0)
                for rank, chunk_id in enumerate(vector_ranking, 1)}
    passages = retrieve(index, "Wat is het?", 10, bm25_weight=0.65)
    assert len(vector_ranking) == len(passages) == 10
    assert {p.chunk.id: p.score for p in passages} == pytest.approx(expected, abs=1e-12)
    assert [p.chunk.id for p in passages] == sorted(expected, key=lambda i: -expected[i])
    assert [p.rank for p in passages] == list(range(1, 11))


def test_retrieve_returns_at_most_k_ranked_from_one(build_assistant) -> None:
    index = build_assistant([DATA]).index
    passages = retrieve(index, "Hoeveel cursisten bevroeg het Subsidie-Agentschap?", 3, bm25_weight=0.65)
    assert [(p.rank, p.chunk.doc_id, p.chunk.section, p.chunk.item) for p in passages] == [
        (1, "vdab-opleidingen", "answer", "1"), (2, "vdab-opleidingen", "answer", "2b"),
        (3, "vdab-opleidingen", "question", "1")]
    assert passages[0].score == pytest.approx(1.0)
    assert len(retrieve(index, "cursisten", 50)) == 10  # every chunk of the index, no more


def test_a_filter_on_a_document_limits_both_retrievers(build_assistant) -> None:
    index = build_assistant([DATA]).index
    question = "Hoeveel cursisten bevroeg het Subsidie-Agentschap?"
    passages = retrieve(index, question, 5, Filters(doc_ids=("stuurgroep",)))
    assert [(p.rank, p.chunk.doc_id) for p in passages] == [(1, "stuurgroep")]


def test_an_empty_index_retrieves_nothing(build_assistant) -> None:
    assert retrieve(build_assistant().index, "Hoe tevreden zijn de klanten?", 5) == []


# -- filters --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "agencies"),
    [
        (["AgII"], (AGII_FULL,)),
        (["agii"], (AGII_FULL,)),
        ([AGII_FULL], (AGII_FULL,)),
        (["kind en gezin"], ("Kind en Gezin",)),
        (["  K&G "], ("Kind en Gezin",)),
        (["AgII", AGII_FULL.upper()], (AGII_FULL,)),
        (["WSE", "abb"], ("Departement Werk en Sociale Economie", "Agentschap Binnenlands Bestuur")),
    ],
)
def test_agency_names_resolve_to_the_index_agencies(corpus_assistant: Assistant, typed: list[str],
                                                    agencies: tuple[str, ...]) -> None:
    assert resolve_filters(corpus_assistant.index, typed) == Filters(agencies, ())


def test_an_unknown_agency_is_an_input_error_listing_the_known_ones(corpus_assistant: Assistant) -> None:
    with pytest.raises(InputError) as caught:
        resolve_filters(corpus_assistant.index, ["AgII", "NASA"])
    assert str(caught.value) == (
        "unknown agency 'NASA'; the index has: ABB (Agentschap Binnenlands Bestuur), AgII (Agentschap Integratie "
        "en Inburgering), WSE (Departement Werk en Sociale Economie), K&G (Kind en Gezin)")


def test_document_filters_are_checked_against_the_index(corpus_assistant: Assistant) -> None:
    assert resolve_filters(corpus_assistant.index, (), [" agii-klanttevredenheid", "", "agii-klanttevredenheid"]) \
        == Filters((), ("agii-klanttevredenheid",))
    with pytest.raises(InputError) as caught:
        resolve_filters(corpus_assistant.index, (), ["nope", "agii-klanttevredenheid", "also-nope"])
    assert str(caught.value) == "unknown document id also-nope, nope"


def test_filters_describe_themselves() -> None:
    assert Filters().describe() == "" and not Filters()
    assert Filters(("Kind en Gezin",), ("a", "b")).describe() == "agentschap: Kind en Gezin; document: a, b"


# -- the real model over the corpus ---------------------------------------------------------------------

QUESTION = "Hoe tevreden zijn de klanten over de dienstverlening?"


@pytest.mark.parametrize(
    ("agencies", "doc_ids", "found"),
    [
        (["AgII"], [], AGII_DOCS),
        (["kind en gezin"], [], {"kg-klantentevredenheidsmeting"}),
        (["K&G", "WSE"], [], {"kg-klantentevredenheidsmeting", "wse-klantentevredenheidsmeting"}),
        ([], ["agii-klantentevredenheidsmeting"], {"agii-klantentevredenheidsmeting"}),
        (["AgII"], ["agii-klanttevredenheid"], {"agii-klanttevredenheid"}),
    ],
)
def test_filters_restrict_the_passages(corpus_assistant: Assistant, agencies: list[str], doc_ids: list[str],
                                       found: set[str]) -> None:
    index = corpus_assistant.index
    passages = retrieve(index, QUESTION, 10, resolve_filters(index, agencies, doc_ids))
    assert {p.chunk.doc_id for p in passages} == found
    available = sum(c.doc_id in found for c in index.chunks)  # agii-klantentevredenheidsmeting has 9 chunks
    assert [p.rank for p in passages] == list(range(1, min(10, available) + 1))


def test_without_a_filter_every_agency_can_come_up(corpus_assistant: Assistant) -> None:
    passages = retrieve(corpus_assistant.index, QUESTION, 40)
    assert {p.chunk.agency_short for p in passages} == {"ABB", "AgII", "K&G", "WSE"}


def test_an_agency_filter_and_a_document_of_another_agency_find_nothing(corpus_assistant: Assistant) -> None:
    index = corpus_assistant.index
    assert retrieve(index, QUESTION, 5, resolve_filters(index, ["K&G"], ["agii-klanttevredenheid"])) == []


@pytest.mark.parametrize(
    ("question", "doc_id", "item"),
    [
        ("Hoeveel personen werden na de test MO aangeschreven?", "agii-klanttevredenheid", "4b"),
        ("Wat was de Net Promotor Score van inburgeraars na het inburgeringstraject?", "agii-klanttevredenheid", "8a"),
        ("Werkt AgII samen met een universiteit?", "agii-klanttevredenheid", "6"),
        ("Hoe meet Kind en Gezin de klanttevredenheid?", "kg-klantentevredenheidsmeting", ""),
        ("How does Kind en Gezin measure customer satisfaction?", "kg-klantentevredenheidsmeting", ""),
        # BM25's clear first (the only passage with "anoniem"), which the vectors rank low: with a rank-fusion
        # constant of 60 it fell to sixth, out of the answer's five.
        ("Is de bevraging van AgII anoniem?", "agii-klanttevredenheid", "5"),
    ],
)
def test_the_passage_that_answers_comes_first(corpus_assistant: Assistant, question: str, doc_id: str,
                                              item: str) -> None:
    passages = retrieve(corpus_assistant.index, question, 5)
    assert (passages[0].chunk.doc_id, passages[0].chunk.section, passages[0].chunk.item) == (doc_id, "answer", item)
    scores = [p.score for p in passages]
    assert scores == sorted(scores, reverse=True) and 0.0 < scores[-1] and scores[0] <= 1.0


def test_question_chunks_keep_half_their_score(corpus_assistant: Assistant) -> None:
    # Question 3 of the AgII question, word for word: its own chunk matches best, but at half weight.
    question = "Gebruikt het Agentschap Integratie en Inburgering andere methodes dan een bevraging alleen?"
    passages = retrieve(corpus_assistant.index, question, 40)
    asked = [p for p in passages if p.chunk.section == "question"]
    assert asked and max(p.score for p in asked) <= 0.5
    assert passages[0].chunk.section == "answer"


PREMIES = """---
id: premies
title: "Steun voor woningen"
---
## Vraag

1. Hoe worden de renovatiepremies uitbetaald?

2. Hoe groot is het budget van de dienst?

## Antwoord

1. Via de gemeenten, elk kwartaal.

2. Het budget van de dienst bedraagt 3 miljoen euro.
"""


def test_a_terse_answer_item_is_found_through_the_sub_question_it_replies_to(build_assistant, tmp_path) -> None:
    (tmp_path / "premies.md").write_text(PREMIES, encoding="utf-8")
    index = build_assistant([tmp_path / "premies.md"]).index
    question = "Op welke manier worden renovatiepremies uitbetaald?"
    # The answer item says none of the question's words: the sub-question it replies to does.
    found = [(index.chunk(i).section, index.chunk(i).item)
             for i, _ in index.search_bm25(index.analyzer.query_tokens(question), 10, None)]
    assert found == [("question", "1"), ("answer", "1")]
    passages = retrieve(index, question, 4)
    assert [(p.chunk.section, p.chunk.item, p.chunk.text) for p in passages][0] == (
        "answer", "1", "1. Via de gemeenten, elk kwartaal.")


def test_ask_applies_the_filters_and_says_so(corpus_assistant: Assistant) -> None:
    answer = corpus_assistant.ask("Hoe tevreden zijn de ouders?", agencies=["kind en gezin"])
    assert {p.chunk.doc_id for p in answer.passages} == {"kg-klantentevredenheidsmeting"}
    assert "Filter toegepast: agentschap: Kind en Gezin." in answer.notices
    with pytest.raises(InputError, match="unknown agency 'VDAB'"):
        corpus_assistant.ask("Hoe tevreden zijn de ouders?", agencies=["VDAB"])


def test_the_hybrid_search_is_a_langchain_retriever(build_assistant) -> None:
    from assistant.search.retrieve import Filters, HybridRetriever, retrieve

    assistant = build_assistant([Path(__file__).resolve().parent.parent / "corpus"])
    question = "Welke software gebruikt het agentschap voor de bevragingen?"
    expected = retrieve(assistant.index, question, 3, Filters(("Agentschap Integratie en Inburgering",)))
    documents = HybridRetriever(index=assistant.index, k=3,
                                filters=Filters(("Agentschap Integratie en Inburgering",))).invoke(question)
    assert [d.id for d in documents] == [p.chunk.id for p in expected]
    assert [d.page_content for d in documents] == [p.chunk.text for p in expected]
    assert [d.metadata["rank"] for d in documents] == [1, 2, 3]
    assert {d.metadata["agency"] for d in documents} == {"Agentschap Integratie en Inburgering"}


@pytest.mark.parametrize("candidates", [3, 10, 40])
def test_a_list_finds_for_each_agency_what_a_search_within_it_finds(build_assistant, candidates: int) -> None:
    # One vector search for all agencies, grouped; an agency with too few chunks in it is searched on its own. With
    # 3 candidates, four agencies and the fake embedder, some agencies fill their share and some do not.
    index = build_assistant([ROOT / "corpus"], candidates=candidates).index
    question = "Hoe peilen de agentschappen naar de tevredenheid van hun klanten?"
    grouped = per_agency(index, question, 4)
    assert sorted(grouped) == sorted(index.agencies())
    for agency, passages in grouped.items():
        alone = retrieve(index, question, 4, Filters((agency,)))
        assert [(p.chunk.id, round(p.score, 9)) for p in passages] == [(p.chunk.id, round(p.score, 9)) for p in alone]
