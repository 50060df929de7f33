"""Banco de questões da lista 8 (capítulo 8): normalização, regularização e séries temporais.

Questões (as funções que o estudante escreve):

1. ``minmax_from_train(series, n_train)``: escala min-máx com o mínimo e o máximo **só do
   treino** (os ``n_train`` primeiros valores); devolve ``(escalada, lo, hi)``.
2. ``gap_windows(series, window, horizon, start, stop)``: janelas para a previsão **direta** a
   ``horizon`` passos: o alvo é ``series[t]`` e a janela termina ``horizon`` passos antes dele.
3. ``errors_in_units(last_values, pred_change, targets, scale)``: EAM e REQM nas unidades da
   série de um previsor que prevê a mudança normalizada em relação ao último valor.
4. ``layernorm_gru_cell(x, h_prev, params, eps)``: um passo de uma GRU com normalização de
   camada nas duas pré-ativações (uma variante que o capítulo não escreve: ele faz a LSTM).
5. ``fit_change_model(train_series, window)``: um previsor linear da mudança, treinado só com o
   treino; a verificação mede o EAM no **teste** e exige que ele fique abaixo de uma fração do
   EAM da previsão ingênua (``RATIO_BOUND``).

As séries reais vêm do ``statsmodels`` (``rnncourse.series``); as referências são escritas aqui.
Os casos isolam um aspecto (série com tendência, onde as estatísticas da série inteira diferem
das do treino; estado anterior zero na GRU; lote de um exemplo, em que a normalização sobre o
lote não funciona) para que a dica aponte o erro. Os erros típicos reconhecidos: estatísticas da
série inteira, janelas deslocadas de um passo, erros relatados na escala normalizada, REQM sem
a raiz, normalização sobre o eixo do lote, variância com correção de Bessel, ``eps`` fora da
raiz, alvo em nível em vez da mudança.

Fora do escopo: o motor (``core.py``) e os enunciados (no notebook da lista).
"""

from __future__ import annotations

import numbers

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

__all__ = ["RATIO_BOUND", "TITLE", "build_questions"]

TITLE = (
    "Séries temporais: escala sem vazamento, janelas, erros nas unidades, LayerNorm e um previsor"
)

#: o EAM do previsor da questão 5 no teste precisa ficar abaixo desta fração do da ingênua
RATIO_BOUND = {"co2": 0.6, "manchas": 0.9}


def _series(name: str) -> np.ndarray:
    from rnncourse.series import load_co2, load_sunspots

    return (load_co2() if name == "co2" else load_sunspots())[1]


# ---------------------------------------------------------------------- q1
def _minmax(series, lo, hi):
    return (series - lo) / (hi - lo)


def _judge_minmax(obtained, args) -> Failure | None:
    series, n_train = args
    lo, hi = series[:n_train].min(), series[:n_train].max()
    failure = check_tuple(obtained, 3, "(escalada, lo, hi)")
    if failure is not None:
        return failure
    scaled, got_lo, got_hi = obtained
    wrong = [
        (
            lambda: _minmax(series, series.min(), series.max()),
            "Você usou o mínimo e o máximo da série INTEIRA: é vazamento de dados. Calcule "
            "lo e hi só com series[:n_train] e aplique a escala à série toda.",
        ),
        (
            lambda: _minmax(series, series[: n_train + 1].min(), series[: n_train + 1].max()),
            "O treino são os n_train PRIMEIROS valores, series[:n_train]; você incluiu um a mais.",
        ),
        (
            lambda: _minmax(series[:n_train], lo, hi),
            "Devolva a série INTEIRA escalada (com as estatísticas do treino), não só o treino.",
        ),
        (
            lambda: (series - lo) / hi,
            "Min-máx é (x − lo) / (hi − lo): faltou subtrair lo no denominador.",
        ),
    ]
    failure = check_array(scaled, _minmax(series, lo, hi), name="a série escalada", dtype="float")
    if failure is not None:
        if failure.kind in ("values", "shape"):
            failure.hint = matches_any(scaled, wrong) or failure.hint
        return failure
    for got, want, name in ((got_lo, lo, "lo"), (got_hi, hi, "hi")):
        failure = check_float(got, float(want), name=name, rtol=1e-12)
        if failure is not None:
            failure.hint = (
                f"{name} é o {'mínimo' if name == 'lo' else 'máximo'} de series[:n_train]."
            )
            return failure
    return None


