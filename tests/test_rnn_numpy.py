"""RNN em numpy (rnncourse.rnn_numpy) contra torch.nn, autograd e diferenças finitas, em float64."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from rnncourse.rnn_numpy import (
    params_from_torch,
    rnn_backward,
    rnn_cell_backward,
    rnn_cell_forward,
    rnn_forward,
)

# (B, T, D, H): lote, passos, entrada, estado oculto
SHAPES = [(1, 1, 1, 1), (2, 3, 4, 5), (3, 6, 2, 3), (4, 2, 7, 4)]
SHAPE_IDS = [f"B{b}-T{t}-D{d}-H{h}" for b, t, d, h in SHAPES]
BIAS = [True, False]
BIAS_IDS = ["com-vies", "sem-vies"]


def _torch_cell(D: int, H: int, bias: bool, seed: int = 0) -> nn.RNNCell:
    torch.manual_seed(seed)
    cell = nn.RNNCell(D, H, bias=bias).double()
    with torch.no_grad():  # pesos maiores que o padrão, para a tanh sair da região linear
        for p in cell.parameters():
            p.uniform_(-1.0, 1.0)
    return cell


def _torch_rnn(D: int, H: int, bias: bool, seed: int = 0) -> nn.RNN:
    torch.manual_seed(seed)
    rnn = nn.RNN(D, H, bias=bias, batch_first=True).double()
    with torch.no_grad():
        for p in rnn.parameters():
            p.uniform_(-1.0, 1.0)
    return rnn


def _numpy_params(module: nn.Module) -> dict[str, np.ndarray]:
    """Pesos de uma camada em numpy, sem o sufixo ``_l0`` (vale também sem viés)."""
    return {k.removesuffix("_l0"): v.detach().numpy().copy() for k, v in module.named_parameters()}


@pytest.mark.parametrize("bias", BIAS, ids=BIAS_IDS)
@pytest.mark.parametrize(("B", "T", "D", "H"), SHAPES, ids=SHAPE_IDS)
def test_cell_forward_matches_rnncell(B, T, D, H, bias):
    rng = np.random.default_rng(1)
    cell = _torch_cell(D, H, bias)
    x, h_prev = rng.normal(size=(B, D)), rng.normal(size=(B, H))
    h, _ = rnn_cell_forward(x, h_prev, _numpy_params(cell))
    expected = cell(torch.from_numpy(x), torch.from_numpy(h_prev)).detach().numpy()
    assert h.shape == (B, H)
    np.testing.assert_allclose(h, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("bias", BIAS, ids=BIAS_IDS)
@pytest.mark.parametrize(("B", "T", "D", "H"), SHAPES, ids=SHAPE_IDS)
def test_forward_matches_nn_rnn(B, T, D, H, bias):
    rng = np.random.default_rng(2)
    rnn = _torch_rnn(D, H, bias)
    X, h0 = rng.normal(size=(B, T, D)), rng.normal(size=(B, H))
    Hs, cache = rnn_forward(X, h0, _numpy_params(rnn))
    out, h_last = rnn(torch.from_numpy(X), torch.from_numpy(h0)[None])
    assert Hs.shape == (B, T, H)
    assert len(cache) == T
    np.testing.assert_allclose(Hs, out.detach().numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(Hs[:, -1], h_last[0].detach().numpy(), rtol=0, atol=1e-12)


def test_forward_depends_on_h0():
    """Trocar h0 muda as saídas: o estado inicial de fato entra na recorrência."""
    rng = np.random.default_rng(3)
    params = _numpy_params(_torch_cell(3, 4, True))
    X = rng.normal(size=(2, 5, 3))
    H_zero, _ = rnn_forward(X, np.zeros((2, 4)), params)
    H_rand, _ = rnn_forward(X, rng.normal(size=(2, 4)), params)
    assert np.abs(H_zero - H_rand).max() > 1e-3


def _autograd_cell(x, h_prev, params, dh):
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    xt = torch.tensor(x, requires_grad=True)
    ht = torch.tensor(h_prev, requires_grad=True)
    a = xt @ tensors["weight_ih"].T + ht @ tensors["weight_hh"].T
    if "bias_ih" in tensors:
        a = a + tensors["bias_ih"] + tensors["bias_hh"]
    (torch.tanh(a) * torch.from_numpy(dh)).sum().backward()
    grads = {k: t.grad.numpy() for k, t in tensors.items()}
    return xt.grad.numpy(), ht.grad.numpy(), grads


@pytest.mark.parametrize("bias", BIAS, ids=BIAS_IDS)
@pytest.mark.parametrize(("B", "T", "D", "H"), SHAPES, ids=SHAPE_IDS)
def test_cell_backward_matches_autograd(B, T, D, H, bias):
    rng = np.random.default_rng(4)
    params = _numpy_params(_torch_cell(D, H, bias))
    x, h_prev, dh = rng.normal(size=(B, D)), rng.normal(size=(B, H)), rng.normal(size=(B, H))
    _, cache = rnn_cell_forward(x, h_prev, params)
    dx, dh_prev, grads = rnn_cell_backward(dh, cache)
    dx_ref, dh_prev_ref, grads_ref = _autograd_cell(x, h_prev, params, dh)
    np.testing.assert_allclose(dx, dx_ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(dh_prev, dh_prev_ref, rtol=0, atol=1e-12)
    assert set(grads) == set(params)
    for k in params:
        np.testing.assert_allclose(grads[k], grads_ref[k], rtol=0, atol=1e-12, err_msg=k)


@pytest.mark.parametrize("bias", BIAS, ids=BIAS_IDS)
@pytest.mark.parametrize(("B", "T", "D", "H"), SHAPES, ids=SHAPE_IDS)
def test_backward_matches_autograd_through_nn_rnn(B, T, D, H, bias):
    rng = np.random.default_rng(5)
    rnn = _torch_rnn(D, H, bias)
    X, h0, dH = rng.normal(size=(B, T, D)), rng.normal(size=(B, H)), rng.normal(size=(B, T, H))
    _, cache = rnn_forward(X, h0, _numpy_params(rnn))
    dX, dh0, grads = rnn_backward(dH, cache)

    Xt = torch.tensor(X, requires_grad=True)
    h0t = torch.tensor(h0[None], requires_grad=True)
    out, _ = rnn(Xt, h0t)
    (out * torch.from_numpy(dH)).sum().backward()
    np.testing.assert_allclose(dX, Xt.grad.numpy(), rtol=0, atol=1e-11)
    np.testing.assert_allclose(dh0, h0t.grad[0].numpy(), rtol=0, atol=1e-11)
    ref = {k.removesuffix("_l0"): p.grad.numpy() for k, p in rnn.named_parameters()}
    assert set(grads) == set(ref)
    for k in ref:
        np.testing.assert_allclose(grads[k], ref[k], rtol=0, atol=1e-11, err_msg=k)


def _numeric_grad(f, array: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Gradiente de ``f()`` em relação a ``array`` por diferenças centrais (altera e restaura)."""
    grad = np.zeros_like(array)
    for idx in np.ndindex(array.shape):
        old = array[idx]
        array[idx] = old + eps
        plus = f()
        array[idx] = old - eps
        minus = f()
        array[idx] = old
        grad[idx] = (plus - minus) / (2 * eps)
    return grad


