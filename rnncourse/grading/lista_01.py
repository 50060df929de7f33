"""Banco de questões da lista 1 (capítulo 1): sequências, contexto e modelos de n-gramas.

Questões (as funções que o estudante escreve, em numpy e Python puro):

1. ``one_hot(indices, vocab_size)``: codificação *one-hot* de qualquer forma de lote.
2. ``context_windows(indices, n_context)``: janelas de contexto de tamanho fixo
   (com a fronteira ``"."`` = índice 0 à esquerda) e o próximo símbolo de cada uma.
3. ``count_ngrams(words, n)``: contagens ``(contexto, caractere)`` com a convenção
   de ``rnncourse.ngram`` (``"." * (n - 1) + palavra + "."``).
4. ``smoothed_distribution(counts, context, itos, k)``: distribuição do próximo
   caractere com suavização aditiva.
5. ``perplexity(prob, words, n)``: perplexidade por símbolo (letras e fim de palavra).

As respostas de referência vêm do pacote (``NGramLM``) ou são escritas aqui em
poucas linhas. Os casos isolam um aspecto por vez (a fronteira, o fim da
palavra, o denominador da suavização) para que a dica diga qual está errado.

Fora do escopo: o motor que roda os casos (``core.py``) e o texto dos enunciados
(ficam no notebook da lista).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from rnncourse.data import BOUNDARY, CharVocab, load_words, split_words
from rnncourse.grading.compare import (
    Failure,
    check_array,
    check_float,
    check_int_mapping,
    check_tuple,
    matches_any,
)
from rnncourse.grading.core import Case, Question
from rnncourse.ngram import NGramLM

__all__ = ["TITLE", "build_questions"]

TITLE = "Dados sequenciais e modelos de linguagem de n-gramas"


@lru_cache(maxsize=1)
def _corpus() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(treino, validação): 400 e 100 palavras do português, sempre as mesmas."""
    train, val, _ = split_words(load_words(3000), seed=0)
    return tuple(train[:400]), tuple(val[:100])


# --------------------------------------------------------------------------- q1
def _ref_one_hot(indices: np.ndarray, vocab_size: int) -> np.ndarray:
    return np.eye(vocab_size)[np.asarray(indices)]


def _judge_one_hot(obtained, args) -> Failure | None:
    indices, vocab_size = args
    expected = _ref_one_hot(indices, vocab_size)
    failure = check_array(
        obtained,
        expected,
        name="o one-hot",
        dtype_hint="Use float64 (np.zeros(...) e np.eye(...) já criam float64).",
    )
    if failure is None:
        return None
    if failure.kind == "shape":
        failure.hint = (
            "A saída tem forma indices.shape + (V,): um vetor de tamanho V para cada índice, "
            "qualquer que seja a forma de indices (1D, 2D...)."
        )
    elif failure.kind == "values":
        failure.hint = matches_any(
            obtained,
            [
                (
                    lambda: np.eye(vocab_size)[(np.asarray(indices) - 1) % vocab_size],
                    "O 1 ficou uma coluna antes: a posição do 1 é o próprio índice "
                    "(o índice 0, a fronteira '.', também tem a sua coluna).",
                ),
                (
                    lambda: np.eye(vocab_size)[(np.asarray(indices) + 1) % vocab_size],
                    "O 1 ficou uma coluna depois: a posição do 1 é o próprio índice.",
                ),
            ],
        )
    return failure


def _one_hot_case(description: str, indices, vocab_size: int, hint: str) -> Case:
    return Case(
        description,
        make_args=lambda: (np.array(indices, dtype=np.int64), vocab_size),
        judge=_judge_one_hot,
        hint=hint,
        arg_names=("indices", "vocab_size"),
    )


def _one_hot_hidden(description: str, shape=(2, 5), vocab_size: int = 9, seed: int = 0) -> Case:
    indices = np.random.default_rng(seed).integers(0, vocab_size, size=shape)
    return _one_hot_case(description, indices.tolist(), vocab_size, "")


