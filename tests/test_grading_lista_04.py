"""Lista 4 (gradientes): a solução da fonte ganha tudo, o esboço ganha zero e os erros típicos
(pelo menos dois por questão) são recusados com a dica pensada para eles. Que nenhuma função do
pacote ou do capítulo ganhe pontos é conferido em ``test_grading_no_giveaways.py``.

As soluções vêm da fonte (``exercises/sources/lista_04_fonte.ipynb``), executada num
dicionário como nos testes das listas 1 e 2; os erros típicos são variações pequenas delas.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from test_grading_lists import _check, solutions_of

from rnncourse.grading import abrir_lista
from rnncourse.grading.core import grade_question

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def solutions() -> dict:
    return solutions_of("lista_04")


@pytest.fixture(scope="module")
def lista():
    return abrir_lista(4)


# ---------------------------------------------------------------------- q1
def _per_tensor(*, mode="ok", norms_after=False, global_norm_out=False):
    def clip_per_tensor(grads, max_norm):
        norms = np.array([float(np.linalg.norm(g)) for g in grads])
        total = float(np.sqrt(np.sum(norms**2)))
        out = []
        for g, n in zip(grads, norms, strict=True):
            if mode == "global":  # o corte do capítulo (e do clip_grad_norm_)
                factor = min(1.0, max_norm / total) if total > 0 else 1.0
            elif mode == "always":
                factor = max_norm / n if n > 0 else 1.0
            else:
                factor = min(1.0, max_norm / n) if n > 0 else 1.0
            out.append(np.clip(g, -max_norm, max_norm) if mode == "value" else g * factor)
        if norms_after:
            norms = np.array([float(np.linalg.norm(g)) for g in out])
        return out, (total if global_norm_out else norms)

    return clip_per_tensor


def test_q1_clip_per_tensor_wrong_answers(lista):
    report = _check(lista, "q1", _per_tensor(mode="global"), "Você usou a norma GLOBAL")
    assert report.points == 0  # cada caso tem um tensor que um dos dois cortes muda e o outro não
    report = _check(lista, "q1", _per_tensor(mode="always"), "aumentando gradientes pequenos")
    assert report.results[0].passed and not report.results[2].passed
    _check(lista, "q1", _per_tensor(mode="value"), "corte por VALOR")
    _check(lista, "q1", _per_tensor(norms_after=True), "normas ANTES do corte")
    _check(lista, "q1", _per_tensor(global_norm_out=True), "a norma de CADA gradiente")

    def in_place(grads, max_norm):
        norms = np.array([float(np.linalg.norm(g)) for g in grads])
        for g, n in zip(grads, norms, strict=True):
            g *= min(1.0, max_norm / n) if n > 0 else 1.0
        return grads, norms

    report = _check(lista, "q1", in_place, "Evite operações no lugar")
    assert report.points == 0

    def divide_by_zero(grads, max_norm):  # floats do Python: 1.0 / 0.0 levanta exceção
        norms = [float(np.linalg.norm(g)) for g in grads]
        return [g * min(1.0, max_norm / n) for g, n in zip(grads, norms, strict=True)], norms

    report = _check(lista, "q1", divide_by_zero, "Com n_p = 0 não há o que cortar")
    assert "ZeroDivisionError" in report.as_text()

    def nan_for_zero(grads, max_norm):  # 0 · (c / 0) = 0 · inf = NaN
        norms = np.array([float(np.linalg.norm(g)) for g in grads])
        with np.errstate(invalid="ignore", divide="ignore"):
            return [
                g * max_norm / n if n > max_norm or n == 0 else g
                for g, n in zip(grads, norms, strict=True)
            ], norms

    report = _check(lista, "q1", nan_for_zero, "norma 0 não tem o que cortar")
    assert [r.passed for r in report.results] == [True, True, True, False]

    def as_dict(grads, max_norm):
        out, norms = _per_tensor()(grads, max_norm)
        return dict(enumerate(out)), norms

    _check(lista, "q1", as_dict, "um array cortado para cada gradiente")


# ---------------------------------------------------------------------- q2
def _stats(*, fraction="ok", ratio="ok"):
    def value_clip_stats(grads, clip_value):
        c = clip_value
        gs = [np.ravel(v) for v in grads.values()]
        g = np.concatenate(gs)
        if fraction == "ge":  # >= em vez de >
            frac = float(np.mean(np.abs(g) >= c))
        elif fraction == "per_tensor":  # média das frações de cada tensor
            frac = float(np.mean([np.mean(np.abs(v) > c) for v in gs]))
        elif fraction == "no_abs":  # só os positivos
            frac = float(np.mean(g > c))
        elif fraction == "count":
            frac = float(np.sum(np.abs(g) > c))
        else:
            frac = float(np.mean(np.abs(g) > c))

        def norm_ratio(after, before):
            n = np.linalg.norm(before)
            return float(np.linalg.norm(after) / n) if n > 0 else 1.0

        if ratio == "inverted":
            r = norm_ratio(g, np.clip(g, -c, c))
        elif ratio == "per_tensor":  # média das razões de cada tensor
            r = float(np.mean([norm_ratio(np.clip(v, -c, c), v) for v in gs]))
        elif ratio == "squared":
            r = norm_ratio(np.clip(g, -c, c), g) ** 2
        elif ratio == "minimum":  # corta só os positivos
            r = norm_ratio(np.minimum(g, c), g)
        elif ratio == "nan":  # sem o caso do gradiente zero: 0/0
            with np.errstate(invalid="ignore"):
                r = float(np.linalg.norm(np.clip(g, -c, c)) / np.linalg.norm(g))
        else:
            r = norm_ratio(np.clip(g, -c, c), g)
        return frac, r

    return value_clip_stats


def test_q2_value_clip_stats_reference_answer_gets_full_marks(lista):
    report = grade_question(lista.questions["q2"], _stats())
    assert report.points == report.max_points, report.as_text()


def test_q2_value_clip_stats_wrong_answers(lista):
    report = _check(lista, "q2", _stats(fraction="ge"), "maior estrito, não >=")
    assert [r.passed for r in report.results] == [True, True, False, True]  # só o caso com ±c
    # os outros erros passam só no caso do gradiente zero (fração 0 e razão 1 em qualquer conta)
    for kwargs, hint in (
        ({"fraction": "per_tensor"}, "média das frações de cada tensor"),
        ({"fraction": "no_abs"}, "Faltou o valor absoluto"),
        ({"fraction": "count"}, "não o número de elementos cortados"),
        ({"ratio": "inverted"}, "A razão está invertida"),
        ({"ratio": "per_tensor"}, "média das razões de cada tensor"),
        ({"ratio": "squared"}, "Faltou a raiz quadrada"),
        ({"ratio": "minimum"}, "os menores que −c"),
    ):
        report = _check(lista, "q2", _stats(**kwargs), hint)
        assert [r.passed for r in report.results] == [False, False, False, True], kwargs
    report = _check(lista, "q2", _stats(ratio="nan"), "a razão como 1,0")
    assert [r.passed for r in report.results] == [True, True, True, False]

    def divide_by_zero(grads, clip_value):  # floats do Python: 0.0 / 0.0 levanta exceção
        g = np.concatenate([v.ravel() for v in grads.values()])
        c = clip_value
        after = float(np.linalg.norm(np.clip(g, -c, c)))
        return float(np.mean(np.abs(g) > c)), after / float(np.linalg.norm(g))

    report = _check(lista, "q2", divide_by_zero, "devolva a razão 1,0")
    assert "ZeroDivisionError" in report.as_text()

    _check(lista, "q2", lambda grads, c: _stats()(grads, c)[0], "numa tupla")

    def in_place(grads, clip_value):
        for g in grads.values():
            np.clip(g, -clip_value, clip_value, out=g)
        return 0.0, 1.0

    report = _check(lista, "q2", in_place, "alterou a entrada grads")
    assert report.points == 0


# ---------------------------------------------------------------------- q3
def _jacobian(*, deriv=True, reverse=False, matrix="weight_hh", transpose=False, right=False):
    def jacobian_product(states, params, k):
        W = params[matrix].T if transpose else params[matrix]
        T, H = states.shape
        P = np.eye(H)
        steps = range(k + 1, T + 1) if reverse else range(T, k, -1)
        for j in steps:
            d = 1.0 - states[j - 1] ** 2 if deriv else np.ones(H)
            J = W * d[None, :] if right else d[:, None] * W
            P = P @ J
        return P

    return jacobian_product


def test_q3_jacobian_product_wrong_answers(lista):
    report = _check(lista, "q3", _jacobian(deriv=False), "Faltou a derivada da tanh")
    assert report.results[3].passed  # com estados zero a derivada vale 1
    report = _check(lista, "q3", _jacobian(reverse=True), "ordem do produto está invertida")
    assert all(r.passed for r in report.results[:4])  # só o caso geral denuncia a ordem
    report = _check(lista, "q3", _jacobian(matrix="weight_ih"), "Você usou W_ih")
    assert not report.results[0].passed  # D ≠ H: a conta nem fecha
    _check(lista, "q3", _jacobian(transpose=True), "Use W_hh sem transpor")
    _check(lista, "q3", _jacobian(right=True), "pela ESQUERDA")


# ---------------------------------------------------------------------- q4
def _lstm_orth(*, signs=True, uniform=False, global_rng=False, whole=False, tile=False, r=False):
    def lstm_orthogonal_hh(hidden_size, rng):
        H = hidden_size
        source = np.random.default_rng(12345) if global_rng else rng
        if whole:  # a QR da matriz (4H, H) inteira: colunas ortonormais, blocos não
            Q, R = np.linalg.qr(source.standard_normal((4 * H, H)))
            return Q * np.sign(np.diag(R))
        blocks = []
        for _ in range(1 if tile else 4):
            A = source.random((H, H)) if uniform else source.standard_normal((H, H))
            Q, R = np.linalg.qr(A)
            blocks.append(R if r else (Q * np.sign(np.diag(R)) if signs else Q))
        return np.concatenate(blocks * 4 if tile else blocks, axis=0)

    return lstm_orthogonal_hh


def test_q4_lstm_orthogonal_wrong_answers(lista):
    report = _check(lista, "q4", _lstm_orth(signs=False), "Faltou a correção de sinais")
    assert [r.passed for r in report.results] == [True, True, False]
    report = _check(lista, "q4", _lstm_orth(uniform=True), "gaussianas")
    assert [r.passed for r in report.results] == [True, True, False]
    report = _check(lista, "q4", _lstm_orth(global_rng=True), "Sorteie com o rng do argumento")
    assert report.results[0].passed
    report = _check(lista, "q4", _lstm_orth(whole=True), "cada bloco não é ortogonal")
    assert report.points == 0
    _check(lista, "q4", _lstm_orth(tile=True), "np.tile ou [Q] * 4 repetem o mesmo Q")
    _check(lista, "q4", _lstm_orth(r=True), "Você empilhou R")
    _check(lista, "q4", lambda H, rng: _lstm_orth()(H, rng).T, "Você devolveu a transposta")
    _check(lista, "q4", lambda H, rng: _lstm_orth()(H, rng).astype(np.float32), "float64")

    from rnncourse.init import orthogonal_matrix  # a do capítulo: uma matriz quadrada só

    report = _check(lista, "q4", orthogonal_matrix, "forma (4H, H)")
    assert report.points == 0


# ---------------------------------------------------------------------- q5
def _irnn(*, all_layers=True, biases=("bias_ih", "bias_hh"), use_gain=True, replace=False):
    def irnn_init_(rnn, gain=1.0):
        with torch.no_grad():
            for name, p in list(rnn.named_parameters()):
                if not all_layers and not name.endswith("_l0"):
                    continue
                if name.startswith("weight_hh"):
                    value = (gain if use_gain else 1.0) * torch.eye(rnn.hidden_size, dtype=p.dtype)
                    if replace:
                        setattr(rnn, name, torch.nn.Parameter(value))
                    else:
                        p.copy_(value)
                elif any(name.startswith(b) for b in biases):
                    p.zero_()
        return rnn

    return irnn_init_


def test_q5_irnn_init_wrong_answers(lista):
    report = _check(lista, "q5", _irnn(all_layers=False), "Inicialize TODAS as camadas")
    assert [r.passed for r in report.results] == [True, True, False]
    report = _check(lista, "q5", _irnn(biases=("bias_hh",)), "Zere os dois vieses")
    _check(lista, "q5", _irnn(use_gain=False), "Use o ganho recebido")
    report = _check(
        lista, "q5", _irnn(replace=True), "os objetos Parameter do módulo foram trocados"
    )
    assert report.points == 0

    def returns_none(rnn, gain=1.0):
        _irnn()(rnn, gain)

    _check(lista, "q5", returns_none, "return rnn")


def test_statement_states_the_bound_of_the_orthogonality_check():
    import nbformat

    from rnncourse.grading.lista_04 import _HAAR_Z

    nb = nbformat.read(ROOT / "exercises" / "lista_04.ipynb", as_version=4)
    text = " ".join(" ".join(c.source.split()) for c in nb.cells if c.cell_type == "markdown")
    assert f"abaixo de {_HAAR_Z:g}".replace(".", ",") + " em valor absoluto" in text
    assert "H = 200" in text  # o tamanho do caso que mede o viés
