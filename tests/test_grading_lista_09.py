"""Lista 9 (recorrências lineares, varreduras, máscara causal, fluxo contínuo): a solução da
fonte ganha tudo, o esboço ganha zero, os erros típicos são recusados com a dica pensada para
eles e as funções públicas do pacote (e as do capítulo 9) não ganham os pontos de nenhuma questão.

As soluções vêm da fonte (``exercises/sources/lista_09_fonte.ipynb``), executada num dicionário
como nos testes das outras listas; os erros típicos são variações pequenas delas.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pytest
from test_grading_lists import _check, solutions_of

import rnncourse
from rnncourse.grading import abrir_lista
from rnncourse.grading.core import grade_question
from rnncourse.grading.lista_09 import _log_recurrence

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def solutions() -> dict:
    return solutions_of("lista_09")


@pytest.fixture(scope="module")
def lista():
    return abrir_lista(9)


# ---------------------------------------------------------------------- q1
def _reverse(direction="reverse", exclusive=False, no_end=False):
    def reverse_affine_scan(a, b, g_end):
        T = len(b)
        g = np.zeros_like(g_end) if no_end else g_end
        out = np.empty_like(b)
        order = range(T - 1, -1, -1) if direction == "reverse" else range(T)
        for t in order:
            before = g
            g = a[t] * g + b[t]
            out[t] = before if exclusive else g
        return out

    return reverse_affine_scan


def test_q1_reverse_scan_wrong_answers(lista, solutions):
    _check(lista, "q1", _reverse(direction="forward"), "de frente para trás")
    _check(lista, "q1", _reverse(exclusive=True), "EXCLUSIVA")
    _check(lista, "q1", _reverse(no_end=True), "Faltou o estado final")

    def wrong_order(a, b, g_end):
        A, B = a.copy(), b.copy()
        T, s = len(b), 1
        while s < T:
            A2, B2 = A.copy(), B.copy()
            A2[:-s] = A[:-s] * A[s:]
            B2[:-s] = B[s:] + A[s:] * B[:-s]
            A, B, s = A2, B2, 2 * s
        return A * g_end + B

    _check(lista, "q1", wrong_order, "ordem errada")

    def loop(a, b, g_end):  # um laço correto também passa (a verificação confere valores)
        return _reverse()(a, b, g_end)

    assert grade_question(lista.questions["q1"], loop).points == 3


# ---------------------------------------------------------------------- q2
def _log_answer(**kw):
    def log_space_recurrence(log_a, b, h0):
        return _log_recurrence(log_a, b, h0, **kw)

    return log_space_recurrence


def test_q2_log_space_wrong_answers(lista):
    _check(lista, "q2", _log_answer(ignore_sign=True), "somou os módulos")
    _check(lista, "q2", _log_answer(shift=True), "deslocada de um passo")
    _check(lista, "q2", _log_answer(flip=True), "Sinal trocado no expoente")
    _check(lista, "q2", _log_answer(no_h0=True), "Faltou o estado inicial")

    def loop(log_a, b, h0):  # o laço direto: certo nos casos curtos, estoura no longo
        h, out = h0, np.empty_like(b)
        with np.errstate(over="ignore", invalid="ignore"):
            for t in range(len(b)):
                h = np.exp(log_a[t]) * h + b[t]
                out[t] = h
            return np.log(np.abs(out)), np.sign(out)

    report = _check(lista, "q2", loop, "passam do maior float64")
    assert report.results[0].passed and report.results[1].passed
    assert not report.results[2].passed


def test_q2_reference_matches_a_plain_loop_where_the_loop_is_finite():
    rng = np.random.default_rng(0)
    log_a, b = rng.uniform(-0.7, 0.2, (60, 3)), rng.normal(size=(60, 3))
    b[::4] = 0.0
    h0 = np.array([-1.5, 0.3, 2.0])
    h, out = h0, np.empty_like(b)
    for t in range(60):
        h = np.exp(log_a[t]) * h + b[t]
        out[t] = h
    log_abs, sign = _log_recurrence(log_a, b, h0)
    np.testing.assert_allclose(sign * np.exp(log_abs), out, rtol=1e-11, atol=1e-12)


# ---------------------------------------------------------------------- q3
def _mask(extra=0, invert=False, symmetric=False, transpose=False):
    def sliding_window_mask(T, window):
        i, j = np.arange(T)[:, None], np.arange(T)[None, :]
        if transpose:
            i, j = j, i
        d = i - j
        ok = (np.abs(d) < window + extra) if symmetric else (d >= 0) & (d < window + extra)
        return ok if invert else ~ok

    return sliding_window_mask


def test_q3_mask_wrong_answers(lista):
    _check(lista, "q3", _mask(invert=True), "convenção está invertida")
    _check(lista, "q3", _mask(extra=1), "um passo maior")
    _check(lista, "q3", _mask(extra=-1), "um passo menor")
    _check(lista, "q3", _mask(symmetric=True), "deixa ver o futuro")
    _check(lista, "q3", _mask(transpose=True), "transposta")

    def as_float(T, window):
        return _mask()(T, window).astype(np.float64)

    _check(lista, "q3", as_float, "booleana")


# ---------------------------------------------------------------------- q4
def _mingru_answer(swap_z=False, zero_h=False, tanh=False, halves=False):
    def mingru_stream(X_chunk, h_prev, params):
        H = h_prev.shape[0]
        pre = X_chunk @ params["weight"].T + params["bias"]
        k, v = (pre[:, H:], pre[:, :H]) if halves else (pre[:, :H], pre[:, H:])
        z = 1 / (1 + np.exp(-k))
        cand = np.tanh(v) if tanh else v
        h = np.zeros(H) if zero_h else h_prev
        out = []
        for t in range(len(X_chunk)):
            h = z[t] * h + (1 - z[t]) * cand[t] if swap_z else (1 - z[t]) * h + z[t] * cand[t]
            out.append(h)
        return np.array(out), h

    return mingru_stream


def test_q4_mingru_wrong_answers(lista):
    _check(lista, "q4", _mingru_answer(swap_z=True), "z e 1 − z estão trocados")
    _check(lista, "q4", _mingru_answer(zero_h=True), "ignorou h_prev")
    _check(lista, "q4", _mingru_answer(tanh=True), "sem tanh")
    _check(lista, "q4", _mingru_answer(halves=True), "metades da camada")

    def only_states(X_chunk, h_prev, params):
        return _mingru_answer()(X_chunk, h_prev, params)[0]

    _check(lista, "q4", only_states, "não só um array")


def test_chunked_stream_equals_one_pass(solutions):
    # o que a questão 4 ensina: dois blocos seguidos dão o mesmo que a sequência inteira
    rng = np.random.default_rng(1)
    X, h0 = rng.normal(size=(10, 3)), rng.normal(size=4)
    p = {"weight": rng.normal(size=(8, 3)), "bias": rng.normal(size=8)}
    f = solutions["mingru_stream"]
    whole, _ = f(X, h0, p)
    first, h_mid = f(X[:6], h0, p)
    second, _ = f(X[6:], h_mid, p)
    np.testing.assert_allclose(np.concatenate([first, second]), whole, rtol=1e-13)


# ---------------------------------------------------------------------- o pacote não responde
def _public_functions():
    from rnncourse import scan

    names = set()
    for module in (rnncourse, scan):
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj) and name not in {"fit", "sample"}:
                names.add((module.__name__, name))
    return sorted(names)


def test_public_package_functions_do_not_answer_any_question(lista):
    for qid, question in lista.questions.items():
        for module_name, name in _public_functions():
            fn = getattr(__import__(module_name, fromlist=[name]), name)
            report = grade_question(question, fn)
            assert report.points == 0, f"{module_name}.{name} ganhou pontos em {qid}"


def test_package_scan_adapted_to_numpy_does_not_answer_q1_or_q4(lista):
    """A varredura do capítulo (sentido direto) e a MinGRU do pacote (com g) não valem pontos."""
    import torch

    from rnncourse.scan import MinGRU, linear_recurrence_scan

    def q1(a, b, g_end):  # a varredura do pacote, no sentido do tempo
        t = [torch.from_numpy(x)[None] for x in (a, b)]
        return linear_recurrence_scan(*t, torch.from_numpy(g_end)[None])[0].numpy()

    def q4(X_chunk, h_prev, params):  # a camada do pacote, com os pesos da questão
        H = h_prev.shape[0]
        layer = MinGRU(X_chunk.shape[1], H).double()
        with torch.no_grad():
            layer.linear.weight.copy_(torch.from_numpy(params["weight"]))
            layer.linear.bias.copy_(torch.from_numpy(params["bias"]))
            out = layer(torch.from_numpy(X_chunk)[None], torch.from_numpy(h_prev)[None])
        return out[0].numpy(), out[0, -1].numpy()

    report = grade_question(lista.questions["q1"], q1)
    assert report.points <= 1, report.as_text()  # só o caso T = 1, em que os sentidos coincidem
    assert report.results[0].passed and not any(r.passed for r in report.results[1:])
    report = grade_question(lista.questions["q4"], q4)
    assert report.points == 0, report.as_text()
