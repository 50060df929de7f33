"""Banco de questões da lista 5 (capítulo 5): LSTM e GRU.

Questões (as funções e a classe que o estudante escreve):

1. ``lstm_cell_forward(x, h_prev, c_prev, params)``: um passo da LSTM em numpy, com as
   convenções do ``torch.nn.LSTMCell`` (portas empilhadas na ordem (i, f, g, o));
   devolve ``(h, c, cache)``.
2. ``gru_cell_forward(x, h_prev, params)``: um passo da GRU na variante do PyTorch
   (partes (r, z, n); ``r`` multiplica ``h_prev W_hn^T + b_hn``, depois do produto);
   devolve ``(h, cache)``.
3. ``lstm_forward(X, h0, c0, params)``: a LSTM ao longo da sequência; devolve
   ``(H, C, cache)`` com todos os estados ocultos e de célula.
4. ``recurrent_param_count(kind, input_size, hidden_size, bias)``: quantos parâmetros tem
   uma camada ``nn.RNN``/``nn.LSTM``/``nn.GRU``.
5. ``LSTMClassifier(input_size, hidden_size, num_classes, forget_bias)``: um classificador de
   sequências em PyTorch (``nn.LSTM`` + ``nn.Linear`` no último passo), com o viés da porta
   de esquecimento inicializado. A verificação confere o ``forward`` contra uma LSTM com os
   mesmos pesos, o viés, e **mede** o resultado: treinado por 200 passos numa tarefa de
   memória de 40 passos, o modelo precisa acertar ao menos ``ACCURACY_BOUND`` de sequências
   novas.

As referências são as do pacote (``rnncourse.lstm_numpy``, ``rnncourse.gru_numpy``, que os
testes do pacote conferem contra ``nn.LSTM``/``nn.GRU``) e os próprios módulos do PyTorch.
Os casos das questões 1 e 2 isolam partes da célula (estado anterior zero, candidato zero,
reinício sem efeito), para que a dica diga qual porta está errada ou trocada. O torch só é
importado dentro das funções que o usam.

Fora do escopo: o motor (``core.py``) e os enunciados (no notebook da lista).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

from rnncourse.grading.compare import (
    Failure,
    check_array,
    check_tuple,
    describe,
    format_number,
    matches_any,
)
from rnncourse.grading.core import Case, Question
from rnncourse.grading.guard import call_answer
from rnncourse.gru_numpy import gru_cell_forward as _ref_gru_cell
from rnncourse.lstm_numpy import lstm_cell_forward as _ref_lstm_cell
from rnncourse.lstm_numpy import lstm_forward as _ref_lstm_forward

__all__ = ["ACCURACY_BOUND", "TITLE", "build_questions", "memory_task"]

TITLE = "LSTM e GRU: células, sequência, parâmetros e um classificador treinado"

#: acurácia mínima do classificador da questão 5 em sequências novas (o acaso dá 0,5)
ACCURACY_BOUND = 0.9
_BOUND_TEXT = f"{ACCURACY_BOUND:g}".replace(".", ",")

#: a tarefa e o treino da questão 5 (o enunciado repete estes números)
MEMORY_T = 40
TRAIN_STEPS = 300
BATCH = 128
LR = 0.01

Mistakes = list[tuple[Callable[[], object], str]]


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -a))


def _params(G: int, D: int, H: int, seed: int, scale: float = 0.5) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    shapes = {
        "weight_ih": (G * H, D),
        "weight_hh": (G * H, H),
        "bias_ih": (G * H,),
        "bias_hh": (G * H,),
    }
    return {k: rng.normal(0.0, scale, size=s) for k, s in shapes.items()}


def _zero_block(params: dict, block: int, H: int) -> dict:
    """Zera as linhas ``block`` (de tamanho H) dos pesos e vieses: uma porta sem entrada."""
    for key in params:
        params[key][block * H : (block + 1) * H] = 0.0
    return params


# ---------------------------------------------------------------------- q1
def _lstm(x, h_prev, c_prev, p, *, order="ifgo", g_act=np.tanh, h_tanh=True, c_mode="ok", bhh=True):
    """LSTM configurável: a certa (padrão) e variantes com erros típicos. Devolve ``(h, c)``."""
    H = h_prev.shape[1]
    a = x @ p["weight_ih"].T + p["bias_ih"] + h_prev @ p["weight_hh"].T
    if bhh:
        a = a + p["bias_hh"]
    blocks = {name: a[:, i * H : (i + 1) * H] for i, name in enumerate(order)}
    i, f, o = _sigmoid(blocks["i"]), _sigmoid(blocks["f"]), _sigmoid(blocks["o"])
    g = g_act(blocks["g"])
    if c_mode == "no_forget":
        c = i * g
    elif c_mode == "no_input":
        c = f * c_prev + g
    elif c_mode == "h_prev":
        c = f * h_prev + i * g
    else:
        c = f * c_prev + i * g
    h = o * np.tanh(c) if h_tanh else o * c
    return h, c


def _lstm_mistakes(x, h_prev, c_prev, p) -> list[tuple[Callable[[], tuple], str]]:
    def run(**kw):
        return lambda: _lstm(x, h_prev, c_prev, p, **kw)

    return [
        (
            run(order="ifog"),
            "A ordem das portas nos pesos do PyTorch é (i, f, g, o): o candidato g é o "
            "TERCEIRO bloco de linhas, [2H:3H], e a porta de saída o quarto, [3H:4H]. Você "
            "usou (i, f, o, g).",
        ),
        (
            run(order="figo"),
            "As portas de entrada e de esquecimento estão trocadas: na ordem (i, f, g, o), "
            "i é o bloco [0:H] e f o bloco [H:2H].",
        ),
        (
            run(order="igfo"),
            "A ordem (i, g, f, o) é a de outras implementações (a LSTMCell do TensorFlow 1, por "
            "exemplo); no PyTorch é (i, f, g, o): o candidato é o terceiro bloco.",
        ),
        (
            run(g_act=_sigmoid),
            "O candidato g usa tanh, não a sigmoide: ele é o conteúdo novo, em (−1, 1); as "
            "sigmoides ficam com as portas i, f e o.",
        ),
        (run(h_tanh=False), "Faltou a tanh da célula: h = o ⊙ tanh(c), não o ⊙ c."),
        (
            run(c_mode="no_forget"),
            "Faltou o termo f ⊙ c_prev: c = f ⊙ c_prev + i ⊙ g (é o caminho aditivo que "
            "carrega a memória).",
        ),
        (run(c_mode="no_input"), "Faltou a porta de entrada no candidato: c = f ⊙ c_prev + i ⊙ g."),
        (
            run(c_mode="h_prev"),
            "A porta de esquecimento multiplica o estado da CÉLULA anterior, c_prev, não h_prev.",
        ),
        (
            run(bhh=False),
            "bias_hh ficou de fora: o PyTorch tem dois vieses, bias_ih e bias_hh; some os dois.",
        ),
    ]


def _judge_two_states(
    got: tuple, expected: tuple, names: tuple[str, ...], mistakes, shape: tuple[int, int]
) -> Failure | None:
    """Confere os estados devolvidos (``h`` e ``c``) e aponta o erro típico que coincidir."""
    order = sorted(range(len(names)), key=lambda i: names[i] != "c")  # c primeiro: vem antes de h
    for index in order:
        name = names[index]
        failure = check_array(
            got[index],
            expected[index],
            name=name,
            rtol=1e-7,
            atol=1e-10,
            dtype_hint=f"As entradas são float64 e {name} também deve ser.",
        )
        if failure is None:
            continue
        if failure.kind == "shape":
            B, H = shape
            failure.hint = (
                f"{name} tem forma (B, H) = ({B}, {H}). Com x (B, D) e weight_ih (G·H, D), as "
                "pré-ativações de todas as portas saem juntas de x @ W_ih.T, de forma (B, G·H); "
                "cada porta é uma fatia de H colunas."
            )
        elif failure.kind == "values":
            failure.hint = matches_any(
                got[index], [(lambda m=m, i=index: m()[i], hint) for m, hint in mistakes]
            )
        return failure
    return None


def _judge_lstm_cell(obtained, args) -> Failure | None:
    x, h_prev, c_prev, params = args
    h, c, _ = _ref_lstm_cell(x, h_prev, c_prev, params)
    failure = check_tuple(obtained, 3, "(h, c, cache)")
    if failure is not None:
        return failure
    return _judge_two_states(
        obtained[:2], (h, c), ("h", "c"), _lstm_mistakes(x, h_prev, c_prev, params), h.shape
    )


def _lstm_cell_case(
    description: str,
    dims: tuple[int, int, int],
    seed: int,
    hint: str,
    *,
    zero_state: bool = False,
    zero_candidate: bool = False,
    scale: float = 0.5,
) -> Case:
    B, D, H = dims

    def make_args():
        rng = np.random.default_rng(seed + 5000)
        x = rng.normal(size=(B, D))
        h_prev = np.zeros((B, H)) if zero_state else rng.uniform(-1, 1, size=(B, H))
        c_prev = np.zeros((B, H)) if zero_state else rng.normal(0.0, 1.5, size=(B, H))
        params = _params(4, D, H, seed, scale)
        if zero_candidate:
            _zero_block(params, 2, H)  # g = tanh(0) = 0
        return x, h_prev, c_prev, params

    return Case(
        description,
        make_args=make_args,
        judge=_judge_lstm_cell,
        hint=hint,
        arg_names=("x", "h_prev", "c_prev", "params"),
    )


def _lstm_cell_hidden(description: str, B: int = 4, D: int = 2, H: int = 3, seed: int = 15) -> Case:
    return _lstm_cell_case(description, (B, D, H), seed, "")


# ---------------------------------------------------------------------- q2
def _gru(x, h_prev, p, *, variant="torch", order="rzn", n_act=np.tanh, bhh=True):
    """GRU configurável: a do PyTorch (padrão) e variantes com erros típicos. Devolve ``h``."""
    H = h_prev.shape[1]
    W_ih, W_hh = p["weight_ih"], p["weight_hh"]
    b_ih = p["bias_ih"]
    b_hh = p["bias_hh"] if bhh else np.zeros_like(p["bias_hh"])
    gi = x @ W_ih.T + b_ih
    gh = h_prev @ W_hh.T + b_hh
    idx = {name: slice(i * H, (i + 1) * H) for i, name in enumerate(order)}
    r = _sigmoid(gi[:, idx["r"]] + gh[:, idx["r"]])
    z = _sigmoid(gi[:, idx["z"]] + gh[:, idx["z"]])
    W_hn, b_hn = W_hh[idx["n"]], b_hh[idx["n"]]
    if variant == "cho":  # r antes do produto (Cho et al., 2014)
        n = n_act(gi[:, idx["n"]] + (r * h_prev) @ W_hn.T + b_hn)
    elif variant == "bias_out":  # b_hn fora do r
        n = n_act(gi[:, idx["n"]] + r * (h_prev @ W_hn.T) + b_hn)
    else:
        n = n_act(gi[:, idx["n"]] + r * (h_prev @ W_hn.T + b_hn))
    if variant == "swap_z":  # a convenção de Chung et al. (2014)
        return z * n + (1.0 - z) * h_prev
    return (1.0 - z) * n + z * h_prev


def _gru_mistakes(x, h_prev, p) -> Mistakes:
    def run(**kw):
        return lambda: _gru(x, h_prev, p, **kw)

    return [
        (
            run(variant="bias_out"),
            "O viés b_hn fica DENTRO do produto por r: r ⊙ (h_prev W_hnᵀ + b_hn). Somá-lo "
            "fora dá outro resultado (é por isso que o PyTorch guarda dois vieses).",
        ),
        (
            run(variant="cho"),
            "Essa é a variante do artigo de Cho et al. (2014), com r aplicado ANTES do produto, "
            "(r ⊙ h_prev) W_hnᵀ. O PyTorch aplica r depois: n = tanh(x W_inᵀ + b_in + "
            "r ⊙ (h_prev W_hnᵀ + b_hn)).",
        ),
        (
            run(variant="swap_z"),
            "Os papéis de z e 1 − z estão trocados (é a convenção de Chung et al., 2014): no "
            "PyTorch, como no artigo de Cho et al., h = (1 − z) ⊙ n + z ⊙ h_prev, e z perto "
            "de 1 conserva o estado anterior.",
        ),
        (
            run(order="zrn"),
            "As portas r e z estão trocadas: na ordem do PyTorch, (r, z, n), r é o bloco [0:H] "
            "e z o bloco [H:2H].",
        ),
        (run(n_act=_sigmoid), "O candidato n usa tanh, não a sigmoide."),
        (
            run(bhh=False),
            "bias_hh ficou de fora: o PyTorch tem dois vieses, bias_ih e bias_hh; some os dois.",
        ),
    ]


def _judge_gru_cell(obtained, args) -> Failure | None:
    x, h_prev, params = args
    h, _ = _ref_gru_cell(x, h_prev, params)
    failure = check_tuple(obtained, 2, "(h, cache)")
    if failure is not None:
        return failure
    mistakes = [(lambda m=m: (m(),), hint) for m, hint in _gru_mistakes(x, h_prev, params)]
    return _judge_two_states((obtained[0],), (h,), ("h",), mistakes, h.shape)


def _gru_cell_case(
    description: str,
    dims: tuple[int, int, int],
    seed: int,
    hint: str,
    *,
    zero_state: bool = False,
    no_reset: bool = False,
    scale: float = 0.5,
) -> Case:
    B, D, H = dims

    def make_args():
        rng = np.random.default_rng(seed + 6000)
        x = rng.normal(size=(B, D))
        h_prev = np.zeros((B, H)) if zero_state else rng.uniform(-1, 1, size=(B, H))
        params = _params(3, D, H, seed, scale)
        if no_reset:  # W_hn = 0 e b_hn = 0: r não tem o que multiplicar
            params["weight_hh"][2 * H :] = 0.0
            params["bias_hh"][2 * H :] = 0.0
        return x, h_prev, params

    return Case(
        description,
        make_args=make_args,
        judge=_judge_gru_cell,
        hint=hint,
        arg_names=("x", "h_prev", "params"),
    )


def _gru_cell_hidden(description: str, B: int = 4, D: int = 5, H: int = 2, seed: int = 16) -> Case:
    return _gru_cell_case(description, (B, D, H), seed, "")


# ---------------------------------------------------------------------- q3
def _lstm_seq(X, h0, c0, p, *, carry_h=True, carry_c=True, shift=False):
    out_h, out_c = [], []
    h, c = h0, c0
    for t in range(X.shape[1]):
        if shift:
            out_h.append(h)
            out_c.append(c)
        h_new, c_new = _lstm(X[:, t], h if carry_h else h0, c if carry_c else c0, p)
        h, c = h_new, c_new
        if not shift:
            out_h.append(h)
            out_c.append(c)
    return np.stack(out_h, axis=1), np.stack(out_c, axis=1)


def _lstm_seq_mistakes(X, h0, c0, p) -> list[tuple[Callable[[], tuple], str]]:
    return [
        (
            lambda: _lstm_seq(X, h0, c0, p, carry_c=False),
            "O estado da célula não passou de um passo ao outro: o c devolvido por um passo é "
            "o c_prev do seguinte (atualize h E c dentro do laço).",
        ),
        (
            lambda: _lstm_seq(X, h0, c0, p, carry_h=False),
            "O estado oculto não passou de um passo ao outro: o h devolvido por um passo é o "
            "h_prev do seguinte.",
        ),
        (
            lambda: _lstm_seq(X, h0, c0, p, shift=True),
            "Os estados estão deslocados de um passo: H[:, t] e C[:, t] são os estados DEPOIS "
            "de ler X[:, t] (h0 e c0 não entram).",
        ),
        (
            lambda: _lstm_seq(X, h0, c0, p)[::-1],
            "H e C saíram trocados: devolva (H, C, cache), nessa ordem.",
        ),
    ]


def _judge_lstm_forward(obtained, args) -> Failure | None:
    X, h0, c0, params = args
    H, C, _ = _ref_lstm_forward(X, h0, c0, params)
    failure = check_tuple(obtained, 3, "(H, C, cache)")
    if failure is not None:
        return failure
    B, T, Hd = H.shape
    for index, name in ((1, "C"), (0, "H")):
        failure = check_array(
            obtained[index],
            (H, C)[index],
            name=name,
            rtol=1e-7,
            atol=1e-10,
            dtype_hint=f"As entradas são float64 e {name} também deve ser.",
        )
        if failure is None:
            continue
        if failure.kind == "shape":
            shape = tuple(np.shape(obtained[index]))
            if shape == (B, Hd):
                failure.hint = (
                    f"Devolva todos os estados, não só o último: {name} tem forma (B, T, H)."
                )
            elif shape == (T, B, Hd):
                failure.hint = (
                    "O eixo do tempo é o segundo (lote primeiro): empilhe com "
                    "np.stack(estados, axis=1)."
                )
            else:
                failure.hint = f"{name} tem forma (B, T, H) = ({B}, {T}, {Hd})."
        elif failure.kind == "values":
            failure.hint = matches_any(
                obtained[index],
                [
                    (lambda m=m, i=index: m()[i], hint)
                    for m, hint in _lstm_seq_mistakes(X, h0, c0, params)
                ],
            ) or (
                "Se a questão 1 ainda não passou, corrija-a primeiro: lstm_forward usa a sua "
                "lstm_cell_forward. Confira também que o passo t lê X[:, t, :]."
            )
        return failure
    return None


def _lstm_forward_case(
    description: str, dims: tuple[int, int, int, int], seed: int, hint: str, *, no_input=False
) -> Case:
    B, T, D, H = dims

    def make_args():
        rng = np.random.default_rng(seed + 7000)
        X = rng.normal(size=(B, T, D))
        h0 = rng.uniform(-1, 1, size=(B, H))
        c0 = rng.normal(0.0, 1.0, size=(B, H))
        params = _params(4, D, H, seed)
        if no_input:  # W_ih = 0: só a recorrência move os estados
            params["weight_ih"][:] = 0.0
        return X, h0, c0, params

    return Case(
        description,
        make_args=make_args,
        judge=_judge_lstm_forward,
        hint=hint,
        arg_names=("X", "h0", "c0", "params"),
    )


def _lstm_forward_hidden(
    description: str, B: int = 3, T: int = 6, D: int = 2, H: int = 4, seed: int = 25
) -> Case:
    return _lstm_forward_case(description, (B, T, D, H), seed, "")


# ---------------------------------------------------------------------- q4
_GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def _torch_count(kind: str, D: int, H: int, bias: bool) -> int:
    from torch import nn

    module = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind](D, H, bias=bias)
    return sum(p.numel() for p in module.parameters())


def _judge_count(obtained, args) -> Failure | None:
    kind, D, H, bias = args
    expected = _torch_count(kind, D, H, bias)
    want = f"int {expected} (sum(p.numel() for p in nn.{kind.upper()}(...).parameters()))"
    if obtained is None:
        return Failure(
            "a resposta devolveu None em vez de um número",
            expected=want,
            obtained="None",
            hint="Confira se a função termina com `return ...`.",
            kind="none",
        )
    if isinstance(obtained, (bool, np.bool_)) or not isinstance(
        obtained, (numbers.Integral, np.integer)
    ):
        hint = "Contagens são inteiros: devolva um int (use // e não /, ou int(...))."
        return Failure(
            "tipo errado: esperava um inteiro (int)",
            expected=want,
            obtained=describe(obtained),
            hint=hint,
            kind="type",
        )
    got = int(obtained)
    if got == expected:
        return None
    G = _GATES[kind]
    b = 2 * G * H if bias else 0
    swapped = {"lstm": 3, "gru": 4}.get(kind, G)
    candidates = [
        (
            G * H * (D + H) + (G * H if bias else 0),
            "O PyTorch tem DOIS vetores de viés por camada, bias_ih e bias_hh: 2·G·H "
            "parâmetros de viés.",
        ),
        (
            H * (D + H) + (2 * H if bias else 0),
            f"Faltou o número de blocos G: a {kind.upper()} empilha {G} blocos de pesos "
            "(LSTM: i, f, g, o; GRU: r, z, n; RNN simples: 1).",
        ),
        (
            swapped * H * (D + H) + (2 * swapped * H if bias else 0),
            "A LSTM tem 4 blocos (i, f, g, o) e a GRU tem 3 (r, z, n), não o contrário.",
        ),
        (
            G * H * D + b,
            "Faltou weight_hh, de forma (G·H, H): G·H·H parâmetros.",
        ),
        (
            G * H * H + b,
            "Faltou weight_ih, de forma (G·H, D): G·H·D parâmetros.",
        ),
        (
            G * H * (D + H) + 2 * G * H,
            "Com bias=False não há vieses: o total é só G·H·(D + H).",
        ),
    ]
    hint = next((h for value, h in candidates if value == got), None)
    return Failure(
        "número de parâmetros errado",
        expected=str(expected),
        obtained=str(got),
        detail=f"kind = {kind!r}, D = {D}, H = {H}, bias = {bias}",
        hint=hint,
        kind="values",
    )


def _count_case(description: str, kind: str, D: int, H: int, bias: bool, hint: str) -> Case:
    return Case(
        description,
        make_args=lambda: (kind, D, H, bias),
        judge=_judge_count,
        hint=hint,
        arg_names=("kind", "input_size", "hidden_size", "bias"),
    )


def _count_hidden(
    description: str, kind: str = "gru", D: int = 13, H: int = 9, bias: bool = False
) -> Case:
    return _count_case(description, kind, D, H, bias, "")


# ---------------------------------------------------------------------- q5
def memory_task(n: int, T: int, seed: int, noise_channels: int = 2):
    """A tarefa de memória da questão 5: ``(X (n, T, 2 + ruído) float32, y (n,) int64)``.

    No primeiro passo, um dos dois primeiros canais vale 1 e diz a classe (0 ou 1); depois
    eles ficam em zero. Os outros canais trazem ruído gaussiano em todos os passos. A
    resposta só é pedida no fim: a rede precisa guardar o primeiro passo por ``T − 1`` passos.
    """
    import torch

    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    X = np.zeros((n, T, 2 + noise_channels), dtype=np.float32)
    X[np.arange(n), 0, y] = 1.0
    X[:, :, 2:] = rng.normal(size=(n, T, noise_channels))
    return torch.from_numpy(X), torch.from_numpy(y)


@contextmanager
def _single_thread() -> Iterator[None]:
    """Uma thread no torch durante o treino medido (tempo previsível em 2 núcleos ocupados)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _module_report(model) -> dict:
    """No lado da resposta: a estrutura do modelo e os pesos da LSTM e da camada linear."""
    from torch import nn

    if not isinstance(model, nn.Module):
        return {"is_module": False, "described": describe(model)}
    lstms = [m for m in model.modules() if isinstance(m, nn.LSTM)]
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    report: dict = {"is_module": True, "n_lstm": len(lstms), "n_linear": len(linears)}
    if len(lstms) == 1 and len(linears) == 1:
        lstm, head = lstms[0], linears[0]
        report["lstm"] = {
            "input_size": int(lstm.input_size),
            "hidden_size": int(lstm.hidden_size),
            "num_layers": int(lstm.num_layers),
            "bias": bool(lstm.bias),
            "batch_first": bool(lstm.batch_first),
            "bidirectional": bool(lstm.bidirectional),
            "proj_size": int(lstm.proj_size),
            "state": {k: v.detach().clone() for k, v in lstm.state_dict().items()},
        }
        report["head"] = {
            "in_features": int(head.in_features),
            "out_features": int(head.out_features),
            "bias": head.bias is not None,
            "state": {k: v.detach().clone() for k, v in head.state_dict().items()},
        }
    return report


