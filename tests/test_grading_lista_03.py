"""Lista 3 (BPTT da RNN com ReLU): a solução da fonte ganha tudo, o esboço ganha zero, os
erros típicos (pelo menos dois por questão) são recusados com a dica pensada para eles, as
referências do banco (a RNN com ReLU) conferem com o autograd do PyTorch e as funções do
capítulo 3 e do pacote (a BPTT com tanh, o erro relativo do tensor inteiro) não ganham pontos.

As soluções vêm da fonte (``exercises/sources/lista_03_fonte.ipynb``), executada num
dicionário como nos testes das listas 1 e 2; os erros típicos são variações pequenas delas.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from test_grading_lists import _check, solutions_of

import rnncourse
from rnncourse.grading import abrir_lista
from rnncourse.grading import lista_03 as bank

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def solutions() -> dict:
    return solutions_of("lista_03")


@pytest.fixture(scope="module")
def lista():
    return abrir_lista(3)


def test_relu_references_match_torch_autograd():
    """O passo e a BPTT de referência da RNN com ReLU são os do nn.RNN(nonlinearity="relu")."""
    B, T, D, H = 3, 6, 4, 5
    torch.manual_seed(0)
    rnn = torch.nn.RNN(D, H, nonlinearity="relu", batch_first=True).double()
    params = {k[:-3]: v.detach().numpy().copy() for k, v in rnn.named_parameters()}
    X = torch.randn(B, T, D, dtype=torch.float64, requires_grad=True)
    h0 = torch.rand(1, B, H, dtype=torch.float64, requires_grad=True)
    G = torch.randn(B, T, H, dtype=torch.float64)
    states, _ = rnn(X, h0)
    (states * G).sum().backward()
    H_ref, caches = bank._ref_forward(X.detach().numpy(), h0[0].detach().numpy(), params)
    np.testing.assert_allclose(H_ref, states.detach().numpy(), rtol=1e-12, atol=1e-14)
    assert 0.1 < float((H_ref == 0).mean()) < 0.9  # a ReLU desliga parte das unidades
    dX, dh0, grads = bank._ref_backward(G.numpy(), caches)
    np.testing.assert_allclose(dX, X.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dh0, h0.grad[0].numpy(), rtol=1e-10, atol=1e-12)
    for name, param in rnn.named_parameters():
        np.testing.assert_allclose(grads[name[:-3]], param.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("qid", "fn"),
    [
        ("q2", rnncourse.rnn_cell_backward),
        ("q3", rnncourse.rnn_backward),
    ],
    ids=["passo-tanh", "bptt-tanh"],
)
def test_the_tanh_backward_of_chapter_and_package_earns_nothing(lista, qid, fn):
    report = _check(lista, qid, fn, "tanh")
    assert report.points == 0, report.as_text()


def test_the_elementwise_check_of_the_chapter_earns_nothing(lista):
    """O gradiente numérico elemento a elemento (pacote) com o erro por elemento do capítulo."""

    def chapter_style(f, x, grad, directions, eps):
        work = x.copy()
        num = rnncourse.numerical_gradient(lambda: f(work), work, eps)  # 2n avaliações de f
        return num, float(np.max(np.abs(grad - num) / np.maximum(abs(grad), abs(num))))

    report = _check(lista, "q4", chapter_style, "direção")
    assert report.points == 0, report.as_text()


# ---------------------------------------------------------------------- q1
def _softmax_ce(*, mean=False, minus_y=True, sign=1.0, stable=True, zero_ignored=True):
    def softmax_cross_entropy(logits, targets):
        rows = np.flatnonzero(targets != -100)
        t = targets[rows]
        z = logits - logits.max(axis=1, keepdims=True)
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        if stable:
            loss = -(z - np.log(np.exp(z).sum(axis=1, keepdims=True)))[rows, t].sum()
        else:
            with np.errstate(divide="ignore"):
                loss = -np.log(p[rows, t]).sum()
        y = np.zeros_like(p)
        y[rows, t] = 1.0
        d = sign * (p - y) if minus_y else p
        if zero_ignored:
            keep = np.zeros((len(targets), 1))
            keep[rows] = 1.0
            d = d * keep
        n = max(len(rows), 1) if mean else 1
        return float(loss) / n, d / n

    return softmax_cross_entropy


def test_q1_softmax_cross_entropy_wrong_answers(lista):
    _check(lista, "q1", _softmax_ce(mean=True), "Você tirou a média no lote")
    _check(lista, "q1", _softmax_ce(minus_y=False), "Faltou subtrair o one-hot")
    _check(lista, "q1", _softmax_ce(sign=-1.0), "O sinal está trocado")
    report = _check(lista, "q1", _softmax_ce(stable=False), "escala logarítmica")
    assert [r.passed for r in report.results] == [True, True, True, False, True]
    report = _check(lista, "q1", _softmax_ce(zero_ignored=False), "gradiente delas é ZERO")
    assert report.results[0].passed and not report.results[1].passed

    def ignore_as_index(logits, targets):  # o −100 usado como índice de coluna
        z = logits - logits.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        rows = np.arange(len(targets))
        d = np.exp(logp)
        d[rows, targets] -= 1.0
        return float(-logp[rows, targets].sum()), d

    report = _check(lista, "q1", ignore_as_index, "exceção")
    assert report.results[0].passed and report.points < 1


# ---------------------------------------------------------------------- q2
def _cell_backward(
    *, deriv="relu", hh_input="h_prev", transpose_dh_prev=False, bias="sum", dx_t=False
):
    def rnn_cell_backward(dh, cache):
        x, h_prev, h, p = cache
        da = {"relu": dh * (h > 0), "none": dh, "ge": dh * (h >= 0), "tanh": dh * (1 - h**2)}[deriv]
        src = h if hh_input == "h" else h_prev
        db = da.mean(axis=0) if bias == "mean" else da.sum(axis=0)
        grads = {"weight_ih": da.T @ x, "weight_hh": da.T @ src, "bias_ih": db, "bias_hh": db}
        dx = p["weight_ih"].T @ da.T if dx_t else da @ p["weight_ih"]  # (D, B) se dx_t
        dh_prev = da @ p["weight_hh"].T if transpose_dh_prev else da @ p["weight_hh"]
        return dx, dh_prev, grads

    return rnn_cell_backward


def _failed(report) -> list[str]:
    return [r.description for r in report.results if not r.passed]


def test_q2_cell_backward_wrong_answers_point_at_the_wrong_gradient(lista):
    report = _check(lista, "q2", _cell_backward(hh_input="h"), "no lugar de h_prev")
    # só o caso que isola dW_hh (e o que confere tudo) falha; com as unidades desligadas, zero
    assert _failed(report) == [
        "só dW_hh (grads['weight_hh'])",
        "tudo junto, com outras dimensões (B = 2, D = 6, H = 3)",
    ]
    report = _check(lista, "q2", _cell_backward(transpose_dh_prev=True), "sem transpor")
    assert [r.passed for r in report.results[:5]] == [True, True, True, True, False]
    report = _check(lista, "q2", _cell_backward(deriv="none"), "Faltou a derivada da ReLU")
    assert report.points == 0  # todos os gradientes partem de da: todos erram
    report = _check(lista, "q2", _cell_backward(deriv="ge"), "a máscara precisa ser h > 0")
    assert report.points == 0
    report = _check(lista, "q2", _cell_backward(deriv="tanh"), "1 − h² é a derivada da tanh")
    assert report.points == 0
    _check(lista, "q2", _cell_backward(bias="mean"), "SOMA de da sobre o lote")
    _check(lista, "q2", _cell_backward(dx_t=True), "dx tem a forma de x")
    report = _check(lista, "q2", lambda dh, cache: _cell_backward()(dh, cache)[:2], "(dx, dh_prev")
    assert report.points == 0


# ---------------------------------------------------------------------- q3
def _bptt(cell, *, carry=True, accumulate="sum", forward=False, axis=1):
    def rnn_backward(dH, cache):
        T = dH.shape[1]
        dX, grads, dh_next = [None] * T, None, np.zeros_like(dH[:, 0])
        for t in range(T) if forward else reversed(range(T)):
            dx, dh_prev, step = cell(dH[:, t] + (dh_next if carry else 0.0), cache[t])
            dh_next = dh_prev
            dX[t] = dx
            if grads is None or accumulate == "overwrite":
                grads = dict(step)
            else:
                grads = {k: grads[k] + step[k] for k in grads}
        if accumulate == "mean":
            grads = {k: v / T for k, v in grads.items()}
        return np.stack(dX, axis=axis), dh_next, grads

    return rnn_backward


def test_q3_rnn_backward_wrong_answers(lista, solutions):
    cell = solutions["relu_rnn_cell_backward"]
    report = _check(lista, "q3", _bptt(cell, carry=False), "não foi somado")
    assert report.results[0].passed and not report.results[1].passed  # T = 1 passa; só o fim não
    _check(lista, "q3", _bptt(cell, accumulate="overwrite"), "foram sobrescritos")
    _check(lista, "q3", _bptt(cell, accumulate="mean"), "dividiu os gradientes dos pesos por T")
    _check(lista, "q3", _bptt(cell, forward=True), "de trás para a frente")
    _check(lista, "q3", _bptt(cell, axis=0), "dX tem a forma de X")
    report = _check(lista, "q3", _bptt(rnncourse.rnn_cell_backward), "RNN com tanh")
    assert report.points == 0


# ---------------------------------------------------------------------- q4
def _directional(*, kind="central", fixed_eps=None, error="max", unit=False, full=False):
    def directional_check(f, x, grad, directions, eps=1e-6):
        eps = fixed_eps or eps
        num = []
        base = f(x) if kind == "forward" else None
        for v in directions:
            if unit:
                v = v / max(np.linalg.norm(v), 1e-300)
            if kind == "forward":
                num.append((f(x + eps * v) - base) / eps)
            else:
                two = 1 if kind == "no_two" else 2
                num.append((f(x + eps * v) - f(x - eps * v)) / (two * eps))
        num = np.array(num)
        if full:  # o gradiente numérico inteiro, elemento a elemento, e depois ⟨g̃, v⟩
            g_num = np.zeros_like(x)
            for idx in np.ndindex(x.shape):
                xp, xm = x.copy(), x.copy()
                xp[idx] += eps
                xm[idx] -= eps
                g_num[idx] = (f(xp) - f(xm)) / (2 * eps)
            num = np.array([np.sum(g_num * v) for v in directions])
        a = np.array([np.sum(grad * v) for v in directions])
        diff, den = np.abs(a - num), np.abs(a) + np.abs(num)
        with np.errstate(invalid="ignore", divide="ignore"):
            if error == "norm":
                total = np.linalg.norm(a) + np.linalg.norm(num)
                return num, float(np.linalg.norm(a - num) / total) if total > 0 else 0.0
            if error == "nan":
                return num, float(np.max(diff / den))
            if error == "max_den":
                big = np.maximum(np.abs(a), np.abs(num))
                return num, float(np.max(np.where(big > 0, diff / big, 0.0)))
            if error == "mean":
                return num, float(np.mean(np.where(den > 0, diff / den, 0.0)))
            return num, float(np.max(np.where(den > 0, diff / den, 0.0)))

    return directional_check


def test_q4_directional_check_wrong_answers(lista):
    report = _check(lista, "q4", _directional(kind="forward"), "diferença para a frente")
    assert not report.results[1].passed  # o caso com eps = 10⁻³ denuncia o erro de ordem ε
    _check(lista, "q4", _directional(kind="no_two"), "Faltou o 2 do denominador")
    report = _check(lista, "q4", _directional(fixed_eps=1e-6), "Use o eps recebido")
    assert [r.passed for r in report.results] == [True, False, True, True, True, True]
    _check(lista, "q4", _directional(unit=True), "Não normalize as direções")
    _check(lista, "q4", _directional(error="norm"), "só para o vetor das K derivadas")
    _check(lista, "q4", _directional(error="max_den"), "não o maior dos dois")
    _check(lista, "q4", _directional(error="mean"), "tirou a média")
    report = _check(lista, "q4", _directional(error="nan"), "não divida por zero")
    assert [r.passed for r in report.results].count(False) == 1  # só o caso da direção nula
    report = _check(lista, "q4", _directional(full=True), "mais de 5 vezes")
    assert not report.results[3].passed  # x de forma (6, 8): 96 avaliações em vez de 4

    def analytic(f, x, grad, directions, eps):
        a = np.array([np.sum(grad * v) for v in directions])
        return a, 0.0

    _check(lista, "q4", analytic, "derivada ANALÍTICA")


# ---------------------------------------------------------------------- q5
def _truncated(cell, cut):
    def rnn_backward_truncated(dH, cache, k):
        T = dH.shape[1]
        dX, grads, dh_next = [None] * T, None, np.zeros_like(dH[:, 0])
        for t in reversed(range(T)):
            dx, dh_prev, step = cell(dH[:, t] + dh_next, cache[t])
            dX[t] = dx
            grads = step if grads is None else {key: grads[key] + step[key] for key in grads}
            dh_next = np.zeros_like(dh_prev) if cut(t, k, T) else dh_prev
        return np.stack(dX, axis=1), grads

    return rnn_backward_truncated


def test_q5_truncated_bptt_wrong_answers(lista, solutions):
    cell = solutions["relu_rnn_cell_backward"]
    report = _check(
        lista, "q5", _truncated(cell, lambda t, k, T: False), "atravessou as fronteiras"
    )
    assert report.results[0].passed  # k > T: a BPTT completa é a resposta certa
    _check(lista, "q5", _truncated(cell, lambda t, k, T: (t + 1) % k == 0), "deslocada de um passo")
    _check(lista, "q5", _truncated(cell, lambda t, k, T: (T - t) % k == 0), "a partir do fim")
    _check(lista, "q5", _truncated(cell, lambda t, k, T: True), "em todo passo")

    def windowed(dH, cache, k):  # TBPTT(1, k): cada perda volta k passos
        T = dH.shape[1]
        dX = np.zeros((dH.shape[0], T, cache[0][0].shape[1]))
        grads = {key: np.zeros_like(v) for key, v in cache[0][3].items()}
        for t in range(T):
            d = dH[:, t]
            for s in range(t, max(t - k, -1), -1):
                dx, d, step = cell(d, cache[s])
                dX[:, s] += dx
                grads = {key: grads[key] + step[key] for key in grads}
        return dX, grads

    _check(lista, "q5", windowed, "TBPTT(1, k)")
    tanh = _truncated(rnncourse.rnn_cell_backward, lambda t, k, T: t % k == 0)
    report = _check(lista, "q5", tanh, "RNN com tanh")
    assert report.points == 0


def test_batch_warnings_flag_the_references_of_lists_3_to_5():
    from rnncourse.grading.batch import scan_warnings

    flagged = "usa uma implementação de referência do pacote rnncourse"
    for code in (
        "from rnncourse import rnn_cell_backward",
        "from rnncourse.rnn_numpy import rnn_backward",
        "g = rnncourse.gradcheck.numerical_gradient(f, x)",
        "out = rnncourse.clip_by_norm(grads, 1.0)",
        "from rnncourse import orthogonal_matrix, lstm_cell_forward",
        "h, _ = rnncourse.gru_numpy.gru_cell_forward(x, h, p)",
    ):
        assert scan_warnings(code) == [flagged], code
    # a própria resposta, com os mesmos nomes, não gera aviso
    assert scan_warnings("def rnn_backward(dH, cache):\n    return rnn_cell_backward(dH, c)") == []
