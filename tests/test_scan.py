"""rnncourse.scan: laço, varredura de Hillis e Steele e forma em log dão a mesma recorrência,
em float64 (apertado) e float32 (tolerância declarada), com gradientes iguais aos do laço."""

from __future__ import annotations

import math

import pytest
import torch

from rnncourse.scan import (
    MinGRU,
    hillis_steele_edges,
    linear_recurrence_log,
    linear_recurrence_loop,
    linear_recurrence_scan,
)

SHAPES = [(1, 1, 1), (2, 5, 3), (3, 16, 4), (2, 37, 5)]
IDS = [f"B{b}-T{t}-H{h}" for b, t, h in SHAPES]


def _inputs(shape, dtype, seed=0):
    g = torch.Generator().manual_seed(seed)
    B, T, H = shape
    a = torch.rand(B, T, H, generator=g, dtype=dtype) * 0.98 + 0.01  # a em (0, 1)
    b = torch.randn(B, T, H, generator=g, dtype=dtype)
    h0 = torch.randn(B, H, generator=g, dtype=dtype)
    return a, b, h0


def _naive(a, b, h0):
    # referência escrita à parte: laço com índices, sem nada do módulo
    h, out = h0.clone(), []
    for t in range(a.shape[1]):
        h = a[:, t] * h + b[:, t]
        out.append(h)
    return torch.stack(out, 1)


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_loop_and_scan_match_naive_float64(shape):
    a, b, h0 = _inputs(shape, torch.float64)
    want = _naive(a, b, h0)
    torch.testing.assert_close(linear_recurrence_loop(a, b, h0), want, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(linear_recurrence_scan(a, b, h0), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_log_form_matches_loop_for_positive_b(shape):
    a, b, h0 = _inputs(shape, torch.float64)
    b, h0 = b.abs() + 0.01, h0.abs() + 0.01
    got = linear_recurrence_log(a.log(), b.log(), h0.log())
    torch.testing.assert_close(got, _naive(a, b, h0), rtol=1e-11, atol=1e-12)


def test_float32_within_stated_tolerance():
    # T = 1024: a varredura e a forma em log somam em outra ordem; em float32 a diferença
    # relativa fica abaixo de 1e-4 (medido: ~1e-6)
    a, b, h0 = _inputs((4, 1024, 8), torch.float32, seed=1)
    want = _naive(a.double(), b.double(), h0.double()).float()
    torch.testing.assert_close(linear_recurrence_scan(a, b, h0), want, rtol=1e-4, atol=1e-5)
    bp, h0p = b.abs() + 0.01, h0.abs() + 0.01
    want = _naive(a.double(), bp.double(), h0p.double()).float()
    got = linear_recurrence_log(a.log(), bp.log(), h0p.log())
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-5)


def test_log_form_survives_a_product_that_underflows():
    # produto dos a ~ 0,5^2000 < menor float64: a forma em log segue finita e correta
    T = 2000
    a = torch.full((1, T, 1), 0.5, dtype=torch.float64)
    b = torch.full((1, T, 1), 1e-3, dtype=torch.float64)
    h0 = torch.ones(1, 1, dtype=torch.float64)
    got = linear_recurrence_log(a.log(), b.log(), h0.log())
    assert torch.isfinite(got).all()
    torch.testing.assert_close(got, _naive(a, b, h0), rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("fn", ["scan", "log"])
def test_gradients_match_loop(fn):
    a, b, h0 = _inputs((2, 13, 3), torch.float64, seed=2)
    b, h0 = b.abs() + 0.1, h0.abs() + 0.1
    w = torch.randn(2, 13, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    leaves = [t.clone().requires_grad_() for t in (a, b, h0)]
    (linear_recurrence_loop(*leaves) * w).sum().backward()
    want = [t.grad for t in leaves]
    leaves2 = [t.clone().requires_grad_() for t in (a, b, h0)]
    if fn == "scan":
        out = linear_recurrence_scan(*leaves2)
    else:
        out = linear_recurrence_log(*(t.log() for t in leaves2))
    (out * w).sum().backward()
    for got, exp in zip((t.grad for t in leaves2), want, strict=True):
        torch.testing.assert_close(got, exp, rtol=1e-10, atol=1e-12)


def test_mingru_modes_agree_and_match_the_equations():
    torch.manual_seed(0)
    layer = MinGRU(3, 4).double()
    X = torch.randn(2, 9, 3, dtype=torch.float64)
    outs = {m: layer(X, mode=m) for m in ("loop", "scan", "log")}
    torch.testing.assert_close(outs["scan"], outs["loop"], rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(outs["log"], outs["loop"], rtol=1e-10, atol=1e-12)
    # as equações, passo a passo, com os pesos da camada
    W, bias = layer.linear.weight, layer.linear.bias
    h = torch.full((2, 4), 0.5, dtype=torch.float64)
    for t in range(9):
        pre = X[:, t] @ W.T + bias
        z, v = torch.sigmoid(pre[:, :4]), pre[:, 4:]
        cand = torch.where(v >= 0, v + 0.5, torch.sigmoid(v))
        h = (1 - z) * h + z * cand
        torch.testing.assert_close(outs["loop"][:, t], h, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="mode"):
        layer(X, mode="paralelo")


@pytest.mark.parametrize("T", [1, 2, 5, 8, 9])
def test_hillis_steele_edges(T):
    levels = hillis_steele_edges(T)
    assert len(levels) == (math.ceil(math.log2(T)) if T > 1 else 0)
    # seguir as ligações dá a cada posição t o resumo de 0..t, cada passo contado uma vez
    cover = [{t} for t in range(T)]
    for edges in levels:
        new = [set(c) for c in cover]
        for src, dst in edges:
            assert not cover[src] & cover[dst]
            new[dst] |= cover[src]
        cover = new
    assert cover == [set(range(t + 1)) for t in range(T)]


def test_bad_shapes_raise():
    a, b, h0 = _inputs((2, 5, 3), torch.float64)
    with pytest.raises(ValueError, match="mesma forma"):
        linear_recurrence_scan(a, b[:, :4], h0)
    with pytest.raises(ValueError, match="h0"):
        linear_recurrence_loop(a, b, h0[:1])
    with pytest.raises(ValueError, match="inteiro"):
        hillis_steele_edges(0)
