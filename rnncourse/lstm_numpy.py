"""A LSTM em numpy: passo para a frente e retropropagação (BPTT).

Convenções (as mesmas do ``torch.nn.LSTMCell`` e do ``torch.nn.LSTM`` com
``batch_first=True``), para que os pesos de uma camada do PyTorch sirvam
diretamente de ``params``::

    params = {k: v.detach().numpy() for k, v in torch_lstm_cell.named_parameters()}

Para uma camada ``nn.LSTM``, os nomes terminam em ``_l0`` (``weight_ih_l0``);
use ``rnncourse.rnn_numpy.params_from_torch`` para tirar o sufixo.

Formas: ``x (B, D)``, ``X (B, T, D)``, ``h`` e ``c (B, H)``, ``H`` e ``C (B, T, H)``,
``weight_ih (4H, D)``, ``weight_hh (4H, H)``, ``bias_ih (4H,)``, ``bias_hh (4H,)``.
As quatro portas estão empilhadas nas linhas dos pesos na ordem do PyTorch,
**(i, f, g, o)**: as linhas ``0:H`` são da porta de entrada, ``H:2H`` da porta
de esquecimento, ``2H:3H`` do candidato e ``3H:4H`` da porta de saída.

Equações de um passo (``σ`` é a sigmoide logística, ``⊙`` o produto elemento a
elemento; cada ``W_i*`` é o bloco de linhas da porta em ``weight_ih``/``weight_hh``)::

    i_t = σ(x_t W_ii^T + b_ii + h_{t-1} W_hi^T + b_hi)     porta de entrada
    f_t = σ(x_t W_if^T + b_if + h_{t-1} W_hf^T + b_hf)     porta de esquecimento
    g_t = tanh(x_t W_ig^T + b_ig + h_{t-1} W_hg^T + b_hg)  candidato
    o_t = σ(x_t W_io^T + b_io + h_{t-1} W_ho^T + b_ho)     porta de saída
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
    h_t = o_t ⊙ tanh(c_t)

Por que o gradiente sobrevive: o estado da célula ``c`` é atualizado por uma
soma, não por uma multiplicação de matriz seguida de não linearidade. Pelo
caminho direto de ``c_{t-1}`` a ``c_t``, a derivada é

    ∂c_t/∂c_{t-1} = diag(f_t)

(há também caminhos indiretos, através de ``h_{t-1}`` e das portas, que passam
por ``W_hh``). Sem porta de esquecimento (``f_t = 1``), esse é o "carrossel de
erro constante" (*constant error carousel*) de Hochreiter e Schmidhuber (1997):
o erro atravessa muitos passos sem encolher nem crescer. A porta de
esquecimento, de Gers, Schmidhuber e Cummins (2000), deixa a rede aprender
quando apagar a memória; enquanto ``f_t`` fica perto de 1, o gradiente
atravessa o caminho aditivo quase intacto. Não há ``W_hh`` nem derivada de
ativação nesse produto, ao contrário da RNN simples.

O que fica de fora: conexões *peephole*, projeção do estado oculto
(``proj_size`` do PyTorch), várias camadas e bidirecionalidade; ``params`` é
sempre o de uma única camada, numa única direção.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from rnncourse.rnn_numpy import PARAM_NAMES, check_gate_params, sigmoid

__all__ = [
    "lstm_backward",
    "lstm_cell_backward",
    "lstm_cell_forward",
    "lstm_forward",
]

NUM_GATES = 4  # (i, f, g, o)


def _check_params(params: Mapping[str, np.ndarray], input_size: int, hidden_size: int) -> None:
    check_gate_params(params, input_size, hidden_size, NUM_GATES, "LSTM: 4 portas (i, f, g, o)")


def lstm_cell_forward(
    x: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, params: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, tuple]:
    """Um passo da LSTM: devolve ``(h, c, cache)``.

    ``x (B, D)``, ``h_prev (B, H)``, ``c_prev (B, H)``; ``params`` com
    ``weight_ih (4H, D)``, ``weight_hh (4H, H)`` e, opcionalmente,
    ``bias_ih (4H,)`` e ``bias_hh (4H,)`` (ausentes = camada sem viés, como
    ``bias=False`` no PyTorch). Portas na ordem (i, f, g, o).

    O ``cache`` é a tupla ``(x, h_prev, c_prev, i, f, g, o, tanh_c, params)``.
    """
    if x.ndim != 2 or h_prev.ndim != 2 or c_prev.shape != h_prev.shape:
        raise ValueError(
            f"esperado x (B, D), h_prev (B, H) e c_prev (B, H); recebi x {x.shape}, "
            f"h_prev {h_prev.shape} e c_prev {c_prev.shape}"
        )
    Hs = h_prev.shape[1]
    _check_params(params, x.shape[1], Hs)
    a = x @ params["weight_ih"].T + h_prev @ params["weight_hh"].T  # pré-ativações (B, 4H)
    if "bias_ih" in params:
        a = a + params["bias_ih"]
    if "bias_hh" in params:
        a = a + params["bias_hh"]
    i = sigmoid(a[:, 0 * Hs : 1 * Hs])  # porta de entrada (B, H)
    f = sigmoid(a[:, 1 * Hs : 2 * Hs])  # porta de esquecimento (B, H)
    g = np.tanh(a[:, 2 * Hs : 3 * Hs])  # candidato (B, H)
    o = sigmoid(a[:, 3 * Hs : 4 * Hs])  # porta de saída (B, H)
    c = f * c_prev + i * g  # caminho aditivo da célula (B, H)
    tanh_c = np.tanh(c)  # (B, H)
    h = o * tanh_c  # (B, H)
    cache = (x, h_prev, c_prev, i, f, g, o, tanh_c, params)
    return h, c, cache


def lstm_cell_backward(
    dh: np.ndarray, dc: np.ndarray, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """Retropropaga um passo: de ``dL/dh`` e ``dL/dc (B, H)`` a ``(dx, dh_prev, dc_prev, grads)``.

    ``dc`` é o gradiente que chega a ``c`` por fora de ``h`` (o que volta do
    passo seguinte). Somando o que chega por ``h = o ⊙ tanh(c)``:
    ``dc_total = dc + dh ⊙ o ⊙ (1 - tanh(c)**2)``. Daí ``dc_prev = dc_total ⊙ f``
    (o caminho aditivo), ``di = dc_total ⊙ g``, ``df = dc_total ⊙ c_prev``,
    ``dg = dc_total ⊙ i`` e ``do = dh ⊙ tanh(c)``; cada um passa pela derivada da
    sua ativação (``σ' = σ(1 - σ)``, ``tanh' = 1 - tanh**2``) e os quatro formam
    ``da (B, 4H)``, de onde saem ``dW_ih = da^T x``, ``dW_hh = da^T h_prev``,
    ``db = soma de da no lote``, ``dx = da W_ih`` e ``dh_prev = da W_hh``.
    """
    x, h_prev, c_prev, i, f, g, o, tanh_c, params = cache
    dc_total = dc + dh * o * (1.0 - tanh_c**2)  # (B, H)
    da = np.concatenate(
        [
            dc_total * g * i * (1.0 - i),  # porta de entrada
            dc_total * c_prev * f * (1.0 - f),  # porta de esquecimento
            dc_total * i * (1.0 - g**2),  # candidato
            dh * tanh_c * o * (1.0 - o),  # porta de saída
        ],
        axis=1,
    )  # (B, 4H), na ordem (i, f, g, o)
    grads = {
        "weight_ih": da.T @ x,  # (4H, D)
        "weight_hh": da.T @ h_prev,  # (4H, H)
    }
    if "bias_ih" in params:
        grads["bias_ih"] = da.sum(axis=0)  # (4H,)
    if "bias_hh" in params:
        grads["bias_hh"] = da.sum(axis=0)  # (4H,)
    dx = da @ params["weight_ih"]  # (B, D)
    dh_prev = da @ params["weight_hh"]  # (B, H)
    dc_prev = dc_total * f  # ∂c_t/∂c_{t-1} = diag(f_t) (B, H)
    return dx, dh_prev, dc_prev, grads


def lstm_forward(
    X: np.ndarray, h0: np.ndarray, c0: np.ndarray, params: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, list]:
    """Percorre a sequência ``X (B, T, D)`` a partir de ``h0`` e ``c0 (B, H)``.

    Devolve ``H (B, T, H)`` e ``C (B, T, H)``, todos os estados ocultos e todos
    os estados da célula, e o ``cache`` (a lista dos caches de cada passo) que
    ``lstm_backward`` consome. ``H`` é a saída ``output`` do ``nn.LSTM``;
    ``H[:, -1]`` e ``C[:, -1]`` são o ``(h_n, c_n)`` dele.
    """
    X = np.asarray(X)
    if X.ndim != 3:
        raise ValueError(f"X deve ter forma (B, T, D); recebi forma {X.shape}")
    B, T, _ = X.shape
    if h0.shape[0] != B:
        raise ValueError(f"h0 tem {h0.shape[0]} exemplos e X tem {B}; esperado h0 ({B}, H)")
    dtype = np.result_type(X, h0, c0, params["weight_hh"])
    H = np.empty((B, T, h0.shape[1]), dtype=dtype)
    C = np.empty((B, T, h0.shape[1]), dtype=dtype)
    caches = []
    h, c = h0, c0
    for t in range(T):
        h, c, cache = lstm_cell_forward(X[:, t, :], h, c, params)
        H[:, t, :] = h
        C[:, t, :] = c
        caches.append(cache)
    return H, C, caches


def lstm_backward(
    dH: np.ndarray, cache: list, dC: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """BPTT da LSTM: de ``dL/dH (B, T, H)`` a ``(dX, dh0, dc0, grads)``.

    ``dH`` é o gradiente da perda em relação a todos os estados ocultos (o que
    vem de cada saída). O gradiente em relação aos estados da célula é, por
    padrão, tomado como zero (``dC=None``), porque em geral a perda não usa
    ``C`` diretamente: em particular, o estado final da célula ``c_T`` só a
    influencia através de ``h_T``. Se a sua perda usa ``C``, passe ``dC (B, T, H)``.

    A cada passo, o gradiente que chega a ``h_t`` é ``dH[:, t]`` mais o que volta
    do passo ``t + 1``; o que chega a ``c_t`` é ``dC[:, t]`` (se houver) mais o
    que volta pelo caminho aditivo. Os gradientes dos pesos, compartilhados por
    todos os passos, são somados.
    """
    if not cache:
        raise ValueError("cache vazio: a sequência precisa ter ao menos um passo")
    B, T, _ = dH.shape
    if T != len(cache):
        raise ValueError(f"dH tem {T} passos, mas o cache guarda {len(cache)}")
    if dC is not None and dC.shape != dH.shape:
        raise ValueError(f"dC deve ter a forma de dH, {dH.shape}; recebi {dC.shape}")
    x0, params = cache[0][0], cache[0][-1]
    dX = np.empty((B, T, x0.shape[1]), dtype=np.result_type(dH, x0))
    grads = {k: np.zeros_like(v) for k, v in params.items() if k in PARAM_NAMES}
    dh_next = np.zeros_like(dH[:, 0, :])
    dc_next = np.zeros_like(dH[:, 0, :])  # dL/dc_T = 0 por fora de h_T
    for t in reversed(range(T)):
        dc_t = dc_next if dC is None else dc_next + dC[:, t, :]
        dx, dh_next, dc_next, step_grads = lstm_cell_backward(dH[:, t, :] + dh_next, dc_t, cache[t])
        dX[:, t, :] = dx
        for k, gk in step_grads.items():
            grads[k] += gk
    return dX, dh_next, dc_next, grads
