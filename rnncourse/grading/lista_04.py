"""Banco de questões da lista 4 (capítulo 4): gradientes que desaparecem e explodem.

Questões (as funções que o estudante escreve). O capítulo mostra o corte pela norma global, o
corte por valor e a inicialização ortogonal de uma matriz quadrada, e o pacote tem essas funções
prontas (``rnncourse.clipping``, ``rnncourse.init``): as questões 1, 2 e 4 pedem variantes que
elas não respondem (``tests/test_grading_no_giveaways.py`` confere).

1. ``clip_per_tensor(grads, max_norm)``: corte pela norma de **cada** tensor de uma lista de
   gradientes (não pela norma global); devolve ``(cortados, normas_antes)``.
2. ``value_clip_stats(grads, clip_value)``: o que o corte por valor muda no gradiente inteiro
   (todos os tensores concatenados): a fração dos elementos com ``|g_i| > c`` e a razão
   ``‖g_c‖ / ‖g‖`` das normas depois e antes do corte (1,0 quando o gradiente é zero).
3. ``jacobian_product(states, params, k)``: a matriz ``∂h_T/∂h_k = J_T ··· J_{k+1}``, com
   ``J_j = diag(1 − h_j²) W_hh``, a partir dos estados de uma sequência.
4. ``lstm_orthogonal_hh(hidden_size, rng)``: a ``weight_hh`` (4H, H) de uma LSTM com cada bloco
   (i, f, g, o) ortogonal e sorteado à parte (QR de uma gaussiana com a correção de sinais). A
   verificação confere propriedades (ortogonalidade de cada bloco, blocos diferentes, uso do
   gerador, ausência de viés de sinal), não a igualdade com uma implementação.
5. ``irnn_init_(rnn, gain)``: a inicialização da IRNN num ``nn.RNN`` do PyTorch, no lugar:
   ``W_hh = gain · I`` e vieses zero em todas as camadas; a verificação mede também o efeito
   (com entrada zero, a rede guarda o estado).

As referências são calculadas aqui, com numpy e, na questão 5, com o PyTorch, importado só
dentro das funções que o usam.

Fora do escopo: o motor (``core.py``) e os enunciados (no notebook da lista).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

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
from rnncourse.grading.guard import call_answer
from rnncourse.rnn_numpy import rnn_forward as _ref_forward

__all__ = ["TITLE", "build_questions", "make_rnn"]

TITLE = "Gradientes que desaparecem e explodem: corte, jacobianas e inicialização"

_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _grads(scales: Mapping[str, float], seed: int, D: int = 3, H: int = 4) -> dict:
    """Um ``dict`` de gradientes com as formas de uma RNN; cada um com a sua escala."""
    rng = np.random.default_rng(seed)
    shapes = {"weight_ih": (H, D), "weight_hh": (H, H), "bias_ih": (H,), "bias_hh": (H,)}
    return {k: scales.get(k, 1.0) * rng.normal(size=s) for k, s in shapes.items()}


def _float_hint(value: object, candidates) -> str | None:
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
_SHAPES = ((4, 3), (4, 4), (4,), (4,))  # weight_ih, weight_hh, bias_ih, bias_hh (H = 4, D = 3)


def _grad_list(scales: tuple[float, ...], seed: int) -> list[np.ndarray]:
    """Uma lista de gradientes com as formas de uma RNN; cada um com a sua escala."""
    rng = np.random.default_rng(seed)
    return [s * rng.normal(size=shape) for s, shape in zip(scales, _SHAPES, strict=True)]


def _per_tensor_ref(grads: list[np.ndarray], max_norm: float, *, mode: str = "ok"):
    """O corte tensor a tensor (padrão) e variantes com erros típicos; devolve (lista, normas)."""
    norms = np.array([float(np.linalg.norm(g)) for g in grads])
    total = float(np.sqrt(np.sum(norms**2)))
    out = []
    for g, n in zip(grads, norms, strict=True):
        if mode == "global":
            factor = min(1.0, max_norm / total) if total > 0 else 1.0
        elif mode == "always":
            factor = max_norm / n if n > 0 else 1.0
        else:
            factor = min(1.0, max_norm / n) if n > 0 else 1.0
        out.append(np.clip(g, -max_norm, max_norm) if mode == "value" else g * factor)
    return out, norms


def _judge_per_tensor(obtained, args) -> Failure | None:
    grads, max_norm = args
    expected, norms = _per_tensor_ref(grads, max_norm)
    failure = check_tuple(obtained, 2, "(gradientes_cortados, normas)")
    if failure is not None:
        return failure
    clipped, got_norms = obtained
    if not isinstance(clipped, (list, tuple)) or len(clipped) != len(grads):
        return Failure(
            "os gradientes cortados deveriam vir numa lista do mesmo tamanho de grads",
            expected=f"uma lista com {len(grads)} arrays",
            obtained=describe(clipped),
            hint="Devolva [g_cortado for g in grads]: um array cortado para cada gradiente, "
            "na mesma ordem.",
            kind="type",
        )
    failure = check_array(
        got_norms,
        norms,
        name="as normas antes do corte",
        rtol=1e-9,
        atol=1e-12,
        dtype_hint="As normas são float64: np.array([...]) de floats.",
    )
    if failure is not None:
        if failure.kind in ("shape", "type") and np.ndim(got_norms) == 0:
            failure.hint = (
                f"Devolva a norma de CADA gradiente, um array de forma ({len(grads)},), "
                "não um número só (a norma global de todos juntos)."
            )
        elif failure.kind == "values":
            after = np.array([float(np.linalg.norm(np.asarray(c, dtype=float))) for c in clipped])
            failure.hint = matches_any(
                got_norms,
                [
                    (
                        lambda: after,
                        "Devolva as normas ANTES do corte (depois dele, as acima "
                        "do limite valem max_norm).",
                    ),
                    (lambda: norms**2, "Faltou a raiz quadrada: ‖g‖ = sqrt(Σ g²)."),
                    (
                        lambda: np.array([float(np.abs(g).sum()) for g in grads]),
                        "A norma aqui é a euclidiana, sqrt(Σ g²), não a soma dos valores "
                        "absolutos.",
                    ),
                ],
            )
        return failure
    mistakes = [
        (
            "global",
            "Você usou a norma GLOBAL (a de clip_grad_norm_ e do capítulo): aqui cada tensor é "
            "cortado pela sua própria norma, com o seu próprio fator min(1, max_norm / ‖g_p‖).",
        ),
        (
            "always",
            "Você multiplicou por max_norm / ‖g_p‖ mesmo com a norma abaixo do limite, "
            "aumentando gradientes pequenos: o fator é min(1, max_norm / ‖g_p‖).",
        ),
        (
            "value",
            "Isso é o corte por VALOR (elemento a elemento); aqui o corte é pela norma de "
            "cada tensor, que mantém a direção dele.",
        ),
    ]
    for index, g in enumerate(grads):
        failure = check_array(
            clipped[index],
            expected[index],
            name=f"o gradiente cortado {index} (forma {g.shape})",
            rtol=1e-9,
            atol=1e-12,
            dtype_hint="Os gradientes são float64 e os cortados também devem ser.",
        )
        if failure is None:
            continue
        if failure.kind == "nonfinite":
            failure.hint = (
                "Um gradiente de norma 0 não tem o que cortar: calcule max_norm / n só quando "
                "n > max_norm (ou quando n > 0)."
            )
        elif failure.kind == "values":
            failure.hint = matches_any(
                clipped[index],
                [
                    (
                        lambda mode=mode, i=index: _per_tensor_ref(grads, max_norm, mode=mode)[0][
                            i
                        ],
                        hint,
                    )
                    for mode, hint in mistakes
                ],
            )
        return failure
    return None


def _per_tensor_case(
    description: str, scales: tuple[float, ...], max_norm: float, seed: int, hint: str
) -> Case:
    return Case(
        description,
        make_args=lambda: (_grad_list(scales, seed), float(max_norm)),
        judge=_judge_per_tensor,
        hint=hint,
        arg_names=("grads", "max_norm"),
    )


def _per_tensor_hidden(
    description: str, scale: float = 3.0, max_norm: float = 2.0, seed: int = 17
) -> Case:
    return _per_tensor_case(description, (scale, 2 * scale, 0.1, scale), max_norm, seed, "")


# ---------------------------------------------------------------------- q2
def _flat(arrays) -> np.ndarray:
    return np.concatenate([np.ravel(np.asarray(a, dtype=float)) for a in arrays])


def _norm_ratio(after: np.ndarray, before: np.ndarray) -> float:
    """``‖after‖ / ‖before‖``, com 1,0 quando ``before`` é zero (nada foi cortado)."""
    den = float(np.linalg.norm(before))
    return float(np.linalg.norm(after)) / den if den > 0 else 1.0


def _value_stats_ref(grads: Mapping[str, np.ndarray], c: float) -> tuple[float, float]:
    """A fração global dos elementos com ``|g_i| > c`` e ``‖g_c‖ / ‖g‖`` do vetor concatenado."""
    g = _flat(grads.values())
    return float(np.mean(np.abs(g) > c)), _norm_ratio(np.clip(g, -c, c), g)


def _judge_value_stats(obtained, args) -> Failure | None:
    grads, c = args
    g = _flat(grads.values())
    fraction, ratio = _value_stats_ref(grads, c)
    failure = check_tuple(obtained, 2, "(fracao, razao)")
    if failure is not None:
        if failure.hint is None:
            failure.hint = "Devolva os dois números numa tupla: return fracao, razao."
        return failure
    got_fraction, got_ratio = obtained
    failure = check_float(
        got_fraction, fraction, name="a fração de elementos cortados", rtol=1e-9, atol=1e-12
    )
    if failure is not None:
        if failure.kind == "values":
            per_tensor = [float(np.mean(np.abs(np.asarray(v)) > c)) for v in grads.values()]
            failure.hint = _float_hint(
                got_fraction,
                [
                    (
                        float(np.mean(np.abs(g) >= c)),
                        "Um elemento com |g_i| = c exatamente não muda com o corte: conte só "
                        "os que têm |g_i| > c (maior estrito, não >=).",
                    ),
                    (
                        float(np.mean(per_tensor)),
                        "Você tirou a média das frações de cada tensor, e os tensores têm "
                        "tamanhos diferentes: conte os elementos cortados de todos os tensores "
                        "juntos e divida pelo número total de elementos.",
                    ),
                    (
                        float(np.mean(g > c)),
                        "Faltou o valor absoluto: o corte também muda os elementos menores que "
                        "−c; conte os que têm |g_i| > c.",
                    ),
                    (
                        float(np.sum(np.abs(g) > c)),
                        "Devolva a fração (entre 0 e 1), não o número de elementos cortados: "
                        "divida pelo número total de elementos.",
                    ),
                    (
                        100.0 * fraction,
                        "Devolva a fração entre 0 e 1, não a porcentagem.",
                    ),
                    (
                        1.0 - fraction,
                        "Você devolveu a fração dos elementos que o corte NÃO muda; a pedida é "
                        "a dos que ele muda, com |g_i| > c.",
                    ),
                ],
            )
        return failure
    failure = check_float(got_ratio, ratio, name="a razão ‖g_c‖ / ‖g‖", rtol=1e-9, atol=1e-12)
    if failure is None:
        return None
    if failure.kind == "nonfinite":
        failure.hint = (
            "Com o gradiente todo zero, ‖g‖ = 0 e a divisão 0/0 não tem valor: nesse caso o "
            "enunciado define a razão como 1,0 (nada foi cortado)."
        )
    elif failure.kind == "values":
        g_c = np.clip(g, -c, c)
        per_tensor = [
            _norm_ratio(np.clip(np.asarray(v, dtype=float), -c, c), np.asarray(v, dtype=float))
            for v in grads.values()
        ]
        failure.hint = _float_hint(
            got_ratio,
            [
                (
                    _norm_ratio(g, g_c),
                    "A razão está invertida: é ‖g_c‖ / ‖g‖ (depois do corte sobre antes dele), "
                    "que fica entre 0 e 1.",
                ),
                (
                    float(np.mean(per_tensor)),
                    "Você tirou a média das razões de cada tensor: a razão pedida é a do "
                    "gradiente inteiro, ‖g_c‖ / ‖g‖ com todos os tensores concatenados (as "
                    "normas globais).",
                ),
                (
                    ratio**2,
                    "Faltou a raiz quadrada: ‖g‖ = sqrt(Σ g_i²); a razão das somas de "
                    "quadrados é o quadrado da razão pedida.",
                ),
                (
                    _norm_ratio(np.minimum(g, c), g),
                    "O corte por valor leva cada elemento para [−c, c]: os menores que −c "
                    "também mudam (viram −c); use np.clip(g, -c, c).",
                ),
            ],
        )
    return failure


def _value_stats_case(
    description: str, scales: dict, clip_value: float, seed: int, hint: str, grid: float = 0.0
) -> Case:
    def make_args():
        grads = _grads(scales, seed)
        if grid > 0:  # valores num reticulado: alguns caem exatamente em ±c
            grads = {k: grid * np.round(v / grid) for k, v in grads.items()}
        return grads, float(clip_value)

    return Case(
        description,
        make_args=make_args,
        judge=_judge_value_stats,
        hint=hint,
        arg_names=("grads", "clip_value"),
    )


def _value_stats_hidden(
    description: str,
    scale: float = 2.0,
    clip_value: float = 0.75,
    seed: int = 19,
    grid: float = 0.25,
) -> Case:
    scales = {"weight_ih": scale, "weight_hh": 5 * scale, "bias_ih": 0.2, "bias_hh": scale}
    return _value_stats_case(description, scales, clip_value, seed, "", grid)


# ---------------------------------------------------------------------- q3
def _step_jacobians(states: np.ndarray, W: np.ndarray, deriv=None) -> list[np.ndarray]:
    """``[J_1, ..., J_T]`` com ``J_j = diag(f'(h_j)) W`` (a derivada escrita com a saída)."""
    deriv = deriv or (lambda h: 1.0 - h**2)
    return [deriv(h)[:, None] * W for h in states]


def _product(mats: list[np.ndarray], n: int, reverse: bool = False) -> np.ndarray:
    P = np.eye(n)
    for M in reversed(mats) if reverse else mats:
        P = P @ M
    return P


def _ref_jacobian(states: np.ndarray, W: np.ndarray, k: int, **kw) -> np.ndarray:
    """``J_T J_{T-1} ··· J_{k+1}``: o mais recente à esquerda."""
    J = _step_jacobians(states, W, **kw)
    return _product(J[k:][::-1], W.shape[0])


def _jacobian_mistakes(states, params, k) -> list[tuple[Callable[[], np.ndarray], str]]:
    W = params["weight_hh"]
    T, n = states.shape
    J = _step_jacobians(states, W)
    out = [
        (
            lambda: np.linalg.matrix_power(W, T - k),
            "Faltou a derivada da tanh: cada jacobiana é J_j = diag(1 − h_j²) W_hh, não só W_hh.",
        ),
        (
            lambda: _product(J[k:], n),
            "A ordem do produto está invertida: ∂h_T/∂h_k = J_T J_{T−1} ··· J_{k+1}, com o "
            "passo mais recente à esquerda (o produto de matrizes não comuta).",
        ),
        (
            lambda: _ref_jacobian(states, W.T, k),
            "Use W_hh sem transpor: na convenção de vetores-coluna, a_j = W_hh h_{j−1} + ..., "
            "e J_j = diag(1 − h_j²) W_hh. (W_hh.T aparece no código com vetores-linha.)",
        ),
        (
            lambda: _product([W * (1.0 - h**2)[None, :] for h in states[k:]][::-1], n),
            "diag(1 − h_j²) multiplica W_hh pela ESQUERDA (escala as linhas): "
            "(1 − h_j²)[:, None] * W_hh, não W_hh @ diag(...).",
        ),
        (
            lambda: _ref_jacobian(states, W, k, deriv=lambda h: 1.0 - h),
            "A derivada da tanh é 1 − h² (h ao quadrado), não 1 − h.",
        ),
        (
            lambda: _product(J[max(k - 1, 0) :][::-1], n),
            "O produto vai de j = k + 1 até T: J_k não entra (são T − k jacobianas).",
        ),
    ]
    if params["weight_ih"].shape == W.shape:
        out.insert(
            0,
            (
                lambda: _ref_jacobian(states, params["weight_ih"], k),
                "Você usou W_ih: o estado anterior entra no passo pela matriz recorrente, "
                "W_hh (a jacobiana ∂h_j/∂h_{j−1} não tem nada da entrada).",
            ),
        )
    return out


def _judge_jacobian(obtained, args) -> Failure | None:
    states, params, k = args
    expected = _ref_jacobian(states, params["weight_hh"], k)
    n = states.shape[1]
    failure = check_array(
        obtained,
        expected,
        name="a jacobiana ∂h_T/∂h_k",
        rtol=1e-7,
        atol=1e-12,
        dtype_hint="Os estados e os pesos são float64 e a jacobiana também deve ser.",
    )
    if failure is None:
        return None
    if failure.kind == "shape":
        failure.hint = (
            f"A jacobiana é uma matriz (H, H) = ({n}, {n}): comece de np.eye(H) e multiplique "
            "pelas jacobianas de cada passo."
        )
        if tuple(np.shape(obtained)) == params["weight_ih"].shape:
            failure.hint = (
                "A forma (H, D) é a de W_ih: o estado anterior entra no passo pela matriz "
                "recorrente, W_hh, e a jacobiana ∂h_j/∂h_{j−1} não tem nada da entrada."
            )
    elif failure.kind == "values":
        failure.hint = matches_any(obtained, _jacobian_mistakes(states, params, k))
    return failure


def _jacobian_case(
    description: str,
    T: int,
    D: int,
    H: int,
    k: int,
    seed: int,
    hint: str,
    *,
    zero_states: bool = False,
    identity_hh: bool = False,
) -> Case:
    def make_args():
        rng = np.random.default_rng(seed)
        params = {
            "weight_ih": rng.normal(0.0, 0.8, size=(H, D)),
            "weight_hh": rng.normal(0.0, 0.6, size=(H, H)),
            "bias_ih": rng.normal(0.0, 0.3, size=H),
            "bias_hh": np.zeros(H),
        }
        if identity_hh:
            params["weight_hh"] = np.eye(H)
        X = rng.normal(size=(1, T, D))
        states, _ = _ref_forward(X, np.zeros((1, H)), params)
        states = np.zeros((T, H)) if zero_states else states[0]
        return states, params, k

    return Case(
        description,
        make_args=make_args,
        judge=_judge_jacobian,
        hint=hint,
        arg_names=("states", "params", "k"),
    )


def _jacobian_hidden(
    description: str, T: int = 7, D: int = 3, H: int = 5, k: int = 3, seed: int = 29
) -> Case:
    return _jacobian_case(description, T, D, H, k, seed, "")


# ---------------------------------------------------------------------- q4
#: |traço| e |soma da 1ª coluna| de uma matriz de Haar têm desvio-padrão 1
_HAAR_Z = 4.5
_HAAR_TEXT = f"{_HAAR_Z:g}".replace(".", ",")


def _rng_state(rng: object) -> object:
    try:
        return rng.bit_generator.state  # type: ignore[attr-defined]
    except Exception:
        return None


def _judge_lstm_orthogonal(checks: tuple[str, ...]):
    def judge(obtained, pristine, used) -> Failure | None:
        H, rng_before = pristine
        rng_after = used[1]
        failure = check_array(
            obtained,
            np.zeros((4 * H, H)),
            name="W_hh",
            dtype_hint="W_hh deve ser float64 (rng.standard_normal já devolve float64).",
        )
        if failure is not None and failure.kind != "values":
            if failure.kind == "shape":
                failure.hint = (
                    f"W_hh da LSTM empilha os 4 blocos (i, f, g, o) nas linhas: forma "
                    f"(4H, H) = ({4 * H}, {H}), como weight_hh_l0 do nn.LSTM."
                )
                if tuple(np.shape(obtained)) == (H, 4 * H):
                    failure.hint += " Você devolveu a transposta, (H, 4H)."
            return failure
        W = np.asarray(obtained)
        blocks = [W[k * H : (k + 1) * H] for k in range(4)]
        for k, Q in enumerate(blocks):
            gram = Q.T @ Q
            if np.allclose(gram, np.eye(H), rtol=0.0, atol=1e-9):
                continue
            worst = float(np.abs(gram - np.eye(H)).max())
            hint = (
                "Cada bloco H × H precisa ser ortogonal (QᵀQ = I): sorteie uma matriz "
                "gaussiana (H, H) por bloco, faça a QR de cada uma e empilhe os 4 Q com "
                "np.concatenate(..., axis=0)."
            )
            if np.allclose(W.T @ W, np.eye(H), rtol=0.0, atol=1e-9):
                hint = (
                    "As colunas da matriz (4H, H) inteira são ortonormais (a QR de uma "
                    "gaussiana (4H, H)), mas cada bloco não é ortogonal: cada porta tem a sua "
                    "matriz recorrente, e é o produto por ELA que se repete no tempo. Faça a QR "
                    "de um bloco (H, H) de cada vez."
                )
            elif np.allclose(np.triu(Q), Q) and H > 1:
                hint = "Você empilhou R (triangular superior); a matriz ortogonal é o Q."
            return Failure(
                f"o bloco {k} (linhas {k * H}:{(k + 1) * H}) não é ortogonal",
                expected="QᵀQ = I em cada bloco (a menos de 10⁻⁹)",
                obtained=f"maior |QᵀQ − I| = {format_number(worst)}",
                hint=hint,
            )
        for a in range(4):
            for b in range(a + 1, 4):
                if H > 1 and np.allclose(blocks[a], blocks[b], rtol=0.0, atol=1e-12):
                    return Failure(
                        f"os blocos {a} e {b} são iguais",
                        expected="4 blocos ortogonais sorteados independentemente",
                        obtained="o mesmo Q repetido",
                        hint="Sorteie uma matriz nova para cada bloco (4 chamadas a "
                        "rng.standard_normal((H, H))): np.tile ou [Q] * 4 repetem o mesmo Q, "
                        "e as quatro portas começariam iguais.",
                    )
        if "rng" in checks and _rng_state(rng_after) == _rng_state(rng_before):
            return Failure(
                "o gerador rng recebido não foi usado",
                expected="o estado de rng avança (as matrizes gaussianas são sorteadas com ele)",
                obtained="o estado de rng ficou igual",
                hint="Sorteie com o rng do argumento, rng.standard_normal((H, H)): nada de "
                "np.random.randn nem np.random.default_rng(semente fixa) dentro da função. "
                "Assim quem chama controla a semente.",
            )
        if "haar" in checks:
            for k, Q in enumerate(blocks):
                trace, col = float(np.trace(Q)), float(Q[:, 0].sum())
                if abs(trace) > _HAAR_Z:
                    return Failure(
                        f"o bloco {k} tem viés de sinal na diagonal",
                        expected=f"traço perto de 0 (|traço| ≤ {_HAAR_TEXT}: numa matriz "
                        "ortogonal uniforme ele tem média 0 e desvio-padrão 1)",
                        obtained=f"traço {format_number(trace)}",
                        hint="Faltou a correção de sinais: np.linalg.qr não fixa o sinal das "
                        "colunas de Q de modo uniforme. Multiplique a coluna j de Q pelo sinal "
                        "de R[j, j]: Q * np.sign(np.diag(R)).",
                    )
                if abs(col) > _HAAR_Z:
                    return Failure(
                        f"a distribuição do bloco {k} não é uniforme: a 1ª coluna tem viés",
                        expected=f"soma da 1ª coluna perto de 0 (|soma| ≤ {_HAAR_TEXT})",
                        obtained=f"soma {format_number(col)}",
                        hint="Sorteie com entradas gaussianas (rng.standard_normal), não "
                        "uniformes em [0, 1): a direção de cada coluna só é uniforme se a "
                        "matriz sorteada é gaussiana.",
                    )
        return None

    return judge


def _lstm_orthogonal_case(description: str, H: int, seed: int, checks=(), hint: str = "") -> Case:
    return Case(
        description,
        make_args=lambda: (H, np.random.default_rng(seed)),
        judge=_judge_lstm_orthogonal(tuple(checks)),
        hint=hint,
        arg_names=("hidden_size", "rng"),
        mutable_args=(1,),  # sortear avança o gerador: é esperado
        judge_sees_used_args=True,
    )


def _lstm_orthogonal_hidden(description: str, n: int = 300, seed: int = 31) -> Case:
    return _lstm_orthogonal_case(description, n, seed, ("rng", "haar"))


# ---------------------------------------------------------------------- q5
def make_rnn(D: int, H: int, layers: int, seed: int):
    """O ``nn.RNN`` (ReLU, float64) da questão 5; recriável no processo da submissão."""
    import torch
    from torch import nn

    from rnncourse.grading.wire import portable

    torch.manual_seed(seed)
    rnn = nn.RNN(D, H, num_layers=layers, nonlinearity="relu", batch_first=True).double()
    return portable(rnn, "rnncourse.grading.lista_04:make_rnn", D=D, H=H, layers=layers, seed=seed)


def _irnn_probe(answer, args, limit: float):
    """No lado da resposta: o que só se vê com o próprio objeto (identidades, requires_grad)."""
    rnn = args[0]
    before = [(name, id(p)) for name, p in rnn.named_parameters()]
    outcome = call_answer(answer, args, limit=limit)
    if outcome.status != "ok":
        return outcome
    now = list(rnn.named_parameters())
    outcome.value = {
        "returned_self": outcome.value is rnn,
        "returned": describe(outcome.value),
        "same_params": [(name, id(p)) for name, p in now] == before,
        "requires_grad": {name: bool(p.requires_grad) for name, p in now},
    }
    return outcome


def _judge_irnn(obtained, pristine, used) -> Failure | None:
    """``obtained`` é o relatório da sonda; ``used[0]``, o módulo com os valores que ficaram."""
    import torch

    before, gain = pristine
    rnn = used[0]
    if obtained.get("returned_self") is not True:
        return Failure(
            "a função deveria devolver o próprio rnn",
            expected="o mesmo objeto nn.RNN recebido (alterado no lugar)",
            obtained=str(obtained.get("returned", "?"))[:200],
            hint="Termine com `return rnn` (como as funções de torch.nn.init, que alteram "
            "no lugar e devolvem o que receberam).",
            kind="type",
        )
    if obtained.get("same_params") is not True:
        return Failure(
            "os objetos Parameter do módulo foram trocados",
            expected="os mesmos parâmetros, com valores novos",
            obtained="parâmetros novos no lugar dos antigos",
            hint="Altere os valores no lugar, dentro de `with torch.no_grad():`, com "
            "p.copy_(...) ou p.zero_(): um otimizador criado antes da inicialização guarda "
            "os Parameter antigos e continuaria a treinar os pesos velhos.",
        )
    requires_grad = obtained.get("requires_grad")
    old = dict(before.named_parameters())
    H = rnn.hidden_size
    for name, p in rnn.named_parameters():
        if requires_grad.get(name) is not True:
            return Failure(
                f"{name} deixou de ser treinável (requires_grad=False)",
                hint="Mude os valores dentro de torch.no_grad() sem desligar o gradiente.",
            )
        got = p.detach().numpy()
        if name.startswith("weight_hh"):
            want = gain * np.eye(H)
            what = f"{name} (deveria ser {format_number(gain)} · I)"
        elif name.startswith("bias"):
            want = np.zeros(p.shape)
            what = f"{name} (deveria ser zero)"
        else:
            want = old[name].detach().numpy()
            what = f"{name} (deveria ficar como estava)"
        failure = check_array(got, want, name=what, rtol=0.0, atol=0.0)
        if failure is None:
            continue
        unchanged = np.array_equal(got, old[name].detach().numpy())
        if name.startswith("weight_hh") and np.array_equal(got, np.eye(H)) and gain != 1:
            failure.hint = f"Use o ganho recebido: W_hh = gain · I, com gain = {gain:g}."
        elif not name.endswith("_l0") and unchanged:
            failure.hint = (
                "Inicialize TODAS as camadas: percorra rnn.named_parameters() (os nomes "
                "terminam em _l0, _l1, ...), não só as da camada 0."
            )
        elif name.startswith("bias"):
            failure.hint = "Zere os dois vieses de cada camada, bias_ih e bias_hh."
        elif name.startswith("weight_ih"):
            failure.hint = "A IRNN só muda a matriz recorrente e os vieses; W_ih fica como está."
        return failure
    # o efeito: com entrada zero e h0 >= 0, a IRNN (ReLU, W_hh = I, vieses zero) guarda h0
    if gain == 1.0 and rnn.num_layers == 1:
        B, T = 2, 5
        h0 = torch.rand(1, B, H, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            out, _ = rnn(torch.zeros(B, T, rnn.input_size, dtype=torch.float64), h0)
        drift = float((out - h0[0][:, None, :]).abs().max())
        if drift > 1e-12:
            return Failure(
                "com entrada zero, o estado não se manteve",
                expected="H[:, t] = h0 em todos os passos (ReLU, W_hh = I e vieses zero)",
                obtained=f"maior diferença {format_number(drift)}",
            )
    return None


def _irnn_case(
    description: str, D: int, H: int, layers: int, gain: float, seed: int, hint: str = ""
) -> Case:
    return Case(
        description,
        make_args=lambda: (make_rnn(D, H, layers, seed), float(gain)),
        judge=_judge_irnn,
        hint=hint,
        arg_names=("rnn", "gain"),
        mutable_args=(0,),  # a função altera o módulo no lugar: é o que se pede
        judge_sees_used_args=True,
        probe=_irnn_probe,
    )


def _irnn_hidden(
    description: str, D: int = 2, H: int = 7, layers: int = 3, gain: float = 1.0, seed: int = 37
) -> Case:
    return _irnn_case(description, D, H, layers, gain, seed)


# ---------------------------------------------------------------------- o banco
def build_questions() -> list[Question]:
    """As cinco questões da lista 4, com os casos públicos."""
    return [
        Question(
            "q1",
            "Corte do gradiente pela norma de cada tensor",
            "clip_per_tensor",
            "clip_per_tensor(grads, max_norm)",
            2.0,
            (
                _per_tensor_case(
                    "todos acima do limite (max_norm = 1): cada um volta com norma 1",
                    (2.0, 4.0, 1.0, 2.0),
                    1.0,
                    0,
                    "Para cada g_p: n_p = ‖g_p‖ e g_p · min(1, max_norm / n_p).",
                ),
                _per_tensor_case(
                    "W_hh enorme e os outros pequenos (max_norm = 5): só W_hh é cortado",
                    (0.1, 50.0, 0.1, 0.1),
                    5.0,
                    2,
                    "Cada tensor tem o seu fator: os pequenos ficam como estão.",
                ),
                _per_tensor_case(
                    "cada tensor abaixo do limite, mas a norma global acima (max_norm = 4,5): "
                    "nada muda",
                    (1.0, 1.0, 1.0, 1.0),
                    4.5,
                    1,
                    "O fator de cada tensor é min(1, max_norm / n_p), com a norma dele: se cada "
                    "n_p está abaixo do limite, nada muda (a norma global não entra).",
                ),
                _per_tensor_case(
                    "um gradiente zero (W_hh): fica zero, sem divisão por zero",
                    (2.0, 0.0, 1.0, 3.0),
                    1.0,
                    3,
                    "Com n_p = 0 não há o que cortar: o fator é 1.",
                ),
            ),
            hidden_case=_per_tensor_hidden,
        ),
        Question(
            "q2",
            "Corte por valor: a fração de elementos cortados e a razão das normas",
            "value_clip_stats",
            "value_clip_stats(grads, clip_value)",
            2.0,
            (
                _value_stats_case(
                    "gradientes de escala 1 (c = 0,5): só os elementos grandes são cortados",
                    {k: 1.0 for k in _NAMES},
                    0.5,
                    4,
                    "Concatene os gradientes num vetor g: a fração é (número de elementos com "
                    "|g_i| > c) / (número total de elementos) e a razão é "
                    "‖np.clip(g, -c, c)‖ / ‖g‖.",
                ),
                _value_stats_case(
                    "W_hh com gradiente enorme e os outros pequenos (c = 0,1): quase todo W_hh "
                    "é cortado e o passo encolhe muito",
                    {"weight_ih": 0.05, "weight_hh": 50.0, "bias_ih": 0.05, "bias_hh": 0.05},
                    0.1,
                    6,
                    "Conte os elementos cortados de todos os tensores juntos e use as normas do "
                    "vetor inteiro, não as de cada tensor.",
                ),
                _value_stats_case(
                    "valores múltiplos de 0,25 (c = 0,5): alguns elementos valem exatamente ±c",
                    {"weight_ih": 1.0, "weight_hh": 0.6, "bias_ih": 1.5, "bias_hh": 0.4},
                    0.5,
                    5,
                    "Um elemento com |g_i| = c não muda: conte só |g_i| > c.",
                    grid=0.25,
                ),
                _value_stats_case(
                    "gradiente todo zero: fração 0 e razão 1,0, sem divisão por zero",
                    {k: 0.0 for k in _NAMES},
                    0.5,
                    7,
                    "Com ‖g‖ = 0, devolva a razão 1,0, como o enunciado define (nada foi "
                    "cortado), sem calcular 0/0.",
                ),
            ),
            hidden_case=_value_stats_hidden,
        ),
        Question(
            "q3",
            "O produto de jacobianas ∂h_T/∂h_k",
            "jacobian_product",
            "jacobian_product(states, params, k)",
            2.0,
            (
                _jacobian_case(
                    "k = T − 1: uma jacobiana só, J_T = diag(1 − h_T²) W_hh",
                    4,
                    2,
                    3,
                    3,
                    70,
                    "∂h_T/∂h_{T−1} = diag(1 − h_T²) W_hh = (1 − h_T²)[:, None] * W_hh.",
                ),
                _jacobian_case(
                    "k = T: nenhum passo entre os dois estados, a identidade",
                    4,
                    2,
                    3,
                    4,
                    71,
                    "∂h_T/∂h_T = I: com k = T o produto é vazio.",
                ),
                _jacobian_case(
                    "W_hh = I: só as derivadas da tanh (um produto de diagonais)",
                    5,
                    2,
                    3,
                    1,
                    72,
                    "Com W_hh = I, cada J_j = diag(1 − h_j²), e o produto é diagonal.",
                    identity_hh=True,
                ),
                _jacobian_case(
                    "estados zero (tanh' = 1), com D = H: só a potência de W_hh",
                    5,
                    3,
                    3,
                    1,
                    73,
                    "Com h_j = 0, cada J_j é a própria W_hh (a matriz recorrente, não W_ih).",
                    zero_states=True,
                ),
                _jacobian_case(
                    "caso geral (T = 6, k = 2, H = 4)",
                    6,
                    3,
                    4,
                    2,
                    74,
                    "P = I; para j = T, T − 1, ..., k + 1: P = P @ J_j (o passo mais recente "
                    "fica à esquerda).",
                ),
            ),
            hidden_case=_jacobian_hidden,
        ),
        Question(
            "q4",
            "Inicialização ortogonal da matriz recorrente de uma LSTM",
            "lstm_orthogonal_hh",
            "lstm_orthogonal_hh(hidden_size, rng)",
            2.0,
            (
                _lstm_orthogonal_case(
                    "H = 5: forma (4H, H), float64, cada bloco H × H ortogonal",
                    5,
                    0,
                    hint="Para cada porta: Q, R = np.linalg.qr(rng.standard_normal((H, H))); "
                    "empilhe os 4 Q nas linhas.",
                ),
                _lstm_orthogonal_case(
                    "H = 3: quatro blocos diferentes, sorteados com o rng recebido",
                    3,
                    1,
                    ("rng",),
                ),
                _lstm_orthogonal_case(
                    "H = 200: sem viés de sinal em nenhum bloco (traço e soma da 1ª coluna "
                    "perto de 0, como numa matriz ortogonal uniforme)",
                    200,
                    3,
                    ("rng", "haar"),
                ),
            ),
            hidden_case=_lstm_orthogonal_hidden,
        ),
        Question(
            "q5",
            "Inicialização identidade (IRNN) num nn.RNN",
            "irnn_init_",
            "irnn_init_(rnn, gain)",
            2.0,
            (
                _irnn_case(
                    "uma camada (D = 3, H = 4), gain = 1: W_hh = I, vieses zero, W_ih intacta, "
                    "e com entrada zero a rede guarda o estado",
                    3,
                    4,
                    1,
                    1.0,
                    80,
                    "Dentro de torch.no_grad(): weight_hh_l0.copy_(gain * torch.eye(H)), "
                    "bias_ih_l0.zero_(), bias_hh_l0.zero_().",
                ),
                _irnn_case(
                    "gain = 0,5: W_hh = 0,5 · I",
                    3,
                    4,
                    1,
                    0.5,
                    81,
                    "Multiplique a identidade pelo gain recebido.",
                ),
                _irnn_case(
                    "duas camadas (num_layers = 2): todas as camadas",
                    2,
                    5,
                    2,
                    1.0,
                    82,
                    "Percorra rnn.named_parameters(): weight_hh_l0, weight_hh_l1, ...",
                ),
            ),
            hidden_case=_irnn_hidden,
            warm_up=("torch",),
        ),
    ]
