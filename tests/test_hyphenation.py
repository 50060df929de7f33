"""Testes de rnncourse.hyphenation: rótulos do pyphen (pt_BR), hífens, padrões e métricas."""

from __future__ import annotations

import numpy as np
import pyphen
import pytest

from rnncourse.data import load_words
from rnncourse.hyphenation import hyphen_labels, hyphenate, hyphenation_patterns, tagging_scores

EXAMPLES = [
    ("recorrente", "re-cor-ren-te"),
    ("rainha", "rai-nha"),  # a escola separa ra-i-nha
    ("psicologia", "psi-co-lo-gia"),  # a escola separa psi-co-lo-gi-a
    ("carro", "car-ro"),
    ("exceção", "ex-ce-ção"),
    ("ave", "ave"),  # nunca sobra um caractere só no começo da linha
    ("pneu", "pneu"),
]


@pytest.mark.parametrize(("word", "expected"), EXAMPLES, ids=[w for w, _ in EXAMPLES])
def test_labels_mark_the_character_before_each_hyphen(word, expected):
    labels = hyphen_labels(word)
    assert labels.dtype == np.int64 and labels.shape == (len(word),)
    assert hyphenate(word, labels) == expected
    # o rótulo 1 fica no caractere que precede o hífen
    assert [i for i, v in enumerate(labels) if v] == [
        i - k - 1 for k, i in enumerate(j for j, ch in enumerate(expected) if ch == "-")
    ]


def test_labels_agree_with_pyphen_on_the_course_words():
    dic = pyphen.Pyphen(lang="pt_BR")
    words = load_words()[:3000]
    for word in words:
        assert hyphenate(word, hyphen_labels(word)) == dic.inserted(word), word


def test_typographic_minimums_two_characters_at_each_end():
    """O hifenizador do TeX não deixa menos de dois caracteres antes ou depois de um hífen."""
    for word in load_words()[:5000]:
        labels = hyphen_labels(word)
        assert labels[0] == 0 and labels[-1] == 0, word
        if len(word) >= 2:
            assert labels[-2] == 0, word


def test_hyphenate_checks_the_number_of_labels():
    assert hyphenate("casa", [0, 0, 0, 0]) == "casa"
    assert hyphenate("casa", np.array([0, 1, 0, 0])) == "ca-sa"
    assert hyphenate("ab", [1, 1], hyphen="·") == "a·b·"  # um erro no fim fica visível
    with pytest.raises(ValueError, match="um rótulo por caractere"):
        hyphenate("casa", [0, 1, 0])
    with pytest.raises(ValueError, match="texto não vazio"):
        hyphen_labels("")
    with pytest.raises(ValueError, match="não tem o dicionário"):
        hyphen_labels("casa", lang="xx_YY")


def test_patterns_are_liang_patterns_of_pt_br():
    patterns = hyphenation_patterns()
    assert len(patterns) > 1000
    assert "1b2l" in patterns and "1b4r" in patterns  # "pode partir antes de bl/br, não entre"
    assert all(p and not p.isupper() for p in patterns)  # a linha da codificação ficou de fora
    assert all(any(ch.isdigit() for ch in p) for p in patterns)


def test_scores_on_a_hand_computed_example():
    gold = [np.array([0, 1, 0, 0]), np.array([0, 1, 0, 1, 0, 0]), np.array([0, 0, 0])]
    pred = [np.array([0, 1, 0, 0]), np.array([0, 1, 1, 0, 0, 0]), np.array([0, 0, 0])]
    s = tagging_scores(pred, gold)
    # palavras: 2 de 3 certas; caracteres: 11 de 13; pontos: tp = 2, fp = 1, fn = 1
    assert s["word_accuracy"] == pytest.approx(2 / 3, abs=1e-12)
    assert s["char_accuracy"] == pytest.approx(11 / 13, abs=1e-12)
    assert s["precision"] == pytest.approx(2 / 3, abs=1e-12)
    assert s["recall"] == pytest.approx(2 / 3, abs=1e-12)
    assert s["f1"] == pytest.approx(2 / 3, abs=1e-12)


def test_scores_edge_cases_and_errors():
    perfect = tagging_scores([[0, 1, 0]], [[0, 1, 0]])
    assert perfect == {k: 1.0 for k in perfect}
    none_at_all = tagging_scores([[0, 0, 0]], [[0, 0, 0]])
    assert none_at_all["f1"] == 1.0 and none_at_all["word_accuracy"] == 1.0
    all_missed = tagging_scores([[0, 0, 0]], [[0, 1, 0]])
    assert all_missed["recall"] == 0.0 and all_missed["f1"] == 0.0
    assert all_missed["precision"] == 1.0  # nenhum ponto previsto, nenhum errado
    with pytest.raises(ValueError, match="2 previsões para 1 palavras"):
        tagging_scores([[0], [0]], [[0]])
    with pytest.raises(ValueError, match="palavra 0"):
        tagging_scores([[0, 1]], [[0, 1, 0]])
    with pytest.raises(ValueError, match="não há palavras"):
        tagging_scores([], [])
