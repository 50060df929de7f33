"""Tarefas sintéticas de dependência longa: o problema da soma (*adding problem*).

O problema da soma vem de Hochreiter e Schmidhuber (1997); aqui na variante de
Le, Jaitly e Hinton (2015): cada sequência tem ``T`` passos e 2 canais. O
primeiro canal traz números sorteados uniformemente em ``[0, 1)``; o segundo é
zero, exceto em duas posições marcadas com 1. O alvo é a soma dos dois números
marcados. Nesta implementação a primeira marca cai na primeira metade da
sequência e a segunda na segunda metade, de modo que o primeiro número precisa
ser guardado por pelo menos ``T - ⌊T/2⌋`` passos até o fim, onde a rede responde.

Três referências de erro quadrático médio (EQM) ajudam a ler um resultado:

- prever sempre 1 (a média do alvo) dá EQM = Var(u₁ + u₂) = 2/12 = 1/6 ≈ 0,167:
  é o que um modelo que não aprendeu nada consegue;
- lembrar só o número mais recente ``u₂`` e prever ``u₂ + 1/2`` dá
  EQM = Var(u₁) = 1/12 ≈ 0,083: é o que um modelo que só guarda dependências
  curtas consegue;
- resolver a tarefa dá EQM perto de 0.

Fora do escopo: a tarefa de cópia (*copy task*) e outras tarefas de memória;
o treino (``rnncourse.training``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["adding_problem"]


def adding_problem(
    n: int, T: int, rng: np.random.Generator, dtype: np.dtype | type = np.float32
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorteia ``n`` sequências do problema da soma com ``T`` passos.

    Devolve ``(X, y, marks)``:

    - ``X (n, T, 2)``: canal 0 com os números em ``[0, 1)``, canal 1 com as
      duas marcas (1 nas posições marcadas, 0 nas outras);
    - ``y (n,)``: a soma dos dois números marcados;
    - ``marks (n, 2)``: as posições (a partir de zero) das duas marcas, a
      primeira em ``[0, T//2)`` e a segunda em ``[T//2, T)``.
    """
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"n deve ser um inteiro >= 1, não {n!r}")
    if isinstance(T, bool) or int(T) != T or T < 2:
        raise ValueError(f"T deve ser um inteiro >= 2 (uma marca em cada metade), não {T!r}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng deve ser um np.random.Generator (np.random.default_rng(semente)), não {type(rng)}"
        )
    n, T = int(n), int(T)
    half = T // 2
    values = rng.random((n, T))  # canal 0: uniformes em [0, 1)
    first = rng.integers(0, half, size=n)  # primeira marca na primeira metade
    second = rng.integers(half, T, size=n)  # segunda marca na segunda metade
    rows = np.arange(n)
    X = np.zeros((n, T, 2), dtype=dtype)
    X[:, :, 0] = values
    X[rows, first, 1] = 1.0
    X[rows, second, 1] = 1.0
    # a soma usa os valores já convertidos para dtype: alvo e entrada concordam
    y = (X[rows, first, 0] + X[rows, second, 0]).astype(dtype)
    marks = np.stack([first, second], axis=1)
    return X, y, marks
