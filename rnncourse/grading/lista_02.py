"""Banco de questões da lista 2 (capítulo 2): variantes da RNN, amostragem e treino.

O capítulo 2 escreve o passo da RNN de Elman, a sequência inteira, a softmax com
temperatura, o sorteio de uma palavra e o laço de treino; o pacote tem as mesmas funções.
A lista pede **variantes** dessas ideias, para que copiar o capítulo ou importar do pacote
não baste (``tests/test_grading_no_giveaways.py`` confere):

1. ``leaky_rnn_cell_forward(x, h_prev, params, alpha)``: o passo da RNN com vazamento
   (*leaky*), ``h = (1 − α) h_prev + α tanh(x W_ihᵀ + b_ih + h_prev W_hhᵀ + b_hh)``, com os
   nomes e as formas do ``torch.nn.RNNCell``; devolve ``h``.
2. ``leaky_rnn_final_state(X, lengths, h0, params, alpha)``: o estado depois do último passo
   **válido** de cada sequência de um lote com enchimento (muitos-para-um), ``(B, H)``.
3. ``top_k_softmax(logits, k, temperature)``: a distribuição da amostragem top-k, a softmax
   de ``logits / T`` só entre os ``k`` maiores logits de cada linha (zero nos outros).
4. ``sample_word_min_len(next_probs, itos, rng, min_len, max_len)``: gerar uma palavra
   símbolo a símbolo, com a fronteira proibida antes de ``min_len`` letras.
5. ``train_char_rnn(model, X, Y, n_steps, lr, burn_in)``: o laço de treino em PyTorch com
   a perda só nas posições ``t >= burn_in``; a verificação mede o resultado (a perda em dados
   de validação abaixo de um limite) e confere os pesos passo a passo.

Os casos da questão 1 isolam um termo por vez (só ``W_ih``, só ``W_hh``, só os vieses, só
o vazamento), para que a dica diga qual parâmetro está errado. O torch só é importado
dentro da questão 5.

Fora do escopo: o motor (``core.py``) e os enunciados (no notebook da lista).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache

import numpy as np

from rnncourse.data import CharVocab, load_words, split_words
from rnncourse.grading.compare import (
    Failure,
    check_array,
    check_sequence_of_floats,
    check_str,
    format_number,
    matches_any,
)
from rnncourse.grading.core import Case, Question

__all__ = ["BURN_IN", "TITLE", "VAL_LOSS_BOUND", "build_questions", "make_char_model"]

TITLE = "Redes neurais recorrentes: passo, sequência, amostragem e treino"

#: limite da perda de validação (nats por caractere) na questão 5
VAL_LOSS_BOUND = 2.3

#: posições iniciais de cada trecho que ficam fora da perda no treino medido da questão 5
BURN_IN = 8

_BOUND_TEXT = f"{VAL_LOSS_BOUND:g}".replace(".", ",")

_TERMS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


# ------------------------------------------------------------------ q1 e q2
def _params(D: int, H: int, seed: int, keep: Sequence[str] = _TERMS, scale: float = 0.6):
    """Parâmetros float64 aleatórios; os termos fora de ``keep`` ficam zerados."""
    rng = np.random.default_rng(seed)
    shapes = {"weight_ih": (H, D), "weight_hh": (H, H), "bias_ih": (H,), "bias_hh": (H,)}
    return {
        name: rng.normal(0.0, scale, size=shape) if name in keep else np.zeros(shape)
        for name, shape in shapes.items()
    }


def _preact(x, h_prev, p):
    return x @ p["weight_ih"].T + h_prev @ p["weight_hh"].T + p["bias_ih"] + p["bias_hh"]


def _ref_leaky(x, h_prev, p, alpha: float) -> np.ndarray:
    """O passo da RNN com vazamento: ``h = (1 − α) h_prev + α tanh(a)``."""
    return (1.0 - alpha) * h_prev + alpha * np.tanh(_preact(x, h_prev, p))


def _cell_mistakes(x, h_prev, p, alpha) -> list[tuple[Callable[[], np.ndarray], str]]:
    """Saídas de erros típicos do passo com vazamento e a dica de cada um."""

    def leak(a_fn):
        return lambda: (1.0 - alpha) * h_prev + alpha * np.tanh(a_fn())

    return [
        (
            lambda: np.tanh(_preact(x, h_prev, p)),
            "Esse é o passo da RNN simples do capítulo (o caso α = 1): misture o estado "
            "anterior, h = (1 − α) · h_prev + α · tanh(a).",
        ),
        (
            lambda: alpha * h_prev + (1.0 - alpha) * np.tanh(_preact(x, h_prev, p)),
            "α e 1 − α estão trocados: α é a fração do estado NOVO, tanh(a); o estado anterior "
            "entra com 1 − α.",
        ),
        (
            lambda: np.tanh((1.0 - alpha) * h_prev + alpha * _preact(x, h_prev, p)),
            "A mistura vem DEPOIS da tanh: h = (1 − α) · h_prev + α · tanh(a), e não "
            "tanh((1 − α) · h_prev + α · a).",
        ),
        (
            lambda: (1.0 - alpha) * h_prev + alpha * _preact(x, h_prev, p),
            "Faltou a ativação: o estado novo é tanh(a), não a pré-ativação a.",
        ),
        (
            leak(
                lambda: x @ p["weight_ih"].T + h_prev @ p["weight_hh"] + p["bias_ih"] + p["bias_hh"]
            ),
            "Faltou transpor weight_hh: o termo recorrente é h_prev @ W_hh.T. Como W_hh é "
            "quadrada, a forma sai certa e só os valores denunciam o erro.",
        ),
        (
            leak(lambda: x @ p["weight_ih"].T + h_prev @ p["weight_hh"].T + p["bias_ih"]),
            "bias_hh ficou de fora: o PyTorch tem dois vieses, bias_ih e bias_hh; some os dois.",
        ),
        (
            leak(lambda: x @ p["weight_ih"].T + h_prev @ p["weight_hh"].T + p["bias_hh"]),
            "bias_ih ficou de fora: o PyTorch tem dois vieses, bias_ih e bias_hh; some os dois.",
        ),
        (
            leak(lambda: x @ p["weight_ih"].T + p["bias_ih"] + p["bias_hh"]),
            "O termo recorrente h_prev @ W_hh.T ficou de fora da pré-ativação (o estado "
            "anterior entra duas vezes: dentro da tanh e na mistura).",
        ),
    ]


def _judge_cell(obtained, args) -> Failure | None:
    x, h_prev, params, alpha = args
    expected = _ref_leaky(x, h_prev, params, alpha)
    failure = check_array(
        obtained,
        expected,
        name="h",
        rtol=1e-7,
        atol=1e-10,
        dtype_hint="As entradas são float64 e h também deve ser: não converta para float32.",
    )
    if failure is None:
        return None
    if failure.kind == "type" and isinstance(obtained, tuple):
        failure.hint = "Devolva só o array h (B, H), não uma tupla."
    elif failure.kind == "shape":
        B, H = expected.shape
        failure.hint = (
            f"h tem forma (B, H) = ({B}, {H}). Com x (B, D) e weight_ih (H, D), o termo de "
            "entrada é x @ W_ih.T; W_ih @ x.T daria (H, B)."
        )
    elif failure.kind == "values":
        failure.hint = matches_any(obtained, _cell_mistakes(x, h_prev, params, alpha))
    return failure


def _cell_case(
    description: str,
    dims: tuple[int, int, int],
    seed: int,
    alpha: float,
    keep=_TERMS,
    hint: str = "",
    scale=0.6,
) -> Case:
    B, D, H = dims

    def make_args():
        rng = np.random.default_rng(seed + 1000)
        x = rng.normal(size=(B, D))
        h_prev = rng.uniform(-1, 1, size=(B, H))
        return x, h_prev, _params(D, H, seed, keep, scale), float(alpha)

    return Case(
        description,
        make_args=make_args,
        judge=_judge_cell,
        hint=hint,
        arg_names=("x", "h_prev", "params", "alpha"),
    )


def _cell_hidden(
    description: str, B: int = 4, D: int = 7, H: int = 3, alpha: float = 0.35, seed: int = 11
) -> Case:
    return _cell_case(description, (B, D, H), seed, alpha)


def _ref_final(X, lengths, h0, p, alpha: float, *, use_lengths=True, shift: int = 0):
    """O estado depois do último passo válido de cada sequência (``h0`` se o comprimento é 0)."""
    B, T, _ = X.shape
    h, states = h0, [h0]
    for t in range(T):
        h = _ref_leaky(X[:, t], h, p, alpha)
        states.append(h)
    S = np.stack(states, axis=1)  # (B, T + 1, H): S[:, t] é o estado depois de t passos
    if not use_lengths:
        return S[:, -1]
    idx = np.clip(np.asarray(lengths) + shift, 0, T)
    return S[np.arange(B), idx]


def _final_mistakes(X, lengths, h0, p, alpha) -> list[tuple[Callable[[], np.ndarray], str]]:
    B, T, _ = X.shape

    def stale_h0():  # todos os passos a partir de h0
        S = [h0] + [_ref_leaky(X[:, t], h0, p, alpha) for t in range(T)]
        return np.stack(S, axis=1)[np.arange(B), np.asarray(lengths)]

    def wrap_zero():  # comprimento 0 tratado como H[:, -1] (o índice -1 do Python)
        S = _ref_final(X, lengths, h0, p, alpha, use_lengths=False)
        out = _ref_final(X, lengths, h0, p, alpha)
        zero = np.asarray(lengths) == 0
        return np.where(zero[:, None], S, out)

    return [
        (
            lambda: _ref_final(X, lengths, h0, p, alpha, use_lengths=False),
            "Você devolveu o estado depois do ÚLTIMO passo de X para todas as sequências: as "
            "mais curtas terminam antes; o estado final da sequência b é o depois de "
            "lengths[b] passos (o que vem depois é enchimento).",
        ),
        (
            lambda: _ref_final(X, lengths, h0, p, alpha, shift=-1),
            "Você pegou o estado de um passo antes: depois de ler lengths[b] entradas, o "
            "estado é o do passo de índice lengths[b] − 1 (contando de 0), não lengths[b] − 2.",
        ),
        (
            lambda: _ref_final(X, lengths, h0, p, alpha, shift=1),
            "Você pegou o estado de um passo depois: a sequência b tem lengths[b] entradas "
            "válidas, X[b, 0] a X[b, lengths[b] − 1].",
        ),
        (
            wrap_zero,
            "Uma sequência de comprimento 0 não lê nada: o estado final dela é h0. Cuidado com "
            "o índice lengths[b] − 1 = −1, que no Python é o ÚLTIMO passo.",
        ),
        (
            stale_h0,
            "Todos os passos usaram h0: o estado devolvido por um passo é o h_prev do passo "
            "seguinte (atualize h dentro do laço).",
        ),
    ]


def _judge_final(obtained, args) -> Failure | None:
    X, lengths, h0, params, alpha = args
    expected = _ref_final(X, lengths, h0, params, alpha)
    failure = check_array(
        obtained,
        expected,
        name="o estado final",
        rtol=1e-7,
        atol=1e-10,
        dtype_hint="As entradas são float64 e o estado também deve ser.",
    )
    if failure is None:
        return None
    B, T, _ = X.shape
    Hd = h0.shape[1]
    if failure.kind == "shape":
        shape = tuple(np.shape(obtained))
        if shape == (B, T, Hd):
            failure.hint = (
                "Devolva só o estado final de cada sequência, forma (B, H), não todos os "
                "estados (B, T, H)."
            )
        else:
            failure.hint = f"O estado final tem forma (B, H) = ({B}, {Hd}): um vetor por sequência."
    elif failure.kind == "values":
        failure.hint = matches_any(obtained, _final_mistakes(X, lengths, h0, params, alpha)) or (
            "Se a questão 1 ainda não passou, corrija-a primeiro: leaky_rnn_final_state usa o "
            "seu passo. Confira também que o passo t lê X[:, t, :]."
        )
    return failure


def _final_case(
    description: str,
    dims: tuple[int, int, int, int],
    lengths: Sequence[int],
    seed: int,
    alpha: float,
    hint: str = "",
) -> Case:
    B, T, D, H = dims

    def make_args():
        rng = np.random.default_rng(seed + 2000)
        X = rng.normal(size=(B, T, D))
        for b, n in enumerate(lengths):
            X[b, n:] = 0.0  # enchimento depois do fim da sequência
        h0 = rng.uniform(-1, 1, size=(B, H))
        return X, np.array(lengths, dtype=np.int64), h0, _params(D, H, seed), float(alpha)

    return Case(
        description,
        make_args=make_args,
        judge=_judge_final,
        hint=hint,
        arg_names=("X", "lengths", "h0", "params", "alpha"),
    )


def _final_hidden(
    description: str,
    B: int = 3,
    T: int = 7,
    D: int = 2,
    H: int = 4,
    alpha: float = 0.6,
    seed: int = 21,
) -> Case:
    lengths = np.random.default_rng(seed).integers(1, T + 1, size=B).tolist()
    return _final_case(description, (B, T, D, H), lengths, seed, alpha)


# ---------------------------------------------------------------------- q3
def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _top_mask(logits: np.ndarray, k: int, largest: bool = True) -> np.ndarray:
    order = np.argsort(-logits if largest else logits, axis=-1)[..., :k]
    mask = np.zeros(logits.shape, dtype=bool)
    np.put_along_axis(mask, order, True, axis=-1)
    return mask


def _ref_top_k(logits: np.ndarray, k: int, temperature: float, largest: bool = True) -> np.ndarray:
    z = np.where(_top_mask(logits, k, largest), logits / temperature, -np.inf)
    return _softmax(z)


def _judge_top_k(obtained, args) -> Failure | None:
    logits, k, temperature = args
    expected = _ref_top_k(logits, k, temperature)
    failure = check_array(obtained, expected, name="as probabilidades", rtol=1e-7, atol=1e-12)
    if failure is None or failure.kind not in {"values", "nonfinite"}:
        return failure
    mask = _top_mask(logits, k)
    if failure.kind == "nonfinite":
        failure.hint = (
            "Apareceu NaN ou infinito: subtraia o maior logit (entre os k mantidos) antes da "
            "exponencial; com −inf nos descartados, exp(−inf) = 0 sem erro."
        )
        return failure
    with np.errstate(all="ignore"):
        failure.hint = matches_any(
            obtained,
            [
                (
                    lambda: np.where(mask, _softmax(logits / temperature), 0.0),
                    "Você zerou os descartados DEPOIS da softmax e não normalizou de novo: as "
                    "probabilidades não somam 1. Descarte antes (logit −inf) ou divida pela "
                    "soma dos k mantidos.",
                ),
                (
                    lambda: _ref_top_k(logits, k, temperature, largest=False),
                    "Você manteve os k MENORES logits; o top-k mantém os k maiores.",
                ),
                (
                    lambda: _ref_top_k(logits, k, 1.0 / temperature),
                    "Você multiplicou os logits pela temperatura; divida: softmax(logits / T).",
                ),
                (
                    lambda: _ref_top_k(logits, k, 1.0),
                    "A temperatura não teve efeito: divida os logits mantidos por T antes da "
                    "softmax.",
                ),
                (
                    lambda: _softmax(logits / temperature),
                    "Nenhum símbolo foi descartado: só os k maiores logits de cada linha ficam "
                    "com probabilidade; os outros recebem 0.",
                ),
                (
                    lambda: _ref_top_k(logits, min(k + 1, logits.shape[-1]), temperature),
                    "Você manteve k + 1 símbolos; mantenha exatamente k.",
                ),
                (
                    lambda: _ref_top_k(logits, max(k - 1, 1), temperature),
                    "Você manteve k − 1 símbolos; mantenha exatamente k.",
                ),
            ],
        )
    sums = np.sum(np.asarray(obtained, dtype=float), axis=-1)
    if failure.hint is None and not np.allclose(sums, 1.0):
        failure.hint = "Cada linha (último eixo) deve somar 1."
    return failure


def _top_k_case(description: str, logits, k: int, temperature: float, hint: str) -> Case:
    return Case(
        description,
        make_args=lambda: (np.array(logits, dtype=np.float64), int(k), float(temperature)),
        judge=_judge_top_k,
        hint=hint,
        arg_names=("logits", "k", "temperature"),
    )


def _top_k_hidden(
    description: str, B: int = 2, V: int = 9, k: int = 4, temperature: float = 0.7, seed: int = 5
) -> Case:
    logits = np.random.default_rng(seed).normal(0, 3, size=(B, V))
    return _top_k_case(description, logits.tolist(), k, temperature, "")


# ---------------------------------------------------------------------- q4
ITOS = (".", "a", "b", "c", "d", "e", "o", "r", "s")


class _BigramModel:
    """Modelo aleatório (mas fixo): a distribuição depende do último símbolo do contexto."""

    def __init__(self, seed: int, stop: float):
        rng = np.random.default_rng(seed)
        table = rng.dirichlet(np.full(len(ITOS), 0.7), size=len(ITOS))
        table[:, 0] = stop  # probabilidade de terminar a palavra
        table[:, 1:] *= (1 - stop) / table[:, 1:].sum(axis=1, keepdims=True)
        table[0, 0] = 0.0
        table[0] /= table[0].sum()
        self.table = table

    def __call__(self, context) -> np.ndarray:
        ctx = [int(i) for i in context]
        if not ctx or ctx[0] != 0:
            raise ValueError(
                f"next_probs recebeu o contexto {ctx}; ele deve começar pela fronteira [0, ...]"
            )
        return self.table[ctx[-1]].copy()

    def __deepcopy__(self, memo):
        return self


def _ref_sample(next_probs, itos, rng, min_len: int, max_len: int, *, reject=False) -> str:
    context, out = [0], []
    while len(out) < max_len:
        p = np.asarray(next_probs(context), dtype=float)
        if len(out) < min_len:
            if reject:  # sorteia de novo enquanto sair a fronteira (outro uso do gerador)
                i = 0
                while i == 0:
                    i = int(rng.choice(len(p), p=p))
            else:
                p = p.copy()
                p[0] = 0.0
                p = p / p.sum()
                i = int(rng.choice(len(p), p=p))
        else:
            i = int(rng.choice(len(p), p=p))
        if i == 0:
            break
        out.append(itos[i])
        context.append(i)
    return "".join(out)


def _judge_sample(obtained, args) -> Failure | None:
    next_probs, itos, rng, min_len, max_len = args
    state = rng.bit_generator.state  # rng aqui é a cópia intacta

    def again(**kw) -> str:
        fresh = np.random.default_rng()
        fresh.bit_generator.state = state
        return _ref_sample(next_probs, itos, fresh, **kw)

    expected = again(min_len=min_len, max_len=max_len)
    failure = check_str(obtained, expected, name="a palavra")
    if failure is None or failure.kind != "values":
        return failure
    if "." in obtained:
        failure.hint = "A fronteira '.' marca o fim: pare ao sorteá-la, sem incluí-la na palavra."
    elif len(obtained) > max_len:
        failure.hint = f"A palavra passou de max_len = {max_len} letras: pare ao atingir o limite."
    elif len(obtained) < min_len:
        failure.hint = (
            f"A palavra tem {len(obtained)} letra(s), menos que min_len = {min_len}: enquanto a "
            "palavra tiver menos de min_len letras, a fronteira não pode sair (p[0] = 0, e "
            "renormalize p para somar 1)."
        )
    elif obtained == again(min_len=min_len, max_len=max_len, reject=True):
        failure.hint = (
            "Você sorteou de novo quando saiu a fronteira: isso dá a mesma distribuição, mas "
            "gasta o gerador de outro jeito. Sorteie uma vez por passo, com p[0] = 0 e p "
            "renormalizado."
        )
    elif min_len > 0 and obtained == again(min_len=min_len + 1, max_len=max_len):
        failure.hint = (
            "A fronteira ficou proibida um passo a mais: ela é proibida só enquanto a palavra "
            f"tiver MENOS de min_len = {min_len} letras (len(palavra) < min_len)."
        )
    elif min_len > 0 and obtained == again(min_len=min_len - 1, max_len=max_len):
        failure.hint = (
            "A fronteira foi liberada um passo cedo: ela é proibida enquanto len(palavra) < "
            f"min_len = {min_len}."
        )
    elif obtained == again(min_len=0, max_len=max_len):
        failure.hint = (
            "min_len não teve efeito: antes de a palavra ter min_len letras, zere a "
            "probabilidade da fronteira e renormalize."
        )
    return failure


def _sample_case(
    description: str, make_model, min_len: int, max_len: int, seed: int, hint: str
) -> Case:
    return Case(
        description,
        make_args=lambda: (
            make_model(),
            list(ITOS),
            np.random.default_rng(seed),
            int(min_len),
            int(max_len),
        ),
        judge=_judge_sample,
        hint=hint,
        arg_names=("next_probs", "itos", "rng", "min_len", "max_len"),
        mutable_args=(2,),  # sortear avança o gerador: é esperado
    )


def _sample_hidden(
    description: str,
    seed: int = 7,
    stop: float = 0.4,
    min_len: int = 3,
    max_len: int = 15,
    model_seed: int = 3,
) -> Case:
    return _sample_case(
        description, lambda: _BigramModel(model_seed, stop), min_len, max_len, seed, ""
    )


# ---------------------------------------------------------------------- q5
@lru_cache(maxsize=1)
def _lm_streams() -> tuple[np.ndarray, np.ndarray, int]:
    """(treino, validação, V): palavras do português emendadas com '.' entre elas."""
    words = load_words(4000)
    train, val, _ = split_words(words, seed=0)
    vocab = CharVocab.from_words(words)
    encode = lambda ws: np.array(  # noqa: E731
        [vocab.stoi[c] for c in "." + ".".join(ws) + "."], dtype=np.int64
    )
    return encode(train), encode(val), len(vocab)


def _val_chunks(T: int = 32):
    """Todos os trechos de ``T`` símbolos da validação, sem sobreposição."""
    import torch

    _, val, _ = _lm_streams()
    n = (len(val) - 1) // T
    X = np.stack([val[i * T : (i + 1) * T] for i in range(n)])
    Y = np.stack([val[i * T + 1 : (i + 1) * T + 1] for i in range(n)])
    return torch.from_numpy(X), torch.from_numpy(Y)


@contextmanager
def _single_thread() -> Iterator[None]:
    """Uma thread no torch durante o treino verificado (depois, volta ao que era).

    Numa máquina de 2 núcleos ocupada (Colab, CI), duas threads disputando os
    núcleos deixam o treino muitas vezes mais lento; com uma, o tempo é previsível.
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _chunks(stream: np.ndarray, B: int, T: int, seed: int):
    """``B`` trechos de ``T`` símbolos (``X``) e os mesmos deslocados de um (``Y``)."""
    import torch

    n = (len(stream) - 1) // T
    starts = np.random.default_rng(seed).choice(n, size=B, replace=False) * T
    X = np.stack([stream[s : s + T] for s in starts])
    Y = np.stack([stream[s + 1 : s + T + 1] for s in starts])
    return torch.from_numpy(X), torch.from_numpy(Y)


