"""Dados do curso que funcionam sem internet: palavras do português e vocabulário de caracteres.

A lista de palavras vem do pacote ``wordfreq`` (os dados viajam dentro da roda
do PyPI; nada é baixado em tempo de execução). Aqui ficam também o vocabulário
de caracteres com o símbolo de fronteira ``"."`` (início e fim de palavra) e a
divisão determinística em treino, validação e teste.

Fora do escopo: tokenização em subpalavras e corpora de frases.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["BOUNDARY", "CharVocab", "load_words", "split_words"]

#: símbolo de fronteira: marca o início (contexto) e o fim (alvo) de cada palavra
BOUNDARY = "."

# letras do português em minúsculas, com acentos (k, w e y fazem parte do alfabeto
# desde o Acordo Ortográfico de 1990); palavras com outros caracteres (dígitos,
# hífen, letras estrangeiras como "ñ" ou "ß") ficam de fora
_PT_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzáàâãéêíóôõúüç")


def _is_portuguese_word(word: str, min_len: int, max_len: int) -> bool:
    return min_len <= len(word) <= max_len and all(ch in _PT_LETTERS for ch in word)


def load_words(n_top: int = 30_000, min_len: int = 3, max_len: int = 14) -> list[str]:
    """Devolve palavras do português, das mais frequentes às menos, sem repetição.

    Parte das ``n_top`` palavras mais frequentes do ``wordfreq`` (``"pt"``),
    normaliza para NFC em minúsculas e mantém só as formadas por letras do
    português com comprimento entre ``min_len`` e ``max_len``.
    """
    if n_top <= 0:
        raise ValueError(f"n_top deve ser positivo, não {n_top}")
    if not 1 <= min_len <= max_len:
        raise ValueError(f"é preciso 1 <= min_len <= max_len (recebi {min_len}, {max_len})")
    try:
        from wordfreq import top_n_list
    except ImportError as err:  # pragma: no cover - dependência declarada
        raise ImportError(
            "o pacote 'wordfreq' é necessário para a lista de palavras: pip install wordfreq"
        ) from err
    seen: set[str] = set()
    words: list[str] = []
    for raw in top_n_list("pt", n_top):
        word = unicodedata.normalize("NFC", raw).lower()
        if word not in seen and _is_portuguese_word(word, min_len, max_len):
            seen.add(word)
            words.append(word)
    return words


def split_words(
    words: Sequence[str], fractions: tuple[float, float, float] = (0.8, 0.1, 0.1), seed: int = 0
) -> tuple[list[str], list[str], list[str]]:
    """Embaralha ``words`` com a semente ``seed`` e divide em (treino, validação, teste).

    A divisão é determinística: a mesma semente dá sempre as mesmas listas, e
    as três são disjuntas.
    """
    if len(fractions) != 3 or any(f < 0 for f in fractions) or abs(sum(fractions) - 1) > 1e-9:
        raise ValueError(f"fractions deve ter três valores não negativos que somam 1: {fractions}")
    unique = list(dict.fromkeys(words))
    if len(unique) != len(words):
        raise ValueError("a lista de palavras tem repetições; a divisão não seria disjunta")
    order = np.random.default_rng(seed).permutation(len(unique))
    shuffled = [unique[i] for i in order]
    n_train = int(round(fractions[0] * len(shuffled)))
    n_val = int(round(fractions[1] * len(shuffled)))
    return (
        shuffled[:n_train],
        shuffled[n_train : n_train + n_val],
        shuffled[n_train + n_val :],
    )


class CharVocab:
    """Vocabulário de caracteres; o índice 0 é sempre o símbolo de fronteira ``"."``.

    >>> v = CharVocab.from_words(["ola", "oi"])
    >>> v.encode("oi")
    [3, 2]
    >>> v.decode([3, 2])
    'oi'
    """

    def __init__(self, chars: Iterable[str]):
        chars = sorted(set(chars) - {BOUNDARY})
        if any(len(c) != 1 for c in chars):
            raise ValueError("cada símbolo do vocabulário deve ser um único caractere")
        self.itos: list[str] = [BOUNDARY, *chars]
        self.stoi: dict[str, int] = {c: i for i, c in enumerate(self.itos)}

    @classmethod
    def from_words(cls, words: Iterable[str]) -> CharVocab:
        return cls(ch for word in words for ch in word)

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, ch: object) -> bool:
        return ch in self.stoi

    def __repr__(self) -> str:
        return f"CharVocab({len(self)} símbolos: {''.join(self.itos)!r})"

    @property
    def boundary_index(self) -> int:
        return 0

    def encode(self, word: str) -> list[int]:
        """Índices dos caracteres de ``word`` (sem fronteiras)."""
        try:
            return [self.stoi[ch] for ch in word]
        except KeyError as err:
            raise KeyError(f"caractere {err.args[0]!r} fora do vocabulário em {word!r}") from None

    def decode(self, indices: Iterable[int]) -> str:
        """Texto dos índices, ignorando o símbolo de fronteira."""
        return "".join(self.itos[int(i)] for i in indices if int(i) != 0)
