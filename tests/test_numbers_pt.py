"""A tarefa de números por extenso (rnncourse.numbers_pt): textos do num2words, conjuntos
disjuntos, vocabulário com símbolos especiais e o deslocamento de um passo entre a entrada e a
saída do decodificador (forçamento do professor)."""

from __future__ import annotations

import numpy as np
import pytest
from num2words import num2words

from rnncourse.numbers_pt import (
    BOS,
    DIGITS,
    EOS,
    MAX_NUMBER,
    PAD,
    TokenVocab,
    encode_pairs,
    number_pairs,
    number_to_words,
    split_numbers,
)


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "zero"),
        (16, "dezesseis"),
        (100, "cem"),
        (101, "cento e um"),
        (2005, "dois mil e cinco"),
        (345021, "trezentos e quarenta e cinco mil e vinte e um"),
        (1_000_000, "um milhão"),
    ],
    ids=lambda v: str(v),
)
def test_number_to_words_is_num2words_pt_br(n, text):
    assert number_to_words(n) == text == num2words(n, lang="pt_BR")


@pytest.mark.parametrize("bad", [-1, MAX_NUMBER + 1], ids=["negativo", "grande demais"])
def test_number_to_words_rejects_numbers_out_of_range(bad):
    with pytest.raises(ValueError, match="entre 0 e"):
        number_to_words(bad)


@pytest.mark.parametrize("bad", [2.0, "3", True], ids=["float", "str", "bool"])
def test_number_to_words_rejects_non_integers(bad):
    with pytest.raises(TypeError, match="inteiro"):
        number_to_words(bad)


def test_split_is_disjoint_deterministic_and_keeps_small_numbers_in_training():
    train, val, test = split_numbers([500, 200, 300], max_digits=6, seed=3)
    assert (len(train), len(val), len(test)) == (500, 200, 300)
    together = np.concatenate([train, val, test])
    assert len(np.unique(together)) == len(together)  # nada se repete
    assert set(range(100)) <= set(train.tolist())  # 0 a 99 ficam todos no treino
    assert val.min() >= 100 and test.min() >= 100 and together.max() < 10**6
    again = split_numbers([500, 200, 300], max_digits=6, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip(again, (train, val, test), strict=True))
    other = split_numbers([500, 200, 300], max_digits=6, seed=4)
    assert not np.array_equal(other[2], test)


def test_split_draws_each_number_of_digits_about_equally():
    (test,) = split_numbers([1300], max_digits=6, seed=0)
    digits = np.array([len(str(n)) for n in test if n >= 100])
    counts = np.bincount(digits, minlength=7)[3:]  # 3, 4, 5 e 6 algarismos, uns 300 de cada
    assert counts.min() > 0.8 * counts.mean()
    (many,) = split_numbers([4100], max_digits=6, seed=0)  # só há 900 de 3 algarismos:
    counts = np.bincount([len(str(n)) for n in many if n >= 100], minlength=7)[3:]
    assert counts[0] < 0.75 * counts[1:].min()  # as repetições sorteadas são descartadas


@pytest.mark.parametrize(
    ("sizes", "max_digits", "message"),
    [([10], 2, "max_digits"), ([600, 600], 3, "demais"), ([10, -1], 6, "sizes")],
    ids=["poucos algarismos", "números demais", "tamanho negativo"],
)
def test_split_rejects_impossible_requests(sizes, max_digits, message):
    with pytest.raises(ValueError, match=message):
        split_numbers(sizes, max_digits=max_digits)


def test_number_pairs_in_both_directions():
    words, digits = number_pairs([7, 1001])
    assert words == ["sete", "mil e um"] and digits == ["7", "1001"]
    assert number_pairs([7, 1001], "digits_to_words") == (digits, words)
    with pytest.raises(ValueError, match="direção"):
        number_pairs([7], "words")


def test_vocab_has_the_special_symbols_first_and_decodes_up_to_eos():
    vocab = TokenVocab(DIGITS)
    assert (PAD, BOS, EOS) == (0, 1, 2) and len(vocab) == 13
    assert vocab.encode("2005") == [5, 3, 3, 8]
    assert vocab.decode([5, 3, 3, 8, EOS, 9, PAD]) == "2005"  # para no EOS
    assert vocab.decode([BOS, 4, PAD, 5]) == "12"  # BOS e PAD não viram texto
    with pytest.raises(KeyError, match="fora do vocabulário"):
        vocab.encode("12a")
    words = TokenVocab.from_texts(["mil e um", "dez"])
    assert words.itos[3:] == sorted(set("mil e umdez"))


def test_encode_pairs_shifts_the_target_by_one_step():
    src_vocab, tgt_vocab = TokenVocab.from_texts(["mil e um", "dez"]), TokenVocab(DIGITS)
    arrays = encode_pairs(["mil e um", "dez"], ["1001", "10"], src_vocab, tgt_vocab)
    src, src_len, tgt_in, tgt_out = (arrays[k] for k in ("src", "src_len", "tgt_in", "tgt_out"))
    assert src.shape == (2, 8) and src.dtype == np.int64
    assert src_len.tolist() == [8, 3] and np.all(src[1, 3:] == PAD)
    assert tgt_in.shape == tgt_out.shape == (2, 5)
    assert tgt_in[:, 0].tolist() == [BOS, BOS]
    assert tgt_vocab.decode(tgt_out[0]) == "1001" and tgt_out[0, 4] == EOS
    assert tgt_out[1].tolist() == [4, 3, EOS, PAD, PAD]
    # a saída do passo t é a entrada do passo t + 1 (o forçamento do professor)
    symbols = (tgt_out[:, :-1] != PAD) & (tgt_out[:, :-1] != EOS)
    assert np.array_equal(tgt_out[:, :-1][symbols], tgt_in[:, 1:][symbols])


def test_encode_pairs_rejects_bad_input():
    vocab = TokenVocab(DIGITS)
    with pytest.raises(ValueError, match="mesmo tamanho"):
        encode_pairs(["1"], ["1", "2"], vocab, vocab)
    with pytest.raises(ValueError, match="vazia"):
        encode_pairs([""], ["1"], vocab, vocab)