# --------------------------------------------------------------------------- q2
def _ref_windows(indices: Sequence[int], n_context: int) -> tuple[np.ndarray, np.ndarray]:
    indices = [int(i) for i in indices]
    padded = [0] * n_context + indices
    L = len(indices)
    X = np.array([padded[i : i + n_context] for i in range(L + 1)], dtype=np.int64)
    y = np.array([*indices, 0], dtype=np.int64)
    return X.reshape(L + 1, n_context), y


def _judge_windows(obtained, args) -> Failure | None:
    indices, n_context = args
    X_exp, y_exp = _ref_windows(indices, n_context)
    L = len(indices)
    failure = check_tuple(obtained, 2, "(X, y)")
    if failure is not None:
        return failure
    X, y = obtained
    for value, expected, name in ((X, X_exp, "X"), (y, y_exp, "y")):
        failure = check_array(value, expected, name=name, dtype="integer")
        if failure is None:
            continue
        if failure.kind == "shape":
            rows = np.shape(value)[0] if np.ndim(value) > 0 else None
            if rows == L:
                failure.hint = (
                    "Falta uma linha: uma palavra de L letras tem L + 1 previsões; depois da "
                    "última letra o modelo ainda prevê o fim da palavra (o índice 0)."
                )
            elif rows is not None and rows < L:
                failure.hint = (
                    "Faltam as primeiras linhas: complete o começo com n_context zeros (a "
                    "fronteira '.') para que a primeira letra também tenha contexto."
                )
            else:
                failure.hint = f"X deve ter forma (L + 1, n_context) = ({L + 1}, {n_context})."
        elif failure.kind == "values" and name == "X":
            padded = [0] * (n_context + 1) + [int(i) for i in indices] + [0]
            shifted = np.array(
                [padded[i + 2 : i + 2 + n_context] for i in range(L + 1)], dtype=float
            )
            failure.hint = matches_any(
                X,
                [
                    (
                        lambda shifted=shifted: shifted,
                        "A janela da linha i inclui o próprio alvo y[i]: ela deve terminar "
                        "logo antes dele (são os n_context símbolos anteriores).",
                    )
                ],
            ) or (
                "A linha i de X são os n_context símbolos que vêm antes de y[i], com zeros "
                "(a fronteira) à esquerda quando a palavra ainda não tem tantas letras."
            )
        elif failure.kind == "values":
            failure.hint = "y[i] é o símbolo seguinte à janela X[i]; o último é o fim (0)."
        return failure
    return None


def _windows_case(description: str, indices: Sequence[int], n_context: int, hint: str) -> Case:
    return Case(
        description,
        make_args=lambda: (list(indices), n_context),
        judge=_judge_windows,
        hint=hint,
        arg_names=("indices", "n_context"),
    )


def _windows_hidden(description: str, length: int = 5, n_context: int = 4, seed: int = 0) -> Case:
    indices = np.random.default_rng(seed).integers(1, 30, size=length).tolist()
    return _windows_case(description, indices, n_context, "")


# --------------------------------------------------------------------------- q3
def _ref_counts(words: Sequence[str], n: int) -> dict[tuple[str, str], int]:
    model = NGramLM(n).fit(list(words))
    return {(ctx, ch): c for ctx, counter in model.counts.items() for ch, c in counter.items()}


