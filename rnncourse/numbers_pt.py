"""Números por extenso em português: a tarefa sequência para sequência do capítulo 7.

Cada exemplo é um par de textos, o número escrito por extenso pelo ``num2words``
(``lang="pt_BR"``) e os seus algarismos::

    345021  <->  "trezentos e quarenta e cinco mil e vinte e um"

Os símbolos são caracteres. ``number_pairs`` monta os pares num dos dois sentidos: de extenso
para algarismos (entradas longas, saídas curtas: é onde um contexto de tamanho fixo deveria
sofrer) ou de algarismos para extenso. ``split_numbers`` sorteia números **disjuntos** para
treino, validação e teste: os números do teste nunca aparecem no treino. ``TokenVocab`` guarda
os três símbolos especiais (preenchimento, início e fim) e ``encode_pairs`` produz os arrays de
inteiros, completados com o preenchimento, que o codificador e o decodificador leem.

Tudo aqui é numpy (e o ``num2words``, instalado com o curso): nada é baixado, e o ``torch`` não
é importado. Fora do escopo: datas, números negativos ou decimais e outras línguas.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

__all__ = [
    "BOS",
    "EOS",
    "PAD",
    "TokenVocab",
    "encode_pairs",
    "number_pairs",
    "number_to_words",
    "split_numbers",
]

#: símbolos especiais e os seus índices, iguais em todo ``TokenVocab``
PAD, BOS, EOS = 0, 1, 2
_SPECIALS = ("<pad>", "<s>", "</s>")

#: os dez algarismos: o vocabulário do lado dos números
DIGITS = "0123456789"

#: maior quantidade de algarismos aceita (até as centenas de bilhão)
MAX_DIGITS = 12
MAX_NUMBER = 10**MAX_DIGITS - 1


def number_to_words(n: int) -> str:
    """O número ``n`` (de 0 a ``MAX_NUMBER``) por extenso, como o ``num2words`` escreve em pt-BR.

    >>> number_to_words(2005)
    'dois mil e cinco'
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n deve ser um inteiro, não {type(n).__name__}")
    if not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"n deve estar entre 0 e {MAX_NUMBER}, não {n}")
    from num2words import num2words  # noqa: PLC0415 - só quando usado

    return num2words(int(n), lang="pt_BR")


def split_numbers(
    sizes: Sequence[int], max_digits: int = 6, seed: int = 0
) -> tuple[np.ndarray, ...]:
    """Sorteia conjuntos disjuntos de números, um por tamanho em ``sizes`` (treino, teste...).

    Os números de 0 a 99 são poucos: eles vão todos para o primeiro conjunto (o treino), se
    couberem. Os demais são sorteados assim: primeiro a quantidade de algarismos ``d``, uniforme
    entre 3 e ``max_digits``; depois o número, uniforme entre os de ``d`` algarismos. Assim os
    números curtos (e os textos curtos) não somem no meio dos longos, que são a maioria dos
    inteiros. Nenhum número se repete, nem dentro de um conjunto nem entre conjuntos; por isso,
    quando se pedem milhares de números, os de 3 algarismos (só há 900) se esgotam nos primeiros
    conjuntos e ficam raros nos seguintes.
    """
    if not 3 <= max_digits <= MAX_DIGITS:
        raise ValueError(f"max_digits deve estar entre 3 e {MAX_DIGITS}, não {max_digits}")
    if len(sizes) == 0 or any(int(s) != s or s < 0 for s in sizes):
        raise ValueError(f"sizes deve ter tamanhos inteiros não negativos, não {sizes!r}")
    available = 10**max_digits - 100
    if sum(sizes) > available // 2:
        raise ValueError(
            f"{sum(sizes)} números é demais para {max_digits} algarismos: use no máximo "
            f"{available // 2}"
        )
    rng = np.random.default_rng(seed)
    small = list(range(100))
    n_small_first = min(len(small), sizes[0])
    chosen: set[int] = set(small[:n_small_first])
    out: list[np.ndarray] = []
    for index, size in enumerate(sizes):
        numbers = list(range(n_small_first)) if index == 0 else []
        while len(numbers) < size:
            d = int(rng.integers(3, max_digits + 1))
            n = int(rng.integers(10 ** (d - 1), 10**d))
            if n not in chosen:
                chosen.add(n)
                numbers.append(n)
        out.append(np.array(numbers, dtype=np.int64))
    return tuple(out)


