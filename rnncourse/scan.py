"""Recorrências lineares e a varredura paralela: a minGRU calculada de três maneiras.

Uma **recorrência linear** (diagonal) é ``h_t = a_t ⊙ h_{t-1} + b_t``, com ``a_t`` e ``b_t``
que não dependem de ``h``. A minGRU de Feng et al. (2024) é desse tipo: as portas leem só a
entrada ``x_t``, e ``h_t = (1 − z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t``, ou seja, ``a_t = 1 − z_t`` e
``b_t = z_t ⊙ h̃_t``. Como os pares ``(a, b)`` se compõem de modo associativo,

    (a₁, b₁) seguido de (a₂, b₂) = (a₁ a₂, a₂ b₁ + b₂),

todos os ``h_t`` saem de uma **varredura paralela** (*parallel scan*) em ``⌈log₂ T⌉`` etapas
(Hillis e Steele, 1986; Blelloch, 1990; Martin e Cundy, 2018). Este módulo tem:

- ``linear_recurrence_loop(a, b, h0)``: o laço de ``T`` passos (a referência);
- ``linear_recurrence_scan(a, b, h0)``: a varredura de Hillis e Steele, ``⌈log₂ T⌉`` etapas,
  cada uma uma operação vetorizada sobre todos os passos (trabalho ``O(T log T)``);
- ``linear_recurrence_log(log_a, log_b, log_h0)``: a forma em escala logarítmica de Heinsen
  (2023), com ``cumsum`` e ``logcumsumexp``, para ``b_t > 0`` (como na minGRU em log);
- ``hillis_steele_edges(T)``: as ligações de cada etapa da varredura (para desenhar a árvore);
- ``MinGRU``: a camada minGRU, com ``mode`` escolhendo o laço, a varredura ou a forma em log.

Todas as funções são do PyTorch, diferenciáveis pelo autograd e rodam na CPU ou na GPU; as
formas são ``(B, T, H)`` para ``a`` e ``b`` e ``(B, H)`` para o estado inicial.

Fora do escopo: a varredura de Blelloch em duas fases (trabalho ``O(T)``; aqui só no texto do
capítulo), *kernels* de GPU escritos à mão e os modelos de espaço de estados completos (S4,
Mamba), que acrescentam a discretização e a seletividade.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "MinGRU",
    "hillis_steele_edges",
    "linear_recurrence_log",
    "linear_recurrence_loop",
    "linear_recurrence_scan",
]


def _check_shapes(a: torch.Tensor, b: torch.Tensor, h0: torch.Tensor) -> None:
    if a.shape != b.shape or a.dim() != 3:
        raise ValueError(f"a e b devem ter a mesma forma (B, T, H); recebi {a.shape} e {b.shape}")
    if h0.shape != (a.shape[0], a.shape[2]):
        raise ValueError(f"h0 deve ter forma (B, H) = {(a.shape[0], a.shape[2])}, não {h0.shape}")


def linear_recurrence_loop(a: torch.Tensor, b: torch.Tensor, h0: torch.Tensor) -> torch.Tensor:
    """``h_t = a_t ⊙ h_{t-1} + b_t`` num laço de ``T`` passos; devolve ``H (B, T, H)``.

    O laço percorre ``a.unbind(1)`` (uma *view* por passo), e não ``a[:, t]``: no
    PyTorch, o gradiente de cada fatia ``a[:, t]`` preenche com zeros um tensor do
    tamanho de ``a`` inteiro, o que deixa a retropropagação ``O(T²)``.
    """
    _check_shapes(a, b, h0)
    h, out = h0, []
    for a_t, b_t in zip(a.unbind(1), b.unbind(1), strict=True):
        h = a_t * h + b_t  # (B, H)
        out.append(h)
    return torch.stack(out, dim=1)  # (B, T, H)


def linear_recurrence_scan(a: torch.Tensor, b: torch.Tensor, h0: torch.Tensor) -> torch.Tensor:
    """A mesma recorrência pela varredura inclusiva de Hillis e Steele; devolve ``H (B, T, H)``.

    Depois da etapa ``k`` (``k = 0, 1, …``), o par da posição ``t`` resume os passos
    ``max(0, t − 2^{k+1} + 1) … t``: ``A_t`` é o produto dos ``a`` e ``B_t`` o estado a que
    esses passos levam um estado inicial zero. No fim, ``h_t = A_t ⊙ h0 + B_t``.
    """
    _check_shapes(a, b, h0)
    A, Bv = a, b
    T, shift = a.shape[1], 1
    while shift < T:
        # posição t combina com t − shift; as primeiras `shift` posições ficam como estão
        A_prev, B_prev = A[:, :-shift], Bv[:, :-shift]
        A_new = A[:, shift:] * A_prev
        B_new = A[:, shift:] * B_prev + Bv[:, shift:]
        A = torch.cat([A[:, :shift], A_new], dim=1)
        Bv = torch.cat([Bv[:, :shift], B_new], dim=1)
        shift *= 2
    return A * h0.unsqueeze(1) + Bv


def linear_recurrence_log(
    log_a: torch.Tensor, log_b: torch.Tensor, log_h0: torch.Tensor
) -> torch.Tensor:
    """A recorrência com ``a_t > 0`` e ``b_t > 0`` dados em log (Heinsen, 2023); devolve ``H``.

    Com ``a*_t = Σ_{k≤t} log a_k``, vale ``h_t = exp(a*_t) (h0 + Σ_{k≤t} b_k exp(−a*_k))``;
    em log, ``log h_t = a*_t + logcumsumexp([log h0, log b_k − a*_k])``. Somas em vez de
    produtos: nada estoura nem some quando o produto dos ``a`` fica minúsculo.
    """
    _check_shapes(log_a, log_b, log_h0)
    a_star = torch.cumsum(log_a, dim=1)  # (B, T, H)
    terms = torch.cat([log_h0.unsqueeze(1), log_b - a_star], dim=1)  # (B, T + 1, H)
    log_h = a_star + torch.logcumsumexp(terms, dim=1)[:, 1:]
    return torch.exp(log_h)


def hillis_steele_edges(T: int) -> list[list[tuple[int, int]]]:
    """As ligações ``(origem, destino)`` de cada etapa da varredura de Hillis e Steele.

    Na etapa ``k``, cada posição ``t ≥ 2^k`` recebe o resumo da posição ``t − 2^k``; há
    ``⌈log₂ T⌉`` etapas.
    """
    if isinstance(T, bool) or int(T) != T or T < 1:
        raise ValueError(f"T deve ser um inteiro >= 1, não {T!r}")
    levels, shift = [], 1
    while shift < T:
        levels.append([(t - shift, t) for t in range(shift, int(T))])
        shift *= 2
    return levels


def _g(x: torch.Tensor) -> torch.Tensor:
    # a ativação positiva da minGRU em log (Feng et al., 2024): x + 1/2 se x ≥ 0, senão σ(x)
    return torch.where(x >= 0, x + 0.5, torch.sigmoid(x))


def _log_g(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x >= 0, torch.log(F.relu(x) + 0.5), -F.softplus(-x))


class MinGRU(nn.Module):
    """A camada minGRU (Feng et al., 2024), na versão com candidato positivo ``g``.

    ``z_t = σ(W_z x_t + b_z)``, ``h̃_t = g(W_h x_t + b_h)``, ``h_t = (1 − z_t) ⊙ h_{t-1} +
    z_t ⊙ h̃_t``, com ``g(v) = v + 1/2`` para ``v ≥ 0`` e ``σ(v)`` para ``v < 0``, que deixa
    ``h̃ > 0`` (a condição da forma em log). Uma só camada linear ``D → 2H`` produz as duas
    pré-ativações, para todos os passos de uma vez: nenhuma depende de ``h``.

    ``forward(X, h0=None, mode="scan")`` devolve ``H (B, T, H)``; ``mode`` é ``"loop"``,
    ``"scan"`` (Hillis e Steele) ou ``"log"`` (Heinsen). ``h0`` deve ser positivo no modo
    ``"log"``; o padrão é ``g(0) = 1/2`` em todas as coordenadas.
    """

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        self.linear = nn.Linear(input_size, 2 * hidden_size)

    def forward(
        self, X: torch.Tensor, h0: torch.Tensor | None = None, mode: str = "scan"
    ) -> torch.Tensor:
        B = X.shape[0]
        if h0 is None:
            h0 = X.new_full((B, self.hidden_size), 0.5)
        k, v = self.linear(X).chunk(2, dim=-1)  # (B, T, H) cada
        if mode == "log":
            log_z = -F.softplus(-k)  # log σ(k)
            log_1mz = -F.softplus(k)  # log (1 − σ(k))
            return linear_recurrence_log(log_1mz, log_z + _log_g(v), torch.log(h0))
        z = torch.sigmoid(k)
        a, b = 1.0 - z, z * _g(v)
        if mode == "loop":
            return linear_recurrence_loop(a, b, h0)
        if mode == "scan":
            return linear_recurrence_scan(a, b, h0)
        raise ValueError(f"mode deve ser 'loop', 'scan' ou 'log', não {mode!r}")
