"""Hifenização de palavras do português como rotulagem caractere a caractere (capítulo 6).

A tarefa: para cada caractere de uma palavra, dizer se depois dele há um ponto de
hifenização, isto é, um lugar onde a palavra pode ser partida no fim de uma linha::

    palavra   r e c o r r e n t e        ->  re-cor-ren-te
    rótulos   0 1 0 0 1 0 0 1 0 0

Os rótulos vêm do ``pyphen`` (``lang="pt_BR"``), que aplica padrões de hifenização com o
algoritmo de Liang (1983), o do TeX, e o dicionário ``hyph_pt_BR.dic`` do LibreOffice, que
viaja dentro da roda do PyPI: nada é baixado. São pontos de hifenização **tipográficos**, não a
divisão silábica da escola: o hifenizador nunca deixa menos de dois caracteres no
começo ou no fim da linha (``a-ve`` não é partida) e junta alguns hiatos (``rai-nha``,
``psi-co-lo-gia``, onde a escola escreve ``ra-i-nha`` e ``psi-co-lo-gi-a``). O curso trata
o hifenizador como a referência que ele é, e mede os modelos contra ele.

O que fica aqui:

- ``hyphen_labels(word)``: os rótulos 0/1 de uma palavra;
- ``hyphenate(word, labels)``: a palavra com hífens nos pontos marcados;
- ``hyphenation_patterns()``: os padrões de Liang do ``pt_BR`` (para mostrar e contar);
- ``tagging_scores(predicted, gold)``: acurácia por palavra (todos os pontos certos) e
  precisão, revocação e F1 dos pontos de hifenização.

As palavras e a divisão determinística em treino, validação e teste vêm de
``rnncourse.data`` (``load_words``, ``split_words``). Fora do escopo: lotes,
preenchimento e modelos em PyTorch (ficam no capítulo 6) e a divisão silábica escolar.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = [
    "DEFAULT_LANG",
    "hyphen_labels",
    "hyphenate",
    "hyphenation_patterns",
    "tagging_scores",
]

#: dicionário de hifenização do curso (português do Brasil)
DEFAULT_LANG = "pt_BR"


@functools.lru_cache(maxsize=4)
def _dictionary(lang: str):
    try:
        import pyphen  # noqa: PLC0415 - leve, mas só quem hifeniza precisa dele
    except ImportError as err:  # pragma: no cover - dependência declarada
        raise ImportError(
            "o pacote 'pyphen' é necessário para a hifenização: pip install pyphen"
        ) from err
    if lang not in pyphen.LANGUAGES:
        raise ValueError(f"o pyphen não tem o dicionário {lang!r}")
    return pyphen.Pyphen(lang=lang)


def hyphen_labels(word: str, lang: str = DEFAULT_LANG) -> np.ndarray:
    """Rótulos ``(len(word),)`` em ``int64``: 1 no caractere seguido de um ponto de hifenização.

    >>> hyphen_labels("recorrente").tolist()  # re-cor-ren-te
    [0, 1, 0, 0, 1, 0, 0, 1, 0, 0]
    """
    if not isinstance(word, str) or not word:
        raise ValueError(f"word deve ser um texto não vazio, não {word!r}")
    labels = np.zeros(len(word), dtype=np.int64)
    for position in _dictionary(lang).positions(word):
        labels[position - 1] = 1  # o ponto fica entre word[position - 1] e word[position]
    return labels


def hyphenate(word: str, labels: Sequence[int] | np.ndarray, hyphen: str = "-") -> str:
    """A palavra com ``hyphen`` depois de cada caractere de rótulo 1.

    Um rótulo 1 no último caractere (que nenhum hifenizador produz, mas um modelo pode prever)
    também aparece, como um hífen no fim: assim o erro fica visível.

    >>> hyphenate("recorrente", [0, 1, 0, 0, 1, 0, 0, 1, 0, 0])
    're-cor-ren-te'
    """
    labels = np.asarray(labels)
    if labels.shape != (len(word),):
        raise ValueError(
            f"labels deve ter um rótulo por caractere: forma {labels.shape}, "
            f"mas {word!r} tem {len(word)} caracteres"
        )
    pieces = []
    for ch, label in zip(word, labels.tolist(), strict=True):
        pieces.append(ch + (hyphen if label else ""))
    return "".join(pieces)


def hyphenation_patterns(lang: str = DEFAULT_LANG) -> list[str]:
    """Os padrões de Liang do dicionário ``lang``, na ordem do arquivo.

    Num padrão como ``1b2l``, as letras são o contexto e os dígitos ficam entre elas:
    ímpar permite partir ali, par proíbe, e o maior dígito vindo de todos os padrões que
    casam com a palavra decide. ``1b2l`` diz "pode partir antes de ``bl``, não entre o ``b``
    e o ``l``".
    """
    import pyphen  # noqa: PLC0415

    _dictionary(lang)  # confere que o dicionário existe
    path = Path(pyphen.LANGUAGES[lang])
    lines = path.read_text(encoding="utf-8").splitlines()
    # a primeira linha é a codificação; linhas vazias e comentários (%) não são padrões
    return [line.strip() for line in lines[1:] if line.strip() and not line.startswith("%")]


def tagging_scores(
    predicted: Sequence[Sequence[int]] | Sequence[np.ndarray],
    gold: Sequence[Sequence[int]] | Sequence[np.ndarray],
) -> dict[str, float]:
    """Acurácia por palavra e precisão, revocação e F1 dos pontos de hifenização.

    ``predicted`` e ``gold`` são listas com um vetor 0/1 por palavra, do mesmo tamanho
    da palavra. Devolve ``word_accuracy`` (fração das palavras com **todos** os rótulos
    certos), ``char_accuracy`` (fração dos caracteres certos), ``precision`` (dos pontos
    previstos, quantos existem), ``recall`` (dos pontos que existem, quantos foram
    previstos) e ``f1`` (a média harmônica das duas). Sem nenhum ponto previsto nem
    esperado, precisão, revocação e F1 valem 1.
    """
    if len(predicted) != len(gold):
        raise ValueError(f"{len(predicted)} previsões para {len(gold)} palavras")
    if len(gold) == 0:
        raise ValueError("não há palavras para avaliar")
    words_right = chars_right = n_chars = tp = fp = fn = 0
    for i, (p, g) in enumerate(zip(predicted, gold, strict=True)):
        p, g = np.asarray(p).astype(bool), np.asarray(g).astype(bool)
        if p.shape != g.shape:
            raise ValueError(f"palavra {i}: {p.shape[0]} rótulos previstos para {g.shape[0]}")
        words_right += bool(np.all(p == g))
        chars_right += int(np.sum(p == g))
        n_chars += g.size
        tp += int(np.sum(p & g))
        fp += int(np.sum(p & ~g))
        fn += int(np.sum(~p & g))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
    return {
        "word_accuracy": words_right / len(gold),
        "char_accuracy": chars_right / n_chars,
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }
