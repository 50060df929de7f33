"""Banco de questões da lista 9 (capítulo 9): recorrências lineares, varreduras e atenção causal.

Questões (as funções que o estudante escreve, todas em numpy):

1. ``reverse_affine_scan(a, b, g_end)``: a recorrência afim **de trás para a frente**,
   ``g_t = a_t ⊙ g_{t+1} + b_t`` (a forma da retropropagação de uma recorrência linear), por uma
   varredura inclusiva; o capítulo faz só o sentido direto, em PyTorch.
2. ``log_space_recurrence(log_a, b, h0)``: ``h_t = a_t ⊙ h_{t-1} + b_t`` com ``a_t = exp(log_a)``
   e ``b_t``, ``h0`` de qualquer sinal (zeros inclusive), devolvendo ``(log|h|, sinal(h))``; os
   casos longos passam do maior ``float64``, o que só a forma em escala logarítmica aguenta.
3. ``sliding_window_mask(T, window)``: a máscara booleana (convenção do PyTorch: ``True`` =
   proibido) da atenção causal com janela deslizante.
4. ``mingru_stream(X_chunk, h_prev, params)``: a minGRU **sem** a ativação ``g`` (a versão
   sequencial de Feng et al., 2024), aplicada a um bloco de um fluxo contínuo a partir do estado
   que o bloco anterior deixou.

Os erros típicos reconhecidos: varredura no sentido errado, exclusiva em vez de inclusiva,
estado final/inicial esquecido, composição dos pares na ordem errada; sinais ignorados, soma
cumulativa deslocada, sinal trocado no expoente, laço que estoura; máscara com a janela um
passo maior ou menor, simétrica, transposta ou com a convenção invertida; ``z`` e ``1 − z``
trocados, estado anterior ignorado, ``tanh`` no candidato, metades da camada trocadas.

Fora do escopo: o motor (``core.py``) e os enunciados (no notebook da lista).
"""

from __future__ import annotations

import numpy as np

from rnncourse.grading.compare import Failure, check_array, check_tuple, matches_any
from rnncourse.grading.core import Case, Question

__all__ = ["TITLE", "build_questions"]

TITLE = "Recorrências lineares, varreduras, a forma em log, atenção causal e fluxo contínuo"


# ---------------------------------------------------------------------- q1
def _reverse_loop(a, b, g_end):
    g, out = g_end, np.empty_like(b)
    for t in range(len(b) - 1, -1, -1):
        g = a[t] * g + b[t]
        out[t] = g
    return out


def _forward_loop(a, b, g0):
    g, out = g0, np.empty_like(b)
    for t in range(len(b)):
        g = a[t] * g + b[t]
        out[t] = g
    return out


def _reverse_hs_wrong_order(a, b, g_end):
    # Hillis e Steele de trás para a frente, combinando os pares na ordem errada
    A, B = a.copy(), b.copy()
    T, s = len(b), 1
    while s < T:
        A_new, B_new = A.copy(), B.copy()
        A_new[:-s] = A[:-s] * A[s:]
        B_new[:-s] = B[s:] + A[s:] * B[:-s]  # certo seria B[:-s] + A[:-s] * B[s:]
        A, B, s = A_new, B_new, 2 * s
    return A * g_end + B


