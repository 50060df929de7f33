"""Nenhuma função pronta ganha pontos: nem as públicas do pacote, nem as dos capítulos.

As listas avaliadas pedem variantes e transferências do que os capítulos mostram. Este
arquivo prova isso para **toda** lista registrada em ``LISTS`` (uma lista nova entra sozinha)
e para **toda** questão dela, com os casos públicos e os ocultos da fonte
(``exercises/sources/<lista>_fonte.ipynb``, lidos como a correção em lote os lê):

- cada função e classe pública do pacote (o ``__all__`` de ``rnncourse`` e o de cada submódulo,
  fora ``rnncourse.grading``), menos as de ``SKIP_PACKAGE``, cada uma com o seu motivo;
- cada função e classe definida no nível de cima de um capítulo (``chapters/*.ipynb``): as
  definições (``def``, ``class``) são extraídas com ``ast`` das células de código e executadas
  num dicionário que tem só as importações do capítulo, as suas constantes literais (``N = 5``)
  e o ``SEED`` e o ``device`` da célula de configuração; nenhuma célula do capítulo roda. Um
  padrão de argumento que usa outro global recebe um marcador que falha ao ser usado. Uma função
  que depende de outro global do capítulo falha ao ser chamada e, com isso, ganha zero (quem a
  copiasse teria de consertá-la, e isso já não é copiar).

Cada candidata é passada como resposta a ``grade_question`` (o motor da verificação, com o
limite de tempo de cada caso) e precisa ganhar 0 ponto. Para ficar rápido, uma candidata cuja
assinatura não aceita os argumentos posicionais de um caso não é chamada nesse caso: a chamada
levantaria ``TypeError`` antes de rodar qualquer coisa (ganharia zero do mesmo jeito).
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import json
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib
import pytest

import rnncourse
from rnncourse.grading.batch import default_source, hidden_specs
from rnncourse.grading.core import LISTS, Case, Question, build_list, grade_question
from rnncourse.grading.guard import safe_copy

matplotlib.use("Agg")  # as funções de figura dos capítulos não abrem janela
import matplotlib.pyplot as plt  # noqa: E402

# as candidatas recebem entradas feitas para outras funções: avisos do numpy são esperados
pytestmark = pytest.mark.filterwarnings("ignore")

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))

#: limite de tempo de cada caso aqui (o do caso, se menor): uma candidata que passa dele num
#: caso de treino, cujo limite é maior, é apontada (não dá para saber o que ela faria)
CAP_S = 10.0

_CAPPED: set[int] = set()  # os casos (id) cujo limite foi reduzido a CAP_S

#: funções do pacote que não são chamadas, com o motivo (nome completo -> motivo)
SKIP_PACKAGE: dict[str, str] = {
    "rnncourse.utils.set_seed": "altera o estado global dos geradores (random, numpy, torch)",
    "rnncourse.benchmark.single_thread": "altera o número de threads do torch do processo",
    "rnncourse.plotting.use_style": "altera o estilo global do matplotlib",
    "rnncourse.glue.glue": "publica valores para o myst-nb (efeito colateral, sem resultado)",
    "rnncourse.seq2seq_diagram.draw_encoder_decoder": "desenha uma figura; com as entradas de "
    "uma questão de treino (milhares de palavras) leva minutos",
}

#: funções dos capítulos que não são chamadas, com o motivo ("capítulo:nome" -> motivo)
SKIP_CHAPTER: dict[str, str] = {}


@dataclasses.dataclass(frozen=True)
class Candidate:
    label: str  # como aparece na mensagem de falha
    obj: Callable[..., Any]


# ---------------------------------------------------------------------- as candidatas
def _package_modules() -> list[Any]:
    modules = [rnncourse]
    for info in pkgutil.iter_modules(rnncourse.__path__, "rnncourse."):
        if info.name == "rnncourse.grading" or info.name.startswith("rnncourse.grading."):
            continue
        modules.append(importlib.import_module(info.name))
    return modules


def package_candidates() -> list[Candidate]:
    seen: dict[int, Candidate] = {}
    for module in _package_modules():
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue  # constantes
            home = getattr(obj, "__module__", module.__name__)
            label = f"{home}.{obj.__qualname__}"
            if not home.startswith("rnncourse") or label in SKIP_PACKAGE or id(obj) in seen:
                continue
            seen[id(obj)] = Candidate(label, obj)
    return sorted(seen.values(), key=lambda c: c.label)


class _Missing:
    """Um global do capítulo que não existe aqui (o valor de uma conta feita numa célula).

    Entra no lugar do nome para que a definição que o usa como padrão compile; qualquer uso
    dele na chamada falha, e a função ganha zero.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<global {self.name} do capítulo, ausente>"


