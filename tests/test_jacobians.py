"""Testes das jacobianas da recorrência (rnncourse.jacobians) contra o autograd, em float64."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnncourse.jacobians import (
    ACTIVATION_GAMMA,
    jacobian_products,
    spectral_norm,
    spectral_radius,
    step_jacobians,
    tanh_step_jacobians,
)
from rnncourse.rnn_numpy import params_from_torch, rnn_cell_backward, rnn_forward

# (B, T, D, H)
SHAPES = [(1, 1, 1, 1), (2, 5, 3, 4), (3, 8, 2, 6)]
SHAPE_IDS = [f"B{B}-T{T}-D{D}-H{H}" for B, T, D, H in SHAPES]
TOL = {"rtol": 1e-10, "atol": 1e-12}


def _rnn(D: int, Hs: int, seed: int = 0, scale: float = 0.8) -> torch.nn.RNN:
    """RNN com pesos maiores que os padrão, para a tanh sair da região linear."""
    rng = np.random.default_rng(seed)
    rnn = torch.nn.RNN(D, Hs, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        for p in rnn.parameters():
            p.copy_(torch.from_numpy(rng.normal(0.0, scale, size=tuple(p.shape))))
    return rnn


def _states(rnn: torch.nn.RNN, X: np.ndarray, h0: np.ndarray) -> np.ndarray:
    H, _ = rnn_forward(X, h0, params_from_torch(rnn))
    return H


def _run_from(rnn: torch.nn.RNN, X: torch.Tensor, h_k: torch.Tensor, k: int) -> torch.Tensor:
    """h_T a partir de h_k (um exemplo, vetores (H,)), rodando os passos k+1, ..., T."""
    h = h_k
    for t in range(k, X.shape[0]):  # X[t] é x_{t+1}
        a = X[t] @ rnn.weight_ih_l0.T + rnn.bias_ih_l0 + h @ rnn.weight_hh_l0.T + rnn.bias_hh_l0
        h = torch.tanh(a)
    return h


@pytest.mark.parametrize(("B", "T", "D", "Hs"), SHAPES, ids=SHAPE_IDS)
def test_tanh_step_jacobians_match_autograd(B, T, D, Hs):
    rnn = _rnn(D, Hs)
    rng = np.random.default_rng(1)
    X, h0 = rng.normal(size=(B, T, D)), rng.normal(size=(B, Hs))
    H = _states(rnn, X, h0)
    J = tanh_step_jacobians(H, rnn.weight_hh_l0.detach().numpy())
    assert J.shape == (B, T, Hs, Hs)
    prev = np.concatenate([h0[:, None], H[:, :-1]], axis=1)  # h_{t-1} de cada passo
    for b in range(B):
        for t in range(T):
            x_t = torch.from_numpy(X[b, t : t + 1])  # só o passo t (índice do código)

            def step(h, x_t=x_t):
                return _run_from(rnn, x_t, h, 0)

            expected = torch.autograd.functional.jacobian(step, torch.from_numpy(prev[b, t]))
            torch.testing.assert_close(torch.from_numpy(J[b, t]), expected, **TOL)


@pytest.mark.parametrize(("B", "T", "D", "Hs"), SHAPES, ids=SHAPE_IDS)
def test_jacobian_products_match_autograd(B, T, D, Hs):
    rnn = _rnn(D, Hs, seed=2)
    rng = np.random.default_rng(3)
    X, h0 = rng.normal(size=(B, T, D)), rng.normal(size=(B, Hs))
    H = _states(rnn, X, h0)
    P = jacobian_products(tanh_step_jacobians(H, rnn.weight_hh_l0.detach().numpy()))
    assert P.shape == (B, T + 1, Hs, Hs)
    np.testing.assert_array_equal(P[:, 0], np.broadcast_to(np.eye(Hs), (B, Hs, Hs)))
    states = np.concatenate([h0[:, None], H], axis=1)  # states[:, k] = h_k, k = 0..T
    for b in range(B):
        Xb = torch.from_numpy(X[b])
        for k in range(T + 1):

            def forward(h, k=k, Xb=Xb):
                return _run_from(rnn, Xb, h, k)

            expected = torch.autograd.functional.jacobian(forward, torch.from_numpy(states[b, k]))
            # P[:, d] = ∂h_T/∂h_{T-d}
            torch.testing.assert_close(torch.from_numpy(P[b, T - k]), expected, **TOL)


def test_products_are_built_with_the_recurrent_matrix_not_the_input_one():
    # com D = H as duas matrizes têm a mesma forma: trocar uma pela outra não dá erro de forma,
    # só o valor errado; o teste confere que ∂h_1/∂h_0 depende de W_hh e não de W_ih
    rnn = _rnn(3, 3, seed=4)
    X, h0 = np.ones((1, 1, 3)), np.zeros((1, 3))
    H = _states(rnn, X, h0)
    W_hh, W_ih = rnn.weight_hh_l0.detach().numpy(), rnn.weight_ih_l0.detach().numpy()
    J = tanh_step_jacobians(H, W_hh)[0, 0]
    np.testing.assert_allclose(J, np.diag(1 - H[0, 0] ** 2) @ W_hh, rtol=1e-13)
    assert not np.allclose(J, np.diag(1 - H[0, 0] ** 2) @ W_ih)


def test_row_convention_of_the_package_is_the_transpose():
    # rnn_cell_backward (vetores-linha) calcula dL/dh_{t-1} = J_t^T dL/dh_t
    rnn = _rnn(2, 5, seed=5)
    rng = np.random.default_rng(6)
    X, h0 = rng.normal(size=(4, 3, 2)), rng.normal(size=(4, 5))
    H, cache = rnn_forward(X, h0, params_from_torch(rnn))
    J = tanh_step_jacobians(H, rnn.weight_hh_l0.detach().numpy())
    dh = rng.normal(size=(4, 5))
    _, dh_prev, _ = rnn_cell_backward(dh, cache[-1])
    expected = np.einsum("bij,bi->bj", J[:, -1], dh)  # J^T dh, um exemplo por linha
    np.testing.assert_allclose(dh_prev, expected, rtol=1e-12, atol=1e-14)


def test_sigmoid_jacobians_match_autograd_and_respect_gamma_bound():
    rng = np.random.default_rng(7)
    B, T, D, Hs = 2, 12, 3, 6
    W_ih, W_hh = rng.normal(size=(Hs, D)), rng.normal(size=(Hs, Hs))
    X, h0 = rng.normal(size=(B, T, D)), rng.random((B, Hs))
    H = np.empty((B, T, Hs))
    h = h0
    for t in range(T):
        h = 1 / (1 + np.exp(-(X[:, t] @ W_ih.T + h @ W_hh.T)))
        H[:, t] = h
    P = jacobian_products(step_jacobians(H * (1 - H), W_hh))  # σ' = σ(1 - σ)

    W_ih_t, W_hh_t = torch.from_numpy(W_ih), torch.from_numpy(W_hh)
    for b in range(B):

        def forward(h, b=b):
            for t in range(T):
                h = torch.sigmoid(torch.from_numpy(X[b, t]) @ W_ih_t.T + h @ W_hh_t.T)
            return h

        expected = torch.autograd.functional.jacobian(forward, torch.from_numpy(h0[b]))
        torch.testing.assert_close(torch.from_numpy(P[b, T]), expected, **TOL)

    gamma = ACTIVATION_GAMMA["sigmoid"]
    assert gamma == 0.25
    bound = (gamma * spectral_norm(W_hh)) ** np.arange(T + 1)  # (γ σ_max)^d
    assert np.all(spectral_norm(P) <= bound * (1 + 1e-12))


def test_tanh_products_respect_the_singular_value_bound():
    rnn = _rnn(2, 8, seed=8, scale=1.2)
    rng = np.random.default_rng(9)
    X, h0 = rng.normal(size=(3, 20, 2)), np.zeros((3, 8))
    W_hh = rnn.weight_hh_l0.detach().numpy()
    P = jacobian_products(tanh_step_jacobians(_states(rnn, X, h0), W_hh))
    norms = spectral_norm(P)  # (B, T + 1)
    bound = (ACTIVATION_GAMMA["tanh"] * spectral_norm(W_hh)) ** np.arange(21)
    assert spectral_norm(W_hh) > 1  # o limite cresce, e mesmo assim vale
    assert np.all(norms <= bound * (1 + 1e-12))


def test_linear_regime_gives_matrix_powers():
    # com f' = 1 em todo passo, ∂h_T/∂h_{T-d} = W^d
    rng = np.random.default_rng(10)
    W = rng.normal(size=(4, 4)) / 2
    P = jacobian_products(step_jacobians(np.ones((1, 6, 4)), W))
    for d in range(7):
        np.testing.assert_allclose(P[0, d], np.linalg.matrix_power(W, d), rtol=1e-12, atol=1e-15)


def test_spectral_norm_and_radius():
    rng = np.random.default_rng(11)
    W = rng.normal(size=(5, 5))
    assert spectral_norm(W) == pytest.approx(np.linalg.norm(W, 2), rel=1e-13)
    assert spectral_radius(W) == pytest.approx(np.abs(np.linalg.eigvals(W)).max(), rel=1e-13)
    assert spectral_radius(W) <= spectral_norm(W)
    batch = rng.normal(size=(3, 4, 4))
    np.testing.assert_allclose(spectral_norm(batch), [np.linalg.norm(m, 2) for m in batch])
    np.testing.assert_allclose(
        spectral_radius(batch), [np.abs(np.linalg.eigvals(m)).max() for m in batch]
    )
    # rotação de 90 graus: autovalores ±i, raio 1; norma 1
    R = np.array([[0.0, -1.0], [1.0, 0.0]])
    assert spectral_radius(R) == pytest.approx(1.0)
    assert spectral_norm(R) == pytest.approx(1.0)
    # nilpotente: raio 0, norma grande
    N = np.array([[0.0, 5.0], [0.0, 0.0]])
    assert spectral_radius(N) == 0.0
    assert spectral_norm(N) == pytest.approx(5.0)
    assert isinstance(spectral_norm(W), float) and isinstance(spectral_radius(W), float)


def test_bad_shapes_raise_clear_errors():
    with pytest.raises(ValueError, match="fprime"):
        step_jacobians(np.ones((2, 3)), np.eye(3))
    with pytest.raises(ValueError, match="weight_hh"):
        step_jacobians(np.ones((1, 2, 3)), np.eye(4))
    with pytest.raises(ValueError, match="J deve ter forma"):
        jacobian_products(np.ones((2, 3, 3)))
    with pytest.raises(ValueError, match="quadrada"):
        spectral_radius(np.ones((2, 3)))
    with pytest.raises(ValueError, match="matriz"):
        spectral_norm(np.ones(3))
