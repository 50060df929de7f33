"""Codificador–decodificador com GRU, com ou sem atenção, e a perda com forçamento do professor.

A arquitetura do capítulo 7 (Sutskever, Vinyals e Le, 2014; Cho et al., 2014)::

    entrada (B, S) -> Encoder -> estados (B, S, H) e estado final (B, H)
    estado final = estado inicial do Decoder
    Decoder: símbolo anterior (B, T) -> incorporação -> GRU -> [atenção] -> escores (B, T, V)

- ``Encoder``: incorporação e uma GRU sobre a entrada; as sequências do lote têm comprimentos
  diferentes, e o estado final de cada uma é o do seu último caractere real (e não o de um
  preenchimento).
- ``Decoder``: incorporação, uma GRU e uma camada ``tanh(W_c [s_t; c_t])`` antes da projeção para
  o vocabulário. Com ``attention=None``, não há contexto (a camada vê só ``s_t``) e tudo o que o
  decodificador sabe da entrada está no estado inicial: é o **contexto de tamanho fixo**. Com
  ``attention="dot"``, ``"scaled_dot"`` ou ``"additive"``, ``c_t`` é o vetor de contexto da atenção
  (``rnncourse.attention``) com a consulta ``s_t``, como na atenção "global" de Luong, Pham e
  Manning (2015), sem a alimentação da entrada (*input feeding*).
- ``Seq2Seq`` junta os dois. ``forward`` faz o **forçamento do professor**: o decodificador lê a
  saída correta deslocada de um passo (``tgt_in``) e calcula os escores de todos os passos de uma
  vez. ``start`` e ``step`` fazem a decodificação passo a passo, que ``rnncourse.decoding``
  usa: o estado é uma tupla de tensores com o lote no primeiro eixo, que a busca em feixe
  reordena com ``index_select``.
- ``seq2seq_loss``: a entropia cruzada média por símbolo de saída, sem as posições de
  preenchimento; serve de ``loss_fn`` para ``rnncourse.fit``.

Fora do escopo: codificadores bidirecionais ou empilhados (capítulo 6), LSTM no lugar da GRU,
alimentação da entrada, e a busca (``rnncourse.decoding``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from rnncourse.attention import AdditiveAttention, DotProductAttention
from rnncourse.numbers_pt import BOS, EOS, PAD

__all__ = ["ATTENTIONS", "Decoder", "Encoder", "Seq2Seq", "seq2seq_loss"]

#: tipos de atenção aceitos pelo ``Decoder`` (``None``: sem atenção)
ATTENTIONS = (None, "dot", "scaled_dot", "additive")

#: o estado da decodificação: (estado do decodificador (B, H), estados do codificador
#: (B, S, H), máscara da entrada (B, S))
DecoderState = tuple[torch.Tensor, torch.Tensor, torch.Tensor]


class Encoder(nn.Module):
    """Incorporação e uma GRU sobre a entrada (lote primeiro, preenchimento ``PAD`` à direita)."""

    def __init__(self, vocab_size: int, embed_dim: int, hidden_size: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=PAD)
        self.rnn = nn.GRU(embed_dim, hidden_size, batch_first=True)

    def forward(
        self, src: torch.Tensor, src_len: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``src (B, S)``, ``src_len (B,)`` -> ``(estados (B, S, H), estado final (B, H))``.

        A GRU é unidirecional e o preenchimento fica à direita: o estado na posição ``t`` só
        depende dos símbolos ``0..t``, e os estados das posições reais não mudam com o
        preenchimento. O estado final de cada sequência é o da sua última posição real,
        ``src_len - 1``; nas posições de preenchimento os estados são zerados. (Na CPU, isso é
        mais rápido que ``pack_padded_sequence``, que o capítulo 6 apresenta e que uma GRU
        bidirecional exigiria.)
        """
        if src_len.min() < 1 or src_len.max() > src.shape[1]:
            raise ValueError("src_len deve estar entre 1 e o comprimento de src")
        states, _ = self.rnn(self.embedding(src))  # (B, S, H)
        last = (src_len - 1).to(src.device)  # a última posição real de cada sequência
        final = states[torch.arange(src.shape[0], device=src.device), last]  # (B, H)
        states = states * (src != PAD)[..., None]  # zero nas posições de preenchimento
        return states, final