def number_pairs(
    numbers: Iterable[int], direction: str = "words_to_digits"
) -> tuple[list[str], list[str]]:
    """Pares ``(entradas, saídas)`` de textos: extenso -> algarismos ou o contrário.

    ``direction`` é ``"words_to_digits"`` (entrada por extenso) ou ``"digits_to_words"``.
    """
    words = [number_to_words(int(n)) for n in numbers]
    digits = [str(int(n)) for n in numbers]
    if direction == "words_to_digits":
        return words, digits
    if direction == "digits_to_words":
        return digits, words
    raise ValueError(
        f"direção desconhecida {direction!r}: use 'words_to_digits' ou 'digits_to_words'"
    )


class TokenVocab:
    """Vocabulário de caracteres com três símbolos especiais nos índices 0, 1 e 2.

    ``PAD = 0`` completa as sequências curtas de um lote, ``BOS = 1`` é a primeira entrada do
    decodificador e ``EOS = 2`` marca o fim de uma saída.

    >>> v = TokenVocab("0123456789")
    >>> v.encode("42")
    [7, 5]
    >>> v.decode([7, 5, 2, 0])
    '42'
    """

    def __init__(self, chars: Iterable[str]) -> None:
        chars = sorted(set(chars))
        if any(len(c) != 1 for c in chars):
            raise ValueError("cada símbolo do vocabulário deve ser um único caractere")
        self.itos: list[str] = [*_SPECIALS, *chars]
        self.stoi: dict[str, int] = {c: i for i, c in enumerate(self.itos) if i > EOS}

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> TokenVocab:
        return cls(ch for text in texts for ch in text)

    def __len__(self) -> int:
        return len(self.itos)

    def __repr__(self) -> str:
        return f"TokenVocab({len(self)} símbolos: 3 especiais e {''.join(self.itos[3:])!r})"

    def encode(self, text: str) -> list[int]:
        """Índices dos caracteres de ``text`` (sem símbolos especiais)."""
        try:
            return [self.stoi[ch] for ch in text]
        except KeyError as err:
            raise KeyError(f"caractere {err.args[0]!r} fora do vocabulário em {text!r}") from None

    def decode(self, indices: Iterable[int]) -> str:
        """Texto dos índices até o primeiro ``EOS``, sem ``PAD`` nem ``BOS``."""
        out = []
        for i in indices:
            i = int(i)
            if i == EOS:
                break
            if i > EOS:
                out.append(self.itos[i])
        return "".join(out)


def encode_pairs(
    sources: Sequence[str],
    targets: Sequence[str],
    src_vocab: TokenVocab,
    tgt_vocab: TokenVocab,
) -> dict[str, np.ndarray]:
    """Arrays de inteiros (``int64``) dos pares, completados com ``PAD``.

    Devolve um dicionário com

    - ``src (N, S)``: os caracteres da entrada, sem símbolos especiais; ``src_len (N,)``, os
      comprimentos reais;
    - ``tgt_in (N, T)``: a entrada do decodificador no treino, ``BOS`` seguido da saída;
    - ``tgt_out (N, T)``: o que ele deve prever em cada passo, a saída seguida de ``EOS``.

    ``tgt_out[:, t]`` é o símbolo que vem depois de ``tgt_in[:, :t + 1]``: é o deslocamento de
    um passo do forçamento do professor. ``T`` é o maior comprimento de saída mais 1.
    """
    if len(sources) != len(targets) or len(sources) == 0:
        raise ValueError("sources e targets devem ter o mesmo tamanho, maior que zero")
    src_ids = [src_vocab.encode(s) for s in sources]
    tgt_ids = [tgt_vocab.encode(t) for t in targets]
    if any(len(s) == 0 for s in src_ids):
        raise ValueError("há uma entrada vazia")
    N, S, T = len(src_ids), max(map(len, src_ids)), max(map(len, tgt_ids)) + 1
    src = np.full((N, S), PAD, dtype=np.int64)
    tgt_in = np.full((N, T), PAD, dtype=np.int64)
    tgt_out = np.full((N, T), PAD, dtype=np.int64)
    for i, (s, t) in enumerate(zip(src_ids, tgt_ids, strict=True)):
        src[i, : len(s)] = s
        tgt_in[i, : len(t) + 1] = [BOS, *t]
        tgt_out[i, : len(t) + 1] = [*t, EOS]
    src_len = np.array([len(s) for s in src_ids], dtype=np.int64)
    return {"src": src, "src_len": src_len, "tgt_in": tgt_in, "tgt_out": tgt_out}
