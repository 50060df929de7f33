"""Lista 5 (LSTM e GRU): a solução da fonte ganha tudo, o esboço ganha zero e os erros típicos
(pelo menos dois por questão) são recusados com a dica pensada para eles. As referências das
variantes (CIFG, espiadas, MGU, contagens) são conferidas contra ``nn.LSTMCell``, ``nn.GRU``,
``nn.LSTM`` com pesos escolhidos para que as contas coincidam. Que nenhuma função do pacote ou do
capítulo ganhe pontos é conferido em ``test_grading_no_giveaways.py``.

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
from test_grading_lists import _check, solutions_of
from torch import nn

from rnncourse.grading import abrir_lista
from rnncourse.grading.lista_05 import (
    ACCURACY_BOUND,
    BATCH,
    LR,
    MEMORY_T,
    TRAIN_STEPS,
    _cifg,
    _mgu_seq,
    _peephole,
    _variant_count,
    memory_task,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def solutions() -> dict:
    return solutions_of("lista_05")


@pytest.fixture(scope="module")
def lista():
    return abrir_lista(5)


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


def _rand(rng, *shape):
    return rng.normal(0.0, 0.7, size=shape)


def _torch_lstm_cell(x, h, c, params):
    cell = nn.LSTMCell(x.shape[1], h.shape[1], dtype=torch.float64)
    with torch.no_grad():
        for name, value in params.items():
            getattr(cell, name).copy_(torch.from_numpy(value))
        h_t, c_t = cell(torch.from_numpy(x), (torch.from_numpy(h), torch.from_numpy(c)))
    return h_t.numpy(), c_t.numpy()


def test_the_cifg_reference_is_an_lstm_cell_with_i_tied_to_one_minus_f():
    """σ(−a) = 1 − σ(a): um nn.LSTMCell com o bloco i = −(bloco f) é a CIFG."""
    rng = np.random.default_rng(0)
    B, D, H = 2, 3, 4
    x, h, c = _rand(rng, B, D), _rand(rng, B, H), _rand(rng, B, H)
    p3 = {
        "weight_ih": _rand(rng, 3 * H, D),
        "weight_hh": _rand(rng, 3 * H, H),
        "bias_ih": _rand(rng, 3 * H),
        "bias_hh": _rand(rng, 3 * H),
    }
    p4 = {k: np.concatenate([-v[:H], v], axis=0) for k, v in p3.items()}  # (i, f, g, o)
    np.testing.assert_allclose(_cifg(x, h, c, p3), _torch_lstm_cell(x, h, c, p4), atol=1e-12)
    for kw in ({"couple": "swap"}, {"couple": "same"}, {"order": "fog"}, {"bhh": False}):
        assert not np.allclose(_cifg(x, h, c, p3, **kw)[1], _cifg(x, h, c, p3)[1]), kw


def test_the_peephole_reference_without_peepholes_is_torchs_lstm_cell():
    rng = np.random.default_rng(1)
    B, D, H = 2, 3, 4
    x, h, c = _rand(rng, B, D), _rand(rng, B, H), _rand(rng, B, H)
    p = {
        "weight_ih": _rand(rng, 4 * H, D),
        "weight_hh": _rand(rng, 4 * H, H),
        "bias_ih": _rand(rng, 4 * H),
        "bias_hh": _rand(rng, 4 * H),
    }
    zeros = {k: np.zeros(H) for k in ("w_ci", "w_cf", "w_co")}
    np.testing.assert_allclose(
        _peephole(x, h, c, p | zeros), _torch_lstm_cell(x, h, c, p), atol=1e-12
    )
    peeps = {k: _rand(rng, H) for k in ("w_ci", "w_cf", "w_co")}
    right = _peephole(x, h, c, p | peeps)
    for kw in ({"o_peek": "c_prev"}, {"peeks": False}, {"swap_if": True}, {"after": True}):
        assert not np.allclose(_peephole(x, h, c, p | peeps, **kw)[0], right[0]), kw


def test_the_mgu_reference_is_a_torch_gru_when_w_hn_is_diagonal():
    """Com W_hn diagonal e b_hn = 0, (f ⊙ h) W_hnᵀ = f ⊙ (h W_hnᵀ): um nn.GRU com r = f e
    z = 1 − f (bloco z = −bloco f) faz a conta da MGU."""
    rng = np.random.default_rng(2)
    B, T, D, H = 2, 5, 3, 4
    X, h0 = _rand(rng, B, T, D), _rand(rng, B, H)
    p = {
        "weight_ih": _rand(rng, 2 * H, D),
        "weight_hh": np.concatenate([_rand(rng, H, H), np.diag(_rand(rng, H))]),
        "bias_ih": _rand(rng, 2 * H),
        "bias_hh": np.concatenate([_rand(rng, H), np.zeros(H)]),
    }
    gru = nn.GRU(D, H, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        for name, v in p.items():  # (r, z, n) = (f, −f, n)
            getattr(gru, name + "_l0").copy_(
                torch.from_numpy(np.concatenate([v[:H], -v[:H], v[H:]]))
            )
        out, _ = gru(torch.from_numpy(X), torch.from_numpy(h0)[None])
    np.testing.assert_allclose(_mgu_seq(X, h0, p), out.numpy(), atol=1e-12)
    for kw in ({"mode": "swap"}, {"mode": "no_gate"}, {"order": "nf"}, {"shift": True}):
        assert not np.allclose(_mgu_seq(X, h0, p, **kw), _mgu_seq(X, h0, p)), kw
    p["bias_hh"][H:] = _rand(rng, H)  # com b_hn ≠ 0, f antes ou depois do produto diferem
    assert not np.allclose(_mgu_seq(X, h0, p, mode="after"), _mgu_seq(X, h0, p))


@pytest.mark.parametrize("layers", [1, 3], ids=["1 camada", "3 camadas"])
def test_the_variant_counts_follow_from_torchs_lstm_and_gru(layers):
    D, H = 7, 5

    def torch_count(module):
        return sum(p.numel() for p in module(D, H, num_layers=layers).parameters())

    lstm, gru = torch_count(nn.LSTM), torch_count(nn.GRU)
    assert _variant_count("cifg", D, H, layers) * 4 == lstm * 3  # 3 dos 4 blocos
    assert _variant_count("peephole", D, H, layers) == lstm + 3 * H * layers
    assert _variant_count("mgu", D, H, layers) * 3 == gru * 2  # 2 dos 3 blocos


# ---------------------------------------------------------------------- q1
def _cifg_answer(**kw):
    def cifg_cell_forward(x, h_prev, c_prev, params):
        with np.errstate(over="ignore"):
            return _cifg(x, h_prev, c_prev, params, **kw)

    return cifg_cell_forward


def test_q1_cifg_wrong_answers_point_at_the_wrong_gate(lista):
    report = _check(lista, "q1", _cifg_answer(couple="swap"), "f e 1 − f estão trocados")
    report = _check(lista, "q1", _cifg_answer(couple="same"), "Faltou o acoplamento")
    assert report.results[1].passed  # com g = 0 o acoplamento não aparece
    _check(lista, "q1", _cifg_answer(order="fog"), "Você usou (f, o, g)")
    _check(lista, "q1", _cifg_answer(order="gfo"), "f é o bloco [0:H]")
    report = _check(
        lista, "q1", _cifg_answer(g_act=lambda a: 1 / (1 + np.exp(-a))), "O candidato g usa tanh"
    )
    assert not report.results[1].passed  # candidato zerado: tanh(0) = 0, σ(0) = 0,5
    _check(lista, "q1", _cifg_answer(h_tanh=False), "h = o ⊙ tanh(c)")
    _check(lista, "q1", _cifg_answer(bhh=False), "bias_hh ficou de fora")

    def with_cache(x, h_prev, c_prev, params):  # o formato de lstm_cell_forward do capítulo
        return (*_cifg(x, h_prev, c_prev, params), None)

    report = _check(lista, "q1", with_cache, "(h, c)")
    assert report.points == 0


# ---------------------------------------------------------------------- q2
def _peephole_answer(**kw):
    def peephole_cell_forward(x, h_prev, c_prev, params):
        with np.errstate(over="ignore"):
            return _peephole(x, h_prev, c_prev, params, **kw)

    return peephole_cell_forward


def test_q2_peephole_wrong_answers_name_the_peephole(lista):
    report = _check(lista, "q2", _peephole_answer(o_peek="c_prev"), "espia a célula NOVA")
    assert report.results[1].passed  # com w_co = 0 o erro não aparece
    report = _check(lista, "q2", _peephole_answer(peeks=False), "Faltaram as espiadas")
    assert report.points == 0
    report = _check(lista, "q2", _peephole_answer(swap_if=True), "w_ci vai com a porta")
    assert report.results[0].passed
    _check(lista, "q2", _peephole_answer(after=True), "DENTRO da sigmoide")

    from rnncourse import lstm_cell_forward  # a LSTM do capítulo, sem espiadas

    report = _check(lista, "q2", lambda *a: lstm_cell_forward(*a)[:2], "Faltaram as espiadas")
    assert report.points == 0


# ---------------------------------------------------------------------- q3
def _mgu_answer(**kw):
    def mgu_forward(X, h0, params):
        return _mgu_seq(X, h0, params, **kw)

    return mgu_forward


def test_q3_mgu_wrong_answers(lista):
    _check(lista, "q3", _mgu_answer(mode="swap"), "f e 1 − f estão trocados")
    report = _check(lista, "q3", _mgu_answer(mode="after"), "ANTES do produto por W_hn")
    _check(lista, "q3", _mgu_answer(mode="no_gate"), "O candidato usa f ⊙ h_{t−1}")
    _check(lista, "q3", _mgu_answer(order="nf"), "A ordem dos blocos é (f, n)")
    report = _check(lista, "q3", _mgu_answer(carry=False), "O estado não passou")
    assert report.results[0].passed  # com T = 1 não há o que carregar
    _check(lista, "q3", _mgu_answer(shift=True), "deslocados de um passo")
    _check(lista, "q3", lambda X, h0, p: _mgu_seq(X, h0, p)[:, -1], "Devolva todos os estados")
    _check(lista, "q3", lambda X, h0, p: _mgu_seq(X, h0, p).transpose(1, 0, 2), "O eixo do tempo")


# ---------------------------------------------------------------------- q4
def test_q4_variant_count_wrong_answers(lista):
    def count(**kw):
        def variant_param_count(kind, input_size, hidden_size, num_layers):
            return _variant_count(kind, input_size, hidden_size, num_layers, **kw)

        return variant_param_count

    report = _check(lista, "q4", count(same_input=True), "Da segunda camada em diante")
    assert [r.passed for r in report.results] == [True, True, True, False, False]
    _check(lista, "q4", count(one_bias=True), "DOIS vetores de viés")
    _check(lista, "q4", count(G=4, peeps=0), "conta da LSTM comum")
    _check(lista, "q4", count(peep_matrix=True), "não H·H")
    _check(lista, "q4", count(peeps=4), "São 3 espiadas")
    _check(lista, "q4", lambda k, D, H, L: _variant_count(k, D, H, 1), "todas as camadas")
    report = _check(lista, "q4", lambda *a: float(_variant_count(*a)), "devolva um int")
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
