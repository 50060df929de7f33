"""Lista 4 (gradientes): a solução da fonte ganha tudo, o esboço ganha zero e os erros típicos
(pelo menos dois por questão) são recusados com a dica pensada para eles.

As soluções vêm da fonte (``exercises/sources/lista_04_fonte.ipynb``), executada num
dicionário como nos testes das listas 1 e 2; os erros típicos são variações pequenas delas.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from test_grading_lists import _check, _namespace

from rnncourse.grading import abrir_lista
from rnncourse.grading.lista_04 import _torch_clip

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def solutions() -> dict:
    return _namespace(ROOT / "exercises" / "sources" / "lista_04_fonte.ipynb")


@pytest.fixture(scope="module")
def lista():
    return abrir_lista(4)


def test_solutions_get_full_marks_including_instructor_tests(solutions):
    lista = solutions["lista"]  # a célula de instrutor da fonte já acrescentou os casos ocultos
    assert all(lista._hidden[qid] for qid in lista.questions), "toda questão tem teste oculto"
    for report in lista.grade_namespace(solutions):
        assert report.points == report.max_points, report.as_text()
        assert report.status == "completa"
    assert lista.resumo().total == lista.max_total == 10


def test_the_reference_is_pytorchs_clipping():
    """A referência das questões 1 e 2 é o próprio PyTorch: confere a conta à mão."""
    rng = np.random.default_rng(0)
    grads = {"a": rng.normal(size=(3, 2)) * 4, "b": rng.normal(size=5)}
    clipped, norm = _torch_clip(grads, "norm", 1.0)
    by_hand = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    np.testing.assert_allclose(norm, by_hand, rtol=1e-12)
    for key, g in grads.items():
        np.testing.assert_allclose(clipped[key], g / (by_hand + 1e-6), rtol=1e-12)
        assert not np.shares_memory(clipped[key], g)
    clipped, _ = _torch_clip(grads, "value", 0.5)
    for key, g in grads.items():
        np.testing.assert_array_equal(clipped[key], np.clip(g, -0.5, 0.5))


# ---------------------------------------------------------------------- q1
def _clip_norm(*, per_tensor=False, always=False, sum_norms=False, after=False):
    def clip_by_norm(grads, max_norm):
        norms = {k: float(np.linalg.norm(g)) for k, g in grads.items()}
        total = (
            sum(norms.values()) if sum_norms else float(np.sqrt(sum(n**2 for n in norms.values())))
        )
        out = {}
        for k, g in grads.items():
            if per_tensor:
                factor = min(1.0, max_norm / norms[k]) if norms[k] > 0 else 1.0
            elif always:
                factor = max_norm / total if total > 0 else 1.0
            else:
                factor = min(1.0, max_norm / total) if total > 0 else 1.0
            out[k] = g * factor
        if after:
            total = float(np.sqrt(sum(np.sum(g**2) for g in out.values())))
        return out, total

    return clip_by_norm


def test_q1_clip_by_norm_wrong_answers(lista):
    report = _check(lista, "q1", _clip_norm(per_tensor=True), "cada tensor separadamente")
    assert report.results[1].passed  # abaixo do limite, cortar por tensor não muda nada
    report = _check(lista, "q1", _clip_norm(always=True), "aumentando gradientes pequenos")
    assert report.results[0].passed and not report.results[1].passed
    _check(lista, "q1", _clip_norm(sum_norms=True), "não a soma das normas")
    _check(lista, "q1", _clip_norm(after=True), "Devolva a norma ANTES do corte")

    def in_place(grads, max_norm):
        total = float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))
        for g in grads.values():
            g *= min(1.0, max_norm / total) if total > 0 else 1.0
        return grads, total

    report = _check(lista, "q1", in_place, "Evite operações no lugar")
    assert report.points == 0

    def divide_by_zero(grads, max_norm):
        total = float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))
        return {k: g * min(1.0, max_norm / total) for k, g in grads.items()}, total

    report = _check(lista, "q1", divide_by_zero, "Com n = 0 < max_norm, o fator é 1")
    assert [r.passed for r in report.results] == [True, True, True, False]
    assert "ZeroDivisionError" in report.as_text()

    def always_scale_numpy(grads, max_norm):  # 0 · (c / 0) = 0 · inf = NaN
        total = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
        with np.errstate(invalid="ignore", divide="ignore"):
            return {k: g * (max_norm / total) for k, g in grads.items()}, float(total)

    report = _check(lista, "q1", always_scale_numpy, "Com a norma 0")
    assert "valores não finitos" in report.as_text()


# ---------------------------------------------------------------------- q2
def test_q2_clip_by_value_wrong_answers(lista):
    report = _check(
        lista,
        "q2",
        lambda grads, c: {k: np.minimum(g, c) for k, g in grads.items()},
        "Faltou o limite de baixo",
    )
    assert report.results[1].passed  # dentro do intervalo, nada muda
    _check(lista, "q2", lambda grads, c: {k: np.clip(g, 0, c) for k, g in grads.items()}, "[−c, c]")
    _check(
        lista,
        "q2",
        lambda grads, c: {k: g * min(1.0, c / np.abs(g).max()) for k, g in grads.items()},
        "encolheu o tensor inteiro",
    )
    _check(
        lista,
        "q2",
        lambda grads, c: {k: g * min(1.0, c / np.linalg.norm(g)) for k, g in grads.items()},
        "Isso é o corte pela norma",
    )
    report = _check(
        lista,
        "q2",
        lambda grads, c: {k: np.clip(g, -c, c, out=g) for k, g in grads.items()},
        "alterou a entrada grads",
    )
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
def _orthogonal(*, signs=True, uniform=False, global_rng=False, return_r=False):
    def orthogonal_init(n, rng):
        source = np.random.default_rng(12345) if global_rng else rng
        A = source.random((n, n)) if uniform else source.standard_normal((n, n))
        Q, R = np.linalg.qr(A)
        if return_r:
            return R
        return Q * np.sign(np.diag(R)) if signs else Q

    return orthogonal_init


def test_q4_orthogonal_init_wrong_answers(lista):
    report = _check(lista, "q4", _orthogonal(signs=False), "Faltou a correção de sinais")
    assert [r.passed for r in report.results] == [True, True, True, False]
    report = _check(lista, "q4", _orthogonal(uniform=True), "gaussianas")
    assert [r.passed for r in report.results] == [True, True, True, False]
    report = _check(lista, "q4", _orthogonal(global_rng=True), "Sorteie com o rng do argumento")
    assert report.results[0].passed
    _check(lista, "q4", _orthogonal(return_r=True), "Você devolveu R")
    _check(lista, "q4", lambda n, rng: _orthogonal()(n, rng).astype(np.float32), "float64")


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
    assert "400 \\times 400" in text  # o tamanho do caso que mede o viés
