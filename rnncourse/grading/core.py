"""O motor das listas avaliadas: questões, casos de teste, pontos e a lista do estudante.

Uma ``Question`` tem casos (``Case``); cada caso cria entradas novas e passa
por duas metades, que podem rodar em processos diferentes:

- o **lado da resposta** (``answer_side``): chama a função do estudante com
  limite de tempo (``guard.call_answer``) ou roda a sonda do caso (``probe``) e
  devolve só **dados simples** (``wire.encode``): o valor devolvido e as
  entradas como ficaram depois da chamada;
- o **lado do juiz** (``judge_exchange``): decodifica esses dados, confere que
  as entradas não foram alteradas e julga o valor (``Case.judge``, que usa
  ``compare.py``) contra uma cópia intacta das entradas.

Na verificação do estudante (``verificar``) as duas metades rodam no mesmo
processo, uma depois da outra; na correção em lote (``batch.py``) o lado da
resposta roda no processo da submissão, numa caixa de areia, e o juiz no
processo do corretor. Como o juiz sempre recebe dados simples, os dois modos
dão a mesma nota. A nota da questão é proporcional ao peso dos casos que
passaram; uma resposta que levanta exceção, devolve ``None``, estoura o tempo
ou altera as entradas não ganha nada naquele caso.

``ExerciseList`` é o que o estudante usa no notebook (nomes em pt-BR)::

    lista = abrir_lista(2)
    lista.verificar("q1", leaky_rnn_cell_forward)  # relatório da questão
    lista.resumo()                            # tabela com todas as questões, reverificadas

Os relatórios aparecem como HTML no Jupyter e no Colab e como texto em
qualquer outro lugar (``report.py``). O instrutor acrescenta casos ocultos
com ``adicionar_teste_oculto`` (nas células de instrutor da fonte da lista).

Fora do escopo: executar notebooks e isolar submissões (``batch.py``,
``sandbox.py``, ``runner.py``, ``remote.py``).
"""

from __future__ import annotations

import importlib
import math
import sys
import time
import types
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from rnncourse.grading import wire
from rnncourse.grading.compare import Failure
from rnncourse.grading.guard import (
    CallOutcome,
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
    "answer_side",
    "canonical_list_id",
    "grade_cases",
    "judge_exchange",
    "listas_disponiveis",
]

#: identificador da lista -> módulo do banco de questões
LISTS: dict[str, str] = {
    "lista_01": "rnncourse.grading.lista_01",
    "lista_02": "rnncourse.grading.lista_02",
    "lista_03": "rnncourse.grading.lista_03",
    "lista_04": "rnncourse.grading.lista_04",
    "lista_05": "rnncourse.grading.lista_05",
    "lista_06": "rnncourse.grading.lista_06",
    "lista_07": "rnncourse.grading.lista_07",
    "lista_08": "rnncourse.grading.lista_08",
    "lista_09": "rnncourse.grading.lista_09",
}