class Decoder(nn.Module):
    """Decodificador GRU com ou sem atenção (``attention``: um de ``ATTENTIONS``).

    Com ``"dot"``, o escore é o produto escalar ``s_t · h_j`` (o "dot" de Luong et al.); com
    ``"scaled_dot"``, o mesmo dividido por ``sqrt(H)``; com ``"additive"``, a rede de Bahdanau
    com ``attn_size`` unidades (o padrão é ``H``).
    """

    def __init__(
        self,
        vocab_size: int,
        embed_dim: int,
        hidden_size: int,
        attention: str | None = None,
        attn_size: int | None = None,
    ) -> None:
        super().__init__()
        if attention not in ATTENTIONS:
            raise ValueError(f"atenção desconhecida {attention!r}: use uma de {ATTENTIONS}")
        self.attention_kind = attention
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=PAD)
        self.rnn = nn.GRU(embed_dim, hidden_size, batch_first=True)
        if attention in ("dot", "scaled_dot"):
            self.attention: nn.Module | None = DotProductAttention(scaled=attention == "scaled_dot")
        elif attention == "additive":
            self.attention = AdditiveAttention(hidden_size, hidden_size, attn_size or hidden_size)
        else:
            self.attention = None
        width = 2 * hidden_size if self.attention is not None else hidden_size
        self.combine = nn.Linear(width, hidden_size)  # W_c: [s_t; c_t] -> H
        self.out = nn.Linear(hidden_size, vocab_size)  # H -> escores do vocabulário

    def forward(
        self,
        tgt_in: torch.Tensor,
        state: torch.Tensor,
        enc_states: torch.Tensor,
        enc_mask: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """Lê ``tgt_in (B, T)`` a partir do estado ``state (B, H)``.

        Devolve ``(escores (B, T, V), estado final (B, H), pesos de atenção (B, T, S) ou None)``.
        Com ``T = 1`` é um passo da decodificação.
        """
        embedded = self.embedding(tgt_in)  # (B, T, E)
        dec_states, h_n = self.rnn(embedded, state[None].contiguous())  # (B, T, H), (1, B, H)
        if self.attention is None:
            features, weights = dec_states, None
        else:
            # consulta s_t; chaves e valores: os estados do codificador
            context, weights = self.attention(dec_states, enc_states, enc_states, enc_mask)
            features = torch.cat([dec_states, context], dim=-1)  # (B, T, 2H)
        logits = self.out(torch.tanh(self.combine(features)))  # (B, T, V)
        return logits, h_n[0], weights


def _trim(src: torch.Tensor, src_len: torch.Tensor) -> torch.Tensor:
    """Corta as colunas de ``src`` que são só preenchimento em todo o lote."""
    return src[:, : int(src_len.max())]


class Seq2Seq(nn.Module):
    """Codificador–decodificador GRU; ``attention`` como no ``Decoder``.

    ``forward(src, src_len, tgt_in)`` devolve os escores de todos os passos com o forçamento do
    professor; ``start``/``step`` decodificam um passo de cada vez.
    """

    bos: int = BOS
    eos: int = EOS
    pad: int = PAD

    def __init__(
        self,
        src_vocab_size: int,
        tgt_vocab_size: int,
        embed_dim: int = 32,
        hidden_size: int = 128,
        attention: str | None = None,
        attn_size: int | None = None,
    ) -> None:
        super().__init__()
        self.encoder = Encoder(src_vocab_size, embed_dim, hidden_size)
        self.decoder = Decoder(tgt_vocab_size, embed_dim, hidden_size, attention, attn_size)

    def forward(
        self, src: torch.Tensor, src_len: torch.Tensor, tgt_in: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Escores ``(B, T, V)`` e pesos de atenção ``(B, T, S')`` (ou ``None``).

        ``S' = max(src_len)``: as colunas só de preenchimento são cortadas antes do codificador.
        """
        src = _trim(src, src_len)
        enc_states, final = self.encoder(src, src_len)
        logits, _, weights = self.decoder(tgt_in, final, enc_states, src != PAD)
        return logits, weights

    def start(self, src: torch.Tensor, src_len: torch.Tensor) -> DecoderState:
        """O estado antes do 1º passo: ``(s_0 (B, H), estados (B, S', H), máscara (B, S'))``."""
        src = _trim(src, src_len)
        enc_states, final = self.encoder(src, src_len)
        return final, enc_states, src != PAD

    def step(
        self, tokens: torch.Tensor, state: DecoderState
    ) -> tuple[torch.Tensor, DecoderState, torch.Tensor | None]:
        """Um passo: ``tokens (B,)`` -> ``(log-probabilidades (B, V), novo estado, pesos (B, S))``.

        Os pesos são ``None`` sem atenção.
        """
        s, enc_states, enc_mask = state
        logits, s_new, weights = self.decoder(tokens[:, None], s, enc_states, enc_mask)
        log_probs = torch.log_softmax(logits[:, 0], dim=-1)
        step_weights = None if weights is None else weights[:, 0]
        return log_probs, (s_new, enc_states, enc_mask), step_weights


def seq2seq_loss(model: Seq2Seq, batch) -> torch.Tensor:
    """Entropia cruzada média por símbolo de saída (``EOS`` incluído, preenchimento excluído).

    ``batch`` é ``(src, src_len, tgt_in, tgt_out)``, como em ``rnncourse.numbers_pt.encode_pairs``.
    """
    src, src_len, tgt_in, tgt_out = batch
    logits, _ = model(src, src_len, tgt_in)
    return F.cross_entropy(logits.transpose(1, 2), tgt_out, ignore_index=PAD)
