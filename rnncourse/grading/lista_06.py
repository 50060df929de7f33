"""Banco de questões da lista 6 (capítulo 6): redes bidirecionais, máscaras e empacotamento.

Questões (as funções que o estudante escreve):

1. ``reverse_padded(X, lengths)``: inverte no tempo só a parte real de cada sequência de um
   lote preenchido, deixando o preenchimento no lugar (o que a direção reversa precisa ler).
2. ``bigru_forward(X, lengths, params)``: uma GRU bidirecional em numpy sobre um lote
   preenchido, igual a ``nn.GRU(bidirectional=True)`` com ``pack_padded_sequence``: saídas
   ``(B, T, 2H)`` com zeros no preenchimento e ``h_n (2, B, H)`` no último passo real de cada
   direção.
3. ``masked_cross_entropy(scores, targets, lengths)``: a entropia cruzada média só nas
   posições reais, com escores de várias classes, em numpy e sem *overflow*.
4. ``pack_sequences(seqs)``: o empacotamento de uma lista de sequências em numpy, como o
   ``PackedSequence`` do PyTorch: ``(data, batch_sizes, sorted_indices)``.
5. ``train_accent_tagger(words, marks, seed)``: treinar um rotulador bidirecional que devolve
   os acentos de palavras escritas sem eles; a resposta devolve os pesos (um dicionário de
   arrays) e a verificação **mede** a acurácia por palavra em palavras que o treino não viu.

As referências das questões 1 a 4 estão aqui, em numpy (os testes da lista as conferem
contra o PyTorch: ``pack_padded_sequence`` com ``nn.GRU`` e ``pack_sequence``); os erros
típicos (a direção reversa que começa no preenchimento, a saída reversa não realinhada, a
máscara esquecida na média...) são reconhecidos e recebem uma dica própria. O torch só é
importado dentro das funções que o usam.

Fora do escopo: o motor (``core.py``) e os enunciados (no notebook da lista).
"""

from __future__ import annotations

import functools
import math
import unicodedata
from collections.abc import Callable

import numpy as np

from rnncourse.grading.compare import (
    Failure,
    check_array,
    check_float,
    check_tuple,
    describe,
    format_number,
    matches_any,
)
from rnncourse.grading.core import Case, Question

__all__ = [
    "ACCENTED_BOUND",
    "ALPHABET",
    "EMBED_DIM",
    "HIDDEN_SIZE",
    "MARKS",
    "OVERALL_BOUND",
    "TITLE",
    "accent_data",
    "build_questions",
    "encode_word",
]

TITLE = "Redes bidirecionais: sequências invertidas, GRU bidirecional, máscara e empacotamento"

Mistakes = list[tuple[Callable[[], object], str]]


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -a))


def _lengths_mask(lengths: np.ndarray, T: int) -> np.ndarray:
    return np.arange(T)[None, :] < np.asarray(lengths)[:, None]  # (B, T)


# ---------------------------------------------------------------------- q1
def _reverse_padded(X, lengths, *, mode="ok"):
    """A referência e variantes erradas de ``reverse_padded``."""
    X = np.asarray(X)
    if mode == "all":  # o eixo do tempo inteiro: o preenchimento vai para o começo
        return X[:, ::-1].copy()
    if mode == "features":
        return X[..., ::-1].copy()
    if mode == "batch":
        return X[::-1].copy()
    out = X.copy()
    for b, n in enumerate(np.asarray(lengths).tolist()):
        if mode == "plus_one":
            n = min(n + 1, X.shape[1])
        elif mode == "minus_one":
            n = max(n - 1, 0)
        out[b, :n] = X[b, :n][::-1]
        if mode == "zero_pad":
            out[b, n:] = 0.0
    return out


def _reverse_mistakes(X, lengths) -> Mistakes:
    def run(mode):
        return lambda: _reverse_padded(X, lengths, mode=mode)

    return [
        (
            run("all"),
            "Você inverteu o eixo do tempo inteiro (X[:, ::-1]): o preenchimento foi parar no "
            "começo, e a direção reversa leria o preenchimento antes da sequência. Inverta só "
            "os lengths[b] primeiros passos de cada sequência: X[b, :L][::-1].",
        ),
        (
            run("zero_pad"),
            "As posições de preenchimento devem ficar como estavam em X; você as zerou.",
        ),
        (
            run("plus_one"),
            "Você inverteu um passo a mais: os passos reais são X[b, 0], ..., X[b, L - 1] "
            "(a fatia X[b, :L], com L = lengths[b]).",
        ),
        (
            run("minus_one"),
            "Você inverteu um passo a menos: os passos reais são X[b, 0], ..., X[b, L - 1] "
            "(a fatia X[b, :L], com L = lengths[b]).",
        ),
        (
            run("features"),
            "Você inverteu o eixo das características (o último); o eixo do tempo é o 1: "
            "X tem forma (B, T, D).",
        ),
        (run("batch"), "Você inverteu o eixo do lote (o 0); o eixo do tempo é o 1."),
    ]