def _forward_input(D: int):
    """A entrada fixa ``(5, 7, D)`` com que o forward é conferido."""
    import torch

    return torch.randn(5, 7, D, generator=torch.Generator().manual_seed(1))


def _classifier_probe(seed: int, mode: str):
    """Sonda da questão 5 (roda onde a resposta roda): cria o modelo e relata o que o juiz usa.

    ``mode`` é ``"structure"`` (só a estrutura e os pesos), ``"forward"`` (também
    ``model(X)`` na entrada fixa) ou ``"train"`` (treina com o laço fixo da
    questão e relata os pesos treinados e as perdas).
    """

    def probe(answer, args, limit: float):
        import torch

        torch.manual_seed(seed)  # os pesos iniciais do modelo do estudante
        outcome = call_answer(answer, args, limit=limit)
        if outcome.status != "ok":
            return outcome
        model = outcome.value
        report = _module_report(model)
        if mode == "forward" and "lstm" in report:
            with torch.no_grad():
                out = call_answer(model, (_forward_input(args[0]),), limit=10.0)
            forward = {"status": out.status}
            if out.status == "ok":
                value = out.value
                forward["is_tensor"] = isinstance(value, torch.Tensor)
                forward["value"] = value.detach().clone() if forward["is_tensor"] else None
                forward["described"] = describe(value)
            elif out.status == "raised":
                forward["error"] = f"{type(out.exception).__name__}: {out.exception}"[:300]
            report["forward"] = forward
        if mode == "train" and "lstm" in report:
            X, y = memory_task(2048, MEMORY_T, seed)
            with _single_thread():
                out = call_answer(_train_classifier, (model, X, y), limit=120.0)
            train = {"status": out.status}
            if out.status == "ok":
                train["losses"] = [float(v) for v in out.value]
                report["trained"] = _module_report(model)
            elif out.status == "raised":
                train["error"] = f"{type(out.exception).__name__}: {out.exception}"[:300]
            report["train"] = train
        outcome.value = report
        return outcome

    return probe


