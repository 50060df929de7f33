"""Exercícios avaliados do curso: verificação com devolutiva imediata e correção em lote.

No notebook de uma lista (no Colab ou localmente)::

    from rnncourse.grading import abrir_lista

    lista = abrir_lista(2)
    lista.verificar("q1", leaky_rnn_cell_forward)  # o que foi testado, esperado x obtido, dica
    lista.resumo()                            # tabela com os pontos de todas as questões

Para o instrutor, a correção de uma turma inteira (cada submissão numa caixa de
areia do bubblewrap, várias ao mesmo tempo, o juiz fora delas) e o autograder do
Gradescope::

    python -m rnncourse.grading corrigir submissoes/ --lista 2 --saida notas/
    python -m rnncourse.grading gradescope --lista 2

Módulos: ``core`` (questões, casos, pontos, a lista do estudante; o lado da
resposta e o lado do juiz de cada caso), ``guard`` (chamar a resposta sem cair:
exceções, tempo, entradas alteradas), ``compare`` (esperado x obtido em pt-BR),
``report`` (texto e HTML), ``wire`` (os dados simples entre a resposta e o juiz),
``lista_01`` a ``lista_05`` (os bancos de questões) e, só para quem corrige em
lote, ``batch``, ``sandbox``, ``runner``, ``remote`` e ``gradescope``.

Fora do escopo: isolar a verificação do estudante, que roda no próprio notebook
(ver ``exercises/README.md``, "Isolamento").
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