def make_char_model(vocab_size: int, embed_dim: int = 16, hidden_size: int = 48, seed: int = 0):
    """O modelo da questão 5: incorporação -> nn.RNN (tanh) -> linear; devolve logits (B, T, V)."""
    import torch
    from torch import nn

    class TinyCharRNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(vocab_size, embed_dim)
            self.rnn = nn.RNN(embed_dim, hidden_size, batch_first=True)
            self.head = nn.Linear(hidden_size, vocab_size)

        def forward(self, X):  # X (B, T) -> logits (B, T, V)
            H, _ = self.rnn(self.embedding(X))
            return self.head(H)

    from rnncourse.grading.wire import portable

    torch.manual_seed(seed)
    return portable(
        TinyCharRNN(),
        "rnncourse.grading.lista_02:make_char_model",
        vocab_size=vocab_size,
        embed_dim=embed_dim,
        hidden_size=hidden_size,
        seed=seed,
    )


def _burn_loss(model, X, Y, burn_in: int, *, cut_input: bool = False):
    """Entropia cruzada média só nas posições ``t >= burn_in`` (o modelo lê X inteiro)."""
    import torch.nn.functional as F

    if cut_input:  # o erro típico: o modelo não lê as primeiras posições
        logits = model(X[:, burn_in:])
    else:
        logits = model(X)[:, burn_in:]
    V = logits.shape[-1]
    return F.cross_entropy(logits.reshape(-1, V), Y[:, burn_in:].reshape(-1))


