"""As listas 1 e 2: as soluções das fontes ganham tudo, os esboços ganham zero e os erros típicos
(escritos por nós, pelo menos dois por questão) são recusados com a dica pensada para eles.

As soluções vêm das próprias fontes (``exercises/sources``): as células de código são
executadas num dicionário, como o kernel faria, sem a célula de configuração (que tem
``%pip``). Os erros típicos abaixo são variações pequenas dessas soluções.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnncourse.grading import abrir_lista
from rnncourse.grading.core import LISTS, grade_question
from rnncourse.grading.lista_02 import VAL_LOSS_BOUND

ROOT = Path(__file__).resolve().parents[1]


def _namespace(path: Path, skip_tags=("setup", "colab-badge", "verificar")) -> dict:
    nb = nbformat.read(path, as_version=4)
    ns: dict = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and not set(cell.metadata.get("tags", [])) & set(skip_tags):
            exec(compile(cell.source, str(path), "exec"), ns)
    return ns


@pytest.fixture(scope="module")
def solutions_01() -> dict:
    return _namespace(ROOT / "exercises" / "sources" / "lista_01_fonte.ipynb")


@pytest.fixture(scope="module")
def solutions_02() -> dict:
    return _namespace(ROOT / "exercises" / "sources" / "lista_02_fonte.ipynb")


@pytest.mark.parametrize("number", [1, 2])
def test_solutions_get_full_marks_including_instructor_tests(number, request):
    ns = request.getfixturevalue(f"solutions_0{number}")
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
def test_list1_q1_one_hot_wrong_answers():
    lista = abrir_lista(1)
    _check(lista, "q1", lambda idx, V: np.eye(V)[np.asarray(idx) - 1], "uma coluna antes")
    _check(lista, "q1", lambda idx, V: np.eye(V, dtype=int)[idx], "Use float64")

    def only_1d(idx, V):
        out = np.zeros((len(idx), V))
        out[np.arange(len(idx)), idx] = 1.0
        return out

    report = _check(lista, "q1", only_1d, "Funcione para qualquer forma de indices")
    assert report.results[0].passed  # a sequência 1D passa; o lote não


def test_list1_q2_context_windows_wrong_answers():
    lista = abrir_lista(1)

    def missing_end(indices, n):
        padded = [0] * n + list(indices)
        X = np.array([padded[i : i + n] for i in range(len(indices))], dtype=np.int64)
        return X.reshape(len(indices), n), np.array(indices, dtype=np.int64)

    def window_includes_target(indices, n):
        padded = [0] * n + list(indices) + [0]
        X = np.array([padded[i + 1 : i + 1 + n] for i in range(len(indices) + 1)])
        return X.astype(np.int64), np.array([*indices, 0], dtype=np.int64)

    def no_padding(indices, n):
        seq = list(indices) + [0]
        X = np.array([seq[i - n : i] for i in range(n, len(seq))], dtype=np.int64)
        return X.reshape(-1, n), np.array(seq[n:], dtype=np.int64)

    _check(lista, "q2", missing_end, "Falta uma linha")
    _check(lista, "q2", window_includes_target, "inclui o próprio alvo")
    _check(lista, "q2", no_padding, "Faltam as primeiras linhas")


def test_list1_q3_count_ngrams_wrong_answers():
    lista = abrir_lista(1)

    def counter(pad_left, pad_right, one=1):
        def count(words, n):
            counts = {}
            for w in words:
                p = "." * pad_left(n) + w + "." * pad_right
                k = pad_left(n) + 1
                for i in range(k - 1, len(p)):
                    key = (p[i - k + 1 : i], p[i])
                    counts[key] = counts.get(key, 0) + one
            return counts

        return count

    _check(lista, "q3", counter(lambda n: n - 1, 0), "Faltam os pares que terminam a palavra")
    _check(lista, "q3", counter(lambda n: n, 1), "o contexto tem n − 1")
    _check(lista, "q3", counter(lambda n: n - 1, 1, one=1.0), "Contagens são inteiros")


def test_list1_q4_smoothed_distribution_wrong_answers():
    lista = abrir_lista(1)

    def seen(counts, context, itos):
        return np.array([counts.get((context, ch), 0) for ch in itos], dtype=float)

    def k_once(counts, context, itos, k):
        c = seen(counts, context, itos)
        return (c + k) / (c.sum() + k)

    def all_contexts(counts, context, itos, k):
        c = seen(counts, context, itos)
        return (c + k) / (sum(counts.values()) + k * len(itos))

    def no_smoothing(counts, context, itos, k):
        c = seen(counts, context, itos)
        with np.errstate(invalid="ignore"):
            return c / c.sum()

    _check(lista, "q4", k_once, "O k entra uma vez para cada símbolo")
    _check(lista, "q4", all_contexts, "só deste contexto")
    report = _check(lista, "q4", no_smoothing, "Faltou a suavização")
    assert "Faltou o k·|V|?" in report.as_text()  # o contexto nunca visto dá 0/0


def test_list1_q5_perplexity_wrong_answers():
    lista = abrir_lista(1)

    def make(total, exp, per_word=False, end=True, log=math.log2):
        def perplexity(prob, words, n):
            bits, count = 0.0, 0
            for w in words:
                p = "." * (n - 1) + w + ("." if end else "")
                for i in range(n - 1, len(p)):
                    bits -= log(prob(p[i - n + 1 : i], p[i]))
                    count += 1
            denominator = len(words) if per_word else count
            return exp(total(bits / denominator))

        return perplexity

    ident = lambda h: h  # noqa: E731
    pow2 = lambda h: 2.0**h  # noqa: E731
    _check(lista, "q5", make(ident, ident), "entropia cruzada em bits")
    _check(lista, "q5", make(ident, pow2, per_word=True), "dividiu pelo número de palavras")
    _check(lista, "q5", make(ident, pow2, end=False), "Faltou a previsão do fim da palavra")
    _check(lista, "q5", make(ident, pow2, log=math.log), "logaritmos naturais")

    def full_history(prob, words, n):  # passa todo o prefixo, não só n - 1 símbolos
        bits, count = 0.0, 0
        for w in words:
            p = "." + w + "."
            for i in range(1, len(p)):
                bits -= math.log2(prob(p[:i], p[i]))
                count += 1
        return 2 ** (bits / count)

    report = _check(lista, "q5", full_history, "ele deve ter exatamente")
    assert report.status in {"parcial", "errada"}


# ------------------------------------------------------------------ lista 2
def _cell(x, h_prev, p, *, transpose_hh=True, bias_hh=True, act=np.tanh):
    W_hh = p["weight_hh"].T if transpose_hh else p["weight_hh"]
    a = x @ p["weight_ih"].T + p["bias_ih"] + h_prev @ W_hh
    if bias_hh:
        a = a + p["bias_hh"]
    return act(a), None


def test_list2_q1_rnn_cell_wrong_answers_point_at_the_wrong_term():
    lista = abrir_lista(2)
    report = _check(
        lista,
        "q1",
        lambda x, h, p: _cell(x, h, p, transpose_hh=False),
        "Faltou transpor weight_hh",
    )
    failed = [r.description for r in report.results if not r.passed]
    assert failed[0].startswith("só o termo recorrente")  # o caso que isola W_hh falha
    assert report.results[0].passed  # o que isola W_ih passa
    report = _check(lista, "q1", lambda x, h, p: _cell(x, h, p, bias_hh=False), "bias_hh ficou")
    assert [r.passed for r in report.results[:4]] == [True, True, True, False]
    _check(lista, "q1", lambda x, h, p: _cell(x, h, p, act=lambda a: a), "Faltou a ativação")
    _check(lista, "q1", lambda x, h, p: _cell(x, h, p)[0], "devolver a tupla (h, cache)")


def test_list2_q2_rnn_forward_wrong_answers(solutions_02):
    lista = abrir_lista(2)
    cell = solutions_02["rnn_cell_forward"]

    def run(X, h0, p, *, carry=True, shift=False, axis=1, last=False):
        h, out = h0, []
        for t in range(X.shape[1]):
            if shift:
                out.append(h)
            h_new, _ = cell(X[:, t, :], h if carry else h0, p)
            h = h_new
            if not shift:
                out.append(h)
        return (h if last else np.stack(out, axis=axis)), None

    _check(lista, "q2", lambda X, h0, p: run(X, h0, p, carry=False), "Todos os passos usaram h0")
    _check(lista, "q2", lambda X, h0, p: run(X, h0, p, shift=True), "deslocados de um passo")
    _check(lista, "q2", lambda X, h0, p: run(X, h0, p, last=True), "Devolva todos os estados")
    _check(lista, "q2", lambda X, h0, p: run(X, h0, p, axis=0), "O eixo do tempo é o segundo")


def test_list2_q3_temperature_wrong_answers():
    lista = abrir_lista(2)

    def softmax(z, axis=-1, stable=True):
        if stable:
            z = z - z.max(axis=axis, keepdims=True)
        with np.errstate(over="ignore", invalid="ignore"):
            e = np.exp(z)
            return e / e.sum(axis=axis, keepdims=True)

    _check(lista, "q3", lambda z, T: softmax(z * T), "multiplicou os logits")
    _check(lista, "q3", lambda z, T: softmax(z / T, stable=False), "subtraia o máximo")
    _check(lista, "q3", lambda z, T: softmax(z / T, axis=0), "Normalize ao longo do último eixo")


def test_list2_q4_sample_word_wrong_answers(solutions_02):
    lista = abrir_lista(2)

    def sampler(start=(0,), keep_boundary=False, limit=0, greedy=False):
        def sample_word(next_probs, itos, rng, max_len):
            context, letters = list(start), []
            while len(letters) < max_len - limit:
                p = next_probs(context)
                i = int(np.argmax(p)) if greedy else int(rng.choice(len(p), p=p))
                if keep_boundary:
                    letters.append(itos[i])
                if i == 0:
                    break
                if not keep_boundary:
                    letters.append(itos[i])
                context.append(i)
            return "".join(letters)

        return sample_word

    _check(lista, "q4", sampler(keep_boundary=True), "sem incluí-la na palavra")
    _check(lista, "q4", sampler(limit=1), "parou uma letra antes")
    report = _check(lista, "q4", sampler(greedy=True), "argmax")
    assert report.results[0].passed  # num modelo determinístico, argmax e sorteio coincidem
    _check(lista, "q4", sampler(start=()), "deve começar pela fronteira")


def _trainer(*, targets_are_inputs=False, zero_grad=True, step=True, item=True, lr_scale=1.0):
    def train_char_rnn(model, X, Y, n_steps, lr):
        optimizer = torch.optim.Adam(model.parameters(), lr=lr * lr_scale)
        losses = []
        for _ in range(n_steps):
            logits = model(X)
            target = X if targets_are_inputs else Y
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
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert f"abaixo de {VAL_LOSS_BOUND:g}".replace(".", ",") + " nats" in text