def _cell_code(source: str) -> str:
    """O código Python de uma célula (as linhas ``%pip`` e ``!cmd`` traduzidas pelo IPython)."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def _is_literal(node: ast.AST) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _bodies(path: Path) -> list[list[ast.stmt]]:
    """Os comandos de nível de cima de cada célula de código de um notebook."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    bodies = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        try:
            bodies.append(ast.parse(_cell_code(source)).body)
        except SyntaxError:
            continue  # uma célula que o capítulo nem executaria
    return bodies


def chapter_definitions(path: Path) -> tuple[list[Candidate], list[str]]:
    """As funções e classes de nível de cima de um capítulo, e as que não compilaram."""
    bodies = _bodies(path)
    import torch

    # o que a célula de configuração define (ela mesma não roda: tem %pip)
    ns: dict[str, Any] = {"__name__": f"capitulo_{path.stem}", "SEED": 0}
    ns["device"] = torch.device("cpu")
    # primeiro as importações e as constantes literais, de todas as células
    for body in bodies:
        for node in body:
            is_constant = (
                isinstance(node, ast.Assign)
                and all(isinstance(t, ast.Name) for t in node.targets)
                and _is_literal(node.value)
            )
            if isinstance(node, (ast.Import, ast.ImportFrom)) or is_constant:
                try:
                    exec(compile(ast.Module([node], []), str(path), "exec"), ns)
                except Exception:
                    pass  # uma importação que falha aqui (o Colab) deixa o nome de fora
    found: list[Candidate] = []
    broken: list[str] = []
    for body in bodies:
        for node in body:
            if not isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                continue
            label = f"{path.stem}:{node.name}"
            if label in SKIP_CHAPTER:
                continue
            code = compile(ast.Module([node], []), str(path), "exec")
            for _ in range(20):
                try:
                    exec(code, ns)
                    break
                except NameError as exc:  # um padrão (ou decorador) que usa outro global
                    if exc.name is None or exc.name in ns:
                        broken.append(f"{label} (NameError: {exc})")
                        break
                    ns[exc.name] = _Missing(exc.name)
                except Exception as exc:
                    broken.append(f"{label} ({type(exc).__name__}: {exc})")
                    break
            if node.name not in ns or (broken and broken[-1].startswith(f"{label} ")):
                continue
            found.append(Candidate(label, ns[node.name]))  # cada versão de um nome redefinido
    return found, broken


def all_candidates() -> list[Candidate]:
    out = package_candidates()
    for path in CHAPTERS:
        out.extend(chapter_definitions(path)[0])
    return out


# ---------------------------------------------------------------------- a correção
def _accepts(obj: Any, n_args: int) -> bool:
    """Falso só quando ``obj(*n_args argumentos)`` levanta ``TypeError`` na chamada."""
    try:
        inspect.signature(obj).bind(*range(n_args))
    except TypeError:
        return False
    except ValueError:  # sem assinatura legível: chama
        return True
    return True


def _questions(list_id: str) -> list[tuple[Question, tuple[Case, ...]]]:
    """As questões da lista, cada uma com os casos públicos e os ocultos da fonte."""
    lista = build_list(list_id)
    for qid, description, params in hidden_specs(default_source(list_id, ROOT)):
        lista.adicionar_teste_oculto(qid, description, **params)
    return [(q, tuple(map(_cached, lista.cases(qid)))) for qid, q in lista.questions.items()]


def _fresh(obj: Any) -> Any:
    """Uma cópia que a candidata pode estragar; rápida para dados simples (milhares de textos)."""
    import numpy as np

    if obj is None or isinstance(obj, (str, bytes, int, float, bool)):
        return obj
    if isinstance(obj, np.ndarray):
        return obj.copy()
    if type(obj) in (list, tuple):
        return type(obj)(_fresh(x) for x in obj)
    if type(obj) is dict:
        return {k: _fresh(v) for k, v in obj.items()}
    return safe_copy(obj)


def _cached(case: Case) -> Case:
    """O caso com as entradas feitas uma vez só; cada chamada recebe uma cópia nova delas."""
    made: list[tuple] = []

    def make_args() -> tuple:
        if not made:
            made.append(tuple(case.make_args()))
        return tuple(_fresh(a) for a in made[0])

    cached = dataclasses.replace(
        case,
        make_args=make_args,
        time_limit=min(case.time_limit, CAP_S),
        probe_time=min(case.probe_time, CAP_S),
    )
    if case.time_limit > CAP_S or case.probe_time > CAP_S:
        _CAPPED.add(id(cached))
    return cached


def _arity(case: Case) -> int | None:
    """Quantos argumentos posicionais a resposta recebe (None: a sonda decide como chamar)."""
    if case.probe is not None:
        return None
    return len(case.arg_names) if case.arg_names else len(case.make_args())