def _judge_reverse(obtained, args) -> Failure | None:
    a, b, g_end = args
    want = _reverse_loop(a, b, g_end)
    failure = check_array(obtained, want, name="G", rtol=1e-9, atol=1e-12, dtype="float")
    if failure is None or failure.kind not in ("values", "shape"):
        return failure
    exclusive = np.concatenate([want[1:], g_end[None]], axis=0)
    wrong = [
        (
            lambda: _forward_loop(a, b, g_end),
            "Você percorreu a sequência de frente para trás (t = 0, 1, …). Aqui o estado vem do "
            "FUTURO: g_t = a_t ⊙ g_{t+1} + b_t, começando por g_T = g_end e descendo até t = 0.",
        ),
        (
            lambda: exclusive,
            "A sua varredura é EXCLUSIVA: na posição t você pôs g_{t+1}, o valor antes de somar "
            "b_t. Pede-se a inclusiva: G[t] = a[t] ⊙ G[t+1] + b[t], já com o termo do passo t.",
        ),
        (
            lambda: _reverse_loop(a, b, np.zeros_like(g_end)),
            "Faltou o estado final g_end: no fim da varredura, g_t = A_t ⊙ g_end + B_t, em que "
            "A_t é o produto de a_t … a_{T−1}.",
        ),
        (
            lambda: _reverse_hs_wrong_order(a, b, g_end),
            "A composição dos pares está na ordem errada. Com o par da posição t resumindo os "
            "passos t … t + s − 1 e o da posição t + s os seguintes, o novo par é "
            "(A_t A_{t+s}, B_t + A_t ⊙ B_{t+s}): o a de t multiplica o que vem depois.",
        ),
    ]
    failure.hint = matches_any(obtained, wrong) or failure.hint
    return failure


def _reverse_case(description: str, T: int, N: int, seed: int, hint: str) -> Case:
    def make_args():
        rng = np.random.default_rng(seed)
        a = rng.uniform(0.3, 1.1, (T, N))
        b = rng.normal(0.0, 1.0, (T, N))
        g_end = rng.normal(0.0, 1.0, N)
        return a, b, g_end

    return Case(
        description,
        make_args=make_args,
        judge=_judge_reverse,
        hint=hint,
        arg_names=("a", "b", "g_end"),
    )


def _reverse_hidden(description: str, T: int = 37, N: int = 3, seed: int = 19) -> Case:
    return _reverse_case(description, T, N, seed, "")


# ---------------------------------------------------------------------- q2
def _signed_log_sum(log_abs, sign):
    # log|Σ_k≤t s_k e^{l_k}| e o sinal, somando positivos e negativos em separado
    with np.errstate(divide="ignore", invalid="ignore"):
        lp = np.logaddexp.accumulate(np.where(sign > 0, log_abs, -np.inf), axis=0)
        ln = np.logaddexp.accumulate(np.where(sign < 0, log_abs, -np.inf), axis=0)
        hi, lo = np.maximum(lp, ln), np.minimum(lp, ln)
        log_abs_sum = hi + np.log1p(-np.exp(lo - hi))
        sign = np.sign(lp - ln)
    return log_abs_sum, sign


def _log_recurrence(log_a, b, h0, *, shift=False, flip=False, ignore_sign=False, no_h0=False):
    a_star = np.cumsum(log_a, axis=0)  # (T, N)
    if shift:  # a*_{t-1} no lugar de a*_t
        a_star = np.concatenate([np.zeros_like(a_star[:1]), a_star[:-1]], axis=0)
    expo = a_star if flip else -a_star
    with np.errstate(divide="ignore"):
        terms = np.concatenate([np.log(np.abs(h0))[None], np.log(np.abs(b)) + expo], axis=0)
    signs = np.concatenate([np.sign(h0)[None], np.sign(b)], axis=0)
    if ignore_sign:
        signs = np.abs(signs)
    if no_h0:
        signs[0] = 0.0
    log_abs_sum, sign = _signed_log_sum(terms, signs)
    return a_star + log_abs_sum[1:], sign[1:]


def _log_mistakes(log_a, b, h0):
    def run(**kw):
        return lambda: _log_recurrence(log_a, b, h0, **kw)[0]

    return [
        (
            run(ignore_sign=True),
            "Você somou os módulos: os b_t (e h0) negativos entraram como positivos. Separe os "
            "termos pelo sinal: log da soma dos positivos e log da soma dos negativos (cada um "
            "com np.logaddexp.accumulate) e combine: |P − N| e o sinal de P − N.",
        ),
        (
            run(shift=True),
            "A soma cumulativa de log a está deslocada de um passo: h_t usa a*_t = log a_1 + … "
            "+ log a_t, o passo t incluído (np.cumsum, sem deslocar).",
        ),
        (
            run(flip=True),
            "Sinal trocado no expoente: h_t = exp(a*_t) · (h0 + Σ_{k≤t} b_k · exp(−a*_k)); em "
            "log, os termos são log|b_k| − a*_k, não log|b_k| + a*_k.",
        ),
        (
            run(no_h0=True),
            "Faltou o estado inicial: o primeiro termo da soma é h0 (com expoente 0), antes dos "
            "b_k · exp(−a*_k).",
        ),
    ]


