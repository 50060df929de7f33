"""rnncourse.lm: lotes de palavras, perda sem o padding e bits por caractere."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from rnncourse.data import CharVocab
from rnncourse.lm import IGNORE_INDEX, encode_words, lm_loss, model_bits_per_char, word_dataset
from rnncourse.models import CharRNNLM
from rnncourse.ngram import NGramLM

WORDS = ["rede", "ar", "arara", "dado", "ideia", "era", "rei"]


@pytest.fixture
def vocab() -> CharVocab:
    return CharVocab.from_words(WORDS)


class TableLM(nn.Module):
    """Modelo de bigramas: os logits do próximo símbolo dependem só do símbolo atual."""

    def __init__(self, log_probs: torch.Tensor):
        super().__init__()
        self.table = nn.Parameter(log_probs.clone())

    def forward(self, x, state=None, return_state=False):
        logits = self.table[x]  # (B, T, V)
        return (logits, None) if return_state else logits


def test_encode_words_values(vocab):
    X, Y = encode_words(["ar", "rede"], vocab)
    a, r, e, d = (vocab.stoi[c] for c in "ared")
    i = IGNORE_INDEX
    assert X.tolist() == [[0, a, r, 0, 0], [0, r, e, d, e]]
    assert Y.tolist() == [[a, r, 0, i, i], [r, e, d, e, 0]]
    assert X.dtype == Y.dtype == torch.long


def test_encode_words_counts_len_plus_one_targets(vocab):
    _, Y = encode_words(WORDS, vocab)
    assert int((Y != IGNORE_INDEX).sum()) == sum(len(w) + 1 for w in WORDS)
    assert Y.shape == (len(WORDS), max(len(w) for w in WORDS) + 1)


def test_encode_words_rejects_empty_and_unknown(vocab):
    with pytest.raises(ValueError, match="vazia"):
        encode_words([], vocab)
    with pytest.raises(KeyError, match="fora do vocabulário"):
        encode_words(["xyz"], vocab)


def test_word_dataset_items(vocab):
    ds = word_dataset(WORDS, vocab)
    assert len(ds) == len(WORDS)
    x, y = ds[0]
    torch.testing.assert_close(x, encode_words(WORDS, vocab)[0][0])
    torch.testing.assert_close(y, encode_words(WORDS, vocab)[1][0])


def test_lm_loss_ignores_padding_and_averages_over_symbols(vocab):
    torch.manual_seed(0)
    model = CharRNNLM(len(vocab), 4, 5).double()
    X, Y = encode_words(WORDS, vocab)
    logits = model(X)
    # média manual só sobre as posições válidas
    logp = torch.log_softmax(logits, dim=-1)
    mask = Y != IGNORE_INDEX
    picked = logp[mask].gather(1, Y[mask].unsqueeze(1)).squeeze(1)
    expected = -picked.mean()
    torch.testing.assert_close(lm_loss(model, (X, Y)), expected, rtol=0, atol=1e-12)


def test_uniform_model_gives_log2_vocab(vocab):
    V = len(vocab)
    model = TableLM(torch.zeros(V, V, dtype=torch.float64))
    assert model_bits_per_char(model, WORDS, vocab) == pytest.approx(math.log2(V), abs=1e-12)


@pytest.mark.parametrize("k", [0.1, 1.0], ids=["k0.1", "k1"])
def test_bits_per_char_equals_ngram_convention(vocab, k):
    """Um modelo neural com as probabilidades de um bigrama dá exatamente os bits do NGramLM."""
    ngram = NGramLM(order=2, k=k).fit(WORDS[:4], vocab=vocab)
    table = torch.tensor(
        np.log([ngram.next_distribution(ch) for ch in vocab.itos]), dtype=torch.float64
    )
    model = TableLM(table)
    got = model_bits_per_char(model, WORDS[4:], vocab, batch_size=2)
    assert got == pytest.approx(ngram.bits_per_char(WORDS[4:]), abs=1e-12)


def test_bits_per_char_matches_step_by_step_computation(vocab):
    torch.manual_seed(1)
    model = CharRNNLM(len(vocab), 4, 5, cell="gru").double()
    total_bits, count = 0.0, 0
    for word in WORDS:
        x = torch.tensor([[0, *vocab.encode(word)]])
        probs = torch.softmax(model(x)[0], dim=-1)  # (L + 1, V)
        for t, target in enumerate([*vocab.encode(word), 0]):
            total_bits -= math.log2(probs[t, target].item())
            count += 1
    got = model_bits_per_char(model, WORDS, vocab, batch_size=3)
    assert got == pytest.approx(total_bits / count, rel=1e-12)


def test_bits_per_char_uses_eval_mode_and_restores_it(vocab):
    torch.manual_seed(2)
    model = CharRNNLM(len(vocab), 4, 8, num_layers=2, dropout=0.5)
    model.train()
    first = model_bits_per_char(model, WORDS, vocab)
    assert model.training  # volta ao modo de antes
    assert model_bits_per_char(model, WORDS, vocab) == first  # sem dropout: determinístico
