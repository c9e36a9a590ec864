"""Accent folding (the fast table-based fold against its definition: NFKD, then no combining marks), the
compound splitter, and the concepts a question asks about."""
from __future__ import annotations

import sys
import unicodedata

import pytest

from assistant.search.text import Analyzer, Decompounder, dutch_lemma, fold, is_english, split_sentences, words


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


# -- the compound splitter ------------------------------------------------------------------------------

VOCABULARY = ["klant", "tevredenheid", "meting", "kind", "gezin", "web", "surveys", "websurveys", "design",
              "designbureau", "punten", "verbeteren", "wacht", "tijd", "wachttijd"]


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("klanttevredenheid", ("klant", "tevredenheid")),
        ("klantentevredenheid", ("klant", "tevredenheid")),  # linking "en"
        ("klanttevredenheidsmeting", ("klant", "tevredenheid", "meting")),  # linking "s", three parts
        ("verbeterpunten", ("verbeter", "punten")),  # a verb's stem: "verbeteren" is in the vocabulary
        ("wachttijd", ("wacht", "tijd")),  # a compound the vocabulary also holds whole is still split
        ("meting", ()),  # shorter than two parts of MIN_PART letters
        ("webdesign", ()),  # "web" is shorter than MIN_PART
        ("klanttevredenheid2", ()),  # not letters only
        ("klantdossier", ()),  # "dossier" is not in the vocabulary
    ],
)
def test_the_decompounder_splits_into_vocabulary_words(word: str, parts: tuple[str, ...]) -> None:
    assert Decompounder(VOCABULARY).split(word) == parts


def test_the_decompounder_finds_vocabulary_words_that_begin_or_end_with_a_word() -> None:
    decompounder = Decompounder(VOCABULARY)
    assert decompounder.containing("design") == ["designbureau"]
    assert decompounder.containing("surveys") == ["websurveys"]
    assert decompounder.containing("kind") == []  # too short to look for


def test_the_analyzer_indexes_a_compound_with_its_parts() -> None:
    analyzer = Analyzer("dutch", VOCABULARY)
    assert analyzer.tokens("De klanttevredenheidsmeting") == ["klanttevredenheidsmeet", "klant", "tevreden",
                                                                     "meet"]


# -- concepts: what a question asks about ---------------------------------------------------------------


def test_a_compound_in_a_question_gives_one_concept_per_part() -> None:
    concepts = Analyzer("dutch", VOCABULARY).concepts("Hoe meet Kind en Gezin de klanttevredenheid?")
    assert [c.word for c in concepts] == ["meet", "kind", "gezin", "klant", "tevredenheid"]
    by_word = {c.word: c for c in concepts}
    assert by_word["tevredenheid"].own == by_word["tevredenheid"].stems == frozenset({"tevreden"})
    # The glossary's synonyms: a question about customers also finds users and citizens.
    assert (by_word["klant"].own, by_word["klant"].stems) == ({"klant"}, {"klant", "bruiker", "burger"})


def test_two_words_the_index_writes_as_one_are_one_concept_first() -> None:
    concepts = Analyzer("dutch", VOCABULARY).concepts("Which design agency ran the web surveys?")
    assert [c.word for c in concepts] == ["websurveys", "design", "agency", "ran", "web", "surveys"]
    assert concepts[0].own == concepts[0].stems == frozenset({"websurveys"})
    # An English word brings its Dutch translation's stem ("agentschap").
    assert concepts[2].stems == {"agency", "antschap"}


def test_a_synonym_the_index_lacks_stands_for_the_index_words_that_contain_it() -> None:
    # "methode" has the synonym "instrument", which this index only has inside "meetinstrument".
    concepts = Analyzer("dutch", [*VOCABULARY, "meetinstrument"]).concepts("Welke methode?")
    (methode,) = [c for c in concepts if c.word == "methode"]
    assert "meetinstrument" in methode.stems
    # With "instrument" itself in the index, the synonym is only itself.
    concepts = Analyzer("dutch", [*VOCABULARY, "meetinstrument", "instrument"]).concepts("Welke methode?")
    (methode,) = [c for c in concepts if c.word == "methode"]
    assert "meetinstrument" not in methode.stems and "instrument" in methode.stems


