"""Testes da GRU em numpy (rnncourse.gru_numpy): PyTorch, autograd e diferenças finitas."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import rnncourse
from rnncourse import gru_numpy
from rnncourse.gru_numpy import gru_backward, gru_cell_backward, gru_cell_forward, gru_forward
from rnncourse.rnn_numpy import params_from_torch

# (B, T, D, H): inclui o caso degenerado de tamanho 1 e D != H nos dois sentidos
SHAPES = [(1, 1, 1, 1), (2, 3, 4, 5), (3, 5, 2, 3), (4, 2, 6, 2)]
SHAPE_IDS = [f"B{B}-T{T}-D{D}-H{H}" for B, T, D, H in SHAPES]
BIAS_IDS = ["com_vies", "sem_vies"]
GATES = ("r", "z", "n")  # ordem do PyTorch nas linhas de weight_ih/weight_hh
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
        module = torch.nn.GRUCell(D, Hs, bias=bias, dtype=torch.float64)
    else:
        module = torch.nn.GRU(D, Hs, bias=bias, batch_first=True, dtype=torch.float64)
    _randomize(module, rng)
    return module, _numpy_params(module), rng


@pytest.mark.parametrize("bias", [True, False], ids=BIAS_IDS)
@pytest.mark.parametrize(("B", "T", "D", "Hs"), SHAPES, ids=SHAPE_IDS)
def test_cell_forward_matches_torch(B, T, D, Hs, bias):
    cell, params, rng = _make("cell", D, Hs, bias)
    x, h_prev = rng.normal(size=(B, D)), rng.normal(size=(B, Hs))
    h, _ = gru_cell_forward(x, h_prev, params)
    with torch.no_grad():
        h_t = cell(torch.from_numpy(x), torch.from_numpy(h_prev))
    assert h.shape == (B, Hs)
    torch.testing.assert_close(torch.from_numpy(h), h_t, **TOL)


@pytest.mark.parametrize("bias", [True, False], ids=BIAS_IDS)
@pytest.mark.parametrize(("B", "T", "D", "Hs"), SHAPES, ids=SHAPE_IDS)
def test_forward_matches_torch(B, T, D, Hs, bias):
    gru, params, rng = _make("layer", D, Hs, bias)
    X, h0 = rng.normal(size=(B, T, D)), rng.normal(size=(B, Hs))
    H, cache = gru_forward(X, h0, params)
    with torch.no_grad():
        out, h_n = gru(torch.from_numpy(X), torch.from_numpy(h0)[None])
    assert H.shape == (B, T, Hs) and len(cache) == T
    torch.testing.assert_close(torch.from_numpy(H), out, **TOL)
    torch.testing.assert_close(torch.from_numpy(H[:, -1]), h_n[0], **TOL)


@pytest.mark.parametrize("bias", [True, False], ids=BIAS_IDS)
@pytest.mark.parametrize(("B", "T", "D", "Hs"), SHAPES, ids=SHAPE_IDS)
def test_cell_backward_matches_autograd(B, T, D, Hs, bias):
    cell, params, rng = _make("cell", D, Hs, bias)
    x, h_prev, dh = rng.normal(size=(B, D)), rng.normal(size=(B, Hs)), rng.normal(size=(B, Hs))
    _, cache = gru_cell_forward(x, h_prev, params)
    dx, dh_prev, grads = gru_cell_backward(dh, cache)

    xt, ht = torch.tensor(x, requires_grad=True), torch.tensor(h_prev, requires_grad=True)
    (cell(xt, ht) * torch.from_numpy(dh)).sum().backward()
    torch.testing.assert_close(torch.from_numpy(dx), xt.grad, **TOL)
    torch.testing.assert_close(torch.from_numpy(dh_prev), ht.grad, **TOL)
    assert set(grads) == set(params)
    for name, p in cell.named_parameters():
        torch.testing.assert_close(torch.from_numpy(grads[name]), p.grad, **TOL, msg=name)


@pytest.mark.parametrize("bias", [True, False], ids=BIAS_IDS)
@pytest.mark.parametrize(("B", "T", "D", "Hs"), SHAPES, ids=SHAPE_IDS)
def test_backward_matches_autograd(B, T, D, Hs, bias):
    gru, params, rng = _make("layer", D, Hs, bias)
    X, h0 = rng.normal(size=(B, T, D)), rng.normal(size=(B, Hs))
    dH = rng.normal(size=(B, T, Hs))  # gradiente vindo de cima, aleatório
    _, cache = gru_forward(X, h0, params)
    dX, dh0, grads = gru_backward(dH, cache)

    Xt, h0t = torch.tensor(X, requires_grad=True), torch.tensor(h0, requires_grad=True)
    out, _ = gru(Xt, h0t[None])
    (out * torch.from_numpy(dH)).sum().backward()
    torch.testing.assert_close(torch.from_numpy(dX), Xt.grad, **TOL)
    torch.testing.assert_close(torch.from_numpy(dh0), h0t.grad, **TOL)
    assert set(grads) == set(params)
    for name, p in gru.named_parameters():
        key = name.removesuffix("_l0")
        torch.testing.assert_close(torch.from_numpy(grads[key]), p.grad, **TOL, msg=key)


def _rel_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))


@pytest.mark.parametrize("bias", [True, False], ids=BIAS_IDS)
def test_backward_matches_finite_differences(bias):
    B, T, D, Hs = 2, 3, 2, 3
    _, params, rng = _make("cell", D, Hs, bias, seed=1)
    inputs = {"X": rng.normal(size=(B, T, D)), "h0": rng.normal(size=(B, Hs))}
    dH = rng.normal(size=(B, T, Hs))
    arrays = {**inputs, **params}  # tudo o que recebe gradiente, perturbado no lugar abaixo

    def loss() -> float:
        H, _ = gru_forward(arrays["X"], arrays["h0"], params)
        return float((H * dH).sum())

    _, cache = gru_forward(inputs["X"], inputs["h0"], params)
    dX, dh0, grads = gru_backward(dH, cache)
    analytic = {"X": dX, "h0": dh0, **grads}
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


def _analytic_step(a_r, a_z, a_in, hn, h_prev):
    """As equações da GRU do PyTorch escritas à parte, a partir das pré-ativações.

    ``a_in`` é a parte da entrada do candidato e ``hn`` a parte recorrente,
    antes de ser multiplicada por ``r``.
    """
    r, z = _sigmoid(a_r), _sigmoid(a_z)
    n = np.tanh(a_in + r * hn)
    return (1.0 - z) * n + z * h_prev


def _zero_params(D: int, Hs: int) -> dict[str, np.ndarray]:
    G = len(GATES)
    return {
        "weight_ih": np.zeros((G * Hs, D)),
        "weight_hh": np.zeros((G * Hs, Hs)),
        "bias_ih": np.zeros(G * Hs),
        "bias_hh": np.zeros(G * Hs),
    }


def _torch_cell(params: dict[str, np.ndarray]) -> torch.nn.GRUCell:
    Hs = params["weight_hh"].shape[1]
    cell = torch.nn.GRUCell(params["weight_ih"].shape[1], Hs, dtype=torch.float64)
    with torch.no_grad():
        for name, p in cell.named_parameters():
            p.copy_(torch.from_numpy(params[name]))
    return cell


def _check_both(params, x, h_prev, h_exp):
    """A GRU em numpy e o ``nn.GRUCell`` dão a fórmula escrita à parte."""
    h, _ = gru_cell_forward(x, h_prev, params)
    np.testing.assert_allclose(h, h_exp, rtol=0, atol=1e-14)
    with torch.no_grad():
        h_t = _torch_cell(params)(torch.from_numpy(x), torch.from_numpy(h_prev))
    np.testing.assert_allclose(h_t.numpy(), h_exp, rtol=0, atol=1e-14)


def test_gate_order_with_distinct_biases():
    """Pesos nulos e vieses diferentes por bloco: só a ordem (r, z, n) dá a fórmula certa."""
    B, D, Hs = 2, 3, 4
    rng = np.random.default_rng(2)
    b_ih = {"r": 0.4, "z": -0.9, "n": 0.25}  # distintos: qualquer troca muda h
    b_hh = {"r": -1.3, "z": 0.6, "n": 1.7}
    params = _zero_params(D, Hs)
    for k, gate in enumerate(GATES):
        params["bias_ih"][k * Hs : (k + 1) * Hs] = b_ih[gate]
        params["bias_hh"][k * Hs : (k + 1) * Hs] = b_hh[gate]
    x, h_prev = rng.normal(size=(B, D)), rng.normal(size=(B, Hs))
    full = {g: np.full((B, Hs), b_ih[g] + b_hh[g]) for g in ("r", "z")}
    h_exp = _analytic_step(full["r"], full["z"], b_ih["n"], b_hh["n"], h_prev)
    _check_both(params, x, h_prev, h_exp)


@pytest.mark.parametrize("source", ["weight_ih", "weight_hh"])
@pytest.mark.parametrize("gate", GATES)
def test_gate_order_single_block(gate, source):
    """Só o bloco de linhas de uma parte é não nulo: ela, e só ela, recebe a pré-ativação."""
    B, D, Hs = 3, 2, 4
    rng = np.random.default_rng(3)
    k = GATES.index(gate)
    params = _zero_params(D, Hs)
    params["bias_hh"][2 * Hs :] = 0.8  # b_hn fixo: com ele, r também aparece em h
    params[source][k * Hs : (k + 1) * Hs] = rng.normal(0.0, 1.5, size=params[source][:Hs].shape)
    x, h_prev = rng.normal(size=(B, D)), rng.normal(size=(B, Hs))
    pre = {"r": np.zeros((B, Hs)), "z": np.zeros((B, Hs)), "in": np.zeros((B, Hs))}
    pre["hn"] = np.full((B, Hs), 0.8)
    block = params[source][k * Hs : (k + 1) * Hs]
    if source == "weight_ih":
        pre["in" if gate == "n" else gate] = x @ block.T
    else:
        pre["hn" if gate == "n" else gate] = h_prev @ block.T + (0.8 if gate == "n" else 0.0)
    h_exp = _analytic_step(pre["r"], pre["z"], pre["in"], pre["hn"], h_prev)
    _check_both(params, x, h_prev, h_exp)


def test_variant_is_pytorch_not_cho():
    """O reinício multiplica ``h W_hn^T + b_hn`` (PyTorch), não ``h`` antes do produto (Cho)."""
    B, D, Hs = 4, 3, 5
    _, params, rng = _make("cell", D, Hs, True, seed=9)
    x, h_prev = rng.normal(size=(B, D)), rng.normal(size=(B, Hs))
    W_ir, W_iz, W_in = np.split(params["weight_ih"], 3)
    W_hr, W_hz, W_hn = np.split(params["weight_hh"], 3)
    b_ir, b_iz, b_in = np.split(params["bias_ih"], 3)
    b_hr, b_hz, b_hn = np.split(params["bias_hh"], 3)
    r = _sigmoid(x @ W_ir.T + b_ir + h_prev @ W_hr.T + b_hr)
    z = _sigmoid(x @ W_iz.T + b_iz + h_prev @ W_hz.T + b_hz)
    n_torch = np.tanh(x @ W_in.T + b_in + r * (h_prev @ W_hn.T + b_hn))
    n_cho = np.tanh(x @ W_in.T + b_in + (r * h_prev) @ W_hn.T + b_hn)
    h_torch = (1.0 - z) * n_torch + z * h_prev
    h_cho = (1.0 - z) * n_cho + z * h_prev

    h, _ = gru_cell_forward(x, h_prev, params)
    np.testing.assert_allclose(h, h_torch, rtol=0, atol=1e-14)
    assert np.abs(h - h_cho).max() > 1e-2  # as duas variantes diferem de verdade


@pytest.mark.parametrize("T", [1, 30])
def test_update_gate_near_one_keeps_state_and_gradient(T):
    """Com ``z ≈ 1``, ``h_t = h_{t-1}`` e o gradiente volta intacto: ``dh0 = soma de dH``."""
    B, D, Hs = 2, 3, 4
    _, params, rng = _make("cell", D, Hs, True, seed=10)
    params["weight_ih"][Hs : 2 * Hs] = 0.0  # z não depende da entrada...
    params["weight_hh"][Hs : 2 * Hs] = 0.0  # ...nem do estado
    params["bias_ih"][Hs : 2 * Hs] = 40.0  # z = σ(40 + b_hz) ≈ 1
    X, h0, dH = rng.normal(size=(B, T, D)), rng.normal(size=(B, Hs)), rng.normal(size=(B, T, Hs))
    H, cache = gru_forward(X, h0, params)
    np.testing.assert_allclose(H, np.broadcast_to(h0[:, None], H.shape), rtol=0, atol=1e-14)
    _, dh0, _ = gru_backward(dH, cache)
    np.testing.assert_allclose(dh0, dH.sum(axis=1), rtol=0, atol=1e-13)


def test_bias_grads_differ_only_in_candidate_block():
    """``b_hn`` fica dentro de ``r ⊙ (...)``: só no bloco n os dois gradientes de viés diferem."""
    B, T, D, Hs = 3, 4, 2, 3
    _, params, rng = _make("layer", D, Hs, True, seed=11)
    X, h0, dH = rng.normal(size=(B, T, D)), rng.normal(size=(B, Hs)), rng.normal(size=(B, T, Hs))
    _, cache = gru_forward(X, h0, params)
    _, _, grads = gru_backward(dH, cache)
    g_ih, g_hh = grads["bias_ih"], grads["bias_hh"]
    np.testing.assert_allclose(g_ih[: 2 * Hs], g_hh[: 2 * Hs], rtol=1e-13, atol=1e-15)
    assert np.abs(g_ih[2 * Hs :] - g_hh[2 * Hs :]).min() > 1e-6


def test_inputs_not_mutated():
    B, T, D, Hs = 2, 4, 3, 2
    _, params, rng = _make("layer", D, Hs, True, seed=6)
    X, h0, dH = rng.normal(size=(B, T, D)), rng.normal(size=(B, Hs)), rng.normal(size=(B, T, Hs))
    originals = {"X": X, "h0": h0, "dH": dH, **params}
    copies = {k: v.copy() for k, v in originals.items()}
    _, cache = gru_forward(X, h0, params)
    gru_backward(dH, cache)
    gru_backward(dH, cache)  # o cache pode ser usado de novo
    _, cache1 = gru_cell_forward(X[:, 0], h0, params)
    gru_cell_backward(dH[:, 0], cache1)
    for k in originals:
        np.testing.assert_array_equal(originals[k], copies[k], err_msg=k)


def test_params_from_torch_layer():
    gru, _, rng = _make("layer", 3, 4, True, seed=7)
    params = params_from_torch(gru)
    assert set(params) == {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}
    assert params["weight_ih"].shape == (12, 3) and params["weight_hh"].shape == (12, 4)
    X = rng.normal(size=(2, 3, 3))
    H, _ = gru_forward(X, np.zeros((2, 4)), params)
    with torch.no_grad():
        out, _ = gru(torch.from_numpy(X))  # estado inicial padrão do PyTorch: zeros
    torch.testing.assert_close(torch.from_numpy(H), out, **TOL)


def test_errors_point_at_the_problem():
    rng = np.random.default_rng(8)
    B, T, D, Hs = 2, 3, 4, 5
    lstm = torch.nn.LSTMCell(D, Hs, dtype=torch.float64)
    lstm_params = {k: v.detach().numpy() for k, v in lstm.named_parameters()}  # 4 blocos
    X, h0 = rng.normal(size=(B, T, D)), np.zeros((B, Hs))
    with pytest.raises(ValueError, match="weight_ih"):
        gru_forward(X, h0, lstm_params)
    _, params, _ = _make("cell", D, Hs, True)
    with pytest.raises(KeyError, match="weight_ih"):
        gru_cell_forward(X[:, 0], h0, {"weight_hh": params["weight_hh"]})
    with pytest.raises(ValueError, match=r"\(B, T, D\)"):
        gru_forward(X[:, 0], h0, params)
    with pytest.raises(ValueError, match="h_prev"):
        gru_cell_forward(X[:, 0], h0[:1], params)
    _, cache = gru_forward(X, h0, params)
    with pytest.raises(ValueError, match="passos"):
        gru_backward(np.zeros((B, T + 1, Hs)), cache)


def test_exported_from_package():
    for name in ("gru_cell_forward", "gru_cell_backward", "gru_forward", "gru_backward"):
        assert name in rnncourse.__all__
        assert getattr(rnncourse, name) is getattr(gru_numpy, name)
