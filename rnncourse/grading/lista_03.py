"""Banco de questões da lista 3 (capítulo 3): retropropagação através do tempo (BPTT) em numpy.

O capítulo 3 deriva e mostra a BPTT da RNN com tanh e a verificação de gradientes
elemento a elemento; a lista pede as mesmas ideias numa **variante**, para que copiar o
capítulo ou chamar o pacote não baste: a RNN com ReLU (``nn.RNN(nonlinearity="relu")``)
e a verificação por direções aleatórias.

Questões (as funções que o estudante escreve):

1. ``softmax_cross_entropy(logits, targets)``: a perda de entropia cruzada **somada** sobre as
   linhas com alvo (o alvo ``-100`` é ignorado, como o ``ignore_index`` do PyTorch nas
   posições de preenchimento) e o seu gradiente em relação aos escores, ``ŷ − y`` (zero nas
   linhas ignoradas); devolve ``(loss, dlogits)``.
2. ``relu_rnn_cell_backward(dh, cache)``: a retropropagação de um passo da RNN com ReLU,
   ``h = max(0, x W_ihᵀ + b_ih + h_prev W_hhᵀ + b_hh)``, com o
   ``cache = (x, h_prev, h, params)`` do passo para a frente; devolve ``(dx, dh_prev, grads)``.
3. ``relu_rnn_backward(dH, cache)``: a BPTT dessa RNN sobre a sequência inteira (``cache`` é
   a lista dos caches de cada passo); devolve ``(dX, dh0, grads)``.
4. ``directional_check(f, x, grad, directions, eps)``: a verificação por **direções
   aleatórias**: a derivada direcional numérica ao longo de cada ``v_k`` por diferença
   centrada (duas avaliações de ``f`` por direção, qualquer que seja o tamanho de ``x``)
   e o maior erro relativo entre ela e ``⟨grad, v_k⟩``; devolve ``(num_dir, max_rel_error)``.
5. ``relu_rnn_tbptt(dH, cache, k)``: a BPTT truncada em blocos disjuntos de
   ``k`` passos (TBPTT(k, k)) da mesma RNN; devolve ``(dX, grads)``.

As referências da RNN com ReLU são escritas aqui, em poucas linhas, e conferidas contra o
autograd do PyTorch em ``tests/test_grading_lista_03.py``. Os casos da questão 2 conferem
**um gradiente por vez** (só ``dW_ih``, só ``dx``...), para que a devolutiva diga qual está
errado; os das questões 3 e 5 põem gradiente numa saída só (a última, a primeira) para
isolar o caminho pelo tempo. Nenhuma função do pacote (a BPTT com tanh, o gradiente
numérico elemento a elemento) ganha pontos: ``tests/test_grading_no_giveaways.py``
confere. O torch não é usado.

Fora do escopo: o motor (``core.py``) e os enunciados (no notebook da lista).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

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
from rnncourse.rnn_numpy import rnn_backward as _tanh_backward
from rnncourse.rnn_numpy import rnn_cell_backward as _tanh_cell_backward
from rnncourse.rnn_numpy import rnn_forward as _tanh_forward

__all__ = ["TITLE", "build_questions"]

TITLE = "Retropropagação através do tempo: gradientes, verificação e truncamento"

_TERMS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")

#: nome de cada gradiente no relatório
_GRAD_LABEL = {
    "weight_ih": "dW_ih (grads['weight_ih'])",
    "weight_hh": "dW_hh (grads['weight_hh'])",
    "bias_ih": "db_ih (grads['bias_ih'])",
    "bias_hh": "db_hh (grads['bias_hh'])",
}

Mistakes = list[tuple[Callable[[], object], str]]


# ------------------------------------------------------- a RNN com ReLU (referência)
def _ref_cell_forward(x: np.ndarray, h_prev: np.ndarray, params: Mapping[str, np.ndarray]):
    """Um passo da RNN com ReLU: ``(h, cache)``, com ``cache = (x, h_prev, h, params)``."""
    a = x @ params["weight_ih"].T + params["bias_ih"] + h_prev @ params["weight_hh"].T
    h = np.maximum(a + params["bias_hh"], 0.0)  # (B, H)
    return h, (x, h_prev, h, params)


def _ref_cell_backward(dh: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, dict]:
    """A volta de um passo: ``da = dh ⊙ 1[h > 0]`` (a derivada da ReLU vale 0 ou 1)."""
    x, h_prev, h, params = cache
    da = dh * (h > 0.0)  # (B, H)
    db = da.sum(axis=0)
    grads = {"weight_ih": da.T @ x, "weight_hh": da.T @ h_prev, "bias_ih": db, "bias_hh": db}
    return da @ params["weight_ih"], da @ params["weight_hh"], grads


def _ref_forward(X: np.ndarray, h0: np.ndarray, params: Mapping[str, np.ndarray]):
    """A sequência inteira: ``(H (B, T, H), caches)``."""
    h, states, caches = h0, [], []
    for t in range(X.shape[1]):
        h, cache = _ref_cell_forward(X[:, t], h, params)
        states.append(h)
        caches.append(cache)
    return np.stack(states, axis=1), caches


def _ref_backward(dH: np.ndarray, caches: list) -> tuple[np.ndarray, np.ndarray, dict]:
    return _bptt(dH, caches)


def _float_hint(value: object, candidates: Sequence[tuple[float, str]]) -> str | None:
    """A dica do primeiro valor errado conhecido que coincide com ``value``."""
    try:
        got = float(value)  # type: ignore[arg-type]
    except Exception:
        return None
    for wrong, hint in candidates:
        if math.isfinite(wrong) and math.isclose(got, wrong, rel_tol=1e-6, abs_tol=1e-12):
            return hint
    return None


# ---------------------------------------------------------------------- q1
def _log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    m = z.max(axis=axis, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=axis, keepdims=True))


#: alvo ignorado (o ``ignore_index`` do PyTorch, usado nas posições de preenchimento)
IGNORE = -100


def _valid(targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """As linhas com alvo de verdade e os alvos delas."""
    rows = np.flatnonzero(np.asarray(targets) != IGNORE)
    return rows, np.asarray(targets)[rows]


def _ref_softmax_ce(logits: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    logp = _log_softmax(logits)
    rows, t = _valid(targets)
    loss = float(-logp[rows, t].sum())
    dlogits = np.zeros_like(logits)
    dlogits[rows] = np.exp(logp[rows])
    dlogits[rows, t] -= 1.0
    return loss, dlogits


def _judge_softmax_ce(obtained, args) -> Failure | None:
    logits, targets = args
    loss, dlogits = _ref_softmax_ce(logits, targets)
    failure = check_tuple(obtained, 2, "(loss, dlogits)")
    if failure is not None:
        return failure
    N, V = logits.shape
    rows, t = _valid(targets)
    n_valid = max(len(rows), 1)
    failure = check_float(obtained[0], loss, name="a perda", rtol=1e-9, atol=1e-12)
    if failure is not None:
        if failure.kind == "nonfinite":
            failure.hint = (
                "Calcule a perda em escala logarítmica: −log ŷ[alvo] = −s[alvo] + log Σ_j "
                "exp(s_j), com log Σ_j exp(s_j) = m + log Σ_j exp(s_j − m) (m é o maior logit "
                "da linha). Tirar o log da softmax pronta dá log(0) = −inf quando ŷ[alvo] "
                "arredonda para zero."
            )
        elif failure.kind == "values":
            logp = _log_softmax(logits)
            failure.hint = _float_hint(
                obtained[0],
                [
                    (
                        loss / n_valid,
                        "Você tirou a média no lote; aqui a perda é a SOMA sobre os exemplos, "
                        "como na equação do capítulo.",
                    ),
                    (
                        loss / N,
                        "Você tirou a média no lote; aqui a perda é a SOMA sobre os exemplos, "
                        "como na equação do capítulo.",
                    ),
                    (-loss, "O sinal está trocado: a perda é −Σ log ŷ[alvo], um número ≥ 0."),
                    (
                        loss / math.log(2),
                        "Use o logaritmo natural (np.log): a perda é medida em nats, não em bits.",
                    ),
                    (
                        float(-logp[rows].sum()),
                        "Somou −log ŷ de todas as classes; só a classe do alvo entra "
                        "(o one-hot y zera as outras).",
                    ),
                    (
                        float(-logits[rows, t].sum()),
                        "Faltou o termo log Σ_j exp(s_j): −log ŷ[alvo] = −s[alvo] + log Σ_j "
                        "exp(s_j).",
                    ),
                ],
            )
        return failure
    failure = check_array(obtained[1], dlogits, name="dlogits", rtol=1e-7, atol=1e-10)
    if failure is not None and failure.kind == "values":
        with np.errstate(all="ignore"):
            keep = np.zeros((N, 1))
            keep[rows] = 1.0  # as linhas ignoradas têm gradiente zero
            p_all = np.exp(_log_softmax(logits))
            p = p_all * keep
            y = np.zeros_like(p)
            y[rows, t] = 1.0
            failure.hint = matches_any(
                obtained[1],
                [
                    (
                        lambda: p_all - y,
                        "As linhas com alvo −100 (ignoradas) ficaram com gradiente ŷ: elas não "
                        "entram na perda, então o gradiente delas é ZERO.",
                    ),
                    (lambda: p, "Faltou subtrair o one-hot do alvo: dlogits = ŷ − y."),
                    (lambda: y - p, "O sinal está trocado: o gradiente é ŷ − y, não y − ŷ."),
                    (
                        lambda: (p - y) / n_valid,
                        "Você dividiu por N; como a perda é a soma, o gradiente é ŷ − y, sem "
                        "dividir.",
                    ),
                    (
                        lambda: -y / p_all * keep,
                        "Esse é o gradiente em relação às probabilidades ŷ. Pela regra da cadeia "
                        "através da softmax, o gradiente em relação aos logits fica ŷ − y.",
                    ),
                    (
                        lambda: (np.exp(_log_softmax(logits, axis=0)) - y) * keep,
                        "A softmax é por linha (axis=-1, sobre o vocabulário), não por coluna.",
                    ),
                ],
            )
    return failure


def _softmax_ce_case(description: str, logits, targets, hint: str) -> Case:
    return Case(
        description,
        make_args=lambda: (
            np.array(logits, dtype=np.float64),
            np.array(targets, dtype=np.int64),
        ),
        judge=_judge_softmax_ce,
        hint=hint,
        arg_names=("logits", "targets"),
    )


def _softmax_ce_hidden(
    description: str, N: int = 5, V: int = 7, scale: float = 3.0, ignored: int = 1, seed: int = 0
) -> Case:
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, scale, size=(N, V))
    targets = rng.integers(0, V, size=N)
    targets[rng.permutation(N)[:ignored]] = IGNORE
    return _softmax_ce_case(description, logits.tolist(), targets.tolist(), "")


# ---------------------------------------------------------------------- q2
def _params(D: int, H: int, seed: int, scale: float = 0.6) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    shapes = {"weight_ih": (H, D), "weight_hh": (H, H), "bias_ih": (H,), "bias_hh": (H,)}
    return {name: rng.normal(0.0, scale, size=shape) for name, shape in shapes.items()}


def _check_grads_dict(grads: object) -> Failure | None:
    """``grads`` é um dicionário com as quatro chaves do PyTorch?"""
    if grads is None or not isinstance(grads, Mapping):
        return Failure(
            "grads deveria ser um dicionário",
            expected="dict com as chaves 'weight_ih', 'weight_hh', 'bias_ih' e 'bias_hh'",
            obtained=describe(grads),
            hint="Devolva grads = {'weight_ih': ..., 'weight_hh': ..., 'bias_ih': ..., "
            "'bias_hh': ...}, com as chaves de params.",
            kind="type",
        )
    missing = [k for k in _TERMS if k not in grads]
    if missing:
        return Failure(
            "faltam chaves em grads",
            expected=f"as chaves {list(_TERMS)}",
            obtained=f"as chaves {sorted(map(str, grads))}",
            detail=f"faltam {missing}",
            hint="O PyTorch tem dois vieses, bias_ih e bias_hh: cada um tem o seu gradiente "
            "(iguais na RNN simples).",
            kind="keys",
        )
    return None


def _cell_backward_mistakes(dh, cache, item: str) -> Mistakes:
    """Saídas de erros típicos para o gradiente ``item`` e a dica de cada um."""
    x, h_prev, h, p = cache
    da = dh * (h > 0.0)
    no_deriv = (
        "Faltou a derivada da ReLU: primeiro da = dh ⊙ 1[h > 0] (1 onde a unidade está ligada, "
        "0 onde h = 0); todos os gradientes partem de da, não de dh. Cuidado: h >= 0 vale para "
        "toda unidade da ReLU, e a máscara precisa ser h > 0."
    )
    deriv_tanh = (
        "1 − h² é a derivada da tanh (a RNN do capítulo); nesta lista a ativação é a ReLU, cuja "
        "derivada vale 1 onde h > 0 e 0 onde h = 0: da = dh ⊙ (h > 0)."
    )
    deriv_times_h = (
        "Você multiplicou dh por h; a derivada da ReLU não é a própria saída: ela vale 0 ou 1, "
        "da = dh ⊙ (h > 0)."
    )

    def with_da(fn: Callable[[np.ndarray], object]) -> list[tuple[Callable[[], object], str]]:
        return [
            (lambda: fn(dh), no_deriv),
            (lambda: fn(dh * (1.0 - h**2)), deriv_tanh),
            (lambda: fn(dh * h), deriv_times_h),
        ]

    if item == "weight_ih":
        return [
            *with_da(lambda d: d.T @ x),
            (lambda: da.T @ h_prev, "dW_ih multiplica da pela ENTRADA x: da.T @ x."),
        ]
    if item == "weight_hh":
        return [
            (
                lambda: da.T @ h,
                "Você usou h (a saída do passo) no lugar de h_prev: dW_hh = da.T @ h_prev.",
            ),
            (
                lambda: h_prev.T @ da,
                "dW_hh saiu transposta: é da.T @ h_prev (forma (H, H), como W_hh; por ser "
                "quadrada, a forma não denuncia a troca).",
            ),
            *with_da(lambda d: d.T @ h_prev),
        ]
    if item in {"bias_ih", "bias_hh"}:
        return [
            (
                lambda: da.mean(axis=0),
                "O gradiente do viés é a SOMA de da sobre o lote (axis=0), não a média.",
            ),
            *with_da(lambda d: d.sum(axis=0)),
        ]
    if item == "dx":
        return with_da(lambda d: d @ p["weight_ih"])
    # dh_prev
    return [
        (
            lambda: da @ p["weight_hh"].T,
            "dh_prev = da @ W_hh (sem transpor): na ida o termo é h_prev @ W_hh.T, e a volta "
            "multiplica pela matriz sem a transposta. Como W_hh é quadrada, a forma não "
            "denuncia a troca.",
        ),
        (lambda: da, "Faltou multiplicar por W_hh: dh_prev = da @ W_hh."),
        *with_da(lambda d: d @ p["weight_hh"]),
    ]


def _shape_hint(item: str, dims: tuple[int, int, int]) -> str:
    B, D, H = dims
    return {
        "dx": f"dx tem a forma de x, (B, D) = ({B}, {D}): dx = da @ W_ih.",
        "dh_prev": f"dh_prev tem a forma de h_prev, (B, H) = ({B}, {H}): dh_prev = da @ W_hh.",
        "weight_ih": f"dW_ih tem a forma de W_ih, (H, D) = ({H}, {D}): dW_ih = da.T @ x.",
        "weight_hh": f"dW_hh tem a forma de W_hh, (H, H) = ({H}, {H}): dW_hh = da.T @ h_prev.",
        "bias_ih": f"db tem a forma do viés, (H,) = ({H},): some da no eixo do lote (axis=0).",
        "bias_hh": f"db tem a forma do viés, (H,) = ({H},): some da no eixo do lote (axis=0).",
    }[item]


def _label(item: str) -> str:
    return _GRAD_LABEL.get(item, item)


def _check_item(
    item: str, got: object, expected: np.ndarray, dims, mistakes: Callable[[], Mistakes]
) -> Failure | None:
    failure = check_array(
        got,
        expected,
        name=_label(item),
        rtol=1e-7,
        atol=1e-10,
        dtype_hint="As entradas são float64 e os gradientes também devem ser.",
    )
    if failure is None:
        return None
    if failure.kind == "shape":
        failure.hint = _shape_hint(item, dims)
    elif failure.kind == "values":
        failure.hint = matches_any(got, mistakes())
    return failure


_CELL_ITEMS = ("dx", "dh_prev", "weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _judge_cell_backward(items: Sequence[str]):
    def judge(obtained, args) -> Failure | None:
        dh, cache = args
        x, h_prev, _, _ = cache
        dims = (x.shape[0], x.shape[1], h_prev.shape[1])
        dx, dh_prev, grads = _ref_cell_backward(dh, cache)
        expected = {"dx": dx, "dh_prev": dh_prev, **grads}
        failure = check_tuple(obtained, 3, "(dx, dh_prev, grads)")
        if failure is not None:
            return failure
        got_grads = obtained[2]
        if any(item in _TERMS for item in items):
            failure = _check_grads_dict(got_grads)
            if failure is not None:
                return failure
        for item in items:
            got = {"dx": obtained[0], "dh_prev": obtained[1]}.get(item)
            if item in _TERMS:
                got = got_grads[item]
            failure = _check_item(
                item,
                got,
                expected[item],
                dims,
                lambda item=item: _cell_backward_mistakes(dh, cache, item),
            )
            if failure is not None:
                return failure
        return None

    return judge


def _cell_backward_case(
    description: str,
    dims: tuple[int, int, int],
    seed: int,
    items: Sequence[str] = _CELL_ITEMS,
    hint: str = "",
    off: bool = False,
) -> Case:
    B, D, H = dims

    def make_args():
        rng = np.random.default_rng(seed + 3000)
        x = rng.normal(size=(B, D))
        h_prev = rng.uniform(0, 1, size=(B, H))  # estados da ReLU: nunca negativos
        params = _params(D, H, seed)
        if off:  # pré-ativação < −30 em toda unidade: a ReLU desliga todas (h = 0)
            params["bias_ih"] = np.full(H, -40.0)
        _, cache = _ref_cell_forward(x, h_prev, params)
        dh = rng.normal(size=(B, H))
        return dh, cache

    return Case(
        description,
        make_args=make_args,
        judge=_judge_cell_backward(tuple(items)),
        hint=hint,
        arg_names=("dh", "cache"),
    )


def _cell_backward_hidden(
    description: str, B: int = 4, D: int = 2, H: int = 6, seed: int = 13
) -> Case:
    return _cell_backward_case(description, (B, D, H), seed)


# ---------------------------------------------------------------------- q3
def _bptt(
    dH: np.ndarray,
    caches: list,
    *,
    carry: bool = True,
    accumulate: str = "sum",
    forward_order: bool = False,
    cut: Callable[[int], bool] | None = None,
    cell: Callable | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """BPTT configurável: a certa e as variantes erradas (e a truncada, com ``cut``).

    ``cut(t)`` diz se o gradiente NÃO passa do passo ``t`` para o ``t − 1``.
    """
    B, T, _ = dH.shape
    dX = np.zeros((B, T, caches[0][0].shape[1]))
    grads = {k: np.zeros_like(v) for k, v in caches[0][3].items()}
    dh_next = np.zeros_like(dH[:, 0])
    steps = range(T) if forward_order else reversed(range(T))
    for t in steps:
        dx, dh_prev, g = (cell or _ref_cell_backward)(
            dH[:, t] + (dh_next if carry else 0.0), caches[t]
        )
        dX[:, t] = dx
        for key in grads:
            grads[key] = g[key] if accumulate == "overwrite" else grads[key] + g[key]
        dh_next = np.zeros_like(dh_prev) if cut is not None and cut(t) else dh_prev
    if accumulate == "mean":
        grads = {k: v / T for k, v in grads.items()}
    return dX, dh_next, grads


def _bptt_mistakes(dH, caches) -> list[tuple[Callable[[], tuple], str]]:
    return [
        (
            lambda: _bptt(dH, caches, carry=False),
            "O gradiente que volta do passo t + 1 não foi somado: no passo t, chame a "
            "retropropagação da célula com dH[:, t] + dh_next, em que dh_next é o dh_prev "
            "devolvido pelo passo t + 1 (zero no último passo).",
        ),
        (
            lambda: _bptt(dH, caches, accumulate="overwrite"),
            "Os gradientes dos pesos foram sobrescritos a cada passo e sobrou só o do último "
            "passo processado: os pesos são compartilhados, então SOME (+=) as contribuições "
            "de todos os passos.",
        ),
        (
            lambda: _bptt(dH, caches, accumulate="mean"),
            "Você dividiu os gradientes dos pesos por T: eles são a soma das contribuições de "
            "cada passo, sem média.",
        ),
        (
            lambda: _bptt(dH, caches, forward_order=True),
            "Percorra os passos de trás para a frente (for t in reversed(range(T))): o "
            "gradiente do passo t depende do que volta do passo t + 1.",
        ),
        (
            lambda: _tanh_backward(dH, caches),
            "Esse é o gradiente da RNN com tanh (a do capítulo, a de rnncourse.rnn_backward): "
            "aqui cada passo usa a derivada da ReLU, da = δ_t ⊙ (h_t > 0); use a sua "
            "relu_rnn_cell_backward.",
        ),
    ]


_SEQ_ITEMS = ("dX", "dh0", "weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _judge_sequence(
    obtained,
    expected: dict[str, np.ndarray],
    form: str,
    items: Sequence[str],
    mistakes: Callable[[], list[tuple[Callable[[], tuple], str]]],
    shape_hints: Mapping[str, str],
    fallback_hint: str,
) -> Failure | None:
    """Confere as saídas de uma BPTT (``dX``, ``dh0``, ``grads``) na ordem de ``items``."""
    n = len(form.strip("()").split(","))
    failure = check_tuple(obtained, n, form)
    if failure is not None:
        return failure
    got_grads = obtained[-1]
    failure = _check_grads_dict(got_grads)
    if failure is not None:
        return failure
    positions = {"dX": 0, "dh0": 1}
    for item in items:
        got = got_grads[item] if item in _TERMS else obtained[positions[item]]
        failure = check_array(
            got,
            expected[item],
            name=_label(item),
            rtol=1e-7,
            atol=1e-10,
            dtype_hint="As entradas são float64 e os gradientes também devem ser.",
        )
        if failure is None:
            continue
        if failure.kind == "shape":
            failure.hint = shape_hints.get(item)
        elif failure.kind == "values":

            def pick(make, item=item):
                out = make()
                return out[-1][item] if item in _TERMS else out[positions[item]]

            failure.hint = matches_any(
                got, [(lambda m=m: pick(m), hint) for m, hint in mistakes()]
            ) or (fallback_hint)
        return failure
    return None


def _seq_shape_hints(B: int, T: int, D: int, H: int) -> dict[str, str]:
    return {
        "dX": f"dX tem a forma de X, (B, T, D) = ({B}, {T}, {D}): dX[:, t] é o dx do passo t "
        "(empilhe com axis=1).",
        "dh0": f"dh0 tem a forma de h0, (B, H) = ({B}, {H}): é o dh_prev que o passo 0 devolve.",
        **{k: _shape_hint(k, (B, D, H)) for k in _TERMS},
    }


def _make_sequence(dims: tuple[int, int, int, int], seed: int, mask: str):
    """``(dH, cache)``: estados de ``rnn_forward`` e um ``dH`` com gradiente onde ``mask`` diz."""
    B, T, D, H = dims
    rng = np.random.default_rng(seed + 4000)
    X = rng.normal(size=(B, T, D))
    h0 = rng.uniform(0, 1, size=(B, H))  # um estado da ReLU: nunca negativo
    _, cache = _ref_forward(X, h0, _params(D, H, seed, 0.5))
    dH = rng.normal(size=(B, T, H))
    if mask == "last":
        dH[:, :-1] = 0.0
    elif mask == "first":
        dH[:, 1:] = 0.0
    return dH, cache


def _judge_backward(obtained, args) -> Failure | None:
    dH, cache = args
    dX, dh0, grads = _ref_backward(dH, cache)
    B, T, H = dH.shape
    D = cache[0][0].shape[1]
    return _judge_sequence(
        obtained,
        {"dX": dX, "dh0": dh0, **grads},
        "(dX, dh0, grads)",
        _SEQ_ITEMS,
        lambda: _bptt_mistakes(dH, cache),
        _seq_shape_hints(B, T, D, H),
        "Se a questão 2 ainda não passou, corrija-a primeiro: relu_rnn_backward usa a sua "
        "relu_rnn_cell_backward. Confira também que o passo t usa cache[t] e dH[:, t].",
    )


def _backward_case(
    description: str, dims: tuple[int, int, int, int], seed: int, mask: str = "all", hint=""
) -> Case:
    return Case(
        description,
        make_args=lambda: _make_sequence(dims, seed, mask),
        judge=_judge_backward,
        hint=hint,
        arg_names=("dH", "cache"),
    )


def _backward_hidden(
    description: str, B: int = 3, T: int = 8, D: int = 2, H: int = 4, seed: int = 23
) -> Case:
    return _backward_case(description, (B, T, D, H), seed)


# ---------------------------------------------------------------------- q4
class _Scalar:
    """Uma função escalar de ``x`` com nome legível e um limite de avaliações.

    A resposta pode chamá-la no máximo ``budget`` vezes (a verificação por direções usa duas
    avaliações por direção, mais uma de folga); o juiz usa ``fn`` direto, fora do limite.
    """

    def __init__(self, fn: Callable[[np.ndarray], float], text: str, budget: int = 10**9):
        self.fn = fn
        self.text = text
        self.budget = budget
        self.calls = 0

    def __call__(self, x: np.ndarray) -> float:
        self.calls += 1
        if self.calls > self.budget:
            raise RuntimeError(
                f"f foi chamada mais de {self.budget} vezes: a verificação por direções usa só "
                "duas avaliações de f por direção (não calcule o gradiente numérico elemento a "
                "elemento)"
            )
        return float(self.fn(np.asarray(x, dtype=np.float64)))

    def __repr__(self) -> str:
        return self.text

    def __deepcopy__(self, memo):
        return self


def _directional(f, x, V, eps: float, *, kind: str = "central", unit: bool = False):
    """As derivadas direcionais numéricas (K,) (e as variantes erradas, pelo nome)."""
    out = np.empty(len(V))
    base = f.fn(x) if kind == "forward" else 0.0
    for k, v in enumerate(V):
        if unit:
            norm = np.linalg.norm(v)
            v = v / norm if norm > 0 else v
        plus, minus = f.fn(x + eps * v), f.fn(x - eps * v)
        if kind == "forward":
            out[k] = (plus - base) / eps
        elif kind == "no_two":
            out[k] = (plus - minus) / eps
        else:
            out[k] = (plus - minus) / (2.0 * eps)
    return out


def _analytic(grad, V) -> np.ndarray:
    return np.array([float(np.sum(grad * v)) for v in V])


def _judge_directional(obtained, args) -> Failure | None:
    f, x, grad, V, eps = args
    expected = _directional(f, x, V, eps)
    K = len(V)
    failure = check_tuple(obtained, 2, "(num_dir, max_rel_error)")
    if failure is not None:
        return failure
    num_dir, rel_error = obtained
    failure = check_array(
        num_dir,
        expected,
        name="as derivadas direcionais numéricas",
        rtol=1e-6,
        atol=1e-8,
        dtype_hint="Devolva um array float64 de forma (K,), uma derivada por direção.",
    )
    if failure is not None:
        if failure.kind == "shape":
            failure.hint = (
                f"Devolva uma derivada direcional por direção: um array de forma (K,) = ({K},), "
                "não um gradiente com a forma de x."
            )
        elif failure.kind == "values":
            failure.hint = matches_any(
                num_dir,
                [
                    (
                        lambda: _directional(f, x, V, eps, kind="forward"),
                        "Essa é a diferença para a frente, (f(x + εv) − f(x)) / ε, com erro da "
                        "ordem de ε; use a centrada, (f(x + εv) − f(x − εv)) / (2ε).",
                    ),
                    (
                        lambda: _directional(f, x, V, eps, kind="no_two"),
                        "Faltou o 2 do denominador: (f(x + εv) − f(x − εv)) / (2ε).",
                    ),
                    (
                        lambda: _directional(f, x, V, 1e-6),
                        "Use o eps recebido como argumento (este caso passa eps = "
                        f"{format_number(eps)}), não um valor fixo.",
                    ),
                    (
                        lambda: _directional(f, x, V, eps, unit=True),
                        "Não normalize as direções: a derivada ao longo de v_k é ⟨∇f, v_k⟩ com o "
                        "v_k recebido, do tamanho que ele tem.",
                    ),
                    (
                        lambda: _analytic(grad, V),
                        "Você devolveu ⟨grad, v_k⟩, a derivada ANALÍTICA; a numérica vem só de "
                        "avaliações de f ao longo de v_k.",
                    ),
                ],
            )
        return failure
    # as derivadas numéricas da resposta passaram: o erro esperado é calculado com elas, para
    # que o arredondamento das duas contas não conte como erro
    b = np.asarray(num_dir, dtype=float)
    a = _analytic(grad, V)
    rel = _max_rel(a, b)
    failure = check_float(rel_error, rel, name="o maior erro relativo", rtol=1e-6, atol=1e-9)
    if failure is None:
        return None
    if failure.kind == "nonfinite":
        failure.hint = (
            "Numa direção em que as duas derivadas são zero, |a_k| + |ã_k| = 0: ali o erro "
            "relativo é 0 (não divida por zero)."
        )
    elif failure.kind == "values":
        diff = np.abs(a - b)
        den = np.abs(a) + np.abs(b)
        na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
        r = _elementwise(a, b)
        failure.hint = _float_hint(
            rel_error,
            [
                (
                    float(np.linalg.norm(a - b)) / (na + nb) if na + nb > 0 else 0.0,
                    "Você calculou um erro relativo só para o vetor das K derivadas; aqui se "
                    "pede o MAIOR erro relativo direção a direção, max_k |a_k − ã_k| / "
                    "(|a_k| + |ã_k|).",
                ),
                (
                    _max_rel_max_den(a, b),
                    "O denominador de cada direção é a soma |a_k| + |ã_k|, não o maior dos dois "
                    "(a forma do capítulo usa o máximo; esta lista, a soma).",
                ),
                (
                    float(diff.max()) if diff.size else 0.0,
                    "Você devolveu a maior diferença absoluta; divida cada diferença por "
                    "|a_k| + |ã_k| antes de tirar o máximo.",
                ),
                (
                    float(r.mean()) if r.size else math.nan,
                    "Você tirou a média dos erros relativos; a verificação usa o MÁXIMO.",
                ),
                (
                    float(diff.max() / den.max()) if diff.size and den.max() > 0 else math.nan,
                    "Você dividiu a maior diferença pela maior soma; divida direção a direção e "
                    "só depois tire o máximo.",
                ),
            ],
        )
    return failure


def _elementwise(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``|a_i − b_i| / (|a_i| + |b_i|)``, com 0 onde os dois são zero."""
    den = np.abs(a) + np.abs(b)
    out = np.zeros(np.shape(a))
    np.divide(np.abs(a - b), den, out=out, where=den > 0)
    return out


