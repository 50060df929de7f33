"""Testes de rnncourse.param_count contra a contagem dos módulos do PyTorch."""

from __future__ import annotations

import pytest
import torch

import rnncourse
from rnncourse.param_count import NUM_GATES, param_count

LAYERS = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
CELLS = {"rnn": torch.nn.RNNCell, "lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell}
SIZES = [(1, 1), (3, 5), (10, 7), (64, 128)]  # (D, H)


def _numel(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("bias", [True, False], ids=["com_vies", "sem_vies"])
@pytest.mark.parametrize(("D", "H"), SIZES, ids=[f"D{D}-H{H}" for D, H in SIZES])
@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_single_layer_matches_torch(kind, D, H, bias):
    expected = _numel(LAYERS[kind](D, H, bias=bias))
    assert param_count(kind, D, H, bias=bias) == expected
    assert _numel(CELLS[kind](D, H, bias=bias)) == expected  # uma célula = uma camada
    G = NUM_GATES[kind]
    assert expected == G * H * (D + H) + (2 * G * H if bias else 0)  # a fórmula do texto


@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 2, 3])
@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_stacked_and_bidirectional_match_torch(kind, num_layers, bidirectional):
    for bias in (True, False):
        module = LAYERS[kind](5, 4, num_layers=num_layers, bias=bias, bidirectional=bidirectional)
        got = param_count(kind, 5, 4, bias=bias, num_layers=num_layers, bidirectional=bidirectional)
        assert got == _numel(module)


def test_gate_ratios():
    """Com D e H fixos, a LSTM tem 4 vezes e a GRU 3 vezes os parâmetros da RNN simples."""
    rnn = param_count("rnn", 32, 64)
    assert param_count("LSTM", 32, 64) == 4 * rnn
    assert param_count("gru", 32, 64) == 3 * rnn


def test_invalid_arguments():
    with pytest.raises(ValueError, match="kind"):
        param_count("transformer", 3, 4)
    with pytest.raises(ValueError, match="hidden_size"):
        param_count("lstm", 3, 0)
    with pytest.raises(ValueError, match="num_layers"):
        param_count("gru", 3, 4, num_layers=1.5)


def test_exported_from_package():
    assert "param_count" in rnncourse.__all__
    assert rnncourse.param_count is param_count
