"""Lista 7 (seq2seq e atenção): a solução da fonte ganha tudo, o esboço ganha zero, os erros
típicos (pelo menos dois por questão) são recusados com a dica pensada para eles e as funções
públicas do pacote não ganham os pontos de nenhuma questão.

As soluções vêm da fonte (``exercises/sources/lista_07_fonte.ipynb``), executada num
dicionário como nos testes das outras listas; os erros típicos são as variantes do próprio banco
(``_general``, ``_beam_step``, ``_best``), que ``test_the_wrong_variants_differ`` confere. A
questão 4 treina um modelo: além da solução (caso público e oculto), só um teste treina uma
resposta errada.
"""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch
from test_grading_lists import _check, solutions_of

from rnncourse.grading import abrir_lista
from rnncourse.grading.lista_07 import (
    ACCURACY_BOUND,
    MODEL_CONFIG,
    N_TRAIN,
    _beam_step,
    _best,
    _general,
    split_spelling,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def solutions() -> dict:
    return solutions_of("lista_07")


@pytest.fixture(scope="module")
def lista():
    return abrir_lista(7)


def test_statement_states_what_the_check_uses():
    nb = nbformat.read(ROOT / "exercises" / "lista_07.ipynb", as_version=4)
    text = " ".join(" ".join(c.source.split()) for c in nb.cells if c.cell_type == "markdown")
    for fact in (
        f"um array com {N_TRAIN} números de 0 a 999",
        f"embed_dim={MODEL_CONFIG['embed_dim']}",
        f"hidden_size={MODEL_CONFIG['hidden_size']}",
        f'attention="{MODEL_CONFIG["attention"]}"',
        f"precisa chegar a {ACCURACY_BOUND:g}".replace(".", ","),
    ):
        assert fact in text, fact


def test_the_spelling_split_is_disjoint_and_covers_0_to_999():
    train, test = split_spelling(0)
    assert len(train) == N_TRAIN and len(set(train) | set(test)) == 1000
    assert not set(train) & set(test)
    assert not np.array_equal(split_spelling(1)[0], train)


def test_the_wrong_variants_differ_from_the_reference():
    rng = np.random.default_rng(0)
    Q, K, V = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 6))
    W, lengths = rng.normal(size=(4, 4)), np.array([5, 2])
    context, weights = _general(Q, K, V, W, lengths)
    np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-12)
    assert np.all(weights[1, :, 2:] == 0)
    for mistake in ("query_axis", "no_mask", "mask_after", "off_by_one", "transpose", "scaled"):
        assert not np.allclose(_general(Q, K, V, W, lengths, mistake=mistake)[1], weights), mistake
    assert not np.allclose(_general(Q, K, V, W, lengths, mistake="keys_as_values")[0][..., :4], 0)
    scores = np.array([-1.0, -2.0, -2.5])
    log_probs = np.log(rng.dirichlet(np.ones(6), size=3))
    finished = np.array([False, True, False])
    reference = _beam_step(scores, log_probs, finished, 3, 2)
    for mistake in ("no_accumulation", "multiply_logs", "extend_finished", "drop_finished"):
        other = _beam_step(scores, log_probs, finished, 3, 2, mistake=mistake)
        assert not all(np.allclose(a, b) for a, b in zip(other, reference, strict=True)), mistake


# ---------------------------------------------------------------------- q1
def _attention_answer(mistake):
    def general_attention(Q, K, V, W, lengths):
        with np.errstate(all="ignore"):
            return _general(Q, K, V, W, lengths, mistake=mistake)

    return general_attention


@pytest.mark.parametrize(
    ("mistake", "hint"),
    [
        ("query_axis", "eixo das consultas"),
        ("no_mask", "As posições de preenchimento receberam peso"),
        ("mask_after", "DEPOIS da softmax"),
        ("off_by_one", "uma posição a mais"),
        ("transpose", "W transposta"),
        ("scaled", "não divide por √d"),
        ("keys_as_values", "VALORES V"),
    ],
    ids=lambda v: v if isinstance(v, str) and " " not in v else "",
)
def test_q1_wrong_answers_get_their_hint(lista, mistake, hint):
    report = _check(lista, "q1", _attention_answer(mistake), hint)
    if mistake in ("no_mask", "mask_after", "off_by_one"):
        assert report.results[0].passed and report.results[1].passed  # sem preenchimento: certo


def test_q1_softmax_without_the_max_trick_overflows_and_is_told_so(lista):
    def naive(Q, K, V, W, lengths):
        scores = Q @ W @ K.transpose(0, 2, 1)
        mask = np.arange(K.shape[1])[None, None, :] < lengths[:, None, None]
        with np.errstate(all="ignore"):
            e = np.where(mask, np.exp(scores), 0.0)
            weights = e / e.sum(-1, keepdims=True)
        return weights @ V, weights

    report = _check(lista, "q1", naive, "subtraia o máximo")
    assert [r.passed for r in report.results] == [True, True, True, False]


def test_q1_the_package_dot_product_attention_does_not_earn_the_points(lista):
    from rnncourse.attention import DotProductAttention

    def via_package(Q, K, V, W, lengths):  # ignora W: é o escore "dot", não o "general"
        mask = torch.arange(K.shape[1])[None, :] < torch.from_numpy(lengths)[:, None]
        context, weights = DotProductAttention()(
            torch.from_numpy(Q), torch.from_numpy(K), torch.from_numpy(V), mask
        )
        return context.numpy(), weights.numpy()

    report = _check(lista, "q1", via_package, "")
    assert report.points < lista.questions["q1"].points / 2


