"""Gradiente em relação a cada estado (rnncourse.unrolling), contra o PyTorch e o numpy.

Três conferências independentes, em float64:

- os estados desenrolados são a saída ``out`` (e o estado final) da própria camada;
- ``∂L/∂h_0`` (e ``∂L/∂c_0``) é o que o autograd dá pela camada inteira, fundida;
- ``∂L/∂h_k`` para todo ``k`` é o ``dh0`` da BPTT em numpy do pacote rodada só no
  trecho ``k+1, ..., T`` a partir de ``h_k``, mais o termo direto da saída do passo ``k``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from rnncourse import (
    gru_backward,
    gru_forward,
    lstm_backward,
    lstm_cell_forward,
    lstm_forward,
    rnn_backward,
    rnn_forward,
)
from rnncourse.rnn_numpy import params_from_torch
from rnncourse.unrolling import cell_from_layer, state_gradients, unroll

KINDS = ["rnn", "lstm", "gru"]
LAYERS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
B, T, D, H = 3, 6, 4, 5


def _layer(kind: str, bias: bool = True, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    layer = LAYERS[kind](D, H, bias=bias, batch_first=True, dtype=torch.float64)
    with torch.no_grad():  # pesos maiores que o padrão: portas longe da região linear
        for p in layer.parameters():
            p.mul_(2.5)
    return layer


def _data(seed: int = 1):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(B, T, D, generator=g, dtype=torch.float64)
    G = torch.randn(B, T, H, generator=g, dtype=torch.float64)  # L = sum(out * G)
    h0 = torch.randn(1, B, H, generator=g, dtype=torch.float64)
    c0 = torch.randn(1, B, H, generator=g, dtype=torch.float64)
    return X, G, h0, c0


def _state(kind, h0, c0):
    return (h0, c0) if kind == "lstm" else h0


@pytest.mark.parametrize("bias", [True, False], ids=["com_vies", "sem_vies"])
@pytest.mark.parametrize("kind", KINDS)
def test_unroll_matches_the_layer(kind, bias):
    layer = _layer(kind, bias)
    X, _, h0, c0 = _data()
    state = _state(kind, h0, c0)
    hs, cs = unroll(layer, X, state)
    with torch.no_grad():
        out, final = layer(X, state)
    assert len(hs) == T + 1
    torch.testing.assert_close(hs[0], h0[0], rtol=0, atol=0)
    torch.testing.assert_close(torch.stack(hs[1:], dim=1), out, rtol=1e-12, atol=1e-12)
    if kind == "lstm":
        assert len(cs) == T + 1
        torch.testing.assert_close(cs[-1], final[1][0], rtol=1e-12, atol=1e-12)
    else:
        assert cs is None


def test_cell_shares_parameters_and_leaves_the_rng_alone():
    layer = _layer("gru")
    before = torch.random.get_rng_state()
    cell = cell_from_layer(layer)
    assert torch.equal(before, torch.random.get_rng_state())
    assert cell.weight_ih is layer.weight_ih_l0 and cell.bias_hh is layer.bias_hh_l0
    rnn = nn.RNN(D, H, nonlinearity="relu", batch_first=True)
    assert cell_from_layer(rnn).nonlinearity == "relu"


@pytest.mark.parametrize("kind", KINDS)
def test_initial_state_gradient_matches_the_fused_layer(kind):
    layer = _layer(kind)
    X, G, h0, c0 = _data()
    h0_leaf, c0_leaf = h0.clone().requires_grad_(True), c0.clone().requires_grad_(True)
    out, _ = layer(X, _state(kind, h0_leaf, c0_leaf))
    (out * G).sum().backward()
    saved = [p.grad.clone() for p in layer.parameters()]
    grads = state_gradients(layer, X, lambda o: (o * G).sum(), _state(kind, h0, c0))
    for p, g in zip(layer.parameters(), saved, strict=True):  # .grad não acumula nada
        torch.testing.assert_close(p.grad, g, rtol=0, atol=0)
    torch.testing.assert_close(grads["h"][:, 0], h0_leaf.grad[0], rtol=1e-10, atol=1e-12)
    if kind == "lstm":
        torch.testing.assert_close(grads["c"][:, 0], c0_leaf.grad[0], rtol=1e-10, atol=1e-12)
    else:
        assert "c" not in grads


@pytest.mark.parametrize("bias", [True, False], ids=["com_vies", "sem_vies"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_state_gradient_matches_numpy_bptt(kind, bias):
    layer = _layer(kind, bias)
    X, G, h0, c0 = _data()
    grads = state_gradients(layer, X, lambda o: (o * G).sum(), _state(kind, h0, c0))
    assert grads["h"].shape == (B, T + 1, H)
    params = params_from_torch(layer)
    Xn, Gn = X.numpy(), G.numpy()
    # os estados de todos os passos, pela camada
    with torch.no_grad():
        out, _ = layer(X, _state(kind, h0, c0))
    states_h = np.concatenate([h0[0].numpy()[:, None], out.numpy()], axis=1)  # (B, T + 1, H)
    if kind == "lstm":
        hs, cs = unroll(layer, X, (h0, c0))
        states_c = torch.stack(cs, dim=1).detach().numpy()
    for k in range(T):
        # BPTT em numpy só no trecho k+1..T, começando de h_k (e c_k)
        Xs, Gs, hk = Xn[:, k:], Gn[:, k:], states_h[:, k]
        if kind == "rnn":
            _, cache = rnn_forward(Xs, hk, params)
            _, dh, _ = rnn_backward(Gs, cache)
        elif kind == "gru":
            _, cache = gru_forward(Xs, hk, params)
            _, dh, _ = gru_backward(Gs, cache)
        else:
            _, _, cache = lstm_forward(Xs, hk, states_c[:, k], params)
            _, dh, dc, _ = lstm_backward(Gs, cache)
        if k > 0:
            dh = dh + Gn[:, k - 1]  # h_k também é out[:, k - 1]: o termo direto da saída
        if kind == "lstm" and k > 0:
            # c_k também age por h_k = o_k ⊙ tanh(c_k): todo o gradiente de h_k passa para c_k
            step = lstm_cell_forward(Xn[:, k - 1], states_h[:, k - 1], states_c[:, k - 1], params)
            o_k, tanh_c = step[2][6], step[2][7]
            dc = dc + dh * o_k * (1 - tanh_c**2)
        if kind == "lstm":
            np.testing.assert_allclose(grads["c"][:, k].numpy(), dc, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(grads["h"][:, k].numpy(), dh, rtol=1e-10, atol=1e-12)
    # o último estado só recebe o termo direto da saída
    np.testing.assert_allclose(grads["h"][:, T].numpy(), Gn[:, -1], rtol=0, atol=0)


def test_parameters_grad_untouched_and_unused_states_get_zeros():
    layer = _layer("lstm")
    X, _, _, _ = _data()
    grads = state_gradients(layer, X, lambda o: o[:, 2].sum())  # só usa h_3
    assert all(p.grad is None for p in layer.parameters())
    assert (
        torch.count_nonzero(grads["h"][:, 4:]) == 0 and torch.count_nonzero(grads["c"][:, 4:]) == 0
    )
    assert torch.count_nonzero(grads["h"][:, :4]) > 0


def test_vanishing_with_distance_in_a_contractive_rnn():
    # W_hh pequena: o gradiente de h_k tem de encolher com a distância ao fim
    layer = nn.RNN(D, H, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        layer.weight_hh_l0.mul_(0.1)
    X, _, _, _ = _data()
    norms = state_gradients(layer, X, lambda o: o[:, -1].sum())["h"].norm(dim=-1)  # (B, T + 1)
    assert torch.all(norms[:, :-1] < norms[:, 1:])


@pytest.mark.parametrize(
    "layer, error",
    [
        (nn.RNN(D, H, num_layers=2, batch_first=True), ValueError),
        (nn.GRU(D, H, bidirectional=True, batch_first=True), ValueError),
        (nn.LSTM(D, H, batch_first=False), ValueError),
        (nn.LSTM(D, 6, proj_size=3, batch_first=True), ValueError),
        (nn.Linear(D, H), TypeError),
    ],
    ids=["duas_camadas", "bidirecional", "tempo_primeiro", "proj_size", "nao_recorrente"],
)
def test_rejects_unsupported_layers(layer, error):
    with pytest.raises(error):
        state_gradients(layer, torch.zeros(2, 3, D), lambda o: o.sum())


def test_rejects_bad_shapes():
    layer = _layer("gru")
    with pytest.raises(ValueError, match="forma"):
        unroll(layer, torch.zeros(2, D, dtype=torch.float64))
    with pytest.raises(ValueError, match="esperado"):
        unroll(layer, torch.zeros(2, 3, D, dtype=torch.float64), torch.zeros(2, H))
    with pytest.raises(ValueError, match="escalar"):
        state_gradients(layer, torch.zeros(2, 3, D, dtype=torch.float64), lambda o: o)
