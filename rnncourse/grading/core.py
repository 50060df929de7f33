"""O motor das listas avaliadas: questões, casos de teste, pontos e a lista do estudante.

Uma ``Question`` tem casos (``Case``); cada caso cria entradas novas, chama a
resposta com limite de tempo (``guard.call_answer``), confere que as entradas
não foram alteradas e julga o que voltou (``Case.judge``, que usa
``compare.py``). A nota da questão é proporcional ao peso dos casos que
passaram; uma resposta que levanta exceção, devolve ``None``, estoura o tempo
ou altera as entradas não ganha nada naquele caso.

``ExerciseList`` é o que o estudante usa no notebook (nomes em pt-BR)::

    lista = abrir_lista(2)
    lista.verificar("q1", rnn_cell_forward)   # relatório da questão
    lista.resumo()                            # tabela com todas as questões

Os relatórios aparecem como HTML no Jupyter e no Colab e como texto em
qualquer outro lugar (``report.py``). O instrutor acrescenta casos ocultos
com ``adicionar_teste_oculto`` (nas células de instrutor da fonte da lista)
e a correção em lote usa ``grade_namespace`` e ``write_results``.

Fora do escopo: executar notebooks e isolar submissões (``batch.py``).
"""

from __future__ import annotations

import importlib
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rnncourse.grading.compare import Failure
from rnncourse.grading.guard import (
    call_answer,
    describe_exception,
    find_mutation,
    safe_copy,
    safe_repr,
)

__all__ = [
    "LISTS",
    "Case",
    "CaseResult",
    "ExerciseList",
    "ListSummary",
    "Question",
    "QuestionReport",
    "abrir_lista",
    "canonical_list_id",
    "listas_disponiveis",
]

#: identificador da lista -> módulo do banco de questões
LISTS: dict[str, str] = {
    "lista_01": "rnncourse.grading.lista_01",
    "lista_02": "rnncourse.grading.lista_02",
    "lista_03": "rnncourse.grading.lista_03",
    "lista_04": "rnncourse.grading.lista_04",
    "lista_05": "rnncourse.grading.lista_05",
}

#: formato do arquivo de resultados que o kernel escreve na correção em lote
RESULTS_FORMAT = "rnncourse-grading/1"


@dataclass(frozen=True)
class Case:
    """Um teste de uma questão.

    ``make_args`` cria entradas novas a cada chamada (a resposta pode
    estragá-las); ``judge(obtido, entradas_intactas)`` devolve ``None`` quando
    a resposta está certa ou uma ``Failure``. Com ``judge_sees_used_args``, o
    juiz recebe também as entradas como ficaram depois da chamada (o modelo
    que a resposta treinou). ``hint`` é a dica mostrada quando o caso falha
    sem uma dica mais específica.
    """

    description: str
    make_args: Callable[[], tuple]
    judge: Callable[..., Failure | None]  # (obtido, intactas) ou (obtido, intactas, usadas)
    hint: str = ""
    arg_names: tuple[str, ...] = ()
    mutable_args: tuple[int, ...] = ()  # posições que a resposta PODE alterar (um modelo treinado)
    time_limit: float = 5.0
    weight: float = 1.0
    hidden: bool = False
    judge_sees_used_args: bool = False
    call_context: Callable[[], AbstractContextManager] | None = None  # ex.: 1 thread no torch


@dataclass(frozen=True)
class Question:
    """Uma questão: a função que o estudante escreve, quanto vale e os casos que a testam.

    ``hidden_case(descricao, **parametros)`` cria casos extras do instrutor
    com as mesmas verificações e outras entradas.
    """

    id: str
    title: str
    answer_name: str
    signature: str
    points: float
    cases: tuple[Case, ...]
    hidden_case: Callable[..., Case] | None = None


@dataclass
class CaseResult:
    """O resultado de um caso: passou ou não, e por quê."""

    description: str
    passed: bool
    failure: Failure | None = None
    hint: str = ""
    elapsed: float = 0.0
    weight: float = 1.0
    hidden: bool = False
    skipped: bool = False


