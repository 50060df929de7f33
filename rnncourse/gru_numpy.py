"""A GRU em numpy, na variante do PyTorch: passo para a frente e retropropagação (BPTT).

Convenções (as mesmas do ``torch.nn.GRUCell`` e do ``torch.nn.GRU`` com
``batch_first=True``), para que os pesos de uma camada do PyTorch sirvam
diretamente de ``params``::

    params = {k: v.detach().numpy() for k, v in torch_gru_cell.named_parameters()}

Para uma camada ``nn.GRU``, os nomes terminam em ``_l0`` (``weight_ih_l0``);
use ``rnncourse.rnn_numpy.params_from_torch`` para tirar o sufixo.

Formas: ``x (B, D)``, ``X (B, T, D)``, ``h (B, H)``, ``H (B, T, H)``,
``weight_ih (3H, D)``, ``weight_hh (3H, H)``, ``bias_ih (3H,)``, ``bias_hh (3H,)``.
As três partes estão empilhadas nas linhas dos pesos na ordem do PyTorch,
**(r, z, n)**: as linhas ``0:H`` são da porta de reinicialização (*reset*), ``H:2H``
da porta de atualização (*update*) e ``2H:3H`` do candidato ``n``.

Equações de um passo, **na variante do PyTorch** (``σ`` é a sigmoide
logística, ``⊙`` o produto elemento a elemento)::

    r_t = σ(x_t W_ir^T + b_ir + h_{t-1} W_hr^T + b_hr)           porta de reinicialização
    z_t = σ(x_t W_iz^T + b_iz + h_{t-1} W_hz^T + b_hz)           porta de atualização
    n_t = tanh(x_t W_in^T + b_in + r_t ⊙ (h_{t-1} W_hn^T + b_hn))  candidato
    h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}

Comparação com o artigo que propôs a GRU, Cho et al. (2014, seção 2.3):

1. No artigo, a porta de reinicialização age sobre o estado **antes** do produto pela
   matriz: ``n_t = tanh(x_t W_in^T + (r_t ⊙ h_{t-1}) W_hn^T)``. No PyTorch (como
   no cuDNN), ela multiplica o resultado do produto, viés ``b_hn`` incluído:
   ``r_t ⊙ (h_{t-1} W_hn^T + b_hn)``. Com os mesmos pesos, as duas versões dão
   resultados diferentes; o PyTorch não oferece a versão do artigo.
2. O papel de ``z``: no artigo, como no PyTorch, ``z_t`` multiplica o estado
   anterior, ``h_t = z_t ⊙ h_{t-1} + (1 - z_t) ⊙ n_t``, e ``z_t`` perto de 1
   **conserva** a memória. Outros textos trocam os papéis de ``z_t`` e
   ``1 - z_t``, ``h_t = (1 - z_t) ⊙ h_{t-1} + z_t ⊙ n_t`` (por exemplo, Chung et
   al., 2014): aí ``z_t`` perto de 1 substitui o estado pelo candidato. É só
   trocar ``z`` por ``1 - z``, mas a leitura de "porta aberta" se inverte;
   confira a convenção antes de comparar fórmulas de fontes diferentes.

Por causa do item 1, os gradientes de ``bias_ih`` e ``bias_hh`` diferem
no bloco do candidato (na LSTM e na RNN simples eles são iguais).

O que fica de fora: várias camadas e bidirecionalidade; ``params`` é sempre o
de uma única camada, numa única direção.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from rnncourse.rnn_numpy import PARAM_NAMES, check_gate_params, sigmoid

__all__ = [
    "gru_backward",
    "gru_cell_backward",
    "gru_cell_forward",
    "gru_forward",
]

NUM_GATES = 3  # (r, z, n)


def _check_params(params: Mapping[str, np.ndarray], input_size: int, hidden_size: int) -> None:
    check_gate_params(params, input_size, hidden_size, NUM_GATES, "GRU: 3 partes (r, z, n)")


def gru_cell_forward(
    x: np.ndarray, h_prev: np.ndarray, params: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, tuple]:
    """Um passo da GRU (variante do PyTorch): devolve ``(h, cache)``.

    ``x (B, D)``, ``h_prev (B, H)``; ``params`` com ``weight_ih (3H, D)``,
    ``weight_hh (3H, H)`` e, opcionalmente, ``bias_ih (3H,)`` e ``bias_hh (3H,)``
    (ausentes = camada sem viés, como ``bias=False`` no PyTorch). Partes na
    ordem (r, z, n).

    O ``cache`` é a tupla ``(x, h_prev, r, z, n, hn, params)``, em que
    ``hn = h_prev W_hn^T + b_hn`` é a parte recorrente do candidato, antes de
    ser multiplicada por ``r``.
    """
    if x.ndim != 2 or h_prev.ndim != 2 or x.shape[0] != h_prev.shape[0]:
        raise ValueError(
            f"esperado x (B, D) e h_prev (B, H); recebi x {x.shape} e h_prev {h_prev.shape}"
        )
    Hs = h_prev.shape[1]
    _check_params(params, x.shape[1], Hs)
    gi = x @ params["weight_ih"].T  # parte da entrada (B, 3H)
    gh = h_prev @ params["weight_hh"].T  # parte recorrente (B, 3H)
    if "bias_ih" in params:
        gi = gi + params["bias_ih"]
    if "bias_hh" in params:
        gh = gh + params["bias_hh"]
    r = sigmoid(gi[:, 0 * Hs : 1 * Hs] + gh[:, 0 * Hs : 1 * Hs])  # reinício (B, H)
    z = sigmoid(gi[:, 1 * Hs : 2 * Hs] + gh[:, 1 * Hs : 2 * Hs])  # atualização (B, H)
    hn = gh[:, 2 * Hs : 3 * Hs]  # h_prev W_hn^T + b_hn (B, H)
    n = np.tanh(gi[:, 2 * Hs : 3 * Hs] + r * hn)  # candidato: r depois do produto (B, H)
    h = (1.0 - z) * n + z * h_prev  # z perto de 1 conserva h_prev (B, H)
    cache = (x, h_prev, r, z, n, hn, params)
    return h, cache


def gru_cell_backward(dh: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, dict]:
    """Retropropaga um passo: de ``dL/dh (B, H)`` a ``(dx, dh_prev, grads)``.

    De ``h = (1 - z) ⊙ n + z ⊙ h_prev``: ``dn = dh ⊙ (1 - z)``,
    ``dz = dh ⊙ (h_prev - n)`` e um caminho direto ``dh ⊙ z`` para ``h_prev``.
    Com ``a_n = gi_n + r ⊙ hn`` e ``da_n = dn ⊙ (1 - n**2)``: ``dr = da_n ⊙ hn``
    e o bloco recorrente do candidato recebe ``da_n ⊙ r`` (a entrada recebe
    ``da_n`` inteiro). Passando ``dr`` e ``dz`` pela derivada da sigmoide,
    montam-se ``dgi (B, 3H)`` e ``dgh (B, 3H)``, de onde saem
    ``dW_ih = dgi^T x``, ``dW_hh = dgh^T h_prev``, os vieses (somas no lote),
    ``dx = dgi W_ih`` e ``dh_prev = dgh W_hh + dh ⊙ z``.
    """
    x, h_prev, r, z, n, hn, params = cache
    dn = dh * (1.0 - z)  # (B, H)
    dz = dh * (h_prev - n)  # (B, H)
    da_n = dn * (1.0 - n**2)  # pré-ativação do candidato (B, H)
    da_r = da_n * hn * r * (1.0 - r)  # (B, H)
    da_z = dz * z * (1.0 - z)  # (B, H)
    dgi = np.concatenate([da_r, da_z, da_n], axis=1)  # (B, 3H), ordem (r, z, n)
    dgh = np.concatenate([da_r, da_z, da_n * r], axis=1)  # (B, 3H)
    grads = {
        "weight_ih": dgi.T @ x,  # (3H, D)
        "weight_hh": dgh.T @ h_prev,  # (3H, H)
    }
    if "bias_ih" in params:
        grads["bias_ih"] = dgi.sum(axis=0)  # (3H,)
    if "bias_hh" in params:
        grads["bias_hh"] = dgh.sum(axis=0)  # (3H,), difere de bias_ih no bloco n
    dx = dgi @ params["weight_ih"]  # (B, D)
    dh_prev = dgh @ params["weight_hh"] + dh * z  # (B, H)
    return dx, dh_prev, grads


def gru_forward(
    X: np.ndarray, h0: np.ndarray, params: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, list]:
    """Percorre a sequência ``X (B, T, D)`` a partir de ``h0 (B, H)``.

    Devolve ``H (B, T, H)``, todos os estados ocultos (a saída ``output`` do
    ``nn.GRU``; ``H[:, -1]`` é o ``h_n``), e o ``cache`` (a lista dos caches de
    cada passo) que ``gru_backward`` consome.
    """
    X = np.asarray(X)
    if X.ndim != 3:
        raise ValueError(f"X deve ter forma (B, T, D); recebi forma {X.shape}")
    B, T, _ = X.shape
    H = np.empty((B, T, h0.shape[1]), dtype=np.result_type(X, h0, params["weight_hh"]))
    caches = []
    h = h0
    for t in range(T):
        h, cache = gru_cell_forward(X[:, t, :], h, params)
        H[:, t, :] = h
        caches.append(cache)
    return H, caches


def gru_backward(dH: np.ndarray, cache: list) -> tuple[np.ndarray, np.ndarray, dict]:
    """BPTT da GRU: de ``dL/dH (B, T, H)`` (gradiente vindo de cada saída) a ``(dX, dh0, grads)``.

    O gradiente que chega a ``h_t`` é a soma do que vem da saída no passo
    ``t`` (``dH[:, t]``) com o que volta do passo ``t + 1``. Os gradientes dos
    pesos, compartilhados por todos os passos, são somados.
    """
    if not cache:
        raise ValueError("cache vazio: a sequência precisa ter ao menos um passo")
    B, T, _ = dH.shape
    if T != len(cache):
        raise ValueError(f"dH tem {T} passos, mas o cache guarda {len(cache)}")
    x0, params = cache[0][0], cache[0][-1]
    dX = np.empty((B, T, x0.shape[1]), dtype=np.result_type(dH, x0))
    grads = {k: np.zeros_like(v) for k, v in params.items() if k in PARAM_NAMES}
    dh_next = np.zeros_like(dH[:, 0, :])
    for t in reversed(range(T)):
        dx, dh_next, step_grads = gru_cell_backward(dH[:, t, :] + dh_next, cache[t])
        dX[:, t, :] = dx
        for k, g in step_grads.items():
            grads[k] += g
    return dX, dh_next, grads
