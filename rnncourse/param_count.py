"""Quantos parâmetros tem uma camada recorrente (RNN simples, LSTM, GRU).

Uma camada com ``G`` blocos de pesos (``G = 1`` na RNN simples, ``G = 4`` na
LSTM, portas (i, f, g, o), ``G = 3`` na GRU, partes (r, z, n)), entrada de
tamanho ``D`` e estado oculto de tamanho ``H`` tem

    G·H·D  (weight_ih)  +  G·H·H  (weight_hh)  +  2·G·H  (bias_ih e bias_hh)
    = G·H·(D + H) + 2·G·H

parâmetros, com a convenção do PyTorch de dois vetores de viés por camada
(``bias_ih`` e ``bias_hh``; matematicamente bastaria um, exceto no bloco ``n``
da GRU). Para uma pilha de camadas, a entrada da camada ``l > 0`` é a saída da
anterior, de tamanho ``H`` (``2H`` se a rede é bidirecional), e cada direção
tem os seus próprios pesos.

O que fica de fora: a projeção do estado oculto da LSTM (``proj_size``) e as
camadas de entrada (incorporações) e de saída, que não fazem parte da camada
recorrente.
"""

from __future__ import annotations

__all__ = ["NUM_GATES", "param_count"]

# blocos de pesos empilhados em weight_ih/weight_hh, na ordem do PyTorch
NUM_GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def param_count(
    kind: str,
    input_size: int,
    hidden_size: int,
    bias: bool = True,
    num_layers: int = 1,
    bidirectional: bool = False,
) -> int:
    """Número de parâmetros de ``nn.RNN``/``nn.LSTM``/``nn.GRU`` com esses argumentos.

    ``kind`` é ``"rnn"``, ``"lstm"`` ou ``"gru"`` (maiúsculas ou minúsculas).
    Com os valores padrão, é a fórmula de uma camada,
    ``G·H·(D + H) + 2·G·H`` (sem o termo ``2·G·H`` se ``bias=False``); o
    resultado é igual a ``sum(p.numel() for p in module.parameters())``.
    As células (``nn.LSTMCell`` etc.) têm o número de uma camada.
    """
    key = kind.lower()
    if key not in NUM_GATES:
        raise ValueError(f"kind deve ser um de {sorted(NUM_GATES)}; recebi {kind!r}")
    sizes = {"input_size": input_size, "hidden_size": hidden_size, "num_layers": num_layers}
    for name, value in sizes.items():
        if int(value) != value or value < 1:
            raise ValueError(f"{name} deve ser um inteiro positivo; recebi {value!r}")
    G, H = NUM_GATES[key], int(hidden_size)
    directions = 2 if bidirectional else 1
    total = 0
    for layer in range(int(num_layers)):
        D = int(input_size) if layer == 0 else directions * H
        per_direction = G * H * (D + H) + (2 * G * H if bias else 0)
        total += directions * per_direction
    return total