def _minmax_case(description: str, name: str, n: int, n_train: int, hint: str) -> Case:
    def make_args():
        if name == "rampa":
            rng = np.random.default_rng(n)
            series = np.linspace(0.0, 10.0, n) + rng.normal(0.0, 0.02, n)  # sempre subindo
        else:
            series = _series(name)[:n].copy()
        return series, n_train

    return Case(
        description,
        make_args=make_args,
        judge=_judge_minmax,
        hint=hint,
        arg_names=("series", "n_train"),
    )


def _minmax_hidden(description: str, name: str = "manchas", n: int = 309, n_train: int = 200):
    return _minmax_case(description, name, n, n_train, "")


# ---------------------------------------------------------------------- q2
def _gap(series, window, horizon, start, stop, *, shift=0, include_target=False):
    first = max(start, window + horizon - 1)
    targets = np.arange(first, stop)
    if include_target:
        X = [series[t - window + 1 : t + 1] for t in targets]
    else:
        end = horizon - 1 + shift
        X = [series[t - end - window : t - end] for t in targets]
    return np.stack(X), series[targets].copy()


def _judge_gap(obtained, args) -> Failure | None:
    series, window, horizon, start, stop = args
    X, y = _gap(series, window, horizon, start, stop)
    failure = check_tuple(obtained, 2, "(X, y)")
    if failure is not None:
        return failure
    got_X, got_y = obtained
    failure = check_array(got_y, y, name="y", dtype="float")
    if failure is not None:
        if failure.kind == "shape":
            failure.hint = (
                f"Os alvos são series[t] para t de max(start, window + horizon − 1) = "
                f"{max(start, window + horizon - 1)} até stop − 1 = {stop - 1}: {len(y)} alvos. "
                "Os primeiros t não têm passado suficiente para a janela."
            )
        return failure
    wrong = [
        (
            lambda: _gap(series, window, horizon, start, stop, include_target=True)[0],
            "A janela inclui o próprio alvo series[t]: isso é olhar o futuro. Ela deve terminar "
            "horizon passos ANTES do alvo.",
        ),
        (
            lambda: _gap(series, window, horizon, start, stop, shift=1 - horizon)[0],
            "Você ignorou o horizonte: a janela termina em t − 1, como na previsão de um passo. "
            "Para prever a horizon passos, o último valor da janela é series[t − horizon].",
        ),
        (
            lambda: _gap(series, window, horizon, start, stop, shift=1)[0],
            "A janela terminou um passo cedo demais: o último valor dela é series[t − horizon], "
            "não series[t − horizon − 1].",
        ),
        (
            lambda: _gap(series, window, horizon, start, stop, shift=-1)[0],
            "A janela terminou um passo tarde demais: o último valor dela é series[t − horizon], "
            "não series[t − horizon + 1] (com horizon = 1, a janela não pode chegar a t).",
        ),
    ]
    failure = check_array(got_X, X, name="X", dtype="float")
    if failure is not None and failure.kind == "values":
        failure.hint = matches_any(got_X, wrong) or failure.hint
    return failure


def _gap_case(description: str, window, horizon, start, stop, hint: str, n: int = 30) -> Case:
    def make_args():
        series = np.arange(n, dtype=np.float64) * 10.0 + 1.0  # valor = 10·índice + 1
        return series, window, horizon, start, stop

    return Case(
        description,
        make_args=make_args,
        judge=_judge_gap,
        hint=hint,
        arg_names=("series", "window", "horizon", "start", "stop"),
    )


