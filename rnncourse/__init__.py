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

from rnncourse.benchmark import array_nbytes, power_law_fit, single_thread, time_calls
from rnncourse.birnn_numpy import birnn_forward, birnn_params_from_torch
from rnncourse.clipping import clip_by_norm, clip_by_value, global_norm
from rnncourse.data import CharVocab, load_words, split_words
from rnncourse.glue import format_number, glue
from rnncourse.gradcheck import check_gradients, numerical_gradient, relative_error
from rnncourse.gru_numpy import gru_backward, gru_cell_backward, gru_cell_forward, gru_forward
from rnncourse.hyphenation import hyphen_labels, hyphenate, hyphenation_patterns, tagging_scores
from rnncourse.init import identity_matrix, orthogonal_matrix, scale_to_spectral_radius
from rnncourse.jacobians import (
    jacobian_products,
    spectral_norm,
    spectral_radius,
    step_jacobians,
    tanh_step_jacobians,
)
from rnncourse.lstm_numpy import (
    lstm_backward,
    lstm_cell_backward,
    lstm_cell_forward,
    lstm_forward,
)
from rnncourse.ngram import NGramLM, select_ngram
from rnncourse.numbers_pt import (
    TokenVocab,
    encode_pairs,
    number_pairs,
    number_to_words,
    split_numbers,
)
from rnncourse.param_count import param_count
from rnncourse.rnn_numpy import rnn_backward, rnn_cell_backward, rnn_cell_forward, rnn_forward
from rnncourse.tasks import adding_problem
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
    "evaluate": "rnncourse.training",
    "encode_words": "rnncourse.lm",
    "word_dataset": "rnncourse.lm",
    "lm_loss": "rnncourse.lm",
    "model_bits_per_char": "rnncourse.lm",
    "echo_task": "rnncourse.tbptt",
    "truncated_bptt": "rnncourse.tbptt",
    "draw_lstm_cell": "rnncourse.diagrams",
    "draw_gru_cell": "rnncourse.diagrams",
    "state_gradients": "rnncourse.unrolling",
    # capítulo 8: séries temporais (o statsmodels só é importado ao carregar uma série)
    "Standardizer": "rnncourse.series",
    "ar_forecast": "rnncourse.series",
    "fit_ar": "rnncourse.series",
    "load_co2": "rnncourse.series",
    "load_sunspots": "rnncourse.series",
    "make_windows": "rnncourse.series",
    "naive_forecast": "rnncourse.series",
    "seasonal_naive_forecast": "rnncourse.series",
    "time_split": "rnncourse.series",
    # capítulo 8: a LSTM com normalização de camada
    "LayerNormLSTM": "rnncourse.layernorm_lstm",
    "LayerNormLSTMCell": "rnncourse.layernorm_lstm",
    # capítulo 7: sequência para sequência, atenção e busca em feixe
    "AdditiveAttention": "rnncourse.attention",
    "DotProductAttention": "rnncourse.attention",
    "masked_softmax": "rnncourse.attention",
    "Seq2Seq": "rnncourse.seq2seq",
    "seq2seq_loss": "rnncourse.seq2seq",
    "beam_search": "rnncourse.decoding",
    "greedy_decode": "rnncourse.decoding",
    "length_penalty": "rnncourse.decoding",
    "sequence_log_prob": "rnncourse.decoding",
    "draw_encoder_decoder": "rnncourse.seq2seq_diagram",
    # capítulo 9: recorrências lineares e a varredura paralela (minGRU)
    "MinGRU": "rnncourse.scan",
    "hillis_steele_edges": "rnncourse.scan",
    "linear_recurrence_log": "rnncourse.scan",
    "linear_recurrence_loop": "rnncourse.scan",
    "linear_recurrence_scan": "rnncourse.scan",
}

__all__ = [
    "CharVocab",
    "NGramLM",
    "TokenVocab",
    "adding_problem",
    "array_nbytes",
    "birnn_forward",
    "birnn_params_from_torch",
    "check_gradients",
    "clip_by_norm",
    "clip_by_value",
    "encode_pairs",
    "get_device",
    "format_number",
    "global_norm",
    "glue",
    "gru_backward",
    "gru_cell_backward",
    "gru_cell_forward",
    "gru_forward",
    "hyphen_labels",
    "hyphenate",
    "hyphenation_patterns",
    "identity_matrix",
    "jacobian_products",
    "load_words",
    "lstm_backward",
    "lstm_cell_backward",
    "lstm_cell_forward",
    "lstm_forward",
    "number_pairs",
    "number_to_words",
    "numerical_gradient",
    "orthogonal_matrix",
    "param_count",
    "power_law_fit",
    "relative_error",
    "rnn_backward",
    "rnn_cell_backward",
    "rnn_cell_forward",
    "rnn_forward",
    "scale_to_spectral_radius",
    "select_ngram",
    "set_seed",
    "single_thread",
    "spectral_norm",
    "spectral_radius",
    "split_numbers",
    "split_words",
    "step_jacobians",
    "tagging_scores",
    "tanh_step_jacobians",
    "time_calls",
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
