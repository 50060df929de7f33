"""Testes do gerador do problema da soma (rnncourse.tasks)."""

from __future__ import annotations

import numpy as np
import pytest

from rnncourse.tasks import adding_problem


@pytest.mark.parametrize("T", [2, 3, 10, 51])
def test_shapes_markers_and_targets(T):
    X, y, marks = adding_problem(500, T, np.random.default_rng(T))
    assert X.shape == (500, T, 2) and y.shape == (500,) and marks.shape == (500, 2)
    assert X.dtype == np.float32 and y.dtype == np.float32
    values, flags = X[..., 0], X[..., 1]
    assert np.all((values >= 0) & (values < 1))
    assert set(np.unique(flags)) <= {0.0, 1.0}
    np.testing.assert_array_equal(flags.sum(axis=1), 2.0)  # exatamente duas marcas
    half = T // 2
    assert np.all((marks[:, 0] >= 0) & (marks[:, 0] < half))
    assert np.all((marks[:, 1] >= half) & (marks[:, 1] < T))
    rows = np.arange(500)
    np.testing.assert_array_equal(flags[rows, marks[:, 0]], 1.0)
    np.testing.assert_array_equal(flags[rows, marks[:, 1]], 1.0)
    # o alvo é a soma dos dois valores marcados (e só deles)
    np.testing.assert_allclose(y, (values * flags).sum(axis=1), rtol=1e-6)


def test_dtype_option():
    X, y, _ = adding_problem(4, 6, np.random.default_rng(0), dtype=np.float64)
    assert X.dtype == np.float64 and y.dtype == np.float64
    np.testing.assert_array_equal(y, (X[..., 0] * X[..., 1]).sum(axis=1))


def test_deterministic_given_the_generator():
    a = adding_problem(20, 8, np.random.default_rng(5))
    b = adding_problem(20, 8, np.random.default_rng(5))
    c = adding_problem(20, 8, np.random.default_rng(6))
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0], c[0])


def test_statistics_and_reference_errors():
    n = 200_000
    X, y, marks = adding_problem(n, 20, np.random.default_rng(1), dtype=np.float64)
    # y = u1 + u2 com u1, u2 uniformes independentes: média 1, variância 2/12
    assert y.mean() == pytest.approx(1.0, abs=0.005)
    assert y.var() == pytest.approx(1 / 6, abs=0.003)
    # prever sempre 1 dá EQM = 1/6; prever u2 + 1/2 (lembrar só o valor recente) dá 1/12
    assert np.mean((y - 1.0) ** 2) == pytest.approx(1 / 6, abs=0.003)
    u2 = X[np.arange(n), marks[:, 1], 0]
    assert np.mean((y - (u2 + 0.5)) ** 2) == pytest.approx(1 / 12, abs=0.002)
    # as marcas cobrem cada metade de maneira uniforme
    first = np.bincount(marks[:, 0], minlength=10)
    second = np.bincount(marks[:, 1] - 10, minlength=10)
    np.testing.assert_allclose(first / n, 0.1, atol=0.005)
    np.testing.assert_allclose(second / n, 0.1, atol=0.005)


def test_bad_arguments_raise_clear_errors():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="T deve ser"):
        adding_problem(3, 1, rng)
    with pytest.raises(ValueError, match="n deve ser"):
        adding_problem(0, 5, rng)
    with pytest.raises(TypeError, match="Generator"):
        adding_problem(3, 5, 42)
