"""Testes de rnncourse.utils: sementes (random, numpy, torch) e escolha do dispositivo."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from rnncourse.utils import get_device, set_seed


@pytest.fixture(autouse=True)
def _restore_hash_seed(monkeypatch):
    # set_seed escreve PYTHONHASHSEED em os.environ; o monkeypatch devolve o valor original
    monkeypatch.setenv("PYTHONHASHSEED", "0")


def _draws():
    return (
        random.random(),
        np.random.rand(3).tolist(),
        torch.rand(3, dtype=torch.float64).tolist(),
        torch.randn(2, 2).tolist(),
    )


def test_set_seed_repeats_random_numpy_and_torch_draws():
    set_seed(123)
    first = _draws()
    set_seed(123)
    assert _draws() == first  # mesmos bits: a mesma sequência de sorteios


def test_different_seeds_give_different_draws():
    set_seed(1)
    a = _draws()
    set_seed(2)
    b = _draws()
    for x, y in zip(a, b, strict=True):
        assert x != y


def test_set_seed_returns_a_seeded_generator():
    rng = set_seed(5)
    assert isinstance(rng, np.random.Generator)
    np.testing.assert_array_equal(rng.normal(size=4), np.random.default_rng(5).normal(size=4))
    assert set_seed(5).integers(1_000_000) == np.random.default_rng(5).integers(1_000_000)


def test_set_seed_seeds_torch_like_manual_seed():
    set_seed(42)
    ours = torch.rand(5)
    torch.manual_seed(42)
    torch.testing.assert_close(ours, torch.rand(5), rtol=0, atol=0)


def test_set_seed_accepts_numpy_integers_and_large_values():
    set_seed(np.int64(7))
    a = np.random.rand()
    set_seed(7)
    assert np.random.rand() == a
    set_seed(2**40)  # maior que o limite de np.random.seed: reduzido módulo 2**32


@pytest.mark.parametrize("seed", [-1, 1.5, "0", None], ids=["negativa", "float", "str", "None"])
def test_set_seed_rejects_bad_seeds_in_portuguese(seed):
    with pytest.raises(ValueError, match="a semente deve ser um inteiro não negativo"):
        set_seed(seed)


def test_get_device_default_matches_availability():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert get_device() == torch.device(expected)


def test_get_device_cpu_here(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert get_device() == torch.device("cpu")
    assert get_device("cpu") == torch.device("cpu")


def test_get_device_cuda_without_gpu_fails_clearly(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="nenhuma está disponível"):
        get_device("cuda")


def test_get_device_rejects_unknown_names():
    with pytest.raises(ValueError, match="dispositivo desconhecido 'tpu'"):
        get_device("tpu")