def _judge_reverse(obtained, args) -> Failure | None:
    X, lengths = args
    expected = _reverse_padded(X, lengths)
    failure = check_array(
        obtained,
        expected,
        name="a sequência invertida",
        rtol=0.0,
        atol=0.0,
        dtype_hint="Devolva um array com o mesmo dtype de X (float64): X.copy() é um bom começo.",
    )
    if failure is not None and failure.kind == "values":
        failure.hint = matches_any(obtained, _reverse_mistakes(X, lengths), rtol=0.0, atol=0.0)
    return failure


def _reverse_case(
    description: str, dims: tuple[int, int, int], lengths, seed: int, hint: str
) -> Case:
    B, T, D = dims

    def make_args():
        rng = np.random.default_rng(seed + 100)
        X = rng.normal(size=(B, T, D))
        L = np.asarray(lengths, dtype=np.int64)
        X[~_lengths_mask(L, T)] = 9.0  # o preenchimento, bem visível
        return X, L

    return Case(
        description,
        make_args=make_args,
        judge=_judge_reverse,
        hint=hint,
        arg_names=("X", "lengths"),
    )


def _reverse_hidden(description: str, B: int = 4, T: int = 6, D: int = 2, seed: int = 11) -> Case:
    lengths = np.random.default_rng(seed).integers(1, T + 1, size=B).tolist()
    return _reverse_case(description, (B, T, D), lengths, seed, "")


# ---------------------------------------------------------------------- q2
def _gru_step(x, h, p, suffix=""):
    """Um passo da GRU do PyTorch (partes r, z, n), em numpy."""
    W_ih, W_hh = p["weight_ih" + suffix], p["weight_hh" + suffix]
    b_ih, b_hh = p["bias_ih" + suffix], p["bias_hh" + suffix]
    H = h.shape[1]
    gi = x @ W_ih.T + b_ih
    gh = h @ W_hh.T + b_hh
    r = _sigmoid(gi[:, :H] + gh[:, :H])
    z = _sigmoid(gi[:, H : 2 * H] + gh[:, H : 2 * H])
    n = np.tanh(gi[:, 2 * H :] + r * gh[:, 2 * H :])
    return (1.0 - z) * n + z * h


def _bigru(X, lengths, p, *, mode="ok"):
    """A GRU bidirecional sobre um lote preenchido: a referência e variantes erradas.

    Devolve ``(out (B, T, 2H), h_n (2, B, H))``; na referência, ``out`` é zero no
    preenchimento e cada direção termina no último passo real da sua sequência.
    """
    X = np.asarray(X)
    B, T, _ = X.shape
    H = p["weight_hh"].shape[1]
    lengths = np.asarray(lengths).tolist()
    fwd = np.zeros((B, T, H))
    bwd = np.zeros((B, T, H))
    h_fwd = np.zeros((2, B, H))  # [no último passo real, no passo T - 1]
    h_bwd_end = np.zeros((B, H))  # o estado da reversa no fim da leitura (posição 0)
    for b, n in enumerate(lengths):
        h = np.zeros((1, H))
        for t in range(T):
            h = _gru_step(X[b : b + 1, t], h, p)
            fwd[b, t] = h[0]
            if t == n - 1:
                h_fwd[0, b] = h[0]
        h_fwd[1, b] = h[0]
        # a reversa: lê X[b, n - 1], ..., X[b, 0] (ou, errada, desde X[b, T - 1])
        start = T if mode == "bwd_from_pad" else n
        h = np.zeros((1, H))
        states = []
        for t in range(start - 1, -1, -1):
            h = _gru_step(X[b : b + 1, t], h, p, "_reverse")
            states.append((t, h[0]))
        if mode == "not_realigned":  # os estados na ordem em que foram calculados
            for k, (_, state) in enumerate(states):
                bwd[b, k] = state
        else:
            for t, state in states:
                bwd[b, t] = state
        h_bwd_end[b] = h[0]
    mask = _lengths_mask(lengths, T)[..., None]
    if mode != "no_mask":
        fwd, bwd = fwd * mask, bwd * mask
    out = np.concatenate([bwd, fwd] if mode == "swap" else [fwd, bwd], axis=-1)
    h_n_fwd = h_fwd[1] if mode == "hn_last_step" else h_fwd[0]
    if mode == "hn_bwd_end":  # o estado da reversa na última posição real
        h_n_bwd = np.stack([bwd[b, n - 1] for b, n in enumerate(lengths)])
    else:
        h_n_bwd = h_bwd_end
    h_n = np.stack([h_n_bwd, h_n_fwd] if mode == "hn_swap" else [h_n_fwd, h_n_bwd])
    return out, h_n


_BIGRU_OUT_HINTS = {
    "bwd_from_pad": "A direção reversa começou no preenchimento: para cada sequência b, ela "
    "deve ler X[b, L - 1], ..., X[b, 0], com L = lengths[b], começando do estado zero (é o "
    "que o empacotamento garante). Percorrer X[b, T - 1], ..., X[b, 0] faz o estado passar "
    "pelo preenchimento antes de chegar aos passos reais.",
    "not_realigned": "A metade reversa ficou na ordem em que foi calculada: o estado depois "
    "de ler X[b, t] deve ficar na posição t da saída (inverta a saída da reversa de volta).",
    "swap": "As metades estão trocadas: a direção direta ocupa as colunas 0:H e a reversa, H:2H.",
    "no_mask": "As posições de preenchimento (t ≥ lengths[b]) devem valer zero na saída, como "
    "devolve pad_packed_sequence; você deixou lá os estados calculados sobre o preenchimento.",
}