def _ref_train(
    model, X, Y, n_steps: int, lr: float, burn_in: int, zero_grad: bool = True
) -> list[float]:
    import torch

    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(n_steps):
        loss = _burn_loss(model, X, Y, burn_in)
        if zero_grad:
            optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def _loss(model, X, Y, burn_in: int = 0, cut_input: bool = False) -> float:
    import torch

    with torch.no_grad():
        return _burn_loss(model, X, Y, burn_in, cut_input=cut_input).item()


def _max_param_diff(a, b) -> float:
    import torch

    with torch.no_grad():
        pairs = zip(a.parameters(), b.parameters(), strict=True)
        return max(float((p - q).abs().max()) for p, q in pairs)


def _judge_steps(obtained, pristine, used) -> Failure | None:
    """Casos curtos: a perda inicial e os pesos depois de n passos iguais aos da referência."""
    import copy

    initial_model, X, Y, n_steps, lr, burn_in = pristine  # cópia feita antes da chamada
    model_after = used[0]  # o modelo que a resposta treinou
    values, failure = check_sequence_of_floats(obtained, n_steps, name="a lista de perdas")
    if failure is not None:
        return failure
    reference = copy.deepcopy(initial_model)
    initial = _loss(reference, X, Y, burn_in)
    ref_losses = _ref_train(reference, X, Y, n_steps, lr, burn_in)
    if not math.isclose(values[0], initial, rel_tol=1e-4):
        hint = (
            "A perda é a entropia cruzada média de model(X)[:, burn_in:] contra "
            "Y[:, burn_in:], calculada antes do passo."
        )
        wrong = [
            (
                _loss(initial_model, X, Y, 0),
                "A perda incluiu as primeiras posições: só as posições t >= burn_in entram "
                "na perda (logits[:, burn_in:] contra Y[:, burn_in:]).",
            ),
            (
                _loss(initial_model, X, Y, burn_in, cut_input=True),
                "Não corte a entrada: o modelo precisa LER as primeiras burn_in posições (elas "
                "são o contexto das seguintes); corte só os logits e os alvos, "
                "model(X)[:, burn_in:] contra Y[:, burn_in:].",
            ),
            (
                _loss(initial_model, X, Y, burn_in + 1),
                "Você descartou burn_in + 1 posições: as posições 0, ..., burn_in − 1 ficam "
                "de fora, e a posição burn_in já entra (logits[:, burn_in:]).",
            ),
            (
                _loss(initial_model, X, Y, burn_in - 1),
                "Você descartou burn_in − 1 posições: descarte exatamente as burn_in "
                "primeiras (logits[:, burn_in:]).",
            ),
            (_loss(initial_model, X, X, burn_in), "Os alvos são Y (o próximo caractere), não X."),
        ]
        for value, text in wrong:
            if math.isclose(values[0], value, rel_tol=1e-4):
                hint = text
                break
        return Failure(
            "a primeira perda não é a do modelo antes do treino",
            expected=format_number(initial),
            obtained=format_number(values[0]),
            hint=hint,
        )
    if _max_param_diff(model_after, initial_model) == 0.0:
        return Failure(
            "os pesos do modelo não mudaram",
            hint="Faltou optimizer.step(), ou o otimizador não recebeu model.parameters().",
        )
    diff = _max_param_diff(model_after, reference)
    if diff <= 1e-5 and np.allclose(values, ref_losses, rtol=1e-4):
        return None
    hint = (
        "Use torch.optim.Adam(model.parameters(), lr=lr) e, a cada passo: zero_grad, perda, "
        "backward, step."
    )
    if n_steps > 1:
        no_zero = copy.deepcopy(initial_model)
        _ref_train(no_zero, X, Y, n_steps, lr, burn_in, zero_grad=False)
        if _max_param_diff(model_after, no_zero) <= 1e-5:
            hint = (
                "Faltou optimizer.zero_grad() a cada passo: sem ele os gradientes se acumulam "
                "de um passo para o outro."
            )
    return Failure(
        "os pesos depois do treino diferem dos da referência",
        expected=f"perdas {[round(v, 5) for v in ref_losses]}",
        obtained=f"perdas {[round(v, 5) for v in values]}",
        detail=f"maior diferença num peso: {format_number(diff)}",
        hint=hint,
    )


