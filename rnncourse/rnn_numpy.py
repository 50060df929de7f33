"""A RNN simples (Elman) em numpy: passo para a frente e retropropagação.

Convenções (as mesmas do ``torch.nn.RNN`` com ``batch_first=True`` e
``nonlinearity="tanh"``), para que os pesos de uma camada do PyTorch sirvam
diretamente de ``params``::

    params = {k: v.detach().numpy() for k, v in torch_rnn_cell.named_parameters()}

Para uma camada ``nn.RNN``, os nomes terminam em ``_l0`` (``weight_ih_l0``);
use ``rnncourse.rnn_numpy.params_from_torch`` para tirar o sufixo.

Formas: ``x (B, D)``, ``X (B, T, D)``, ``h (B, H)``, ``H (B, T, H)``,
``weight_ih (H, D)``, ``weight_hh (H, H)``, ``bias_ih (H,)``, ``bias_hh (H,)``.

Equação de um passo (Elman, 1990)::

    h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)

O ``cache`` guarda só o que a retropropagação precisa; a retropropagação
através do tempo (BPTT) percorre os passos de trás para a frente somando os
gradientes dos pesos, que são compartilhados por todos os passos.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

__all__ = [
    "params_from_torch",
    "rnn_backward",
    "rnn_cell_backward",
    "rnn_cell_forward",
    "rnn_forward",
]

PARAM_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def params_from_torch(module, layer: int = 0) -> dict[str, np.ndarray]:
    """Copia os pesos de um ``nn.RNNCell``/``nn.RNN`` (também LSTM/GRU) para um dict de numpy.

    Os nomes perdem o sufixo de camada (``weight_ih_l0`` -> ``weight_ih``).
    """
    suffix = f"_l{layer}"
    out = {}
    for name, value in module.named_parameters():
        key = name[: -len(suffix)] if name.endswith(suffix) else name
        if key in PARAM_NAMES:
            out[key] = value.detach().cpu().numpy().copy()
    # os vieses são opcionais (bias=False no PyTorch); os pesos, não
    missing = [k for k in ("weight_ih", "weight_hh") if k not in out]
    if missing:
        raise KeyError(f"não encontrei os parâmetros {missing} na camada {layer} do módulo")
    return out


def sigmoid(a: np.ndarray) -> np.ndarray:
    """Sigmoide logística estável: ``1 / (1 + exp(-a)) = exp(-log(1 + exp(-a)))``.

    Usada pelas portas da LSTM e da GRU (``lstm_numpy``, ``gru_numpy``).
    """
    return np.exp(-np.logaddexp(0.0, -a))


def check_gate_params(
    params: Mapping[str, np.ndarray], input_size: int, hidden_size: int, num_gates: int, layout: str
) -> None:
    """Confere as chaves e as formas de ``params`` de uma célula com ``num_gates`` blocos.

    ``layout`` entra na mensagem de erro e diz como os blocos estão empilhados,
    por exemplo ``"LSTM: 4 portas (i, f, g, o)"``.
    """
    missing = [k for k in ("weight_ih", "weight_hh") if k not in params]
    if missing:
        raise KeyError(f"faltam em params as chaves {missing}; esperado {PARAM_NAMES}")
    G, Hs = num_gates, hidden_size
    expected = {
        "weight_ih": (G * Hs, input_size),
        "weight_hh": (G * Hs, Hs),
        "bias_ih": (G * Hs,),
        "bias_hh": (G * Hs,),
    }
    for key, shape in expected.items():
        if key in params and np.shape(params[key]) != shape:
            raise ValueError(
                f"params[{key!r}] tem forma {np.shape(params[key])}; esperado {shape} "
                f"({layout} empilhadas, D={input_size}, H={hidden_size})"
            )


def _check_params(params: Mapping[str, np.ndarray]) -> None:
    missing = [k for k in ("weight_ih", "weight_hh") if k not in params]
    if missing:
        raise KeyError(f"faltam em params as chaves {missing}; esperado {PARAM_NAMES}")


def rnn_cell_forward(
    x: np.ndarray, h_prev: np.ndarray, params: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, tuple]:
    """Um passo da RNN: devolve ``(h, cache)``.

    ``x (B, D)``, ``h_prev (B, H)``; ``params`` com ``weight_ih (H, D)``,
    ``weight_hh (H, H)`` e, opcionalmente, ``bias_ih (H,)`` e ``bias_hh (H,)``
    (ausentes = camada sem viés, como ``bias=False`` no PyTorch).
    """
    _check_params(params)
    W_ih, W_hh = params["weight_ih"], params["weight_hh"]
    a = x @ W_ih.T + h_prev @ W_hh.T  # pré-ativação (B, H)
    if "bias_ih" in params:
        a = a + params["bias_ih"]
    if "bias_hh" in params:
        a = a + params["bias_hh"]
    h = np.tanh(a)  # (B, H)
    cache = (x, h_prev, h, params)
    return h, cache


def rnn_cell_backward(dh: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, dict]:
    """Retropropaga um passo: de ``dL/dh (B, H)`` a ``(dx, dh_prev, grads)``.

    Com ``a = x W_ih^T + h_prev W_hh^T + b`` e ``h = tanh(a)``:
    ``da = dh * (1 - h**2)``, ``dW_ih = da^T x``, ``dW_hh = da^T h_prev``,
    ``db = soma de da no lote``, ``dx = da W_ih`` e ``dh_prev = da W_hh``.
    """
    x, h_prev, h, params = cache
    da = dh * (1.0 - h**2)  # derivada da tanh escrita com a própria saída (B, H)
    grads = {
        "weight_ih": da.T @ x,  # (H, D)
        "weight_hh": da.T @ h_prev,  # (H, H)
    }
    if "bias_ih" in params:
        grads["bias_ih"] = da.sum(axis=0)
    if "bias_hh" in params:
        grads["bias_hh"] = da.sum(axis=0)
    dx = da @ params["weight_ih"]  # (B, D)
    dh_prev = da @ params["weight_hh"]  # (B, H)
    return dx, dh_prev, grads


def rnn_forward(
    X: np.ndarray, h0: np.ndarray, params: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, list]:
    """Percorre a sequência ``X (B, T, D)`` a partir de ``h0 (B, H)``.

    Devolve ``H (B, T, H)``, todos os estados ocultos, e o ``cache`` (a lista
    dos caches de cada passo) que ``rnn_backward`` consome.
    """
    X = np.asarray(X)
    if X.ndim != 3:
        raise ValueError(f"X deve ter forma (B, T, D); recebi forma {X.shape}")
    B, T, _ = X.shape
    H = np.empty((B, T, h0.shape[1]), dtype=np.result_type(X, h0, params["weight_hh"]))
    caches = []
    h = h0
    for t in range(T):
        h, cache = rnn_cell_forward(X[:, t, :], h, params)
        H[:, t, :] = h
        caches.append(cache)
    return H, caches


def rnn_backward(dH: np.ndarray, cache: list) -> tuple[np.ndarray, np.ndarray, dict]:
    """BPTT: de ``dL/dH (B, T, H)`` (gradiente vindo de cada saída) a ``(dX, dh0, grads)``.

    O gradiente que chega a ``h_t`` é a soma do que vem da saída no passo
    ``t`` (``dH[:, t]``) com o que volta do passo ``t + 1`` (``dh_next``).
    Os gradientes dos pesos são somados sobre todos os passos.
    """
    if not cache:
        raise ValueError("cache vazio: a sequência precisa ter ao menos um passo")
    B, T, _ = dH.shape
    x0 = cache[0][0]
    dX = np.empty((B, T, x0.shape[1]), dtype=dH.dtype)
    grads = {k: np.zeros_like(v) for k, v in cache[0][3].items() if k in PARAM_NAMES}
    dh_next = np.zeros_like(dH[:, 0, :])
    for t in reversed(range(T)):
        dx, dh_next, step_grads = rnn_cell_backward(dH[:, t, :] + dh_next, cache[t])
        dX[:, t, :] = dx
        for k, g in step_grads.items():
            grads[k] += g
    return dX, dh_next, grads