def _judge_log(obtained, args) -> Failure | None:
    log_a, b, h0 = args
    want_log, want_sign = _log_recurrence(log_a, b, h0)
    failure = check_tuple(obtained, 2, "(log_abs_h, sinal)")
    if failure is not None:
        return failure
    got_log, got_sign = obtained
    failure = check_array(got_log, want_log, name="log|h|", rtol=1e-8, atol=1e-8, dtype="float")
    if failure is not None:
        if failure.kind == "nonfinite":
            failure.hint = (
                "Os valores de h passam do maior float64 (cerca de 1,8e308) ou ficam abaixo do "
                "menor: um laço h = a·h + b, ou np.cumprod(a), estoura. Trabalhe o tempo todo em "
                "log: a*_t = np.cumsum(log_a) e np.logaddexp.accumulate para as somas."
            )
        elif failure.kind == "values":
            failure.hint = matches_any(got_log, _log_mistakes(log_a, b, h0)) or failure.hint
        return failure
    failure = check_array(got_sign, want_sign, name="o sinal", dtype="any", atol=0.5)
    if failure is not None and failure.kind == "values":
        failure.hint = (
            "O sinal de h_t é o de P − N (a soma dos termos positivos menos a dos negativos); "
            "confira também os b_t e h0 negativos."
        )
    return failure


def _log_case(
    description: str, T: int, N: int, seed: int, hint: str, drift: float = 0.0, zeros: bool = False
) -> Case:
    def make_args():
        rng = np.random.default_rng(seed)
        log_a = rng.uniform(-0.7, 0.0, (T, N)) + drift
        b = rng.normal(0.0, 1.0, (T, N))
        if zeros:
            b[::3] = 0.0  # um terço dos b_t é exatamente zero
        h0 = rng.choice([-1.0, 1.0], N) * rng.uniform(0.5, 2.0, N)
        return log_a, b, h0

    return Case(
        description,
        make_args=make_args,
        judge=_judge_log,
        hint=hint,
        arg_names=("log_a", "b", "h0"),
    )


def _log_hidden(
    description: str, T: int = 500, N: int = 2, seed: int = 23, drift: float = 3.0
) -> Case:
    return _log_case(description, T, N, seed, "", drift)


# ---------------------------------------------------------------------- q3
def _window_mask(T, window, *, extra=0, symmetric=False, transpose=False, invert=False):
    i = np.arange(T)[:, None]
    j = np.arange(T)[None, :]
    d = j - i if transpose else i - j
    allowed = (np.abs(d) if symmetric else d) < window + extra
    if not symmetric:
        allowed &= d >= 0
    return allowed if invert else ~allowed


def _judge_mask(obtained, args) -> Failure | None:
    T, window = args
    want = _window_mask(T, window)
    failure = check_array(
        obtained,
        want,
        name="a máscara",
        dtype="exact",
        dtype_hint="A máscara é booleana: dtype bool (True = proibido).",
    )
    if failure is None or failure.kind != "values":
        return failure
    wrong = [
        (
            lambda: _window_mask(T, window, invert=True),
            "A convenção está invertida: na máscara booleana do PyTorch, True quer dizer "
            "PROIBIDO (a posição não pode ser vista). Troque True por False.",
        ),
        (
            lambda: _window_mask(T, window, extra=1),
            "A janela ficou um passo maior: a posição i vê window posições, i − window + 1 … i "
            "(ela mesma inclusive), não i − window … i.",
        ),
        (
            lambda: _window_mask(T, window, extra=-1),
            "A janela ficou um passo menor: a posição i vê window posições, i − window + 1 … i, "
            "ela mesma inclusive.",
        ),
        (
            lambda: _window_mask(T, window, symmetric=True),
            "A máscara deixa ver o futuro: a atenção causal só olha para j ≤ i (a linha i é a "
            "consulta, a coluna j a chave).",
        ),
        (
            lambda: _window_mask(T, window, transpose=True),
            "A máscara está transposta: a linha i é a consulta e a coluna j a chave; a posição i "
            "vê as colunas j com i − window < j ≤ i.",
        ),
    ]
    failure.hint = matches_any(obtained, wrong) or failure.hint
    return failure


