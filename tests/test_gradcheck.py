"""Diferenças finitas centradas (rnncourse.gradcheck): valores, restauração e detecção de erros."""

from __future__ import annotations

import numpy as np
import pytest

from rnncourse.gradcheck import check_gradients, numerical_gradient, relative_error
from rnncourse.rnn_numpy import rnn_backward, rnn_forward


def test_numerical_gradient_of_quadratic_matches_analytic():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 4))
    x = rng.normal(size=(4,))
    # f(x) = x^T A x + sin(x_0): gradiente (A + A^T) x + cos(x_0) e_0
    expected = (A + A.T) @ x
    expected[0] += np.cos(x[0])
    grad = numerical_gradient(lambda: x @ A @ x + np.sin(x[0]), x)
    np.testing.assert_allclose(grad, expected, rtol=1e-8, atol=1e-9)


def test_numerical_gradient_restores_input_exactly_and_keeps_shape():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 3, 2))
    before = x.copy()
    grad = numerical_gradient(lambda: np.sum(np.exp(x)), x, eps=1e-3)
    assert grad.shape == x.shape
    np.testing.assert_array_equal(x, before)  # bit a bit: nada de old + eps - eps
    np.testing.assert_allclose(grad, np.exp(x), rtol=1e-6)


def test_centred_differences_error_is_second_order():
    # para f = exp, o erro de truncamento é f'''(x) eps^2 / 6: dividir eps por 10 divide por 100
    x = np.array([0.3])
    errors = [
        abs(numerical_gradient(lambda: np.exp(x[0]), x, eps)[0] - np.exp(0.3))
        for eps in (1e-2, 1e-3)
    ]
    np.testing.assert_allclose(errors[0] / errors[1], 100.0, rtol=0.05)
    np.testing.assert_allclose(errors[0], np.exp(0.3) * 1e-4 / 6, rtol=1e-3)


@pytest.mark.parametrize(
    ("x", "error"),
    [
        (np.zeros(3, dtype=np.float32), TypeError),
        (np.zeros(3, dtype=np.int64), TypeError),
        ([0.0, 1.0], TypeError),
    ],
    ids=["float32", "int64", "lista"],
)
def test_numerical_gradient_rejects_non_float64(x, error):
    with pytest.raises(error, match="float64"):
        numerical_gradient(lambda: 0.0, x)


def test_numerical_gradient_rejects_readonly_and_bad_eps():
    x = np.zeros(3)
    x.flags.writeable = False
    with pytest.raises(ValueError, match="gravável"):
        numerical_gradient(lambda: 0.0, x)
    with pytest.raises(ValueError, match="eps"):
        numerical_gradient(lambda: 0.0, np.zeros(2), eps=0.0)


def test_relative_error_values():
    a = np.array([3.0, 4.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(a, -a) == pytest.approx(1.0, abs=1e-15)
    # ||a - b|| = 1, ||a|| = 5, ||b|| = sqrt(9 + 25)
    b = np.array([3.0, 5.0])
    assert relative_error(a, b) == pytest.approx(1.0 / (5.0 + np.sqrt(34.0)), rel=1e-14)
    # invariante à escala
    assert relative_error(1e6 * a, 1e6 * b) == pytest.approx(relative_error(a, b), rel=1e-12)
    assert relative_error(np.zeros(2), np.zeros(2)) == 0.0
    with pytest.raises(ValueError, match="formas diferentes"):
        relative_error(np.zeros(2), np.zeros(3))


def _rnn_problem(seed: int = 0):
    rng = np.random.default_rng(seed)
    B, T, D, H = 2, 4, 3, 5
    params = {
        "weight_ih": rng.normal(size=(H, D)),
        "weight_hh": rng.normal(size=(H, H)) * 0.5,
        "bias_ih": rng.normal(size=H),
        "bias_hh": rng.normal(size=H),
    }
    X, h0, W = rng.normal(size=(B, T, D)), rng.normal(size=(B, H)), rng.normal(size=(B, T, H))

    def loss() -> float:  # L = soma(W * H): dL/dH = W
        Hs, _ = rnn_forward(X, h0, params)
        return float(np.sum(W * Hs))

    _, cache = rnn_forward(X, h0, params)
    _, _, grads = rnn_backward(W, cache)
    return loss, params, grads


def test_check_gradients_accepts_the_rnn_backward():
    loss, params, grads = _rnn_problem()
    errors = check_gradients(loss, params, grads)
    assert set(errors) == set(params)
    assert max(errors.values()) < 1e-8, errors


def test_check_gradients_catches_a_wrong_gradient():
    loss, params, grads = _rnn_problem()
    wrong = dict(grads, weight_hh=grads["weight_hh"].T)  # erro típico: a transposta
    errors = check_gradients(loss, params, wrong)
    assert errors["weight_hh"] > 1e-2
    assert errors["weight_ih"] < 1e-8
    with pytest.raises(KeyError, match="bias_hh"):
        check_gradients(loss, params, {k: v for k, v in grads.items() if k != "bias_hh"})
    with pytest.raises(ValueError, match="forma"):
        check_gradients(loss, params, dict(grads, bias_ih=grads["bias_ih"][:2]))