_BIGRU_HN_HINTS = {
    "hn_last_step": "h_n[0] é o estado da direção direta no último passo REAL de cada "
    "sequência, lengths[b] − 1, e não no passo T − 1 (depois de passar pelo preenchimento).",
    "hn_bwd_end": "h_n[1] é o estado da direção reversa depois de ler X[b, 0], o último que ela "
    "lê: na saída, ele está na posição 0 (saidas[b, 0, H:]), não na última posição real.",
    "hn_swap": "h_n[0] é a direção direta e h_n[1] a reversa; você as trocou.",
}


def _judge_bigru(obtained, args) -> Failure | None:
    X, lengths, params = args
    out, h_n = _bigru(X, lengths, params)
    failure = check_tuple(obtained, 2, "(saidas, h_n)")
    if failure is not None:
        return failure
    B, T, _ = np.shape(X)
    H = h_n.shape[2]
    failure = check_array(
        obtained[0],
        out,
        name="as saídas",
        rtol=1e-7,
        atol=1e-10,
        dtype_hint="As entradas são float64; as saídas também devem ser.",
    )
    if failure is not None:
        if failure.kind == "shape":
            failure.hint = (
                f"As saídas têm forma (B, T, 2H) = ({B}, {T}, {2 * H}): as duas direções "
                "concatenadas no último eixo, com np.concatenate([direta, reversa], axis=-1)."
            )
        elif failure.kind == "values":
            failure.hint = matches_any(
                obtained[0],
                [
                    (lambda m=m: _bigru(X, lengths, params, mode=m)[0], hint)
                    for m, hint in _BIGRU_OUT_HINTS.items()
                ],
            )
        return failure
    failure = check_array(
        obtained[1],
        h_n,
        name="h_n",
        rtol=1e-7,
        atol=1e-10,
        dtype_hint="As entradas são float64; h_n também deve ser.",
    )
    if failure is not None:
        if failure.kind == "shape":
            failure.hint = (
                f"h_n tem forma (2, B, H) = (2, {B}, {H}): o último estado da direção direta "
                "em h_n[0] e o da reversa em h_n[1] (np.stack)."
            )
        elif failure.kind == "values":
            failure.hint = matches_any(
                obtained[1],
                [
                    (lambda m=m: _bigru(X, lengths, params, mode=m)[1], hint)
                    for m, hint in _BIGRU_HN_HINTS.items()
                ],
            )
    return failure


def _gru_params(D: int, H: int, seed: int, zero_forward: bool = False) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed + 200)
    shapes = {
        "weight_ih": (3 * H, D),
        "weight_hh": (3 * H, H),
        "bias_ih": (3 * H,),
        "bias_hh": (3 * H,),
    }
    params = {}
    for suffix in ("", "_reverse"):
        for key, shape in shapes.items():
            params[key + suffix] = rng.normal(0.0, 0.6, size=shape)
    if zero_forward:  # r = z = 1/2 e n = 0: a direta fica em zero e só a reversa importa
        for key in shapes:
            params[key][:] = 0.0
    return params


def _bigru_case(
    description: str,
    dims: tuple[int, int, int, int],
    lengths,
    seed: int,
    hint: str,
    *,
    zero_forward: bool = False,
) -> Case:
    B, T, D, H = dims

    def make_args():
        rng = np.random.default_rng(seed + 300)
        X = rng.normal(size=(B, T, D))
        L = np.asarray(lengths, dtype=np.int64)
        X[~_lengths_mask(L, T)] = 5.0  # preenchimento com valores grandes, que mudam o estado
        return X, L, _gru_params(D, H, seed, zero_forward)

    return Case(
        description,
        make_args=make_args,
        judge=_judge_bigru,
        hint=hint,
        arg_names=("X", "lengths", "params"),
    )


def _bigru_hidden(
    description: str, B: int = 3, T: int = 7, D: int = 2, H: int = 3, seed: int = 21
) -> Case:
    lengths = np.random.default_rng(seed).integers(1, T + 1, size=B).tolist()
    return _bigru_case(description, (B, T, D, H), lengths, seed, "")


# ---------------------------------------------------------------------- q3
def _log_softmax(s: np.ndarray, axis: int = -1) -> np.ndarray:
    m = s.max(axis=axis, keepdims=True)
    return s - m - np.log(np.exp(s - m).sum(axis=axis, keepdims=True))


def _masked_ce(scores, targets, lengths, *, mode="ok"):
    """A referência e variantes erradas da entropia cruzada mascarada."""
    scores, targets = np.asarray(scores, dtype=np.float64), np.asarray(targets)
    B, T, _ = scores.shape
    logp = _log_softmax(scores, axis=1 if mode == "softmax_time" else -1)
    nll = -np.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]  # (B, T)
    if mode == "log2":
        nll = nll / math.log(2)
    mask = _lengths_mask(lengths, T)
    if mode == "no_mask":
        return float(nll.mean())
    if mode == "divide_bt":
        return float((nll * mask).sum() / (B * T))
    if mode == "per_sequence":
        return float(np.mean([nll[b, :n].mean() for b, n in enumerate(np.asarray(lengths))]))
    if mode == "sum":
        return float((nll * mask).sum())
    return float((nll * mask).sum() / mask.sum())


