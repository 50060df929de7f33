"""Inicializações da matriz recorrente: ortogonal, identidade e reescala do raio espectral.

- ``orthogonal_matrix(n, rng)``: matriz ortogonal sorteada uniformemente (medida de
  Haar), pela decomposição QR de uma matriz gaussiana com a correção de sinais
  de Mezzadri (2007). Todos os valores singulares valem 1: multiplicar por ela
  não encolhe nem estica nenhuma direção (Saxe, McClelland e Ganguli, 2014).
- ``identity_matrix(n)``: a identidade (vezes um ganho), a inicialização da
  IRNN de Le, Jaitly e Hinton (2015), que a usa com ativação ReLU.
- ``scale_to_spectral_radius(W, radius)``: reescala ``W`` para ter o raio
  espectral pedido, para experimentos com ``ρ(W)`` abaixo de 1, igual a 1 e acima de 1.

Tudo em numpy, com o gerador ``rng`` explícito; para usar num módulo do PyTorch,
copie o resultado para o parâmetro (``rnn.weight_hh_l0.copy_(torch.from_numpy(W))``
dentro de ``torch.no_grad()``). Inicializar bem é uma questão de otimização,
não de regularização: a inicialização escolhe o ponto de partida, não muda a
função de perda nem a classe de funções que o modelo representa.

Fora do escopo: as inicializações das camadas de entrada e de saída (as
padrão do PyTorch servem) e a inicialização das portas da LSTM (capítulo 5).
"""

from __future__ import annotations

import numpy as np

from rnncourse.jacobians import spectral_radius

__all__ = ["identity_matrix", "orthogonal_matrix", "scale_to_spectral_radius"]


def _check_size(n: int) -> int:
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"n deve ser um inteiro >= 1, não {n!r}")
    return int(n)


def orthogonal_matrix(n: int, rng: np.random.Generator, gain: float = 1.0) -> np.ndarray:
    """Matriz ``n × n`` ortogonal sorteada uniformemente, vezes ``gain``.

    ``Q`` da decomposição ``A = QR`` de uma matriz gaussiana ``A`` é ortogonal,
    mas só é uniforme (medida de Haar) depois de corrigir os sinais: cada
    coluna de ``Q`` é multiplicada pelo sinal do elemento correspondente da
    diagonal de ``R``. O resultado satisfaz ``Q^T Q = gain² I``.
    """
    n = _check_size(n)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng deve ser um np.random.Generator (np.random.default_rng(semente)), não {type(rng)}"
        )
    A = rng.standard_normal((n, n))
    Q, R = np.linalg.qr(A)
    signs = np.sign(np.diag(R))
    signs[signs == 0] = 1.0  # probabilidade zero, mas evita anular uma coluna
    return gain * (Q * signs)  # multiplica a coluna j por signs[j]


def identity_matrix(n: int, gain: float = 1.0) -> np.ndarray:
    """``gain`` vezes a identidade ``n × n`` (Le, Jaitly e Hinton, 2015, usam ``gain = 1``)."""
    n = _check_size(n)
    return gain * np.eye(n)


def scale_to_spectral_radius(W: np.ndarray, radius: float) -> np.ndarray:
    """Devolve ``W`` multiplicada por um escalar para que ``ρ(W) = radius``.

    Multiplicar por ``c > 0`` multiplica todos os autovalores e valores
    singulares por ``c``: a forma da matriz se mantém e só muda a escala. Para
    uma matriz ortogonal, o resultado tem ``ρ = σ_max = radius``; para uma
    matriz não normal, ``σ_max`` fica maior que ``radius``.
    """
    W = np.asarray(W, dtype=float)
    if radius < 0:
        raise ValueError(f"radius deve ser >= 0, não {radius!r}")
    current = spectral_radius(W)
    if current == 0:
        raise ValueError("W tem raio espectral zero (é nilpotente): não há como reescalá-lo")
    return W * (radius / current)
