"""Lista 5 (LSTM e GRU): a solução da fonte ganha tudo, o esboço ganha zero e os erros típicos
(pelo menos dois por questão) são recusados com a dica pensada para eles.

As soluções vêm da fonte (``exercises/sources/lista_05_fonte.ipynb``), executada num
dicionário como nos testes das listas 1 e 2; os erros típicos são variações pequenas delas.
A questão 5 treina um modelo: só um teste roda esse treino com uma resposta errada.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch
from test_grading_lists import _check, _namespace
from torch import nn

from rnncourse.grading import abrir_lista
from rnncourse.grading.lista_05 import (
    ACCURACY_BOUND,
    BATCH,
    LR,
    MEMORY_T,
    TRAIN_STEPS,
    _gru,
    _lstm,
    memory_task,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def solutions() -> dict:
    return _namespace(ROOT / "exercises" / "sources" / "lista_05_fonte.ipynb")


@pytest.fixture(scope="module")
def lista():
    return abrir_lista(5)


def test_solutions_get_full_marks_including_instructor_tests(solutions):
    lista = solutions["lista"]  # a célula de instrutor da fonte já acrescentou os casos ocultos
    assert all(lista._hidden[qid] for qid in lista.questions), "toda questão tem teste oculto"
    for report in lista.grade_namespace(solutions):
        assert report.points == report.max_points, report.as_text()
        assert report.status == "completa"
    assert lista.resumo().total == lista.max_total == 10


def test_the_wrong_variants_used_for_hints_differ_from_the_reference():
    """As variantes erradas do banco (usadas nas dicas) reproduzem a certa quando devem."""
    from rnncourse import gru_cell_forward, lstm_cell_forward

    rng = np.random.default_rng(0)
    x, h, c = rng.normal(size=(2, 3)), rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    p4 = {k: rng.normal(size=s) for k, s in [("weight_ih", (16, 3)), ("weight_hh", (16, 4))]}
    p4 |= {"bias_ih": rng.normal(size=16), "bias_hh": rng.normal(size=16)}
    h_ref, c_ref, _ = lstm_cell_forward(x, h, c, p4)
    np.testing.assert_allclose(_lstm(x, h, c, p4), (h_ref, c_ref), rtol=1e-12)
    assert not np.allclose(_lstm(x, h, c, p4, order="ifog")[0], h_ref)
    p3 = {k: v[:12] for k, v in p4.items()}
    np.testing.assert_allclose(_gru(x, h, p3), gru_cell_forward(x, h, p3)[0], rtol=1e-12)
    for variant in ("cho", "swap_z", "bias_out"):
        assert not np.allclose(_gru(x, h, p3, variant=variant), _gru(x, h, p3))


def test_statement_states_what_the_check_uses():
    nb = nbformat.read(ROOT / "exercises" / "lista_05.ipynb", as_version=4)
    text = " ".join(" ".join(c.source.split()) for c in nb.cells if c.cell_type == "markdown")
    for fact in (
        f"cada sequência tem {MEMORY_T} passos",
        f"por {TRAIN_STEPS} passos",
        f"lotes de {BATCH} sequências",
        f"taxa {LR:g}".replace(".", ","),
        f"precisa chegar a {ACCURACY_BOUND:g}".replace(".", ","),
    ):
        assert fact in text, fact


def test_memory_task_needs_the_first_step():
    X, y = memory_task(50, MEMORY_T, seed=0)
    assert X.shape == (50, MEMORY_T, 4) and X.dtype == torch.float32
    assert torch.equal(X[:, 0, :2].argmax(dim=1), y)  # o primeiro passo diz a classe
    assert torch.count_nonzero(X[:, 1:, :2]) == 0  # e depois os canais de classe somem
    assert 0.3 < float(y.float().mean()) < 0.7


# ---------------------------------------------------------------------- q1
def _lstm_answer(**kw):
    def lstm_cell_forward(x, h_prev, c_prev, params):
        with np.errstate(over="ignore"):
            h, c = _lstm(x, h_prev, c_prev, params, **kw)
        return h, c, None

    return lstm_cell_forward


def test_q1_lstm_cell_wrong_answers_point_at_the_wrong_gate(lista):
    report = _check(lista, "q1", _lstm_answer(order="ifog"), "Você usou (i, f, o, g)")
    report = _check(lista, "q1", _lstm_answer(order="figo"), "entrada e de esquecimento estão")
    report = _check(lista, "q1", _lstm_answer(c_mode="no_forget"), "Faltou o termo f ⊙ c_prev")
    assert report.results[0].passed  # com c_prev = 0 o termo esquecido não aparece
    report = _check(
        lista, "q1", _lstm_answer(g_act=lambda a: 1 / (1 + np.exp(-a))), "O candidato g usa tanh"
    )
    assert not report.results[1].passed  # candidato zerado: tanh(0) = 0, σ(0) = 0,5
    _check(lista, "q1", _lstm_answer(h_tanh=False), "h = o ⊙ tanh(c)")
    _check(lista, "q1", _lstm_answer(bhh=False), "bias_hh ficou de fora")


# ---------------------------------------------------------------------- q2
def _gru_answer(**kw):
    def gru_cell_forward(x, h_prev, params):
        with np.errstate(over="ignore"):
            return _gru(x, h_prev, params, **kw), None

    return gru_cell_forward


def test_q2_gru_cell_wrong_answers_name_the_variant(lista):
    report = _check(lista, "q2", _gru_answer(variant="cho"), "Cho et al. (2014)")
    assert report.results[1].passed  # com W_hn = 0 e b_hn = 0 as duas variantes coincidem
    assert "b_hn fica DENTRO" in report.as_text()  # com h_prev = 0, sobra só o lugar do viés
    _check(lista, "q2", _gru_answer(variant="swap_z"), "Chung et al., 2014")
    _check(lista, "q2", _gru_answer(variant="bias_out"), "b_hn fica DENTRO")
    _check(lista, "q2", _gru_answer(order="zrn"), "As portas r e z estão trocadas")
    _check(lista, "q2", _gru_answer(n_act=lambda a: 1 / (1 + np.exp(-a))), "O candidato n usa tanh")


# ---------------------------------------------------------------------- q3
def _seq(cell, *, carry_h=True, carry_c=True, last=False, swap=False, axis=1):
    def lstm_forward(X, h0, c0, params):
        h, c, hs, cs = h0, c0, [], []
        for t in range(X.shape[1]):
            h_new, c_new, _ = cell(X[:, t], h if carry_h else h0, c if carry_c else c0, params)
            h, c = h_new, c_new
            hs.append(h)
            cs.append(c)
        H, C = (h, c) if last else (np.stack(hs, axis=axis), np.stack(cs, axis=axis))
        return (C, H, None) if swap else (H, C, None)

    return lstm_forward


def test_q3_lstm_forward_wrong_answers(lista, solutions):
    cell = solutions["lstm_cell_forward"]
    report = _check(lista, "q3", _seq(cell, carry_c=False), "O estado da célula não passou")
    assert report.results[0].passed  # com T = 1 não há o que carregar
    _check(lista, "q3", _seq(cell, carry_h=False), "O estado oculto não passou")
    _check(lista, "q3", _seq(cell, swap=True), "H e C saíram trocados")
    _check(lista, "q3", _seq(cell, last=True), "Devolva todos os estados")
    _check(lista, "q3", _seq(cell, axis=0), "O eixo do tempo é o segundo")


# ---------------------------------------------------------------------- q4
def test_q4_param_count_wrong_answers(lista):
    G = {"rnn": 1, "lstm": 4, "gru": 3}

    def count(*, one_bias=False, gates=G, hh=True, as_float=False):
        def recurrent_param_count(kind, input_size, hidden_size, bias=True):
            g, D, H = gates[kind], input_size, hidden_size
            n = g * H * D + (g * H * H if hh else 0)
            n += (g * H if one_bias else 2 * g * H) if bias else 0
            return float(n) if as_float else n

        return recurrent_param_count

    report = _check(lista, "q4", count(one_bias=True), "DOIS vetores de viés")
    assert report.results[3].passed  # sem viés, o erro não aparece
    _check(lista, "q4", count(gates={"rnn": 1, "lstm": 1, "gru": 1}), "Faltou o número de blocos G")
    _check(lista, "q4", count(gates={"rnn": 1, "lstm": 3, "gru": 4}), "não o contrário")
    _check(lista, "q4", count(hh=False), "Faltou weight_hh")
    report = _check(lista, "q4", count(as_float=True), "devolva um int")
    assert report.points == 0


# ---------------------------------------------------------------------- q5
def _classifier(*, batch_first=True, step=-1, softmax=False, block=1, both=False, init=True):
    class LSTMClassifier(nn.Module):
        def __init__(self, input_size, hidden_size, num_classes, forget_bias=3.0):
            super().__init__()
            self.lstm = nn.LSTM(input_size, hidden_size, batch_first=batch_first)
            self.head = nn.Linear(hidden_size, num_classes)
            H = hidden_size
            if init:
                with torch.no_grad():
                    self.lstm.bias_ih_l0[block * H : (block + 1) * H].fill_(forget_bias)
                    self.lstm.bias_hh_l0[block * H : (block + 1) * H].fill_(
                        forget_bias if both else 0.0
                    )

        def forward(self, X):
            states, _ = self.lstm(X)
            logits = self.head(states[:, step])
            return torch.softmax(logits, dim=-1) if softmax else logits

    return LSTMClassifier


STRUCTURE = slice(0, 2)  # o forward e o viés: sem o treino, que leva alguns segundos


def test_q5_classifier_wrong_answers_in_the_structural_cases(lista):
    report = _check(
        lista, "q5", _classifier(batch_first=False), "Faltou batch_first=True", cases=STRUCTURE
    )
    assert report.results[1].passed  # o viés está certo
    _check(lista, "q5", _classifier(step=0), "Você usou o PRIMEIRO passo", cases=STRUCTURE)
    _check(lista, "q5", _classifier(softmax=True), "sem softmax", cases=STRUCTURE)
    report = _check(lista, "q5", _classifier(block=0), "porta de entrada i", cases=STRUCTURE)
    assert report.results[0].passed  # o forward está certo
    _check(lista, "q5", _classifier(both=True), "O viés entrou duas vezes", cases=STRUCTURE)


def test_q5_training_measures_the_accuracy_and_points_at_the_forget_bias(lista, timings):
    import time

    start = time.perf_counter()
    report = _check(
        lista, "q5", _classifier(init=False), "a porta de esquecimento precisa", cases=slice(2, 3)
    )
    timings["lista 5, questão 5: um treino medido (sem o viés de esquecimento)"] = (
        time.perf_counter() - start
    )
    assert f"não chegou a {ACCURACY_BOUND:g}".replace(".", ",") in report.as_text()