def _training_case(
    description: str,
    make_data: Callable[[], tuple],
    judge: Callable,
    hint: str,
    time_limit: float,
    weight: float = 1.0,
) -> Case:
    return Case(
        description,
        make_args=make_data,
        judge=judge,
        hint=hint,
        arg_names=("model", "X", "Y", "n_steps", "lr", "burn_in"),
        mutable_args=(0,),  # treinar altera o modelo: é o que se pede
        time_limit=time_limit,
        weight=weight,
        judge_sees_used_args=True,
        call_context=_single_thread,
    )


def _small_data(n_steps: int, seed: int = 0, burn_in: int = 2):
    def make():
        train, _, V = _lm_streams()
        X, Y = _chunks(train, 4, 6, seed)
        return make_char_model(V, 8, 16, seed=seed), X, Y, n_steps, 0.01, burn_in

    return make


def _full_data(seed: int = 0, n_steps: int = 80, lr: float = 0.02, burn_in: int = BURN_IN):
    def make():
        train, _, V = _lm_streams()
        X, Y = _chunks(train, 512, 32, seed)
        return make_char_model(V, seed=seed), X, Y, n_steps, lr, burn_in

    return make


def _bigram_val_loss(train: np.ndarray, X_val, Y_val, V: int, k: float = 0.1) -> float:
    counts = np.zeros((V, V))
    np.add.at(counts, (train[:-1], train[1:]), 1.0)
    probs = (counts + k) / (counts.sum(axis=1, keepdims=True) + k * V)
    x, y = X_val.numpy().reshape(-1), Y_val.numpy().reshape(-1)
    return float(-np.log(probs[x, y]).mean())