@dataclass(frozen=True)
class Case:
    """Um teste de uma questão.

    ``make_args`` cria entradas novas a cada chamada (a resposta pode
    estragá-las); ``judge(obtido, entradas_intactas)`` devolve ``None`` quando
    a resposta está certa ou uma ``Failure``. Com ``judge_sees_used_args``, o
    juiz recebe também as entradas como ficaram depois da chamada (o modelo
    que a resposta treinou). ``hint`` é a dica mostrada quando o caso falha
    sem uma dica mais específica.

    O juiz nunca vê objetos da resposta, só dados simples (``wire``): o valor
    devolvido decodificado e, para ``judge_sees_used_args``, as entradas
    reconstruídas a partir das cópias intactas (um ``nn.Module`` volta como
    uma cópia do original com o ``state_dict`` que a resposta deixou). Quando
    isso não basta (a resposta é uma classe, ou importa a identidade de um
    objeto), ``probe(resposta, entradas, limite) -> CallOutcome`` roda no lado
    da resposta e devolve em ``value`` um relatório em dados simples, que é o
    que o juiz recebe como "obtido"; ela chama o código do estudante com
    ``guard.call_answer`` e pode gastar até ``probe_time`` segundos além de
    ``time_limit``. ``call_context`` também roda no lado da resposta.
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
    probe: Callable[[Any, tuple, float], CallOutcome] | None = None  # ver a docstring
    probe_time: float = 0.0  # segundos que a sonda pode gastar além de time_limit


@dataclass(frozen=True)
class Question:
    """Uma questão: a função que o estudante escreve, quanto vale e os casos que a testam.

    ``hidden_case(descricao, **parametros)`` cria casos extras do instrutor
    com as mesmas verificações e outras entradas. ``warm_up`` lista módulos que
    a resposta costuma importar (``"torch"``): o corretor os importa antes de
    começar a contar o tempo dos casos.
    """

    id: str
    title: str
    answer_name: str
    signature: str
    points: float
    cases: tuple[Case, ...]
    hidden_case: Callable[..., Case] | None = None
    warm_up: tuple[str, ...] = ()


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


def _not_callable_failure(obtained: str, signature: str) -> Failure:
    return Failure(
        "a resposta não é uma função",
        expected=f"uma função {signature}",
        obtained=obtained,
        hint="Passe a própria função para verificar (sem parênteses), "
        "por exemplo lista.verificar('q1', minha_funcao).",
        kind="type",
    )


def _timeout_failure(limit: float) -> Failure:
    return Failure(
        f"a resposta passou do limite de {limit:g} s e foi interrompida",
        detail="o culpado mais comum é um laço que nunca termina (while sem parada)",
        hint="Confira as condições de parada dos laços; com entradas deste tamanho a "
        "resposta certa leva bem menos que o limite.",
        kind="timeout",
    )


def _text(value: Any, limit: int = 300) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _number(value: Any, default: float = 0.0) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return default


def answer_side(answer: Any, case: Case, args: tuple) -> dict[str, Any]:
    """O lado da resposta de um caso: chama a resposta (ou a sonda) e devolve dados simples.

    Nunca levanta exceção por causa da resposta. O dicionário tem ``status``
    (``"ok"``, ``"raised"``, ``"timeout"``, ``"not_callable"`` ou
    ``"bad_output"``), ``elapsed`` e, conforme o caso, ``value`` e ``after``
    (codificados por ``wire.encode``), ``exception`` ou ``message``.
    """
    limit = case.time_limit
    try:
        with case.call_context() if case.call_context is not None else nullcontext():
            if not callable(answer):
                outcome = CallOutcome("not_callable", value=answer, limit=limit)
            elif case.probe is not None:
                outcome = case.probe(answer, args, limit)
            else:
                outcome = call_answer(answer, args, limit=limit)
    except Exception as exc:  # uma sonda que esbarrou em algo que a resposta deixou
        outcome = CallOutcome("raised", exception=exc, limit=limit)
    data: dict[str, Any] = {"status": outcome.status, "elapsed": float(outcome.elapsed)}
    if outcome.status == "not_callable":
        data["repr"] = safe_repr(outcome.value, 120)
    elif outcome.status == "raised":
        exc = outcome.exception
        message, where = describe_exception(exc)
        data["exception"] = {
            "message": message,
            "where": where,
            "unanswered": isinstance(exc, NotImplementedError),
        }
    elif outcome.status == "ok":
        try:
            data["value"] = wire.encode(outcome.value)
            data["after"] = [wire.encode(a) for a in args]
        except wire.WireError as err:
            return {"status": "bad_output", "elapsed": data["elapsed"], "message": str(err)}
        except Exception as err:  # um objeto da resposta que não se deixa ler
            message, _ = describe_exception(err)
            return {"status": "bad_output", "elapsed": data["elapsed"], "message": message}
    return data


#: estados de ``answer_side`` (e do corretor em lote) que impedem os próximos casos
_STOPPING = {"timeout", "not_callable", "died", "hung", "protocol", "unavailable", "budget"}


def _fail_from_data(data: Mapping[str, Any], case: Case, signature: str) -> tuple[Failure, str]:
    """Traduz um caso que não devolveu valor em ``(Failure, estado)``."""
    status = data.get("status")
    if status == "not_callable":
        return _not_callable_failure(_text(data.get("repr"), 120), signature), "errada"
    if status == "timeout":
        return _timeout_failure(case.time_limit), "errada"
    if status == "raised":
        exc = data.get("exception")
        exc = exc if isinstance(exc, Mapping) else {}
        message, where = _text(exc.get("message")), _text(exc.get("where"))
        if exc.get("unanswered") is True:
            return (
                Failure(
                    "a questão ainda não foi respondida",
                    obtained=message,
                    hint="Escreva a sua resposta no lugar da linha "
                    "`raise NotImplementedError(...)`.",
                    kind="unanswered",
                ),
                "não respondida",
            )
        return (
            Failure(
                "a resposta levantou uma exceção", obtained=message, detail=where, kind="exception"
            ),
            "errada",
        )
    if status == "bad_output":
        return (
            Failure(
                "não consegui ler o valor devolvido",
                obtained=_text(data.get("message")),
                hint="Devolva arrays do numpy, números, textos, listas, tuplas ou dicionários "
                "deles (ou tensores, quando a questão pede PyTorch), de tamanho razoável.",
                kind="type",
            ),
            "errada",
        )
    if status == "internal":
        return (
            Failure(
                "erro interno ao preparar o caso (avise o professor)",
                detail=_text(data.get("message")),
                kind="process",
            ),
            "errada",
        )
    if status in {"died", "hung", "protocol", "unavailable", "budget"}:
        summary = {
            "died": "o processo da submissão morreu durante este caso",
            "hung": "o processo da submissão parou de responder e foi encerrado",
            "protocol": "o processo da submissão respondeu fora do protocolo e foi encerrado",
            "unavailable": "o caso não rodou: o processo da submissão não pôde ser reiniciado",
            "budget": "o caso não rodou: a correção desta submissão passou do tempo total",
        }[status]
        hint = {
            "died": "Causas comuns: os._exit, sys.exit fora de uma função, memória esgotada ou "
            "uma falha em código nativo.",
            "hung": "Um laço infinito em código nativo, ou sinais bloqueados, impedem o limite "
            "de tempo de interromper a função.",
        }.get(status, "")
        return (
            Failure(summary, detail=_text(data.get("message")), hint=hint or None, kind="process"),
            "errada",
        )
    return Failure("resposta em formato desconhecido", kind="process"), "errada"


def judge_exchange(
    case: Case, signature: str, pristine: tuple, data: Mapping[str, Any]
) -> tuple[CaseResult, str | None]:
    """O lado do juiz: julga o que o lado da resposta devolveu, contra as entradas intactas.

    ``data`` é o dicionário de ``answer_side`` (vindo de outro processo, ou
    não): é tratado como não confiável. Devolve o resultado e, quando os
    próximos casos da questão não devem rodar, o estado da questão.
    """
    status = data.get("status") if isinstance(data, Mapping) else None
    elapsed = _number(data.get("elapsed")) if isinstance(data, Mapping) else 0.0
    if status != "ok":
        data = data if isinstance(data, Mapping) else {}
        failure, state = _fail_from_data(data, case, signature)
        stop = state if (status in _STOPPING or state == "não respondida") else None
        result = CaseResult(
            case.description,
            False,
            failure,
            failure.hint or case.hint,
            elapsed,
            case.weight,
            case.hidden,
        )
        return result, stop
    failure = None
    obtained: Any = None
    try:
        obtained = wire.decode(data.get("value"))
        after = data.get("after")
        if not isinstance(after, list) or len(after) != len(pristine):
            raise wire.WireError("as entradas não voltaram")
        used = tuple(wire.restore(p, wire.decode(a)) for p, a in zip(pristine, after, strict=True))
    except wire.WireError as err:
        failure = Failure(
            "não consegui ler o valor devolvido",
            obtained=str(err),
            hint="Devolva arrays do numpy, números, textos, listas, tuplas ou dicionários "
            "deles (ou tensores, quando a questão pede PyTorch).",
            kind="type",
        )
    if failure is None:
        try:
            names = case.arg_names
            checked = [i for i in range(len(pristine)) if i not in case.mutable_args]
            changed = find_mutation(
                [pristine[i] for i in checked],
                [used[i] for i in checked],
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
                failure = case.judge(obtained, pristine, used)
            else:
                failure = case.judge(obtained, pristine)
        except Exception as exc:  # um valor estranho não pode derrubar a verificação
            message, _ = describe_exception(exc)
            failure = Failure(
                "não consegui conferir o valor devolvido",
                obtained=safe_repr(obtained, 120),
                detail=message,
                kind="type",
            )
    if failure is None:
        return CaseResult(case.description, True, None, "", elapsed, case.weight, case.hidden), None
    result = CaseResult(
        case.description,
        False,
        failure,
        failure.hint or case.hint,
        elapsed,
        case.weight,
        case.hidden,
    )
    return result, None


def run_case(answer: Any, case: Case, signature: str) -> tuple[CaseResult, str | None]:
    """Roda um caso no próprio processo: as duas metades, uma depois da outra."""
    try:
        args = tuple(case.make_args())
        pristine = tuple(safe_copy(args))
    except Exception as exc:  # pragma: no cover - defeito do próprio banco de questões
        return _internal_error(case, exc), None
    return judge_exchange(case, signature, pristine, answer_side(answer, case, args))


def _internal_error(case: Case, exc: BaseException) -> CaseResult:
    message, _ = describe_exception(exc)
    failure = Failure("erro interno ao preparar o caso (avise o professor)", detail=message)
    return CaseResult(case.description, False, failure, "", 0.0, case.weight, case.hidden)


#: ``execute(caso, entradas) -> dados`` roda o lado da resposta de um caso (aqui ou noutro
#: processo); devolve o dicionário de ``answer_side`` ou ``{"status": "missing"}``
Execute = Callable[[Case, tuple], Mapping[str, Any]]


def grade_cases(
    question: Question, cases: Sequence[Case], execute: Execute, answer_label: str = ""
) -> QuestionReport:
    """Corre os ``cases`` de ``question`` com ``execute`` e soma os pontos."""
    start = time.perf_counter()
    results: list[CaseResult] = []
    stop_state: str | None = None
    for case in cases:
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
        try:
            args = tuple(case.make_args())
            pristine = tuple(safe_copy(args))
        except Exception as exc:  # pragma: no cover - defeito do próprio banco de questões
            results.append(_internal_error(case, exc))
            continue
        data = execute(case, args)
        if isinstance(data, Mapping) and data.get("status") == "missing" and not results:
            return _missing_report(question, cases)
        result, stop_state = judge_exchange(case, question.signature, pristine, data)
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
    return QuestionReport(
        question,
        results,
        points,
        status,
        note,
        time.perf_counter() - start,
        answer_label=answer_label,
    )


def _missing_report(question: Question, cases: Sequence[Case]) -> QuestionReport:
    """A questão cuja função não existe no notebook: zero, com a dica de não renomear."""
    failure = Failure(
        f"não encontrei a função {question.answer_name} no notebook",
        hint="Não renomeie a função do enunciado e confira que a célula dela roda sem erro.",
        kind="missing",
    )
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
    return QuestionReport(question, results, 0.0, "ausente")


def _names_in(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names_in(const)
    return names


def warm_up(modules: Sequence[str], answer: Any = None) -> None:
    """Importa ``modules`` (e o torch, se a resposta o usa) antes de contar o tempo dos casos.

    Um ``import torch`` frio leva segundos numa máquina ocupada: dentro do
    limite de um caso, faria uma resposta certa estourar o tempo.
    """
    wanted = list(modules)
    code = getattr(answer, "__code__", None)
    if isinstance(code, types.CodeType) and "torch" in _names_in(code):
        wanted.append("torch")
    for name in dict.fromkeys(wanted):
        if name not in sys.modules:
            try:
                importlib.import_module(name)
            except Exception:  # o caso dirá o que falta
                pass


def grade_question(
    question: Question, answer: Any, extra_cases: Sequence[Case] = ()
) -> QuestionReport:
    """Roda todos os casos de ``question`` (e os extras) contra ``answer``, neste processo."""
    warm_up(question.warm_up, answer)
    name = getattr(answer, "__name__", "")
    return grade_cases(
        question,
        (*question.cases, *extra_cases),
        lambda case, args: answer_side(answer, case, args),
        answer_label=name if isinstance(name, str) else "",
    )


class _Same:
    """Compara por identidade (e mantém o objeto vivo, para o ``id`` não ser reaproveitado)."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any):
        self.obj = obj

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.obj is self.obj

    __hash__ = None  # type: ignore[assignment]


