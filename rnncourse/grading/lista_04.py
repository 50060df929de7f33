"""Banco de questões da lista 4 (capítulo 4): gradientes que desaparecem e explodem.

Questões (as funções que o estudante escreve):

1. ``clip_by_norm(grads, max_norm)``: corte pela norma **global** de um ``dict`` de
   gradientes; devolve ``(cortados, norma_antes)``. Referência:
   ``torch.nn.utils.clip_grad_norm_``.
2. ``clip_by_value(grads, clip_value)``: corte de cada elemento em ``[−c, c]``.
   Referência: ``torch.nn.utils.clip_grad_value_``.
3. ``jacobian_product(states, params, k)``: a matriz ``∂h_T/∂h_k = J_T ··· J_{k+1}``, com
   ``J_j = diag(1 − h_j²) W_hh``, a partir dos estados de uma sequência.
4. ``orthogonal_init(n, rng)``: matriz ortogonal sorteada com o gerador recebido (QR de uma
   matriz gaussiana com a correção de sinais). A verificação confere propriedades
   (ortogonalidade, uso do gerador, ausência de viés de sinal numa matriz grande), não a
   igualdade com uma implementação.
5. ``irnn_init_(rnn, gain)``: a inicialização da IRNN num ``nn.RNN`` do PyTorch, no lugar:
   ``W_hh = gain · I`` e vieses zero em todas as camadas; a verificação mede também o efeito
   (com entrada zero, a rede guarda o estado).

As referências são calculadas aqui, com numpy e, nas questões 1, 2 e 5, com o PyTorch,
importado só dentro das funções que o usam.

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


def _torch_clip(grads: Mapping[str, np.ndarray], how: str, value: float):
    """Corta cópias dos gradientes com a função do PyTorch; devolve ``(dict, norma)``."""
    import torch

    params = []
    for g in grads.values():
        p = torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64))
        p.grad = torch.from_numpy(np.array(g, dtype=np.float64))
        params.append(p)
    norm = math.nan
    if how == "norm":
        norm = float(torch.nn.utils.clip_grad_norm_(params, max_norm=value))
    else:
        torch.nn.utils.clip_grad_value_(params, clip_value=value)
    clipped = {k: p.grad.numpy().copy() for k, p in zip(grads, params, strict=True)}
    return clipped, norm


def _check_grads_like(obtained: object, grads: Mapping[str, np.ndarray]) -> Failure | None:
    if obtained is None or not isinstance(obtained, Mapping):
        return Failure(
            "os gradientes cortados deveriam vir num dicionário",
            expected=f"dict com as chaves {list(grads)}",
            obtained=describe(obtained),
            hint="Devolva um dict novo com as mesmas chaves de grads: {nome: array cortado}.",
            kind="type",
        )
    if set(obtained) != set(grads):
        return Failure(
            "as chaves do dicionário devolvido diferem das de grads",
            expected=f"as chaves {sorted(grads)}",
            obtained=f"as chaves {sorted(map(str, obtained))}",
            hint="Corte todos os gradientes e mantenha os nomes: {nome: ... for nome in grads}.",
            kind="keys",
        )
    return None


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


def _global_norm(grads: Mapping[str, np.ndarray]) -> float:
    return float(np.sqrt(sum(float(np.sum(g**2)) for g in grads.values())))


# ---------------------------------------------------------------------- q1
def _per_tensor(grads, max_norm):
    return {
        k: g * min(1.0, max_norm / (float(np.linalg.norm(g)) + 1e-12)) for k, g in grads.items()
    }


def _judge_clip_norm(obtained, args) -> Failure | None:
    grads, max_norm = args
    expected, norm = _torch_clip(grads, "norm", max_norm)
    failure = check_tuple(obtained, 2, "(grads_cortados, norma)")
    if failure is not None:
        return failure
    clipped, got_norm = obtained
    failure = _check_grads_like(clipped, grads)
    if failure is not None:
        return failure
    failure = check_float(got_norm, norm, name="a norma global", rtol=1e-9, atol=1e-12)
    if failure is not None:
        if failure.kind == "values":
            after = _global_norm({k: np.asarray(v, dtype=float) for k, v in clipped.items()})
            failure.hint = _float_hint(
                got_norm,
                [
                    (
                        sum(float(np.linalg.norm(g)) for g in grads.values()),
                        "A norma global é sqrt(Σ_p ‖g_p‖²), a norma de todos os gradientes "
                        "concatenados num vetor só, não a soma das normas Σ_p ‖g_p‖.",
                    ),
                    (
                        after if norm > max_norm else math.nan,
                        "Devolva a norma ANTES do corte (como clip_grad_norm_ do PyTorch); "
                        "depois do corte ela vale max_norm.",
                    ),
                    (
                        norm**2,
                        "Faltou a raiz quadrada: a norma é sqrt(Σ g²).",
                    ),
                ],
            )
        return failure
    for key in grads:
        failure = check_array(
            clipped[key],
            expected[key],
            name=f"o gradiente cortado '{key}'",
            rtol=1e-6,
            atol=1e-12,
            dtype_hint="Os gradientes são float64 e os cortados também devem ser.",
        )
        if failure is None:
            continue
        if failure.kind == "nonfinite":
            failure.hint = (
                "Com a norma 0 (ou abaixo do limite) não há o que cortar: calcule "
                "max_norm / n só quando n > max_norm, ou use min(1, max_norm / (n + 1e-6)), "
                "como o PyTorch."
            )
        elif failure.kind == "values":
            coef = max_norm / norm if norm > 0 else 1.0
            failure.hint = matches_any(
                clipped[key],
                [
                    (
                        lambda key=key: _per_tensor(grads, max_norm)[key],
                        "Você cortou cada tensor separadamente, pela sua própria norma: o "
                        "corte usa a norma GLOBAL de todos os gradientes juntos, e o mesmo "
                        "fator multiplica todos eles (a direção do passo se mantém).",
                    ),
                    (
                        lambda key=key, coef=coef: grads[key] * coef,
                        "Você multiplicou por max_norm / norma mesmo com a norma abaixo do "
                        "limite, aumentando gradientes pequenos: o fator é min(1, max_norm / "
                        "norma).",
                    ),
                    (
                        lambda key=key: np.clip(grads[key], -max_norm, max_norm),
                        "Isso é o corte por VALOR (questão 2): aqui o corte é pela norma global.",
                    ),
                    (
                        lambda key=key: (
                            grads[key]
                            * min(
                                1.0,
                                max_norm / sum(float(np.linalg.norm(g)) for g in grads.values()),
                            )
                        ),
                        "A norma global é sqrt(Σ_p ‖g_p‖²), não a soma das normas Σ_p ‖g_p‖.",
                    ),
                ],
            )
        return failure
    return None


def _clip_norm_case(
    description: str, scales: Mapping[str, float], max_norm: float, seed: int, hint: str
) -> Case:
    return Case(
        description,
        make_args=lambda: (_grads(scales, seed), float(max_norm)),
        judge=_judge_clip_norm,
        hint=hint,
        arg_names=("grads", "max_norm"),
    )


def _clip_norm_hidden(
    description: str, scale: float = 3.0, max_norm: float = 2.0, seed: int = 17
) -> Case:
    scales = {"weight_ih": scale, "weight_hh": 2 * scale, "bias_ih": 0.1, "bias_hh": scale}
    return _clip_norm_case(description, scales, max_norm, seed, "")


# ---------------------------------------------------------------------- q2
def _judge_clip_value(obtained, args) -> Failure | None:
    grads, clip_value = args
    expected, _ = _torch_clip(grads, "value", clip_value)
    failure = _check_grads_like(obtained, grads)
    if failure is not None:
        if isinstance(obtained, tuple):
            failure.hint = "Aqui a função devolve só o dict cortado (sem a norma)."
        return failure
    c = clip_value
    for key in grads:
        failure = check_array(
            obtained[key],
            expected[key],
            name=f"o gradiente cortado '{key}'",
            rtol=1e-12,
            atol=0.0,
            dtype_hint="Os gradientes são float64 e os cortados também devem ser.",
        )
        if failure is None:
            continue
        if failure.kind == "values":
            g = grads[key]
            failure.hint = matches_any(
                obtained[key],
                [
                    (
                        lambda g=g: np.minimum(g, c),
                        "Faltou o limite de baixo: corte nos dois lados, em [−c, c] "
                        "(np.clip(g, -c, c)).",
                    ),
                    (
                        lambda g=g: np.maximum(g, -c),
                        "Faltou o limite de cima: corte nos dois lados, em [−c, c].",
                    ),
                    (
                        lambda g=g: np.clip(g, 0.0, c),
                        "O intervalo é [−c, c]: os valores negativos entre −c e 0 ficam como "
                        "estão.",
                    ),
                    (
                        lambda g=g: g * min(1.0, c / float(np.abs(g).max())),
                        "Você encolheu o tensor inteiro pelo mesmo fator: o corte por valor "
                        "corta cada elemento separadamente e deixa os pequenos como estão.",
                    ),
                    (
                        lambda g=g: g * min(1.0, c / float(np.linalg.norm(g))),
                        "Isso é o corte pela norma; o corte por valor corta cada elemento "
                        "no intervalo [−c, c].",
                    ),
                ],
                rtol=1e-12,
                atol=0.0,
            )
        return failure
    return None


def _clip_value_case(
    description: str, scales: Mapping[str, float], clip_value: float, seed: int, hint: str
) -> Case:
    return Case(
        description,
        make_args=lambda: (_grads(scales, seed), float(clip_value)),
        judge=_judge_clip_value,
        hint=hint,
        arg_names=("grads", "clip_value"),
    )


def _clip_value_hidden(
    description: str, scale: float = 2.0, clip_value: float = 0.7, seed: int = 19
) -> Case:
    return _clip_value_case(description, {k: scale for k in _NAMES}, clip_value, seed, "")


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


def _judge_orthogonal(checks: tuple[str, ...]):
    def judge(obtained, pristine, used) -> Failure | None:
        n, rng_before = pristine
        rng_after = used[1]
        failure = check_array(
            obtained,
            np.eye(n),
            name="Q",
            dtype_hint="Q deve ser float64 (rng.standard_normal já devolve float64).",
        )
        if failure is not None and failure.kind != "values":
            if failure.kind == "shape":
                failure.hint = f"Q é quadrada, (n, n) = ({n}, {n})."
            return failure
        Q = np.asarray(obtained)
        gram = Q.T @ Q
        if not np.allclose(gram, np.eye(n), rtol=0.0, atol=1e-9):
            worst = float(np.abs(gram - np.eye(n)).max())
            hint = (
                "Uma matriz ortogonal tem QᵀQ = I (colunas de norma 1, perpendiculares entre "
                "si). Use o Q da decomposição QR: Q, R = np.linalg.qr(A)."
            )
            if n > 1 and np.allclose(np.triu(Q), Q):
                hint = "Você devolveu R (triangular superior); a matriz ortogonal é o Q."
            return Failure(
                "Q não é ortogonal: QᵀQ difere da identidade",
                expected="QᵀQ = I (a menos de 10⁻⁹)",
                obtained=f"maior |QᵀQ − I| = {format_number(worst)}",
                hint=hint,
            )
        if "rng" in checks and _rng_state(rng_after) == _rng_state(rng_before):
            return Failure(
                "o gerador rng recebido não foi usado",
                expected="o estado de rng avança (a matriz gaussiana é sorteada com ele)",
                obtained="o estado de rng ficou igual",
                hint="Sorteie com o rng do argumento, rng.standard_normal((n, n)): nada de "
                "np.random.randn nem np.random.default_rng(semente fixa) dentro da função. "
                "Assim quem chama controla a semente.",
            )
        if "haar" in checks:
            trace, col = float(np.trace(Q)), float(Q[:, 0].sum())
            if abs(trace) > _HAAR_Z:
                return Failure(
                    "a distribuição de Q tem viés de sinal na diagonal",
                    expected=f"traço de Q perto de 0 (|traço| ≤ {_HAAR_TEXT}: numa "
                    "matriz ortogonal uniforme ele tem média 0 e desvio-padrão 1)",
                    obtained=f"traço {format_number(trace)}",
                    hint="Faltou a correção de sinais: np.linalg.qr não fixa o sinal das "
                    "colunas de Q de modo uniforme. Multiplique a coluna j de Q pelo sinal de "
                    "R[j, j]: Q * np.sign(np.diag(R)).",
                )
            if abs(col) > _HAAR_Z:
                return Failure(
                    "a distribuição de Q não é uniforme: a primeira coluna tem viés",
                    expected=f"soma da 1ª coluna perto de 0 (|soma| ≤ {_HAAR_TEXT}: "
                    "numa matriz ortogonal uniforme ela tem média 0 e desvio-padrão 1)",
                    obtained=f"soma {format_number(col)}",
                    hint="Sorteie A com entradas gaussianas (rng.standard_normal), não "
                    "uniformes em [0, 1): a direção de cada coluna só é uniforme se A é "
                    "gaussiana.",
                )
        return None

    return judge


def _orthogonal_case(description: str, n: int, seed: int, checks=(), hint: str = "") -> Case:
    return Case(
        description,
        make_args=lambda: (n, np.random.default_rng(seed)),
        judge=_judge_orthogonal(tuple(checks)),
        hint=hint,
        arg_names=("n", "rng"),
        mutable_args=(1,),  # sortear avança o gerador: é esperado
        judge_sees_used_args=True,
    )


def _orthogonal_hidden(description: str, n: int = 300, seed: int = 31) -> Case:
    return _orthogonal_case(description, n, seed, ("rng", "haar"))


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
    big = {"weight_ih": 2.0, "weight_hh": 4.0, "bias_ih": 1.0, "bias_hh": 2.0}
    return [
        Question(
            "q1",
            "Corte do gradiente pela norma global",
            "clip_by_norm",
            "clip_by_norm(grads, max_norm)",
            2.0,
            (
                _clip_norm_case(
                    "norma global acima do limite (max_norm = 1): todos encolhem pelo mesmo fator",
                    big,
                    1.0,
                    0,
                    "Com n = sqrt(Σ_p ‖g_p‖²) > max_norm, multiplique todos por max_norm / n.",
                ),
                _clip_norm_case(
                    "norma global abaixo do limite (max_norm = 100): nada muda",
                    big,
                    100.0,
                    1,
                    "O fator é min(1, max_norm / n): abaixo do limite, os gradientes ficam "
                    "como estão.",
                ),
                _clip_norm_case(
                    "W_hh com gradiente enorme e os outros pequenos (max_norm = 5): o fator é "
                    "o mesmo para todos",
                    {"weight_ih": 0.1, "weight_hh": 50.0, "bias_ih": 0.1, "bias_hh": 0.1},
                    5.0,
                    2,
                    "O mesmo fator, calculado com a norma global, multiplica todos os "
                    "gradientes (inclusive os pequenos).",
                ),
                _clip_norm_case(
                    "gradientes todos zero: norma 0 e nada muda (sem divisão por zero)",
                    {k: 0.0 for k in _NAMES},
                    1.0,
                    3,
                    "Com n = 0 < max_norm, o fator é 1: não há o que cortar.",
                ),
            ),
            hidden_case=_clip_norm_hidden,
        ),
        Question(
            "q2",
            "Corte do gradiente por valor",
            "clip_by_value",
            "clip_by_value(grads, clip_value)",
            2.0,
            (
                _clip_value_case(
                    "valores dos dois lados do intervalo (c = 0,5)",
                    {k: 1.0 for k in _NAMES},
                    0.5,
                    4,
                    "Cada elemento vai para o intervalo [−c, c]: np.clip(g, -c, c).",
                ),
                _clip_value_case(
                    "todos os valores já dentro do intervalo (c = 100): nada muda",
                    {k: 1.0 for k in _NAMES},
                    100.0,
                    5,
                    "Elementos dentro de [−c, c] ficam como estão.",
                ),
                _clip_value_case(
                    "gradientes grandes (c = 0,1): quase todos os elementos vão para ±c",
                    {k: 10.0 for k in _NAMES},
                    0.1,
                    6,
                    "Os elementos grandes viram c ou −c, conforme o sinal.",
                ),
            ),
            hidden_case=_clip_value_hidden,
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
            "Inicialização ortogonal",
            "orthogonal_init",
            "orthogonal_init(n, rng)",
            2.0,
            (
                _orthogonal_case(
                    "n = 5: Q é quadrada, float64 e ortogonal (QᵀQ = I)",
                    5,
                    0,
                    hint="Q, R = np.linalg.qr(A), com A gaussiana (n, n).",
                ),
                _orthogonal_case(
                    "n = 1: Q = [[1]] ou [[−1]]",
                    1,
                    1,
                    hint="Uma matriz 1 × 1 ortogonal é [[1]] ou [[−1]].",
                ),
                _orthogonal_case(
                    "o gerador rng recebido é usado (o seu estado avança)",
                    6,
                    2,
                    ("rng",),
                ),
                _orthogonal_case(
                    "n = 400: sem viés de sinal (traço e soma da 1ª coluna perto de 0, como "
                    "numa matriz ortogonal uniforme)",
                    400,
                    3,
                    ("rng", "haar"),
                ),
            ),
            hidden_case=_orthogonal_hidden,
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