def _judge_full(obtained, pristine, used) -> Failure | None:
    """O caso que mede o resultado: perda em dados de validação abaixo do limite."""
    initial_model, X, Y, n_steps, _, burn_in = pristine
    model = used[0]
    values, failure = check_sequence_of_floats(obtained, n_steps, name="a lista de perdas")
    if failure is not None:
        return failure
    train, _, V = _lm_streams()
    X_val, Y_val = _val_chunks()
    val_loss = _loss(model, X_val, Y_val, burn_in)
    before = _loss(initial_model, X_val, Y_val, burn_in)
    detail = (
        f"perda de validação (posições t >= {burn_in}) {format_number(val_loss)} "
        f"nats/caractere (antes do treino "
        f"{format_number(before)}); referências: bigramas "
        f"{format_number(_bigram_val_loss(train, X_val, Y_val, V))}, "
        f"distribuição uniforme ln V = {format_number(math.log(V))}"
    )
    if val_loss < VAL_LOSS_BOUND:
        return None
    if values[-1] < VAL_LOSS_BOUND:
        hint = (
            "A perda de treino caiu abaixo do limite, mas a de validação não: confira se os "
            "alvos são Y (o próximo caractere) e não X, e se a perda usa as posições t >= "
            "burn_in."
        )
    else:
        hint = (
            "A perda de treino quase não caiu (ou caiu pouco): confira optimizer.zero_grad(), "
            "loss.backward(), optimizer.step() e a taxa de aprendizado lr recebida."
        )
    return Failure(
        f"a perda de validação não ficou abaixo de {format_number(VAL_LOSS_BOUND)}",
        expected=f"< {format_number(VAL_LOSS_BOUND)}",
        obtained=format_number(val_loss),
        detail=detail
        + f"; perda de treino: {format_number(values[0])} → {format_number(values[-1])}",
        hint=hint,
    )


