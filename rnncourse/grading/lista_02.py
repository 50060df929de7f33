"""Banco de questões da lista 2 (capítulo 2): a RNN em numpy, temperatura, amostragem e treino.

Questões (as funções que o estudante escreve):

1. ``rnn_cell_forward(x, h_prev, params)``: um passo da RNN de Elman em numpy, com os
   nomes, formas e vieses do ``torch.nn.RNNCell`` (``weight_ih (H, D)``, ``weight_hh (H, H)``,
   ``bias_ih (H,)``, ``bias_hh (H,)``); devolve ``(h, cache)``.
2. ``rnn_forward(X, h0, params)``: a sequência inteira, lote primeiro, ``H (B, T, H)``.
3. ``temperature_softmax(logits, temperature)``: ``softmax(logits / T)`` no último eixo,
   numericamente estável.
4. ``sample_word(next_probs, itos, rng, max_len)``: gerar uma palavra símbolo a símbolo.
5. ``train_char_rnn(model, X, Y, n_steps, lr)``: o laço de treino em PyTorch; a
   verificação mede o resultado (a perda em dados de validação abaixo de um limite).

Os casos das questões 1 e 2 isolam um termo por vez (só ``W_ih``, só ``W_hh``, só
um viés), para que a dica diga qual parâmetro está errado. O torch só é
importado dentro da questão 5.

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
    check_tuple,
    format_number,
    matches_any,
)
from rnncourse.grading.core import Case, Question
from rnncourse.rnn_numpy import rnn_cell_forward as _ref_cell
from rnncourse.rnn_numpy import rnn_forward as _ref_forward

__all__ = ["TITLE", "VAL_LOSS_BOUND", "build_questions", "make_char_model"]

TITLE = "Redes neurais recorrentes: passo, sequência, amostragem e treino"

#: limite da perda de validação (nats por caractere) na questão 5
VAL_LOSS_BOUND = 2.3

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


def _cell_mistakes(x, h_prev, p) -> list[tuple[Callable[[], np.ndarray], str]]:
    """Saídas de erros típicos do passo da RNN e a dica de cada um."""

    def sigmoid(a):
        return 1.0 / (1.0 + np.exp(-a))

    return [
        (lambda: _preact(x, h_prev, p), "Faltou a ativação: h = tanh(pré-ativação)."),
        (
            lambda: sigmoid(_preact(x, h_prev, p)),
            "A ativação da RNN simples é a tangente hiperbólica (np.tanh), não a sigmoide.",
        ),
        (
            lambda: np.tanh(
                x @ p["weight_ih"].T + h_prev @ p["weight_hh"] + p["bias_ih"] + p["bias_hh"]
            ),
            "Faltou transpor weight_hh: o termo recorrente é h_prev @ W_hh.T. Como W_hh é "
            "quadrada, a forma sai certa e só os valores denunciam o erro.",
        ),
        (
            lambda: np.tanh(x @ p["weight_ih"].T + h_prev @ p["weight_hh"].T + p["bias_ih"]),
            "bias_hh ficou de fora: o PyTorch tem dois vieses, bias_ih e bias_hh; some os dois.",
        ),
        (
            lambda: np.tanh(x @ p["weight_ih"].T + h_prev @ p["weight_hh"].T + p["bias_hh"]),
            "bias_ih ficou de fora: o PyTorch tem dois vieses, bias_ih e bias_hh; some os dois.",
        ),
        (
            lambda: np.tanh(x @ p["weight_ih"].T + h_prev @ p["weight_hh"].T + 2 * p["bias_ih"]),
            "Você somou bias_ih duas vezes; o segundo viés é bias_hh.",
        ),
        (
            lambda: np.tanh(x @ p["weight_ih"].T + p["bias_ih"] + p["bias_hh"]),
            "O termo recorrente h_prev @ W_hh.T ficou de fora.",
        ),
    ]


def _judge_cell(obtained, args) -> Failure | None:
    x, h_prev, params = args
    expected, _ = _ref_cell(x, h_prev, params)
    failure = check_tuple(obtained, 2, "(h, cache)")
    if failure is not None:
        return failure
    h = obtained[0]
    failure = check_array(
        h,
        expected,
        name="h",
        rtol=1e-7,
        atol=1e-10,
        dtype_hint="As entradas são float64 e h também deve ser: não converta para float32.",
    )
    if failure is None:
        return None
    if failure.kind == "shape":
        B, H = expected.shape
        failure.hint = (
            f"h tem forma (B, H) = ({B}, {H}). Com x (B, D) e weight_ih (H, D), o termo de "
            "entrada é x @ W_ih.T; W_ih @ x.T daria (H, B)."
        )
    elif failure.kind == "values":
        failure.hint = matches_any(h, _cell_mistakes(x, h_prev, params))
    return failure


def _cell_case(
    description: str, dims: tuple[int, int, int], seed: int, keep=_TERMS, hint: str = "", scale=0.6
) -> Case:
    B, D, H = dims

    def make_args():
        rng = np.random.default_rng(seed + 1000)
        x = rng.normal(size=(B, D))
        h_prev = rng.uniform(-1, 1, size=(B, H))
        return x, h_prev, _params(D, H, seed, keep, scale)

    return Case(
        description,
        make_args=make_args,
        judge=_judge_cell,
        hint=hint,
        arg_names=("x", "h_prev", "params"),
    )


def _cell_hidden(description: str, B: int = 4, D: int = 7, H: int = 3, seed: int = 11) -> Case:
    return _cell_case(description, (B, D, H), seed)


def _forward_mistakes(X, h0, p) -> list[tuple[Callable[[], np.ndarray], str]]:
    def steps(carry: bool, shift: bool):
        B, T, _ = X.shape
        out, h = [], h0
        for t in range(T):
            if shift:
                out.append(h)
            h_new = np.tanh(_preact(X[:, t], h if carry else h0, p))
            h = h_new
            if not shift:
                out.append(h)
        return np.stack(out, axis=1)

    return [
        (
            lambda: steps(carry=False, shift=False),
            "Todos os passos usaram h0: o estado devolvido por um passo é o h_prev do passo "
            "seguinte (atualize h dentro do laço).",
        ),
        (
            lambda: steps(carry=True, shift=True),
            "Os estados estão deslocados de um passo: H[:, t] é o estado DEPOIS de ler "
            "X[:, t] (h0 não entra em H).",
        ),
    ]


def _judge_forward(obtained, args) -> Failure | None:
    X, h0, params = args
    expected, _ = _ref_forward(X, h0, params)
    failure = check_tuple(obtained, 2, "(H, cache)")
    if failure is not None:
        return failure
    H = obtained[0]
    failure = check_array(
        H,
        expected,
        name="H",
        rtol=1e-7,
        atol=1e-10,
        dtype_hint="As entradas são float64 e H também deve ser.",
    )
    if failure is None:
        return None
    B, T, Hd = expected.shape
    if failure.kind == "shape":
        shape = tuple(np.shape(H))
        if shape == (B, Hd):
            failure.hint = "Devolva todos os estados, não só o último: H tem forma (B, T, H)."
        elif shape == (T, B, Hd):
            failure.hint = (
                "O eixo do tempo é o segundo (lote primeiro): H[:, t] = h_t; empilhe com "
                "np.stack(estados, axis=1)."
            )
        elif shape == (B, T + 1, Hd):
            failure.hint = "H tem T estados, um por entrada; h0 não entra em H."
        else:
            failure.hint = (
                f"H tem forma (B, T, H) = ({B}, {T}, {Hd}); o passo t lê X[:, t, :] (todas "
                "as sequências do lote no instante t), não X[t]."
            )
    elif failure.kind == "values":
        failure.hint = matches_any(H, _forward_mistakes(X, h0, params)) or (
            "Se a questão 1 ainda não passou, corrija-a primeiro: rnn_forward usa a sua "
            "rnn_cell_forward. Confira também que o passo t lê X[:, t, :]."
        )
    return failure


def _forward_case(
    description: str, dims: tuple[int, int, int, int], seed: int, keep=_TERMS, hint: str = ""
) -> Case:
    B, T, D, H = dims

    def make_args():
        rng = np.random.default_rng(seed + 2000)
        X = rng.normal(size=(B, T, D))
        h0 = rng.uniform(-1, 1, size=(B, H))
        return X, h0, _params(D, H, seed, keep)

    return Case(
        description,
        make_args=make_args,
        judge=_judge_forward,
        hint=hint,
        arg_names=("X", "h0", "params"),
    )


def _forward_hidden(
    description: str, B: int = 3, T: int = 7, D: int = 2, H: int = 4, seed: int = 21
) -> Case:
    return _forward_case(description, (B, T, D, H), seed)


# ---------------------------------------------------------------------- q3
def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _judge_temperature(obtained, args) -> Failure | None:
    logits, temperature = args
    expected = _softmax(logits / temperature)
    failure = check_array(obtained, expected, name="as probabilidades", rtol=1e-7, atol=1e-12)
    if failure is None or failure.kind not in {"values", "nonfinite"}:
        return failure
    if failure.kind == "values":
        with np.errstate(all="ignore"):
            failure.hint = matches_any(
                obtained,
                [
                    (
                        lambda: _softmax(logits * temperature),
                        "Você multiplicou os logits pela temperatura; divida: softmax(logits / T).",
                    ),
                    (
                        lambda: _softmax(logits),
                        "A temperatura não teve efeito: divida os logits por T antes da softmax.",
                    ),
                    (
                        lambda: (
                            np.exp(logits / temperature)
                            / np.exp(logits / temperature).sum(axis=0, keepdims=True)
                        ),
                        "Normalize ao longo do último eixo (o vocabulário): "
                        "soma(..., axis=-1, keepdims=True).",
                    ),
                    (
                        lambda: _softmax(logits) ** (1 / temperature),
                        "Elevar as probabilidades a 1/T sem normalizar de novo não soma 1: "
                        "calcule softmax(logits / T).",
                    ),
                ],
            )
        sums = np.sum(np.asarray(obtained, dtype=float), axis=-1)
        if failure.hint is None and not np.allclose(sums, 1.0):
            failure.hint = "Cada linha (último eixo) deve somar 1."
    return failure


def _temperature_case(description: str, logits, temperature: float, hint: str) -> Case:
    return Case(
        description,
        make_args=lambda: (np.array(logits, dtype=np.float64), float(temperature)),
        judge=_judge_temperature,
        hint=hint,
        arg_names=("logits", "temperature"),
    )


def _temperature_hidden(
    description: str, B: int = 2, V: int = 9, temperature: float = 0.7, seed: int = 5
) -> Case:
    logits = np.random.default_rng(seed).normal(0, 3, size=(B, V))
    return _temperature_case(description, logits.tolist(), temperature, "")


# ---------------------------------------------------------------------- q4
ITOS = (".", "a", "b", "c", "d", "e", "o", "r", "s")


def _one_hot_probs(i: int) -> np.ndarray:
    p = np.zeros(len(ITOS))
    p[i] = 1.0
    return p


class _SpellingModel:
    """Modelo determinístico: depois de ``len(contexto) - 1`` letras, prevê a próxima de ``word``.

    Confere que o contexto começa pela fronteira e contém as letras já geradas.
    """

    def __init__(self, word: str, cycle: bool = False):
        self.word = word
        self.cycle = cycle

    def __call__(self, context) -> np.ndarray:
        ctx = [int(i) for i in context]
        if not ctx or ctx[0] != 0:
            raise ValueError(
                f"next_probs recebeu o contexto {ctx}; ele deve começar pela fronteira [0, ...]"
            )
        done = len(ctx) - 1
        letters = self.word * (done // max(len(self.word), 1) + 2) if self.cycle else self.word
        expected = [ITOS.index(ch) for ch in letters[:done]]
        if ctx[1:] != expected:
            raise ValueError(
                f"next_probs recebeu o contexto {ctx}; esperado {[0, *expected]} (a fronteira "
                "seguida dos índices já sorteados)"
            )
        if done < len(letters):
            return _one_hot_probs(ITOS.index(letters[done]))
        return _one_hot_probs(0)

    def __deepcopy__(self, memo):
        return self


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


def _ref_sample(next_probs, itos, rng, max_len: int) -> str:
    context, out = [0], []
    while len(out) < max_len:
        p = next_probs(context)
        i = int(rng.choice(len(p), p=p))
        if i == 0:
            break
        out.append(itos[i])
        context.append(i)
    return "".join(out)


def _greedy(next_probs, itos, max_len: int) -> str:
    context, out = [0], []
    while len(out) < max_len:
        i = int(np.argmax(next_probs(context)))
        if i == 0:
            break
        out.append(itos[i])
        context.append(i)
    return "".join(out)


def _judge_sample(obtained, args) -> Failure | None:
    next_probs, itos, rng, max_len = args
    expected = _ref_sample(next_probs, itos, rng, max_len)  # rng aqui é a cópia intacta
    failure = check_str(obtained, expected, name="a palavra")
    if failure is None or failure.kind != "values":
        return failure
    if "." in obtained:
        failure.hint = "A fronteira '.' marca o fim: pare ao sorteá-la, sem incluí-la na palavra."
    elif len(obtained) == max_len - 1 and expected.startswith(obtained):
        failure.hint = (
            f"A palavra parou uma letra antes: ela pode ter até max_len = {max_len} letras."
        )
    elif len(obtained) > max_len:
        failure.hint = f"A palavra passou de max_len = {max_len} letras: pare ao atingir o limite."
    elif obtained == _greedy(next_probs, itos, max_len) and obtained != expected:
        failure.hint = (
            "Você escolheu sempre o símbolo mais provável (argmax): sorteie com "
            "rng.choice(len(p), p=p)."
        )
    return failure


def _sample_case(description: str, make_model, max_len: int, seed: int, hint: str) -> Case:
    return Case(
        description,
        make_args=lambda: (make_model(), list(ITOS), np.random.default_rng(seed), max_len),
        judge=_judge_sample,
        hint=hint,
        arg_names=("next_probs", "itos", "rng", "max_len"),
        mutable_args=(2,),  # sortear avança o gerador: é esperado
    )


def _sample_hidden(
    description: str, seed: int = 7, stop: float = 0.1, max_len: int = 15, model_seed: int = 3
) -> Case:
    return _sample_case(description, lambda: _BigramModel(model_seed, stop), max_len, seed, "")


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


def _ref_train(model, X, Y, n_steps: int, lr: float, zero_grad: bool = True) -> list[float]:
    import torch
    import torch.nn.functional as F

    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(n_steps):
        logits = model(X)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), Y.reshape(-1))
        if zero_grad:
            optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def _loss(model, X, Y) -> float:
    import torch
    import torch.nn.functional as F

    with torch.no_grad():
        logits = model(X)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), Y.reshape(-1)).item()


def _max_param_diff(a, b) -> float:
    import torch

    with torch.no_grad():
        pairs = zip(a.parameters(), b.parameters(), strict=True)
        return max(float((p - q).abs().max()) for p, q in pairs)


def _judge_steps(obtained, pristine, used) -> Failure | None:
    """Casos curtos: a perda inicial e os pesos depois de n passos iguais aos da referência."""
    import copy

    initial_model, X, Y, n_steps, lr = pristine  # cópia feita antes da chamada
    model_after = used[0]  # o modelo que a resposta treinou
    values, failure = check_sequence_of_floats(obtained, n_steps, name="a lista de perdas")
    if failure is not None:
        return failure
    reference = copy.deepcopy(initial_model)
    initial = _loss(reference, X, Y)
    ref_losses = _ref_train(reference, X, Y, n_steps, lr)
    if not math.isclose(values[0], initial, rel_tol=1e-4):
        hint = (
            "A perda é a entropia cruzada média de model(X) contra Y: "
            "F.cross_entropy(logits.reshape(-1, V), Y.reshape(-1)), calculada antes do passo."
        )
        if math.isclose(values[0], _loss(initial_model, X, X), rel_tol=1e-4):
            hint = "Os alvos são Y (o próximo caractere), não X."
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
        _ref_train(no_zero, X, Y, n_steps, lr, zero_grad=False)
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
        arg_names=("model", "X", "Y", "n_steps", "lr"),
        mutable_args=(0,),  # treinar altera o modelo: é o que se pede
        time_limit=time_limit,
        weight=weight,
        judge_sees_used_args=True,
        call_context=_single_thread,
    )


def _small_data(n_steps: int, seed: int = 0):
    def make():
        train, _, V = _lm_streams()
        X, Y = _chunks(train, 4, 6, seed)
        return make_char_model(V, 8, 16, seed=seed), X, Y, n_steps, 0.01

    return make


def _full_data(seed: int = 0, n_steps: int = 80, lr: float = 0.02):
    def make():
        train, _, V = _lm_streams()
        X, Y = _chunks(train, 512, 32, seed)
        return make_char_model(V, seed=seed), X, Y, n_steps, lr

    return make


def _bigram_val_loss(train: np.ndarray, X_val, Y_val, V: int, k: float = 0.1) -> float:
    counts = np.zeros((V, V))
    np.add.at(counts, (train[:-1], train[1:]), 1.0)
    probs = (counts + k) / (counts.sum(axis=1, keepdims=True) + k * V)
    x, y = X_val.numpy().reshape(-1), Y_val.numpy().reshape(-1)
    return float(-np.log(probs[x, y]).mean())


def _judge_full(obtained, pristine, used) -> Failure | None:
    """O caso que mede o resultado: perda em dados de validação abaixo do limite."""
    initial_model, X, Y, n_steps, _ = pristine
    model = used[0]
    values, failure = check_sequence_of_floats(obtained, n_steps, name="a lista de perdas")
    if failure is not None:
        return failure
    train, _, V = _lm_streams()
    X_val, Y_val = _val_chunks()
    val_loss = _loss(model, X_val, Y_val)
    before = _loss(initial_model, X_val, Y_val)
    detail = (
        f"perda de validação {format_number(val_loss)} nats/caractere (antes do treino "
        f"{format_number(before)}); referências: bigramas "
        f"{format_number(_bigram_val_loss(train, X_val, Y_val, V))}, "
        f"distribuição uniforme ln V = {format_number(math.log(V))}"
    )
    if val_loss < VAL_LOSS_BOUND:
        return None
    if values[-1] < values[0] - 0.5:
        hint = (
            "A perda de treino caiu, mas a de validação não: confira se os alvos são Y (o "
            "próximo caractere) e não X."
        )
    else:
        hint = (
            "A perda de treino quase não caiu: confira optimizer.zero_grad(), loss.backward(), "
            "optimizer.step() e a taxa de aprendizado lr recebida."
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
            "Um passo da RNN em numpy",
            "rnn_cell_forward",
            "rnn_cell_forward(x, h_prev, params)",
            2.0,
            (
                _cell_case(
                    "só o termo de entrada x · W_ihᵀ (W_hh e os dois vieses zerados)",
                    (3, 4, 5),
                    0,
                    keep=("weight_ih",),
                    hint="O termo de entrada é x @ params['weight_ih'].T: weight_ih tem forma "
                    "(H, D) e x, (B, D).",
                ),
                _cell_case(
                    "só o termo recorrente h_prev · W_hhᵀ (W_ih e os dois vieses zerados)",
                    (3, 4, 5),
                    1,
                    keep=("weight_hh",),
                    hint="O termo recorrente é h_prev @ params['weight_hh'].T (transposta!).",
                ),
                _cell_case(
                    "só o viés bias_ih (pesos e bias_hh zerados)",
                    (3, 4, 5),
                    2,
                    keep=("bias_ih",),
                    hint="bias_ih (forma (H,)) é somado a cada linha do lote.",
                ),
                _cell_case(
                    "só o viés bias_hh (pesos e bias_ih zerados)",
                    (3, 4, 5),
                    3,
                    keep=("bias_hh",),
                    hint="O PyTorch tem dois vieses, bias_ih e bias_hh: some os dois.",
                ),
                _cell_case(
                    "todos os termos juntos (B = 3, D = 4, H = 5)",
                    (3, 4, 5),
                    4,
                    hint="h = tanh(x @ W_ih.T + bias_ih + h_prev @ W_hh.T + bias_hh).",
                ),
                _cell_case(
                    "pré-ativações grandes (pesos com desvio 400): tanh satura em ±1 sem NaN",
                    (2, 3, 4),
                    5,
                    scale=400.0,
                    hint="Use np.tanh: escrever a tanh com exp transborda (overflow) para "
                    "números grandes.",
                ),
            ),
            hidden_case=_cell_hidden,
        ),
        Question(
            "q2",
            "A RNN ao longo da sequência",
            "rnn_forward",
            "rnn_forward(X, h0, params)",
            2.0,
            (
                _forward_case(
                    "T = 1: um único passo, igual a rnn_cell_forward",
                    (2, 1, 3, 5),
                    30,
                    hint="Com T = 1, H[:, 0] é o h de um passo a partir de h0.",
                ),
                _forward_case(
                    "só a recorrência (W_ih = 0) com h0 ≠ 0: o estado passa de um passo ao outro",
                    (2, 4, 3, 5),
                    31,
                    keep=("weight_hh", "bias_hh"),
                    hint="Dentro do laço, o h devolvido por um passo é o h_prev do passo seguinte.",
                ),
                _forward_case(
                    "sequência completa (B = 2, T = 4, D = 3, H = 5)",
                    (2, 4, 3, 5),
                    32,
                    hint="Para t = 0, ..., T − 1: h = passo(X[:, t, :], h); H[:, t] = h.",
                ),
                _forward_case(
                    "uma sequência só e mais longa (B = 1, T = 6)",
                    (1, 6, 3, 5),
                    33,
                    hint="Confira que o laço percorre os T passos do eixo 1 de X.",
                ),
            ),
            hidden_case=_forward_hidden,
        ),
        Question(
            "q3",
            "Softmax com temperatura",
            "temperature_softmax",
            "temperature_softmax(logits, temperature)",
            2.0,
            (
                _temperature_case(
                    "T = 1: igual à softmax de um vetor de 5 logits",
                    [2.0, -1.0, 0.5, 0.0, 1.5],
                    1.0,
                    "softmax(z)_i = exp(z_i) / Σ_j exp(z_j).",
                ),
                _temperature_case(
                    "T = 0,5 num lote (B = 3, V = 4): cada linha é uma distribuição",
                    [[1.0, 2.0, 0.0, -1.0], [0.3, 0.3, 0.3, 0.3], [-2.0, 4.0, 1.0, 0.5]],
                    0.5,
                    "Aplique a softmax no último eixo (axis=-1, keepdims=True).",
                ),
                _temperature_case(
                    "T = 2: uma distribuição mais plana",
                    [[3.0, 1.0, -1.0, 0.0, 2.0]],
                    2.0,
                    "Divida os logits por T: T > 1 aproxima as probabilidades entre si.",
                ),
                _temperature_case(
                    "logits grandes ([1000, 999, 0]): sem overflow",
                    [1000.0, 999.0, 0.0],
                    1.0,
                    "Subtraia o maior logit antes da exponencial: o resultado não muda e exp "
                    "não transborda.",
                ),
                _temperature_case(
                    "T = 0,01: quase toda a probabilidade no maior logit",
                    [[1.0, 1.5, 0.2], [0.0, -0.3, 0.1]],
                    0.01,
                    "Com T pequeno, z / T fica enorme: subtraia o máximo para não transbordar.",
                ),
            ),
            hidden_case=_temperature_hidden,
        ),
        Question(
            "q4",
            "Gerar uma palavra, símbolo a símbolo",
            "sample_word",
            "sample_word(next_probs, itos, rng, max_len)",
            2.0,
            (
                _sample_case(
                    "modelo que soletra 'rede' e depois a fronteira",
                    lambda: _SpellingModel("rede"),
                    20,
                    0,
                    "Comece com o contexto [0], acrescente cada índice sorteado e pare ao "
                    "sortear 0 (a fronteira não entra na palavra).",
                ),
                _sample_case(
                    "fronteira já no primeiro passo: a palavra vazia ''",
                    lambda: _SpellingModel(""),
                    20,
                    0,
                    "Se o primeiro índice sorteado é 0, a palavra é ''.",
                ),
                _sample_case(
                    "modelo que nunca escolhe a fronteira: a palavra para em max_len = 7",
                    lambda: _SpellingModel("abc", cycle=True),
                    7,
                    0,
                    "Pare quando a palavra tiver max_len letras, mesmo sem sortear a fronteira.",
                ),
                _sample_case(
                    "modelo aleatório de bigramas, semente 0: a mesma palavra da referência",
                    lambda: _BigramModel(0, 0.08),
                    25,
                    0,
                    "Sorteie com rng.choice(len(p), p=p), uma vez por passo, sem outras "
                    "chamadas ao gerador: assim a semente fixa a palavra.",
                ),
                _sample_case(
                    "modelo aleatório de bigramas, semente 1",
                    lambda: _BigramModel(1, 0.08),
                    25,
                    1,
                    "Sorteie com rng.choice(len(p), p=p), uma vez por passo.",
                ),
            ),
            hidden_case=_sample_hidden,
        ),
        Question(
            "q5",
            "Treinar um modelo de linguagem de caracteres",
            "train_char_rnn",
            "train_char_rnn(model, X, Y, n_steps, lr)",
            2.0,
            (
                _training_case(
                    "um passo (n_steps = 1): a perda inicial e os pesos depois do passo do Adam",
                    _small_data(1),
                    _judge_steps,
                    "",
                    time_limit=20.0,
                ),
                _training_case(
                    "três passos (n_steps = 3): os pesos seguem os da referência",
                    _small_data(3, seed=1),
                    _judge_steps,
                    "",
                    time_limit=20.0,
                ),
                _training_case(
                    "treino de verdade (80 passos, lote de 512 trechos de 32 caracteres): a "
                    f"perda em dados de validação fica abaixo de {_BOUND_TEXT} nats por caractere",
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