_CE_HINTS = {
    "divide_bt": "Você dividiu a soma por B·T, o número de posições do tensor; a média é sobre "
    "as posições REAIS, sum(lengths). Assim, lotes com mais preenchimento pesariam menos.",
    "no_mask": "As posições de preenchimento entraram na perda: só as posições t < lengths[b] "
    "contam (multiplique pela máscara e divida pelo número de posições reais).",
    "per_sequence": "Você tirou a média de cada sequência e depois a média entre as sequências: "
    "assim uma palavra curta pesa tanto quanto uma longa. A média é sobre todas as posições "
    "reais do lote juntas: soma das perdas reais / sum(lengths).",
    "log2": "Use o logaritmo natural (np.log): a entropia cruzada do treino é em nats.",
    "sum": "Devolva a média das posições reais, não a soma.",
    "softmax_time": "A softmax é sobre as classes (o último eixo, K), não sobre o tempo.",
}


def _judge_masked_ce(obtained, args) -> Failure | None:
    scores, targets, lengths = args
    expected = _masked_ce(scores, targets, lengths)
    failure = check_float(obtained, expected, name="a perda", rtol=1e-9, atol=1e-12)
    if failure is None:
        return None
    if failure.kind == "nonfinite":
        failure.hint = (
            "Com escores grandes, np.exp transborda: subtraia o maior escore de cada posição "
            "antes da exponencial (log-soma-exp): log softmax(s)_k = s_k − m − log Σ exp(s − m)."
        )
    elif failure.kind == "values":
        failure.hint = matches_any(
            obtained,
            [
                (lambda m=m: _masked_ce(scores, targets, lengths, mode=m), hint)
                for m, hint in _CE_HINTS.items()
            ],
            rtol=1e-9,
            atol=1e-12,
        )
    return failure


def _ce_case(
    description: str,
    dims: tuple[int, int, int],
    lengths,
    seed: int,
    hint: str,
    *,
    scale: float = 2.0,
) -> Case:
    B, T, K = dims

    def make_args():
        rng = np.random.default_rng(seed + 400)
        scores = rng.normal(0.0, scale, size=(B, T, K))
        targets = rng.integers(0, K, size=(B, T))  # no preenchimento também há classes válidas
        return scores, targets.astype(np.int64), np.asarray(lengths, dtype=np.int64)

    return Case(
        description,
        make_args=make_args,
        judge=_judge_masked_ce,
        hint=hint,
        arg_names=("scores", "targets", "lengths"),
    )


def _ce_hidden(
    description: str, B: int = 4, T: int = 5, K: int = 3, seed: int = 31, scale: float = 2.0
) -> Case:
    lengths = np.random.default_rng(seed).integers(1, T + 1, size=B).tolist()
    return _ce_case(description, (B, T, K), lengths, seed, "", scale=scale)


# ---------------------------------------------------------------------- q4
def _pack(seqs, order=None, *, mode="ok"):
    """O empacotamento: a referência (com a ordem dada) e variantes erradas."""
    lengths = np.array([len(s) for s in seqs])
    if order is None:
        order = np.argsort(-lengths, kind="stable")
    order = np.asarray(order)
    T = int(lengths.max())
    if mode == "batch_major":
        data = np.concatenate([seqs[i] for i in order], axis=0)
    else:
        sequence = np.arange(len(seqs)) if mode == "original_order" else order
        rows = [seqs[i][t] for t in range(T) for i in sequence if lengths[i] > t]
        data = np.stack(rows)
    batch_sizes = np.array([(lengths > t).sum() for t in range(T)], dtype=np.int64)
    return data, batch_sizes, order.astype(np.int64)