def _gap_hidden(description: str, window=5, horizon=4, start=12, stop=25, n=30) -> Case:
    return _gap_case(description, window, horizon, start, stop, "", n)


# ---------------------------------------------------------------------- q3
def _errors(last, change, targets, scale):
    e = targets - (last + scale * change)
    return float(np.mean(np.abs(e))), float(np.sqrt(np.mean(e**2)))


def _judge_errors(obtained, args) -> Failure | None:
    last, change, targets, scale = args
    want_mae, want_rmse = _errors(last, change, targets, scale)
    failure = check_tuple(obtained, 2, "(eam, reqm)")
    if failure is not None:
        return failure
    got_mae, got_rmse = obtained
    norm_e = (targets - last) / scale - change
    candidates_mae = [
        (
            float(np.mean(np.abs(norm_e))),
            "Esse é o erro na escala NORMALIZADA (a da rede). Converta a previsão para as "
            "unidades da série, x̂ = último + scale · mudança, e só então compare com targets.",
        ),
        (
            float(np.mean(np.abs(targets - scale * change))),
            "Faltou somar o último valor: a rede prevê a MUDANÇA; a previsão é "
            "último + scale · mudança.",
        ),
        (
            float(np.mean(np.abs(targets - (last + change)))),
            "Faltou multiplicar a mudança prevista por scale antes de somar ao último valor.",
        ),
    ]
    failure = check_float(got_mae, want_mae, name="o EAM", rtol=1e-9)
    if failure is not None:
        if failure.kind == "values":
            failure.hint = next(
                (h for v, h in candidates_mae if np.isclose(float(got_mae), v, rtol=1e-9)), None
            )
        return failure
    failure = check_float(got_rmse, want_rmse, name="a REQM", rtol=1e-9)
    if failure is not None and failure.kind == "values":
        e = targets - (last + scale * change)
        if np.isclose(float(got_rmse), float(np.mean(e**2)), rtol=1e-9):
            failure.hint = "Faltou a raiz: REQM = sqrt(média dos quadrados dos erros)."
        elif np.isclose(float(got_rmse), float(np.sqrt(np.mean(norm_e**2))), rtol=1e-9):
            failure.hint = (
                "A REQM também deve estar nas unidades da série, não na escala normalizada."
            )
    return failure


def _errors_case(description: str, N: int, scale: float, seed: int, hint: str) -> Case:
    def make_args():
        rng = np.random.default_rng(seed)
        last = 300.0 + rng.normal(0.0, 5.0, N)
        targets = last + rng.normal(0.3, 1.0, N)
        change = rng.normal(0.0, 1.0, N)
        return last, change, targets, float(scale)

    return Case(
        description,
        make_args=make_args,
        judge=_judge_errors,
        hint=hint,
        arg_names=("last_values", "pred_change", "targets", "scale"),
    )


def _errors_hidden(description: str, N: int = 17, scale: float = 0.37, seed: int = 8) -> Case:
    return _errors_case(description, N, scale, seed, "")


# ---------------------------------------------------------------------- q4
def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def _ln(a, gain, shift, eps, *, axis=-1, ddof=0, eps_outside=False):
    mu = a.mean(axis=axis, keepdims=True)
    var = a.var(axis=axis, keepdims=True, ddof=ddof)
    denom = np.sqrt(var) + eps if eps_outside else np.sqrt(var + eps)
    return gain * (a - mu) / denom + shift


