"""Lista 8 (séries temporais): a solução da fonte ganha tudo, o esboço ganha zero, os erros
típicos são recusados com a dica pensada para eles e as funções públicas do pacote (e as do
capítulo 8) não ganham os pontos de nenhuma questão.

As soluções vêm da fonte (``exercises/sources/lista_08_fonte.ipynb``), executada num dicionário
como nos testes das outras listas; os erros típicos são variações pequenas delas.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_grading_lists import _check, solutions_of

from rnncourse.grading import abrir_lista
from rnncourse.grading.core import grade_question
from rnncourse.grading.lista_08 import RATIO_BOUND, _ln_gru

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def solutions() -> dict:
    return solutions_of("lista_08")


@pytest.fixture(scope="module")
def lista():
    return abrir_lista(8)


# ---------------------------------------------------------------------- q1
def test_q1_minmax_wrong_answers(lista):
    def whole(series, n_train):
        lo, hi = float(series.min()), float(series.max())
        return (series - lo) / (hi - lo), lo, hi

    _check(lista, "q1", whole, "série INTEIRA: é vazamento de dados")

    def only_train(series, n_train):
        lo, hi = float(series[:n_train].min()), float(series[:n_train].max())
        return (series[:n_train] - lo) / (hi - lo), lo, hi

    _check(lista, "q1", only_train, "Devolva a série INTEIRA escalada")

    def one_more(series, n_train):
        part = series[: n_train + 1]
        lo, hi = float(part.min()), float(part.max())
        return (series - lo) / (hi - lo), lo, hi

    _check(lista, "q1", one_more, "você incluiu um a mais")

    def in_place(series, n_train):
        lo, hi = float(series[:n_train].min()), float(series[:n_train].max())
        series -= lo
        series /= hi - lo
        return series, lo, hi

    report = grade_question(lista.questions["q1"], in_place)
    assert report.points == 0


# ---------------------------------------------------------------------- q2
def _gap_answer(offset=0, include_target=False, ignore_horizon=False):
    def gap_windows(series, window, horizon, start, stop):
        first = max(start, window + horizon - 1)
        X, y = [], []
        for t in range(first, stop):
            if include_target:
                end = t + 1
            elif ignore_horizon:
                end = t
            else:
                end = t - horizon + 1 + offset
            X.append(series[end - window : end])
            y.append(series[t])
        return np.array(X), np.array(y)

    return gap_windows


def test_q2_window_wrong_answers(lista):
    report = _check(lista, "q2", _gap_answer(include_target=True), "inclui o próprio alvo")
    report = _check(lista, "q2", _gap_answer(ignore_horizon=True), "Você ignorou o horizonte")
    assert report.results[0].passed  # com horizon = 1 o erro não aparece
    _check(lista, "q2", _gap_answer(offset=-1), "um passo cedo demais")
    _check(lista, "q2", _gap_answer(offset=1), "um passo tarde demais")

    def from_start(series, window, horizon, start, stop):
        X = [series[max(t - horizon + 1 - window, 0) : t - horizon + 1] for t in range(start, stop)]
        return np.array(X, dtype=object), np.array(series[start:stop])

    _check(lista, "q2", from_start, "passado suficiente")


# ---------------------------------------------------------------------- q3
def test_q3_errors_wrong_answers(lista):
    def normalized(last, change, targets, scale):
        e = (targets - last) / scale - change
        return float(np.mean(np.abs(e))), float(np.sqrt(np.mean(e**2)))

    _check(lista, "q3", normalized, "escala NORMALIZADA")

    def no_last(last, change, targets, scale):
        e = targets - scale * change
        return float(np.mean(np.abs(e))), float(np.sqrt(np.mean(e**2)))

    _check(lista, "q3", no_last, "Faltou somar o último valor")

    def no_scale(last, change, targets, scale):
        e = targets - (last + change)
        return float(np.mean(np.abs(e))), float(np.sqrt(np.mean(e**2)))

    _check(lista, "q3", no_scale, "Faltou multiplicar a mudança")

    def no_sqrt(last, change, targets, scale):
        e = targets - (last + scale * change)
        return float(np.mean(np.abs(e))), float(np.mean(e**2))

    _check(lista, "q3", no_sqrt, "Faltou a raiz")


# ---------------------------------------------------------------------- q4
def _ln_gru_answer(**kw):
    def layernorm_gru_cell(x, h_prev, params, eps=1e-5):
        with np.errstate(all="ignore"):
            return _ln_gru(x, h_prev, params, eps, **kw)

    return layernorm_gru_cell


def test_q4_layernorm_gru_wrong_answers(lista):
    report = _check(lista, "q4", _ln_gru_answer(axis=0), "normalização em lote")
    assert not report.results[1].passed  # com B = 1 a normalização sobre o lote falha
    _check(lista, "q4", _ln_gru_answer(ddof=1), "correção de Bessel")
    _check(lista, "q4", _ln_gru_answer(eps_outside=True), "DENTRO da raiz")
    _check(lista, "q4", _ln_gru_answer(joint=True), "SEPARADAMENTE")
    _check(lista, "q4", _ln_gru_answer(per_gate=True), "não porta a porta")
    _check(lista, "q4", _ln_gru_answer(no_affine=True), "Faltaram o ganho e o deslocamento")


def test_q4_reference_variants_differ_and_zero_state_is_finite():
    rng = np.random.default_rng(0)
    from rnncourse.grading.lista_08 import _ln_gru_params

    p = _ln_gru_params(3, 4, seed=0)
    x, h = rng.normal(size=(5, 3)), rng.normal(size=(5, 4))
    ok = _ln_gru(x, h, p, 1e-5)
    for kw in ({"axis": 0}, {"ddof": 1}, {"joint": True}, {"per_gate": True}, {"no_affine": True}):
        assert not np.allclose(_ln_gru(x, h, p, 1e-5, **kw), ok), kw
    assert np.all(np.isfinite(_ln_gru(x, np.zeros((5, 4)), p, 1e-5)))


# ---------------------------------------------------------------------- q5
def test_q5_wrong_answers_do_not_beat_the_bound(lista, solutions):
    def zero(train_series, window):
        return {"weights": np.zeros(window), "bias": 0.0}

    _check(lista, "q5", zero, "igual à ingênua")

    def level_target(train_series, window):
        rows = range(window, len(train_series))
        X = np.stack([train_series[t - window : t] for t in rows])
        y = np.array([train_series[t] for t in rows])
        last = X[:, -1]
        A = np.hstack([X - last[:, None], np.ones((len(X), 1))])
        coef, *_ = np.linalg.lstsq(A, y, rcond=None)  # alvo em nível: errado
        return {"weights": coef[:-1], "bias": float(coef[-1])}

    _check(lista, "q5", level_target, "não o nível")

    def wrong_keys(train_series, window):
        return solutions["fit_change_model"](train_series, window)["weights"]

    report = _check(lista, "q5", wrong_keys, "dicionário")
    assert report.points == 0
    assert RATIO_BOUND["co2"] < 1 and RATIO_BOUND["manchas"] < 1


# ---------------------------------------------------------------------- o pacote não responde
def test_package_functions_do_not_answer_any_question(lista):
    """As funções do pacote (e as do capítulo 8) não valem os pontos de nenhuma questão."""
    from rnncourse import series

    def q1(series_, n_train):  # a padronização do capítulo, no lugar da min-máx
        sc = series.Standardizer.fit(series_[:n_train])
        return sc.transform(series_), sc.mean, sc.std

    def q2(series_, window, horizon, start, stop):  # as janelas do capítulo (um passo)
        X, Y = series.make_windows(series_, window, start, stop, horizon)
        return X, Y[:, -1]

    def q3(last, change, targets, scale):  # as métricas do pacote sem a conversão
        return series.mae(targets, change), series.rmse(targets, change)

    def q5(train_series, window):  # o AR em níveis do pacote, devolvido como pesos
        X, Y = series.make_windows(train_series, window, 0, len(train_series))
        w = series.fit_ar(X, Y[:, 0])
        return {"weights": w[:-1], "bias": float(w[-1])}

    for qid, fn in (("q1", q1), ("q2", q2), ("q3", q3), ("q5", q5)):
        report = grade_question(lista.questions[qid], fn)
        assert report.points < report.max_points, (qid, report.as_text())


def test_statement_states_the_bound_the_check_uses():
    import nbformat

    nb = nbformat.read(ROOT / "exercises" / "lista_08.ipynb", as_version=4)
    text = " ".join(" ".join(c.source.split()) for c in nb.cells if c.cell_type == "markdown")
    bound = f"{RATIO_BOUND['co2']:g}".replace(".", ",")
    assert f"abaixo de {bound} vez o da ingênua" in text
    assert "`window = 13`" in text