def _judge_pack(obtained, args) -> Failure | None:
    (seqs,) = args
    lengths = np.array([len(s) for s in seqs])
    data, batch_sizes, order = _pack(seqs)
    failure = check_tuple(obtained, 3, "(data, batch_sizes, sorted_indices)")
    if failure is not None:
        return failure
    failure = check_array(
        obtained[1],
        batch_sizes,
        name="batch_sizes",
        dtype="integer",
        dtype_hint="batch_sizes conta sequências: use dtype=np.int64.",
    )
    if failure is not None:
        T = int(lengths.max())
        if failure.kind == "shape":
            failure.hint = (
                f"batch_sizes tem um número por passo de tempo: T = {T}, o comprimento da "
                "maior sequência."
            )
        elif failure.kind == "values":
            failure.hint = (
                "batch_sizes[t] é o número de sequências que ainda têm o passo t, isto é, com "
                "comprimento MAIOR que t: sum(L > t for L in comprimentos)."
            )
        return failure
    got_order = obtained[2]
    failure = check_array(
        got_order,
        order,
        name="sorted_indices",
        dtype="integer",
        dtype_hint="sorted_indices são índices: use dtype=np.int64.",
    )
    if failure is not None and failure.kind != "values":
        return failure
    got_order = np.asarray(got_order)
    valid = sorted(got_order.tolist()) == list(range(len(seqs))) and bool(
        np.all(np.diff(lengths[got_order]) <= 0)
    )
    if not valid:
        if sorted(got_order.tolist()) == list(range(len(seqs))) and np.all(
            np.diff(lengths[got_order]) >= 0
        ):
            hint = "A ordem é decrescente de comprimento: a sequência mais longa vem primeiro."
        elif np.array_equal(np.argsort(got_order), order):
            hint = (
                "sorted_indices[i] é o índice ORIGINAL da i-ésima sequência mais longa (np."
                "argsort(-comprimentos)); você devolveu a permutação inversa (a posição de cada "
                "sequência na ordem)."
            )
        else:
            hint = (
                "sorted_indices deve ordenar as sequências da mais longa para a mais curta: "
                "np.argsort(-comprimentos, kind='stable')."
            )
        return Failure(
            "sorted_indices não ordena as sequências por comprimento decrescente",
            expected=f"uma permutação de 0..{len(seqs) - 1} com comprimentos não crescentes, "
            f"por exemplo {order.tolist()}",
            obtained=describe(obtained[2])
            + (f": {got_order.tolist()}" if got_order.size <= 12 else ""),
            detail=f"comprimentos: {lengths.tolist()}",
            hint=hint,
        )
    # com empates, qualquer ordem entre eles vale: o esperado segue a ordem da resposta
    data, _, _ = _pack(seqs, got_order)
    failure = check_array(
        obtained[0],
        data,
        name="data",
        rtol=0.0,
        atol=0.0,
        dtype_hint="data reúne os passos das sequências: mantenha o dtype delas (float64).",
    )
    if failure is not None:
        if failure.kind == "shape":
            failure.hint = (
                f"data tem uma linha por passo real: ({int(lengths.sum())}, D), a soma dos "
                "comprimentos, sem nenhum preenchimento."
            )
        elif failure.kind == "values":
            failure.hint = matches_any(
                obtained[0],
                [
                    (
                        lambda: _pack(seqs, got_order, mode="batch_major")[0],
                        "data é organizado por PASSO DE TEMPO: primeiro o passo 0 de todas as "
                        "sequências, depois o passo 1 das que ainda têm um passo 1... Você "
                        "concatenou uma sequência inteira depois da outra.",
                    ),
                    (
                        lambda: _pack(seqs, got_order, mode="original_order")[0],
                        "Dentro de cada passo, as sequências vão na ordem de sorted_indices (da "
                        "mais longa para a mais curta), não na ordem original da lista.",
                    ),
                ],
                rtol=0.0,
                atol=0.0,
            )
    return failure


def _pack_case(description: str, lengths, D: int, seed: int, hint: str) -> Case:
    def make_args():
        rng = np.random.default_rng(seed + 500)
        return ([rng.normal(size=(n, D)) for n in lengths],)

    return Case(description, make_args=make_args, judge=_judge_pack, hint=hint, arg_names=("seqs",))


def _pack_hidden(description: str, B: int = 5, D: int = 2, max_len: int = 6, seed: int = 41):
    lengths = np.random.default_rng(seed).integers(1, max_len + 1, size=B).tolist()
    return _pack_case(description, lengths, D, seed, "")


# ---------------------------------------------------------------------- q5
#: letras da entrada: o índice de uma letra é a sua posição aqui mais 1 (0 = preenchimento)
ALPHABET = "abcdefghijklmnopqrstuvwxyz"
#: as classes de cada letra: o sinal que ela recebe
MARKS = ("nenhum", "agudo", "circunflexo", "til", "cedilha")
_COMBINING = {"\u0301": 1, "\u0302": 2, "\u0303": 3, "\u0327": 4}

#: a arquitetura que a resposta treina (o juiz a recria com os pesos devolvidos)
EMBED_DIM, HIDDEN_SIZE = 16, 32
#: o que a verificação exige nas palavras de validação
ACCENTED_BOUND = 0.4  # acurácia por palavra nas palavras com algum sinal
OVERALL_BOUND = 0.87  # acurácia por palavra em todas (sem nenhum sinal: cerca de 0,83)
_N_TRAIN, _N_VAL = 5000, 2000
_DATA_SEED = 6


def _strip(word: str) -> tuple[str, list[int]] | None:
    """A palavra sem sinais e o sinal de cada letra; ``None`` se tiver outro sinal (ü, à)."""
    letters, marks = [], []
    for ch in word:
        parts = unicodedata.normalize("NFD", ch)
        if parts[0] not in ALPHABET or len(parts) > 2:
            return None
        if len(parts) == 2 and parts[1] not in _COMBINING:
            return None
        letters.append(parts[0])
        marks.append(_COMBINING[parts[1]] if len(parts) == 2 else 0)
    return "".join(letters), marks