def _ln_gru(x, h, p, eps, *, joint=False, per_gate=False, no_affine=False, **ln_kw):
    H = h.shape[1]
    ai, ah = x @ p["weight_ih"].T, h @ p["weight_hh"].T
    gi_g, gi_b = (1.0, 0.0) if no_affine else (p["gain_ih"], p["shift_ih"])
    gh_g, gh_b = (1.0, 0.0) if no_affine else (p["gain_hh"], p["shift_hh"])
    if per_gate:
        gi = (
            np.concatenate(
                [_ln(ai[:, k * H : (k + 1) * H], 1.0, 0.0, eps) for k in range(3)], axis=1
            )
            * gi_g
            + gi_b
        )
        gh = (
            np.concatenate(
                [_ln(ah[:, k * H : (k + 1) * H], 1.0, 0.0, eps) for k in range(3)], axis=1
            )
            * gh_g
            + gh_b
        )
    else:
        gi = _ln(ai, gi_g, gi_b, eps, **ln_kw)
        gh = _ln(ah, gh_g, gh_b, eps, **ln_kw)
    if joint:
        s = _ln(ai + ah, gi_g, gi_b, eps)
        gi, gh = s, np.zeros_like(s)
    r = _sigmoid(gi[:, :H] + gh[:, :H])
    z = _sigmoid(gi[:, H : 2 * H] + gh[:, H : 2 * H])
    n = np.tanh(gi[:, 2 * H :] + r * gh[:, 2 * H :])
    return (1.0 - z) * n + z * h


def _ln_gru_mistakes(x, h, p, eps):
    def run(**kw):
        return lambda: _ln_gru(x, h, p, eps, **kw)

    return [
        (
            run(axis=0),
            "Você normalizou sobre o LOTE (eixo 0): isso é a normalização em lote. A "
            "normalização de camada usa a média e a variância de cada exemplo sobre as suas "
            "3H características (eixo −1, keepdims=True).",
        ),
        (
            run(ddof=1),
            "A variância da normalização de camada é a média dos quadrados dos desvios (divide "
            "por F = 3H, ddof=0), não a estimativa com correção de Bessel (ddof=1).",
        ),
        (run(eps_outside=True), "O eps fica DENTRO da raiz: (a − μ) / sqrt(σ² + eps)."),
        (
            run(joint=True),
            "As duas pré-ativações são normalizadas SEPARADAMENTE, cada uma com o seu ganho e "
            "deslocamento: LN(x W_ih^T) e LN(h W_hh^T), não LN da soma.",
        ),
        (
            run(per_gate=True),
            "Normalize cada pré-ativação sobre as 3H coordenadas juntas, não porta a porta "
            "(blocos de H).",
        ),
        (run(no_affine=True), "Faltaram o ganho e o deslocamento: γ ⊙ (a − μ)/sqrt(σ² + eps) + β."),
    ]


def _ln_gru_params(D: int, H: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "weight_ih": rng.normal(0.0, 0.6, (3 * H, D)),
        "weight_hh": rng.normal(0.0, 0.6, (3 * H, H)),
        "gain_ih": 1.0 + rng.normal(0.0, 0.3, 3 * H),
        "shift_ih": rng.normal(0.0, 0.3, 3 * H),
        "gain_hh": 1.0 + rng.normal(0.0, 0.3, 3 * H),
        "shift_hh": rng.normal(0.0, 0.3, 3 * H),
    }


def _judge_ln_gru(obtained, args) -> Failure | None:
    x, h, p, eps = args
    want = _ln_gru(x, h, p, eps)
    got = obtained[0] if isinstance(obtained, tuple) and len(obtained) == 2 else obtained
    failure = check_array(got, want, name="h", rtol=1e-7, atol=1e-10, dtype="float")
    if failure is not None and failure.kind in ("values", "nonfinite"):
        if failure.kind == "nonfinite" and not np.any(h):
            failure.hint = (
                "Com h_prev = 0, h W_hh^T é um vetor de zeros: variância 0. Com o eps dentro da "
                "raiz, (0 − 0)/sqrt(0 + eps) = 0, e a normalização dá só o deslocamento β."
            )
        else:
            failure.hint = matches_any(got, _ln_gru_mistakes(x, h, p, eps)) or failure.hint
    return failure


