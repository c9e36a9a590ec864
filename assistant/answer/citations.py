"""Citations: the `[n]` in an answer's text, read, bounds-checked, renumbered and linked in one place.

A citation `[n]` names passage n of the answer, numbered from 1 in the order the passages were shown.
The answerers write it, `core.cited_first` renumbers it, the chat turns it into a link and the export
renumbers it for the file. A model writes looser forms ("[1, 2]", "[passage 3]"): `read_model_citations`
reads those.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping

log = logging.getLogger(__name__)

CITATION = re.compile(r"\[(\d+)\]")
# "[1]", "[1, 2]", "[1][3]", "[passage 2]": the forms models use; the answer writes each as "[n]".
_MODEL_CITATION = re.compile(r"\[\s*(?:passages?\s*)?(\d+(?:\s*[,;]\s*(?:passages?\s*)?\d+)*)\s*\]", re.IGNORECASE)
# "Zin. [1]": citations after the sentence's full stop, to be moved before it.
_CITATIONS_AFTER_END = re.compile(r"([.!?])((?:\s*\[[^\]\n]{1,40}\])+)")


def in_range(n: int, n_passages: int) -> bool:
    """Does [n] name one of `n_passages` passages? Numbering starts at 1, so [0] does not: a model (or a
    0-based bug) writing [0] would otherwise cite passages[-1], the last one, and a reader would be shown
    a source that says something else."""
    return 1 <= n <= n_passages


def find_citations(text: str) -> Iterator[tuple[int, int, int]]:
    """(start, end, n) of every [n] in the text, in order."""
    for match in CITATION.finditer(text):
        yield match.start(), match.end(), int(match.group(1))


def cited_numbers(text: str) -> list[int]:
    """The n of every [n] in the text, in order, repeats included."""
    return [n for _, _, n in find_citations(text)]


def parse_citations(text: str, n_passages: int) -> tuple[list[int], list[int]]:
    """The [n] references in a text: (those within 1..n_passages, those out of range), each sorted and
    once; the ones out of range are logged."""
    found = cited_numbers(text)
    good = sorted({n for n in found if in_range(n, n_passages)})
    bad = sorted({n for n in found if not in_range(n, n_passages)})
    if bad:
        log.info("citations out of range 1..%d: %s", n_passages, bad)
    return good, bad


def strip_citations(text: str) -> str:
    """The text without its [n] and the white space before each: "Zo is het [1]." -> "Zo is het."."""
    return re.sub(r"\s*" + CITATION.pattern, "", text)


def replace_citations(text: str, replace: Callable[[int], str | None]) -> str:
    """Every [n] replaced by `replace(n)`; where that is None, the [n] stays as it was."""

    def substitute(match: re.Match[str]) -> str:
        new = replace(int(match.group(1)))
        return match.group(0) if new is None else new

    return CITATION.sub(substitute, text)


def renumber(text: str, mapping: Mapping[int, int]) -> str:
    """Every [n] rewritten as [mapping[n]]; a number the mapping lacks stays as it is."""
    return replace_citations(text, lambda n: f"[{mapping[n]}]" if n in mapping else None)


def link_citations(text: str, valid: set[int] | frozenset[int], href: Callable[[int], str]) -> str:
    """Every [n] with n in `valid` as an HTML link to `href(n)`; other brackets stay text."""
    return replace_citations(
        text, lambda n: f'<a class="cite" href="{href(n)}" title="Bron {n} tonen">[{n}]</a>' if n in valid else None)


def format_citations(numbers: Iterable[int], separator: str = "") -> str:
    """"[1][3]" for 1 and 3 ("[1] [3]" with a space as separator)."""
    return separator.join(f"[{n}]" for n in numbers)


def move_before_full_stop(line: str) -> str:
    """ "Zin. [1]" cites like "Zin [1].": citations after a sentence's end moved before it."""
    return _CITATIONS_AFTER_END.sub(lambda m: f"{m.group(2)}{m.group(1)}", line)


def read_model_citations(text: str) -> tuple[tuple[int, ...], str]:
    """(the numbers a model's sentence cites, in any of its forms and in range or not; the sentence without them)."""
    cited = tuple(int(n) for m in _MODEL_CITATION.finditer(text) for n in re.findall(r"\d+", m.group(1)))
    return cited, _MODEL_CITATION.sub("", text)
