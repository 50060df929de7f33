"""Modelo de linguagem de n-gramas de caracteres, com suavização aditiva.

Cada palavra é lida como ``"." * (n - 1) + palavra + "."``: o contexto inicial
é feito de símbolos de fronteira e o modelo também precisa prever o fim da
palavra. Assim, uma palavra de ``L`` letras tem ``L + 1`` previsões, e é sobre
elas que medimos a entropia cruzada em bits por caractere (a mesma convenção
que o modelo recorrente do capítulo 2 usa, para que os números se comparem).

Suavização aditiva (Lidstone; ``k = 1`` é a de Laplace)::

    P(c | contexto) = (N(contexto, c) + k) / (N(contexto) + k |V|)

Fora do escopo: retrocesso (*backoff*) e Kneser-Ney (ver Chen e Goodman, 1999).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

from rnncourse.data import BOUNDARY, CharVocab

__all__ = ["NGramLM", "select_ngram"]


class NGramLM:
    """Modelo de n-gramas de caracteres com suavização aditiva ``k``.

    ``order`` é o ``n``: o modelo olha ``n - 1`` caracteres para trás.
    """

    def __init__(self, order: int = 3, k: float = 1.0):
        if int(order) != order or order < 1:
            raise ValueError(f"a ordem n deve ser um inteiro >= 1, não {order!r}")
        if not k > 0:
            raise ValueError(f"a constante de suavização k deve ser > 0, não {k!r}")
        self.order = int(order)
        self.k = float(k)
        self.vocab: CharVocab | None = None
        self.counts: dict[str, Counter] = defaultdict(Counter)
        self.totals: Counter = Counter()

    def __repr__(self) -> str:
        return f"NGramLM(order={self.order}, k={self.k})"

    def _padded(self, word: str) -> str:
        return BOUNDARY * (self.order - 1) + word + BOUNDARY

    def _events(self, word: str) -> Iterable[tuple[str, str]]:
        """Pares (contexto, próximo caractere) de uma palavra: ``len(word) + 1`` pares."""
        padded = self._padded(word)
        n = self.order
        for i in range(n - 1, len(padded)):
            yield padded[i - n + 1 : i], padded[i]

    def fit(self, words: Sequence[str], vocab: CharVocab | None = None) -> NGramLM:
        """Conta os n-gramas de ``words``; devolve o próprio modelo."""
        if len(words) == 0:
            raise ValueError("não dá para treinar com uma lista de palavras vazia")
        chars = set().union(*words)
        if BOUNDARY in chars:
            raise ValueError(
                f"as palavras não podem conter o símbolo de fronteira {BOUNDARY!r}, "
                "que o modelo reserva para o início e o fim"
            )
        vocab = vocab if vocab is not None else CharVocab.from_words(words)
        missing = sorted(ch for ch in chars if ch not in vocab)
        if missing:
            # sem esta verificação, as contagens desses caracteres entrariam nos
            # totais e as distribuições deixariam de somar 1
            raise ValueError(f"o vocabulário não tem os caracteres {''.join(missing)!r} do treino")
        self.vocab = vocab
        self.counts = defaultdict(Counter)
        self.totals = Counter()
        for word in words:
            for context, ch in self._events(word):
                self.counts[context][ch] += 1
                self.totals[context] += 1
        return self

    def _require_fit(self) -> CharVocab:
        if self.vocab is None:
            raise RuntimeError("o modelo ainda não foi treinado: chame .fit(palavras) antes")
        return self.vocab

    def prob(self, context: str, ch: str) -> float:
        """``P(ch | contexto)``; usa só os últimos ``n - 1`` caracteres do contexto."""
        vocab = self._require_fit()
        if ch not in vocab:
            raise KeyError(
                f"caractere {ch!r} fora do vocabulário; se ele é legítimo, construa o "
                "vocabulário com todas as palavras e passe-o em fit(..., vocab=...)"
            )
        # os últimos n - 1 símbolos, completando com fronteiras à esquerda
        context = (BOUNDARY * (self.order - 1) + context)[len(context) :]
        # .get em vez de [...]: consultar um contexto nunca visto não deve
        # acrescentá-lo a self.counts (o defaultdict faria isso)
        seen = self.counts.get(context)
        count = seen[ch] if seen is not None else 0
        return (count + self.k) / (self.totals[context] + self.k * len(vocab))

    def next_distribution(self, context: str) -> np.ndarray:
        """Vetor de probabilidades do próximo símbolo, na ordem de ``vocab.itos``."""
        vocab = self._require_fit()
        return np.array([self.prob(context, ch) for ch in vocab.itos])

    def log2_prob_word(self, word: str) -> float:
        """``log2 P(palavra, fim)``: soma dos ``len(word) + 1`` termos."""
        self._require_fit()
        return sum(math.log2(self.prob(ctx, ch)) for ctx, ch in self._events(word))

    def bits_per_char(self, words: Sequence[str]) -> float:
        """Entropia cruzada média, em bits, por símbolo previsto (letras e fim de palavra)."""
        total_bits = 0.0
        total_symbols = 0
        for word in words:
            total_bits -= self.log2_prob_word(word)
            total_symbols += len(word) + 1
        if total_symbols == 0:
            raise ValueError("a lista de palavras está vazia")
        return total_bits / total_symbols

    def perplexity(self, words: Sequence[str]) -> float:
        """Perplexidade por símbolo: ``2 ** bits_per_char``."""
        return 2.0 ** self.bits_per_char(words)

    def sample(self, rng: np.random.Generator, max_len: int = 30) -> str:
        """Gera uma palavra sorteando um caractere por vez até o símbolo de fim."""
        vocab = self._require_fit()
        out = ""
        for _ in range(max_len):
            p = self.next_distribution(out)
            ch = vocab.itos[rng.choice(len(vocab), p=p / p.sum())]
            if ch == BOUNDARY:
                break
            out += ch
        return out


def select_ngram(
    train_words: Sequence[str],
    val_words: Sequence[str],
    orders: Iterable[int] = (1, 2, 3, 4, 5, 6),
    ks: Iterable[float] = (0.01, 0.03, 0.1, 0.3, 1.0),
    vocab: CharVocab | None = None,
) -> tuple[NGramLM, dict[tuple[int, float], float]]:
    """Escolhe ``(n, k)`` pelo menor bits/caractere na validação.

    Treina um modelo por combinação com ``train_words`` (todos com o mesmo
    vocabulário) e devolve o melhor modelo e a tabela
    ``{(n, k): bits por caractere na validação}``. O conjunto de teste não
    entra aqui: ele fica reservado para a comparação final.

    ``vocab`` é o conjunto de símbolos que o modelo pode prever. Sem ele, usa
    os caracteres do treino e da validação; uma palavra de teste com um
    caractere que não aparece em nenhum dos dois daria ``KeyError`` ao ser
    avaliada. Para evitar isso, passe o vocabulário de *todas* as palavras
    (``CharVocab.from_words(palavras)``): o alfabeto é fixado de antemão, não é
    uma estatística aprendida, e o caractere novo recebe a probabilidade que a
    suavização dá a símbolos nunca vistos.
    """
    if vocab is None:
        vocab = CharVocab.from_words([*train_words, *val_words])
    table: dict[tuple[int, float], float] = {}
    best: NGramLM | None = None
    best_bpc = math.inf
    for n in orders:
        for k in ks:
            model = NGramLM(n, k).fit(train_words, vocab=vocab)
            bpc = model.bits_per_char(val_words)
            table[(n, k)] = bpc
            if bpc < best_bpc:
                best, best_bpc = model, bpc
    if best is None:
        raise ValueError("orders e ks não podem ser vazios")
    return best, table
