"""Retropropagação truncada através do tempo, TBPTT(k1, k2), em PyTorch, e a tarefa de eco.

A BPTT completa só atualiza os pesos depois de ler a sequência inteira e
guarda todos os estados dela. Numa sequência longa (um fluxo de texto, uma
série temporal), a versão truncada de Williams e Peng (1990), na notação de
Sutskever (2013), faz assim: lê a sequência em blocos de ``k1`` passos,
carregando o estado oculto de um bloco para o outro, e, ao fim de cada bloco,
retropropaga a perda desse bloco por no máximo ``k2`` passos para trás. O corte
é feito com ``detach()``: o estado continua a *valer* o que vale (a passagem
para a frente não muda), mas o grafo computacional para ali, e o gradiente não
passa.

- ``truncated_bptt(model, X, Y, k1, k2, optimizer)``: uma passada por um fluxo
  de índices ``(B, T)``, com uma atualização dos pesos por bloco de ``k1``
  passos; devolve o estado final (já cortado) e a perda média.
- ``echo_task(rng, B, T, delay)``: a tarefa de eco (*delayed echo*), em que o
  alvo no passo ``t`` é a entrada do passo ``t - delay``; serve para medir até
  que distância um treino truncado aprende uma dependência.

O modelo segue a interface de ``rnncourse.CharRNNLM``:
``model(x, state, return_state=True) -> (logits (B, T, V), estado_final)``,
com ``state=None`` valendo zeros (e o estado podendo ser o par ``(h, c)`` de
uma LSTM).

Fora do escopo: sequências com preenchimento de tamanhos diferentes (use
``ignore_index`` nos alvos) e ``k2`` que não seja múltiplo de ``k1``.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from rnncourse.lm import IGNORE_INDEX  # alvo que a perda ignora (o padrão do PyTorch, -100)

__all__ = ["echo_task", "truncated_bptt"]


def echo_task(
    rng: np.random.Generator,
    batch_size: int,
    length: int,
    delay: int,
    num_symbols: int = 2,
) -> tuple[np.ndarray, np.ndarray]:
    """Tarefa de eco com atraso ``delay``: devolve ``(X, Y)``, inteiros de forma ``(B, T)``.

    ``X`` tem símbolos sorteados de modo uniforme e independente em
    ``0..num_symbols-1``; ``Y[:, t] = X[:, t - delay]``. Nos primeiros ``delay``
    passos não há o que repetir e o alvo é ``IGNORE_INDEX``. Como cada símbolo é
    independente dos demais, nada no presente ajuda a prever o alvo: o único
    jeito de acertar mais que o acaso (``1 / num_symbols``) é lembrar a entrada
    de ``delay`` passos atrás.
    """
    for name, value, low in (
        ("batch_size", batch_size, 1),
        ("length", length, 1),
        ("delay", delay, 1),
        ("num_symbols", num_symbols, 2),
    ):
        if int(value) != value or value < low:
            raise ValueError(f"{name} deve ser um inteiro >= {low}, não {value!r}")
    X = rng.integers(0, num_symbols, size=(batch_size, length), dtype=np.int64)
    Y = np.full((batch_size, length), IGNORE_INDEX, dtype=np.int64)
    Y[:, delay:] = X[:, : length - delay]
    return X, Y


def _detach(state: Any) -> Any:
    """Corta o grafo do estado (um tensor ou o par ``(h, c)`` da LSTM)."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


def truncated_bptt(
    model: nn.Module,
    X: torch.Tensor,
    Y: torch.Tensor,
    k1: int,
    k2: int,
    optimizer: torch.optim.Optimizer,
    *,
    clip_norm: float | None = 1.0,
    state: Any = None,
) -> tuple[Any, float]:
    """Uma passada de TBPTT(k1, k2) pelo fluxo ``X (B, T)`` com alvos ``Y (B, T)``.

    A cada bloco de ``k1`` passos novos: (1) recalcula a janela dos últimos
    ``k2`` passos (o bloco novo e os ``k2/k1 - 1`` anteriores), partindo do
    estado *cortado* guardado no início da janela; (2) calcula a entropia
    cruzada média só nos ``k1`` passos novos (alvos ``IGNORE_INDEX`` não
    contam); (3) retropropaga, corta a norma do gradiente em ``clip_norm``
    e dá um passo do ``optimizer``. Assim o gradiente da perda no ``j``-ésimo
    passo do bloco novo (``j = 1..k1``) alcança entradas até ``k2 - k1 + j - 1``
    passos atrás: ``k2 - 1`` no último passo do bloco, ``k2 - k1`` no primeiro.
    Com ``k1 == k2 == k`` é o esquema usual: blocos de ``k`` passos, o estado
    carregado de um bloco ao outro com ``detach()``.

    ``state`` é o estado inicial (``None`` = zeros); a janela não atravessa
    chamadas: numa nova chamada, a retropropagação para em ``state``. Os
    estados guardados no início das janelas vêm da última vez em que a janela
    foi calculada, com os pesos de antes da atualização daquele bloco.

    Devolve o estado final, cortado do grafo (para continuar o fluxo numa
    próxima chamada), e a perda média dos blocos que tinham algum alvo válido
    (``nan`` se nenhum).
    """
    if int(k1) != k1 or k1 < 1:
        raise ValueError(f"k1 deve ser um inteiro >= 1, não {k1!r}")
    if int(k2) != k2 or k2 < k1 or k2 % k1 != 0:
        raise ValueError(
            f"k2 deve ser um múltiplo inteiro de k1 (k2 >= k1); recebi k1={k1}, k2={k2}"
        )
    if X.ndim != 2 or X.shape != Y.shape or X.shape[1] < 1:
        raise ValueError(
            "X e Y devem ter a mesma forma (B, T), com T >= 1; "
            f"recebi {tuple(X.shape)} e {tuple(Y.shape)}"
        )
    window = k2 // k1  # quantos blocos cabem na janela de retropropagação
    starts = deque([_detach(state)], maxlen=window)  # estado no início de cada bloco da janela
    blocks: deque[tuple[torch.Tensor, torch.Tensor]] = deque(maxlen=window)
    losses = []
    model.train()
    for t0 in range(0, X.shape[1], k1):
        blocks.append((X[:, t0 : t0 + k1], Y[:, t0 : t0 + k1]))
        h = starts[0]  # cortado: o gradiente não volta para antes da janela
        ends = []
        for xb, _ in blocks:  # refaz a janela com grafo: até k2 passos
            logits, h = model(xb, h, return_state=True)  # logits: (B, k1, V)
            ends.append(_detach(h))
        y_new = blocks[-1][1]  # só os k1 passos novos entram na perda
        if (y_new != IGNORE_INDEX).any():
            loss = F.cross_entropy(
                logits.reshape(-1, logits.shape[-1]), y_new.reshape(-1), ignore_index=IGNORE_INDEX
            )
            optimizer.zero_grad()
            loss.backward()
            if clip_norm is not None:
                nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
            optimizer.step()
            losses.append(loss.item())
        # o início de cada bloco da próxima janela é o fim do bloco anterior
        starts = deque([starts[0], *ends][-window:], maxlen=window)
    mean_loss = float(np.mean(losses)) if losses else float("nan")
    return ends[-1], mean_loss
