"""Modelo de linguagem de caracteres com uma camada recorrente (RNN, LSTM ou GRU) em PyTorch.

``CharRNNLM`` é a arquitetura de todos os modelos de linguagem do curso::

    índices (B, T) -> incorporação (B, T, E) -> RNN/LSTM/GRU (B, T, H) -> linear (B, T, V)

Ele só *calcula*: devolve os *logits* (escores antes da softmax) de cada
passo e, se pedido, o estado final. A perda e o preparo dos lotes de palavras
ficam em ``rnncourse.lm``; o laço de treino, em ``rnncourse.training``; a
geração de texto, em ``rnncourse.sampling``.

Fora do escopo: redes bidirecionais (capítulo 6) e codificador-decodificador
(capítulo 7).
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["CELLS", "CharRNNLM"]

#: células recorrentes aceitas e a classe do ``torch.nn`` correspondente
CELLS: dict[str, type[nn.RNNBase]] = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}

# o estado de uma LSTM é o par (h, c); o das outras células, só h
State = torch.Tensor | tuple[torch.Tensor, torch.Tensor]


class CharRNNLM(nn.Module):
    """Modelo de linguagem de caracteres: incorporação, camada recorrente e projeção linear.

    Parâmetros
    ----------
    vocab_size:
        ``V``, número de símbolos (com a fronteira ``"."`` no índice 0).
    embed_dim:
        ``E``, dimensão do vetor denso (*embedding*) de cada símbolo.
    hidden_size:
        ``H``, dimensão do estado oculto.
    cell:
        ``"rnn"`` (Elman, 1990), ``"lstm"`` ou ``"gru"``.
    num_layers:
        número de camadas recorrentes empilhadas.
    dropout:
        probabilidade de *dropout* aplicada entre camadas recorrentes (só
        quando ``num_layers > 1``) e na saída da última camada, antes da
        projeção linear.
    nonlinearity:
        ativação da RNN simples (``"tanh"`` ou ``"relu"``); ignorada por LSTM e GRU.
    """

    def __init__(
        self,
        vocab_size: int,
        embed_dim: int,
        hidden_size: int,
        cell: str = "rnn",
        num_layers: int = 1,
        dropout: float = 0.0,
        nonlinearity: str = "tanh",
    ):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"célula desconhecida {cell!r}: use uma de {sorted(CELLS)}")
        for name, value in (
            ("vocab_size", vocab_size),
            ("embed_dim", embed_dim),
            ("hidden_size", hidden_size),
            ("num_layers", num_layers),
        ):
            if int(value) != value or value < 1:
                raise ValueError(f"{name} deve ser um inteiro >= 1, não {value!r}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout deve estar em [0, 1), não {dropout!r}")
        self.cell = cell
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        extra = {"nonlinearity": nonlinearity} if cell == "rnn" else {}
        self.rnn = CELLS[cell](
            embed_dim,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            # o PyTorch só aplica (e só aceita sem aviso) dropout entre camadas
            dropout=dropout if num_layers > 1 else 0.0,
            **extra,
        )
        self.dropout = nn.Dropout(dropout)
        # W_hy e b_y: do estado oculto aos escores de cada símbolo
        self.output = nn.Linear(hidden_size, vocab_size)

    def extra_repr(self) -> str:
        return f"cell={self.cell!r}"

    def forward(
        self, x: torch.Tensor, state: State | None = None, return_state: bool = False
    ) -> torch.Tensor | tuple[torch.Tensor, State]:
        """Logits ``(B, T, V)`` para os índices ``x (B, T)``.

        ``state`` é o estado inicial (``None`` = zeros), com forma
        ``(num_layers, B, H)`` (ou o par ``(h, c)`` na LSTM), como no
        ``torch.nn``. Com ``return_state=True`` devolve ``(logits, estado_final)``,
        o que permite continuar a sequência de onde parou (é assim que a
        amostragem gera um caractere por vez).
        """
        if x.ndim != 2:
            raise ValueError(
                f"x deve ter forma (B, T) com índices inteiros; recebi {tuple(x.shape)}"
            )
        emb = self.embedding(x)  # (B, T, E)
        out, final_state = self.rnn(emb, state)  # out: (B, T, H), o estado oculto de cada passo
        logits = self.output(self.dropout(out))  # (B, T, V)
        if return_state:
            return logits, final_state
        return logits
