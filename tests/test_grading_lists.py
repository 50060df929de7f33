"""As listas 1 e 2: as soluções das fontes ganham tudo, os esboços ganham zero e os erros típicos
(escritos por nós, pelo menos dois por questão) são recusados com a dica pensada para eles.

As soluções vêm das próprias fontes (``exercises/sources``): as células de código são
executadas num dicionário, como o kernel faria, sem a célula de configuração (que tem
``%pip``). Os erros típicos abaixo são variações pequenas dessas soluções.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import rnncourse
from rnncourse.grading import abrir_lista
from rnncourse.grading.core import LISTS, grade_question
from rnncourse.grading.lista_02 import BURN_IN, VAL_LOSS_BOUND

ROOT = Path(__file__).resolve().parents[1]


def _namespace(path: Path, skip_tags=("setup", "colab-badge", "verificar")) -> dict:
    nb = nbformat.read(path, as_version=4)
    ns: dict = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and not set(cell.metadata.get("tags", [])) & set(skip_tags):
            exec(compile(cell.source, str(path), "exec"), ns)
    return ns


@functools.cache
def solutions_of(name: str) -> dict:
    """A fonte da lista executada uma vez por sessão, compartilhada pelos arquivos de teste.

    Os testes só leem este dicionário (as soluções, a lista com os casos ocultos).
    """
    return _namespace(ROOT / "exercises" / "sources" / f"{name}_fonte.ipynb")


@pytest.fixture(scope="module")
def solutions_01() -> dict:
    return solutions_of("lista_01")


@pytest.fixture(scope="module")
def solutions_02() -> dict:
    return solutions_of("lista_02")


# a fonte de TODA lista registrada: as soluções ganham tudo, com os casos ocultos
@pytest.mark.parametrize("name", sorted(LISTS))
def test_solutions_get_full_marks_including_instructor_tests(name):
    ns = solutions_of(name)
    lista = ns["lista"]  # a célula de instrutor da fonte já acrescentou os casos ocultos
    assert all(lista._hidden[qid] for qid in lista.questions), "toda questão tem teste oculto"
    reports = lista.grade_namespace(ns)
    for report in reports:
        assert report.points == report.max_points, report.as_text()
        assert report.status == "completa"
    assert lista.resumo().total == lista.max_total == 10


# o esboço de TODA lista registrada: nenhuma questão em branco ganha ponto
@pytest.mark.parametrize("name", sorted(LISTS))
def test_student_stubs_get_zero_and_are_reported_as_unanswered(name):
    ns = _namespace(ROOT / "exercises" / f"{name}.ipynb")
    lista = ns["lista"]
    for report in lista.grade_namespace(ns):
        assert report.points == 0 and report.status == "não respondida", report.as_text()
        assert "Questão sem resposta: complete a função" in report.as_text()


def _check(lista, qid, fn, hint: str, *, cases=None):
    """Verifica ``fn``; confere que perdeu pontos e que a dica esperada aparece."""
    question = lista.questions[qid]
    if cases is not None:
        question = dataclasses.replace(question, cases=question.cases[cases])
    report = grade_question(question, fn)
    text = report.as_text()
    assert report.points < question.points, text
    assert hint in text, text
    return report


# ------------------------------------------------------------------ lista 1
def test_list1_q1_bag_of_symbols_wrong_answers():
    lista = abrir_lista(1)

    def eye_sum(idx, V):  # o -1 do preenchimento vira a última coluna
        return np.eye(V)[np.asarray(idx)].sum(axis=-2)

    report = _check(lista, "q1", eye_sum, "O preenchimento (-1) foi contado na última coluna")
    assert report.results[0].passed  # sem preenchimento, a soma dos one-hot está certa
    _check(lista, "q1", lambda idx, V: np.eye(V)[np.asarray(idx)], "Você devolveu o one-hot")
    _check(
        lista,
        "q1",
        lambda idx, V: (np.asarray(idx)[..., None] == np.arange(V)).sum(axis=-2),
        "Use float64",
    )

    def frequencies(idx, V):
        idx = np.asarray(idx)
        counts = (idx[..., None] == np.arange(V)).sum(axis=-2).astype(float)
        return counts / np.maximum((idx >= 0).sum(axis=-1, keepdims=True), 1)

    _check(lista, "q1", frequencies, "frequências")

    def presence(idx, V):
        return (np.asarray(idx)[..., None] == np.arange(V)).any(axis=-2).astype(float)

    _check(lista, "q1", presence, "só a presença")


def test_list1_q2_centered_windows_wrong_answers():
    lista = abrir_lista(1)

    def windows(*, right_start=1, left=True, right=True, center=False, end=False):
        def centered_windows(indices, w):
            L = len(indices)
            padded = [0] * w + list(indices) + [0] * (w + 2)
            rows = []
            for i in range(L + (1 if end else 0)):
                row = padded[i : i + w] if left else []
                row = row + ([padded[i + w]] if center else [])
                if right:
                    row = row + padded[i + w + right_start : i + 2 * w + right_start]
                rows.append(row)
            X = np.array(rows, dtype=np.int64).reshape(len(rows), -1)
            return X, np.array(list(indices) + ([0] if end else []), dtype=np.int64)

        return centered_windows

    report = _check(lista, "q2", windows(right=False), "só o contexto da esquerda")
    assert report.points == 0  # a janela do capítulo (causal) não ganha nada
    _check(lista, "q2", windows(center=True), "inclui a própria letra do centro")
    _check(lista, "q2", windows(right_start=0), "começou na própria letra")
    _check(lista, "q2", windows(right_start=2), "pulou um símbolo")
    _check(lista, "q2", windows(end=True), "não há a previsão do fim")


def test_list1_q3_count_word_ngrams_wrong_answers():
    lista = abrir_lista(1)

    def counter(*, width=lambda n: n - 1, end=True, one=1, as_str=False):
        def count(sentences, n):
            counts = {}
            for s in sentences:
                w = width(n)  # quantas palavras o contexto tem
                padded = ["<s>"] * w + s.split() + (["</s>"] if end else [])
                for i in range(w, len(padded)):
                    ctx = tuple(padded[i - w : i])
                    key = (" ".join(ctx) if as_str else ctx, padded[i])
                    counts[key] = counts.get(key, 0) + one
            return counts

        return count

    _check(lista, "q3", counter(end=False), "Faltam os pares que terminam a frase")
    _check(lista, "q3", counter(width=lambda n: n), "o contexto tem n − 1")
    _check(lista, "q3", counter(one=1.0), "Contagens são inteiros")
    _check(lista, "q3", counter(as_str=True), "é uma TUPLA de n − 1 palavras")

    def with_start_predicted(sentences, n):  # '<s>' também como palavra prevista
        counts = counter()(sentences, n)
        for _ in sentences:
            key = (("<s>",) * (n - 1), "<s>") if n > 1 else ((), "<s>")
            counts[key] = counts.get(key, 0) + 1
        return counts

    _check(lista, "q3", with_start_predicted, "'<s>' só aparece no contexto")

    def characters(sentences, n):  # a contagem do capítulo, de caracteres, em pares
        counts = {}
        for s in sentences:
            padded = "." * (n - 1) + s + "."
            for i in range(n - 1, len(padded)):
                key = (padded[i - n + 1 : i], padded[i])
                counts[key] = counts.get(key, 0) + 1
        return counts

    report = _check(lista, "q3", characters, "Você contou caracteres")
    assert report.points == 0


def test_list1_q4_discounted_distribution_wrong_answers():
    lista = abrir_lista(1)

    def make(*, backoff=True, types="distinct", clip=True, lower="arg", unseen="lower"):
        def discounted_distribution(counts, context, itos, d, p_lower):
            c = np.array([counts.get((context, ch), 0) for ch in itos], dtype=float)
            N = c.sum()
            if N == 0 and unseen == "lower":
                return np.array(p_lower, dtype=float)
            kept = np.maximum(c - d, 0.0) if clip else c - d
            n1 = {"distinct": np.count_nonzero(c), "vocab": len(itos)}[types]
            low = np.asarray(p_lower) if lower == "arg" else np.full(len(itos), 1 / len(itos))
            with np.errstate(invalid="ignore", divide="ignore"):
                return kept / N + (d * n1 / N * low if backoff else 0.0)

        return discounted_distribution

    _check(lista, "q4", make(backoff=False), "Faltou devolver a massa descontada")
    _check(lista, "q4", make(types="vocab"), "não |V|")
    _check(lista, "q4", make(clip=False), "max(N(contexto, c) − d, 0)")
    _check(lista, "q4", make(lower="uniform"), "não para a distribuição uniforme")
    report = _check(lista, "q4", make(unseen="nan"), "a resposta é a própria p_lower")
    assert not report.results[1].passed and report.results[0].passed


def test_list1_q5_sentence_perplexity_wrong_answers():
    lista = abrir_lista(1)

    def make(*, per_sentence=False, end=True, log=math.log, exp=math.exp, swap=False):
        def sentence_perplexity(prob, sentences, n):
            total, count = 0.0, 0
            for s in sentences:
                padded = ["<s>"] * (n - 1) + s.split() + (["</s>"] if end else [])
                for i in range(n - 1, len(padded)):
                    total -= log(prob(tuple(padded[i - n + 1 : i]), padded[i]))
                    count += 1
            H = total / (len(sentences) if per_sentence else count)
            return (exp(H), H) if swap else (H, exp(H))

        return sentence_perplexity

    _check(lista, "q5", make(log=math.log2, exp=lambda h: 2.0**h), "Você calculou em bits")
    _check(lista, "q5", make(per_sentence=True), "dividiu pelo número de frases")
    _check(lista, "q5", make(end=False), "Faltou a previsão do fim da frase")
    _check(lista, "q5", make(exp=lambda h: 2.0**h), "não 2 elevado a ela")
    _check(lista, "q5", make(swap=True), "você as trocou")

    def string_context(prob, sentences, n):  # o contexto como string, à moda do capítulo
        total, count = 0.0, 0
        for s in sentences:
            padded = ["<s>"] * (n - 1) + s.split() + ["</s>"]
            for i in range(n - 1, len(padded)):
                total -= math.log(prob(" ".join(padded[i - n + 1 : i]), padded[i]))
                count += 1
        return total / count, math.exp(total / count)

    report = _check(lista, "q5", string_context, "ele deve ser uma tupla")
    assert report.points == 0

    def predicts_start(prob, sentences, n):  # '<s>' também previsto
        total, count = 0.0, 0
        for s in sentences:
            padded = ["<s>"] * n + s.split() + ["</s>"]
            for i in range(n - 1, len(padded)):
                total -= math.log(prob(tuple(padded[i - n + 1 : i]), padded[i]))
                count += 1
        return total / count, math.exp(total / count)

    _check(lista, "q5", predicts_start, "só aparece no contexto")


# ------------------------------------------------------------------ lista 2
def _leaky(x, h_prev, p, alpha, *, transpose_hh=True, bias_hh=True, mix="after", swap=False):
    W_hh = p["weight_hh"].T if transpose_hh else p["weight_hh"]
    a = x @ p["weight_ih"].T + p["bias_ih"] + h_prev @ W_hh
    if bias_hh:
        a = a + p["bias_hh"]
    keep, new = (alpha, 1 - alpha) if swap else (1 - alpha, alpha)
    if mix == "none":
        return np.tanh(a)
    if mix == "inside":
        return np.tanh(keep * h_prev + new * a)
    return keep * h_prev + new * np.tanh(a)


def test_list2_q1_leaky_cell_wrong_answers_point_at_the_wrong_term():
    lista = abrir_lista(2)
    report = _check(
        lista,
        "q1",
        lambda x, h, p, a: _leaky(x, h, p, a, transpose_hh=False),
        "Faltou transpor weight_hh",
    )
    failed = [r.description for r in report.results if not r.passed]
    assert failed[0].startswith("só o termo recorrente")  # o caso que isola W_hh falha
    assert report.results[0].passed  # o que isola W_ih passa
    report = _check(lista, "q1", lambda x, h, p, a: _leaky(x, h, p, a, bias_hh=False), "bias_hh")
    assert [r.passed for r in report.results[:4]] == [True, True, False, True]
    report = _check(
        lista, "q1", lambda x, h, p, a: _leaky(x, h, p, a, mix="none"), "RNN simples do capítulo"
    )
    assert report.points == 0  # o passo do capítulo não ganha nada
    _check(lista, "q1", lambda x, h, p, a: _leaky(x, h, p, a, swap=True), "estão trocados")
    _check(lista, "q1", lambda x, h, p, a: _leaky(x, h, p, a, mix="inside"), "DEPOIS da tanh")
    _check(lista, "q1", lambda x, h, p, a: (_leaky(x, h, p, a), None), "Devolva só o array h")


def test_list2_q2_final_state_wrong_answers(solutions_02):
    lista = abrir_lista(2)
    cell = solutions_02["leaky_rnn_cell_forward"]

    def run(X, lengths, h0, p, alpha, *, carry=True, shift=0, use_lengths=True, all_states=False):
        h, states = h0, [h0]
        for t in range(X.shape[1]):
            h = cell(X[:, t], h if carry else h0, p, alpha)
            states.append(h)
        S = np.stack(states, axis=1)  # (B, T + 1, H)
        if all_states:
            return S[:, 1:]
        if not use_lengths:
            return S[:, -1]
        return S[np.arange(len(lengths)), np.clip(np.asarray(lengths) + shift, 0, X.shape[1])]

    def last_index(X, lengths, h0, p, alpha):  # H[b, lengths[b] - 1]: o -1 do Python
        H = run(X, lengths, h0, p, alpha, all_states=True)
        return H[np.arange(len(lengths)), np.asarray(lengths) - 1]

    report = _check(lista, "q2", lambda *a: run(*a, use_lengths=False), "ÚLTIMO passo de X")
    assert report.results[0].passed  # sem preenchimento, o último passo é o certo
    _check(lista, "q2", lambda *a: run(*a, shift=-1), "um passo antes")
    _check(lista, "q2", lambda *a: run(*a, shift=1), "um passo depois")
    report = _check(lista, "q2", last_index, "comprimento 0")
    assert [r.passed for r in report.results[:4]] == [True, True, True, False]
    _check(lista, "q2", lambda *a: run(*a, carry=False), "Todos os passos usaram h0")
    _check(lista, "q2", lambda *a: run(*a, all_states=True), "Devolva só o estado final")


def test_list2_q3_top_k_wrong_answers():
    lista = abrir_lista(2)

    def softmax(z, stable=True):
        if stable:
            z = z - z.max(axis=-1, keepdims=True)
        with np.errstate(over="ignore", invalid="ignore"):
            e = np.exp(z)
            return e / e.sum(axis=-1, keepdims=True)

    def mask(z, k, largest=True):
        order = np.argsort(-z if largest else z, axis=-1)[..., :k]
        m = np.zeros(z.shape, dtype=bool)
        np.put_along_axis(m, order, True, axis=-1)
        return m

    def top_k(z, k, T, *, scale="divide", largest=True, renormalize=True, stable=True):
        zz = z / T if scale == "divide" else z * T
        if not renormalize:
            return np.where(mask(z, k), softmax(zz), 0.0)
        return softmax(np.where(mask(z, k, largest), zz, -np.inf), stable)

    _check(lista, "q3", lambda z, k, T: top_k(z, k, T, renormalize=False), "não normalizou")
    _check(lista, "q3", lambda z, k, T: top_k(z, k, T, largest=False), "k MENORES")
    _check(lista, "q3", lambda z, k, T: top_k(z, k, T, scale="multiply"), "multiplicou")
    _check(lista, "q3", lambda z, k, T: softmax(z / T), "Nenhum símbolo foi descartado")
    report = _check(lista, "q3", lambda z, k, T: top_k(z, k, T, stable=False), "subtraia")
    assert not report.results[4].passed  # os escores da ordem de 1000
    # a softmax com temperatura do capítulo e do pacote, sem o corte: nenhum caso passa
    report = _check(lista, "q3", lambda z, k, T: rnncourse.apply_temperature(z, T), "Nenhum")
    assert report.points == 0


def test_list2_q4_sample_word_min_len_wrong_answers():
    lista = abrir_lista(2)

    def sampler(*, keep_boundary=False, use_min=True, reject=False, strict=True, renorm=True):
        def sample_word_min_len(next_probs, itos, rng, min_len, max_len):
            context, letters = [0], []
            while len(letters) < max_len:
                p = np.array(next_probs(context), dtype=float)
                forbid = use_min and (len(letters) < min_len if strict else len(letters) <= min_len)
                if forbid and reject:
                    i = 0
                    while i == 0:
                        i = int(rng.choice(len(p), p=p))
                else:
                    if forbid:
                        p[0] = 0.0
                        p = p / p.sum() if renorm else p
                    i = int(rng.choice(len(p), p=p))
                if keep_boundary:
                    letters.append(itos[i])
                if i == 0:
                    break
                if not keep_boundary:
                    letters.append(itos[i])
                context.append(i)
            return "".join(letters)

        return sample_word_min_len

    _check(lista, "q4", sampler(keep_boundary=True), "sem incluí-la na palavra")
    report = _check(lista, "q4", sampler(use_min=False), "menos que min_len")
    assert report.results[0].passed  # com min_len = 0 a resposta é a mesma
    _check(lista, "q4", sampler(reject=True), "sorteou de novo")
    _check(lista, "q4", sampler(strict=False), "um passo a mais")
    report = _check(lista, "q4", sampler(renorm=False), "renormalize")
    assert report.results[0].passed and report.points < 1  # rng.choice recusa p sem somar 1


def _trainer(
    *, targets_are_inputs=False, zero_grad=True, step=True, item=True, lr_scale=1.0, start=None
):
    def train_char_rnn(model, X, Y, n_steps, lr, burn_in):
        optimizer = torch.optim.Adam(model.parameters(), lr=lr * lr_scale)
        b = burn_in if start is None or start == "cut" else start(burn_in)
        losses = []
        for _ in range(n_steps):
            if start == "cut":
                logits, target = model(X[:, burn_in:]), Y[:, burn_in:]
            else:
                logits, target = model(X)[:, b:], (X if targets_are_inputs else Y)[:, b:]
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1))
            if zero_grad:
                optimizer.zero_grad()
            loss.backward()
            if step:
                optimizer.step()
            losses.append(loss.item() if item else loss)
        return losses

    return train_char_rnn


def test_list2_q5_training_wrong_answers_in_the_exact_cases():
    lista = abrir_lista(2)
    short = slice(0, 2)  # só os casos de 1 e 3 passos (rápidos)
    all_positions = _trainer(start=lambda b: 0)
    _check(lista, "q5", all_positions, "A perda incluiu as primeiras posições", cases=short)
    _check(lista, "q5", _trainer(start="cut"), "Não corte a entrada", cases=short)
    _check(lista, "q5", _trainer(start=lambda b: b + 1), "burn_in + 1", cases=short)
    _check(lista, "q5", _trainer(targets_are_inputs=True), "Os alvos são Y", cases=short)
    _check(lista, "q5", _trainer(zero_grad=False), "Faltou optimizer.zero_grad()", cases=short)
    _check(lista, "q5", _trainer(step=False), "Faltou optimizer.step()", cases=short)
    _check(lista, "q5", _trainer(item=False), "Guarde loss.item()", cases=short)
    report = _check(lista, "q5", _trainer(zero_grad=False), "zero_grad", cases=short)
    assert report.results[0].passed  # com um passo só, esquecer zero_grad não aparece


def test_list2_q5_measures_the_validation_loss():
    lista = abrir_lista(2)
    measured = slice(2, 3)  # o treino de verdade
    report = _check(lista, "q5", _trainer(lr_scale=0.01), "quase não caiu", cases=measured)
    text = report.as_text()
    assert f"não ficou abaixo de {VAL_LOSS_BOUND:g}" in text
    assert "bigramas" in text and "uniforme" in text


def test_list2_statement_states_the_bound_the_check_uses():
    nb = nbformat.read(ROOT / "exercises" / "lista_02.ipynb", as_version=4)
    text = " ".join(" ".join(c.source.split()) for c in nb.cells if c.cell_type == "markdown")
    assert f"abaixo de {VAL_LOSS_BOUND:g}".replace(".", ",") + " nats" in text
    assert f"burn_in = {BURN_IN}" in text
