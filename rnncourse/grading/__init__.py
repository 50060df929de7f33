"""Exercícios avaliados do curso: verificação com devolutiva imediata e correção em lote.

No notebook de uma lista (no Colab ou localmente)::

    from rnncourse.grading import abrir_lista

    lista = abrir_lista(2)
    lista.verificar("q1", rnn_cell_forward)   # o que foi testado, esperado x obtido, dica
    lista.resumo()                            # tabela com os pontos de todas as questões

Para o instrutor, a correção de uma turma inteira (cada submissão num kernel
separado, com limites de tempo e de memória)::

    python -m rnncourse.grading corrigir --lista 2 submissoes/ --saida notas/

Módulos: ``core`` (questões, casos, pontos, a lista do estudante), ``guard``
(chamar a resposta sem cair: exceções, tempo, entradas alteradas), ``compare``
(esperado x obtido em pt-BR), ``report`` (texto e HTML), ``lista_01`` a
``lista_05`` (os bancos de questões) e ``batch`` (a correção em lote, que
só é importada por quem a usa, porque depende do nbclient).

Fora do escopo: proteger a verificação de uma resposta maliciosa que roda no
mesmo processo (ver ``exercises/README.md``, "Isolamento").
"""

from __future__ import annotations

from rnncourse.grading.core import (
    Case,
    ExerciseList,
    ListSummary,
    Question,
    QuestionReport,
    abrir_lista,
    listas_disponiveis,
)

__all__ = [
    "Case",
    "ExerciseList",
    "ListSummary",
    "Question",
    "QuestionReport",
    "abrir_lista",
    "listas_disponiveis",
]
