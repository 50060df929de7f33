"""Testes da LSTM em numpy (rnncourse.lstm_numpy): PyTorch, autograd e diferenças finitas."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import rnncourse
from rnncourse import lstm_numpy
from rnncourse.lstm_numpy import (
    lstm_backward,
    lstm_cell_backward,
    lstm_cell_forward,
    lstm_forward,
)
from rnncourse.rnn_numpy import params_from_torch

# (B, T, D, H): inclui o caso degenerado de tamanho 1 e D != H nos dois sentidos
SHAPES = [(1, 1, 1, 1), (2, 3, 4, 5), (3, 5, 2, 3), (4, 2, 6, 2)]
SHAPE_IDS = [f"B{B}-T{T}-D{D}-H{H}" for B, T, D, H in SHAPES]
BIAS_IDS = ["com_vies", "sem_vies"]
GATES = ("i", "f", "g", "o")  # ordem do PyTorch nas linhas de weight_ih/weight_hh
TOL = {"rtol": 1e-12, "atol": 1e-12}


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _randomize(module: torch.nn.Module, rng: np.random.Generator, scale: float = 0.7) -> None:
    """Pesos aleatórios maiores que o padrão do PyTorch, para as portas saírem da região linear."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.from_numpy(rng.normal(0.0, scale, size=tuple(p.shape))))


def _numpy_params(module: torch.nn.Module) -> dict[str, np.ndarray]:
    return {
        name.removesuffix("_l0"): p.detach().numpy().copy() for name, p in module.named_parameters()
    }


def _make(kind: str, D: int, Hs: int, bias: bool, seed: int = 0):
    rng = np.random.default_rng(seed)
    if kind == "cell":
        module = torch.nn.LSTMCell(D, Hs, bias=bias, dtype=torch.float64)
    else:
        module = torch.nn.LSTM(D, Hs, bias=bias, batch_first=True, dtype=torch.float64)
    _randomize(module, rng)
    return module, _numpy_params(module), rng


def _cell_like(lstm: torch.nn.LSTM) -> torch.nn.LSTMCell:
    """Um ``nn.LSTMCell`` com os mesmos pesos de uma camada ``nn.LSTM``."""
    cell = torch.nn.LSTMCell(lstm.input_size, lstm.hidden_size, bias=lstm.bias, dtype=torch.float64)
    with torch.no_grad():
        for name, p in cell.named_parameters():
            p.copy_(getattr(lstm, f"{name}_l0"))
    return cell


@pytest.mark.parametrize("bias", [True, False], ids=BIAS_IDS)
@pytest.mark.parametrize(("B", "T", "D", "Hs"), SHAPES, ids=SHAPE_IDS)
def test_cell_forward_matches_torch(B, T, D, Hs, bias):
    cell, params, rng = _make("cell", D, Hs, bias)
    x, h_prev, c_prev = rng.normal(size=(B, D)), rng.normal(size=(B, Hs)), rng.normal(size=(B, Hs))
    h, c, _ = lstm_cell_forward(x, h_prev, c_prev, params)
    with torch.no_grad():
        h_t, c_t = cell(torch.from_numpy(x), (torch.from_numpy(h_prev), torch.from_numpy(c_prev)))
    assert h.shape == c.shape == (B, Hs)
    torch.testing.assert_close(torch.from_numpy(h), h_t, **TOL)
    torch.testing.assert_close(torch.from_numpy(c), c_t, **TOL)


@pytest.mark.parametrize("bias", [True, False], ids=BIAS_IDS)
@pytest.mark.parametrize(("B", "T", "D", "Hs"), SHAPES, ids=SHAPE_IDS)
def test_forward_matches_torch(B, T, D, Hs, bias):
    lstm, params, rng = _make("layer", D, Hs, bias)
    X = rng.normal(size=(B, T, D))
    h0, c0 = rng.normal(size=(B, Hs)), rng.normal(size=(B, Hs))
    H, C, cache = lstm_forward(X, h0, c0, params)
    Xt, h0t, c0t = (torch.from_numpy(a) for a in (X, h0, c0))
    with torch.no_grad():
        out, (h_n, c_n) = lstm(Xt, (h0t[None], c0t[None]))
        # o nn.LSTM só devolve o último c; os intermediários vêm de um LSTMCell igual
        cell, h, c, C_ref = _cell_like(lstm), h0t, c0t, []
        for t in range(T):
            h, c = cell(Xt[:, t], (h, c))
            C_ref.append(c)
    assert H.shape == C.shape == (B, T, Hs) and len(cache) == T
    torch.testing.assert_close(torch.from_numpy(H), out, **TOL)
    torch.testing.assert_close(torch.from_numpy(H[:, -1]), h_n[0], **TOL)
    torch.testing.assert_close(torch.from_numpy(C[:, -1]), c_n[0], **TOL)
    torch.testing.assert_close(torch.from_numpy(C), torch.stack(C_ref, dim=1), **TOL)


@pytest.mark.parametrize("bias", [True, False], ids=BIAS_IDS)
@pytest.mark.parametrize(("B", "T", "D", "Hs"), SHAPES, ids=SHAPE_IDS)
def test_cell_backward_matches_autograd(B, T, D, Hs, bias):
    cell, params, rng = _make("cell", D, Hs, bias)
    x, h_prev, c_prev = rng.normal(size=(B, D)), rng.normal(size=(B, Hs)), rng.normal(size=(B, Hs))
    dh, dc = rng.normal(size=(B, Hs)), rng.normal(size=(B, Hs))
    _, _, cache = lstm_cell_forward(x, h_prev, c_prev, params)
    dx, dh_prev, dc_prev, grads = lstm_cell_backward(dh, dc, cache)

    xt, ht, ct = (torch.tensor(a, requires_grad=True) for a in (x, h_prev, c_prev))
    h_t, c_t = cell(xt, (ht, ct))
    ((h_t * torch.from_numpy(dh)).sum() + (c_t * torch.from_numpy(dc)).sum()).backward()
    torch.testing.assert_close(torch.from_numpy(dx), xt.grad, **TOL)
    torch.testing.assert_close(torch.from_numpy(dh_prev), ht.grad, **TOL)
    torch.testing.assert_close(torch.from_numpy(dc_prev), ct.grad, **TOL)
    assert set(grads) == set(params)
    for name, p in cell.named_parameters():
        torch.testing.assert_close(torch.from_numpy(grads[name]), p.grad, **TOL, msg=name)


@pytest.mark.parametrize("bias", [True, False], ids=BIAS_IDS)
@pytest.mark.parametrize(("B", "T", "D", "Hs"), SHAPES, ids=SHAPE_IDS)
def test_backward_matches_autograd(B, T, D, Hs, bias):
    lstm, params, rng = _make("layer", D, Hs, bias)
    X = rng.normal(size=(B, T, D))
    h0, c0 = rng.normal(size=(B, Hs)), rng.normal(size=(B, Hs))
    dH = rng.normal(size=(B, T, Hs))  # gradiente vindo de cima, aleatório
    _, _, cache = lstm_forward(X, h0, c0, params)
    dX, dh0, dc0, grads = lstm_backward(dH, cache)

    Xt, h0t, c0t = (torch.tensor(a, requires_grad=True) for a in (X, h0, c0))
    out, _ = lstm(Xt, (h0t[None], c0t[None]))
    (out * torch.from_numpy(dH)).sum().backward()
    torch.testing.assert_close(torch.from_numpy(dX), Xt.grad, **TOL)
    torch.testing.assert_close(torch.from_numpy(dh0), h0t.grad, **TOL)
    torch.testing.assert_close(torch.from_numpy(dc0), c0t.grad, **TOL)
    assert set(grads) == set(params)
    for name, p in lstm.named_parameters():
        key = name.removesuffix("_l0")
        torch.testing.assert_close(torch.from_numpy(grads[key]), p.grad, **TOL, msg=key)


