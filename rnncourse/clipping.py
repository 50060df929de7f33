"""Corte do gradiente (*gradient clipping*): pela norma global e por valor.

- ``global_norm(grads)``: a norma euclidiana de todos os gradientes juntos,
  como se fossem um único vetor.
- ``clip_by_norm(grads, max_norm)``: se a norma global passa de ``max_norm``,
  multiplica **todos** os gradientes pelo mesmo fator ``max_norm / norma``; a
  direção do passo se mantém e só o tamanho encolhe (Pascanu, Mikolov e
  Bengio, 2013). É o que ``torch.nn.utils.clip_grad_norm_`` faz, inclusive o
  ``eps = 1e-6`` somado à norma no denominador.
- ``clip_by_value(grads, clip_value)``: corta cada elemento no intervalo
  ``[-clip_value, clip_value]``, como ``torch.nn.utils.clip_grad_value_``; os
  elementos grandes encolhem e os pequenos não, o que muda a direção.

``grads`` é um dicionário de arrays (como o devolvido por ``rnn_backward``) ou
uma lista/tupla de arrays; o resultado vem no mesmo formato. As funções não
modificam a entrada (as do PyTorch, com ``_`` no fim do nome, modificam os
``.grad`` no lugar).

Fora do escopo: normas diferentes da euclidiana (``norm_type`` do PyTorch) e o
corte adaptativo (por exemplo, relativo à norma dos pesos).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["clip_by_norm", "clip_by_value", "global_norm"]

Grads = Mapping[str, np.ndarray] | Sequence[np.ndarray]


def _arrays(grads: Grads) -> list[np.ndarray]:
    if isinstance(grads, Mapping):
        arrays = list(grads.values())
    elif isinstance(grads, (list, tuple)):
        arrays = list(grads)
    else:
        raise TypeError(
            f"grads deve ser um dicionário ou uma lista de arrays, não {type(grads).__name__}"
        )
    if not arrays:
        raise ValueError("grads está vazio: não há gradiente para cortar")
    return [np.asarray(g) for g in arrays]


def _rebuild(grads: Grads, arrays: list[np.ndarray]) -> Grads:
    if isinstance(grads, Mapping):
        return dict(zip(grads.keys(), arrays, strict=True))
    return type(grads)(arrays)


def global_norm(grads: Grads) -> float:
    """``sqrt(Σ_p ‖g_p‖²)``: a norma euclidiana de todos os gradientes concatenados."""
    return float(np.sqrt(sum(float(np.sum(g.astype(float) ** 2)) for g in _arrays(grads))))


def clip_by_norm(grads: Grads, max_norm: float, eps: float = 1e-6) -> tuple[Grads, float]:
    """Corta pela norma global; devolve ``(gradientes cortados, norma antes do corte)``.

    Com ``n = global_norm(grads)``, cada gradiente é multiplicado por
    ``min(1, max_norm / (n + eps))``. Se ``n <= max_norm`` nada muda (a
    menos do ``eps``, desprezível); caso contrário, a norma passa a valer
    ``max_norm`` e a direção é a mesma.
    """
    if not max_norm > 0:
        raise ValueError(f"max_norm deve ser > 0, não {max_norm!r}")
    arrays = _arrays(grads)
    total = global_norm(arrays)
    coef = min(1.0, max_norm / (total + eps))
    return _rebuild(grads, [g * coef for g in arrays]), total


def clip_by_value(grads: Grads, clip_value: float) -> Grads:
    """Corta cada elemento de cada gradiente no intervalo ``[-clip_value, clip_value]``."""
    if not clip_value > 0:
        raise ValueError(f"clip_value deve ser > 0, não {clip_value!r}")
    return _rebuild(grads, [np.clip(g, -clip_value, clip_value) for g in _arrays(grads)])