def _modules(report):
    """A ``nn.LSTM`` e a ``nn.Linear`` refeitas no corretor, com os pesos relatados."""
    import torch
    from torch import nn

    if report.get("is_module") is not True:
        return (
            None,
            None,
            Failure(
                "LSTMClassifier(...) deveria criar um nn.Module",
                expected="uma instância de uma subclasse de torch.nn.Module",
                obtained=str(report.get("described", "?"))[:200],
                hint="Declare `class LSTMClassifier(nn.Module):` e chame super().__init__() no "
                "começo de __init__.",
                kind="type",
            ),
        )
    n_lstm, n_linear = report.get("n_lstm"), report.get("n_linear")
    if n_lstm != 1 or n_linear != 1 or "lstm" not in report or "head" not in report:
        return (
            None,
            None,
            Failure(
                "o modelo deve ter exatamente uma nn.LSTM e uma nn.Linear",
                expected="1 nn.LSTM e 1 nn.Linear",
                obtained=f"{n_lstm} nn.LSTM e {n_linear} nn.Linear",
                hint="Crie em __init__ self.lstm = nn.LSTM(input_size, hidden_size, "
                "batch_first=True) e self.head = nn.Linear(hidden_size, num_classes).",
                kind="type",
            ),
        )
    a, b = report["lstm"], report["head"]
    lstm = nn.LSTM(
        a["input_size"],
        a["hidden_size"],
        num_layers=a["num_layers"],
        bias=a["bias"],
        batch_first=a["batch_first"],
        bidirectional=a["bidirectional"],
        proj_size=a["proj_size"],
    )
    head = nn.Linear(b["in_features"], b["out_features"], bias=b["bias"])
    with torch.no_grad():
        lstm.load_state_dict(a["state"])
        head.load_state_dict(b["state"])
    return lstm, head, None