def _judge_counts(obtained, args) -> Failure | None:
    words, n = args
    expected = _ref_counts(words, n)
    failure = check_int_mapping(obtained, expected, name="as contagens")
    if failure is None or failure.kind != "keys":
        return failure
    keys = list(obtained.keys())
    bad = [k for k in keys if not (isinstance(k, tuple) and len(k) == 2)]
    if bad or not all(isinstance(a, str) and isinstance(b, str) for a, b in keys):
        failure.hint = (
            "Cada chave é um par (contexto, caractere) de strings, por exemplo ('re', 'd') "
            "para trigramas."
        )
        return failure
    lengths = {len(ctx) for ctx, _ in keys}
    if lengths and lengths != {n - 1}:
        failure.hint = (
            f"Com n = {n} o contexto tem n − 1 = {n - 1} caractere(s); nas suas chaves há "
            f"contextos de comprimento {sorted(lengths)}. Complete o início com n − 1 "
            "símbolos '.'."
        )
        return failure
    missing = [k for k in expected if k not in obtained or not obtained[k]]
    if missing and all(ch == BOUNDARY for _, ch in missing):
        failure.hint = (
            "Faltam os pares que terminam a palavra: cada palavra termina com '.', e o modelo "
            "também conta (contexto, '.')."
        )
    elif missing and all(ctx.startswith(BOUNDARY) for ctx, _ in missing):
        failure.hint = (
            "Faltam os pares do começo da palavra: o contexto inicial é '.' * (n − 1), e a "
            "primeira letra também é contada."
        )
    else:
        failure.hint = (
            "Leia cada palavra como '.' * (n − 1) + palavra + '.' e conte todos os pares."
        )
    return failure


def _counts_case(description: str, words: Sequence[str], n: int, hint: str) -> Case:
    return Case(
        description,
        make_args=lambda: (list(words), n),
        judge=_judge_counts,
        hint=hint,
        arg_names=("words", "n"),
    )


def _counts_hidden(description: str, n: int = 3, n_words: int = 50, start: int = 0) -> Case:
    train, _ = _corpus()
    return _counts_case(description, train[start : start + n_words], n, "")


# --------------------------------------------------------------------------- q4
def _fitted(n: int, k: float, n_words: int = 400) -> NGramLM:
    train, val = _corpus()
    vocab = CharVocab.from_words([*train, *val])
    return NGramLM(n, k).fit(list(train[:n_words]), vocab=vocab)


def _counts_of(model: NGramLM) -> dict[tuple[str, str], int]:
    return {(ctx, ch): c for ctx, counter in model.counts.items() for ch, c in counter.items()}


def _judge_distribution(obtained, args) -> Failure | None:
    counts, context, itos, k = args
    V = len(itos)
    seen = np.array([counts.get((context, ch), 0) for ch in itos], dtype=float)
    N = seen.sum()
    expected = (seen + k) / (N + k * V)
    failure = check_array(obtained, expected, name="a distribuição", rtol=1e-9, atol=1e-12)
    if failure is None:
        return None
    if failure.kind == "shape":
        failure.hint = (
            f"Devolva um vetor de forma (|V|,) = ({V},): uma probabilidade por símbolo de itos."
        )
    elif failure.kind == "nonfinite":
        failure.hint = (
            "Para um contexto nunca visto N(contexto) = 0: o denominador N(contexto) + k·|V| "
            "continua positivo. Faltou o k·|V|?"
        )
    elif failure.kind == "values":
        total = float(np.sum(np.asarray(obtained, dtype=float)))
        all_counts = float(sum(counts.values()))
        failure.hint = matches_any(
            obtained,
            [
                (
                    lambda: (seen + k) / (N + k),
                    "O k entra uma vez para cada símbolo do vocabulário: o denominador é "
                    "N(contexto) + k·|V|, não N(contexto) + k.",
                ),
                (
                    lambda: (seen + k) / N,
                    "Faltou o k·|V| no denominador: as probabilidades não somam 1.",
                ),
                (
                    lambda: (seen + k) / (all_counts + k * V),
                    "N(contexto) é a soma das contagens só deste contexto, não de todos.",
                ),
                (
                    lambda: seen / N,
                    "Faltou a suavização: some k a cada contagem (e k·|V| ao denominador).",
                ),
            ],
        )
        if failure.hint is None and not math.isclose(total, 1.0, rel_tol=1e-9):
            failure.hint = (
                f"As suas probabilidades somam {total:.6g}, não 1: confira o denominador "
                "N(contexto) + k·|V|."
            )
        elif failure.hint is None:
            failure.hint = (
                "Somam 1, mas a ordem ou os valores diferem: a posição i do vetor é o "
                "símbolo itos[i], com contagem counts.get((context, itos[i]), 0)."
            )
    return failure