@pytest.mark.parametrize("bias", [True, False], ids=BIAS_IDS)
def test_backward_with_dC_matches_autograd(bias):
    """Com uma perda que também usa os estados da célula (``dC``)."""
    B, T, D, Hs = 3, 4, 2, 3
    cell, params, rng = _make("cell", D, Hs, bias)
    X = rng.normal(size=(B, T, D))
    h0, c0 = rng.normal(size=(B, Hs)), rng.normal(size=(B, Hs))
    dH, dC = rng.normal(size=(B, T, Hs)), rng.normal(size=(B, T, Hs))
    _, _, cache = lstm_forward(X, h0, c0, params)
    dX, dh0, dc0, grads = lstm_backward(dH, cache, dC=dC)

    Xt, h0t, c0t = (torch.tensor(a, requires_grad=True) for a in (X, h0, c0))
    dHt, dCt = torch.from_numpy(dH), torch.from_numpy(dC)
    h, c, loss = h0t, c0t, 0.0
    for t in range(T):
        h, c = cell(Xt[:, t], (h, c))
        loss = loss + (h * dHt[:, t]).sum() + (c * dCt[:, t]).sum()
    loss.backward()
    torch.testing.assert_close(torch.from_numpy(dX), Xt.grad, **TOL)
    torch.testing.assert_close(torch.from_numpy(dh0), h0t.grad, **TOL)
    torch.testing.assert_close(torch.from_numpy(dc0), c0t.grad, **TOL)
    for name, p in cell.named_parameters():
        torch.testing.assert_close(torch.from_numpy(grads[name]), p.grad, **TOL, msg=name)


def _rel_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))


@pytest.mark.parametrize("use_dC", [False, True], ids=["so_dH", "dH_e_dC"])
@pytest.mark.parametrize("bias", [True, False], ids=BIAS_IDS)
def test_backward_matches_finite_differences(bias, use_dC):
    B, T, D, Hs = 2, 3, 2, 3
    _, params, rng = _make("cell", D, Hs, bias, seed=1)
    inputs = {"X": rng.normal(size=(B, T, D)), "h0": rng.normal(size=(B, Hs))}
    inputs["c0"] = rng.normal(size=(B, Hs))
    dH = rng.normal(size=(B, T, Hs))
    dC = rng.normal(size=(B, T, Hs)) if use_dC else None
    arrays = {**inputs, **params}  # tudo o que recebe gradiente, perturbado no lugar abaixo

    def loss() -> float:
        H, C, _ = lstm_forward(arrays["X"], arrays["h0"], arrays["c0"], params)
        return float((H * dH).sum() + (0.0 if dC is None else (C * dC).sum()))

    _, _, cache = lstm_forward(inputs["X"], inputs["h0"], inputs["c0"], params)
    dX, dh0, dc0, grads = lstm_backward(dH, cache, dC=dC)
    analytic = {"X": dX, "h0": dh0, "c0": dc0, **grads}
    assert set(analytic) == set(arrays)

    eps = 1e-6
    for name, arr in arrays.items():
        numeric = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + eps
            plus = loss()
            arr[idx] = old - eps
            minus = loss()
            arr[idx] = old
            numeric[idx] = (plus - minus) / (2 * eps)
        assert np.linalg.norm(analytic[name]) > 0, name
        assert _rel_error(analytic[name], numeric) < 1e-7, name


def _analytic_step(pre: dict[str, np.ndarray], c_prev: np.ndarray):
    """As equações da LSTM escritas à parte, a partir das pré-ativações de cada porta."""
    i, f, o = _sigmoid(pre["i"]), _sigmoid(pre["f"]), _sigmoid(pre["o"])
    g = np.tanh(pre["g"])
    c = f * c_prev + i * g
    return o * np.tanh(c), c


def _zero_params(D: int, Hs: int) -> dict[str, np.ndarray]:
    G = len(GATES)
    return {
        "weight_ih": np.zeros((G * Hs, D)),
        "weight_hh": np.zeros((G * Hs, Hs)),
        "bias_ih": np.zeros(G * Hs),
        "bias_hh": np.zeros(G * Hs),
    }


def _torch_cell(params: dict[str, np.ndarray]) -> torch.nn.LSTMCell:
    Hs = params["weight_hh"].shape[1]
    cell = torch.nn.LSTMCell(params["weight_ih"].shape[1], Hs, dtype=torch.float64)
    with torch.no_grad():
        for name, p in cell.named_parameters():
            p.copy_(torch.from_numpy(params[name]))
    return cell


