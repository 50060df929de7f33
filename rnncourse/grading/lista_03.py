"""Banco de questões da lista 3 (capítulo 3): retropropagação através do tempo (BPTT) em numpy.

Questões (as funções que o estudante escreve):

1. ``softmax_cross_entropy(logits, targets)``: a perda de entropia cruzada **somada** sobre o
   lote e o seu gradiente em relação aos *logits*, ``ŷ − y``; devolve ``(loss, dlogits)``.
2. ``rnn_cell_backward(dh, cache)``: a retropropagação de um passo da RNN simples, com o
   ``cache = (x, h_prev, h, params)`` de ``rnncourse.rnn_cell_forward``; devolve
   ``(dx, dh_prev, grads)``.
3. ``rnn_backward(dH, cache)``: a BPTT sobre a sequência inteira, com o ``cache`` (lista
   dos caches de cada passo) de ``rnncourse.rnn_forward``; devolve ``(dX, dh0, grads)``.
4. ``gradient_check(f, x, grad, eps)``: o gradiente numérico por diferenças finitas
   centradas e o erro relativo ``‖g − g̃‖ / (‖g‖ + ‖g̃‖)``; devolve ``(num_grad, rel_error)``.
5. ``rnn_backward_truncated(dH, cache, k)``: a BPTT truncada em blocos disjuntos de ``k``
   passos (TBPTT(k, k)); devolve ``(dX, grads)``.

As referências são as do pacote (``rnncourse.rnn_numpy``, ``rnncourse.gradcheck``), que
os testes do pacote conferem contra o autograd do PyTorch e contra diferenças finitas.
Os casos da questão 2 conferem **um gradiente por vez** (só ``dW_ih``, só ``dx``...),
para que a devolutiva diga qual está errado; os das questões 3 e 5 põem gradiente numa
saída só (a última, a primeira) para isolar o caminho pelo tempo. O torch não é usado.

Fora do escopo: o motor (``core.py``) e os enunciados (no notebook da lista).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from rnncourse.gradcheck import numerical_gradient as _ref_numerical_gradient
from rnncourse.gradcheck import relative_error as _ref_relative_error
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
from rnncourse.rnn_numpy import rnn_backward as _ref_backward
from rnncourse.rnn_numpy import rnn_cell_backward as _ref_cell_backward
from rnncourse.rnn_numpy import rnn_cell_forward as _ref_cell_forward
from rnncourse.rnn_numpy import rnn_forward as _ref_forward

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


def _ref_softmax_ce(logits: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    logp = _log_softmax(logits)
    rows = np.arange(len(targets))
    loss = float(-logp[rows, targets].sum())
    dlogits = np.exp(logp)
    dlogits[rows, targets] -= 1.0
    return loss, dlogits


def _judge_softmax_ce(obtained, args) -> Failure | None:
    logits, targets = args
    loss, dlogits = _ref_softmax_ce(logits, targets)
    failure = check_tuple(obtained, 2, "(loss, dlogits)")
    if failure is not None:
        return failure
    N, V = logits.shape
    rows = np.arange(N)
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
                        float(-logp.sum()),
                        "Somou −log ŷ de todas as classes; só a classe do alvo entra "
                        "(o one-hot y zera as outras).",
                    ),
                    (
                        float(-logits[rows, targets].sum()),
                        "Faltou o termo log Σ_j exp(s_j): −log ŷ[alvo] = −s[alvo] + log Σ_j "
                        "exp(s_j).",
                    ),
                ],
            )
        return failure
    failure = check_array(obtained[1], dlogits, name="dlogits", rtol=1e-7, atol=1e-10)
    if failure is not None and failure.kind == "values":
        with np.errstate(all="ignore"):
            p = np.exp(_log_softmax(logits))
            y = np.zeros_like(p)
            y[rows, targets] = 1.0
            failure.hint = matches_any(
                obtained[1],
                [
                    (lambda: p, "Faltou subtrair o one-hot do alvo: dlogits = ŷ − y."),
                    (lambda: y - p, "O sinal está trocado: o gradiente é ŷ − y, não y − ŷ."),
                    (
                        lambda: (p - y) / N,
                        "Você dividiu por N; como a perda é a soma, o gradiente é ŷ − y, sem "
                        "dividir.",
                    ),
                    (
                        lambda: -y / p,
                        "Esse é o gradiente em relação às probabilidades ŷ. Pela regra da cadeia "
                        "através da softmax, o gradiente em relação aos logits fica ŷ − y.",
                    ),
                    (
                        lambda: np.exp(_log_softmax(logits, axis=0)) - y,
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
    description: str, N: int = 5, V: int = 7, scale: float = 3.0, seed: int = 0
) -> Case:
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, scale, size=(N, V))
    targets = rng.integers(0, V, size=N)
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
    da = dh * (1.0 - h**2)
    no_deriv = (
        "Faltou a derivada da tanh: primeiro da = dh ⊙ (1 − h²) (com o h da saída do passo); "
        "todos os gradientes partem de da, não de dh."
    )
    deriv_1mh = "A derivada da tanh é 1 − h² (h ao quadrado), não 1 − h."
    deriv_sigmoid = "h(1 − h) é a derivada da sigmoide; a da tanh é 1 − h²."

    def with_da(fn: Callable[[np.ndarray], object]) -> list[tuple[Callable[[], object], str]]:
        return [
            (lambda: fn(dh), no_deriv),
            (lambda: fn(dh * (1.0 - h)), deriv_1mh),
            (lambda: fn(dh * h * (1.0 - h)), deriv_sigmoid),
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
    saturate: bool = False,
) -> Case:
    B, D, H = dims

    def make_args():
        rng = np.random.default_rng(seed + 3000)
        x = rng.normal(size=(B, D))
        h_prev = rng.uniform(-1, 1, size=(B, H))
        params = _params(D, H, seed)
        if saturate:  # |pré-ativação| > 30 em toda unidade: tanh = ±1 em float64
            params["bias_ih"] = 40.0 * np.where(rng.random(H) < 0.5, -1.0, 1.0)
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
        dx, dh_prev, g = _ref_cell_backward(dH[:, t] + (dh_next if carry else 0.0), caches[t])
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
    h0 = rng.uniform(-1, 1, size=(B, H))
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
        "Se a questão 2 ainda não passou, corrija-a primeiro: rnn_backward usa a sua "
        "rnn_cell_backward. Confira também que o passo t usa cache[t] e dH[:, t].",
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
def _forward_difference(f, x: np.ndarray, eps: float) -> np.ndarray:
    out = np.empty_like(x)
    base = f(x.copy())
    for idx in np.ndindex(x.shape):
        xp = x.copy()
        xp[idx] += eps
        out[idx] = (f(xp) - base) / eps
    return out


def _ref_num_grad(f, x: np.ndarray, eps: float) -> np.ndarray:
    work = x.copy()
    return _ref_numerical_gradient(lambda: f(work), work, eps)


class _Scalar:
    """Uma função escalar de ``x`` com nome legível (aparece no relatório se algo falhar)."""

    def __init__(self, fn: Callable[[np.ndarray], float], text: str):
        self.fn = fn
        self.text = text

    def __call__(self, x: np.ndarray) -> float:
        return float(self.fn(np.asarray(x, dtype=np.float64)))

    def __repr__(self) -> str:
        return self.text

    def __deepcopy__(self, memo):
        return self


def _judge_gradcheck(obtained, args) -> Failure | None:
    f, x, grad, eps = args
    expected = _ref_num_grad(f, x, eps)
    rel = _ref_relative_error(grad, expected)
    failure = check_tuple(obtained, 2, "(num_grad, rel_error)")
    if failure is not None:
        return failure
    num_grad, rel_error = obtained
    failure = check_array(
        num_grad,
        expected,
        name="o gradiente numérico",
        rtol=1e-6,
        atol=1e-8,
        dtype_hint="x é float64 e o gradiente numérico também deve ser (np.empty_like(x) ou "
        "np.zeros(x.shape)).",
    )
    if failure is not None:
        if failure.kind == "shape":
            failure.hint = (
                f"O gradiente numérico tem a forma de x, {x.shape}: um elemento para cada "
                "elemento de x (percorra os índices com np.ndindex(x.shape))."
            )
        elif failure.kind == "values":
            failure.hint = matches_any(
                num_grad,
                [
                    (
                        lambda: _forward_difference(f, x, eps),
                        "Essa é a diferença para a frente, (f(x + ε) − f(x)) / ε, com erro da "
                        "ordem de ε; use a centrada, (f(x + ε) − f(x − ε)) / (2ε).",
                    ),
                    (
                        lambda: 2.0 * expected,
                        "Faltou o 2 do denominador: (f(x + ε) − f(x − ε)) / (2ε).",
                    ),
                    (
                        lambda: _ref_num_grad(f, x, 1e-6),
                        "Use o eps recebido como argumento (este caso passa eps = "
                        f"{format_number(eps)}), não um valor fixo.",
                    ),
                    (
                        lambda: grad,
                        "Você devolveu o próprio grad (o analítico); o numérico vem só de "
                        "avaliações de f.",
                    ),
                ],
            )
        return failure
    if rel >= 1e-4:
        failure = check_float(rel_error, rel, name="o erro relativo", rtol=1e-6)
    else:  # gradiente certo: o erro relativo é só arredondamento, perto de zero
        failure = check_float(rel_error, rel, name="o erro relativo", rtol=0.0, atol=1e-6)
    if failure is None:
        return None
    if failure.kind == "nonfinite":
        failure.hint = (
            "Quando os dois gradientes são zero, ‖g‖ + ‖g̃‖ = 0: nesse caso o erro relativo é 0 "
            "(não divida por zero)."
        )
    elif failure.kind == "values":
        a = np.asarray(grad, dtype=float)
        b = expected
        diff = float(np.linalg.norm(a - b))
        na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
        failure.hint = _float_hint(
            rel_error,
            [
                (diff, "Faltou dividir pela soma das normas: ‖g − g̃‖ / (‖g‖ + ‖g̃‖)."),
                (
                    diff / nb if nb > 0 else math.nan,
                    "O denominador é a soma das DUAS normas, ‖g‖ + ‖g̃‖, não só a do "
                    "gradiente numérico.",
                ),
                (
                    diff / na if na > 0 else math.nan,
                    "O denominador é a soma das DUAS normas, ‖g‖ + ‖g̃‖, não só a do "
                    "gradiente analítico.",
                ),
                (
                    float(np.abs(a - b).max()) / (na + nb) if na + nb > 0 else math.nan,
                    "Use a norma euclidiana de tudo (np.linalg.norm) no numerador, não o "
                    "maior elemento.",
                ),
                (
                    float(np.abs(a - b).mean()),
                    "O erro relativo é ‖g − g̃‖ / (‖g‖ + ‖g̃‖), com normas euclidianas, não a "
                    "média das diferenças.",
                ),
            ],
        )
    return failure


def _gradcheck_case(
    description: str,
    make_problem: Callable[[], tuple[_Scalar, np.ndarray, np.ndarray]],
    eps: float,
    hint: str,
) -> Case:
    def make_args():
        f, x, grad = make_problem()
        return f, x, grad, eps

    return Case(
        description,
        make_args=make_args,
        judge=_judge_gradcheck,
        hint=hint,
        arg_names=("f", "x", "grad", "eps"),
    )


def _cubic_problem():
    x = np.random.default_rng(1).uniform(-1.5, 1.5, size=(2, 3))
    return _Scalar(lambda v: np.sum(v**3), "f(x) = Σ x³"), x, 3.0 * x**2


def _sine_problem(k: float = 5.0, seed: int = 2, shape=(3, 2), plant: bool = False):
    def make():
        x = np.random.default_rng(seed).uniform(-1.0, 1.0, size=shape)
        grad = k * np.cos(k * x)
        if plant:
            grad.flat[0] += 1.0  # um elemento errado: o erro relativo acusa
        return _Scalar(lambda v: np.sum(np.sin(k * v)), f"f(x) = Σ sin({k:g} x)"), x, grad

    return make


def _rnn_problem():
    """A perda linear ``Σ H ⊙ G`` de uma RNN pequena em função de ``W_hh`` e o seu gradiente."""
    rng = np.random.default_rng(3)
    B, T, D, H = 2, 5, 3, 4
    X = rng.normal(size=(B, T, D))
    h0 = rng.uniform(-1, 1, size=(B, H))
    G = rng.normal(size=(B, T, H))
    params = _params(D, H, 7, 0.5)

    def loss(W):
        states, _ = _ref_forward(X, h0, {**params, "weight_hh": W})
        return np.sum(states * G)

    _, cache = _ref_forward(X, h0, params)
    _, _, grads = _ref_backward(G, cache)
    f = _Scalar(loss, "f(W_hh) = Σ_t Σ h_t ⊙ G_t de uma RNN com B = 2, T = 5, D = 3, H = 4")
    return f, params["weight_hh"].copy(), grads["weight_hh"]


def _constant_problem():
    return _Scalar(lambda v: 3.0, "f(x) = 3 (constante)"), np.ones((2, 2)), np.zeros((2, 2))


def _gradcheck_hidden(
    description: str, k: float = 3.0, seed: int = 9, shape=(4,), eps: float = 1e-5
) -> Case:
    return _gradcheck_case(description, _sine_problem(k, seed, shape, plant=True), eps, "")


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
                    "lote N = 4, V = 3, com alvos nas duas pontas do vocabulário (0 e V − 1)",
                    [[0.2, 1.0, -0.5], [1.5, -2.0, 0.3], [0.0, 0.4, 2.2], [-1.0, 0.5, 0.5]],
                    [0, 2, 2, 1],
                    "A perda é a soma das perdas das N linhas; dlogits tem uma linha por exemplo.",
                ),
                _softmax_ce_case(
                    "logits todos iguais: perda N · ln V e dlogits = 1/V − y",
                    np.zeros((2, 4)).tolist(),
                    [1, 3],
                    "Com logits iguais, ŷ é uniforme (1/V em cada classe).",
                ),
                _softmax_ce_case(
                    "logits grandes (±1000): sem overflow",
                    [[1000.0, 999.0, 0.0], [-1000.0, 0.0, 1000.0]],
                    [1, 0],
                    "Subtraia o maior logit de cada linha antes da exponencial: a softmax não "
                    "muda e exp não transborda.",
                ),
            ),
            hidden_case=_softmax_ce_hidden,
        ),
        Question(
            "q2",
            "A retropropagação de um passo da RNN",
            "rnn_cell_backward",
            "rnn_cell_backward(dh, cache)",
            2.0,
            (
                _cell_backward_case(
                    "só dW_ih (grads['weight_ih'])",
                    (3, 4, 5),
                    0,
                    ("weight_ih",),
                    "dW_ih = da.T @ x, com da = dh ⊙ (1 − h²).",
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
                    "tanh saturada (viés ±40): h = ±1 e todos os gradientes zero, sem NaN",
                    (2, 3, 4),
                    6,
                    hint="Com h = ±1, a derivada 1 − h² é zero: nenhum gradiente passa.",
                    saturate=True,
                ),
            ),
            hidden_case=_cell_backward_hidden,
        ),
        Question(
            "q3",
            "A BPTT ao longo da sequência",
            "rnn_backward",
            "rnn_backward(dH, cache)",
            2.0,
            (
                _backward_case(
                    "T = 1: igual a rnn_cell_backward",
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
                    hint="No passo t: dx, dh_next, g = rnn_cell_backward(dH[:, t] + dh_next, "
                    "cache[t]); some g nos grads.",
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
            "Verificação de gradientes por diferenças finitas",
            "gradient_check",
            "gradient_check(f, x, grad, eps)",
            2.0,
            (
                _gradcheck_case(
                    "f(x) = Σ x³ com o gradiente certo (3x²): erro relativo perto de zero",
                    _cubic_problem,
                    1e-6,
                    "num_grad[i] = (f(x + ε eᵢ) − f(x − ε eᵢ)) / (2ε), um elemento de cada vez.",
                ),
                _gradcheck_case(
                    "eps = 10⁻³ e f(x) = Σ sin(5x): a diferença centrada, com o eps recebido",
                    _sine_problem(5.0, 2, (3, 2)),
                    1e-3,
                    "Use a diferença centrada com o eps do argumento.",
                ),
                _gradcheck_case(
                    "grad com um elemento errado: o erro relativo acusa",
                    _sine_problem(2.0, 4, (2, 3), plant=True),
                    1e-6,
                    "rel_error = ‖grad − num_grad‖ / (‖grad‖ + ‖num_grad‖), normas euclidianas.",
                ),
                _gradcheck_case(
                    "a perda de uma RNN pequena em função de W_hh, com o gradiente da BPTT",
                    _rnn_problem,
                    1e-6,
                    "f recebe a matriz inteira: perturbe uma cópia de x, um elemento por vez.",
                ),
                _gradcheck_case(
                    "f constante e grad = 0: erro relativo 0, sem divisão por zero",
                    _constant_problem,
                    1e-6,
                    "Se ‖grad‖ + ‖num_grad‖ = 0, devolva 0.0.",
                ),
            ),
            hidden_case=_gradcheck_hidden,
        ),
        Question(
            "q5",
            "A BPTT truncada em blocos",
            "rnn_backward_truncated",
            "rnn_backward_truncated(dH, cache, k)",
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
