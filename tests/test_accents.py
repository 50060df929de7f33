"""Testes de rnncourse.accents: tirar e repor os sinais, índices das letras e a divisão fixa."""

from __future__ import annotations

import pytest

from rnncourse.accents import (
    ALPHABET,
    MARKS,
    accent_data,
    encode_word,
    restore_marks,
    strip_marks,
)
from rnncourse.data import load_words

EXAMPLES = [
    ("informação", "informacao", [0, 0, 0, 0, 0, 0, 0, 4, 3, 0]),
    ("está", "esta", [0, 0, 0, 1]),
    ("você", "voce", [0, 0, 0, 2]),
    ("casa", "casa", [0, 0, 0, 0]),
]


@pytest.mark.parametrize(("word", "letters", "marks"), EXAMPLES, ids=[w for w, _, _ in EXAMPLES])
def test_strip_and_restore_examples(word, letters, marks):
    assert strip_marks(word) == (letters, marks)
    assert restore_marks(letters, marks) == word
    assert MARKS[max(marks)] in ("nenhum", "agudo", "circunflexo", "til", "cedilha")


def test_other_signs_and_characters_are_left_out():
    assert strip_marks("pinguim") == ("pinguim", [0] * 7)
    assert strip_marks("lingüiça") is None  # trema: fora da tarefa
    assert strip_marks("à") is None  # crase: fora da tarefa
    assert strip_marks("guarda-chuva") is None


def test_round_trip_on_the_course_words():
    kept = 0
    for word in load_words()[:5000]:
        stripped = strip_marks(word)
        if stripped is None:
            continue
        letters, marks = stripped
        assert set(letters) <= set(ALPHABET) and len(marks) == len(word)
        assert restore_marks(letters, marks) == word
        kept += 1
    assert kept > 4900  # quase todas as palavras ficam


def test_encode_word_and_errors():
    assert encode_word("abz") == [1, 2, 26]
    with pytest.raises(ValueError, match="fora de a-z"):
        encode_word("ação")
    with pytest.raises(ValueError, match="um sinal por letra"):
        restore_marks("casa", [0, 0, 0])
    with pytest.raises(ValueError, match="de 0 a 4"):
        restore_marks("casa", [0, 0, 0, 5])
    with pytest.raises(ValueError, match="parte desconhecida"):
        accent_data("tudo")


def test_accent_data_is_fixed_disjoint_and_keeps_the_most_frequent_form():
    parts = {split: accent_data(split) for split in ("treino", "validação", "teste")}
    assert [len(parts[s][0]) for s in parts] == [5000, 2000, 2000]
    sets = [set(words) for words, _ in parts.values()]
    assert not (sets[0] & sets[1] or sets[0] & sets[2] or sets[1] & sets[2])
    for words, marks in parts.values():
        for w, m in zip(words, marks, strict=True):
            assert set(w) <= set(ALPHABET) and len(m) == len(w) and set(m) <= set(range(5))
    assert accent_data("treino") == parts["treino"]  # determinística
    # "esta" e "está" viram a mesma entrada: fica a forma mais frequente da lista
    words_in_order = load_words()
    vocabulary = set(words_in_order)
    first_form: dict[str, str] = {}  # forma sem sinais -> a mais frequente com ela
    for word in words_in_order:
        stripped = strip_marks(word)
        if stripped is not None:
            first_form.setdefault(stripped[0], word)
    shadowed = 0  # entradas cuja forma sem sinais também é uma palavra da lista
    for words, marks in parts.values():
        for letters, m in zip(words, marks, strict=True):
            word = restore_marks(letters, m)
            assert word == first_form[letters]
            shadowed += word != letters and letters in vocabulary
    assert shadowed > 0