@functools.lru_cache(maxsize=1)
def _accent_pool() -> tuple[tuple[str, tuple[int, ...]], ...]:
    from rnncourse.data import load_words

    seen: dict[str, tuple[int, ...]] = {}
    for word in load_words():  # das mais frequentes às menos: fica a forma mais frequente
        stripped = _strip(word)
        if stripped is not None and stripped[0] not in seen:
            seen[stripped[0]] = tuple(stripped[1])
    items = sorted(seen.items())
    order = np.random.default_rng(_DATA_SEED).permutation(len(items))
    return tuple(items[i] for i in order)


def accent_data(split: str = "treino") -> tuple[list[str], list[list[int]]]:
    """Palavras sem sinais e o sinal de cada letra (índices de ``MARKS``) da questão 5.

    ``split`` é ``"treino"`` (5000 palavras, para a resposta), ``"validação"`` (2000, as da
    verificação pública) ou ``"teste"`` (2000, as do caso oculto). As três partes são
    disjuntas; quando duas palavras só diferem pelos sinais (``esta`` e ``está``), fica a mais
    frequente.
    """
    pool = _accent_pool()
    bounds = {
        "treino": (0, _N_TRAIN),
        "validação": (_N_TRAIN, _N_TRAIN + _N_VAL),
        "teste": (_N_TRAIN + _N_VAL, _N_TRAIN + 2 * _N_VAL),
    }
    if split not in bounds:
        raise ValueError(f"parte desconhecida {split!r}: use uma de {sorted(bounds)}")
    start, stop = bounds[split]
    return [w for w, _ in pool[start:stop]], [list(m) for _, m in pool[start:stop]]


def encode_word(word: str) -> list[int]:
    """Os índices das letras de ``word`` (``ALPHABET.index(letra) + 1``)."""
    return [ALPHABET.index(ch) + 1 for ch in word]


def _expected_shapes() -> dict[str, tuple[int, ...]]:
    V, E, H, K = len(ALPHABET) + 1, EMBED_DIM, HIDDEN_SIZE, len(MARKS)
    shapes: dict[str, tuple[int, ...]] = {"embedding.weight": (V, E)}
    for suffix in ("", "_reverse"):
        shapes[f"rnn.weight_ih_l0{suffix}"] = (3 * H, E)
        shapes[f"rnn.weight_hh_l0{suffix}"] = (3 * H, H)
        shapes[f"rnn.bias_ih_l0{suffix}"] = (3 * H,)
        shapes[f"rnn.bias_hh_l0{suffix}"] = (3 * H,)
    shapes["head.weight"] = (K, 2 * H)
    shapes["head.bias"] = (K,)
    return shapes


def _as_array(value) -> np.ndarray | None:
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # um tensor do PyTorch
        try:
            return value.detach().cpu().numpy()
        except Exception:
            return None
    return None


def _check_weights(obtained) -> tuple[dict[str, np.ndarray] | None, Failure | None]:
    """Confere o dicionário de pesos devolvido: chaves, tipos, formas e finitude."""
    shapes = _expected_shapes()
    example = "{k: v.detach().cpu().numpy() for k, v in modelo.state_dict().items()}"
    if obtained is None or not isinstance(obtained, dict):
        return None, Failure(
            "a resposta deveria ser um dicionário de pesos",
            expected=f"dict com as {len(shapes)} chaves do state_dict do modelo",
            obtained=describe(obtained),
            hint=f"Devolva os pesos treinados como dados simples: {example}.",
            kind="type",
        )
    keys = {k for k in obtained if isinstance(k, str)}
    missing = [k for k in shapes if k not in keys]
    extra = sorted(k for k in keys if k not in shapes)
    if missing or extra:
        if missing and all(k.endswith("_reverse") for k in missing):
            hint = (
                "Faltam os pesos da direção reversa (…_reverse): a camada recorrente é "
                "nn.GRU(..., bidirectional=True)."
            )
        else:
            hint = (
                "Use os nomes dos atributos do enunciado: self.embedding, self.rnn e self.head "
                f"(as chaves esperadas são {', '.join(shapes)})."
            )
        detail = []
        if missing:
            detail.append(f"faltam {missing[:4]}")
        if extra:
            detail.append(f"sobram {extra[:4]}")
        return None, Failure(
            "as chaves do dicionário de pesos não são as do modelo",
            expected=f"{len(shapes)} chaves",
            obtained=f"{len(keys)} chaves",
            detail="; ".join(detail),
            hint=hint,
            kind="keys",
        )
    weights = {}
    for key, shape in shapes.items():
        array = _as_array(obtained[key])
        if array is None:
            return None, Failure(
                f"o peso {key!r} não é um array",
                expected=f"numpy.ndarray de forma {shape}",
                obtained=describe(obtained[key]),
                hint=f"Converta os tensores: {example}.",
                kind="type",
            )
        if array.shape != shape:
            hint = None
            if key.startswith("rnn.") and array.shape[:1] == (4 * HIDDEN_SIZE,):
                hint = "Esses são os pesos de uma LSTM (4 blocos); a questão pede uma GRU (3)."
            return None, Failure(
                f"forma errada do peso {key!r}",
                expected=f"forma {shape}",
                obtained=f"forma {array.shape}",
                hint=hint
                or f"A arquitetura é a do enunciado: E = {EMBED_DIM}, H = {HIDDEN_SIZE}, "
                f"{len(MARKS)} classes, {len(ALPHABET) + 1} índices na entrada.",
                kind="shape",
            )
        if array.dtype.kind != "f" or not np.all(np.isfinite(array)):
            return None, Failure(
                f"o peso {key!r} não é um array de números reais finitos",
                expected="float32 ou float64, sem NaN",
                obtained=describe(array),
                hint="Se a perda virou NaN no treino, diminua a taxa de aprendizado.",
                kind="nonfinite",
            )
        weights[key] = array
    return weights, None


