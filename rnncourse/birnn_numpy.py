"""A RNN bidirecional em numpy: a propagação para a frente de ``nn.RNN(bidirectional=True)``.

Uma camada bidirecional (Schuster e Paliwal, 1997) são duas RNNs simples, cada uma com os
seus pesos, que leem a mesma sequência em sentidos opostos::

    direção direta:   h→_t = tanh(x_t W_ih^T + b_ih + h→_{t-1} W_hh^T + b_hh),  t = 1, ..., T
    direção reversa:  h←_t = tanh(x_t V_ih^T + c_ih + h←_{t+1} V_hh^T + c_hh),  t = T, ..., 1

e a saída do passo ``t`` junta os dois estados, ``[h→_t ; h←_t]``: ela depende da sequência
inteira, do passado (pela direção direta) e do futuro (pela reversa). A direção reversa é a
RNN do capítulo 2 (``rnncourse.rnn_forward``) aplicada à sequência invertida no tempo, com a
saída invertida de volta, para que a posição ``t`` de uma direção fique ao lado da posição
``t`` da outra.

Convenções do PyTorch (``batch_first=True``), para que os pesos de uma camada sirvam direto:

- ``params`` tem as chaves da camada 0 sem o sufixo ``_l0``: ``weight_ih``, ``weight_hh``,
  ``bias_ih``, ``bias_hh`` (direção direta) e as mesmas com ``_reverse`` (``weight_ih_reverse``
  etc., direção reversa); ``birnn_params_from_torch`` as copia de um módulo;
- ``X (B, T, D)``; ``h0 (2, B, H)``, com a direção direta em ``h0[0]`` e a reversa em ``h0[1]``
  (``None`` = zeros);
- a saída ``H_out (B, T, 2H)`` tem a direção direta nas colunas ``0:H`` e a reversa em
  ``H:2H``; o estado final ``h_n (2, B, H)`` tem o último estado de cada direção: ``h_n[0]``
  depois de ler ``x_T`` (igual a ``H_out[:, -1, :H]``) e ``h_n[1]`` depois de ler ``x_1``
  (igual a ``H_out[:, 0, H:]``, a **primeira** posição).

Numa pilha de camadas (``num_layers > 1``), a entrada da camada ``l`` é a saída ``(B, T, 2H)``
da camada ``l - 1``; ``birnn_params_from_torch(module, layer=l)`` copia os pesos de cada uma.

Fora do escopo: sequências de comprimentos diferentes no mesmo lote (o preenchimento e o
empacotamento são assunto do capítulo 6, que usa ``pack_padded_sequence`` do PyTorch), a
retropropagação e as células LSTM e GRU bidirecionais.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from rnncourse.rnn_numpy import PARAM_NAMES, rnn_forward

__all__ = ["REVERSE_SUFFIX", "birnn_forward", "birnn_params_from_torch", "split_directions"]

#: sufixo que o PyTorch dá aos parâmetros da direção reversa
REVERSE_SUFFIX = "_reverse"


def birnn_params_from_torch(module, layer: int = 0) -> dict[str, np.ndarray]:
    """Copia os pesos da camada ``layer`` de um ``nn.RNN`` bidirecional para um dict de numpy.

    Os nomes perdem o sufixo da camada e mantêm o da direção: ``weight_ih_l0`` vira
    ``weight_ih`` e ``weight_ih_l0_reverse`` vira ``weight_ih_reverse``.
    """
    if not getattr(module, "bidirectional", False):
        raise ValueError("o módulo não é bidirecional: crie-o com bidirectional=True")
    out = {}
    for name, value in module.named_parameters():
        for base in PARAM_NAMES:
            for suffix in ("", REVERSE_SUFFIX):
                if name == f"{base}_l{layer}{suffix}":
                    out[base + suffix] = value.detach().cpu().numpy().copy()
    if not out:
        raise KeyError(f"o módulo não tem a camada {layer}")
    return out


def split_directions(
    params: Mapping[str, np.ndarray],
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Separa ``params`` nos dicionários da direção direta e da reversa, com os nomes sem sufixo."""
    forward = {k: params[k] for k in PARAM_NAMES if k in params}
    backward = {k: params[k + REVERSE_SUFFIX] for k in PARAM_NAMES if k + REVERSE_SUFFIX in params}
    for direction, found in (("direta", forward), ("reversa", backward)):
        missing = [k for k in ("weight_ih", "weight_hh") if k not in found]
        if missing:
            suffix = REVERSE_SUFFIX if direction == "reversa" else ""
            names = [k + suffix for k in missing]
            raise KeyError(f"faltam em params os pesos da direção {direction}: {names}")
    if set(forward) != set(backward):
        raise KeyError(
            "as duas direções devem ter os mesmos parâmetros (com ou sem viés): "
            f"direta {sorted(forward)}, reversa {sorted(backward)}"
        )
    return forward, backward


def birnn_forward(
    X: np.ndarray, h0: np.ndarray | None, params: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Uma camada RNN bidirecional (tanh) sobre ``X (B, T, D)``; devolve ``(H_out, h_n)``.

    ``H_out (B, T, 2H)`` = ``[h→_t ; h←_t]`` em cada passo e ``h_n (2, B, H)`` com o estado
    final de cada direção, na disposição do ``nn.RNN(bidirectional=True, batch_first=True)``.
    Todas as sequências do lote têm o mesmo comprimento ``T``.
    """
    X = np.asarray(X)
    if X.ndim != 3:
        raise ValueError(f"X deve ter forma (B, T, D); recebi {X.shape}")
    forward, backward = split_directions(params)
    B, T, _ = X.shape
    if T < 1:
        raise ValueError("a sequência precisa de pelo menos um passo (T >= 1)")
    H = forward["weight_hh"].shape[0]
    if h0 is None:
        h0 = np.zeros((2, B, H), dtype=np.result_type(X, forward["weight_hh"]))
    h0 = np.asarray(h0)
    if h0.shape != (2, B, H):
        raise ValueError(
            f"h0 deve ter forma (2, B, H) = (2, {B}, {H}), com a direção direta em h0[0] e a "
            f"reversa em h0[1]; recebi {h0.shape}"
        )
    H_fwd, _ = rnn_forward(X, h0[0], forward)  # (B, T, H): h→_1, ..., h→_T
    # a reversa lê x_T, ..., x_1; inverter a saída põe h←_t de volta na posição t
    H_bwd_reversed, _ = rnn_forward(X[:, ::-1], h0[1], backward)
    H_bwd = H_bwd_reversed[:, ::-1]  # (B, T, H): h←_1, ..., h←_T
    H_out = np.concatenate([H_fwd, H_bwd], axis=-1)  # (B, T, 2H)
    h_n = np.stack([H_fwd[:, -1], H_bwd[:, 0]])  # (2, B, H): cada direção no seu último passo
    return H_out, h_n
