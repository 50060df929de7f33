"""Atenção com máscara de preenchimento: escore aditivo e escore por produto escalar.

Um decodificador com atenção compara, a cada passo, uma **consulta** ``q`` (o seu estado) com as
**chaves** ``k_j`` (os estados do codificador), transforma os escores em pesos com uma softmax
sobre as posições da entrada e devolve o **vetor de contexto**, a média dos **valores** ``v_j``
ponderada por esses pesos::

    e_j = escore(q, k_j)          alfa = softmax(e) sobre j       c = soma_j alfa_j v_j

Os dois escores do capítulo 7:

- ``AdditiveAttention``: ``e_j = w^T tanh(W_q q + W_k k_j)``, uma pequena rede com uma camada
  oculta (Bahdanau, Cho e Bengio, 2015);
- ``DotProductAttention``: ``e_j = q · k_j``, o escore "dot" de Luong, Pham e Manning (2015), ou
  ``q · k_j / sqrt(d)`` com ``scaled=True`` (a escala de Vaswani et al., 2017).

Formas, lote primeiro: consultas ``(B, T_q, d_q)``, chaves ``(B, T_k, d_k)``, valores
``(B, T_k, d_v)`` e máscara ``(B, T_k)`` booleana, ``True`` nas posições reais e ``False`` no
preenchimento. A saída é ``(contexto (B, T_q, d_v), pesos (B, T_q, T_k))``; cada linha de pesos
soma 1 e vale exatamente 0 nas posições mascaradas (``masked_softmax``).

Fora do escopo: atenção com várias cabeças (*multi-head*), a máscara causal dos Transformers e o
escore "general" de Luong (``q^T W k``), que fica para os exercícios.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["AdditiveAttention", "DotProductAttention", "masked_softmax"]


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Softmax no último eixo de ``scores`` que ignora as posições com ``mask`` falso.

    ``scores`` tem forma ``(..., T_k)`` e ``mask`` difunde para ela (por exemplo ``(B, 1, T_k)``
    contra ``(B, T_q, T_k)``). As posições mascaradas recebem peso exatamente 0; uma linha sem
    nenhuma posição válida é um erro (não há o que ponderar).
    """
    if mask is None:
        return torch.softmax(scores, dim=-1)
    mask = mask.to(torch.bool)
    if not bool(mask.any(dim=-1).all()):
        raise ValueError("a máscara tem uma linha sem nenhuma posição válida")
    scores = scores.masked_fill(~mask, float("-inf"))  # exp(-inf) = 0 na softmax
    return torch.softmax(scores, dim=-1)


def _check_shapes(query: torch.Tensor, keys: torch.Tensor, values: torch.Tensor) -> None:
    if query.dim() != 3 or keys.dim() != 3 or values.dim() != 3:
        raise ValueError(
            "consultas, chaves e valores devem ter 3 eixos (B, T, d); recebi "
            f"{tuple(query.shape)}, {tuple(keys.shape)} e {tuple(values.shape)}"
        )
    if keys.shape[:2] != values.shape[:2] or query.shape[0] != keys.shape[0]:
        raise ValueError(
            "chaves e valores devem ter o mesmo (B, T_k), e as consultas o mesmo B; recebi "
            f"{tuple(query.shape)}, {tuple(keys.shape)} e {tuple(values.shape)}"
        )


def _mask_for_queries(mask: torch.Tensor | None, keys: torch.Tensor) -> torch.Tensor | None:
    if mask is None:
        return None
    if mask.shape != keys.shape[:2]:
        raise ValueError(
            f"a máscara deve ter forma (B, T_k) = {tuple(keys.shape[:2])}, não {tuple(mask.shape)}"
        )
    return mask[:, None, :]  # (B, 1, T_k): a mesma máscara para todas as consultas


class DotProductAttention(nn.Module):
    """Atenção por produto escalar: ``e_j = q · k_j`` (ou ``/ sqrt(d)`` com ``scaled=True``).

    Não tem parâmetros: consultas e chaves precisam ter a mesma dimensão ``d``.
    """

    def __init__(self, scaled: bool = False) -> None:
        super().__init__()
        self.scaled = scaled

    def extra_repr(self) -> str:
        return f"scaled={self.scaled}"

    def scores(self, query: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        """Escores ``(B, T_q, T_k)`` antes da softmax."""
        if query.shape[-1] != keys.shape[-1]:
            raise ValueError(
                "no produto escalar, consultas e chaves têm a mesma dimensão; recebi "
                f"{query.shape[-1]} e {keys.shape[-1]}"
            )
        scores = query @ keys.transpose(1, 2)  # (B, T_q, d) @ (B, d, T_k) -> (B, T_q, T_k)
        if self.scaled:
            scores = scores / math.sqrt(query.shape[-1])
        return scores

    def forward(
        self,
        query: torch.Tensor,
        keys: torch.Tensor,
        values: torch.Tensor,
        mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Devolve ``(contexto (B, T_q, d_v), pesos (B, T_q, T_k))``."""
        _check_shapes(query, keys, values)
        weights = masked_softmax(self.scores(query, keys), _mask_for_queries(mask, keys))
        return weights @ values, weights  # (B, T_q, T_k) @ (B, T_k, d_v) -> (B, T_q, d_v)


class AdditiveAttention(nn.Module):
    """Atenção aditiva de Bahdanau et al. (2015): ``e_j = w^T tanh(W_q q + W_k k_j)``.

    ``query_size`` e ``key_size`` podem ser diferentes; ``attn_size`` é a largura da camada
    oculta da pequena rede que calcula o escore.
    """

    def __init__(self, query_size: int, key_size: int, attn_size: int) -> None:
        super().__init__()
        self.query_proj = nn.Linear(query_size, attn_size, bias=False)  # W_q
        self.key_proj = nn.Linear(key_size, attn_size, bias=True)  # W_k (e o viés da camada)
        self.score_proj = nn.Linear(attn_size, 1, bias=False)  # w

    def scores(self, query: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        """Escores ``(B, T_q, T_k)`` antes da softmax."""
        q = self.query_proj(query)[:, :, None, :]  # (B, T_q, 1, A)
        k = self.key_proj(keys)[:, None, :, :]  # (B, 1, T_k, A)
        return self.score_proj(torch.tanh(q + k)).squeeze(-1)  # (B, T_q, T_k, 1) -> (B, T_q, T_k)

    def forward(
        self,
        query: torch.Tensor,
        keys: torch.Tensor,
        values: torch.Tensor,
        mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Devolve ``(contexto (B, T_q, d_v), pesos (B, T_q, T_k))``."""
        _check_shapes(query, keys, values)
        weights = masked_softmax(self.scores(query, keys), _mask_for_queries(mask, keys))
        return weights @ values, weights