def _accent_model(weights: dict[str, np.ndarray]):
    """O modelo do juiz com os pesos da resposta (a arquitetura é sempre a do banco)."""
    import torch
    from torch import nn

    class AccentTagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(len(ALPHABET) + 1, EMBED_DIM, padding_idx=0)
            self.rnn = nn.GRU(EMBED_DIM, HIDDEN_SIZE, batch_first=True, bidirectional=True)
            self.head = nn.Linear(2 * HIDDEN_SIZE, len(MARKS))

    model = AccentTagger()
    state = {k: torch.tensor(np.asarray(v, dtype=np.float32)) for k, v in weights.items()}
    model.load_state_dict(state)
    return model.eval()


def _accent_predictions(weights: dict[str, np.ndarray], words: list[str]) -> list[list[int]]:
    import torch
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

    model = _accent_model(weights)
    X = pad_sequence([torch.tensor(encode_word(w)) for w in words], batch_first=True)
    lengths = torch.tensor([len(w) for w in words])
    with torch.no_grad():
        packed = pack_padded_sequence(
            model.embedding(X), lengths, batch_first=True, enforce_sorted=False
        )
        out, _ = pad_packed_sequence(model.rnn(packed)[0], batch_first=True)
        classes = model.head(out).argmax(dim=-1)  # (N, T)
    return [classes[i, : len(w)].tolist() for i, w in enumerate(words)]


def _accent_scores(weights, split: str) -> tuple[float, float]:
    """Acurácia por palavra em todas as palavras de ``split`` e nas que têm algum sinal."""
    words, marks = accent_data(split)
    predicted = _accent_predictions(weights, words)
    right = [p == m for p, m in zip(predicted, marks, strict=True)]
    accented = [r for r, m in zip(right, marks, strict=True) if any(m)]
    return float(np.mean(right)), float(np.mean(accented))


def _judge_accents(split: str):
    def judge(obtained, args) -> Failure | None:
        weights, failure = _check_weights(obtained)
        if failure is not None:
            return failure
        overall, accented = _accent_scores(weights, split)
        if overall >= OVERALL_BOUND and accented >= ACCENTED_BOUND:
            return None
        bound_all = format_number(OVERALL_BOUND).replace(".", ",")
        bound_acc = format_number(ACCENTED_BOUND).replace(".", ",")
        if accented < 0.15:
            hint = (
                "O modelo quase nunca acerta uma palavra acentuada. Confira que marks[i][t] é o "
                "rótulo da letra words[i][t] (sem deslocar), que a perda usa as 5 classes "
                "(F.cross_entropy com os escores (N, 5)) e que a camada é bidirecional: o sinal "
                "de uma letra depende das que vêm depois (informação → ç e ã dependem de 'ao')."
            )
        else:
            hint = (
                "O modelo aprendeu parte da tarefa. Treine mais (mais épocas, ou a taxa 0,02 do "
                "enunciado), confira a máscara (ignore_index para o preenchimento) e que o "
                "empacotamento recebe os comprimentos reais."
            )
        return Failure(
            "a acurácia nas palavras de validação ficou abaixo do exigido",
            expected=f"acurácia por palavra ≥ {bound_all} em todas e ≥ {bound_acc} nas "
            "palavras com algum sinal",
            obtained=f"{format_number(overall)} em todas; {format_number(accented)} nas acentuadas",
            detail="sem nenhum sinal, um modelo acertaria cerca de 0,83 de todas e 0 das "
            "acentuadas",
            hint=hint,
        )

    return judge


def _single_thread():
    from contextlib import contextmanager

    @contextmanager
    def context():
        import torch

        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(before)

    return context()


def _accent_case(description: str, seed: int, split: str, weight: float = 1.0) -> Case:
    def make_args():
        words, marks = accent_data("treino")
        return words, marks, seed

    return Case(
        description,
        make_args=make_args,
        judge=_judge_accents(split),
        hint="",
        arg_names=("words", "marks", "seed"),
        time_limit=90.0,
        weight=weight,
        call_context=_single_thread,
    )


def _accent_hidden(description: str, seed: int = 1) -> Case:
    return _accent_case(description, seed, "teste")