def _fingerprint(obj: Any, depth: int = 0, seen: frozenset = frozenset()) -> Any:
    """O que define o comportamento de uma função (ou classe) do notebook, para ``resumo``.

    O código, os padrões, o que está nas células da clausura e, recursivamente,
    as funções e classes globais que ela usa (pelo código) e os demais globais
    (pela identidade). Um array global alterado no lugar não é percebido.
    """
    if depth > 6 or id(obj) in seen:
        return _Same(obj)
    seen = seen | {id(obj)}
    if isinstance(obj, types.MethodType):
        return ("m", _Same(obj.__self__), _fingerprint(obj.__func__, depth + 1, seen))
    if isinstance(obj, types.FunctionType):
        cells = []
        for cell in obj.__closure__ or ():
            try:
                cells.append(_fingerprint(cell.cell_contents, depth + 1, seen))
            except ValueError:  # célula vazia
                cells.append(None)
        refs = []
        for name in sorted(_names_in(obj.__code__)):
            if name in obj.__globals__:
                value = obj.__globals__[name]
                if isinstance(value, (types.FunctionType, type)):
                    refs.append((name, _fingerprint(value, depth + 1, seen)))
                else:
                    refs.append((name, _Same(value)))
        defaults = tuple(_Same(d) for d in obj.__defaults__ or ())
        return ("f", _Same(obj), obj.__code__, defaults, tuple(cells), tuple(refs))
    if isinstance(obj, type):
        if obj.__module__ in {"builtins"} or obj.__module__.startswith(("torch", "numpy")):
            return _Same(obj)
        members = tuple(
            (k, _fingerprint(v, depth + 1, seen))
            for k, v in sorted(vars(obj).items())
            if isinstance(v, (types.FunctionType, staticmethod, classmethod, property))
            or not k.startswith("__")
        )
        bases = tuple(_fingerprint(b, depth + 1, seen) for b in obj.__bases__)
        return ("c", _Same(obj), members, bases)
    if isinstance(obj, (staticmethod, classmethod)):
        return ("s", _fingerprint(obj.__func__, depth + 1, seen))
    if isinstance(obj, property):
        return ("p", *(_fingerprint(f, depth + 1, seen) for f in (obj.fget, obj.fset, obj.fdel)))
    return _Same(obj)


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
        #: (questão, descrição, parâmetros) de cada caso oculto, na ordem em que entraram
        self.hidden_specs: list[tuple[str, str, dict[str, Any]]] = []
        self._reports: dict[str, QuestionReport] = {}
        self._checked: dict[str, tuple[Any, Any]] = {}  # questão -> (resposta, impressão)

    def __repr__(self) -> str:
        return f"ExerciseList({self.list_id!r}, {len(self.questions)} questões)"

    @property
    def max_total(self) -> float:
        return round(sum(q.points for q in self.questions.values()), 2)

    def cases(self, qid: str) -> tuple[Case, ...]:
        """Os casos públicos e os ocultos da questão ``qid``, na ordem em que rodam."""
        return (*self.questions[qid].cases, *self._hidden[qid])

    def _grade(self, question: Question, answer: Any) -> QuestionReport:
        report = grade_question(question, answer, self._hidden[question.id])
        self._reports[question.id] = report
        self._checked[question.id] = (answer, _fingerprint(answer))
        return report

    def verificar(self, questao: int | str, resposta: Any) -> QuestionReport:
        """Testa ``resposta`` (a sua função) na questão ``questao`` e mostra o relatório.

        Deixe a chamada como última linha da célula para ver o relatório.
        """
        question = self.questions[_canonical_question(self.questions, questao)]
        return self._grade(question, resposta)

    def _current_answer(self, question: Question, namespace: Mapping[str, Any]) -> Any:
        """A função que vale agora: a redefinida com o mesmo nome, a verificada ou a pedida."""
        checked = self._checked.get(question.id)
        if checked is not None:
            name = getattr(checked[0], "__name__", None)
            now = namespace.get(name) if isinstance(name, str) else None
            return now if callable(now) else checked[0]
        now = namespace.get(question.answer_name)
        return now if callable(now) else None

    def resumo(self, namespace: Mapping[str, Any] | None = None) -> ListSummary:
        """A tabela da lista: os pontos de cada questão, com as funções como estão **agora**.

        Procura as funções no notebook (``namespace``; por padrão, os globais de
        quem chamou): uma função redefinida depois da última verificação, ou que
        usa uma função auxiliar redefinida, é verificada de novo; as que não
        mudaram aproveitam o relatório anterior.
        """
        if namespace is None:
            namespace = sys._getframe(1).f_globals
        rows: list[tuple[Question, QuestionReport | None]] = []
        for qid, question in self.questions.items():
            answer = self._current_answer(question, namespace)
            if answer is None:
                rows.append((question, None))
                continue
            checked = self._checked.get(qid)
            if (
                checked is not None
                and checked[0] is answer
                and qid in self._reports
                and checked[1] == _fingerprint(answer)
            ):
                rows.append((question, self._reports[qid]))
            else:
                rows.append((question, self._grade(question, answer)))
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
        self.hidden_specs.append((question.id, descricao, dict(parametros)))
        self._checked.pop(question.id, None)  # o resumo verifica de novo, com o caso novo

    def grade_namespace(self, namespace: Mapping[str, Any]) -> list[QuestionReport]:
        """Corrige todas as questões com as funções definidas em ``namespace`` (``globals()``).

        Neste processo: serve aos testes e ao estudante; a correção que vale
        nota roda a submissão noutro processo (``batch.py``).
        """
        reports = []
        for qid, question in self.questions.items():
            answer = namespace.get(question.answer_name)
            if answer is None:
                report = _missing_report(question, self.cases(qid))
                self._reports[qid] = report
                self._checked.pop(qid, None)
            else:
                report = self._grade(question, answer)
            reports.append(report)
        return reports


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
