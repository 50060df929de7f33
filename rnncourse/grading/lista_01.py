"""Banco de questões da lista 1 (capítulo 1): sequências, contexto e modelos de n-gramas.

O capítulo 1 escreve o one-hot, a contagem de n-gramas de caracteres, a suavização aditiva e
os bits por caractere; o pacote tem ``NGramLM``. A lista pede **variantes e transferências**
dessas ideias, para que copiar o capítulo ou chamar o pacote não baste
(``tests/test_grading_no_giveaways.py`` confere):

1. ``bag_of_symbols(indices, vocab_size)``: o saco de símbolos (a soma dos one-hot no último
   eixo), com o preenchimento ``-1`` ignorado.
2. ``centered_windows(indices, w)``: janelas **centradas**, com os ``w`` símbolos antes e os
   ``w`` depois de cada letra (zeros fora da palavra), e a letra do centro como alvo: o
   contexto dos dois lados, que um modelo de linguagem não pode usar.
3. ``count_word_ngrams(sentences, n)``: contagens ``(contexto, palavra)`` de n-gramas de
   **palavras**, com a convenção dos marcadores de frase ``<s>`` (``n - 1`` no começo, só no
   contexto) e ``</s>`` (o fim, previsto).
4. ``discounted_distribution(counts, context, itos, d, p_lower)``: a distribuição do próximo
   caractere com **desconto absoluto** interpolado com um modelo de ordem menor.
5. ``sentence_perplexity(prob, sentences, n)``: a entropia cruzada por palavra em **nats** e a
   perplexidade de um modelo de palavras (com o ``</s>`` de cada frase).

As referências são escritas aqui em poucas linhas (as contagens de caracteres da questão 4
vêm de ``NGramLM``). Os casos isolam um aspecto por vez (o preenchimento, o fim da frase, a
massa descontada, a base do logaritmo) para que a dica diga qual está errado.

Fora do escopo: o motor que roda os casos (``core.py``) e o texto dos enunciados
(ficam no notebook da lista).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from rnncourse.data import CharVocab, load_words, split_words
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
def _ref_bag(indices: np.ndarray, vocab_size: int, *, count_pad: bool = False) -> np.ndarray:
    """Contagem de cada símbolo ao longo do último eixo; -1 (preenchimento) não conta."""
    idx = np.asarray(indices)
    if count_pad:  # o erro típico: np.eye(V)[-1] é a ÚLTIMA coluna
        return np.eye(vocab_size)[idx].sum(axis=-2)
    return (idx[..., None] == np.arange(vocab_size)).sum(axis=-2).astype(np.float64)


def _judge_bag(obtained, args) -> Failure | None:
    indices, vocab_size = args
    expected = _ref_bag(indices, vocab_size)
    failure = check_array(
        obtained,
        expected,
        name="o saco de símbolos",
        dtype_hint="Use float64 (np.zeros(...) e np.eye(...) já criam float64).",
    )
    if failure is None:
        return None
    shape = tuple(np.shape(obtained))
    idx = np.asarray(indices)
    if failure.kind == "shape":
        if shape == idx.shape + (vocab_size,):
            failure.hint = (
                "Você devolveu o one-hot de cada posição; o saco de símbolos SOMA os one-hot "
                "ao longo do último eixo (o tempo): forma indices.shape[:-1] + (V,)."
            )
        elif idx.ndim > 1 and shape == idx.shape[1:-1] + (vocab_size,) or shape == (vocab_size,):
            failure.hint = (
                "Some só no último eixo de indices (o tempo), um saco por sequência: a saída "
                "tem forma indices.shape[:-1] + (V,)."
            )
        else:
            failure.hint = (
                f"A saída tem forma indices.shape[:-1] + (V,) = {expected.shape}: um vetor de "
                "contagens para cada sequência."
            )
    elif failure.kind == "values":
        with np.errstate(all="ignore"):
            lengths = np.maximum((idx >= 0).sum(axis=-1, keepdims=True), 1)
            failure.hint = matches_any(
                obtained,
                [
                    (
                        lambda: _ref_bag(indices, vocab_size, count_pad=True),
                        "O preenchimento (-1) foi contado na última coluna: np.eye(V)[-1] é a "
                        "linha do ÚLTIMO símbolo. Ignore as posições com índice -1.",
                    ),
                    (
                        lambda: expected / lengths,
                        "Você devolveu frequências (dividiu pelo comprimento); o saco de "
                        "símbolos guarda as CONTAGENS.",
                    ),
                    (
                        lambda: (expected > 0).astype(float),
                        "Você marcou só a presença (0 ou 1); um símbolo que aparece duas vezes "
                        "conta 2.",
                    ),
                ],
            )
    return failure


def _bag_case(description: str, indices, vocab_size: int, hint: str) -> Case:
    return Case(
        description,
        make_args=lambda: (np.array(indices, dtype=np.int64), vocab_size),
        judge=_judge_bag,
        hint=hint,
        arg_names=("indices", "vocab_size"),
    )


def _bag_hidden(
    description: str, shape=(3, 6), vocab_size: int = 9, pad: int = 2, seed: int = 0
) -> Case:
    indices = np.random.default_rng(seed).integers(0, vocab_size, size=shape)
    if pad:
        indices[..., -pad:] = -1  # as últimas posições são preenchimento
    return _bag_case(description, indices.tolist(), vocab_size, "")


# --------------------------------------------------------------------------- q2
def _ref_centered(indices: Sequence[int], w: int, *, shift_right: int = 1):
    """Para cada letra: as ``w`` anteriores e as ``w`` seguintes (0 fora da palavra)."""
    ids = [int(i) for i in indices]
    L = len(ids)
    padded = [0] * w + ids + [0] * (w + 1)
    rows = [
        padded[i : i + w] + padded[i + w + shift_right : i + 2 * w + shift_right] for i in range(L)
    ]
    X = np.array(rows, dtype=np.int64).reshape(L, 2 * w)
    return X, np.array(ids, dtype=np.int64)


def _judge_centered(obtained, args) -> Failure | None:
    indices, w = args
    X_exp, y_exp = _ref_centered(indices, w)
    L = len(indices)
    failure = check_tuple(obtained, 2, "(X, y)")
    if failure is not None:
        return failure
    X, y = obtained
    for value, expected, name in ((X, X_exp, "X"), (y, y_exp, "y")):
        failure = check_array(value, expected, name=name, dtype="integer")
        if failure is None:
            continue
        shape = tuple(np.shape(value))
        if failure.kind == "shape" and name == "X":
            if shape == (L, w):
                failure.hint = (
                    "Você usou só o contexto da esquerda (a janela do modelo de linguagem); aqui "
                    "a janela tem os w símbolos ANTES e os w símbolos DEPOIS de cada letra: "
                    "forma (L, 2w)."
                )
            elif shape == (L, 2 * w + 1):
                failure.hint = (
                    "A janela inclui a própria letra do centro; ela é o alvo y[i] e não pode "
                    "estar em X[i]: forma (L, 2w)."
                )
            elif shape and shape[0] == L + 1:
                failure.hint = (
                    "Aqui não há a previsão do fim da palavra: uma palavra de L letras dá L "
                    "linhas, uma por letra."
                )
            else:
                failure.hint = f"X deve ter forma (L, 2w) = ({L}, {2 * w})."
        elif failure.kind == "shape":
            failure.hint = f"y tem forma (L,) = ({L},): as letras da palavra, sem o fim."
        elif failure.kind == "values" and name == "X":
            failure.hint = matches_any(
                X,
                [
                    (
                        lambda: _ref_centered(indices, w, shift_right=0)[0],
                        "A parte da direita começou na própria letra: ela são os w símbolos "
                        "DEPOIS de y[i], indices[i + 1 : i + 1 + w].",
                    ),
                    (
                        lambda: _ref_centered(indices, w, shift_right=2)[0],
                        "A parte da direita pulou um símbolo: ela começa logo depois de y[i], "
                        "em indices[i + 1].",
                    ),
                ],
            ) or (
                "X[i] são os w símbolos antes de y[i] (com zeros à esquerda no começo da "
                "palavra) seguidos dos w símbolos depois dele (com zeros à direita no fim)."
            )
        elif failure.kind == "values":
            failure.hint = "y[i] é a letra do centro da janela X[i]: y = indices."
        return failure
    return None


def _centered_case(description: str, indices: Sequence[int], w: int, hint: str) -> Case:
    return Case(
        description,
        make_args=lambda: (list(indices), w),
        judge=_judge_centered,
        hint=hint,
        arg_names=("indices", "w"),
    )


def _centered_hidden(description: str, length: int = 5, w: int = 2, seed: int = 0) -> Case:
    indices = np.random.default_rng(seed).integers(1, 30, size=length).tolist()
    return _centered_case(description, indices, w, "")


# --------------------------------------------------------------------------- q3
START, END = "<s>", "</s>"

#: palavras das frases sintéticas (uma cadeia de Markov fixa, sempre as mesmas frases)
_WORDS = (
    "o a um uma gato rede modelo texto menino menina livro dado vê lê treina gera "
    "prevê grande pequeno novo bom hoje aqui e de com"
).split()


@lru_cache(maxsize=4)
def _sentences(n_sentences: int, seed: int) -> tuple[str, ...]:
    """Frases sintéticas: uma cadeia de Markov sobre ``_WORDS``, de 1 a 8 palavras."""
    rng = np.random.default_rng([seed, 2026])
    table = rng.dirichlet(np.full(len(_WORDS), 0.3), size=len(_WORDS))
    out = []
    for _ in range(n_sentences):
        length = int(rng.integers(1, 9))
        w = int(rng.integers(len(_WORDS)))
        words = [w]
        for _ in range(length - 1):
            w = int(rng.choice(len(_WORDS), p=table[w]))
            words.append(w)
        out.append(" ".join(_WORDS[i] for i in words))
    return tuple(out)


def _word_events(sentence: str, n: int):
    padded = [START] * (n - 1) + sentence.split() + [END]
    for i in range(n - 1, len(padded)):
        yield tuple(padded[i - n + 1 : i]), padded[i]


def _ref_word_counts(sentences: Sequence[str], n: int) -> dict[tuple, int]:
    counts: dict[tuple, int] = {}
    for s in sentences:
        for key in _word_events(s, n):
            counts[key] = counts.get(key, 0) + 1
    return counts


def _judge_word_counts(obtained, args) -> Failure | None:
    sentences, n = args
    expected = _ref_word_counts(sentences, n)
    failure = check_int_mapping(obtained, expected, name="as contagens")
    if failure is None or failure.kind != "keys":
        return failure
    keys = list(obtained.keys())
    if not all(isinstance(k, tuple) and len(k) == 2 for k in keys):
        failure.hint = (
            "Cada chave é um par (contexto, palavra), com o contexto numa tupla de n − 1 "
            "palavras: por exemplo (('<s>', 'o'), 'gato') com n = 3."
        )
        return failure
    if any(isinstance(ctx, str) for ctx, _ in keys):
        if all(isinstance(w, str) and len(w) <= 1 for _, w in keys):
            failure.hint = (
                "Você contou caracteres, como no capítulo; aqui os símbolos são as PALAVRAS "
                "de cada frase (sentence.split()), com '<s>' e '</s>' nas fronteiras."
            )
        else:
            failure.hint = (
                "O contexto é uma TUPLA de n − 1 palavras (tuple(...)), não uma string: "
                "('<s>', 'o'), e não '<s> o'."
            )
        return failure
    lengths = {len(ctx) for ctx, _ in keys if isinstance(ctx, tuple)}
    if lengths and lengths != {n - 1}:
        failure.hint = (
            f"Com n = {n} o contexto tem n − 1 = {n - 1} palavra(s); nas suas chaves há "
            f"contextos de comprimento {sorted(lengths)}. Complete o início com n − 1 "
            "marcadores '<s>'."
        )
        return failure
    missing = [k for k in expected if k not in obtained or not obtained[k]]
    extra = [k for k in obtained if k not in expected and obtained[k]]
    if any(w == START for _, w in extra):
        failure.hint = (
            "'<s>' só aparece no contexto: ele nunca é previsto (nenhum par termina em '<s>')."
        )
    elif missing and all(w == END for _, w in missing):
        failure.hint = (
            "Faltam os pares que terminam a frase: cada frase termina com '</s>', e o modelo "
            "também conta (contexto, '</s>')."
        )
    elif missing and all(ctx and ctx[0] == START for ctx, _ in missing):
        failure.hint = (
            "Faltam os pares do começo da frase: o contexto inicial é ('<s>',) * (n − 1), e a "
            "primeira palavra também é contada."
        )
    else:
        failure.hint = (
            "Leia cada frase como ['<s>'] * (n − 1) + frase.split() + ['</s>'] e conte todos "
            "os pares (contexto de n − 1 palavras, palavra seguinte)."
        )
    return failure


def _word_counts_case(description: str, sentences: Sequence[str], n: int, hint: str) -> Case:
    return Case(
        description,
        make_args=lambda: (list(sentences), n),
        judge=_judge_word_counts,
        hint=hint,
        arg_names=("sentences", "n"),
    )


def _word_counts_hidden(description: str, n: int = 3, n_sentences: int = 40, seed: int = 1) -> Case:
    return _word_counts_case(description, _sentences(n_sentences, seed), n, "")


# --------------------------------------------------------------------------- q4
def _fitted(n: int, k: float, n_words: int = 400) -> NGramLM:
    train, val = _corpus()
    vocab = CharVocab.from_words([*train, *val])
    return NGramLM(n, k).fit(list(train[:n_words]), vocab=vocab)


def _counts_of(model: NGramLM) -> dict[tuple[str, str], int]:
    return {(ctx, ch): c for ctx, counter in model.counts.items() for ch, c in counter.items()}


def _ref_discounted(counts, context, itos, d, p_lower, *, variant: str = "") -> np.ndarray:
    """Desconto absoluto interpolado com ``p_lower`` (e as variantes erradas, pelo nome)."""
    seen = np.array([counts.get((context, ch), 0) for ch in itos], dtype=float)
    p_lower = np.asarray(p_lower, dtype=float)
    N = seen.sum()
    if variant == "all_contexts":
        N = float(sum(counts.values()))
    if N == 0:
        return p_lower.copy()
    types = float(np.count_nonzero(seen))
    kept = seen - d if variant == "no_max" else np.maximum(seen - d, 0.0)
    if variant == "no_backoff":
        return kept / N
    if variant == "vocab":
        types = float(len(itos))
    if variant == "no_types":
        types = 1.0
    lower = np.full(len(itos), 1.0 / len(itos)) if variant == "uniform" else p_lower
    return kept / N + d * types / N * lower


def _judge_discounted(obtained, args) -> Failure | None:
    counts, context, itos, d, p_lower = args
    expected = _ref_discounted(counts, context, itos, d, p_lower)
    V = len(itos)
    failure = check_array(obtained, expected, name="a distribuição", rtol=1e-9, atol=1e-12)
    if failure is None:
        return None
    if failure.kind == "shape":
        failure.hint = (
            f"Devolva um vetor de forma (|V|,) = ({V},): uma probabilidade por símbolo de itos."
        )
    elif failure.kind == "nonfinite":
        failure.hint = (
            "Para um contexto nunca visto N(contexto) = 0 e as frações não existem: nesse caso "
            "a resposta é a própria p_lower (o modelo de ordem menor fica com toda a massa)."
        )
    elif failure.kind == "values":
        total = float(np.sum(np.asarray(obtained, dtype=float)))

        def variant(name):
            return lambda: _ref_discounted(counts, context, itos, d, p_lower, variant=name)

        failure.hint = matches_any(
            obtained,
            [
                (
                    variant("no_backoff"),
                    "Faltou devolver a massa descontada: o que você tirou das contagens, "
                    "d · N₁₊(contexto) / N(contexto), vai para p_lower. Sem isso as "
                    "probabilidades somam menos que 1.",
                ),
                (
                    variant("vocab"),
                    "O peso de p_lower usa N₁₊(contexto), o número de símbolos DIFERENTES que "
                    "já apareceram depois do contexto (contagem > 0), não |V|.",
                ),
                (
                    variant("no_max"),
                    "Símbolos nunca vistos depois do contexto ficaram com contagem negativa: o "
                    "desconto é max(N(contexto, c) − d, 0).",
                ),
                (
                    variant("no_types"),
                    "O peso de p_lower é d · N₁₊(contexto) / N(contexto): cada símbolo visto "
                    "cedeu d, então a massa liberada é d vezes o número deles.",
                ),
                (
                    variant("uniform"),
                    "A massa descontada vai para p_lower (o argumento), não para a "
                    "distribuição uniforme 1/|V|.",
                ),
                (
                    variant("all_contexts"),
                    "N(contexto) é a soma das contagens só deste contexto, não de todos.",
                ),
            ],
        )
        if failure.hint is None and not math.isclose(total, 1.0, rel_tol=1e-9):
            failure.hint = (
                f"As suas probabilidades somam {total:.6g}, não 1: confira a massa devolvida, "
                "d · N₁₊(contexto) / N(contexto), multiplicada por p_lower."
            )
        elif failure.hint is None:
            failure.hint = (
                "Somam 1, mas a ordem ou os valores diferem: a posição i do vetor é o "
                "símbolo itos[i], com contagem counts.get((context, itos[i]), 0)."
            )
    return failure


@lru_cache(maxsize=1)
def _unigram() -> tuple[float, ...]:
    """A distribuição de unigramas (com Laplace) do treino: a ordem menor dos casos."""
    return tuple(float(p) for p in _fitted(1, 1.0).next_distribution(""))


def _discounted_case(description: str, n: int, context: str, d: float, hint: str) -> Case:
    def make_args():
        model = _fitted(n, 1.0)
        return _counts_of(model), context, list(model.vocab.itos), d, np.array(_unigram())

    return Case(
        description,
        make_args=make_args,
        judge=_judge_discounted,
        hint=hint,
        arg_names=("counts", "context", "itos", "d", "p_lower"),
    )


def _discounted_hidden(description: str, n: int = 3, context: str = "ca", d: float = 0.6) -> Case:
    return _discounted_case(description, n, context, d, "")


# --------------------------------------------------------------------------- q5
class _StrictProb:
    """``prob(contexto, palavra)`` que exige um contexto de exatamente ``n - 1`` palavras."""

    def __init__(self, table, n: int, vocab: Sequence[str]):
        self.table = table  # função (contexto em tupla, palavra) -> probabilidade
        self.n = n
        self.vocab = frozenset(vocab)

    def __call__(self, context, word: str) -> float:
        if isinstance(context, str) or not isinstance(context, (tuple, list)):
            raise ValueError(
                f"prob recebeu o contexto {context!r}; ele deve ser uma tupla de n − 1 = "
                f"{self.n - 1} palavra(s), por exemplo {(START,) * (self.n - 1)!r}"
            )
        context = tuple(context)
        if len(context) != self.n - 1 or not all(isinstance(w, str) for w in context):
            raise ValueError(
                f"prob recebeu o contexto {context!r}, mas ele deve ter exatamente "
                f"n − 1 = {self.n - 1} palavra(s) (com '<s>' à esquerda no começo da frase)"
            )
        if word == START:
            raise ValueError(
                "prob recebeu a palavra '<s>' para prever: '<s>' só aparece no contexto, nunca "
                "é previsto (as previsões são as palavras e o '</s>' de cada frase)"
            )
        if word not in self.vocab:
            raise ValueError(f"prob recebeu a palavra {word!r}, que não está no vocabulário")
        return float(self.table(context, word))

    def __deepcopy__(self, memo):
        return self


def _ref_sentence_ppl(prob, sentences: Sequence[str], n: int) -> tuple[float, float]:
    nats = -sum(math.log(prob(c, w)) for s in sentences for c, w in _word_events(s, n))
    N = sum(len(s.split()) + 1 for s in sentences)
    return nats / N, math.exp(nats / N)


def _judge_sentence_ppl(obtained, args) -> Failure | None:
    prob, sentences, n = args
    nats, ppl = _ref_sentence_ppl(prob, sentences, n)
    failure = check_tuple(obtained, 2, "(nats, perplexidade)")
    if failure is not None:
        return failure
    logs = [[math.log(prob(c, w)) for c, w in _word_events(s, n)] for s in sentences]
    total = -sum(map(sum, logs))
    N = sum(len(x) for x in logs)
    no_end = -sum(sum(x[:-1]) for x in logs)
    n_words = N - len(sentences)
    failure = check_float(
        obtained[0], nats, name="a entropia cruzada (nats por palavra)", rtol=1e-9
    )
    if failure is not None:
        if failure.kind == "values":
            got = float(obtained[0])
            for wrong, hint in [
                (
                    ppl,
                    "A primeira posição é a entropia cruzada em nats e a segunda, a "
                    "perplexidade: você as trocou?",
                ),
                (
                    total / N / math.log(2),
                    "Você calculou em bits (log2); aqui a entropia cruzada é em nats, com o "
                    "logaritmo natural (math.log ou np.log).",
                ),
                (
                    total / len(sentences),
                    "Você dividiu pelo número de frases: divida pelo número de palavras "
                    "previstas (as palavras mais o '</s>' de cada frase).",
                ),
                (
                    total / n_words,
                    "Cada frase de L palavras tem L + 1 previsões: conte também o '</s>' no "
                    "denominador.",
                ),
                (
                    no_end / n_words,
                    "Faltou a previsão do fim da frase ('</s>'): ela entra na soma e na contagem.",
                ),
                (-nats, "O sinal está trocado: a entropia cruzada é −(1/N) Σ ln P, um número ≥ 0."),
            ]:
                if math.isclose(got, wrong, rel_tol=1e-9):
                    failure.hint = hint
                    break
        return failure
    failure = check_float(obtained[1], ppl, name="a perplexidade", rtol=1e-9)
    if failure is not None and failure.kind == "values":
        got = float(obtained[1])
        for wrong, hint in [
            (
                2.0**nats,
                "Com a entropia cruzada em nats, a perplexidade é e elevado a ela (math.exp), "
                "não 2 elevado a ela: a base da exponencial é a base do logaritmo.",
            ),
            (nats, "A perplexidade é exp(entropia cruzada), não a própria entropia cruzada."),
        ]:
            if math.isclose(got, wrong, rel_tol=1e-9):
                failure.hint = hint
                break
    return failure


def _word_vocab() -> list[str]:
    return [*_WORDS, END]


def _uniform_case() -> Case:
    V = len(_word_vocab())

    def make_args():
        prob = _StrictProb(lambda c, w: 1.0 / V, 2, _word_vocab())
        return prob, list(_sentences(12, 3)), 2

    return Case(
        f"modelo uniforme (P = 1/V com V = {V}, bigramas): a perplexidade deve ser exatamente V",
        make_args=make_args,
        judge=_judge_sentence_ppl,
        hint="Com todas as probabilidades iguais a 1/V, a entropia cruzada é ln V e a "
        "perplexidade é V: confira a média (divida pelo número de previsões) e a exponencial.",
        arg_names=("prob", "sentences", "n"),
    )


def _unigram_case() -> Case:
    table = {"o": 0.4, "gato": 0.3, "lê": 0.1, END: 0.2}

    def make_args():
        prob = _StrictProb(lambda c, w: table[w], 1, list(table))
        return prob, ["o gato", "gato lê o gato", "o"], 1

    return Case(
        "unigramas (n = 1, contexto ()) em três frases curtas: o fim de cada frase conta",
        make_args=make_args,
        judge=_judge_sentence_ppl,
        hint="São 3 + 5 + 2 = 10 previsões: as palavras e o '</s>' de cada frase; com n = 1 o "
        "contexto é a tupla vazia ().",
        arg_names=("prob", "sentences", "n"),
    )


@lru_cache(maxsize=4)
def _word_model(n: int, k: float):
    """Um modelo de n-gramas de palavras com suavização aditiva, treinado em 300 frases."""
    counts = _ref_word_counts(_sentences(300, 0), n)
    totals: dict[tuple, int] = {}
    for (ctx, _), c in counts.items():
        totals[ctx] = totals.get(ctx, 0) + c
    V = len(_word_vocab())

    def table(ctx, w):
        return (counts.get((ctx, w), 0) + k) / (totals.get(ctx, 0) + k * V)

    return table


def _ngram_case(description: str, n: int, k: float, n_val: int, seed: int, hint: str) -> Case:
    def make_args():
        prob = _StrictProb(_word_model(n, k), n, _word_vocab())
        return prob, list(_sentences(n_val, seed)), n

    return Case(
        description,
        make_args=make_args,
        judge=_judge_sentence_ppl,
        hint=hint,
        arg_names=("prob", "sentences", "n"),
    )


def _perplexity_hidden(
    description: str, n: int = 3, k: float = 0.05, n_val: int = 30, seed: int = 9
) -> Case:
    return _ngram_case(description, n, k, n_val, seed, "")


# ---------------------------------------------------------------------- o banco
def build_questions() -> list[Question]:
    """As cinco questões da lista 1, com os casos públicos."""
    return [
        Question(
            "q1",
            "Saco de símbolos com preenchimento",
            "bag_of_symbols",
            "bag_of_symbols(indices, vocab_size)",
            1.0,
            (
                _bag_case(
                    "uma sequência sem preenchimento: índices [2, 0, 2, 1] com V = 4",
                    [2, 0, 2, 1],
                    4,
                    "A posição i do saco conta quantas vezes o índice i aparece: [1, 1, 2, 0].",
                ),
                _bag_case(
                    "um lote (B = 2, T = 5) com preenchimento -1 no fim: a saída tem forma (2, 6)",
                    [[1, 2, 3, -1, -1], [5, 0, 4, 4, 1]],
                    6,
                    "Um saco por sequência (some no último eixo); as posições com -1 não contam.",
                ),
                _bag_case(
                    "'amor' e 'roma' (a mesma bolsa de letras) e uma sequência só de preenchimento",
                    [[1, 3, 4, 5], [5, 4, 3, 1], [-1, -1, -1, -1]],
                    6,
                    "A ordem não importa no saco; uma sequência só de preenchimento dá o vetor "
                    "nulo.",
                ),
                _bag_case(
                    "lote de lotes (2 × 2 × 3) com o índice 0 (a fronteira) e V − 1 = 4",
                    [[[0, 4, -1], [4, 4, 4]], [[0, 0, 1], [-1, -1, 2]]],
                    5,
                    "Funcione para qualquer forma: a saída é indices.shape[:-1] + (V,).",
                ),
            ),
            hidden_case=_bag_hidden,
        ),
        Question(
            "q2",
            "Janelas centradas: o contexto dos dois lados",
            "centered_windows",
            "centered_windows(indices, w)",
            2.0,
            (
                _centered_case(
                    "palavra de 3 letras (índices [5, 3, 8]) com w = 1",
                    [5, 3, 8],
                    1,
                    "Para [5, 3, 8] e w = 1: X = [[0, 3], [5, 8], [3, 0]] e y = [5, 3, 8].",
                ),
                _centered_case(
                    "palavra mais longa que a janela: 6 letras, w = 2",
                    [7, 1, 9, 9, 2, 4],
                    2,
                    "No meio da palavra, X[i] = indices[i − w : i] + indices[i + 1 : i + 1 + w].",
                ),
                _centered_case(
                    "janela maior que a palavra: 2 letras, w = 3",
                    [4, 6],
                    3,
                    "Complete com zeros dos dois lados: X[0] = [0, 0, 0, 6, 0, 0].",
                ),
                _centered_case(
                    "palavra vazia: nenhuma letra, nenhuma linha",
                    [],
                    2,
                    "Uma palavra vazia não tem letra para prever: X tem forma (0, 2w) e y, (0,).",
                ),
            ),
            hidden_case=_centered_hidden,
        ),
        Question(
            "q3",
            "Contagem de n-gramas de palavras, com marcadores de frase",
            "count_word_ngrams",
            "count_word_ngrams(sentences, n)",
            2.0,
            (
                _word_counts_case(
                    "bigramas numa frase: ['o gato'] com n = 2",
                    ["o gato"],
                    2,
                    "Para 'o gato' e n = 2 a frase é lida como ['<s>', 'o', 'gato', '</s>']: os "
                    "pares são (('<s>',), 'o'), (('o',), 'gato') e (('gato',), '</s>').",
                ),
                _word_counts_case(
                    "n = 1: o contexto é a tupla vazia ()",
                    ["o gato lê", "o livro"],
                    1,
                    "Com n = 1 todas as chaves têm contexto () (nenhuma palavra anterior).",
                ),
                _word_counts_case(
                    "trigramas em três frases: pares repetidos somam",
                    ["o gato lê", "o gato", "a rede gera texto"],
                    3,
                    "Com n = 3, 'o gato' vira ['<s>', '<s>', 'o', 'gato', '</s>']; "
                    "(('<s>', '<s>'), 'o') aparece duas vezes.",
                ),
                _word_counts_case(
                    "trigramas em 300 frases sintéticas",
                    _sentences(300, 0),
                    3,
                    "Confira a sua função com mais frases: de 1 a 8 palavras, separadas por um "
                    "espaço (use sentence.split()).",
                ),
            ),
            hidden_case=_word_counts_hidden,
        ),
        Question(
            "q4",
            "Desconto absoluto interpolado",
            "discounted_distribution",
            "discounted_distribution(counts, context, itos, d, p_lower)",
            2.0,
            (
                _discounted_case(
                    "contexto frequente ('..', o começo de palavra), d = 0,75",
                    3,
                    "..",
                    0.75,
                    "P(c | u) = max(N(u, c) − d, 0) / N(u) + d · N₁₊(u) / N(u) · p_lower[c].",
                ),
                _discounted_case(
                    "contexto nunca visto ('qz'): a distribuição é p_lower",
                    3,
                    "qz",
                    0.75,
                    "Sem contagens (N(u) = 0), toda a massa fica com o modelo de ordem menor.",
                ),
                _discounted_case(
                    "d = 0: sem desconto, é a frequência relativa do contexto 'ca'",
                    3,
                    "ca",
                    0.0,
                    "Com d = 0 sobra N(u, c) / N(u): confira as contagens do contexto.",
                ),
                _discounted_case(
                    "contexto 'qu', com poucas continuações diferentes, d = 0,9",
                    3,
                    "qu",
                    0.9,
                    "N₁₊(u) conta os símbolos DIFERENTES vistos depois de u (contagem > 0).",
                ),
                _discounted_case(
                    "bigramas (contexto 'a'), d = 0,5",
                    2,
                    "a",
                    0.5,
                    "O contexto de bigramas tem um só caractere; a fórmula é a mesma.",
                ),
            ),
            hidden_case=_discounted_hidden,
        ),
        Question(
            "q5",
            "Entropia cruzada e perplexidade por palavra, em nats",
            "sentence_perplexity",
            "sentence_perplexity(prob, sentences, n)",
            3.0,
            (
                _uniform_case(),
                _unigram_case(),
                _ngram_case(
                    "bigramas de palavras (k = 0,1) avaliados em 60 frases novas",
                    2,
                    0.1,
                    60,
                    5,
                    "O contexto de cada previsão é a tupla da n − 1 = 1 palavra anterior, com "
                    "'<s>' no começo da frase.",
                ),
                _ngram_case(
                    "trigramas de palavras (k = 0,1) avaliados em 60 frases novas",
                    3,
                    0.1,
                    60,
                    5,
                    "Leia cada frase como ['<s>', '<s>'] + frase.split() + ['</s>'] e passe a "
                    "prob a tupla das 2 palavras anteriores a cada palavra prevista.",
                ),
            ),
            hidden_case=_perplexity_hidden,
        ),
    ]
