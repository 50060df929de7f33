"""Desdobrar uma camada recorrente do PyTorch passo a passo: o gradiente em cada estado.

Para medir quanto do sinal de erro chega a um passo distante, é preciso
``∂L/∂h_k`` para todo ``k``. A saída ``out`` de ``nn.RNN``/``nn.LSTM``/``nn.GRU``
não serve para isso: a camada calcula ``h_{t+1}`` a partir de uma cópia interna
de ``h_t``, e o gradiente de ``out[:, t]`` traz só a parte que vem da saída
daquele passo, não a que volta pelo tempo. Aqui a camada é desdobrada passo a
passo com a célula correspondente (``nn.RNNCell``, ``nn.LSTMCell``,
``nn.GRUCell``), que **compartilha os mesmos parâmetros**, e o autograd devolve o
gradiente total de cada estado intermediário.

- ``cell_from_layer(layer)``: a célula que calcula um passo da camada, com os
  mesmos objetos ``Parameter``.
- ``unroll(layer, X, state)``: todos os estados ``h_0, ..., h_T`` (e
  ``c_0, ..., c_T`` na LSTM), ligados no grafo do autograd.
- ``state_gradients(layer, X, loss_fn, state)``: ``∂L/∂h_k`` (e ``∂L/∂c_k``) para
  ``k = 0, ..., T``, com ``L = loss_fn(out)`` e ``out (B, T, H)`` igual à saída da
  camada. Os ``.grad`` dos parâmetros não são tocados.

O gradiente de ``h_k`` é o **total**: a soma do que vem da saída do próprio
passo com o que volta de todos os passos seguintes, o vetor que a BPTT propaga.

Fora do escopo: camadas com várias camadas empilhadas, bidirecionais ou com
``proj_size`` (desdobre cada camada separadamente) e o formato com o tempo
primeiro (``batch_first=False``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

__all__ = ["cell_from_layer", "state_gradients", "unroll"]

_CELL_OF = {nn.RNN: nn.RNNCell, nn.LSTM: nn.LSTMCell, nn.GRU: nn.GRUCell}
_PARAM_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")

State = torch.Tensor | tuple[torch.Tensor, torch.Tensor]


def _check_layer(layer: nn.Module) -> None:
    if type(layer) not in _CELL_OF:
        raise TypeError(f"esperado nn.RNN, nn.LSTM ou nn.GRU; recebi {type(layer).__name__}")
    if layer.num_layers != 1 or layer.bidirectional:
        raise ValueError(
            "só camadas simples: num_layers=1 e bidirectional=False "
            f"(recebi num_layers={layer.num_layers}, bidirectional={layer.bidirectional})"
        )
    if getattr(layer, "proj_size", 0):
        raise ValueError("LSTM com proj_size não é aceita: o estado h teria outra dimensão")
    if not layer.batch_first:
        raise ValueError("a camada deve usar batch_first=True, o formato (B, T, D) do curso")


def cell_from_layer(layer: nn.RNN | nn.LSTM | nn.GRU) -> nn.RNNCellBase:
    """A célula de um passo (``nn.RNNCell``/``nn.LSTMCell``/``nn.GRUCell``) de ``layer``.

    A célula usa os **mesmos** objetos ``Parameter`` da camada (não cópias):
    mudar um muda o outro, e o gradiente que passa pela célula é o da camada.
    """
    _check_layer(layer)
    # criada no dispositivo "meta" (sem memória e sem sortear pesos, para não
    # consumir o gerador aleatório do torch); os parâmetros são trocados em seguida
    kwargs = {"bias": layer.bias, "device": "meta", "dtype": layer.weight_ih_l0.dtype}
    if isinstance(layer, nn.RNN):
        kwargs["nonlinearity"] = layer.nonlinearity
    cell = _CELL_OF[type(layer)](layer.input_size, layer.hidden_size, **kwargs)
    for name in _PARAM_NAMES:
        if hasattr(layer, f"{name}_l0"):
            setattr(cell, name, getattr(layer, f"{name}_l0"))  # o mesmo Parameter
    return cell


def _initial_state(layer: nn.Module, X: torch.Tensor, state: State | None) -> list[torch.Tensor]:
    """Estado inicial como lista ``[h0]`` ou ``[h0, c0]``, cada um ``(B, H)``.

    ``state`` segue o formato do ``torch.nn``: ``(1, B, H)`` (o par na LSTM);
    ``None`` = zeros.
    """
    B, H = X.shape[0], layer.hidden_size
    is_lstm = isinstance(layer, nn.LSTM)
    if state is None:
        zeros = X.new_zeros(B, H)
        return [zeros, zeros.clone()] if is_lstm else [zeros]
    parts = list(state) if is_lstm else [state]
    if is_lstm and len(parts) != 2:
        raise ValueError("o estado da LSTM é o par (h0, c0)")
    out = []
    for part in parts:
        if part.shape != (1, B, H):
            raise ValueError(
                f"estado inicial com forma {tuple(part.shape)}; esperado (1, {B}, {H})"
            )
        out.append(part[0])
    return out


def _unroll_from(
    layer: nn.Module, X: torch.Tensor, init: list[torch.Tensor]
) -> tuple[list[torch.Tensor], list[torch.Tensor] | None]:
    """Desdobra a partir de ``init = [h0]`` ou ``[h0, c0]``; ``hs[0]`` é o próprio ``init[0]``."""
    if X.ndim != 3:
        raise ValueError(f"X deve ter forma (B, T, D); recebi {tuple(X.shape)}")
    cell = cell_from_layer(layer)
    is_lstm = isinstance(layer, nn.LSTM)
    hs, cs = [init[0]], ([init[1]] if is_lstm else None)
    for t in range(X.shape[1]):
        if is_lstm:
            h, c = cell(X[:, t], (hs[-1], cs[-1]))  # (B, H), (B, H)
            cs.append(c)
        else:
            h = cell(X[:, t], hs[-1])  # (B, H)
        hs.append(h)
    return hs, cs


def unroll(
    layer: nn.RNN | nn.LSTM | nn.GRU, X: torch.Tensor, state: State | None = None
) -> tuple[list[torch.Tensor], list[torch.Tensor] | None]:
    """Roda ``layer`` sobre ``X (B, T, D)`` um passo de cada vez; devolve ``(hs, cs)``.

    ``hs`` é a lista ``[h_0, h_1, ..., h_T]`` de tensores ``(B, H)`` (``h_0`` é o
    estado inicial) e ``cs`` a dos estados da célula na LSTM (``None`` nas
    outras). ``torch.stack(hs[1:], dim=1)`` é a saída ``out`` da camada.
    ``state`` tem o formato do ``torch.nn``, ``(1, B, H)`` (o par ``(h0, c0)``
    na LSTM); ``None`` = zeros.
    """
    _check_layer(layer)
    if X.ndim != 3:
        raise ValueError(f"X deve ter forma (B, T, D); recebi {tuple(X.shape)}")
    return _unroll_from(layer, X, _initial_state(layer, X, state))


def state_gradients(
    layer: nn.RNN | nn.LSTM | nn.GRU,
    X: torch.Tensor,
    loss_fn: Callable[[torch.Tensor], torch.Tensor],
    state: State | None = None,
) -> dict[str, torch.Tensor]:
    """``∂L/∂h_k`` (e ``∂L/∂c_k`` na LSTM) para ``k = 0, ..., T``, com ``L = loss_fn(out)``.

    ``out (B, T, H)`` é a saída da camada (os estados ``h_1, ..., h_T``);
    ``loss_fn`` devolve um escalar. Devolve um dicionário com ``"h"`` de forma
    ``(B, T + 1, H)``, em que ``["h"][:, k]`` é o gradiente total em relação a
    ``h_k`` (``k = 0`` é o estado inicial), e, na LSTM, ``"c"`` da mesma forma.
    Os tensores vêm desligados do grafo; os ``.grad`` dos parâmetros da camada
    ficam como estavam.
    """
    _check_layer(layer)
    if X.ndim != 3:
        raise ValueError(f"X deve ter forma (B, T, D); recebi {tuple(X.shape)}")
    # o estado inicial vira uma folha nova do grafo, sem mexer no tensor do chamador
    init = [s.detach().clone().requires_grad_(True) for s in _initial_state(layer, X, state)]
    with torch.enable_grad():
        hs, cs = _unroll_from(layer, X, init)
        loss = loss_fn(torch.stack(hs[1:], dim=1))  # out: (B, T, H)
        if loss.ndim != 0:
            raise ValueError(
                f"loss_fn deve devolver um escalar; devolveu forma {tuple(loss.shape)}"
            )
        states = hs + (cs if cs is not None else [])
        # autograd.grad devolve os gradientes sem acumular nada em .grad
        grads = torch.autograd.grad(loss, states, allow_unused=True)
    grads = [torch.zeros_like(s) if g is None else g for s, g in zip(states, grads, strict=True)]
    n = len(hs)
    out = {"h": torch.stack(grads[:n], dim=1).detach()}  # (B, T + 1, H)
    if cs is not None:
        out["c"] = torch.stack(grads[n:], dim=1).detach()  # (B, T + 1, H)
    return out
