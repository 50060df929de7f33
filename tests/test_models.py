"""CharRNNLM: formas, estado, equivalência com a RNN em numpy e validação dos argumentos."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from rnncourse.models import CELLS, CharRNNLM
from rnncourse.rnn_numpy import rnn_forward

CELL_IDS = list(CELLS)


def _model(cell: str, num_layers: int = 1, V: int = 7, E: int = 5, H: int = 6, **kw) -> CharRNNLM:
    torch.manual_seed(0)
    return CharRNNLM(V, E, H, cell=cell, num_layers=num_layers, **kw)


@pytest.mark.parametrize("num_layers", [1, 2], ids=["1-camada", "2-camadas"])
@pytest.mark.parametrize("cell", CELL_IDS, ids=CELL_IDS)
def test_shapes_and_state(cell, num_layers):
    B, T, V, H = 3, 4, 7, 6
    model = _model(cell, num_layers, V=V, H=H)
    x = torch.randint(0, V, (B, T))
    logits = model(x)
    assert logits.shape == (B, T, V)
    logits2, state = model(x, return_state=True)
    torch.testing.assert_close(logits2, logits, rtol=0, atol=0)
    h = state[0] if cell == "lstm" else state
    assert h.shape == (num_layers, B, H)
    if cell == "lstm":
        assert state[1].shape == (num_layers, B, H)


@pytest.mark.parametrize("cell", CELL_IDS, ids=CELL_IDS)
def test_state_continues_the_sequence(cell):
    """Rodar a sequência inteira = rodar um passo por vez levando o estado adiante."""
    model = _model(cell, num_layers=2).double()
    x = torch.randint(0, 7, (2, 5))
    full = model(x)
    state, steps = None, []
    for t in range(x.shape[1]):
        logits, state = model(x[:, t : t + 1], state, return_state=True)
        steps.append(logits)
    torch.testing.assert_close(torch.cat(steps, dim=1), full, rtol=0, atol=1e-12)


def test_rnn_cell_equals_numpy_forward():
    """Com cell="rnn", embedding + rnncourse.rnn_forward + linear dá os mesmos logits."""
    model = _model("rnn").double()
    x = torch.randint(0, 7, (3, 6))
    params = {k.removesuffix("_l0"): v.detach().numpy() for k, v in model.rnn.named_parameters()}
    X = model.embedding.weight.detach().numpy()[x.numpy()]  # (B, T, E)
    Hs, _ = rnn_forward(X, np.zeros((3, model.hidden_size)), params)
    W, b = model.output.weight.detach().numpy(), model.output.bias.detach().numpy()
    np.testing.assert_allclose(Hs @ W.T + b, model(x).detach().numpy(), rtol=0, atol=1e-12)


def test_initial_state_is_used():
    model = _model("rnn")
    x = torch.randint(0, 7, (2, 3))
    h0 = torch.randn(1, 2, model.hidden_size)
    assert (model(x, h0) - model(x)).abs().max() > 1e-4


def test_parameter_count_of_vanilla_rnn():
    V, E, H = 40, 16, 32
    model = CharRNNLM(V, E, H, cell="rnn")
    expected = V * E + (H * E + H * H + 2 * H) + (H * V + V)  # embedding + RNN + saída
    assert sum(p.numel() for p in model.parameters()) == expected


@pytest.mark.parametrize(("cell", "gates"), [("rnn", 1), ("lstm", 4), ("gru", 3)], ids=CELL_IDS)
def test_recurrent_layer_type_and_gate_count(cell, gates):
    model = _model(cell, H=6)
    assert isinstance(model.rnn, CELLS[cell])
    assert model.rnn.batch_first
    assert model.rnn.weight_hh_l0.shape == (gates * 6, 6)


def test_dropout_only_in_training_mode():
    model = _model("gru", num_layers=2, dropout=0.5)
    x = torch.randint(0, 7, (4, 5))
    model.eval()
    torch.testing.assert_close(model(x), model(x), rtol=0, atol=0)
    model.train()
    torch.manual_seed(1)
    a = model(x)
    b = model(x)
    assert (a - b).abs().max() > 1e-4
    assert model.rnn.dropout == 0.5


def test_relu_nonlinearity_reaches_nn_rnn():
    model = _model("rnn", nonlinearity="relu")
    assert model.rnn.nonlinearity == "relu"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cell": "transformer"}, "célula desconhecida"),
        ({"hidden_size": 0}, "hidden_size"),
        ({"embed_dim": 2.5}, "embed_dim"),
        ({"num_layers": 0}, "num_layers"),
        ({"dropout": 1.0}, "dropout"),
    ],
    ids=["celula", "hidden-zero", "embed-fracionario", "camadas-zero", "dropout-1"],
)
def test_invalid_arguments(kwargs, message):
    args = {"vocab_size": 5, "embed_dim": 3, "hidden_size": 4, **kwargs}
    with pytest.raises(ValueError, match=message):
        CharRNNLM(**args)


def test_forward_rejects_one_hot_input():
    model = _model("rnn")
    with pytest.raises(ValueError, match=r"\(B, T\)"):
        model(torch.zeros(2, 3, 7))


def test_is_nn_module_with_readable_repr():
    model = _model("lstm")
    assert isinstance(model, nn.Module)
    assert "cell='lstm'" in repr(model)