def _mask_case(description: str, T: int, window: int, hint: str) -> Case:
    return Case(
        description,
        make_args=lambda: (T, window),
        judge=_judge_mask,
        hint=hint,
        arg_names=("T", "window"),
    )


def _mask_hidden(description: str, T: int = 11, window: int = 4) -> Case:
    return _mask_case(description, T, window, "")


# ---------------------------------------------------------------------- q4
def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def _mingru(X, h, p, *, swap_z=False, zero_h=False, tanh=False, swap_halves=False):
    H = h.shape[0]
    pre = X @ p["weight"].T + p["bias"]  # (T_c, 2H)
    k, v = (pre[:, H:], pre[:, :H]) if swap_halves else (pre[:, :H], pre[:, H:])
    z, cand = _sigmoid(k), np.tanh(v) if tanh else v
    h = np.zeros_like(h) if zero_h else h
    out = np.empty((X.shape[0], H))
    for t in range(X.shape[0]):
        h = z[t] * h + (1 - z[t]) * cand[t] if swap_z else (1 - z[t]) * h + z[t] * cand[t]
        out[t] = h
    return out, h


def _judge_mingru(obtained, args) -> Failure | None:
    X, h, p = args
    want_H, want_h = _mingru(X, h, p)
    failure = check_tuple(obtained, 2, "(H_chunk, h_last)")
    if failure is not None:
        return failure
    got_H, got_h = obtained
    failure = check_array(got_H, want_H, name="H_chunk", rtol=1e-9, atol=1e-12, dtype="float")
    if failure is not None:
        if failure.kind == "values":

            def run(**kw):
                return lambda: _mingru(X, h, p, **kw)[0]

            failure.hint = (
                matches_any(
                    got_H,
                    [
                        (
                            run(swap_z=True),
                            "z e 1 − z estão trocados: h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t "
                            "(z perto de 1 troca o estado pelo candidato).",
                        ),
                        (
                            run(zero_h=True),
                            "Você ignorou h_prev e começou do zero: num fluxo contínuo, o bloco "
                            "continua do estado que o bloco anterior deixou.",
                        ),
                        (
                            run(tanh=True),
                            "Nesta minGRU o candidato é linear, h̃_t = W_h x_t + b_h, sem tanh.",
                        ),
                        (
                            run(swap_halves=True),
                            "As metades da camada estão trocadas: as H primeiras linhas de "
                            "weight (e de bias) dão a pré-ativação de z; as H últimas, h̃.",
                        ),
                    ],
                )
                or failure.hint
            )
        return failure
    failure = check_array(got_h, want_h, name="h_last", rtol=1e-9, atol=1e-12, dtype="float")
    if failure is not None and failure.kind in ("values", "shape"):
        failure.hint = "h_last é o estado depois do último passo do bloco: H_chunk[-1]."
    return failure


def _mingru_case(description: str, T_c: int, D: int, H: int, seed: int, hint: str) -> Case:
    def make_args():
        rng = np.random.default_rng(seed)
        X = rng.normal(0.0, 1.0, (T_c, D))
        h_prev = rng.normal(0.0, 1.0, H)
        params = {"weight": rng.normal(0.0, 0.7, (2 * H, D)), "bias": rng.normal(0.0, 0.5, 2 * H)}
        return X, h_prev, params

    return Case(
        description,
        make_args=make_args,
        judge=_judge_mingru,
        hint=hint,
        arg_names=("X_chunk", "h_prev", "params"),
    )


