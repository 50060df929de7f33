"""Modelo de linguagem de palavras, caractere a caractere: lotes, perda e bits por caractere.

Cada palavra vira um par (entrada, alvo) deslocado de um passo, com o símbolo
de fronteira ``"."`` (índice 0) no começo da entrada e no fim do alvo::

    palavra "rede":  entrada ". r e d e"   alvo "r e d e ."

Uma palavra de ``L`` letras dá ``L + 1`` previsões: as ``L`` letras e o fim
da palavra. É exatamente a convenção de ``NGramLM.bits_per_char`` (capítulo 1),
o que torna justa a comparação entre os dois modelos. Palavras de tamanhos
diferentes são completadas (*padding*) até o mesmo comprimento; nas posições
completadas o alvo é ``IGNORE_INDEX``, que a entropia cruzada ignora.

Fora do escopo: texto corrido (frases) e modelos de subpalavras.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import TensorDataset

from rnncourse.data import CharVocab

__all__ = ["IGNORE_INDEX", "encode_words", "lm_loss", "model_bits_per_char", "word_dataset"]

#: alvo das posições de *padding*; é também o padrão de ``F.cross_entropy``
IGNORE_INDEX = -100


def encode_words(
    words: Sequence[str], vocab: CharVocab, ignore_index: int = IGNORE_INDEX
) -> tuple[torch.Tensor, torch.Tensor]:
    """Tensores ``(X, Y)`` de forma ``(N, L_max + 1)`` com as palavras lado a lado.

    ``X[i] = [0, c_1, ..., c_L, 0, ...]`` (fronteira, letras, *padding* com 0) e
    ``Y[i] = [c_1, ..., c_L, 0, ignore, ...]`` (letras, fim da palavra e
    ``ignore_index`` nas posições completadas). Assim ``Y[i, t]`` é o símbolo
    que vem depois de ``X[i, :t + 1]``.
    """
    if len(words) == 0:
        raise ValueError("a lista de palavras está vazia")
    b = vocab.boundary_index
    width = max(len(w) for w in words) + 1
    X = torch.full((len(words), width), b, dtype=torch.long)
    Y = torch.full((len(words), width), ignore_index, dtype=torch.long)
    for i, word in enumerate(words):
        ids = vocab.encode(word)
        L = len(ids)
        X[i, 1 : L + 1] = torch.tensor(ids, dtype=torch.long)  # X[i, 0] já é a fronteira
        Y[i, :L] = torch.tensor(ids, dtype=torch.long)
        Y[i, L] = b  # prever o fim da palavra também conta
    return X, Y


def word_dataset(words: Sequence[str], vocab: CharVocab) -> TensorDataset:
    """``TensorDataset`` com os pares ``(X, Y)`` de ``encode_words`` (para um ``DataLoader``)."""
    return TensorDataset(*encode_words(words, vocab))


def lm_loss(model: nn.Module, batch: Sequence[torch.Tensor]) -> torch.Tensor:
    """Entropia cruzada média, em nats, por símbolo previsto de um lote ``(X, Y)``.

    A média é sobre todas as posições válidas do lote (as de *padding* ficam
    de fora). É a função ``loss_fn`` que ``rnncourse.fit`` recebe.
    """
    X, Y = batch
    logits = model(X)  # (B, T, V)
    return F.cross_entropy(
        logits.reshape(-1, logits.shape[-1]),  # (B*T, V)
        Y.reshape(-1),  # (B*T,)
        ignore_index=IGNORE_INDEX,
    )


@torch.no_grad()
def model_bits_per_char(
    model: nn.Module,
    words: Sequence[str],
    vocab: CharVocab,
    batch_size: int = 1024,
    device: torch.device | str | None = None,
) -> float:
    """Bits por caractere de ``model`` em ``words``, na convenção de ``NGramLM.bits_per_char``.

    Soma ``-log2 p`` de cada símbolo previsto (as ``L`` letras e o fim de cada
    palavra) e divide pelo número desses símbolos, ``soma de (L + 1)``. O
    modelo é avaliado em modo ``eval`` (sem *dropout*) e volta ao modo em que
    estava.
    """
    X, Y = encode_words(words, vocab)
    if device is None:
        device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    total_nats = 0.0
    try:
        for start in range(0, len(X), batch_size):
            xb = X[start : start + batch_size].to(device)
            yb = Y[start : start + batch_size].to(device)
            logits = model(xb)  # (b, T, V)
            total_nats += F.cross_entropy(
                logits.reshape(-1, logits.shape[-1]).double(),
                yb.reshape(-1),
                ignore_index=IGNORE_INDEX,
                reduction="sum",
            ).item()
    finally:
        model.train(was_training)
    n_symbols = sum(len(w) + 1 for w in words)
    return total_nats / math.log(2) / n_symbols
