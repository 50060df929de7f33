"""Banco de questões da lista 5 (capítulo 5): LSTM e GRU.

Questões (as funções e a classe que o estudante escreve). O capítulo 5 escreve a LSTM, a GRU
(nas formas do PyTorch e de Cho et al.) e a contagem de parâmetros, e o pacote as tem prontas
(``rnncourse.lstm_numpy``, ``rnncourse.gru_numpy``, ``rnncourse.param_count``): as questões 1 a
4 pedem variantes que nem o capítulo nem o pacote respondem
(``tests/test_grading_no_giveaways.py`` confere).

1. ``cifg_cell_forward(x, h_prev, c_prev, params)``: um passo da LSTM com as portas de entrada
   e de esquecimento acopladas (CIFG, *coupled input-forget gate*; Greff et al., 2017):
   ``i = 1 − f``, três blocos empilhados na ordem (f, g, o); devolve ``(h, c)``.
2. ``peephole_cell_forward(x, h_prev, c_prev, params)``: um passo da LSTM com espiadas
   (*peephole connections*; Gers, Schraudolph e Schmidhuber, 2002): ``i`` e ``f`` espiam
   ``c_prev`` e ``o`` espia o ``c`` novo, com os vetores ``w_ci``, ``w_cf``, ``w_co``;
   devolve ``(h, c)``.
3. ``mgu_forward(X, h0, params)``: a unidade de porta mínima (MGU; Zhou et al., 2016) ao
   longo da sequência: uma porta ``f`` (blocos (f, n)), ``ñ = tanh(x W_inᵀ + b_in +
   (f ⊙ h) W_hnᵀ + b_hn)``, ``h = (1 − f) ⊙ h + f ⊙ ñ``; devolve ``H`` (B, T, H).
4. ``variant_param_count(kind, input_size, hidden_size, num_layers)``: quantos parâmetros têm
   essas três variantes (``"cifg"``, ``"peephole"``, ``"mgu"``), com dois vetores de viés por
   camada, como no PyTorch, e várias camadas empilhadas.
5. ``LSTMClassifier(input_size, hidden_size, num_classes, forget_bias)``: um classificador de
   sequências em PyTorch (``nn.LSTM`` + ``nn.Linear`` no último passo), com o viés da porta
   de esquecimento inicializado. A verificação confere o ``forward`` contra uma LSTM com os
   mesmos pesos, o viés, e **mede** o resultado: treinado por 300 passos numa tarefa de
   memória de 40 passos, o modelo precisa acertar ao menos ``ACCURACY_BOUND`` de sequências
   novas.

As referências das questões 1 a 4 são escritas aqui, em numpy, cada uma com as variantes dos
erros típicos (``_cifg``, ``_peephole``, ``_mgu_seq``, ``_variant_count``; os testes da lista
conferem as três primeiras contra um passo escrito com o ``torch``). Os casos isolam partes da
célula (estado anterior zero, candidato zero, uma espiada de cada vez), para que a dica diga
qual porta está errada ou trocada. O torch só é importado dentro das funções que o usam.

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


# ---------------------------------------------------------------------- estados
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


# ---------------------------------------------------------------------- q1
def _cifg(x, h_prev, c_prev, p, *, order="fgo", couple="ok", g_act=np.tanh, h_tanh=True, bhh=True):
    """LSTM com portas acopladas (CIFG): a certa (padrão) e variantes com erros típicos."""
    H = h_prev.shape[1]
    a = x @ p["weight_ih"].T + p["bias_ih"] + h_prev @ p["weight_hh"].T
    if bhh:
        a = a + p["bias_hh"]
    blocks = {name: a[:, k * H : (k + 1) * H] for k, name in enumerate(order)}
    f, o, g = _sigmoid(blocks["f"]), _sigmoid(blocks["o"]), g_act(blocks["g"])
    if couple == "same":  # i = f, sem o acoplamento
        c = f * c_prev + f * g
    elif couple == "swap":  # 1 − f no lugar de f
        c = (1.0 - f) * c_prev + f * g
    elif couple == "no_input":
        c = f * c_prev + g
    else:
        c = f * c_prev + (1.0 - f) * g
    h = o * np.tanh(c) if h_tanh else o * c
    return h, c


def _cifg_mistakes(x, h_prev, c_prev, p) -> Mistakes:
    def run(**kw):
        return lambda: _cifg(x, h_prev, c_prev, p, **kw)

    return [
        (
            run(couple="swap"),
            "Os papéis de f e 1 − f estão trocados: f multiplica a memória antiga, "
            "c = f ⊙ c_prev + (1 − f) ⊙ g (f perto de 1 guarda a célula).",
        ),
        (
            run(couple="same"),
            "Faltou o acoplamento: a porta de entrada é i = 1 − f, não a própria f "
            "(c = f ⊙ c_prev + (1 − f) ⊙ g).",
        ),
        (
            run(couple="no_input"),
            "Faltou a porta de entrada no candidato: c = f ⊙ c_prev + (1 − f) ⊙ g.",
        ),
        (
            run(order="gfo"),
            "A ordem dos blocos é (f, g, o): f é o bloco [0:H], g o [H:2H] e o o [2H:3H].",
        ),
        (
            run(order="fog"),
            "A ordem dos blocos é (f, g, o): o candidato g é o SEGUNDO bloco, [H:2H], e a porta "
            "de saída o terceiro, [2H:3H]. Você usou (f, o, g).",
        ),
        (
            run(g_act=_sigmoid),
            "O candidato g usa tanh, não a sigmoide: ele é o conteúdo novo, em (−1, 1).",
        ),
        (run(h_tanh=False), "Faltou a tanh da célula: h = o ⊙ tanh(c), não o ⊙ c."),
        (
            run(bhh=False),
            "bias_hh ficou de fora: como no PyTorch, há dois vieses, bias_ih e bias_hh; some os "
            "dois.",
        ),
    ]


def _judge_cifg(obtained, args) -> Failure | None:
    x, h_prev, c_prev, params = args
    h, c = _cifg(x, h_prev, c_prev, params)
    failure = check_tuple(obtained, 2, "(h, c)")
    if failure is not None:
        return failure
    return _judge_two_states(
        obtained, (h, c), ("h", "c"), _cifg_mistakes(x, h_prev, c_prev, params), h.shape
    )


def _cell_args(G, dims, seed, *, zero_state=False, zero_block=None, scale=0.5, offset=5000):
    B, D, H = dims
    rng = np.random.default_rng(seed + offset)
    x = rng.normal(size=(B, D))
    h_prev = np.zeros((B, H)) if zero_state else rng.uniform(-1, 1, size=(B, H))
    c_prev = np.zeros((B, H)) if zero_state else rng.normal(0.0, 1.5, size=(B, H))
    params = _params(G, D, H, seed, scale)
    if zero_block is not None:
        _zero_block(params, zero_block, H)
    return x, h_prev, c_prev, params


def _cifg_case(description: str, dims, seed: int, hint: str, **kw) -> Case:
    return Case(
        description,
        make_args=lambda: _cell_args(3, dims, seed, **kw),
        judge=_judge_cifg,
        hint=hint,
        arg_names=("x", "h_prev", "c_prev", "params"),
    )


def _cifg_hidden(description: str, B: int = 4, D: int = 2, H: int = 3, seed: int = 15) -> Case:
    return _cifg_case(description, (B, D, H), seed, "")


# ---------------------------------------------------------------------- q2
_PEEPS = ("w_ci", "w_cf", "w_co")


def _peephole(x, h_prev, c_prev, p, *, o_peek="c", peeks=True, swap_if=False, after=False):
    """LSTM com conexões de espiada (peephole): a certa (padrão) e variantes com erros."""
    H = h_prev.shape[1]
    a = x @ p["weight_ih"].T + p["bias_ih"] + h_prev @ p["weight_hh"].T + p["bias_hh"]
    a_i, a_f, a_g, a_o = (a[:, k * H : (k + 1) * H] for k in range(4))
    w_ci, w_cf, w_co = (p[k] if peeks else np.zeros(H) for k in _PEEPS)
    if swap_if:
        w_ci, w_cf = w_cf, w_ci
    if after:  # a espiada somada depois da sigmoide
        i, f = _sigmoid(a_i) + w_ci * c_prev, _sigmoid(a_f) + w_cf * c_prev
    else:
        i, f = _sigmoid(a_i + w_ci * c_prev), _sigmoid(a_f + w_cf * c_prev)
    c = f * c_prev + i * np.tanh(a_g)
    o = _sigmoid(a_o + w_co * (c if o_peek == "c" else c_prev))
    return o * np.tanh(c), c


def _peephole_mistakes(x, h_prev, c_prev, p) -> Mistakes:
    def run(**kw):
        return lambda: _peephole(x, h_prev, c_prev, p, **kw)

    return [
        (
            run(o_peek="c_prev"),
            "A porta de saída espia a célula NOVA, c (calculada antes dela): "
            "o = σ(a_o + w_co ⊙ c). As portas i e f é que espiam c_prev.",
        ),
        (
            run(peeks=False),
            "Faltaram as espiadas: isso é a LSTM comum. Some w_ci ⊙ c_prev e w_cf ⊙ c_prev às "
            "pré-ativações de i e f, e w_co ⊙ c à de o.",
        ),
        (run(swap_if=True), "w_ci vai com a porta de entrada i, e w_cf com a de esquecimento f."),
        (
            run(after=True),
            "A espiada entra DENTRO da sigmoide, somada à pré-ativação: i = σ(a_i + w_ci ⊙ "
            "c_prev), não σ(a_i) + w_ci ⊙ c_prev.",
        ),
    ]


def _judge_peephole(obtained, args) -> Failure | None:
    x, h_prev, c_prev, params = args
    h, c = _peephole(x, h_prev, c_prev, params)
    failure = check_tuple(obtained, 2, "(h, c)")
    if failure is not None:
        return failure
    mistakes = _peephole_mistakes(x, h_prev, c_prev, params)
    return _judge_two_states(obtained, (h, c), ("h", "c"), mistakes, h.shape)


def _peephole_case(description: str, dims, seed: int, hint: str, *, only=None, **kw) -> Case:
    def make_args():
        x, h_prev, c_prev, params = _cell_args(4, dims, seed, offset=8000, **kw)
        rng = np.random.default_rng(seed + 9000)
        H = dims[2]
        for key in _PEEPS:
            params[key] = rng.normal(0.0, 1.0, size=H) if only in (None, key) else np.zeros(H)
        if only == "w_ci+w_cf":
            params["w_ci"], params["w_cf"] = rng.normal(size=H), rng.normal(size=H)
        return x, h_prev, c_prev, params

    return Case(
        description,
        make_args=make_args,
        judge=_judge_peephole,
        hint=hint,
        arg_names=("x", "h_prev", "c_prev", "params"),
    )


def _peephole_hidden(description: str, B: int = 4, D: int = 5, H: int = 2, seed: int = 16) -> Case:
    return _peephole_case(description, (B, D, H), seed, "")


# ---------------------------------------------------------------------- q3
def _mgu_seq(X, h0, p, *, mode="ok", order="fn", carry=True, shift=False):
    """MGU ao longo da sequência: a certa (padrão) e variantes com erros típicos. Devolve H."""
    Hd = h0.shape[1]
    W_ih, W_hh, b_ih, b_hh = p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"]
    sl = {name: slice(k * Hd, (k + 1) * Hd) for k, name in enumerate(order)}
    h, out = h0, []
    for t in range(X.shape[1]):
        prev = h if carry else h0
        if shift:
            out.append(prev)
        x = X[:, t]
        f = _sigmoid(x @ W_ih[sl["f"]].T + b_ih[sl["f"]] + prev @ W_hh[sl["f"]].T + b_hh[sl["f"]])
        gi = x @ W_ih[sl["n"]].T + b_ih[sl["n"]]
        if mode == "after":  # f depois do produto, como o r da GRU do PyTorch
            n = np.tanh(gi + f * (prev @ W_hh[sl["n"]].T + b_hh[sl["n"]]))
        elif mode == "no_gate":
            n = np.tanh(gi + prev @ W_hh[sl["n"]].T + b_hh[sl["n"]])
        else:
            n = np.tanh(gi + (f * prev) @ W_hh[sl["n"]].T + b_hh[sl["n"]])
        h = f * prev + (1.0 - f) * n if mode == "swap" else (1.0 - f) * prev + f * n
        if not shift:
            out.append(h)
    return np.stack(out, axis=1)


def _mgu_mistakes(X, h0, p) -> list[tuple[Callable[[], np.ndarray], str]]:
    def run(**kw):
        return lambda: _mgu_seq(X, h0, p, **kw)

    return [
        (
            run(mode="swap"),
            "Os papéis de f e 1 − f estão trocados: na MGU, h_t = (1 − f) ⊙ h_{t−1} + f ⊙ ñ "
            "(f perto de 0 guarda o estado; é a convenção de Zhou et al., 2016).",
        ),
        (
            run(mode="after"),
            "A porta f multiplica h_{t−1} ANTES do produto por W_hn: (f ⊙ h_{t−1}) W_hnᵀ + "
            "b_hn. Aplicá-la depois, f ⊙ (h_{t−1} W_hnᵀ + b_hn), é a forma do r da GRU do "
            "PyTorch.",
        ),
        (
            run(mode="no_gate"),
            "O candidato usa f ⊙ h_{t−1}, não h_{t−1}: na MGU a porta f também faz o papel "
            "do r da GRU.",
        ),
        (run(order="nf"), "A ordem dos blocos é (f, n): f é o bloco [0:H] e n o [H:2H]."),
        (
            run(carry=False),
            "O estado não passou de um passo ao outro: o h calculado num passo é o h_{t−1} do "
            "seguinte.",
        ),
        (
            run(shift=True),
            "Os estados estão deslocados de um passo: H[:, t] é o estado DEPOIS de ler "
            "X[:, t] (h0 não entra).",
        ),
    ]


def _judge_mgu(obtained, args) -> Failure | None:
    X, h0, params = args
    expected = _mgu_seq(X, h0, params)
    B, T, Hd = expected.shape
    failure = check_array(
        obtained,
        expected,
        name="H",
        rtol=1e-7,
        atol=1e-10,
        dtype_hint="As entradas são float64 e H também deve ser.",
    )
    if failure is None:
        return None
    if failure.kind == "shape":
        shape = tuple(np.shape(obtained))
        if shape == (B, Hd):
            failure.hint = "Devolva todos os estados, não só o último: H tem forma (B, T, H)."
        elif shape == (T, B, Hd):
            failure.hint = (
                "O eixo do tempo é o segundo (lote primeiro): empilhe com "
                "np.stack(estados, axis=1)."
            )
        else:
            failure.hint = f"H tem forma (B, T, H) = ({B}, {T}, {Hd})."
    elif failure.kind == "values":
        failure.hint = matches_any(obtained, _mgu_mistakes(X, h0, params))
    return failure


def _mgu_case(description: str, dims, seed: int, hint: str, *, no_input=False) -> Case:
    B, T, D, H = dims

    def make_args():
        rng = np.random.default_rng(seed + 7000)
        X = rng.normal(size=(B, T, D))
        h0 = rng.uniform(-1, 1, size=(B, H))
        params = _params(2, D, H, seed, 0.8)
        if no_input:  # W_ih = 0: só a recorrência move o estado
            params["weight_ih"][:] = 0.0
        return X, h0, params

    return Case(
        description,
        make_args=make_args,
        judge=_judge_mgu,
        hint=hint,
        arg_names=("X", "h0", "params"),
    )


def _mgu_hidden(
    description: str, B: int = 3, T: int = 6, D: int = 2, H: int = 4, seed: int = 25
) -> Case:
    return _mgu_case(description, (B, T, D, H), seed, "")


# ---------------------------------------------------------------------- q4
#: blocos de cada variante e quantos vetores de espiada (H,) ela tem
_VARIANTS = {"cifg": (3, 0), "peephole": (4, 3), "mgu": (2, 0)}
_VARIANT_NAMES = {"cifg": "CIFG", "peephole": "LSTM com espiadas", "mgu": "MGU"}


def _variant_count(
    kind: str,
    D: int,
    H: int,
    layers: int,
    *,
    same_input=False,
    G=None,
    peeps=None,
    one_bias=False,
    peep_matrix=False,
) -> int:
    G0, P0 = _VARIANTS[kind]
    G = G0 if G is None else G
    P = P0 if peeps is None else peeps
    total = 0
    for layer in range(layers):
        d = D if (layer == 0 or same_input) else H
        total += (
            G * H * (d + H) + (1 if one_bias else 2) * G * H + P * (H * H if peep_matrix else H)
        )
    return total


def _judge_variant_count(obtained, args) -> Failure | None:
    kind, D, H, layers = args
    expected = _variant_count(kind, D, H, layers)
    want = f"int {expected}"
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
        return Failure(
            "tipo errado: esperava um inteiro (int)",
            expected=want,
            obtained=describe(obtained),
            hint="Contagens são inteiros: devolva um int (use // e não /, ou int(...)).",
            kind="type",
        )
    got = int(obtained)
    if got == expected:
        return None
    G, P = _VARIANTS[kind]
    name = _VARIANT_NAMES[kind]
    candidates = [
        (
            _variant_count(kind, D, H, layers, same_input=True),
            "Da segunda camada em diante, a entrada é o h da camada de baixo: weight_ih dessas "
            "camadas tem forma (G·H, H), não (G·H, D).",
        ),
        (
            _variant_count(kind, D, H, layers, one_bias=True),
            "Como no PyTorch, cada camada tem DOIS vetores de viés, bias_ih e bias_hh: 2·G·H "
            "parâmetros de viés.",
        ),
        (
            _variant_count(kind, D, H, layers, G=4, peeps=0),
            f"Essa é a conta da LSTM comum (4 blocos); a {name} tem {G} blocos"
            + (" e 3 vetores de espiada." if P else "."),
        ),
        (
            _variant_count(kind, D, H, layers, G=3, peeps=0),
            f"Essa é a conta da GRU (3 blocos); a {name} tem {G} blocos"
            + (" e 3 vetores de espiada." if P else "."),
        ),
        (
            _variant_count(kind, D, H, layers, peep_matrix=True),
            "As espiadas são vetores (H,), multiplicados elemento a elemento por c: H "
            "parâmetros cada uma, não H·H.",
        ),
        (
            _variant_count(kind, D, H, layers, peeps=4),
            "São 3 espiadas (w_ci, w_cf, w_co): o candidato g não espia a célula.",
        ),
        (
            _variant_count(kind, D, H, 1),
            "Conte todas as camadas (num_layers), não só a primeira.",
        ),
    ]
    hint = next((h for value, h in candidates if value == got and value != expected), None)
    return Failure(
        "número de parâmetros errado",
        expected=str(expected),
        obtained=str(got),
        detail=f"kind = {kind!r}, D = {D}, H = {H}, num_layers = {layers}",
        hint=hint,
        kind="values",
    )


def _variant_count_case(description: str, kind: str, D: int, H: int, layers: int, hint: str):
    return Case(
        description,
        make_args=lambda: (kind, D, H, layers),
        judge=_judge_variant_count,
        hint=hint,
        arg_names=("kind", "input_size", "hidden_size", "num_layers"),
    )


def _variant_count_hidden(
    description: str, kind: str = "mgu", D: int = 13, H: int = 9, layers: int = 3
) -> Case:
    return _variant_count_case(description, kind, D, H, layers, "")


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
            "Um passo da LSTM com portas acopladas (CIFG)",
            "cifg_cell_forward",
            "cifg_cell_forward(x, h_prev, c_prev, params)",
            2.0,
            (
                _cifg_case(
                    "h_prev = c_prev = 0: c = (1 − f) ⊙ g",
                    (3, 4, 5),
                    0,
                    "Com estados anteriores zero: c = (1 − f) ⊙ g e h = o ⊙ tanh(c).",
                    zero_state=True,
                ),
                _cifg_case(
                    "candidato zero (bloco g dos pesos e vieses zerado): c = f ⊙ c_prev",
                    (3, 4, 5),
                    1,
                    "Com g = tanh(0) = 0, só o caminho da memória sobra: c = f ⊙ c_prev.",
                    zero_block=1,
                ),
                _cifg_case(
                    "todos os termos (B = 3, D = 4, H = 5)",
                    (3, 4, 5),
                    2,
                    "f, o = σ(...) nas fatias [0:H] e [2H:3H]; g = tanh(...) na fatia [H:2H]; "
                    "c = f ⊙ c_prev + (1 − f) ⊙ g.",
                ),
                _cifg_case(
                    "pré-ativações grandes (pesos com desvio 30): portas saturadas, sem NaN",
                    (2, 3, 4),
                    3,
                    "Use np.tanh e uma sigmoide que não devolva NaN (a função sigmoid da lista).",
                    scale=30.0,
                ),
            ),
            hidden_case=_cifg_hidden,
        ),
        Question(
            "q2",
            "Um passo da LSTM com espiadas (peephole)",
            "peephole_cell_forward",
            "peephole_cell_forward(x, h_prev, c_prev, params)",
            2.0,
            (
                _peephole_case(
                    "só w_co ≠ 0: a porta de saída espia a célula nova, c",
                    (3, 4, 5),
                    0,
                    "o = σ(a_o + w_co ⊙ c), com o c já atualizado neste passo.",
                    only="w_co",
                ),
                _peephole_case(
                    "só w_ci e w_cf ≠ 0: as portas i e f espiam c_prev",
                    (3, 4, 5),
                    1,
                    "i = σ(a_i + w_ci ⊙ c_prev) e f = σ(a_f + w_cf ⊙ c_prev).",
                    only="w_ci+w_cf",
                ),
                _peephole_case(
                    "todas as espiadas (B = 3, D = 4, H = 5)",
                    (3, 4, 5),
                    2,
                    "Primeiro i, f e g; depois c = f ⊙ c_prev + i ⊙ g; por último o, que espia c.",
                ),
                _peephole_case(
                    "pré-ativações grandes (pesos com desvio 30): portas saturadas, sem NaN",
                    (2, 3, 4),
                    3,
                    "Use np.tanh e uma sigmoide que não devolva NaN.",
                    scale=30.0,
                ),
            ),
            hidden_case=_peephole_hidden,
        ),
        Question(
            "q3",
            "A unidade de porta mínima (MGU) ao longo da sequência",
            "mgu_forward",
            "mgu_forward(X, h0, params)",
            2.0,
            (
                _mgu_case(
                    "T = 1: um único passo a partir de h0",
                    (2, 1, 3, 4),
                    40,
                    "f = σ(x W_ifᵀ + b_if + h0 W_hfᵀ + b_hf); ñ = tanh(x W_inᵀ + b_in + "
                    "(f ⊙ h0) W_hnᵀ + b_hn); h = (1 − f) ⊙ h0 + f ⊙ ñ.",
                ),
                _mgu_case(
                    "só a recorrência (W_ih = 0), com h0 ≠ 0: o estado passa de um passo ao outro",
                    (2, 4, 3, 4),
                    41,
                    "Dentro do laço, o h calculado num passo é o h_{t−1} do seguinte.",
                    no_input=True,
                ),
                _mgu_case(
                    "sequência completa (B = 2, T = 5, D = 3, H = 4)",
                    (2, 5, 3, 4),
                    42,
                    "Para t = 0, ..., T − 1: h = passo(X[:, t, :], h); H[:, t] = h.",
                ),
            ),
            hidden_case=_mgu_hidden,
        ),
        Question(
            "q4",
            "Quantos parâmetros têm as variantes",
            "variant_param_count",
            "variant_param_count(kind, input_size, hidden_size, num_layers)",
            2.0,
            (
                _variant_count_case(
                    "CIFG, D = 10, H = 20, uma camada",
                    "cifg",
                    10,
                    20,
                    1,
                    "3 blocos (f, g, o): weight_ih (3H, D), weight_hh (3H, H) e dois vieses (3H,).",
                ),
                _variant_count_case(
                    "LSTM com espiadas, D = 10, H = 20, uma camada",
                    "peephole",
                    10,
                    20,
                    1,
                    "Os 4 blocos da LSTM mais as 3 espiadas, vetores (H,).",
                ),
                _variant_count_case(
                    "MGU, D = 10, H = 20, uma camada",
                    "mgu",
                    10,
                    20,
                    1,
                    "2 blocos (f, n): weight_ih (2H, D), weight_hh (2H, H) e dois vieses (2H,).",
                ),
                _variant_count_case(
                    "CIFG com 3 camadas, D = 7, H = 5",
                    "cifg",
                    7,
                    5,
                    3,
                    "Da segunda camada em diante, a entrada de cada camada tem tamanho H.",
                ),
                _variant_count_case(
                    "LSTM com espiadas, 2 camadas, D = 300, H = 512",
                    "peephole",
                    300,
                    512,
                    2,
                    "Some as camadas: a primeira lê D, a segunda lê H.",
                ),
            ),
            hidden_case=_variant_count_hidden,
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