def _batch_first_copy(lstm, batch_first: bool = True):
    import torch
    from torch import nn

    twin = nn.LSTM(lstm.input_size, lstm.hidden_size, batch_first=batch_first)
    with torch.no_grad():
        for name, p in twin.named_parameters():
            p.copy_(getattr(lstm, name))
    return twin


def _judge_classifier_forward(obtained, args) -> Failure | None:
    import torch

    lstm, head, failure = _modules(obtained)
    if failure is not None:
        return failure
    D, H, C, _ = args
    if lstm.input_size != D or lstm.hidden_size != H or head.out_features != C:
        return Failure(
            "as dimensões das camadas não são as pedidas",
            expected=f"nn.LSTM({D}, {H}) e nn.Linear({H}, {C})",
            obtained=f"nn.LSTM({lstm.input_size}, {lstm.hidden_size}) e "
            f"nn.Linear({head.in_features}, {head.out_features})",
            hint="Use os argumentos input_size, hidden_size e num_classes do construtor.",
            kind="shape",
        )
    B, T = 5, 7
    X = _forward_input(D)
    with torch.no_grad():
        twin = _batch_first_copy(lstm)
        states, (h_n, c_n) = twin(X)
        expected = head(states[:, -1]).numpy()
    forward = obtained.get("forward") or {}
    if forward.get("status") != "ok":
        return Failure(
            "model(X) não devolveu os logits",
            obtained="tempo esgotado"
            if forward.get("status") == "timeout"
            else str(forward.get("error", "?"))[:300],
            hint="forward(X) recebe X (B, T, input_size) e devolve self.head(saidas[:, -1]).",
            kind="exception",
        )
    got = forward.get("value")
    if forward.get("is_tensor") is not True or not isinstance(got, torch.Tensor):
        return Failure(
            "model(X) deveria devolver um tensor do PyTorch",
            expected=f"torch.Tensor float32 de forma ({B}, {C})",
            obtained=str(forward.get("described", "?"))[:200],
            hint="forward devolve os logits, self.head(h_T), um tensor; a nn.LSTM devolve uma "
            "tupla (saídas, (h_n, c_n)): separe as partes.",
            kind="type",
        )
    got = got.detach().numpy()
    failure = check_array(got, expected, name="os logits", rtol=1e-5, atol=1e-6)
    if failure is None:
        return None
    if failure.kind == "shape":
        failure.hint = (
            f"Os logits têm forma (B, num_classes) = ({B}, {C}): um vetor por sequência, "
            "calculado do estado oculto do ÚLTIMO passo."
        )
        if tuple(got.shape) == (T, C):
            failure.hint = (
                "Faltou batch_first=True na nn.LSTM: sem ele, a LSTM lê X (B, T, D) como "
                "(T, B, D) e o estado final tem um vetor por passo, não por sequência."
            )
        elif tuple(got.shape) == (B, T, C):
            failure.hint = "Use só o último passo: self.head(saidas[:, -1]), não todos os passos."
    elif failure.kind == "values":
        with torch.no_grad():
            no_bf = _batch_first_copy(lstm, batch_first=False)
            candidates = [
                (
                    lambda: head(no_bf(X)[0][:, -1]).numpy(),
                    "Faltou batch_first=True na nn.LSTM: sem ele, a LSTM lê X (B, T, D) como "
                    "(T, B, D), misturando lote e tempo.",
                ),
                (
                    lambda: head(states[:, 0]).numpy(),
                    "Você usou o PRIMEIRO passo (saidas[:, 0]); a resposta vem do último, "
                    "saidas[:, -1] (ou h_n[-1]).",
                ),
                (
                    lambda: head(c_n[-1]).numpy(),
                    "Você usou o estado da célula c_n; a camada linear lê o estado oculto, h_n[-1] "
                    "(igual a saidas[:, -1]).",
                ),
                (
                    lambda: head(states.mean(dim=1)).numpy(),
                    "Você tirou a média dos passos; use só o último, saidas[:, -1].",
                ),
                (
                    lambda: torch.softmax(head(states[:, -1]), dim=-1).numpy(),
                    "Devolva os logits, sem softmax: a F.cross_entropy do treino aplica a "
                    "log-softmax sozinha.",
                ),
            ]
            failure.hint = matches_any(got, candidates, rtol=1e-5, atol=1e-6)
    return failure


def _judge_forget_bias(obtained, args) -> Failure | None:
    lstm, _, failure = _modules(obtained)
    if failure is not None:
        return failure
    _, H, _, forget_bias = args
    b_ih = lstm.bias_ih_l0.detach().numpy().astype(np.float64)
    b_hh = lstm.bias_hh_l0.detach().numpy().astype(np.float64)
    total = b_ih + b_hh  # o que entra na pré-ativação de cada porta
    f_total = total[H : 2 * H]
    if np.allclose(f_total, forget_bias, rtol=0.0, atol=1e-6):
        bound = 1.0 / math.sqrt(H)  # a inicialização padrão do PyTorch: U(−1/√H, 1/√H)
        others = np.concatenate([b_ih[:H], b_ih[2 * H :], b_hh[:H], b_hh[2 * H :]])
        if np.abs(others).max() <= bound + 1e-6:
            return None
        return Failure(
            "os vieses das outras portas também mudaram",
            expected=f"só o bloco da porta de esquecimento, [H:2H] = [{H}:{2 * H}], alterado",
            obtained=f"maior |viés| fora desse bloco: {format_number(np.abs(others).max())} "
            f"(a inicialização padrão fica abaixo de 1/√H = {format_number(bound)})",
            hint="Mude só as linhas [H:2H] de bias_ih_l0 e bias_hh_l0; as portas i, g e o "
            "ficam com a inicialização padrão.",
        )
    hint = (
        f"Dentro de torch.no_grad(): bias_ih_l0[H:2H] = forget_bias e bias_hh_l0[H:2H] = 0, "
        f"com H = {H}: a soma dos dois vieses é o que entra na porta."
    )
    for block, name in ((0, "de entrada i"), (2, "do candidato g"), (3, "de saída o")):
        if np.allclose(total[block * H : (block + 1) * H], forget_bias, atol=1e-6):
            hint = (
                f"Você mudou o bloco da porta {name}. Na ordem do PyTorch, (i, f, g, o), a "
                f"porta de esquecimento é o SEGUNDO bloco: linhas [H:2H] = [{H}:{2 * H}]."
            )
    if np.allclose(f_total, 2 * forget_bias, atol=1e-6):
        hint = (
            "O viés entrou duas vezes: a porta soma bias_ih e bias_hh. Ponha forget_bias em um "
            "deles e zero no outro (bias_hh_l0[H:2H] = 0)."
        )
    elif np.allclose(f_total, 3.0, atol=1e-6) and forget_bias != 3.0:
        hint = f"Use o argumento forget_bias (aqui {forget_bias:g}), não um valor fixo."
    return Failure(
        "o viés da porta de esquecimento não é forget_bias",
        expected=f"bias_ih_l0[H:2H] + bias_hh_l0[H:2H] = {format_number(forget_bias)} em todas "
        "as unidades",
        obtained=(
            f"{format_number(f_total[0])} em todas as unidades"
            if np.ptp(f_total) == 0
            else f"valores entre {format_number(f_total.min())} e {format_number(f_total.max())}"
        ),
        hint=hint,
    )


def _train_classifier(model, X, y) -> list[float]:
    """O treino fixo da questão 5: Adam, lotes sorteados, corte da norma em 1."""
    import torch
    import torch.nn.functional as F

    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    gen = torch.Generator().manual_seed(0)
    losses = []
    for _ in range(TRAIN_STEPS):
        idx = torch.randint(0, len(X), (BATCH,), generator=gen)
        loss = F.cross_entropy(model(X[idx]), y[idx])
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
    return losses


def _judge_training(seed: int):
    def judge(obtained, args) -> Failure | None:
        import torch

        _, _, failure = _modules(obtained)
        if failure is not None:
            return failure
        train = obtained.get("train") or {}
        if train.get("status") == "timeout":
            return Failure(
                "o treino passou do limite de tempo",
                detail=f"{TRAIN_STEPS} passos de um modelo pequeno levam poucos segundos",
                hint="Confira o forward: ele deve chamar a nn.LSTM uma vez sobre a sequência "
                "inteira, sem laços em Python sobre os passos.",
                kind="timeout",
            )
        if train.get("status") != "ok" or "trained" not in obtained:
            return Failure(
                "o treino levantou uma exceção",
                obtained=str(train.get("error", "?"))[:300],
                hint="Os logits devem ter forma (B, num_classes) e vir de tensores float32.",
                kind="exception",
            )
        losses = [float(v) for v in train["losses"]]
        # os pesos treinados, avaliados aqui, com os dados de teste do corretor
        lstm, head, failure = _modules(obtained["trained"])
        if failure is not None:
            return failure
        X_test, y_test = memory_task(1000, MEMORY_T, seed + 10_000)
        with torch.no_grad():
            logits = head(lstm(X_test)[0][:, -1])
            accuracy = float((logits.argmax(dim=-1) == y_test).float().mean())
        if accuracy >= ACCURACY_BOUND and losses and math.isfinite(losses[-1]):
            return None
        return Failure(
            f"a acurácia em sequências novas não chegou a {_BOUND_TEXT}",
            expected=f"acurácia ≥ {_BOUND_TEXT} (o acaso dá 0,5)",
            obtained=f"acurácia {format_number(accuracy)}",
            detail=f"perda de treino: {format_number(losses[0])} → {format_number(losses[-1])}",
            hint=f"A informação está no primeiro de {MEMORY_T} passos: para ela chegar ao fim, a "
            "porta de esquecimento precisa começar perto de 1. Confira o caso do viés "
            "(forget_bias no bloco [H:2H]) e que os logits vêm do último passo.",
        )

    return judge


def _classifier_case(
    description: str,
    args: tuple,
    judge,
    hint: str,
    *,
    seed: int,
    mode: str,
    weight: float = 1.0,
) -> Case:
    return Case(
        description,
        make_args=lambda: args,
        judge=judge,
        hint=hint,
        arg_names=("input_size", "hidden_size", "num_classes", "forget_bias"),
        time_limit=10.0,
        weight=weight,
        probe=_classifier_probe(seed, mode),
        probe_time=130.0 if mode == "train" else 10.0,
    )


def _training_case(description: str, seed: int, weight: float = 2.0) -> Case:
    return _classifier_case(
        description,
        (4, 16, 2, 3.0),
        _judge_training(seed),
        "",
        seed=seed,
        mode="train",
        weight=weight,
    )


def _classifier_hidden(description: str, seed: int = 1) -> Case:
    return _training_case(description, seed)


# ---------------------------------------------------------------------- o banco
def build_questions() -> list[Question]:
    """As cinco questões da lista 5, com os casos públicos."""
    return [
        Question(
            "q1",
            "Um passo da LSTM em numpy",
            "lstm_cell_forward",
            "lstm_cell_forward(x, h_prev, c_prev, params)",
            2.0,
            (
                _lstm_cell_case(
                    "h_prev = c_prev = 0: c = i ⊙ g (a porta de esquecimento não tem o que "
                    "esquecer)",
                    (3, 4, 5),
                    0,
                    "Com estados anteriores zero: c = i ⊙ g e h = o ⊙ tanh(c).",
                    zero_state=True,
                ),
                _lstm_cell_case(
                    "candidato zero (bloco g dos pesos e vieses zerado): c = f ⊙ c_prev",
                    (3, 4, 5),
                    1,
                    "Com g = tanh(0) = 0, só o caminho do esquecimento sobra: c = f ⊙ c_prev.",
                    zero_candidate=True,
                ),
                _lstm_cell_case(
                    "todos os termos (B = 3, D = 4, H = 5)",
                    (3, 4, 5),
                    2,
                    "i, f, o = σ(...), g = tanh(...), nas fatias [0:H], [H:2H], [3H:4H] e "
                    "[2H:3H] das pré-ativações.",
                ),
                _lstm_cell_case(
                    "pré-ativações grandes (pesos com desvio 30): portas saturadas, sem NaN",
                    (2, 3, 4),
                    3,
                    "Use np.tanh e uma sigmoide que não devolva NaN: para a muito negativo, "
                    "1 / (1 + exp(−a)) vira 1 / inf = 0, o que está certo.",
                    scale=30.0,
                ),
            ),
            hidden_case=_lstm_cell_hidden,
        ),
        Question(
            "q2",
            "Um passo da GRU (variante do PyTorch) em numpy",
            "gru_cell_forward",
            "gru_cell_forward(x, h_prev, params)",
            2.0,
            (
                _gru_cell_case(
                    "h_prev = 0: h = (1 − z) ⊙ n, e r só multiplica o viés b_hn",
                    (3, 4, 5),
                    0,
                    "Com h_prev = 0: n = tanh(x W_inᵀ + b_in + r ⊙ b_hn) e h = (1 − z) ⊙ n.",
                    zero_state=True,
                ),
                _gru_cell_case(
                    "W_hn = 0 e b_hn = 0 (a porta r não tem efeito): só z decide a mistura",
                    (3, 4, 5),
                    1,
                    "h = (1 − z) ⊙ n + z ⊙ h_prev, com z = σ(...) do bloco [H:2H].",
                    no_reset=True,
                ),
                _gru_cell_case(
                    "todos os termos (B = 3, D = 4, H = 5)",
                    (3, 4, 5),
                    2,
                    "r e z nas fatias [0:H] e [H:2H]; o candidato usa [2H:3H] com r ⊙ "
                    "(h_prev W_hnᵀ + b_hn).",
                ),
                _gru_cell_case(
                    "pré-ativações grandes (pesos com desvio 30): portas saturadas, sem NaN",
                    (2, 3, 4),
                    3,
                    "Use np.tanh e uma sigmoide que não devolva NaN.",
                    scale=30.0,
                ),
            ),
            hidden_case=_gru_cell_hidden,
        ),
        Question(
            "q3",
            "A LSTM ao longo da sequência",
            "lstm_forward",
            "lstm_forward(X, h0, c0, params)",
            2.0,
            (
                _lstm_forward_case(
                    "T = 1: um único passo, igual a lstm_cell_forward",
                    (2, 1, 3, 4),
                    40,
                    "Com T = 1, H[:, 0] e C[:, 0] são os estados de um passo a partir de h0 e c0.",
                ),
                _lstm_forward_case(
                    "só a recorrência (W_ih = 0), com h0 e c0 ≠ 0: os dois estados passam de "
                    "um passo ao outro",
                    (2, 4, 3, 4),
                    41,
                    "Dentro do laço, h e c devolvidos por um passo são h_prev e c_prev do "
                    "seguinte.",
                    no_input=True,
                ),
                _lstm_forward_case(
                    "sequência completa (B = 2, T = 5, D = 3, H = 4)",
                    (2, 5, 3, 4),
                    42,
                    "Para t = 0, ..., T − 1: h, c, _ = passo(X[:, t, :], h, c); H[:, t] = h; "
                    "C[:, t] = c.",
                ),
            ),
            hidden_case=_lstm_forward_hidden,
        ),
        Question(
            "q4",
            "Quantos parâmetros tem uma camada recorrente",
            "recurrent_param_count",
            "recurrent_param_count(kind, input_size, hidden_size, bias)",
            2.0,
            (
                _count_case(
                    "RNN simples, D = 10, H = 20",
                    "rnn",
                    10,
                    20,
                    True,
                    "weight_ih (H, D), weight_hh (H, H), bias_ih e bias_hh (H,).",
                ),
                _count_case(
                    "LSTM, D = 10, H = 20",
                    "lstm",
                    10,
                    20,
                    True,
                    "Na LSTM, cada matriz e cada viés empilha 4 blocos: (4H, D), (4H, H), (4H,).",
                ),
                _count_case(
                    "GRU, D = 10, H = 20",
                    "gru",
                    10,
                    20,
                    True,
                    "Na GRU, 3 blocos: (3H, D), (3H, H), (3H,).",
                ),
                _count_case(
                    "LSTM sem viés (bias=False), D = 7, H = 3",
                    "lstm",
                    7,
                    3,
                    False,
                    "Com bias=False só restam weight_ih e weight_hh.",
                ),
                _count_case(
                    "GRU grande, D = 300, H = 512",
                    "gru",
                    300,
                    512,
                    True,
                    "G·H·(D + H) + 2·G·H, com G = 3.",
                ),
            ),
            hidden_case=_count_hidden,
        ),
        Question(
            "q5",
            "Um classificador de sequências com LSTM em PyTorch",
            "LSTMClassifier",
            "LSTMClassifier(input_size, hidden_size, num_classes, forget_bias)",
            2.0,
            (
                _classifier_case(
                    "forward: os logits (B, num_classes) vêm do estado oculto do último passo "
                    "(nn.LSTM com batch_first=True)",
                    (4, 6, 3, 3.0),
                    _judge_classifier_forward,
                    "logits = self.head(saidas[:, -1]), com saidas, _ = self.lstm(X).",
                    seed=0,
                    mode="forward",
                ),
                _classifier_case(
                    "o viés da porta de esquecimento (forget_bias = 1,5, H = 6): só o bloco "
                    "[H:2H] muda",
                    (4, 6, 3, 1.5),
                    _judge_forget_bias,
                    "",
                    seed=0,
                    mode="structure",
                ),
                _training_case(
                    f"treino na tarefa de memória ({MEMORY_T} passos; {TRAIN_STEPS} passos do "
                    f"Adam com lotes de {BATCH}): acurácia ≥ {_BOUND_TEXT} em 1000 sequências "
                    "novas",
                    seed=0,
                ),
            ),
            hidden_case=_classifier_hidden,
            warm_up=("torch",),
        ),
    ]