def _ln_gru_case(
    description: str, B: int, D: int, H: int, seed: int, hint: str, zero_h: bool = False
) -> Case:
    def make_args():
        rng = np.random.default_rng(seed + 100)
        x = rng.normal(0.0, 1.0, (B, D))
        h = np.zeros((B, H)) if zero_h else rng.normal(0.0, 0.8, (B, H))
        return x, h, _ln_gru_params(D, H, seed), 1e-5

    return Case(
        description,
        make_args=make_args,
        judge=_judge_ln_gru,
        hint=hint,
        arg_names=("x", "h_prev", "params", "eps"),
    )


def _ln_gru_hidden(description: str, B: int = 5, D: int = 2, H: int = 6, seed: int = 21) -> Case:
    return _ln_gru_case(description, B, D, H, seed, "")


# ---------------------------------------------------------------------- q5
def _split(n: int) -> tuple[int, int]:
    from rnncourse.series import time_split

    return time_split(n)


def _change_windows(series, window, start, stop):
    from rnncourse.series import make_windows

    X, Y = make_windows(series, window, start, stop)
    return X, Y[:, 0]


def _judge_change_model(name: str, window: int):
    def judge(obtained, args) -> Failure | None:
        series = _series(name)
        n_train, n_trainval = _split(len(series))
        if not isinstance(obtained, dict) or set(obtained) != {"weights", "bias"}:
            return Failure(
                "a resposta deveria ser um dicionário com as chaves 'weights' e 'bias'",
                expected="{'weights': array de forma (window,), 'bias': float}",
                obtained=describe(obtained),
                kind="type",
            )
        w = obtained["weights"]
        if not isinstance(w, np.ndarray) or w.shape != (window,) or not np.all(np.isfinite(w)):
            return Failure(
                "'weights' deveria ser um array finito de forma (window,)",
                expected=f"numpy.ndarray de forma ({window},)",
                obtained=describe(w),
                hint="Um peso por posição da janela; o viés vai à parte, em 'bias'.",
                kind="shape",
            )
        b = obtained["bias"]
        if isinstance(b, (bool, np.bool_)) or not isinstance(b, (numbers.Real, np.floating)):
            return Failure(
                "tipo errado de 'bias': esperava um número",
                expected="float",
                obtained=describe(b),
                kind="type",
            )
        X, y = _change_windows(series, window, n_trainval, len(series))
        last = X[:, -1]
        pred = last + (X - last[:, None]) @ np.asarray(w, dtype=float) + float(b)
        naive_mae = float(np.mean(np.abs(y - last)))
        ratio = float(np.mean(np.abs(y - pred))) / naive_mae
        bound = RATIO_BOUND[name]
        if ratio < bound:
            return None
        if abs(ratio - 1.0) < 0.02:
            hint = (
                "O previsor ficou igual à ingênua (mudança prevista ≈ 0). Confira o alvo: a "
                "mudança é series[t] − series[t − 1], com a janela series[t − window : t]."
            )
        elif ratio > 3:
            hint = (
                "O erro é muito maior que o da ingênua: o alvo do ajuste deve ser a MUDANÇA "
                "x_t − x_{t−1}, não o nível x_t, e as entradas, x_{t−k} − x_{t−1}."
            )
        else:
            hint = (
                "Ajuste os pesos por mínimos quadrados (np.linalg.lstsq) nas janelas do treino, "
                "com uma coluna de uns para o viés."
            )
        return Failure(
            f"o previsor não venceu a ingênua por margem suficiente no teste de {name}",
            expected=f"EAM no teste < {format_number(bound)} × EAM da ingênua",
            obtained=f"{ratio:.3f}".replace(".", ",") + " × EAM da ingênua",
            hint=hint,
        )

    return judge


def _change_case(description: str, name: str, window: int, hint: str) -> Case:
    def make_args():
        series = _series(name)
        n_train, _ = _split(len(series))
        return series[:n_train].copy(), window

    return Case(
        description,
        make_args=make_args,
        judge=_judge_change_model(name, window),
        hint=hint,
        arg_names=("train_series", "window"),
        time_limit=10.0,
    )


def _change_hidden(description: str, name: str = "manchas", window: int = 12) -> Case:
    return _change_case(description, name, window, "")