@dataclass
class QuestionReport:
    """O relatório de uma questão; no Jupyter aparece como HTML."""

    question: Question
    results: list[CaseResult]
    points: float
    status: str  # "completa", "parcial", "errada", "não respondida", "ausente"
    note: str = ""
    elapsed: float = 0.0
    answer_label: str = ""

    @property
    def max_points(self) -> float:
        return self.question.points

    def as_text(self) -> str:
        from rnncourse.grading.report import question_text

        return question_text(self)

    def _repr_html_(self) -> str:
        from rnncourse.grading.report import question_html

        return question_html(self)

    def __repr__(self) -> str:
        return self.as_text()

    __str__ = as_text


@dataclass
class ListSummary:
    """A tabela de uma lista inteira: uma linha por questão e o total."""

    list_id: str
    title: str
    rows: list[tuple[Question, QuestionReport | None]]

    @property
    def total(self) -> float:
        return round(sum(r.points for _, r in self.rows if r is not None), 2)

    @property
    def max_total(self) -> float:
        return round(sum(q.points for q, _ in self.rows), 2)

    def as_text(self) -> str:
        from rnncourse.grading.report import summary_text

        return summary_text(self)

    def _repr_html_(self) -> str:
        from rnncourse.grading.report import summary_html

        return summary_html(self)

    def __repr__(self) -> str:
        return self.as_text()

    __str__ = as_text


def _fail_from_outcome(outcome, case: Case, signature: str) -> tuple[Failure, str]:
    """Traduz uma chamada que não devolveu nada em ``(Failure, estado)``."""
    if outcome.status == "not_callable":
        return (
            Failure(
                "a resposta não é uma função",
                expected=f"uma função {signature}",
                obtained=safe_repr(outcome.value, 120),
                hint="Passe a própria função para verificar (sem parênteses), "
                "por exemplo lista.verificar('q1', minha_funcao).",
                kind="type",
            ),
            "errada",
        )
    if outcome.status == "timeout":
        return (
            Failure(
                f"a resposta passou do limite de {outcome.limit:g} s e foi interrompida",
                detail="o culpado mais comum é um laço que nunca termina (while sem parada)",
                hint="Confira as condições de parada dos laços; com entradas deste tamanho a "
                "resposta certa leva bem menos que o limite.",
                kind="timeout",
            ),
            "errada",
        )
    exc = outcome.exception
    message, where = describe_exception(exc)
    if isinstance(exc, NotImplementedError):
        return (
            Failure(
                "a questão ainda não foi respondida",
                obtained=message,
                hint="Escreva a sua resposta no lugar da linha `raise NotImplementedError(...)`.",
                kind="unanswered",
            ),
            "não respondida",
        )
    return (
        Failure(
            "a resposta levantou uma exceção",
            obtained=message,
            detail=where,
            kind="exception",
        ),
        "errada",
    )


def run_case(answer: Any, case: Case, signature: str) -> tuple[CaseResult, str | None]:
    """Roda um caso; devolve o resultado e, se os próximos casos não devem rodar, o estado."""
    start = time.perf_counter()
    try:
        args = case.make_args()
        pristine = safe_copy(args)
    except Exception as exc:  # pragma: no cover - defeito do próprio banco de questões
        message, _ = describe_exception(exc)
        failure = Failure("erro interno ao preparar o caso (avise o professor)", detail=message)
        return CaseResult(case.description, False, failure, "", 0.0, case.weight, case.hidden), None
    with case.call_context() if case.call_context is not None else nullcontext():
        outcome = call_answer(answer, args, limit=case.time_limit)
    stop_state = None
    if outcome.status != "ok":
        failure, state = _fail_from_outcome(outcome, case, signature)
        if outcome.status in {"timeout", "not_callable"} or state == "não respondida":
            stop_state = state
        return (
            CaseResult(
                case.description,
                False,
                failure,
                failure.hint or case.hint,
                outcome.elapsed,
                case.weight,
                case.hidden,
            ),
            stop_state,
        )
    failure = None
    try:
        names = case.arg_names
        checked = [i for i in range(len(args)) if i not in case.mutable_args]
        changed = find_mutation(
            [pristine[i] for i in checked],
            [args[i] for i in checked],
            [names[i] if i < len(names) else f"argumento {i + 1}" for i in checked],
        )
        if changed is not None:
            failure = Failure(
                f"a resposta alterou a entrada {changed}",
                detail="a função deve calcular a saída sem modificar o que recebeu",
                hint="Evite operações no lugar (+=, *=, x[...] = ..., .sort(), .append() "
                "na entrada): trabalhe numa cópia (x.copy()) ou crie arrays novos.",
                kind="mutation",
            )
        elif case.judge_sees_used_args:
            failure = case.judge(outcome.value, pristine, args)
        else:
            failure = case.judge(outcome.value, pristine)
    except Exception as exc:  # uma resposta estranha não pode derrubar a verificação
        message, _ = describe_exception(exc)
        failure = Failure(
            "não consegui conferir o valor devolvido",
            obtained=safe_repr(outcome.value, 120),
            detail=message,
            kind="type",
        )
    if failure is None:
        return (
            CaseResult(case.description, True, None, "", outcome.elapsed, case.weight, case.hidden),
            None,
        )
    return (
        CaseResult(
            case.description,
            False,
            failure,
            failure.hint or case.hint,
            time.perf_counter() - start,
            case.weight,
            case.hidden,
        ),
        None,
    )


def grade_question(
    question: Question, answer: Any, extra_cases: Sequence[Case] = ()
) -> QuestionReport:
    """Roda todos os casos de ``question`` (e os extras) contra ``answer``."""
    start = time.perf_counter()
    results: list[CaseResult] = []
    stop_state: str | None = None
    for case in (*question.cases, *extra_cases):
        if stop_state is not None:
            results.append(
                CaseResult(
                    case.description,
                    False,
                    None,
                    "",
                    weight=case.weight,
                    hidden=case.hidden,
                    skipped=True,
                )
            )
            continue
        result, stop_state = run_case(answer, case, question.signature)
        results.append(result)
    total = sum(r.weight for r in results)
    passed = sum(r.weight for r in results if r.passed)
    points = round(question.points * passed / total, 2) if total > 0 else 0.0
    mutates = any(r.failure is not None and r.failure.kind == "mutation" for r in results)
    if stop_state == "não respondida":
        status, points = "não respondida", 0.0
    elif mutates:
        # alterar as entradas é um defeito da função inteira, mesmo que alguns
        # casos não o revelem (um peso zerado multiplicado continua zero)
        status, points = "errada", 0.0
    elif passed == total:
        status = "completa"
    elif passed > 0:
        status = "parcial"
    else:
        status = "errada"
    note = ""
    if stop_state == "não respondida":
        note = "Os demais testes não rodaram: a função ainda levanta NotImplementedError."
    elif stop_state is not None:
        note = "Os demais testes não rodaram depois deste problema."
    elif mutates:
        note = "A resposta altera as entradas: a questão vale 0 até isso ser corrigido."
    name = getattr(answer, "__name__", "")
    return QuestionReport(
        question,
        results,
        points,
        status,
        note,
        time.perf_counter() - start,
        answer_label=name if isinstance(name, str) else "",
    )


def canonical_list_id(lista: int | str) -> str:
    """``2``, ``"2"``, ``"02"`` ou ``"lista_02"`` -> ``"lista_02"``."""
    text = str(lista).strip().lower().removeprefix("lista").strip("_ -")
    try:
        number = int(text)
    except ValueError:
        raise ValueError(
            f"lista desconhecida {lista!r}; as disponíveis são {sorted(LISTS)}"
        ) from None
    list_id = f"lista_{number:02d}"
    if list_id not in LISTS:
        raise ValueError(f"lista desconhecida {lista!r}; as disponíveis são {sorted(LISTS)}")
    return list_id


def listas_disponiveis() -> list[str]:
    """Os identificadores das listas que o pacote sabe corrigir."""
    return sorted(LISTS)


def _canonical_question(questions: Mapping[str, Question], questao: int | str) -> str:
    text = str(questao).strip().lower()
    qid = text if text.startswith("q") else f"q{text}"
    if qid not in questions:
        raise KeyError(f"questão desconhecida {questao!r}; as desta lista são {list(questions)}")
    return qid