def _training_hidden(description: str, seed: int = 1, n_steps: int = 80) -> Case:
    return _training_case(
        description, _full_data(seed, n_steps), _judge_full, "", time_limit=90.0, weight=2.0
    )


# ---------------------------------------------------------------------- o banco
def build_questions() -> list[Question]:
    """As cinco questões da lista 2, com os casos públicos."""
    return [
        Question(
            "q1",
            "Um passo da RNN com vazamento, em numpy",
            "leaky_rnn_cell_forward",
            "leaky_rnn_cell_forward(x, h_prev, params, alpha)",
            2.0,
            (
                _cell_case(
                    "só o termo de entrada x · W_ihᵀ (W_hh e os dois vieses zerados), α = 0,5",
                    (3, 4, 5),
                    0,
                    0.5,
                    keep=("weight_ih",),
                    hint="O termo de entrada é x @ params['weight_ih'].T: weight_ih tem forma "
                    "(H, D) e x, (B, D).",
                ),
                _cell_case(
                    "só o termo recorrente h_prev · W_hhᵀ (W_ih e os dois vieses zerados), α = 0,5",
                    (3, 4, 5),
                    1,
                    0.5,
                    keep=("weight_hh",),
                    hint="O termo recorrente é h_prev @ params['weight_hh'].T (transposta!).",
                ),
                _cell_case(
                    "só os vieses bias_ih e bias_hh (pesos zerados), α = 0,25",
                    (3, 4, 5),
                    2,
                    0.25,
                    keep=("bias_ih", "bias_hh"),
                    hint="O PyTorch tem dois vieses, bias_ih e bias_hh (forma (H,)): some os "
                    "dois a cada linha do lote.",
                ),
                _cell_case(
                    "tudo zerado: tanh(a) = 0 e só o vazamento fica, h = (1 − α) · h_prev "
                    "com α = 0,3",
                    (2, 3, 4),
                    3,
                    0.3,
                    keep=(),
                    hint="Com pesos e vieses zerados, a = 0 e tanh(a) = 0: sobra (1 − α) · h_prev.",
                ),
                _cell_case(
                    "todos os termos juntos (B = 3, D = 4, H = 5), α = 0,8",
                    (3, 4, 5),
                    4,
                    0.8,
                    hint="h = (1 − α) · h_prev + α · tanh(x @ W_ih.T + bias_ih + h_prev @ W_hh.T "
                    "+ bias_hh).",
                ),
                _cell_case(
                    "pré-ativações grandes (pesos com desvio 400): tanh satura em ±1 sem NaN",
                    (2, 3, 4),
                    5,
                    0.6,
                    scale=400.0,
                    hint="Use np.tanh: escrever a tanh com exp transborda (overflow) para "
                    "números grandes.",
                ),
            ),
            hidden_case=_cell_hidden,
        ),
        Question(
            "q2",
            "O estado final de sequências de comprimentos diferentes",
            "leaky_rnn_final_state",
            "leaky_rnn_final_state(X, lengths, h0, params, alpha)",
            2.0,
            (
                _final_case(
                    "todas as sequências com o comprimento inteiro (lengths = [4, 4])",
                    (2, 4, 3, 5),
                    [4, 4],
                    30,
                    0.5,
                    hint="Sem enchimento, o estado final é o depois do último passo de X.",
                ),
                _final_case(
                    "comprimentos diferentes (lengths = [5, 2, 3]): cada uma para no seu fim",
                    (3, 5, 2, 4),
                    [5, 2, 3],
                    31,
                    0.7,
                    hint="O estado final da sequência b é o depois de lengths[b] passos; as "
                    "posições seguintes de X são enchimento.",
                ),
                _final_case(
                    "uma sequência de comprimento 1 e outra de comprimento 6",
                    (2, 6, 3, 5),
                    [1, 6],
                    32,
                    0.4,
                    hint="Com lengths[b] = 1, o estado final é o depois do primeiro passo.",
                ),
                _final_case(
                    "uma sequência vazia (comprimento 0): o estado final dela é h0",
                    (3, 4, 2, 3),
                    [3, 0, 4],
                    33,
                    0.6,
                    hint="Uma sequência de comprimento 0 não lê nenhuma entrada.",
                ),
            ),
            hidden_case=_final_hidden,
        ),
        Question(
            "q3",
            "Amostragem top-k com temperatura",
            "top_k_softmax",
            "top_k_softmax(logits, k, temperature)",
            2.0,
            (
                _top_k_case(
                    "k = 2, T = 1, um vetor de 5 logits",
                    [2.0, -1.0, 0.5, 0.0, 1.5],
                    2,
                    1.0,
                    "Só os 2 maiores logits (2,0 e 1,5) ficam; a softmax é feita entre eles.",
                ),
                _top_k_case(
                    "k = 3, T = 0,5, num lote (B = 3, V = 5): cada linha tem os seus k",
                    [
                        [1.0, 2.0, 0.0, -1.0, 0.4],
                        [0.3, -0.2, 0.9, 0.1, 1.7],
                        [-2.0, 4.0, 1.0, 0.5, 3.1],
                    ],
                    3,
                    0.5,
                    "Escolha os k maiores de CADA linha (último eixo) e normalize cada linha.",
                ),
                _top_k_case(
                    "k = V − 1 (só o menor escore sai), T = 2: uma distribuição mais plana",
                    [[3.0, 1.0, -1.0, 0.0, 2.0]],
                    4,
                    2.0,
                    "Com k = V − 1, só o menor escore (−1,0) fica com probabilidade 0; T > 1 "
                    "aproxima as outras entre si.",
                ),
                _top_k_case(
                    "k = 1: toda a probabilidade no maior logit",
                    [[0.2, 1.5, -0.3, 0.9], [2.2, -1.0, 0.1, 2.1]],
                    1,
                    0.7,
                    "Com k = 1 sobra um símbolo, com probabilidade 1.",
                ),
                _top_k_case(
                    "logits grandes ([1000, 999, 0, 998]) com k = 2: sem overflow",
                    [1000.0, 999.0, 0.0, 998.0],
                    2,
                    1.0,
                    "Subtraia o maior logit antes da exponencial: o resultado não muda e exp "
                    "não transborda.",
                ),
            ),
            hidden_case=_top_k_hidden,
        ),
        Question(
            "q4",
            "Gerar uma palavra com um comprimento mínimo",
            "sample_word_min_len",
            "sample_word_min_len(next_probs, itos, rng, min_len, max_len)",
            2.0,
            (
                _sample_case(
                    "min_len = 0: o sorteio comum, semente 0",
                    lambda: _BigramModel(0, 0.3),
                    0,
                    25,
                    0,
                    "Comece com o contexto [0], sorteie com rng.choice(len(p), p=p) uma vez por "
                    "passo, acrescente cada índice ao contexto e pare ao sortear 0 (a "
                    "fronteira não entra na palavra).",
                ),
                _sample_case(
                    "min_len = 4 com um modelo que termina cedo (P(fim) = 0,5)",
                    lambda: _BigramModel(1, 0.5),
                    4,
                    25,
                    1,
                    "Enquanto a palavra tiver menos de min_len letras, zere p[0] e renormalize "
                    "(divida p pela nova soma) antes de sortear.",
                ),
                _sample_case(
                    "min_len = 3 com P(fim) = 0,9: a palavra para logo depois do mínimo",
                    lambda: _BigramModel(2, 0.9),
                    3,
                    25,
                    2,
                    "A fronteira volta a valer assim que a palavra tem min_len letras.",
                ),
                _sample_case(
                    "min_len = max_len = 5: a palavra tem exatamente 5 letras",
                    lambda: _BigramModel(3, 0.5),
                    5,
                    5,
                    3,
                    "Pare quando a palavra tiver max_len letras, mesmo sem sortear a fronteira.",
                ),
                _sample_case(
                    "min_len = 2, semente 4: a mesma palavra da referência",
                    lambda: _BigramModel(4, 0.3),
                    2,
                    25,
                    4,
                    "Uma chamada a rng.choice por passo, sem outras chamadas ao gerador: assim "
                    "a semente fixa a palavra.",
                ),
            ),
            hidden_case=_sample_hidden,
        ),
        Question(
            "q5",
            "Treinar um modelo de linguagem de caracteres sem as primeiras posições",
            "train_char_rnn",
            "train_char_rnn(model, X, Y, n_steps, lr, burn_in)",
            2.0,
            (
                _training_case(
                    "um passo (n_steps = 1, burn_in = 2): a perda inicial e os pesos depois do "
                    "passo do Adam",
                    _small_data(1),
                    _judge_steps,
                    "",
                    time_limit=20.0,
                ),
                _training_case(
                    "três passos (n_steps = 3, burn_in = 3): os pesos seguem os da referência",
                    _small_data(3, seed=1, burn_in=3),
                    _judge_steps,
                    "",
                    time_limit=20.0,
                ),
                _training_case(
                    f"treino de verdade (80 passos, lote de 512 trechos de 32 caracteres, "
                    f"burn_in = {BURN_IN}): a perda em dados de validação fica abaixo de "
                    f"{_BOUND_TEXT} nats por caractere",
                    _full_data(),
                    _judge_full,
                    "",
                    time_limit=90.0,
                    weight=2.0,
                ),
            ),
            hidden_case=_training_hidden,
            warm_up=("torch",),
        ),
    ]
