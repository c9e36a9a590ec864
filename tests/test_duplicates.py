"""duplicates: answers as MinHash signatures of their 5-word shingles, copies grouped under the best placed."""
from __future__ import annotations


from assistant.duplicates import THRESHOLD, answer_text, group_copies, shingles, similarity
from assistant.types import Chunk

ANSWER = ("1. De NMBS heeft in 2016 de voetgangersbrug aan het station van Mechelen laten onderzoeken door een "
          "studiebureau. Het rapport besluit dat de brug veilig is maar dat de trappen vernieuwd moeten worden. "
          "2. De werken starten in het voorjaar van 2018 en duren ongeveer acht maanden. Tijdens de werken blijft "
          "een doorgang voor voetgangers open. 3. De kostprijs wordt geraamd op 2,4 miljoen euro, ten laste van "
          "Infrabel en de stad.")
# The same answer sent to another member: only the date of the study differs (5 of the 69 shingles).
COPY = ANSWER.replace("in 2016", "in 2015")
OTHER = ("De spoorwegpolitie telde in 2016 in totaal 312 incidenten met agressie tegen treinbegeleiders; in 2015 "
         "waren het er 287. De cijfers per provincie staan in de tabel in bijlage.")


def test_shingles_are_runs_of_five_folded_words() -> None:
    assert shingles("De NMBS heeft de brug laten onderzoeken") == {
        "de nmbs heeft de brug", "nmbs heeft de brug laten", "heeft de brug laten onderzoeken"}
    assert shingles("Zie bijlage.") == {"zie bijlage"}
    assert shingles("  ") == set()


def test_similarity_of_copies_is_high_and_of_other_answers_low() -> None:
    assert similarity(ANSWER, ANSWER) == 1.0
    assert similarity(ANSWER, COPY) == 0.8359375  # 107 of 128 hashes agree; the true Jaccard is 64/74 = 0.865
    assert similarity(ANSWER, OTHER) == 0.0
    assert similarity(ANSWER, "") == 0.0


def test_group_copies_puts_each_copy_under_the_best_placed_text() -> None:
    assert THRESHOLD == 0.75
    assert group_copies([OTHER, ANSWER, COPY, OTHER, "", ""]) == [[0, 3], [1, 2], [4], [5]]
    assert group_copies([]) == []


def test_answer_text_leaves_the_question_out() -> None:
    chunks = [Chunk("d#2", "d", "Het antwoord.", 20, 33, section="answer"),
              Chunk("d#1", "d", "De vraag?", 0, 9, section="question"),
              Chunk("d#3", "d", "Meer antwoord.", 34, 48, section="answer")]
    assert answer_text(chunks) == "Het antwoord.\nMeer antwoord."