def test_gate_order_with_distinct_biases():
    """Pesos nulos e um viés diferente por porta: só a ordem (i, f, g, o) dá a fórmula certa."""
    B, D, Hs = 2, 3, 4
    rng = np.random.default_rng(2)
    values = {"i": 0.3, "f": -1.2, "g": 0.7, "o": 2.0}  # distintos: qualquer troca muda h ou c
    params = _zero_params(D, Hs)
    for k, gate in enumerate(GATES):
        params["bias_ih"][k * Hs : (k + 1) * Hs] = values[gate]
    x, h_prev, c_prev = rng.normal(size=(B, D)), rng.normal(size=(B, Hs)), rng.normal(size=(B, Hs))
    h_exp, c_exp = _analytic_step({g: np.full((B, Hs), v) for g, v in values.items()}, c_prev)

    h, c, _ = lstm_cell_forward(x, h_prev, c_prev, params)
    np.testing.assert_allclose(h, h_exp, rtol=0, atol=1e-14)
    np.testing.assert_allclose(c, c_exp, rtol=0, atol=1e-14)
    with torch.no_grad():  # a fórmula à parte é mesmo a do PyTorch
        h_t, c_t = _torch_cell(params)(
            torch.from_numpy(x), (torch.from_numpy(h_prev), torch.from_numpy(c_prev))
        )
    np.testing.assert_allclose(h_t.numpy(), h_exp, rtol=0, atol=1e-14)
    np.testing.assert_allclose(c_t.numpy(), c_exp, rtol=0, atol=1e-14)


@pytest.mark.parametrize("source", ["weight_ih", "weight_hh"])
@pytest.mark.parametrize("gate", GATES)
def test_gate_order_single_block(gate, source):
    """Só o bloco de linhas de uma porta é não nulo: ela, e só ela, recebe a pré-ativação."""
    B, D, Hs = 3, 2, 4
    rng = np.random.default_rng(3)
    k = GATES.index(gate)
    params = _zero_params(D, Hs)
    params[source][k * Hs : (k + 1) * Hs] = rng.normal(0.0, 1.5, size=params[source][:Hs].shape)
    x, h_prev, c_prev = rng.normal(size=(B, D)), rng.normal(size=(B, Hs)), rng.normal(size=(B, Hs))
    pre = {g: np.zeros((B, Hs)) for g in GATES}
    inp = x if source == "weight_ih" else h_prev
    pre[gate] = inp @ params[source][k * Hs : (k + 1) * Hs].T
    h_exp, c_exp = _analytic_step(pre, c_prev)

    h, c, _ = lstm_cell_forward(x, h_prev, c_prev, params)
    np.testing.assert_allclose(h, h_exp, rtol=0, atol=1e-14)
    np.testing.assert_allclose(c, c_exp, rtol=0, atol=1e-14)
    with torch.no_grad():
        h_t, c_t = _torch_cell(params)(
            torch.from_numpy(x), (torch.from_numpy(h_prev), torch.from_numpy(c_prev))
        )
    np.testing.assert_allclose(h_t.numpy(), h_exp, rtol=0, atol=1e-14)
    np.testing.assert_allclose(c_t.numpy(), c_exp, rtol=0, atol=1e-14)


def test_open_forget_gate_keeps_cell_and_gradient():
    """Esquecimento aberto (f ≈ 1) e entrada fechada (i ≈ 0): c e dL/dc atravessam os passos."""
    B, T, D, Hs = 2, 50, 3, 4
    rng = np.random.default_rng(4)
    params = {
        "weight_ih": rng.normal(size=(4 * Hs, D)),
        "weight_hh": rng.normal(size=(4 * Hs, Hs)),
        "bias_ih": np.zeros(4 * Hs),
    }
    params["weight_ih"][: 2 * Hs] = 0.0  # as portas i e f não dependem da entrada...
    params["weight_hh"][: 2 * Hs] = 0.0  # ...nem do estado
    params["bias_ih"][:Hs] = -40.0  # i = σ(-40) ≈ 4e-18
    params["bias_ih"][Hs : 2 * Hs] = 40.0  # f = σ(40) ≈ 1 - 4e-18
    X, h0, c0 = rng.normal(size=(B, T, D)), rng.normal(size=(B, Hs)), rng.normal(size=(B, Hs))
    H, C, cache = lstm_forward(X, h0, c0, params)
    np.testing.assert_allclose(C, np.broadcast_to(c0[:, None], C.shape), rtol=0, atol=1e-14)

    # só dL/dc_T = 1 (nada vem de H): ∂c_t/∂c_{t-1} = diag(f_t) leva-o intacto até c0
    dC = np.zeros_like(C)
    dC[:, -1] = 1.0
    _, dh0, dc0, _ = lstm_backward(np.zeros_like(H), cache, dC=dC)
    np.testing.assert_allclose(dc0, 1.0, rtol=0, atol=1e-14)
    np.testing.assert_allclose(dh0, 0.0, rtol=0, atol=1e-14)


