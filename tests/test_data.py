"""Testes de rnncourse.data: lista de palavras, divisão treino/validação/teste e vocabulário."""

from __future__ import annotations

import unicodedata

import pytest

from rnncourse.data import BOUNDARY, CharVocab, load_words, split_words

PT_LETTERS = set("abcdefghijklmnopqrstuvwxyzáàâãéêíóôõúüç")


@pytest.fixture(scope="module")
def words() -> list[str]:
    return load_words()


# --- load_words ----------------------------------------------------------------------------


def test_load_words_only_valid_portuguese_lowercase(words):
    assert len(words) > 25_000  # das 30 000 mais frequentes, o filtro tira poucas
    for word in words:
        assert set(word) <= PT_LETTERS, word
        assert word == word.lower() == unicodedata.normalize("NFC", word), word
        assert 3 <= len(word) <= 14, word


def test_load_words_has_no_repeats_and_keeps_frequency_order(words):
    assert len(set(words)) == len(words)
    # as mais frequentes vêm primeiro; "de" e "a" ficam de fora pelo comprimento mínimo
    assert words[0] == "que"
    assert {"para", "não", "uma", "com"} <= set(words[:10])
    assert "de" not in words


def test_load_words_respects_lengths_and_is_a_prefix_for_smaller_n_top(words):
    short = load_words(n_top=2_000, min_len=2, max_len=4)
    assert short and all(2 <= len(w) <= 4 for w in short)
    assert "de" in short and "para" in short and "não" in short
    # a mesma filtragem sobre menos palavras frequentes dá um prefixo da lista maior
    head = load_words(n_top=3_000)
    assert head == words[: len(head)]


def test_load_words_is_deterministic(words):
    assert load_words() == words


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_top": 0}, "n_top deve ser positivo"),
        ({"min_len": 0}, "min_len <= max_len"),
        ({"min_len": 5, "max_len": 4}, "min_len <= max_len"),
    ],
    ids=["n_top-zero", "min_len-zero", "min-maior-que-max"],
)
def test_load_words_rejects_bad_arguments_in_portuguese(kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_words(**kwargs)


# --- split_words ---------------------------------------------------------------------------


def test_split_is_deterministic_disjoint_and_covering(words):
    train, val, test = split_words(words)
    assert (train, val, test) == split_words(words)  # mesma semente, mesma divisão
    assert not (set(train) & set(val) or set(train) & set(test) or set(val) & set(test))
    assert sorted(train + val + test) == sorted(words)
    assert len(train) == round(0.8 * len(words)) and len(val) == round(0.1 * len(words))


def test_split_sizes_and_seed():
    items = [f"w{i}" for i in range(1000)]
    train, val, test = split_words(items, fractions=(0.5, 0.3, 0.2), seed=3)
    assert (len(train), len(val), len(test)) == (500, 300, 200)
    other = split_words(items, fractions=(0.5, 0.3, 0.2), seed=4)
    assert other[0] != train  # outra semente, outra ordem
    assert sorted(other[0] + other[1] + other[2]) == sorted(items)
    # a divisão é um embaralhamento de verdade, não a ordem original
    assert train != items[:500]


def test_split_does_not_mutate_input():
    items = ["um", "dois", "três", "quatro"]
    copy = list(items)
    split_words(items, fractions=(0.5, 0.25, 0.25))
    assert items == copy


@pytest.mark.parametrize(
    "fractions",
    [(0.8, 0.1), (0.8, 0.1, 0.2), (1.2, -0.1, -0.1)],
    ids=["dois-valores", "soma-maior-que-1", "negativos"],
)
def test_split_rejects_bad_fractions(fractions):
    with pytest.raises(ValueError, match="fractions deve ter três valores"):
        split_words(["a", "b", "c"], fractions=fractions)


def test_split_rejects_repeated_words():
    with pytest.raises(ValueError, match="repetições"):
        split_words(["casa", "rede", "casa"])


# --- CharVocab -----------------------------------------------------------------------------


def test_vocab_boundary_is_index_zero_and_letters_are_sorted():
    vocab = CharVocab.from_words(["ola", "oi"])
    assert vocab.itos == [BOUNDARY, "a", "i", "l", "o"]
    assert vocab.boundary_index == 0 and vocab.stoi[BOUNDARY] == 0
    assert len(vocab) == 5
    assert vocab.encode("oi") == [4, 2]
    assert "l" in vocab and "z" not in vocab


def test_vocab_ignores_boundary_and_duplicates_in_input():
    assert CharVocab("b.a.ab").itos == [BOUNDARY, "a", "b"]


def test_vocab_round_trip_on_every_word(words):
    vocab = CharVocab.from_words(words)
    assert len(vocab) == 1 + len(set("".join(words)))
    assert all(vocab.decode(vocab.encode(w)) == w for w in words)
    # índices e símbolos se correspondem nos dois sentidos
    assert all(vocab.stoi[ch] == i for i, ch in enumerate(vocab.itos))


def test_vocab_decode_skips_boundary_and_accepts_numpy():
    np = pytest.importorskip("numpy")
    vocab = CharVocab.from_words(["rede"])
    ids = [0, *vocab.encode("rede"), 0]
    assert vocab.decode(ids) == "rede"
    assert vocab.decode(np.array(ids)) == "rede"


def test_vocab_errors_are_clear():
    vocab = CharVocab.from_words(["casa"])
    with pytest.raises(KeyError, match="fora do vocabulário"):
        vocab.encode("cama")
    with pytest.raises(ValueError, match="único caractere"):
        CharVocab(["ab", "c"])