def _distribution_case(description: str, n: int, k_fit: float, context: str, k: float, hint: str):
    def make_args():
        model = _fitted(n, k_fit)
        return _counts_of(model), context, list(model.vocab.itos), k

    return Case(
        description,
        make_args=make_args,
        judge=_judge_distribution,
        hint=hint,
        arg_names=("counts", "context", "itos", "k"),
    )


def _distribution_hidden(description: str, n: int = 3, context: str = "ca", k: float = 0.2) -> Case:
    return _distribution_case(description, n, 1.0, context, k, "")


# --------------------------------------------------------------------------- q5
class _StrictProb:
    """``prob(contexto, caractere)`` que exige exatamente ``n - 1`` caracteres de contexto."""

    def __init__(self, table, n: int, vocab: Sequence[str]):
        self.table = table  # função (contexto, caractere) -> probabilidade
        self.n = n
        self.vocab = frozenset(vocab)

    def __call__(self, context: str, ch: str) -> float:
        if not isinstance(context, str) or len(context) != self.n - 1:
            raise ValueError(
                f"prob recebeu o contexto {context!r}, mas ele deve ter exatamente "
                f"n − 1 = {self.n - 1} caractere(s) (com '.' à esquerda no começo da palavra)"
            )
        if ch not in self.vocab:
            raise ValueError(f"prob recebeu o caractere {ch!r}, que não está no vocabulário")
        return self.table(context, ch)

    def __deepcopy__(self, memo):
        return self


def _events(word: str, n: int):
    padded = BOUNDARY * (n - 1) + word + BOUNDARY
    for i in range(n - 1, len(padded)):
        yield padded[i - n + 1 : i], padded[i]


def _ref_perplexity(prob, words: Sequence[str], n: int) -> float:
    bits = -sum(math.log2(prob(c, ch)) for w in words for c, ch in _events(w, n))
    return 2.0 ** (bits / sum(len(w) + 1 for w in words))


def _judge_perplexity(obtained, args) -> Failure | None:
    prob, words, n = args
    expected = _ref_perplexity(prob, words, n)
    failure = check_float(obtained, expected, name="a perplexidade", rtol=1e-9)
    if failure is None or failure.kind != "values":
        return failure
    logs = [[math.log2(prob(c, ch)) for c, ch in _events(w, n)] for w in words]
    bits = -sum(map(sum, logs))
    n_symbols = sum(len(w) + 1 for w in words)
    n_letters = sum(len(w) for w in words)
    candidates = [
        (
            bits / n_symbols,
            "Você devolveu a entropia cruzada em bits por símbolo; a perplexidade é 2 elevado "
            "a ela.",
        ),
        (
            2.0 ** (bits / len(words)),
            "Você dividiu pelo número de palavras: divida pelo número de símbolos previstos "
            "(as letras mais o fim de cada palavra).",
        ),
        (
            2.0 ** (bits / n_letters),
            "Cada palavra de L letras tem L + 1 previsões: conte também o fim da palavra no "
            "denominador.",
        ),
        (
            2.0 ** (-sum(sum(x[:-1]) for x in logs) / n_letters),
            "Faltou a previsão do fim da palavra ('.'): ela entra na soma e na contagem.",
        ),
        (
            math.exp(bits / n_symbols),
            "Você somou log2 mas exponenciou com e: use 2 ** (bits por símbolo), ou então "
            "log natural com exp.",
        ),
        (
            2.0 ** (bits * math.log(2) / n_symbols),
            "Você somou logaritmos naturais e exponenciou com 2: use log2 com 2 **, ou log "
            "natural com exp.",
        ),
    ]
    value = float(obtained)
    for wrong, hint in candidates:
        if math.isclose(value, wrong, rel_tol=1e-9):
            failure.hint = hint
            break
    return failure