def test_cell_backward_additive_path_is_forget_gate():
    """Sem gradiente vindo de h, ``dc_prev = dc ⊙ f`` (a derivada ∂c_t/∂c_{t-1} = diag(f_t))."""
    B, D, Hs = 3, 2, 5
    _, params, rng = _make("cell", D, Hs, True, seed=5)
    x, h_prev, c_prev = rng.normal(size=(B, D)), rng.normal(size=(B, Hs)), rng.normal(size=(B, Hs))
    dc = rng.normal(size=(B, Hs))
    _, _, cache = lstm_cell_forward(x, h_prev, c_prev, params)
    _, _, dc_prev, _ = lstm_cell_backward(np.zeros((B, Hs)), dc, cache)
    a_f = (
        x @ params["weight_ih"][Hs : 2 * Hs].T
        + h_prev @ params["weight_hh"][Hs : 2 * Hs].T
        + params["bias_ih"][Hs : 2 * Hs]
        + params["bias_hh"][Hs : 2 * Hs]
    )
    np.testing.assert_allclose(dc_prev, dc * _sigmoid(a_f), rtol=1e-13, atol=1e-15)


def test_inputs_not_mutated():
    B, T, D, Hs = 2, 4, 3, 2
    _, params, rng = _make("layer", D, Hs, True, seed=6)
    X, h0, c0 = rng.normal(size=(B, T, D)), rng.normal(size=(B, Hs)), rng.normal(size=(B, Hs))
    dH, dC = rng.normal(size=(B, T, Hs)), rng.normal(size=(B, T, Hs))
    originals = {"X": X, "h0": h0, "c0": c0, "dH": dH, "dC": dC, **params}
    copies = {k: v.copy() for k, v in originals.items()}
    _, _, cache = lstm_forward(X, h0, c0, params)
    lstm_backward(dH, cache, dC=dC)
    lstm_backward(dH, cache)  # o cache pode ser usado de novo
    _, _, cache1 = lstm_cell_forward(X[:, 0], h0, c0, params)
    lstm_cell_backward(dH[:, 0], dC[:, 0], cache1)
    for k in originals:
        np.testing.assert_array_equal(originals[k], copies[k], err_msg=k)


def test_params_from_torch_layer():
    lstm, _, rng = _make("layer", 3, 4, True, seed=7)
    params = params_from_torch(lstm)
    assert set(params) == {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}
    assert params["weight_ih"].shape == (16, 3) and params["weight_hh"].shape == (16, 4)
    X, h0, c0 = rng.normal(size=(2, 3, 3)), np.zeros((2, 4)), np.zeros((2, 4))
    H, _, _ = lstm_forward(X, h0, c0, params)
    with torch.no_grad():
        out, _ = lstm(torch.from_numpy(X))  # estado inicial padrão do PyTorch: zeros
    torch.testing.assert_close(torch.from_numpy(H), out, **TOL)


def test_errors_point_at_the_problem():
    rng = np.random.default_rng(8)
    B, T, D, Hs = 2, 3, 4, 5
    _, params, _ = _make("cell", D, Hs, True)
    X, h0, c0 = rng.normal(size=(B, T, D)), np.zeros((B, Hs)), np.zeros((B, Hs))
    gru_like = {k: v[: 3 * Hs] for k, v in params.items()}  # 3 blocos: pesos de uma GRU
    with pytest.raises(ValueError, match="weight_ih"):
        lstm_forward(X, h0, c0, gru_like)
    with pytest.raises(KeyError, match="weight_hh"):
        lstm_cell_forward(X[:, 0], h0, c0, {"weight_ih": params["weight_ih"]})
    with pytest.raises(ValueError, match=r"\(B, T, D\)"):
        lstm_forward(X[:, 0], h0, c0, params)
    with pytest.raises(ValueError, match="c_prev"):
        lstm_cell_forward(X[:, 0], h0, c0[:, :2], params)
    _, _, cache = lstm_forward(X, h0, c0, params)
    with pytest.raises(ValueError, match="passos"):
        lstm_backward(np.zeros((B, T + 1, Hs)), cache)


def test_exported_from_package():
    for name in ("lstm_cell_forward", "lstm_cell_backward", "lstm_forward", "lstm_backward"):
        assert name in rnncourse.__all__
        assert getattr(rnncourse, name) is getattr(lstm_numpy, name)
