"""Testes das inicializações da matriz recorrente (rnncourse.init)."""

from __future__ import annotations

import numpy as np
import pytest

from rnncourse.init import identity_matrix, orthogonal_matrix, scale_to_spectral_radius
from rnncourse.jacobians import spectral_norm, spectral_radius


@pytest.mark.parametrize("n", [1, 2, 7, 64])
@pytest.mark.parametrize("gain", [1.0, 0.5, 3.0])
def test_orthogonal_matrix_is_orthogonal(n, gain):
    Q = orthogonal_matrix(n, np.random.default_rng(n), gain=gain)
    assert Q.shape == (n, n) and Q.dtype == np.float64
    np.testing.assert_allclose(Q.T @ Q, gain**2 * np.eye(n), rtol=0, atol=1e-12 * gain**2)
    np.testing.assert_allclose(Q @ Q.T, gain**2 * np.eye(n), rtol=0, atol=1e-12 * gain**2)
    # todos os valores singulares valem gain; todos os autovalores têm módulo gain
    s = np.linalg.svd(Q, compute_uv=False)
    np.testing.assert_allclose(s, gain, rtol=1e-12)
    np.testing.assert_allclose(np.abs(np.linalg.eigvals(Q)), gain, rtol=1e-10)


def test_orthogonal_matrix_is_deterministic_given_the_generator():
    a = orthogonal_matrix(5, np.random.default_rng(0))
    b = orthogonal_matrix(5, np.random.default_rng(0))
    c = orthogonal_matrix(5, np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_orthogonal_matrix_is_haar_distributed():
    # sem a correção de sinais do QR, a diagonal de Q tem média longe de zero (cerca de ±0,5
    # para n = 3); com ela, cada elemento de uma matriz de Haar tem média 0 e variância 1/n
    rng = np.random.default_rng(12)
    n, reps = 3, 4000
    samples = np.stack([orthogonal_matrix(n, rng) for _ in range(reps)])  # (reps, n, n)
    diag = np.diagonal(samples, axis1=1, axis2=2)
    np.testing.assert_allclose(diag.mean(axis=0), 0.0, atol=0.05)  # erro padrão ≈ 0,009
    np.testing.assert_allclose((samples**2).mean(axis=0), 1 / n, atol=0.03)


def test_identity_matrix():
    np.testing.assert_array_equal(identity_matrix(4), np.eye(4))
    np.testing.assert_array_equal(identity_matrix(3, gain=0.5), 0.5 * np.eye(3))


@pytest.mark.parametrize("radius", [0.5, 1.0, 1.5])
def test_scale_to_spectral_radius(radius):
    rng = np.random.default_rng(13)
    W = rng.normal(size=(16, 16))
    scaled = scale_to_spectral_radius(W, radius)
    assert spectral_radius(scaled) == pytest.approx(radius, rel=1e-12)
    ratio = scaled / W
    np.testing.assert_allclose(ratio, ratio.flat[0], rtol=1e-12)  # só muda a escala
    # uma gaussiana não é normal: σ_max fica acima do raio espectral
    assert spectral_norm(scaled) > 1.2 * radius
    # uma ortogonal é normal: σ_max = ρ
    Q = scale_to_spectral_radius(orthogonal_matrix(16, rng), radius)
    assert spectral_norm(Q) == pytest.approx(radius, rel=1e-12)


def test_bad_arguments_raise_clear_errors():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="n deve ser"):
        orthogonal_matrix(0, rng)
    with pytest.raises(ValueError, match="n deve ser"):
        identity_matrix(2.5)
    with pytest.raises(TypeError, match="Generator"):
        orthogonal_matrix(3, 0)
    with pytest.raises(ValueError, match="nilpotente"):
        scale_to_spectral_radius(np.array([[0.0, 1.0], [0.0, 0.0]]), 1.0)
    with pytest.raises(ValueError, match="radius"):
        scale_to_spectral_radius(np.eye(2), -1.0)
