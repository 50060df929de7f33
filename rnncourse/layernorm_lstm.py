"""A célula LSTM com normalização de camada (*layer normalization*), em PyTorch.

Segue Ba, Kiros e Hinton (2016, seção 3.1): a normalização de camada de um vetor ``a`` de
``F`` coordenadas é

    LN(a; γ, β) = γ ⊙ (a − μ) / sqrt(σ² + ε) + β,   μ e σ² calculados sobre as F coordenadas,

separadamente para cada exemplo e cada passo (nada depende do lote nem do tempo). Na célula,
as duas pré-ativações, a da entrada ``x W_ih^T`` e a recorrente ``h W_hh^T``, são normalizadas
**cada uma** sobre as suas 4H coordenadas, e o estado da célula também, antes da ``tanh``:

    a = LN(x W_ih^T; γ_ih, β_ih) + LN(h_{t-1} W_hh^T; γ_hh, β_hh) + b
    i, f, g, o = σ(a_i), σ(a_f), tanh(a_g), σ(a_o)        (ordem (i, f, g, o) do PyTorch)
    c_t = f ⊙ c_{t-1} + i ⊙ g
    h_t = o ⊙ tanh(LN(c_t; γ_c, β_c))

Os nomes ``weight_ih``, ``weight_hh`` e ``bias`` seguem o ``nn.LSTMCell`` (um só viés,
porque os β das normalizações já deslocam as pré-ativações). ``layer_norm`` é a conta escrita
à mão; os testes a comparam com ``torch.nn.functional.layer_norm`` e a célula com uma versão
que usa ``nn.LayerNorm``.

Fora do escopo: versões fundidas (rápidas) e a normalização do tipo *batch* (o capítulo mostra
por que ela combina mal com recorrência).
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["LayerNormLSTM", "LayerNormLSTMCell", "layer_norm"]


def layer_norm(
    a: torch.Tensor, gain: torch.Tensor, bias: torch.Tensor, eps: float = 1e-5
) -> torch.Tensor:
    """Normalização de camada sobre a última dimensão de ``a`` (variância populacional)."""
    mu = a.mean(dim=-1, keepdim=True)  # (..., 1): média de cada exemplo
    var = ((a - mu) ** 2).mean(dim=-1, keepdim=True)  # (..., 1): sem correção de Bessel
    return gain * (a - mu) / torch.sqrt(var + eps) + bias


class LayerNormLSTMCell(nn.Module):
    """Um passo da LSTM com normalização de camada (equações no docstring do módulo)."""

    def __init__(self, input_size: int, hidden_size: int, eps: float = 1e-5) -> None:
        super().__init__()
        H = hidden_size
        self.input_size, self.hidden_size, self.eps = input_size, hidden_size, eps
        bound = 1.0 / math.sqrt(H)  # a mesma inicialização uniforme do nn.LSTMCell
        self.weight_ih = nn.Parameter(torch.empty(4 * H, input_size).uniform_(-bound, bound))
        self.weight_hh = nn.Parameter(torch.empty(4 * H, H).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.zeros(4 * H))
        self.gain_ih = nn.Parameter(torch.ones(4 * H))
        self.shift_ih = nn.Parameter(torch.zeros(4 * H))
        self.gain_hh = nn.Parameter(torch.ones(4 * H))
        self.shift_hh = nn.Parameter(torch.zeros(4 * H))
        self.gain_c = nn.Parameter(torch.ones(H))
        self.shift_c = nn.Parameter(torch.zeros(H))

    def input_part(self, x: torch.Tensor) -> torch.Tensor:
        """``LN(x W_ih^T)``: não depende do estado, por isso pode ser feito para todos os passos
        de uma vez (``x`` de forma ``(..., D)``, saída ``(..., 4H)``)."""
        return layer_norm(x @ self.weight_ih.T, self.gain_ih, self.shift_ih, self.eps)

    def forward(
        self,
        x: torch.Tensor,
        state: tuple[torch.Tensor, torch.Tensor],
        a_x: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``x (B, D)``, ``state = (h, c)`` com ``(B, H)`` cada; devolve ``(h, c)`` novos.

        ``a_x``, se dado, é ``input_part(x)`` já calculado (``x`` então não é usado)."""
        h_prev, c_prev = state
        H = self.hidden_size
        if a_x is None:
            a_x = self.input_part(x)  # (B, 4H)
        a_h = layer_norm(h_prev @ self.weight_hh.T, self.gain_hh, self.shift_hh, self.eps)
        a = a_x + a_h + self.bias  # (B, 4H)
        i = torch.sigmoid(a[:, :H])
        f = torch.sigmoid(a[:, H : 2 * H])
        g = torch.tanh(a[:, 2 * H : 3 * H])
        o = torch.sigmoid(a[:, 3 * H :])
        c = f * c_prev + i * g  # o caminho aditivo fica como na LSTM
        h = o * torch.tanh(layer_norm(c, self.gain_c, self.shift_c, self.eps))
        return h, c


class LayerNormLSTM(nn.Module):
    """A célula ``LayerNormLSTMCell`` ao longo da sequência, com ``batch_first``.

    ``forward(X)`` recebe ``X (B, T, D)`` e devolve ``(saídas (B, T, H), (h_T, c_T))``, como
    um ``nn.LSTM`` de uma camada (o laço em Python é bem mais lento que o do ``nn.LSTM``).
    """

    def __init__(self, input_size: int, hidden_size: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.cell = LayerNormLSTMCell(input_size, hidden_size, eps)
        self.hidden_size = hidden_size

    def forward(
        self, X: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        B = X.shape[0]
        if state is None:
            zeros = X.new_zeros(B, self.hidden_size)
            state = (zeros, zeros)
        A_x = self.cell.input_part(X)  # (B, T, 4H): a parte da entrada, todos os passos juntos
        outputs = []
        for t in range(X.shape[1]):
            state = self.cell(X[:, t], state, a_x=A_x[:, t])
            outputs.append(state[0])
        return torch.stack(outputs, dim=1), state