# ---------------------------------------------------------------------- questões
def build_questions() -> list[Question]:
    """As cinco questões da lista 8, com os casos públicos."""
    return [
        Question(
            "q1",
            "Escala min-máx sem vazamento",
            "minmax_from_train",
            "minmax_from_train(series, n_train)",
            2.0,
            (
                _minmax_case(
                    "série com tendência (o fim passa do máximo do treino)",
                    "rampa",
                    40,
                    28,
                    "lo e hi vêm de series[:n_train]; o teste pode passar de 1.",
                ),
                _minmax_case(
                    "CO2 mensal, 526 meses, n_train = 368",
                    "co2",
                    526,
                    368,
                    "lo e hi vêm de series[:n_train].",
                ),
            ),
            hidden_case=_minmax_hidden,
        ),
        Question(
            "q2",
            "Janelas para a previsão direta a h passos",
            "gap_windows",
            "gap_windows(series, window, horizon, start, stop)",
            2.0,
            (
                _gap_case(
                    "horizon = 1 (a previsão de um passo)",
                    4,
                    1,
                    0,
                    12,
                    "Com horizon = 1, X[k] = series[t − window : t] e y[k] = series[t].",
                ),
                _gap_case(
                    "horizon = 3, start = 10, stop = 20",
                    4,
                    3,
                    10,
                    20,
                    "X[k] = series[t − horizon − window + 1 : t − horizon + 1].",
                ),
                _gap_case(
                    "start = 0: os primeiros alvos não têm passado suficiente",
                    3,
                    2,
                    0,
                    9,
                    "O primeiro alvo é t = window + horizon − 1.",
                ),
            ),
            hidden_case=_gap_hidden,
        ),
        Question(
            "q3",
            "Erros nas unidades da série",
            "errors_in_units",
            "errors_in_units(last_values, pred_change, targets, scale)",
            2.0,
            (
                _errors_case(
                    "10 previsões, scale = 2,5",
                    10,
                    2.5,
                    3,
                    "x̂ = último + scale · mudança; EAM = média |x − x̂|; "
                    "REQM = sqrt(média (x − x̂)²).",
                ),
                _errors_case(
                    "uma previsão só, scale = 0,8",
                    1,
                    0.8,
                    4,
                    "Com uma previsão, EAM = REQM = |x − x̂|.",
                ),
            ),
            hidden_case=_errors_hidden,
        ),
        Question(
            "q4",
            "Um passo de uma GRU com normalização de camada (numpy)",
            "layernorm_gru_cell",
            "layernorm_gru_cell(x, h_prev, params, eps)",
            2.0,
            (
                _ln_gru_case(
                    "h_prev = 0 (a parte recorrente normalizada é só o deslocamento)",
                    3,
                    4,
                    2,
                    11,
                    "Com h_prev = 0, LN(h W_hh^T) = shift_hh.",
                    zero_h=True,
                ),
                _ln_gru_case(
                    "lote de um exemplo (B = 1, D = 3, H = 4)",
                    1,
                    3,
                    4,
                    12,
                    "A normalização é sobre as características de cada exemplo: funciona "
                    "com B = 1.",
                ),
                _ln_gru_case(
                    "caso geral (B = 4, D = 3, H = 5)",
                    4,
                    3,
                    5,
                    13,
                    "r, z, n na ordem (r, z, n); r multiplica a parte recorrente normalizada.",
                ),
            ),
            hidden_case=_ln_gru_hidden,
        ),
        Question(
            "q5",
            "Um previsor linear da mudança que vence a ingênua",
            "fit_change_model",
            "fit_change_model(train_series, window)",
            2.0,
            (
                _change_case(
                    "CO2 mensal, janela de 13 meses: EAM no teste < 0,6 × o da ingênua",
                    "co2",
                    13,
                    "Entradas x_{t−k} − x_{t−1}, alvo x_t − x_{t−1}, mínimos quadrados no treino.",
                ),
            ),
            hidden_case=_change_hidden,
        ),
    ]