def _max_rel(a: np.ndarray, b: np.ndarray) -> float:
    """O maior erro relativo elemento a elemento (0 para arrays vazios)."""
    r = _elementwise(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    return float(r.max()) if r.size else 0.0


def _max_rel_max_den(a: np.ndarray, b: np.ndarray) -> float:
    den = np.maximum(np.abs(a), np.abs(b))
    out = np.zeros(np.shape(a))
    np.divide(np.abs(a - b), den, out=out, where=den > 0)
    return float(out.max()) if out.size else math.nan


def _directions(shape, K: int, seed: int, zero: bool = False) -> np.ndarray:
    V = np.random.default_rng([seed, 77]).normal(size=(K, *shape))
    if zero:
        V[0] = 0.0  # uma direção nula: as duas derivadas são zero
    return V


def _directional_case(
    description: str,
    make_problem: Callable[[], tuple[Callable, np.ndarray, np.ndarray, str]],
    K: int,
    eps: float,
    seed: int,
    hint: str,
    zero: bool = False,
) -> Case:
    def make_args():
        fn, x, grad, text = make_problem()
        f = _Scalar(fn, text, budget=2 * K + 1)
        return f, x, grad, _directions(x.shape, K, seed, zero), eps

    return Case(
        description,
        make_args=make_args,
        judge=_judge_directional,
        hint=hint,
        arg_names=("f", "x", "grad", "directions", "eps"),
    )


def _cubic_problem(shape=(2, 3), seed: int = 1):
    def make():
        x = np.random.default_rng(seed).uniform(-1.5, 1.5, size=shape)
        return (lambda v: np.sum(v**3)), x, 3.0 * x**2, "f(x) = Σ x³"

    return make


def _sine_problem(k: float = 2.0, seed: int = 4, shape=(2, 3), plant: bool = True):
    def make():
        x = np.random.default_rng(seed).uniform(-1.0, 1.0, size=shape)
        grad = k * np.cos(k * x)
        if plant:
            grad.flat[0] += 1.0  # um elemento errado: as direções acusam
        return (lambda v: np.sum(np.sin(k * v))), x, grad, f"f(x) = Σ sin({k:g} x)"

    return make


def _rnn_problem():
    """A perda linear ``Σ H ⊙ G`` de uma RNN com tanh em função de ``W_hh``."""
    rng = np.random.default_rng(3)
    B, T, D, H = 2, 5, 3, 4
    X = rng.normal(size=(B, T, D))
    h0 = rng.uniform(-1, 1, size=(B, H))
    G = rng.normal(size=(B, T, H))
    params = _params(D, H, 7, 0.5)

    def loss(W):
        states, _ = _tanh_forward(X, h0, {**params, "weight_hh": W})
        return np.sum(states * G)

    _, cache = _tanh_forward(X, h0, params)
    # a BPTT que esqueceu o caminho pelo tempo (dh_next nunca é somado): a verificação acusa
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    for t in range(T):
        _, _, g = _tanh_cell_backward(G[:, t], cache[t])
        grads = {k: grads[k] + g[k] for k in grads}
    text = "f(W_hh) = Σ_t Σ h_t ⊙ G_t de uma RNN com B = 2, T = 5, D = 3, H = 4"
    return loss, params["weight_hh"].copy(), grads["weight_hh"], text


def _gradcheck_hidden(
    description: str, k: float = 3.0, seed: int = 9, shape=(4,), K: int = 3, eps: float = 1e-5
) -> Case:
    return _directional_case(description, _sine_problem(k, seed, shape), K, eps, seed, "")


# ---------------------------------------------------------------------- q5
def _block_cut(k: int) -> Callable[[int], bool]:
    """O gradiente não passa do passo ``t`` ao ``t − 1`` quando ``t`` começa um bloco."""
    return lambda t: t % k == 0


def _truncated_mistakes(dH, caches, k: int) -> list[tuple[Callable[[], tuple], str]]:
    T = dH.shape[1]
    return [
        (
            lambda: _bptt(dH, caches),
            "O gradiente atravessou as fronteiras entre blocos (isso é a BPTT completa): "
            "quando t é múltiplo de k (t = k, 2k, ...), o que sai do passo t não volta ao "
            "passo t − 1 (zere dh_next).",
        ),
        (
            lambda: _bptt(dH, caches, cut=lambda t: (t + 1) % k == 0),
            "A fronteira ficou deslocada de um passo: os blocos são [0, k), [k, 2k), ...; "
            "o corte é entre os passos jk − 1 e jk (o passo t = jk não passa gradiente ao "
            "t − 1).",
        ),
        (
            lambda: _bptt(dH, caches, cut=lambda t: (T - t) % k == 0),
            "Os blocos começam no início da sequência (t = 0, k, 2k, ...), não contados a "
            "partir do fim.",
        ),
        (
            lambda: _bptt(dH, caches, carry=False),
            "Você cortou o gradiente em todo passo (como se k = 1): dentro de um bloco o "
            "gradiente volta normalmente.",
        ),
        (
            lambda: _bptt(dH, caches, cut=_block_cut(k), cell=_tanh_cell_backward),
            "Esse é o gradiente da RNN com tanh: a BPTT truncada desta lista é a da RNN com "
            "ReLU (use a sua relu_rnn_cell_backward em cada passo).",
        ),
        (
            lambda: _windowed(dH, caches, k),
            "Esse é outro esquema: cada perda volta k passos a partir do próprio passo "
            "(TBPTT(1, k)). Aqui os blocos são disjuntos, TBPTT(k, k): o gradiente só é "
            "cortado nas fronteiras entre blocos.",
        ),
    ]


def _windowed(dH, caches, k: int):
    """TBPTT(1, k): a perda do passo ``t`` volta até o passo ``t − k + 1``."""
    B, T, H = dH.shape
    dX = np.zeros((B, T, caches[0][0].shape[1]))
    grads = {key: np.zeros_like(v) for key, v in caches[0][3].items()}
    for t in range(T):
        d = dH[:, t]
        for s in range(t, max(t - k, -1), -1):
            dx, d, g = _ref_cell_backward(d, caches[s])
            dX[:, s] += dx
            for key in grads:
                grads[key] += g[key]
    return dX, d, grads


def _drop_dh0(out: tuple) -> tuple:
    return out[0], out[2]


def _judge_truncated(obtained, args) -> Failure | None:
    dH, cache, k = args
    dX, _, grads = _bptt(dH, cache, cut=_block_cut(k))
    B, T, H = dH.shape
    D = cache[0][0].shape[1]

    def mistakes():
        # as variantes devolvem (dX, dh0, grads); a resposta desta questão é (dX, grads)
        return [
            (lambda make=make: _drop_dh0(make()), hint)
            for make, hint in _truncated_mistakes(dH, cache, k)
        ]

    return _judge_sequence(
        obtained,
        {"dX": dX, **grads},
        "(dX, grads)",
        ("dX", *_TERMS),
        mistakes,
        _seq_shape_hints(B, T, D, H),
        "Percorra os passos de trás para a frente como na BPTT, zerando dh_next sempre que o "
        "passo t que acabou de ser processado começa um bloco (t % k == 0).",
    )


def _truncated_case(
    description: str, dims: tuple[int, int, int, int], k: int, seed: int, mask="all", hint=""
) -> Case:
    def make_args():
        dH, cache = _make_sequence(dims, seed, mask)
        return dH, cache, k

    return Case(
        description,
        make_args=make_args,
        judge=_judge_truncated,
        hint=hint,
        arg_names=("dH", "cache", "k"),
    )


def _truncated_hidden(
    description: str, B: int = 2, T: int = 9, D: int = 3, H: int = 4, k: int = 4, seed: int = 41
) -> Case:
    return _truncated_case(description, (B, T, D, H), k, seed)


# ---------------------------------------------------------------------- o banco
def build_questions() -> list[Question]:
    """As cinco questões da lista 3, com os casos públicos."""
    return [
        Question(
            "q1",
            "Softmax com entropia cruzada: a perda e o gradiente nos logits",
            "softmax_cross_entropy",
            "softmax_cross_entropy(logits, targets)",
            2.0,
            (
                _softmax_ce_case(
                    "um exemplo (N = 1, V = 5)",
                    [[2.0, -1.0, 0.5, 0.0, 1.5]],
                    [3],
                    "loss = −log ŷ[alvo] com ŷ = softmax(logits); dlogits = ŷ − y.",
                ),
                _softmax_ce_case(
                    "lote N = 4, V = 3, alvos nas duas pontas (0 e V − 1) e uma linha "
                    "ignorada (alvo −100)",
                    [[0.2, 1.0, -0.5], [1.5, -2.0, 0.3], [0.0, 0.4, 2.2], [-1.0, 0.5, 0.5]],
                    [0, 2, -100, 1],
                    "A perda é a soma das perdas das linhas com alvo; a linha ignorada não "
                    "entra e tem gradiente zero.",
                ),
                _softmax_ce_case(
                    "logits todos iguais, 3 linhas e a do meio ignorada: perda 2 · ln V",
                    np.zeros((3, 4)).tolist(),
                    [1, -100, 3],
                    "Com logits iguais, ŷ é uniforme (1/V em cada classe); a linha ignorada "
                    "fica com dlogits zero.",
                ),
                _softmax_ce_case(
                    "logits grandes (±1000): sem overflow",
                    [[1000.0, 999.0, 0.0], [-1000.0, 0.0, 1000.0]],
                    [1, 0],
                    "Subtraia o maior logit de cada linha antes da exponencial: a softmax não "
                    "muda e exp não transborda.",
                ),
                _softmax_ce_case(
                    "todas as linhas ignoradas: perda 0 e dlogits zero",
                    [[0.5, -0.2, 1.0], [2.0, 0.0, -1.0]],
                    [-100, -100],
                    "Sem nenhum alvo, a soma é vazia: perda 0.0 e gradiente zero.",
                ),
            ),
            hidden_case=_softmax_ce_hidden,
        ),
        Question(
            "q2",
            "A retropropagação de um passo da RNN com ReLU",
            "relu_rnn_cell_backward",
            "relu_rnn_cell_backward(dh, cache)",
            2.0,
            (
                _cell_backward_case(
                    "só dW_ih (grads['weight_ih'])",
                    (3, 4, 5),
                    0,
                    ("weight_ih",),
                    "dW_ih = da.T @ x, com da = dh ⊙ (h > 0).",
                ),
                _cell_backward_case(
                    "só dW_hh (grads['weight_hh'])",
                    (3, 4, 5),
                    1,
                    ("weight_hh",),
                    "dW_hh = da.T @ h_prev.",
                ),
                _cell_backward_case(
                    "só os vieses (grads['bias_ih'] e grads['bias_hh'])",
                    (3, 4, 5),
                    2,
                    ("bias_ih", "bias_hh"),
                    "db_ih = db_hh = soma de da no lote (axis=0).",
                ),
                _cell_backward_case(
                    "só dx", (3, 4, 5), 3, ("dx",), "dx = da @ W_ih (forma (B, D))."
                ),
                _cell_backward_case(
                    "só dh_prev", (3, 4, 5), 4, ("dh_prev",), "dh_prev = da @ W_hh (forma (B, H))."
                ),
                _cell_backward_case(
                    "tudo junto, com outras dimensões (B = 2, D = 6, H = 3)",
                    (2, 6, 3),
                    5,
                    hint="Confira as formas: dW_ih (H, D), dW_hh (H, H), db (H,), dx (B, D), "
                    "dh_prev (B, H).",
                ),
                _cell_backward_case(
                    "todas as unidades desligadas (viés −40): h = 0 e todos os gradientes zero",
                    (2, 3, 4),
                    6,
                    hint="Com h = 0 em toda unidade, a derivada da ReLU é zero: nenhum gradiente "
                    "passa (nem para dx, nem para dh_prev).",
                    off=True,
                ),
            ),
            hidden_case=_cell_backward_hidden,
        ),
        Question(
            "q3",
            "A BPTT da RNN com ReLU ao longo da sequência",
            "relu_rnn_backward",
            "relu_rnn_backward(dH, cache)",
            2.0,
            (
                _backward_case(
                    "T = 1: igual a relu_rnn_cell_backward",
                    (2, 1, 3, 4),
                    50,
                    hint="Com T = 1, dX[:, 0], dh0 e grads são os de um passo.",
                ),
                _backward_case(
                    "gradiente só na última saída (dH[:, t] = 0 para t < T − 1): ele precisa "
                    "voltar no tempo até o início",
                    (2, 4, 3, 5),
                    51,
                    mask="last",
                    hint="O gradiente chega aos passos anteriores só pelo dh_prev devolvido "
                    "pelo passo seguinte.",
                ),
                _backward_case(
                    "gradiente só na primeira saída: só o passo 0 contribui",
                    (2, 4, 3, 5),
                    52,
                    mask="first",
                    hint="Nada volta dos passos futuros para o passo 0 se eles não têm "
                    "gradiente; o laço vai de t = T − 1 até 0.",
                ),
                _backward_case(
                    "sequência completa (B = 2, T = 5, D = 3, H = 4)",
                    (2, 5, 3, 4),
                    53,
                    hint="No passo t: dx, dh_next, g = relu_rnn_cell_backward(dH[:, t] + "
                    "dh_next, cache[t]); some g nos grads.",
                ),
                _backward_case(
                    "uma sequência só e mais longa (B = 1, T = 12)",
                    (1, 12, 2, 3),
                    54,
                    hint="Confira que o laço percorre os T passos do eixo 1 de dH.",
                ),
            ),
            hidden_case=_backward_hidden,
        ),
        Question(
            "q4",
            "Verificação de gradientes por direções aleatórias",
            "directional_check",
            "directional_check(f, x, grad, directions, eps)",
            2.0,
            (
                _directional_case(
                    "f(x) = Σ x³ com o gradiente certo (3x²), 3 direções: erro perto de zero",
                    _cubic_problem(),
                    3,
                    1e-6,
                    0,
                    "ã_k = (f(x + ε v_k) − f(x − ε v_k)) / (2ε), com v_k = directions[k].",
                ),
                _directional_case(
                    "eps = 10⁻³ e f(x) = Σ x³: a diferença centrada, com o eps recebido",
                    _cubic_problem((3, 2), 2),
                    3,
                    1e-3,
                    1,
                    "Use a diferença centrada com o eps do argumento.",
                ),
                _directional_case(
                    "grad com um elemento errado, 4 direções: o erro relativo acusa",
                    _sine_problem(2.0, 4, (2, 3)),
                    4,
                    1e-6,
                    2,
                    "max_rel_error = max_k |⟨grad, v_k⟩ − ã_k| / (|⟨grad, v_k⟩| + |ã_k|).",
                ),
                _directional_case(
                    "x de forma (6, 8) e só 2 direções: no máximo 5 avaliações de f",
                    _cubic_problem((6, 8), 5),
                    2,
                    1e-6,
                    3,
                    "Duas avaliações de f por direção: o custo não depende do tamanho de x.",
                ),
                _directional_case(
                    "uma direção nula (as duas derivadas são zero) e grad errado: sem NaN",
                    _sine_problem(3.0, 6, (2, 2)),
                    3,
                    1e-6,
                    4,
                    "Numa direção em que |⟨grad, v_k⟩| + |ã_k| = 0, o erro relativo é 0.",
                    zero=True,
                ),
                _directional_case(
                    "a perda de uma RNN pequena em função de W_hh, com o gradiente de uma BPTT "
                    "que esqueceu o caminho pelo tempo: a verificação acusa",
                    _rnn_problem,
                    3,
                    1e-6,
                    5,
                    "f recebe a matriz inteira: avalie f em x + ε v_k e em x − ε v_k.",
                ),
            ),
            hidden_case=_gradcheck_hidden,
        ),
        Question(
            "q5",
            "A BPTT truncada em blocos, na RNN com ReLU",
            "relu_rnn_tbptt",
            "relu_rnn_tbptt(dH, cache, k)",
            2.0,
            (
                _truncated_case(
                    "k maior que T (k = 6, T = 4): igual à BPTT completa",
                    (2, 4, 3, 5),
                    6,
                    60,
                    hint="Com um bloco só, nada é cortado.",
                ),
                _truncated_case(
                    "k = 1: cada passo recebe só o gradiente da própria saída",
                    (2, 4, 3, 5),
                    1,
                    61,
                    hint="Com k = 1 todo passo começa um bloco: dh_next é sempre zero.",
                ),
                _truncated_case(
                    "k = 2, T = 6, gradiente só na última saída: ele volta só até o início do "
                    "último bloco",
                    (2, 6, 3, 4),
                    2,
                    62,
                    mask="last",
                    hint="O bloco final é [4, 6): dX[:, t] é zero para t < 4.",
                ),
                _truncated_case(
                    "k = 3, T = 7: o último bloco é mais curto",
                    (2, 7, 3, 4),
                    3,
                    63,
                    hint="Blocos [0, 3), [3, 6), [6, 7): os cortes são entre 2 e 3 e entre 5 e 6.",
                ),
                _truncated_case(
                    "k = 2, T = 5, gradiente em todas as saídas",
                    (3, 5, 2, 4),
                    2,
                    64,
                    hint="Some os gradientes dos pesos de todos os blocos.",
                ),
            ),
            hidden_case=_truncated_hidden,
        ),
    ]
