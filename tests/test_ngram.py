"""Testes de rnncourse.ngram: contagens, suavização aditiva, bits/caractere, amostragem, seleção.

Os valores esperados do corpus minúsculo ``["ab", "b"]`` foram calculados à mão:
com ``n = 2`` os pares (contexto, próximo) são

    "ab": (".", "a"), ("a", "b"), ("b", ".")      "b": (".", "b"), ("b", ".")

e o vocabulário é {".", "a", "b"} (|V| = 3).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnncourse.data import BOUNDARY, CharVocab
from rnncourse.ngram import NGramLM, select_ngram

TINY = ["ab", "b"]
WORDS = [
    "casa", "casamento", "cama", "rede", "redes", "neural", "neurônio", "recorrente",
    "corrente", "sequência", "palavra", "palavras", "modelo", "modelos", "ação", "atenção",
]  # fmt: skip


def test_add_k_probabilities_by_hand():
    m = NGramLM(order=2, k=0.5).fit(TINY)
    assert m.vocab.itos == [BOUNDARY, "a", "b"]
    # contexto ".": N(.,a) = 1, N(.,b) = 1, N(.) = 2  ->  (N + 0.5) / (2 + 1.5)
    np.testing.assert_allclose(m.prob("", "a"), 1.5 / 3.5, rtol=1e-12)
    np.testing.assert_allclose(m.prob("", "b"), 1.5 / 3.5, rtol=1e-12)
    np.testing.assert_allclose(m.prob("", BOUNDARY), 0.5 / 3.5, rtol=1e-12)
    # contexto "a": N(a,b) = 1, N(a) = 1  ->  1.5 / 2.5
    np.testing.assert_allclose(m.prob("a", "b"), 1.5 / 2.5, rtol=1e-12)
    np.testing.assert_allclose(m.prob("a", "a"), 0.5 / 2.5, rtol=1e-12)
    # contexto "b": N(b,.) = 2, N(b) = 2  ->  2.5 / 3.5
    np.testing.assert_allclose(m.prob("b", BOUNDARY), 2.5 / 3.5, rtol=1e-12)
    # contexto nunca visto: a uniforme 1/|V|
    np.testing.assert_allclose(m.next_distribution("zz"), [1 / 3] * 3, rtol=1e-12)


def test_unigram_ignores_context_and_counts_end_symbols():
    m = NGramLM(order=1, k=1.0).fit(TINY)
    # 5 previsões: a, b, ., b, .  ->  N(.) = 2, N(a) = 1, N(b) = 2
    expected = np.array([2 + 1, 1 + 1, 2 + 1]) / (5 + 3)
    for context in ["", "a", "qualquer coisa"]:
        np.testing.assert_allclose(m.next_distribution(context), expected, rtol=1e-12)


def test_log2_prob_and_bits_per_char_by_hand():
    m = NGramLM(order=2, k=0.5).fit(TINY)
    log2_ab = math.log2(1.5 / 3.5) + math.log2(1.5 / 2.5) + math.log2(2.5 / 3.5)
    log2_b = math.log2(1.5 / 3.5) + math.log2(2.5 / 3.5)
    np.testing.assert_allclose(m.log2_prob_word("ab"), log2_ab, rtol=1e-12)
    # L + 1 previsões por palavra: 3 + 2 = 5
    np.testing.assert_allclose(m.bits_per_char(TINY), -(log2_ab + log2_b) / 5, rtol=1e-12)
    np.testing.assert_allclose(m.perplexity(TINY), 2 ** (-(log2_ab + log2_b) / 5), rtol=1e-12)


@pytest.mark.parametrize("order", [1, 2, 3, 4])
@pytest.mark.parametrize("k", [0.01, 1.0])
def test_distributions_sum_to_one_for_every_context(order, k):
    m = NGramLM(order, k).fit(WORDS)
    contexts = [*m.counts, "nunca visto", "", "ç"]
    for context in contexts:
        dist = m.next_distribution(context)
        assert dist.shape == (len(m.vocab),) and np.all(dist > 0)
        np.testing.assert_allclose(dist.sum(), 1.0, rtol=1e-12)


@pytest.mark.parametrize("order", [1, 2, 3, 5])
def test_bits_per_char_matches_formula_and_perplexity(order):
    m = NGramLM(order, k=0.1).fit(WORDS)
    held_out = ["casas", "sequela", "ação", "mola"]
    total = sum(m.log2_prob_word(w) for w in held_out)
    predictions = sum(len(w) + 1 for w in held_out)
    bpc = m.bits_per_char(held_out)
    np.testing.assert_allclose(bpc, -total / predictions, rtol=1e-12)
    np.testing.assert_allclose(m.perplexity(held_out), 2**bpc, rtol=1e-12)
    # log2 P(palavra) é a soma das L + 1 previsões da regra da cadeia
    word = "casas"
    padded = BOUNDARY * (order - 1) + word + BOUNDARY
    chain = sum(math.log2(m.prob(padded[:i], padded[i])) for i in range(order - 1, len(padded)))
    np.testing.assert_allclose(m.log2_prob_word(word), chain, rtol=1e-12)


def test_context_uses_only_last_n_minus_1_symbols_padded_with_boundaries():
    m = NGramLM(order=3, k=0.1).fit(WORDS)
    for ch in ["a", "s", BOUNDARY]:
        assert m.prob("xyzca", ch) == m.prob("ca", ch)  # só os 2 últimos
        assert m.prob("c", ch) == m.prob(".c", ch)  # completado à esquerda com "."
        assert m.prob("", ch) == m.prob("..", ch)
    # o contexto "ca" foi visto: "s" (casa, casamento) é mais provável que "r"
    assert m.prob("ca", "s") > m.prob("ca", "r")


def test_large_k_tends_to_uniform_and_small_k_to_counts():
    vocab_size = len(CharVocab.from_words(WORDS))
    huge = NGramLM(order=3, k=1e9).fit(WORDS)
    np.testing.assert_allclose(huge.bits_per_char(WORDS), math.log2(vocab_size), rtol=1e-6)
    tiny = NGramLM(order=2, k=1e-9).fit(TINY)
    np.testing.assert_allclose(tiny.prob("b", BOUNDARY), 1.0, rtol=1e-6)  # máxima verossimilhança


def test_more_context_fits_training_data_better():
    bpcs = [NGramLM(n, k=0.01).fit(WORDS).bits_per_char(WORDS) for n in (1, 2, 3, 4)]
    assert np.all(np.diff(bpcs) < 0)


def test_evaluation_does_not_add_contexts():
    m = NGramLM(order=3, k=0.1).fit(WORDS)
    before = dict(m.counts)
    m.bits_per_char(["casulo", "ramo"])  # contextos "su", "ul", "am"... nunca vistos
    m.next_distribution("contexto inédito")
    assert dict(m.counts) == before


def test_sample_is_deterministic_and_uses_vocabulary():
    m = NGramLM(order=3, k=0.5).fit(WORDS)
    first = [m.sample(np.random.default_rng(7)) for _ in range(5)]
    again = [m.sample(np.random.default_rng(7)) for _ in range(5)]
    assert first == again
    rng = np.random.default_rng(0)
    samples = [m.sample(rng, max_len=12) for _ in range(200)]
    assert all(len(s) <= 12 and set(s) <= set(m.vocab.itos[1:]) for s in samples)
    assert len(set(samples)) > 50  # sorteia de verdade, não repete uma palavra só


def test_sample_reproduces_the_only_training_word_when_k_is_tiny():
    m = NGramLM(order=3, k=1e-9).fit(["casa"])
    rng = np.random.default_rng(0)
    assert [m.sample(rng) for _ in range(20)] == ["casa"] * 20


def test_sample_frequencies_follow_the_model():
    # unigrama sobre ["ab", "b"] com k pequeno: P(fim) = 2/5 a cada passo, logo
    # P(palavra vazia) = 2/5 e P(palavra de 1 letra) = (3/5)(2/5)
    m = NGramLM(order=1, k=1e-9).fit(TINY)
    rng = np.random.default_rng(1)
    lengths = np.array([len(m.sample(rng)) for _ in range(4000)])
    np.testing.assert_allclose(np.mean(lengths == 0), 2 / 5, atol=0.03)
    np.testing.assert_allclose(np.mean(lengths == 1), 6 / 25, atol=0.03)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"order": 0}, "ordem n deve ser um inteiro >= 1"),
        ({"order": 2.5}, "ordem n deve ser um inteiro >= 1"),
        ({"k": 0}, "suavização k deve ser > 0"),
        ({"k": -1.0}, "suavização k deve ser > 0"),
    ],
    ids=["ordem-zero", "ordem-fracionaria", "k-zero", "k-negativo"],
)
def test_constructor_rejects_bad_arguments_in_portuguese(kwargs, message):
    with pytest.raises(ValueError, match=message):
        NGramLM(**kwargs)


def test_errors_before_fit_and_on_bad_data():
    m = NGramLM(2, 0.1)
    with pytest.raises(RuntimeError, match="ainda não foi treinado"):
        m.prob("a", "b")
    with pytest.raises(ValueError, match="lista de palavras vazia"):
        m.fit([])
    with pytest.raises(ValueError, match="símbolo de fronteira"):
        m.fit(["a.b"])
    with pytest.raises(ValueError, match="não tem os caracteres 'z'"):
        m.fit(["az"], vocab=CharVocab("a"))
    m.fit(TINY)
    with pytest.raises(ValueError, match="está vazia"):
        m.bits_per_char([])
    with pytest.raises(KeyError, match="fora do vocabulário"):
        m.bits_per_char(["abc"])


def test_fit_accepts_a_larger_vocabulary():
    vocab = CharVocab("abcdef")
    m = NGramLM(2, 0.5).fit(TINY, vocab=vocab)
    assert m.vocab is vocab
    # |V| = 7: contexto "a" -> (1 + 0.5) / (1 + 0.5 * 7)
    np.testing.assert_allclose(m.prob("a", "b"), 1.5 / 4.5, rtol=1e-12)
    np.testing.assert_allclose(m.next_distribution("a").sum(), 1.0, rtol=1e-12)


# --- select_ngram --------------------------------------------------------------------------


def test_select_ngram_returns_the_argmin_of_the_table():
    train, val = WORDS[::2], WORDS[1::2]
    vocab = CharVocab.from_words(WORDS)
    best, table = select_ngram(train, val, orders=(1, 2, 3), ks=(0.1, 1.0), vocab=vocab)
    assert set(table) == {(n, k) for n in (1, 2, 3) for k in (0.1, 1.0)}
    assert (best.order, best.k) == min(table, key=table.get)
    np.testing.assert_allclose(best.bits_per_char(val), table[(best.order, best.k)], rtol=1e-12)
    for (n, k), bpc in table.items():  # cada entrada é o BPC de um modelo treinado só no treino
        expected = NGramLM(n, k).fit(train, vocab=vocab).bits_per_char(val)
        np.testing.assert_allclose(bpc, expected, rtol=1e-12)


def test_select_ngram_test_word_with_unseen_character():
    train, val, test = ["casa", "cama"], ["asa"], ["caça"]  # "ç" só aparece no teste
    best, _ = select_ngram(train, val, orders=(1, 2), ks=(0.5,))
    with pytest.raises(KeyError, match="fora do vocabulário"):
        best.bits_per_char(test)
    # com o vocabulário de todas as palavras, "ç" recebe a probabilidade suavizada
    vocab = CharVocab.from_words([*train, *val, *test])
    best, table = select_ngram(train, val, orders=(1, 2), ks=(0.5,), vocab=vocab)
    assert best.vocab is vocab
    bpc = best.bits_per_char(test)
    assert math.isfinite(bpc) and bpc > 0
    # o "ç" nunca foi visto no contexto anterior: k / (N(u) + k|V|)
    u = "a" if best.order == 2 else ""
    n_u = best.totals[u]
    np.testing.assert_allclose(best.prob(u, "ç"), 0.5 / (n_u + 0.5 * len(vocab)), rtol=1e-12)


def test_select_ngram_rejects_empty_grid():
    with pytest.raises(ValueError, match="não podem ser vazios"):
        select_ngram(["casa"], ["cama"], orders=(), ks=(0.1,))
