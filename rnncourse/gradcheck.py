"""Verificação de gradientes por diferenças finitas centradas (em numpy, float64).

A ideia: se ``f`` é uma função escalar dos parâmetros, a derivada em relação a
um elemento ``x_i`` é aproximada por

    (f(x + eps e_i) - f(x - eps e_i)) / (2 eps),

com erro de truncamento da ordem de ``eps**2`` (a diferença *centrada* cancela o
termo de primeira ordem) e erro de arredondamento da ordem de ``1e-16 / eps``.
Com ``eps = 1e-6`` e float64, os dois ficam perto de ``1e-10`` em termos
relativos: é o que torna a comparação com o gradiente analítico conclusiva.

- ``numerical_gradient(f, x)``: o gradiente numérico de ``f()`` em relação ao
  array ``x``, perturbado no lugar e restaurado exatamente ao final.
- ``relative_error(a, b)``: ``||a - b|| / (||a|| + ||b||)``, um número só.
- ``check_gradients(f, params, grads)``: o erro relativo de cada parâmetro de
  um dicionário.

Fora do escopo: verificação em float32 (o arredondamento domina o resultado) e
funções não diferenciáveis no ponto avaliado (``relu`` exatamente em zero etc.).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

__all__ = ["check_gradients", "numerical_gradient", "relative_error"]


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Gradiente de ``f()`` em relação a ``x`` por diferenças finitas centradas.

    ``f`` não recebe argumentos: ela lê ``x`` (por exemplo, ``x`` é um dos
    arrays de um dicionário ``params`` que ``f`` usa). Cada elemento de ``x`` é
    alterado no lugar, ``f`` é avaliada duas vezes e o valor original volta
    exatamente; ao final ``x`` está como entrou. Custa ``2 * x.size``
    avaliações de ``f``. Devolve um array com a forma de ``x``.
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        kind = x.dtype if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(
            f"x deve ser um np.ndarray float64 (em float32 o arredondamento domina); recebi {kind}"
        )
    if not x.flags.writeable:
        raise ValueError("x precisa ser gravável: a função o altera no lugar e depois o restaura")
    if not eps > 0:
        raise ValueError(f"eps deve ser > 0, não {eps!r}")
    grad = np.empty_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        f_plus = float(f())
        x[idx] = old - eps
        f_minus = float(f())
        x[idx] = old  # restaura o valor exato (não old + eps - eps)
        grad[idx] = (f_plus - f_minus) / (2.0 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """Erro relativo ``||a - b|| / (||a|| + ||b||)`` (norma euclidiana de tudo).

    Vale 0 quando ``a == b`` e no máximo 1; não depende da escala (multiplicar
    ``a`` e ``b`` pelo mesmo número não o altera). Se os dois são zero, devolve 0.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"formas diferentes: {a.shape} e {b.shape}")
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    if denom == 0.0:
        return 0.0
    return float(np.linalg.norm(a - b) / denom)


def check_gradients(
    f: Callable[[], float],
    params: Mapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    eps: float = 1e-6,
) -> dict[str, float]:
    """Erro relativo entre ``grads`` (analítico) e o gradiente numérico de cada parâmetro.

    ``f()`` calcula a perda lendo os arrays de ``params``; ``grads`` tem as
    mesmas chaves (as que faltarem em ``grads`` geram um erro, para que um
    gradiente esquecido não passe em silêncio). Devolve ``{nome: erro}``.
    """
    missing = sorted(set(params) - set(grads))
    if missing:
        raise KeyError(f"faltam em grads as chaves {missing}")
    errors = {}
    for name, value in params.items():
        if np.shape(grads[name]) != value.shape:
            raise ValueError(
                f"grads[{name!r}] tem forma {np.shape(grads[name])}, "
                f"mas o parâmetro tem forma {value.shape}"
            )
        errors[name] = relative_error(grads[name], numerical_gradient(f, value, eps))
    return errors