class ExerciseList:
    """Uma lista de exercícios aberta no notebook: verifica respostas e soma os pontos."""

    def __init__(self, list_id: str, title: str, questions: Sequence[Question]):
        self.list_id = list_id
        self.title = title
        self.questions: dict[str, Question] = {q.id: q for q in questions}
        self._hidden: dict[str, list[Case]] = {qid: [] for qid in self.questions}
        self._reports: dict[str, QuestionReport] = {}

    def __repr__(self) -> str:
        return f"ExerciseList({self.list_id!r}, {len(self.questions)} questões)"

    @property
    def max_total(self) -> float:
        return round(sum(q.points for q in self.questions.values()), 2)

    def verificar(self, questao: int | str, resposta: Any) -> QuestionReport:
        """Testa ``resposta`` (a sua função) na questão ``questao`` e mostra o relatório.

        Deixe a chamada como última linha da célula para ver o relatório.
        """
        question = self.questions[_canonical_question(self.questions, questao)]
        report = grade_question(question, resposta, self._hidden[question.id])
        self._reports[question.id] = report
        return report

    def resumo(self) -> ListSummary:
        """A tabela da lista: pontos de cada questão verificada e o total."""
        rows = [(q, self._reports.get(qid)) for qid, q in self.questions.items()]
        return ListSummary(self.list_id, self.title, rows)

    def adicionar_teste_oculto(self, questao: int | str, descricao: str, **parametros: Any) -> None:
        """(Instrutor) Acrescenta um caso à questão: as mesmas verificações, outras entradas."""
        question = self.questions[_canonical_question(self.questions, questao)]
        if question.hidden_case is None:
            raise ValueError(f"a questão {question.id} não aceita testes ocultos")
        case = question.hidden_case(descricao, **parametros)
        self._hidden[question.id].append(
            Case(**{**case.__dict__, "hidden": True, "description": f"[instrutor] {descricao}"})
        )

    def grade_namespace(self, namespace: Mapping[str, Any]) -> list[QuestionReport]:
        """Corrige todas as questões com as funções definidas em ``namespace`` (``globals()``)."""
        reports = []
        for qid, question in self.questions.items():
            answer = namespace.get(question.answer_name)
            if answer is None:
                failure = Failure(
                    f"não encontrei a função {question.answer_name} no notebook",
                    hint="Não renomeie a função do enunciado e confira que a célula dela roda "
                    "sem erro.",
                    kind="missing",
                )
                cases = (*question.cases, *self._hidden[qid])
                results = [
                    CaseResult(
                        c.description,
                        False,
                        failure if i == 0 else None,
                        failure.hint if i == 0 else "",
                        weight=c.weight,
                        hidden=c.hidden,
                        skipped=i > 0,
                    )
                    for i, c in enumerate(cases)
                ]
                report = QuestionReport(question, results, 0.0, "ausente")
            else:
                report = grade_question(question, answer, self._hidden[qid])
            self._reports[qid] = report
            reports.append(report)
        return reports

    def write_results(self, path: str | Path, nonce: str, namespace: Mapping[str, Any]) -> None:
        """(Correção em lote) Corrige ``namespace`` e grava o JSON que o corretor lê."""
        reports = self.grade_namespace(namespace)
        payload = {
            "format": RESULTS_FORMAT,
            "nonce": nonce,
            "list_id": self.list_id,
            "questions": [
                {
                    "id": r.question.id,
                    "points": r.points,
                    "max_points": r.max_points,
                    "status": r.status,
                    "text": r.as_text(),
                }
                for r in reports
            ],
        }
        Path(path).write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")


def build_list(list_id: str) -> ExerciseList:
    """Cria a lista ``list_id`` a partir do seu banco de questões."""
    module = importlib.import_module(LISTS[list_id])
    questions = module.build_questions()
    points = [q.points for q in questions]
    if any(not (p > 0 and math.isfinite(p)) for p in points):  # pragma: no cover
        raise ValueError(f"pontos inválidos no banco {list_id}: {points}")
    return ExerciseList(list_id, module.TITLE, questions)


def abrir_lista(lista: int | str) -> ExerciseList:
    """Abre a lista de exercícios ``lista`` (``1``, ``2`` ou ``"lista_02"``).

    >>> lista = abrir_lista(1)
    >>> lista.list_id
    'lista_01'
    """
    return build_list(canonical_list_id(lista))