def giveaways(
    list_id: str, questions: list[tuple[Question, tuple[Case, ...]]], candidates: list[Candidate]
) -> list[str]:
    """As (questão, candidata) em que a candidata ganha pontos, descritas em uma linha cada."""
    problems = []
    for question, cases in questions:
        arities = [_arity(c) for c in cases]
        for cand in candidates:
            callable_cases = tuple(
                c for c, n in zip(cases, arities, strict=True) if n is None or _accepts(cand.obj, n)
            )
            if not callable_cases:
                continue
            question_ = dataclasses.replace(question, cases=callable_cases)
            report = grade_question(question_, cand.obj)
            plt.close("all")  # as funções de figura abrem figuras
            capped = [
                r.description
                for r, c in zip(report.results, callable_cases, strict=False)
                if r.failure is not None and r.failure.kind == "timeout" and id(c) in _CAPPED
            ]
            if capped:
                problems.append(
                    f"{list_id} {question.id} ({question.answer_name}): {cand.label} passou de "
                    f"{CAP_S:g} s em '{capped[0]}' e não deu para decidir; se ela é lenta por "
                    "natureza, ponha-a em SKIP_PACKAGE ou SKIP_CHAPTER com o motivo"
                )
            if report.points > 0:
                passed = [r.description for r in report.results if r.passed]
                problems.append(
                    f"{list_id} {question.id} ({question.answer_name}): {cand.label} ganha "
                    f"{report.points:g} de {question.points:g} pontos; casos em que passa: "
                    + "; ".join(passed)
                )
    return problems


# ---------------------------------------------------------------------- os testes
@pytest.fixture(scope="module")
def candidates() -> list[Candidate]:
    return all_candidates()


def test_the_candidates_cover_the_package_and_every_chapter(candidates):
    labels = {c.label for c in candidates}
    for name in ("rnn_cell_forward", "lstm_cell_forward", "gru_cell_forward", "clip_by_norm"):
        assert any(label.endswith(f".{name}") for label in labels), name
    assert "rnncourse.training.fit" in labels
    for path in CHAPTERS:
        found, broken = chapter_definitions(path)
        assert not broken, f"definições de {path.name} que não compilaram: {broken}"
        n_defs = sum(
            isinstance(node, (ast.FunctionDef, ast.ClassDef))
            for body in _bodies(path)
            for node in body
        )
        assert len(found) == n_defs - sum(k.startswith(f"{path.stem}:") for k in SKIP_CHAPTER)


def test_chapter_definitions_compile_with_only_imports_and_constants(tmp_path):
    """Magias do IPython, padrões com globais de células e redefinições: tudo vira candidata."""
    cells = [
        "%matplotlib inline\nimport numpy as np\nK = 3",
        "table = np.arange(K)  # uma conta: não roda",
        "def f(x, t=table):\n    return x + t",
        "def g(x):\n    return np.full(K, x)\n\n\nclass Box:\n    pass",
        "def g(x):\n    return -x",
    ]
    nb = {
        "cells": [{"cell_type": "code", "source": c, "metadata": {}} for c in cells],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = tmp_path / "99_teste.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    found, broken = chapter_definitions(path)
    assert not broken
    assert [c.label for c in found] == ["99_teste:f", "99_teste:g", "99_teste:Box", "99_teste:g"]
    f, g1, _, g2 = (c.obj for c in found)
    assert g1(2).tolist() == [2, 2, 2] and g2(2) == -2  # importações e constantes estão lá
    with pytest.raises(TypeError):
        f(1)  # o padrão é o marcador de um global que não existe aqui


def test_the_harness_catches_a_giveaway(candidates):
    """Uma questão que o pacote responde é apontada, com o nome da função e o da questão."""
    from rnncourse.grading.lista_05 import _params

    def judge(obtained, args):
        from rnncourse.grading.compare import check_array

        x, h_prev, c_prev, params = args
        return check_array(obtained[0], rnncourse.lstm_cell_forward(*args)[0], name="h")

    def make_args():
        import numpy as np

        rng = np.random.default_rng(0)
        return rng.normal(size=(2, 3)), np.zeros((2, 4)), np.zeros((2, 4)), _params(4, 3, 4, 0)

    case = Case("h", make_args=make_args, judge=judge, arg_names=("x", "h", "c", "params"))
    question = Question("q9", "passo da LSTM", "passo", "passo(x, h, c, params)", 1.0, (case,))
    problems = giveaways("lista_99", [(question, (case,))], candidates)
    assert (
        "lista_99 q9 (passo): rnncourse.lstm_numpy.lstm_cell_forward ganha 1 de 1 pontos; "
        "casos em que passa: h"
    ) in problems
    # o passo da LSTM de um capítulo, se houver, também é apontado; nada mais
    assert all(p.startswith("lista_99 q9 (passo): ") for p in problems), problems


@pytest.mark.parametrize("list_id", sorted(LISTS))
def test_no_package_or_chapter_function_earns_points(list_id, candidates):
    problems = giveaways(list_id, _questions(list_id), candidates)
    assert not problems, (
        "funções prontas ganham pontos (peça uma variante ou transferência que elas não "
        "respondem):\n" + "\n".join(problems)
    )
