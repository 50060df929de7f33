"""Temperatura e amostragem de palavras, com modelos de probabilidades conhecidas."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from rnncourse.data import CharVocab
from rnncourse.models import CharRNNLM
from rnncourse.sampling import apply_temperature, sample

VOCAB = CharVocab("abc")  # itos = [".", "a", "b", "c"]


class TableLM(nn.Module):
    """Os logits do próximo símbolo dependem só do símbolo atual (uma tabela V x V)."""

    def __init__(self, logits: torch.Tensor):
        super().__init__()
        self.table = nn.Parameter(logits.clone().float())

    def forward(self, x, state=None, return_state=False):
        logits = self.table[x]  # (B, T, V)
        return (logits, state) if return_state else logits


def _entropy(p: np.ndarray) -> float:
    return float(-(p * np.log(p)).sum())


# --- apply_temperature ---------------------------------------------------------------


def test_temperature_one_is_softmax():
    z = torch.tensor([[1.0, 2.0, -0.5], [0.0, 0.0, 3.0]], dtype=torch.float64)
    torch.testing.assert_close(apply_temperature(z, 1.0), torch.softmax(z, -1), rtol=0, atol=1e-15)


def test_temperature_divides_the_logits():
    z = np.array([1.0, 2.0, -0.5])
    p = apply_temperature(z, 0.5)
    expected = np.exp(z / 0.5) / np.exp(z / 0.5).sum()
    np.testing.assert_allclose(p, expected, rtol=1e-14, atol=0)
    np.testing.assert_allclose(p.sum(), 1.0, rtol=0, atol=1e-15)


def test_numpy_and_torch_agree_and_keep_their_types():
    z = np.array([[0.3, -1.2, 2.0, 0.0]])
    p_np = apply_temperature(z, 1.7)
    p_t = apply_temperature(torch.from_numpy(z), 1.7)
    assert isinstance(p_np, np.ndarray) and isinstance(p_t, torch.Tensor)
    np.testing.assert_allclose(p_np, p_t.numpy(), rtol=0, atol=1e-15)


def test_entropy_increases_with_temperature():
    z = np.array([2.0, 1.0, 0.1, -1.0, 0.5])
    entropies = [_entropy(apply_temperature(z, T)) for T in (0.1, 0.5, 1.0, 2.0, 10.0)]
    assert all(a < b for a, b in zip(entropies, entropies[1:], strict=False))
    assert entropies[-1] < math.log(len(z))  # só chega ao uniforme no limite


def test_limits_argmax_and_uniform():
    z = np.array([2.0, 1.0, 0.1])
    np.testing.assert_allclose(apply_temperature(z, 1e-3), [1.0, 0.0, 0.0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(apply_temperature(z, 1e6), [1 / 3] * 3, rtol=0, atol=1e-6)


def test_large_logits_do_not_overflow():
    p = apply_temperature(np.array([1000.0, 999.0]), 0.01)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p, [1.0, 0.0], rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    "T", [0.0, -1.0, float("inf"), float("nan")], ids=["zero", "neg", "inf", "nan"]
)
def test_invalid_temperature_message_in_portuguese(T):
    with pytest.raises(ValueError, match="temperatura deve ser um número positivo"):
        apply_temperature(np.zeros(3), T)


def test_non_numeric_temperature():
    with pytest.raises(TypeError, match="temperatura"):
        apply_temperature(np.zeros(3), "quente")


# --- sample --------------------------------------------------------------------------


def _chain_model() -> TableLM:
    """Determinístico: . -> a -> b -> c -> . (qualquer temperatura razoável dá 'abc')."""
    big = 50.0
    table = torch.zeros(4, 4)
    for cur, nxt in [(0, 1), (1, 2), (2, 3), (3, 0)]:
        table[cur, nxt] = big
    return TableLM(table)


def test_sample_follows_a_deterministic_model():
    words = sample(_chain_model(), VOCAB, n=5, temperature=0.8)
    assert words == ["abc"] * 5


def test_sample_respects_max_len():
    table = torch.full((4, 4), -50.0)
    table[:, 1] = 50.0  # sempre "a", nunca a fronteira
    words = sample(TableLM(table), VOCAB, n=3, max_len=6)
    assert words == ["aaaaaa"] * 3


def test_sample_with_prefix():
    words = sample(_chain_model(), VOCAB, n=2, prefix="b")
    assert words == ["bc", "bc"]


def test_first_letter_frequencies_follow_the_tempered_distribution():
    logits0 = torch.tensor([-50.0, 1.0, 0.0, -1.0])  # depois da fronteira: a, b ou c
    table = torch.full((4, 4), -50.0)
    table[0] = logits0
    table[1:, 0] = 50.0  # depois de qualquer letra, fim da palavra
    model = TableLM(table)
    n = 6000
    for T in (0.5, 2.0):
        g = torch.Generator().manual_seed(0)
        words = sample(model, VOCAB, n=n, temperature=T, generator=g)
        freq = np.array([sum(w == c for w in words) / n for c in "abc"])
        expected = apply_temperature(logits0[1:].numpy(), T)
        # desvio padrão de uma frequência: sqrt(p(1-p)/n) <= 0.0065; 4 desvios de folga
        np.testing.assert_allclose(freq, expected, rtol=0, atol=0.026)


def test_sample_is_reproducible_with_a_generator():
    torch.manual_seed(0)
    vocab = CharVocab("abcdefgh")
    model = CharRNNLM(len(vocab), 4, 8)
    a = sample(model, vocab, n=8, generator=torch.Generator().manual_seed(5))
    b = sample(model, vocab, n=8, generator=torch.Generator().manual_seed(5))
    c = sample(model, vocab, n=8, generator=torch.Generator().manual_seed(6))
    assert a == b
    assert a != c
    assert all(set(w) <= set("abcdefgh") and len(w) <= 20 for w in a)


def test_sample_restores_training_mode():
    model = _chain_model()
    model.train()
    sample(model, VOCAB, n=1)
    assert model.training


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"n": 0}, ValueError), ({"max_len": 0}, ValueError), ({"temperature": 0}, ValueError)],
    ids=["n-zero", "max-len-zero", "temperatura-zero"],
)
def test_sample_invalid_arguments(kwargs, error):
    with pytest.raises(error):
        sample(_chain_model(), VOCAB, **kwargs)
