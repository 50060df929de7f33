"""rnncourse: o pacote de apoio do curso de redes neurais recorrentes.

Cada módulo cobre um conceito. As funções em numpy (só dependem do numpy) são
importadas já aqui; tudo o que precisa de PyTorch ou de matplotlib é carregado
sob demanda, no primeiro acesso (PEP 562), para que ``import rnncourse`` seja
leve: o avaliador de exercícios e os testes de numpy não pagam o custo de
importar o torch.
"""

from __future__ import annotations

import importlib
from typing import Any

from rnncourse.data import CharVocab, load_words, split_words
from rnncourse.gru_numpy import gru_backward, gru_cell_backward, gru_cell_forward, gru_forward
from rnncourse.lstm_numpy import (
    lstm_backward,
    lstm_cell_backward,
    lstm_cell_forward,
    lstm_forward,
)
from rnncourse.ngram import NGramLM, select_ngram
from rnncourse.param_count import param_count
from rnncourse.rnn_numpy import rnn_backward, rnn_cell_backward, rnn_cell_forward, rnn_forward
from rnncourse.utils import get_device, set_seed

__version__ = "0.1.0"

# nome público -> módulo que o define (carregado só quando alguém o usa)
_LAZY = {
    "CharRNNLM": "rnncourse.models",
    "fit": "rnncourse.training",
    "History": "rnncourse.training",
    "TrainConfig": "rnncourse.training",
    "sample": "rnncourse.sampling",
    "apply_temperature": "rnncourse.sampling",
    "use_style": "rnncourse.plotting",
    "plot_history": "rnncourse.plotting",
    "draw_unrolled_rnn": "rnncourse.plotting",
}

__all__ = [
    "CharVocab",
    "NGramLM",
    "get_device",
    "gru_backward",
    "gru_cell_backward",
    "gru_cell_forward",
    "gru_forward",
    "load_words",
    "lstm_backward",
    "lstm_cell_backward",
    "lstm_cell_forward",
    "lstm_forward",
    "param_count",
    "rnn_backward",
    "rnn_cell_backward",
    "rnn_cell_forward",
    "rnn_forward",
    "select_ngram",
    "set_seed",
    "split_words",
    *sorted(_LAZY),
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"o módulo 'rnncourse' não tem o atributo {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # próximos acessos não passam mais por aqui
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
