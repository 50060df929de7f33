"""Lista 3 (BPTT): a solução da fonte ganha tudo, o esboço ganha zero e os erros típicos
(pelo menos dois por questão) são recusados com a dica pensada para eles.

As soluções vêm da fonte (``exercises/sources/lista_03_fonte.ipynb``), executada num
dicionário como nos testes das listas 1 e 2; os erros típicos são variações pequenas delas.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_grading_lists import _check, _namespace

from rnncourse.grading import abrir_lista

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def solutions() -> dict:
    return _namespace(ROOT / "exercises" / "sources" / "lista_03_fonte.ipynb")


@pytest.fixture(scope="module")
def lista():
    return abrir_lista(3)


def test_solutions_get_full_marks_including_instructor_tests(solutions):
    lista = solutions["lista"]  # a célula de instrutor da fonte já acrescentou os casos ocultos
    assert all(lista._hidden[qid] for qid in lista.questions), "toda questão tem teste oculto"
    for report in lista.grade_namespace(solutions):
        assert report.points == report.max_points, report.as_text()
        assert report.status == "completa"
    assert lista.resumo().total == lista.max_total == 10


# ---------------------------------------------------------------------- q1
def _softmax_ce(*, mean=False, minus_y=True, sign=1.0, stable=True):
    def softmax_cross_entropy(logits, targets):
        rows = np.arange(len(targets))
        z = logits - logits.max(axis=1, keepdims=True)
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        if stable:
            loss = -(z - np.log(np.exp(z).sum(axis=1, keepdims=True)))[rows, targets].sum()
        else:
            with np.errstate(divide="ignore"):
                loss = -np.log(p[rows, targets]).sum()
        y = np.zeros_like(p)
        y[rows, targets] = 1.0
        d = sign * (p - y) if minus_y else p
        n = len(targets) if mean else 1
        return float(loss) / n, d / n

    return softmax_cross_entropy


def test_q1_softmax_cross_entropy_wrong_answers(lista):
    _check(lista, "q1", _softmax_ce(mean=True), "Você tirou a média no lote")
    _check(lista, "q1", _softmax_ce(minus_y=False), "Faltou subtrair o one-hot")
    _check(lista, "q1", _softmax_ce(sign=-1.0), "O sinal está trocado")
    report = _check(lista, "q1", _softmax_ce(stable=False), "escala logarítmica")
    assert [r.passed for r in report.results] == [True, True, True, False]


# ---------------------------------------------------------------------- q2
def _cell_backward(
    *, deriv=True, hh_input="h_prev", transpose_dh_prev=False, bias="sum", dx_t=False
):
    def rnn_cell_backward(dh, cache):
        x, h_prev, h, p = cache
        da = dh * (1.0 - h**2) if deriv else dh
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
    # só o caso que isola dW_hh (e o que confere tudo) falha; com a tanh saturada tudo é zero
    assert _failed(report) == [
        "só dW_hh (grads['weight_hh'])",
        "tudo junto, com outras dimensões (B = 2, D = 6, H = 3)",
    ]
    report = _check(lista, "q2", _cell_backward(transpose_dh_prev=True), "sem transpor")
    assert [r.passed for r in report.results[:5]] == [True, True, True, True, False]
    report = _check(lista, "q2", _cell_backward(deriv=False), "Faltou a derivada da tanh")
    assert report.points == 0  # todos os gradientes partem de da: todos erram
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
    cell = solutions["rnn_cell_backward"]
    report = _check(lista, "q3", _bptt(cell, carry=False), "não foi somado")
    assert report.results[0].passed and not report.results[1].passed  # T = 1 passa; só o fim não
    _check(lista, "q3", _bptt(cell, accumulate="overwrite"), "foram sobrescritos")
    _check(lista, "q3", _bptt(cell, accumulate="mean"), "dividiu os gradientes dos pesos por T")
    _check(lista, "q3", _bptt(cell, forward=True), "de trás para a frente")
    _check(lista, "q3", _bptt(cell, axis=0), "dX tem a forma de X")


# ---------------------------------------------------------------------- q4
def _gradient_check(*, forward=False, two=True, fixed_eps=None, denominator="both", restore=True):
    def gradient_check(f, x, grad, eps=1e-6):
        eps = fixed_eps or eps
        num = np.zeros_like(x)
        base = f(x.copy())
        for idx in np.ndindex(x.shape):
            if not restore:  # perturba x no lugar e não o devolve ao que era
                x[idx] += eps
                num[idx] = (f(x) - base) / eps
                continue
            xp, xm = x.copy(), x.copy()
            xp[idx] += eps
            xm[idx] -= eps
            if forward:
                num[idx] = (f(xp) - base) / eps
            else:
                num[idx] = (f(xp) - f(xm)) / ((2 if two else 1) * eps)
        diff = np.linalg.norm(grad - num)
        with np.errstate(invalid="ignore", divide="ignore"):
            if denominator == "numeric":
                return num, float(diff / np.linalg.norm(num))
            total = np.linalg.norm(grad) + np.linalg.norm(num)
            return num, float(diff / total) if total > 0 else 0.0

    return gradient_check


def test_q4_gradient_check_wrong_answers(lista):
    report = _check(lista, "q4", _gradient_check(forward=True), "diferença para a frente")
    assert not report.results[1].passed  # o caso com eps = 10⁻³ denuncia o erro de ordem ε
    _check(lista, "q4", _gradient_check(two=False), "Faltou o 2 do denominador")
    report = _check(lista, "q4", _gradient_check(fixed_eps=1e-6), "Use o eps recebido")
    assert [r.passed for r in report.results] == [True, False, True, True, True]
    report = _check(lista, "q4", _gradient_check(denominator="numeric"), "soma das DUAS normas")
    assert "não divida por zero" in report.as_text()  # f constante: 0/0
    report = _check(lista, "q4", _gradient_check(restore=False), "alterou a entrada x")
    assert report.points == 0


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
    cell = solutions["rnn_cell_backward"]
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
