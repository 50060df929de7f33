"""Geração de palavras por amostragem, caractere a caractere, com temperatura.

A temperatura ``T`` divide os *logits* antes da softmax::

    p_k = exp(z_k / T) / sum_j exp(z_j / T)

``T = 1`` devolve a distribuição do modelo; ``T < 1`` a torna mais "aguda"
(concentra a massa nos símbolos mais prováveis; no limite ``T -> 0``, escolha
gulosa); ``T > 1`` a achata (no limite ``T -> inf``, uniforme).

Fora do escopo: busca em feixe (*beam search*, capítulo 7), *top-k* e *nucleus*.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from rnncourse.data import CharVocab

__all__ = ["apply_temperature", "sample"]


def _check_temperature(temperature: float) -> float:
    try:
        value = float(temperature)
    except (TypeError, ValueError):
        raise TypeError(f"a temperatura deve ser um número, não {temperature!r}") from None
    if not value > 0 or math.isinf(value):
        raise ValueError(
            f"a temperatura deve ser um número positivo e finito (T > 0), não {temperature!r}; "
            "T -> 0 corresponde a escolher sempre o símbolo mais provável (argmax)"
        )
    return value


def apply_temperature(logits, temperature: float = 1.0):
    """Probabilidades ``softmax(logits / T)`` ao longo do último eixo.

    Aceita um tensor do PyTorch (devolve tensor) ou algo que o numpy converta
    em vetor/matriz (devolve ``np.ndarray``). ``T`` precisa ser positivo.
    """
    T = _check_temperature(temperature)
    if isinstance(logits, torch.Tensor):
        return torch.softmax(logits / T, dim=-1)
    z = np.asarray(logits, dtype=np.float64) / T
    z = z - z.max(axis=-1, keepdims=True)  # estabilidade: exp de números <= 0
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


@torch.no_grad()
def sample(
    model: nn.Module,
    vocab: CharVocab,
    n: int = 10,
    temperature: float = 1.0,
    max_len: int = 20,
    generator: torch.Generator | None = None,
    prefix: str = "",
) -> list[str]:
    """Gera ``n`` palavras com ``model`` (um ``CharRNNLM`` ou modelo com a mesma interface).

    Todas começam pelo símbolo de fronteira (e por ``prefix``, se dado); a cada
    passo o modelo dá os *logits* do próximo símbolo, a temperatura os
    transforma em probabilidades e um símbolo é sorteado. Uma palavra termina
    quando sai a fronteira ``"."`` ou quando atinge ``max_len`` caracteres
    gerados. O estado oculto é carregado de um passo ao outro, de modo que
    cada passo custa uma única aplicação da célula recorrente.

    ``generator`` (um ``torch.Generator`` na CPU) torna o sorteio reproduzível
    sem mexer na semente global.
    """
    T = _check_temperature(temperature)
    if int(n) != n or n < 1:
        raise ValueError(f"n deve ser um inteiro >= 1, não {n!r}")
    if int(max_len) != max_len or max_len < 1:
        raise ValueError(f"max_len deve ser um inteiro >= 1, não {max_len!r}")
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        start = [vocab.boundary_index, *vocab.encode(prefix)]
        x = torch.tensor([start] * n, dtype=torch.long, device=device)  # (n, 1 + len(prefix))
        logits, state = model(x, return_state=True)  # (n, t, V)
        generated = torch.zeros((n, max_len), dtype=torch.long)  # 0 = fronteira
        done = torch.zeros(n, dtype=torch.bool)
        for t in range(max_len):
            probs = apply_temperature(logits[:, -1, :], T).cpu()  # (n, V)
            nxt = torch.multinomial(probs, 1, generator=generator).squeeze(1)  # (n,)
            nxt[done] = vocab.boundary_index  # palavras terminadas só recebem "."
            generated[:, t] = nxt
            done |= nxt == vocab.boundary_index
            if bool(done.all()):
                break
            logits, state = model(nxt.view(n, 1).to(device), state, return_state=True)
    finally:
        model.train(was_training)
    words = []
    for row in generated.tolist():
        end = row.index(vocab.boundary_index) if vocab.boundary_index in row else len(row)
        words.append(prefix + vocab.decode(row[:end]))
    return words
