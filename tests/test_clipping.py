"""Testes do corte do gradiente (rnncourse.clipping) contra ``torch.nn.utils``, em float64."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnncourse.clipping import clip_by_norm, clip_by_value, global_norm

SHAPES = {"weight_ih": (6, 3), "weight_hh": (6, 6), "bias_ih": (6,), "bias_hh": (6,)}


def _grads(scale: float, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {k: scale * rng.normal(size=s) for k, s in SHAPES.items()}


def _torch_params(grads: dict[str, np.ndarray]) -> list[torch.nn.Parameter]:
    params = []
    for g in grads.values():
        p = torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64))
        p.grad = torch.from_numpy(g.copy())
        params.append(p)
    return params


def test_global_norm_is_the_norm_of_the_concatenation():
    grads = _grads(1.0)
    flat = np.concatenate([g.ravel() for g in grads.values()])
    assert global_norm(grads) == pytest.approx(np.linalg.norm(flat), rel=1e-14)
    assert global_norm(list(grads.values())) == pytest.approx(np.linalg.norm(flat), rel=1e-14)


@pytest.mark.parametrize("scale", [0.01, 1.0, 100.0], ids=["abaixo", "perto", "acima"])
@pytest.mark.parametrize("max_norm", [0.5, 1.0, 5.0])
def test_clip_by_norm_matches_torch(scale, max_norm):
    grads = _grads(scale)
    clipped, total = clip_by_norm(grads, max_norm)
    params = _torch_params(grads)
    total_t = torch.nn.utils.clip_grad_norm_(params, max_norm)
    assert total == pytest.approx(total_t.item(), rel=1e-14)
    for (name, g), p in zip(clipped.items(), params, strict=True):
        torch.testing.assert_close(torch.from_numpy(g), p.grad, rtol=1e-14, atol=0, msg=name)


def test_clip_by_norm_keeps_direction_and_caps_norm():
    grads = _grads(50.0)
    clipped, total = clip_by_norm(grads, 1.0)
    assert total > 1.0
    assert global_norm(clipped) == pytest.approx(1.0, rel=1e-5)  # o eps do PyTorch: 1e-6
    a = np.concatenate([g.ravel() for g in grads.values()])
    b = np.concatenate([g.ravel() for g in clipped.values()])
    cos = a @ b / (np.linalg.norm(a) * np.linalg.norm(b))
    assert cos == pytest.approx(1.0, abs=1e-14)


def test_clip_by_norm_leaves_small_gradients_alone():
    grads = _grads(1e-3)
    clipped, total = clip_by_norm(grads, 1.0)
    assert total < 1.0
    for k in grads:
        np.testing.assert_array_equal(clipped[k], grads[k])


@pytest.mark.parametrize("clip_value", [0.1, 1.0, 10.0])
def test_clip_by_value_matches_torch(clip_value):
    grads = _grads(3.0, seed=1)
    clipped = clip_by_value(grads, clip_value)
    params = _torch_params(grads)
    torch.nn.utils.clip_grad_value_(params, clip_value)
    for (name, g), p in zip(clipped.items(), params, strict=True):
        torch.testing.assert_close(torch.from_numpy(g), p.grad, rtol=0, atol=0, msg=name)
        assert np.abs(g).max() <= clip_value


def test_clip_by_value_changes_direction():
    # um elemento grande e um pequeno: cortar só o grande gira o vetor
    grads = [np.array([10.0, 0.1])]
    clipped = clip_by_value(grads, 1.0)
    np.testing.assert_array_equal(clipped[0], [1.0, 0.1])
    a, b = grads[0], clipped[0]
    cos = a @ b / (np.linalg.norm(a) * np.linalg.norm(b))
    assert cos < 0.999
    # o corte pela norma, no mesmo vetor, não gira
    by_norm, _ = clip_by_norm(grads, 1.0)
    cos_norm = a @ by_norm[0] / (np.linalg.norm(a) * np.linalg.norm(by_norm[0]))
    assert cos_norm == pytest.approx(1.0, abs=1e-15)


def test_inputs_are_not_mutated_and_containers_are_kept():
    grads = _grads(100.0)
    before = {k: v.copy() for k, v in grads.items()}
    clipped, _ = clip_by_norm(grads, 1.0)
    by_value = clip_by_value(grads, 0.1)
    for k in grads:
        np.testing.assert_array_equal(grads[k], before[k])
    assert list(clipped) == list(grads) and list(by_value) == list(grads)
    as_tuple, _ = clip_by_norm(tuple(grads.values()), 1.0)
    assert isinstance(as_tuple, tuple) and len(as_tuple) == len(grads)
    assert isinstance(clip_by_value(list(grads.values()), 1.0), list)


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="max_norm"):
        clip_by_norm(_grads(1.0), 0.0)
    with pytest.raises(ValueError, match="clip_value"):
        clip_by_value(_grads(1.0), -1.0)
    with pytest.raises(ValueError, match="vazio"):
        clip_by_norm({}, 1.0)
    with pytest.raises(TypeError, match="dicionário ou uma lista"):
        global_norm(np.ones(3))