def _uniform_case() -> Case:
    V = 30
    alphabet = [BOUNDARY, *"abcdefghijklmnopqrstuvwxyzçãé"[: V - 1]]

    def make_args():
        prob = _StrictProb(lambda c, ch: 1.0 / V, 2, alphabet)
        return prob, ["casa", "bola", "abacate"], 2

    return Case(
        "modelo uniforme (P = 1/V com V = 30, bigramas): a perplexidade deve ser exatamente V",
        make_args=make_args,
        judge=_judge_perplexity,
        hint="Com todas as probabilidades iguais a 1/V a perplexidade é V: confira a média "
        "(divida pelo número de símbolos previstos) e a exponenciação (2 ** bits).",
        arg_names=("prob", "words", "n"),
    )


def _unigram_case() -> Case:
    table = {BOUNDARY: 0.25, "a": 0.5, "b": 0.25}

    def make_args():
        prob = _StrictProb(lambda c, ch: table[ch], 1, list(table))
        return prob, ["ab", "ba", "aab"], 1

    return Case(
        "unigramas (n = 1, contexto vazio) em ['ab', 'ba', 'aab']: o fim de cada palavra conta",
        make_args=make_args,
        judge=_judge_perplexity,
        hint="São 3 + 3 + 4 = 10 previsões: as letras e o fim '.' de cada palavra.",
        arg_names=("prob", "words", "n"),
    )


def _ngram_case(description: str, n: int, k: float, n_val: int, hint: str) -> Case:
    def make_args():
        model = _fitted(n, k)
        _, val = _corpus()
        prob = _StrictProb(model.prob, n, model.vocab.itos)
        return prob, list(val[:n_val]), n

    return Case(
        description,
        make_args=make_args,
        judge=_judge_perplexity,
        hint=hint,
        arg_names=("prob", "words", "n"),
    )


def _perplexity_hidden(description: str, n: int = 4, k: float = 0.05, n_val: int = 60) -> Case:
    return _ngram_case(description, n, k, n_val, "")