# ---------------------------------------------------------------------- o banco
def build_questions() -> list[Question]:
    """As cinco questões da lista 6, com os casos públicos."""
    bound_all = f"{OVERALL_BOUND:g}".replace(".", ",")
    bound_acc = f"{ACCENTED_BOUND:g}".replace(".", ",")
    return [
        Question(
            "q1",
            "Inverter só a parte real de cada sequência",
            "reverse_padded",
            "reverse_padded(X, lengths)",
            1.5,
            (
                _reverse_case(
                    "sem preenchimento (lengths = T): igual a X[:, ::-1]",
                    (2, 4, 3),
                    [4, 4],
                    0,
                    "Sem preenchimento, a resposta é X com o eixo do tempo invertido.",
                ),
                _reverse_case(
                    "comprimentos (5, 2, 4) com T = 5; o preenchimento vale 9,0",
                    (3, 5, 2),
                    [5, 2, 4],
                    1,
                    "Para cada b: saida[b, :L] = X[b, :L][::-1] e saida[b, L:] = X[b, L:], com "
                    "L = lengths[b].",
                ),
                _reverse_case(
                    "uma sequência de comprimento 1 ao lado de uma de comprimento 6",
                    (2, 6, 1),
                    [1, 6],
                    2,
                    "Uma sequência de comprimento 1 não muda.",
                ),
            ),
            hidden_case=_reverse_hidden,
        ),
        Question(
            "q2",
            "Uma GRU bidirecional em numpy, com comprimentos diferentes",
            "bigru_forward",
            "bigru_forward(X, lengths, params)",
            2.5,
            (
                _bigru_case(
                    "comprimentos iguais (B = 2, T = 4, D = 3, H = 5): sem preenchimento",
                    (2, 4, 3, 5),
                    [4, 4],
                    0,
                    "Direta: h_t = gru_step(x_t, h_{t−1}) para t = 0, ..., T − 1; reversa: o "
                    "mesmo com os pesos _reverse, de T − 1 até 0; saída [direta, reversa].",
                ),
                _bigru_case(
                    "só a direção reversa (pesos da direta zerados), comprimentos (5, 3, 1)",
                    (3, 5, 2, 4),
                    [5, 3, 1],
                    1,
                    "Com os pesos da direta zerados, a metade direta é zero: o caso confere a "
                    "reversa, que deve começar em X[b, L − 1] para cada sequência.",
                    zero_forward=True,
                ),
                _bigru_case(
                    "comprimentos (6, 2, 4, 5) com T = 6; o preenchimento vale 5,0",
                    (4, 6, 3, 2),
                    [6, 2, 4, 5],
                    2,
                    "Saídas zero no preenchimento; h_n[0] no passo lengths[b] − 1 da direta e "
                    "h_n[1] no fim da leitura da reversa (posição 0).",
                ),
            ),
            hidden_case=_bigru_hidden,
        ),
        Question(
            "q3",
            "A entropia cruzada com máscara",
            "masked_cross_entropy",
            "masked_cross_entropy(scores, targets, lengths)",
            2.0,
            (
                _ce_case(
                    "comprimentos iguais (nada a mascarar): B = 2, T = 3, K = 4",
                    (2, 3, 4),
                    [3, 3],
                    0,
                    "Sem preenchimento, é a média de −log softmax(escores)[alvo] em todas as "
                    "posições.",
                ),
                _ce_case(
                    "comprimentos (4, 1, 2) com T = 4 e K = 5: só as posições reais contam",
                    (3, 4, 5),
                    [4, 1, 2],
                    1,
                    "Some −log p nas posições t < lengths[b] e divida por sum(lengths).",
                ),
                _ce_case(
                    "escores grandes (desvio 500), comprimentos (3, 2)",
                    (2, 3, 3),
                    [3, 2],
                    2,
                    "Subtraia o maior escore de cada posição antes de np.exp.",
                    scale=500.0,
                ),
            ),
            hidden_case=_ce_hidden,
        ),
        Question(
            "q4",
            "Empacotar um lote de sequências",
            "pack_sequences",
            "pack_sequences(seqs)",
            2.0,
            (
                _pack_case(
                    "três sequências já em ordem decrescente, comprimentos (4, 2, 1), D = 2",
                    [4, 2, 1],
                    2,
                    0,
                    "data: o passo 0 das três, o passo 1 das duas primeiras, os passos 2 e 3 "
                    "da primeira; batch_sizes = [3, 2, 1, 1].",
                ),
                _pack_case(
                    "fora de ordem, comprimentos (2, 5, 3), D = 3",
                    [2, 5, 3],
                    3,
                    1,
                    "Primeiro ordene por comprimento decrescente: sorted_indices = [1, 2, 0].",
                ),
                _pack_case(
                    "comprimentos repetidos (3, 1, 3, 2), D = 1: entre empates, qualquer ordem",
                    [3, 1, 3, 2],
                    1,
                    2,
                    "batch_sizes[t] = número de sequências com comprimento maior que t.",
                ),
            ),
            hidden_case=_pack_hidden,
        ),
        Question(
            "q5",
            "Um rotulador bidirecional que põe os acentos",
            "train_accent_tagger",
            "train_accent_tagger(words, marks, seed)",
            2.0,
            (
                _accent_case(
                    f"treino nas 5000 palavras de accent_data('treino'); acurácia por palavra "
                    f"≥ {bound_all} em 2000 palavras novas e ≥ {bound_acc} nas que têm algum "
                    "sinal",
                    seed=0,
                    split="validação",
                ),
            ),
            hidden_case=_accent_hidden,
            warm_up=("torch",),
        ),
    ]