@pytest.mark.parametrize("bias", BIAS, ids=BIAS_IDS)
@pytest.mark.parametrize(("B", "T", "D", "H"), SHAPES[:3], ids=SHAPE_IDS[:3])
def test_cell_backward_matches_finite_differences(B, T, D, H, bias):
    rng = np.random.default_rng(6)
    params = _numpy_params(_torch_cell(D, H, bias))
    x, h_prev, G = rng.normal(size=(B, D)), rng.normal(size=(B, H)), rng.normal(size=(B, H))

    def loss() -> float:  # L = soma(G * h): dL/dh = G
        return float((rnn_cell_forward(x, h_prev, params)[0] * G).sum())

    dx, dh_prev, grads = rnn_cell_backward(G, rnn_cell_forward(x, h_prev, params)[1])
    np.testing.assert_allclose(dx, _numeric_grad(loss, x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dh_prev, _numeric_grad(loss, h_prev), rtol=1e-6, atol=1e-8)
    for k in params:
        num = _numeric_grad(loss, params[k])
        np.testing.assert_allclose(grads[k], num, rtol=1e-6, atol=1e-8, err_msg=k)


@pytest.mark.parametrize("bias", BIAS, ids=BIAS_IDS)
@pytest.mark.parametrize(("B", "T", "D", "H"), SHAPES[:3], ids=SHAPE_IDS[:3])
def test_backward_matches_finite_differences(B, T, D, H, bias):
    rng = np.random.default_rng(7)
    params = _numpy_params(_torch_cell(D, H, bias))
    X, h0, G = rng.normal(size=(B, T, D)), rng.normal(size=(B, H)), rng.normal(size=(B, T, H))

    def loss() -> float:  # L = soma(G * H): cada passo recebe gradiente da sua saída
        return float((rnn_forward(X, h0, params)[0] * G).sum())

    dX, dh0, grads = rnn_backward(G, rnn_forward(X, h0, params)[1])
    np.testing.assert_allclose(dX, _numeric_grad(loss, X), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dh0, _numeric_grad(loss, h0), rtol=1e-6, atol=1e-8)
    for k in params:
        num = _numeric_grad(loss, params[k])
        np.testing.assert_allclose(grads[k], num, rtol=1e-6, atol=1e-8, err_msg=k)


def test_backward_only_last_step_gradient():
    """Só a última saída recebe gradiente: dX ainda chega ao primeiro passo (pela recorrência)."""
    rng = np.random.default_rng(8)
    params = _numpy_params(_torch_cell(2, 3, True))
    X, h0 = rng.normal(size=(1, 4, 2)), rng.normal(size=(1, 3))
    dH = np.zeros((1, 4, 3))
    dH[:, -1] = 1.0
    dX, _, _ = rnn_backward(dH, rnn_forward(X, h0, params)[1])
    assert np.abs(dX[:, 0]).max() > 0


def test_params_from_torch_strips_layer_suffix_and_copies():
    rnn = _torch_rnn(3, 4, True)
    params = params_from_torch(rnn)
    assert set(params) == {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}
    assert params["weight_ih"].shape == (4, 3)
    np.testing.assert_array_equal(params["weight_hh"], rnn.weight_hh_l0.detach().numpy())
    params["weight_hh"][0, 0] += 1.0  # é uma cópia: mudar o dict não muda o módulo
    assert params["weight_hh"][0, 0] != rnn.weight_hh_l0[0, 0].item()


def test_params_from_torch_second_layer():
    torch.manual_seed(0)
    rnn = nn.RNN(3, 4, num_layers=2, batch_first=True)
    params = params_from_torch(rnn, layer=1)
    assert params["weight_ih"].shape == (4, 4)  # a entrada da camada 1 é a saída da camada 0
    np.testing.assert_array_equal(params["bias_hh"], rnn.bias_hh_l1.detach().numpy())


def test_forward_rejects_2d_input():
    params = _numpy_params(_torch_cell(3, 4, True))
    with pytest.raises(ValueError, match=r"\(B, T, D\)"):
        rnn_forward(np.zeros((2, 3)), np.zeros((2, 4)), params)


def test_cell_forward_missing_weight_raises():
    with pytest.raises(KeyError, match="weight_hh"):
        rnn_cell_forward(np.zeros((1, 2)), np.zeros((1, 3)), {"weight_ih": np.zeros((3, 2))})