# ---------------------------------------------------------------------- o banco
def build_questions() -> list[Question]:
    """As cinco questões da lista 1, com os casos públicos."""
    return [
        Question(
            "q1",
            "Codificação one-hot",
            "one_hot",
            "one_hot(indices, vocab_size)",
            1.0,
            (
                _one_hot_case(
                    "uma sequência: índices [2, 0, 4, 1] com V = 5",
                    [2, 0, 4, 1],
                    5,
                    "A linha i tem um único 1, na coluna indices[i].",
                ),
                _one_hot_case(
                    "um lote (B = 2, T = 3) com V = 6: a saída tem forma (2, 3, 6)",
                    [[1, 2, 3], [5, 0, 4]],
                    6,
                    "Funcione para qualquer forma de indices: np.eye(V)[indices] faz isso.",
                ),
                _one_hot_case(
                    "os extremos: o índice 0 (a fronteira '.') e o último índice, V − 1 = 6",
                    [[0, 6], [6, 0]],
                    7,
                    "Os índices vão de 0 a V − 1; o 0 é a fronteira e também tem a sua coluna.",
                ),
            ),
            hidden_case=_one_hot_hidden,
        ),
        Question(
            "q2",
            "Janelas de contexto de tamanho fixo",
            "context_windows",
            "context_windows(indices, n_context)",
            2.0,
            (
                _windows_case(
                    "palavra de 3 letras (índices [5, 3, 8]) com janela de 2",
                    [5, 3, 8],
                    2,
                    "Para [5, 3, 8] e janela 2: X = [[0, 0], [0, 5], [5, 3], [3, 8]] e "
                    "y = [5, 3, 8, 0].",
                ),
                _windows_case(
                    "palavra mais longa que a janela: 6 letras, janela de 3",
                    [7, 1, 9, 9, 2, 4],
                    3,
                    "Quando a palavra é mais longa que a janela, a janela desliza: só os "
                    "n_context símbolos mais recentes ficam.",
                ),
                _windows_case(
                    "janela de 1: o contexto é só o símbolo anterior",
                    [4, 6, 2],
                    1,
                    "Com n_context = 1, X[i] = [símbolo anterior a y[i]], e X[0] = [0].",
                ),
                _windows_case(
                    "palavra vazia: só resta prever o fim",
                    [],
                    3,
                    "Uma palavra vazia ainda tem uma previsão (o fim): X = [[0, 0, 0]] e y = [0].",
                ),
            ),
            hidden_case=_windows_hidden,
        ),
        Question(
            "q3",
            "Contagem de n-gramas",
            "count_ngrams",
            "count_ngrams(words, n)",
            2.0,
            (
                _counts_case(
                    "bigramas numa palavra: ['ab'] com n = 2",
                    ["ab"],
                    2,
                    "Para 'ab' e n = 2 a palavra é lida como '.ab.': os pares são ('.', 'a'), "
                    "('a', 'b') e ('b', '.').",
                ),
                _counts_case(
                    "n = 1: o contexto é a string vazia ''",
                    ["ola", "oi"],
                    1,
                    "Com n = 1 todas as chaves têm contexto '' (nenhum caractere anterior).",
                ),
                _counts_case(
                    "trigramas em ['rede', 'redes', 'ola']: pares repetidos somam",
                    ["rede", "redes", "ola"],
                    3,
                    "Com n = 3, 'rede' vira '..rede.'; ('..', 'r') aparece duas vezes.",
                ),
                _counts_case(
                    "trigramas em 400 palavras do português",
                    list(_corpus()[0]),
                    3,
                    "Confira a sua função com palavras de verdade: acentos e palavras longas.",
                ),
            ),
            hidden_case=_counts_hidden,
        ),
        Question(
            "q4",
            "Distribuição suavizada do próximo caractere",
            "smoothed_distribution",
            "smoothed_distribution(counts, context, itos, k)",
            2.0,
            (
                _distribution_case(
                    "contexto frequente ('..', o começo de palavra), Laplace (k = 1)",
                    3,
                    1.0,
                    "..",
                    1.0,
                    "P(c | contexto) = (N(contexto, c) + k) / (N(contexto) + k·|V|).",
                ),
                _distribution_case(
                    "contexto nunca visto ('qz'): a distribuição deve ser uniforme, 1/|V|",
                    3,
                    1.0,
                    "qz",
                    1.0,
                    "Sem contagens, (0 + k) / (0 + k·|V|) = 1/|V| para todo símbolo.",
                ),
                _distribution_case(
                    "k muito pequeno (0,001): quase a frequência relativa do contexto 'ca'",
                    3,
                    1.0,
                    "ca",
                    0.001,
                    "Com k → 0 sobra N(contexto, c) / N(contexto): confira as contagens do "
                    "contexto.",
                ),
                _distribution_case(
                    "bigramas (contexto 'a'), k = 0,5",
                    2,
                    0.5,
                    "a",
                    0.5,
                    "O contexto de bigramas tem um só caractere; a fórmula é a mesma.",
                ),
            ),
            hidden_case=_distribution_hidden,
        ),
        Question(
            "q5",
            "Perplexidade de um modelo de linguagem",
            "perplexity",
            "perplexity(prob, words, n)",
            3.0,
            (
                _uniform_case(),
                _unigram_case(),
                _ngram_case(
                    "bigramas (k = 0,1) avaliados em 100 palavras de validação",
                    2,
                    0.1,
                    100,
                    "O contexto de cada previsão são os n − 1 = 1 símbolo anterior, com '.' "
                    "no começo da palavra.",
                ),
                _ngram_case(
                    "trigramas (k = 0,1) avaliados em 100 palavras de validação",
                    3,
                    0.1,
                    100,
                    "Leia cada palavra como '..' + palavra + '.' e passe a prob os 2 símbolos "
                    "anteriores a cada caractere.",
                ),
            ),
            hidden_case=_perplexity_hidden,
        ),
    ]