@pytest.mark.parametrize(("word", "indexed"), [
    ("bevraagt", "bevragingen"),  # the stemmer leaves "bevraagt" as it is; its lemma is "bevragen"
    ("kocht", "kopen"),
    ("bedroeg", "bedragen"),
])
def test_a_dutch_question_word_also_stands_for_its_lemma(word: str, indexed: str) -> None:
    analyzer = Analyzer("dutch", VOCABULARY)
    (concept,) = analyzer.concepts(word)
    assert analyzer.stem(word) in concept.own
    assert set(analyzer.tokens(indexed)) & concept.stems
    # What the lemma adds: the stemmer alone does not reach it, and the index keeps its tokens.
    assert not set(analyzer.tokens(indexed)) & set(analyzer.tokens(word))


def test_a_word_that_is_its_own_lemma_brings_nothing_more() -> None:
    assert dutch_lemma("bevraagt") == ("bevragen",)
    assert dutch_lemma("opgemaakt") == ("opmaken",)  # simplemma's "op_maken", the particle glued back
    assert dutch_lemma("tevredenheid") == ()


def test_a_word_missing_from_the_vocabulary_brings_the_compounds_that_hold_it() -> None:
    (concept,) = Analyzer("dutch", VOCABULARY).concepts("bureau")  # only "designbureau" is in the index
    assert (concept.own, concept.stems) == ({"bureau"}, {"bureau", "designbureau"})


@pytest.mark.parametrize(("text", "sentences"), [
    ("Eén zin. Twee zinnen! Drie? 4 staat voorop.", ["Eén zin.", "Twee zinnen!", "Drie?", "4 staat voorop."]),
    ("Het kostte 1.250 euro, o.a. de enquête. “Dat” zegt hij.", ["Het kostte 1.250 euro, o.a. de enquête.",
                                                                "“Dat” zegt hij."]),
    ("Geen einde", ["Geen einde"]),
])
def test_split_sentences_cuts_at_an_end_before_a_capital_digit_or_quote(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


@pytest.mark.parametrize(("text", "sentences"), [
    # a lone letter: a party to a judgment, an initial
    ("De arresten Smit c. Nederland en Jansen c. Belgie. Beide in 2004.",
     ["De arresten Smit c. Nederland en Jansen c. Belgie.", "Beide in 2004."]),
    ("Minister J. Peeters antwoordt. Dat volstaat.", ["Minister J. Peeters antwoordt.", "Dat volstaat."]),
    # an abbreviation before a number, and a dotted one before anything
    ("Zie vraag nr. 412 en art. 7 van de wet. Verder niets.", ["Zie vraag nr. 412 en art. 7 van de wet.",
                                                              "Verder niets."]),
    ("Het gaat m.b.t. De Post om een akkoord. Klaar.", ["Het gaat m.b.t. De Post om een akkoord.", "Klaar."]),
    # a word that ends a sentence before a number still does, and "enz." may end one
    ("Er zijn 14 zones. 3 ervan zijn klaar.", ["Er zijn 14 zones.", "3 ervan zijn klaar."]),
    ("Appels, peren, enz. De rest niet.", ["Appels, peren, enz.", "De rest niet."]),
])
def test_a_period_after_an_abbreviation_ends_no_sentence(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


@pytest.mark.parametrize("question, english", [
    ("Which agencies use web surveys?", True),
    ("Welke agentschappen gebruiken websurveys?", False),
    # As many English function words ("how") as Dutch ones ("had"): the words themselves decide.
    ("How many refugees had sought shelter in Ghent?", True),
    ("Hoeveel vluchtelingen had Gent opgevangen?", False),
    # A Dutch question that quotes an English title stays Dutch.
    ("Sinds wanneer bestaat de campagne Love the Planet?", False),
    # A function word between two capitalised words belongs to a name and counts for neither language.
    ("Sinds wanneer loopt Feed the Cities?", False),
    ("Wie organiseert Ask the Citizens?", False),
    ("What does the Department of Work and Social Economy measure?", True),
])
def test_the_language_of_a_question(question: str, english: bool) -> None:
    assert is_english(question) is english
