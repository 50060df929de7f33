"""Jacobianas da recorrência: de um passo, produtos entre passos distantes e normas.

Numa RNN ``h_t = f(a_t)`` com ``a_t = W_ih x_t + W_hh h_{t-1} + b`` (vetores-coluna,
um exemplo de cada vez), a jacobiana de um passo é

    J_t = ∂h_t/∂h_{t-1} = diag(f'(a_t)) W_hh          (matriz H × H)

e, entre passos distantes, a regra da cadeia multiplica jacobianas:

    ∂h_T/∂h_k = J_T J_{T-1} ··· J_{k+1}.

Como ``|f'| <= γ`` (γ = 1 para a tanh e a ReLU, 1/4 para a sigmoide logística),
``‖J_t‖_2 <= γ σ_max(W_hh)`` e ``‖∂h_T/∂h_k‖_2 <= (γ σ_max(W_hh))^(T-k)``
(Pascanu, Mikolov e Bengio, 2013).

Convenções: as jacobianas seguem a convenção de vetores-coluna dos artigos,
``J[b, t, i, j] = ∂h_{t,i}/∂h_{t-1,j}`` para o exemplo ``b``; os estados vêm no
formato do pacote, lote primeiro, ``H (B, T, H)`` como devolvido por
``rnn_forward``. No código com vetores-linha (``rnn_cell_backward``) aparece a
transposta: ``dL/dh_{t-1} = (dL/dh_t ⊙ f'(a_t)) W_hh``, isto é, ``J_t^T`` aplicada
ao gradiente.

Índices: na equação, ``t = 1, ..., T``; no código, ``J[:, t - 1]`` é ``J_t``
(``J[:, 0] = ∂h_1/∂h_0``), como ``X[:, t - 1]`` é ``x_t``.

Fora do escopo: jacobianas da LSTM e da GRU (capítulo 5) e o cálculo sem
materializar as matrizes (produtos jacobiana-vetor, que é o que a
retropropagação faz).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "ACTIVATION_GAMMA",
    "jacobian_products",
    "spectral_norm",
    "spectral_radius",
    "step_jacobians",
    "tanh_step_jacobians",
]

#: γ = sup |f'(a)|: o maior valor da derivada de cada ativação
ACTIVATION_GAMMA: dict[str, float] = {"tanh": 1.0, "sigmoid": 0.25, "relu": 1.0}


def step_jacobians(fprime: np.ndarray, weight_hh: np.ndarray) -> np.ndarray:
    """Jacobianas de um passo ``J_t = diag(f'(a_t)) W_hh`` para todo exemplo e passo.

    ``fprime (B, T, H)`` é a derivada da ativação em cada pré-ativação
    ``f'(a_t)``; ``weight_hh (H, H)`` é a matriz recorrente. Devolve
    ``J (B, T, H, H)`` com ``J[b, t - 1] = ∂h_t/∂h_{t-1}`` do exemplo ``b``
    (convenção de vetores-coluna).
    """
    fprime = np.asarray(fprime)
    weight_hh = np.asarray(weight_hh)
    if fprime.ndim != 3:
        raise ValueError(f"fprime deve ter forma (B, T, H); recebi forma {fprime.shape}")
    n = fprime.shape[-1]
    if weight_hh.shape != (n, n):
        raise ValueError(
            f"weight_hh deve ter forma ({n}, {n}), como H de fprime; recebi {weight_hh.shape}"
        )
    # diag(v) @ W multiplica a linha i de W por v_i: basta difundir v como coluna
    return fprime[..., :, None] * weight_hh  # (B, T, H, H)


def tanh_step_jacobians(H: np.ndarray, weight_hh: np.ndarray) -> np.ndarray:
    """``J_t = diag(1 - h_t ⊙ h_t) W_hh`` a partir dos estados de uma RNN com tanh.

    ``H (B, T, H)`` são os estados devolvidos por ``rnn_forward`` (a derivada
    da tanh se escreve com a própria saída: ``tanh'(a) = 1 - tanh(a)^2``).
    """
    H = np.asarray(H)
    return step_jacobians(1.0 - H**2, weight_hh)


def jacobian_products(J: np.ndarray) -> np.ndarray:
    """Produtos ``∂h_T/∂h_{T-d} = J_T ··· J_{T-d+1}`` para as distâncias ``d = 0, ..., T``.

    ``J (B, T, H, H)`` como devolvido por ``step_jacobians``. Devolve
    ``P (B, T + 1, H, H)`` com ``P[:, d] = ∂h_T/∂h_{T-d}``: ``P[:, 0]`` é a
    identidade e ``P[:, T] = ∂h_T/∂h_0``. Cada produto reaproveita o anterior,
    ``P[:, d] = P[:, d - 1] @ J_{T-d+1}``, como a retropropagação faz.
    """
    J = np.asarray(J)
    if J.ndim != 4 or J.shape[-1] != J.shape[-2]:
        raise ValueError(f"J deve ter forma (B, T, H, H); recebi forma {J.shape}")
    B, T, n, _ = J.shape
    P = np.empty((B, T + 1, n, n), dtype=J.dtype)
    P[:, 0] = np.eye(n, dtype=J.dtype)
    for d in range(1, T + 1):
        # J_{T-d+1} da equação é J[:, T - d] no código (índices a partir de zero)
        P[:, d] = P[:, d - 1] @ J[:, T - d]
    return P


def spectral_norm(W: np.ndarray) -> np.ndarray | float:
    """Norma espectral ``‖W‖_2 = σ_max(W)``, o maior valor singular (aceita lotes ``(..., m, n)``).

    É o quanto ``W`` pode esticar um vetor: ``‖W v‖ <= σ_max(W) ‖v‖``.
    """
    W = np.asarray(W)
    if W.ndim < 2:
        raise ValueError(f"W deve ser uma matriz (ou um lote de matrizes); recebi forma {W.shape}")
    s = np.linalg.svd(W, compute_uv=False)[..., 0]
    return float(s) if s.ndim == 0 else s


def spectral_radius(W: np.ndarray) -> np.ndarray | float:
    """Raio espectral ``ρ(W) = max |λ_i(W)|`` (aceita lotes ``(..., n, n)``).

    Vale sempre ``ρ(W) <= σ_max(W)``, com igualdade para matrizes normais
    (simétricas, ortogonais e seus múltiplos, por exemplo).
    """
    W = np.asarray(W)
    if W.ndim < 2 or W.shape[-1] != W.shape[-2]:
        raise ValueError(
            f"W deve ser quadrada (ou um lote de matrizes quadradas); recebi {W.shape}"
        )
    r = np.abs(np.linalg.eigvals(W)).max(axis=-1)
    return float(r) if r.ndim == 0 else r