def _mingru_hidden(description: str, T_c: int = 9, D: int = 2, H: int = 5, seed: int = 29) -> Case:
    return _mingru_case(description, T_c, D, H, seed, "")


# ---------------------------------------------------------------------- questões
def build_questions() -> list[Question]:
    """As quatro questões da lista 9, com os casos públicos."""
    return [
        Question(
            "q1",
            "A varredura afim de trás para a frente",
            "reverse_affine_scan",
            "reverse_affine_scan(a, b, g_end)",
            3.0,
            (
                _reverse_case(
                    "T = 1 (um passo só)",
                    1,
                    2,
                    1,
                    "Com T = 1, G[0] = a[0] ⊙ g_end + b[0].",
                ),
                _reverse_case(
                    "T = 8, N = 3 (uma potência de 2)",
                    8,
                    3,
                    2,
                    "G[T−1] = a[T−1] ⊙ g_end + b[T−1] e G[t] = a[t] ⊙ G[t+1] + b[t].",
                ),
                _reverse_case(
                    "T = 13, N = 4 (não é potência de 2)",
                    13,
                    4,
                    3,
                    "Nas últimas etapas, as posições sem parceiro (t + s ≥ T) ficam como estão.",
                ),
            ),
            hidden_case=_reverse_hidden,
        ),
        Question(
            "q2",
            "A recorrência em escala logarítmica, com sinais",
            "log_space_recurrence",
            "log_space_recurrence(log_a, b, h0)",
            3.0,
            (
                _log_case(
                    "T = 6, N = 2, sinais misturados",
                    6,
                    2,
                    5,
                    "log|h_t| = a*_t + log|h0 + Σ_{k≤t} b_k e^{−a*_k}|, "
                    "com a*_t = Σ_{k≤t} log a_k.",
                ),
                _log_case(
                    "um terço dos b_t é zero (log 0 = −∞)",
                    12,
                    3,
                    6,
                    "log|0| = −∞ é válido em np.logaddexp (o termo não pesa); use "
                    "np.errstate(divide='ignore') para o aviso.",
                    zeros=True,
                ),
                _log_case(
                    "T = 400 com a_t ≈ e³: h passa de 1e308",
                    400,
                    2,
                    7,
                    "Nada de exp antes do fim: devolva log|h| direto da soma em log.",
                    drift=3.0,
                ),
            ),
            hidden_case=_log_hidden,
        ),
        Question(
            "q3",
            "A máscara da atenção causal com janela deslizante",
            "sliding_window_mask",
            "sliding_window_mask(T, window)",
            2.0,
            (
                _mask_case(
                    "T = 6, window = 3",
                    6,
                    3,
                    "A linha i (consulta) pode ver as colunas j com i − window < j ≤ i.",
                ),
                _mask_case(
                    "window = 1 (cada posição só vê a si mesma)",
                    5,
                    1,
                    "Com window = 1, só a diagonal fica liberada (False).",
                ),
                _mask_case(
                    "window ≥ T (a máscara causal comum)",
                    4,
                    7,
                    "Com window ≥ T, a máscara é a causal: True acima da diagonal.",
                ),
            ),
            hidden_case=_mask_hidden,
        ),
        Question(
            "q4",
            "A minGRU num fluxo contínuo, bloco a bloco",
            "mingru_stream",
            "mingru_stream(X_chunk, h_prev, params)",
            2.0,
            (
                _mingru_case(
                    "bloco de um passo (T_c = 1, D = 3, H = 4)",
                    1,
                    3,
                    4,
                    11,
                    "h_1 = (1 − z_1) ⊙ h_prev + z_1 ⊙ h̃_1.",
                ),
                _mingru_case(
                    "bloco de 7 passos (D = 2, H = 3)",
                    7,
                    2,
                    3,
                    12,
                    "As pré-ativações de todos os passos saem de um só produto: X_chunk @ W^T + b.",
                ),
            ),
            hidden_case=_mingru_hidden,
        ),
    ]
