"""Palavras sem acentos e o sinal de cada letra: os dados da restauração de acentos (lista 6).

A tarefa: dada uma palavra escrita só com as letras de ``a`` a ``z`` (``informacao``),
devolver o sinal gráfico de cada letra, um de cinco (``MARKS``)::

    palavra   i n f o r m a c a o   ->  informação
    sinais    0 0 0 0 0 0 0 4 3 0       (4 = cedilha no c, 3 = til no a)

É uma rotulagem de sequências em que o futuro importa: o ``c`` só vira ``ç`` porque vem ``ao``
depois. As palavras vêm da lista do curso (``rnncourse.data.load_words``, do ``wordfreq``);
as que têm outros sinais (``ü``, ``à``) ficam de fora, e, quando duas palavras só diferem pelos
sinais (``esta`` e ``está``), fica a mais frequente, para que cada entrada tenha um único
rótulo certo.

O que fica aqui: ``strip_marks`` e ``restore_marks`` (de uma forma à outra), ``encode_word``
(os índices das letras, com 0 reservado ao preenchimento) e ``accent_data`` (a divisão fixa em
treino, validação e teste). Fora do escopo: modelos e treino (a questão 5 da lista 6).
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence

import numpy as np

__all__ = ["ALPHABET", "MARKS", "accent_data", "encode_word", "restore_marks", "strip_marks"]

#: letras da entrada: o índice de uma letra é a sua posição aqui mais 1 (0 = preenchimento)
ALPHABET = "abcdefghijklmnopqrstuvwxyz"
#: o sinal que cada letra recebe (o rótulo é o índice nesta tupla)
MARKS = ("nenhum", "agudo", "circunflexo", "til", "cedilha")
#: os caracteres combinantes do Unicode de cada sinal (na ordem de MARKS)
_COMBINING = ("", "\u0301", "\u0302", "\u0303", "\u0327")

_SPLITS = {"treino": (0, 5000), "validação": (5000, 7000), "teste": (7000, 9000)}
_DATA_SEED = 6  # a divisão é fixa: a mesma em qualquer máquina e com qualquer SEED


def strip_marks(word: str) -> tuple[str, list[int]] | None:
    """A palavra sem sinais e o sinal de cada letra; ``None`` se ela tiver outro caractere.

    >>> strip_marks("informação")
    ('informacao', [0, 0, 0, 0, 0, 0, 0, 4, 3, 0])
    """
    letters, marks = [], []
    for ch in word:
        parts = unicodedata.normalize("NFD", ch)
        if parts[0] not in ALPHABET or len(parts) > 2:
            return None
        if len(parts) == 2 and parts[1] not in _COMBINING[1:]:
            return None  # ü, à e outros sinais que a tarefa não cobre
        letters.append(parts[0])
        marks.append(_COMBINING.index(parts[1]) if len(parts) == 2 else 0)
    return "".join(letters), marks


def restore_marks(word: str, marks: Sequence[int]) -> str:
    """A palavra com os sinais de ``marks`` (o caminho inverso de ``strip_marks``).

    >>> restore_marks("informacao", [0, 0, 0, 0, 0, 0, 0, 4, 3, 0])
    'informação'
    """
    if len(marks) != len(word):
        raise ValueError(f"um sinal por letra: {len(marks)} sinais para {word!r}")
    if any(not 0 <= int(m) < len(MARKS) for m in marks):
        raise ValueError(f"os sinais vão de 0 a {len(MARKS) - 1}: {list(marks)}")
    text = "".join(ch + _COMBINING[int(m)] for ch, m in zip(word, marks, strict=True))
    return unicodedata.normalize("NFC", text)


def encode_word(word: str) -> list[int]:
    """Os índices das letras de ``word``: ``ALPHABET.index(letra) + 1`` (0 = preenchimento)."""
    try:
        return [ALPHABET.index(ch) + 1 for ch in word]
    except ValueError:
        raise ValueError(f"{word!r} tem caracteres fora de a-z: tire os sinais antes") from None


@functools.lru_cache(maxsize=1)
def _pool() -> tuple[tuple[str, tuple[int, ...]], ...]:
    from rnncourse.data import load_words

    seen: dict[str, tuple[int, ...]] = {}
    for word in load_words():  # das mais frequentes às menos: fica a forma mais frequente
        stripped = strip_marks(word)
        if stripped is not None and stripped[0] not in seen:
            seen[stripped[0]] = tuple(stripped[1])
    items = sorted(seen.items())
    order = np.random.default_rng(_DATA_SEED).permutation(len(items))
    return tuple(items[i] for i in order)


def accent_data(split: str = "treino") -> tuple[list[str], list[list[int]]]:
    """Palavras sem sinais e os sinais de cada letra, numa divisão fixa.

    ``split`` é ``"treino"`` (5000 palavras), ``"validação"`` (2000) ou ``"teste"`` (2000);
    as três partes são disjuntas e não dependem da semente do notebook.
    """
    if split not in _SPLITS:
        raise ValueError(f"parte desconhecida {split!r}: use uma de {sorted(_SPLITS)}")
    start, stop = _SPLITS[split]
    items = _pool()[start:stop]
    return [w for w, _ in items], [list(m) for _, m in items]