# ---------------------------------------------------------------------- q2
def _beam_answer(mistake):
    def beam_step(scores, log_probs, finished, k, eos):
        return _beam_step(scores, log_probs, finished, k, eos, mistake=mistake)

    return beam_step


@pytest.mark.parametrize(
    ("mistake", "hint"),
    [
        ("no_accumulation", "escore ACUMULADO"),
        ("multiply_logs", "se SOMAM"),
        ("probabilities", "multiplicou probabilidades"),
        ("extend_finished", "não cresce"),
        ("drop_finished", "foram descartadas"),
        ("ascending", "ordem ficou invertida"),
        ("index", "indice // V"),
    ],
    ids=lambda v: v if isinstance(v, str) and " " not in v else "",
)
def test_q2_wrong_answers_get_their_hint(lista, mistake, hint):
    report = _check(lista, "q2", _beam_answer(mistake), hint)
    if mistake in ("extend_finished", "drop_finished"):
        assert report.results[0].passed and report.results[1].passed  # nada terminado: certo


def test_q2_best_per_hypothesis_is_not_a_beam(lista):
    def per_hypothesis(scores, log_probs, finished, k, eos):  # o melhor símbolo de cada uma
        candidates = scores[:, None] + log_probs
        symbols = candidates.argmax(axis=1)
        best = candidates.max(axis=1)
        order = np.argsort(-best)
        return best[order], order.astype(np.int64), symbols[order].astype(np.int64)

    _check(lista, "q2", per_hypothesis, "escolhidas entre TODAS")


# ---------------------------------------------------------------------- q3
def _best_answer(mistake):
    def best_hypothesis(tokens, scores, alpha, eos):
        with np.errstate(all="ignore"):
            return _best(tokens, scores, alpha, eos, mistake=mistake)

    return best_hypothesis


@pytest.mark.parametrize(
    ("mistake", "hint"),
    [
        ("without_eos", "conta o símbolo de fim"),
        ("padded", "com o preenchimento"),
        ("multiply", "Divida pelo fator"),
        ("wu", "Wu et al. (2016)"),
        ("argmin", "MENOR escore normalizado"),
    ],
    ids=lambda v: v if isinstance(v, str) and " " not in v else "",
)
def test_q3_wrong_answers_get_their_hint(lista, mistake, hint):
    report = _check(lista, "q3", _best_answer(mistake), hint)
    if mistake != "argmin":
        assert report.results[0].passed  # com alpha = 0 o comprimento não importa


def test_q3_the_package_length_penalty_does_not_earn_the_points(lista):
    from rnncourse.decoding import length_penalty

    def via_package(tokens, scores, alpha, eos):
        is_eos = tokens == eos
        L = np.where(is_eos.any(1), is_eos.argmax(1) + 1, tokens.shape[1])
        normalized = scores / length_penalty(L.astype(float), alpha)
        return int(np.argmax(normalized)), normalized

    report = _check(lista, "q3", via_package, "Wu et al. (2016)")
    assert report.results[0].passed and report.points < lista.questions["q3"].points


# ---------------------------------------------------------------------- q4
def _state(attention="dot", hidden=MODEL_CONFIG["hidden_size"]):
    from rnncourse.grading.lista_07 import _vocabs
    from rnncourse.seq2seq import Seq2Seq

    src, tgt = _vocabs()
    torch.manual_seed(0)
    model = Seq2Seq(len(src), len(tgt), MODEL_CONFIG["embed_dim"], hidden, attention=attention)
    return {k: v.detach().numpy() for k, v in model.state_dict().items()}


def test_q4_structural_mistakes_are_explained(lista):
    _check(lista, "q4", lambda numbers, seed: _state(attention=None), "attention='dot'")
    _check(lista, "q4", lambda numbers, seed: _state(hidden=32), "hidden_size=48")
    _check(lista, "q4", lambda numbers, seed: list(_state().values()), "state_dict().items()")
    renamed = {f"modelo.{k}": v for k, v in _state().items()}
    _check(lista, "q4", lambda numbers, seed: renamed, "exatamente como no enunciado")


def test_q4_an_untrained_package_model_earns_nothing(lista):
    report = _check(lista, "q4", lambda numbers, seed: _state(), "acurácia exata")
    assert report.points == 0


def test_q4_training_without_the_one_step_shift_is_measured_and_told(lista, solutions, timings):
    nb = nbformat.read(ROOT / "exercises" / "sources" / "lista_07_fonte.ipynb", as_version=4)
    source = next(c.source for c in nb.cells if "def train_spelling_model" in c.source)
    wrong = source.replace(
        "tgt_in[i, : len(y) + 1] = torch.tensor([BOS, *y])",
        "tgt_in[i, : len(y) + 1] = torch.tensor([*y, EOS])",
    )  # o decodificador lê o próprio alvo: aprende a copiar, e no teste não tem o que copiar
    assert wrong != source
    ns = dict(solutions)
    exec(compile(wrong, "resposta_errada", "exec"), ns)
    start = time.perf_counter()
    report = _check(lista, "q4", ns["train_spelling_model"], "BOS + y")
    timings["lista 7, questão 4: um treino errado medido"] = time.perf_counter() - start
    assert report.points == 0
