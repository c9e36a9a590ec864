"""The one place [n] is read, bounds-checked, renumbered and linked."""
from __future__ import annotations

import pytest

from assistant.answer.citations import (
    cited_numbers,
    find_citations,
    format_citations,
    in_range,
    link_citations,
    move_before_full_stop,
    parse_citations,
    read_model_citations,
    renumber,
    strip_citations,
)


@pytest.mark.parametrize(("text", "good", "bad"), [
    ("Zo is het [1] en zo [2].", [1, 2], []),
    ("Niet [0] en niet [99].", [], [0, 99]),
    ("Twee keer [3] en [3], buiten bereik [6].", [3], [6]),
    ("De laatste [5] telt, [ 2] en [a] niet.", [5], []),
    ("Geen verwijzing.", [], []),
])
def test_parse_citations_keeps_numbers_in_range(text: str, good: list[int], bad: list[int]) -> None:
    assert parse_citations(text, 5) == (good, bad)


@pytest.mark.parametrize(("n", "expected"), [(0, False), (1, True), (5, True), (6, False), (99, False)])
def test_passages_are_numbered_from_one(n: int, expected: bool) -> None:
    assert in_range(n, 5) is expected


def test_citations_are_found_in_order_with_their_place() -> None:
    text = "A [2] b [10] c [2]"
    assert list(find_citations(text)) == [(2, 5, 2), (8, 12, 10), (15, 18, 2)]
    assert cited_numbers(text) == [2, 10, 2]


def test_renumber_rewrites_known_numbers_and_leaves_the_rest() -> None:
    assert renumber("Eerst [3], dan [1], dan [3] en [7].", {3: 1, 1: 2}) == "Eerst [1], dan [2], dan [1] en [7]."


def test_renumber_swaps_without_rewriting_twice() -> None:
    assert renumber("[1] [2]", {1: 2, 2: 1}) == "[2] [1]"


def test_link_citations_links_only_valid_numbers() -> None:
    assert link_citations("a [1] b [0] c [99]", {1}, lambda n: f"#bron-{n}") == (
        'a <a class="cite" href="#bron-1" title="Bron 1 tonen">[1]</a> b [0] c [99]')


def test_format_citations() -> None:
    assert format_citations([1, 3]) == "[1][3]"
    assert format_citations((2, 4), " ") == "[2] [4]"
    assert format_citations([]) == ""


@pytest.mark.parametrize(("text", "cited", "bare"), [
    ("Zo is het [1].", (1,), "Zo is het ."),
    ("Zo [1, 2; 3] is het.", (1, 2, 3), "Zo  is het."),
    ("Zo [passage 4][Passages 0] is het.", (4, 0), "Zo  is het."),
    ("Geen [bron] hier.", (), "Geen [bron] hier."),
])
def test_read_model_citations_reads_the_forms_models_write(text: str, cited: tuple[int, ...], bare: str) -> None:
    assert read_model_citations(text) == (cited, bare)


def test_citations_after_the_full_stop_move_before_it() -> None:
    assert move_before_full_stop("Zin een. [1][2] Zin twee.") == "Zin een [1][2]. Zin twee."


def test_strip_citations_takes_the_space_before_along() -> None:
    assert strip_citations("Zo is het [1][2]. En zo [10] .") == "Zo is het. En zo ."
