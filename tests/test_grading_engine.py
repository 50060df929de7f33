"""O motor de verificação (rnncourse.grading): nunca cai e nunca dá ponto a uma resposta ruim.

Uma questão sintética (dobrar um array do numpy, ou um tensor do PyTorch) é
verificada com respostas que levantam exceção, devolvem ``None``, a forma ou
o ``dtype`` errados, ``NaN``/``inf``, torch no lugar de numpy (e o contrário),
alteram as entradas ou demoram demais. Cada uma ganha zero, com a mensagem
certa; a resposta correta ganha tudo. Também: comparação de valores com a
primeira posição diferente, relatórios em texto e HTML, pontos parciais.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from rnncourse.grading import abrir_lista, listas_disponiveis
from rnncourse.grading.compare import Failure, check_array, check_float, check_str, of
from rnncourse.grading.core import Case, ExerciseList, Question, grade_question
from rnncourse.grading.guard import call_answer, find_mutation
from rnncourse.grading.report import format_points

# ------------------------------------------------------------ questão sintética


def _judge_numpy(obtained, args):
    (x,) = args
    return check_array(obtained, 2.0 * x, name="a saída")


def _judge_torch(obtained, args):
    (x,) = args
    expected = 2.0 * x
    if not isinstance(obtained, torch.Tensor):
        kind = "um array do numpy" if isinstance(obtained, np.ndarray) else type(obtained).__name__
        return Failure(
            f"tipo errado da saída: esperava um torch.Tensor, recebi {kind}",
            hint="Esta questão pede PyTorch: use torch.from_numpy(...) ou operações do torch.",
            kind="type",
        )
    return check_array(obtained.detach().numpy(), expected.numpy(), name="a saída")


def _question(limit: float = 1.0, backend: str = "numpy") -> Question:
    if backend == "numpy":
        make = [lambda: (np.arange(6.0).reshape(2, 3),), lambda: (np.array([[-1.5, 4.0]]),)]
        judge = _judge_numpy
    else:
        make = [lambda: (torch.arange(6.0).reshape(2, 3),), lambda: (torch.tensor([[-1.5, 4.0]]),)]
        judge = _judge_torch
    cases = tuple(
        Case(
            f"caso {i + 1}", m, judge, hint="Multiplique por 2.", arg_names=("x",), time_limit=limit
        )
        for i, m in enumerate(make)
    )
    return Question("q1", "Dobrar", "double", "double(x)", 2.0, cases)


def _grade(fn, **kw):
    return grade_question(_question(**kw), fn)


def _text(report) -> str:
    return report.as_text()


def test_correct_numpy_answer_gets_full_points():
    report = _grade(lambda x: 2 * x)
    assert report.points == 2.0 and report.status == "completa"
    assert all(r.passed for r in report.results)


def test_correct_torch_answer_gets_full_points():
    report = _grade(lambda x: 2 * x, backend="torch")
    assert report.points == 2.0


# ------------------------------------------------------------- respostas ruins
def _raises(x):
    raise ValueError("explodiu de propósito")


def _exits(x):
    import sys

    sys.exit("tchau")


def _not_implemented(x):
    raise NotImplementedError("Questão sem resposta: complete a função double.")


def _returns_none(x):
    2 * x  # noqa: B018 - o erro típico: esqueceu o return


def _wrong_shape(x):
    return (2 * x).T


def _wrong_dtype(x):
    return (2 * x).astype(np.float32)


def _nan(x):
    out = 2 * x
    out[0, 0] = np.nan
    return out


def _inf(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        return 2 * x / np.zeros_like(x)


def _torch_instead_of_numpy(x):
    return torch.from_numpy(2 * x)


def _mutates(x):
    x *= 2
    return x.copy()


def _slow(x):
    while True:
        pass


def _slow_swallowing_exception(x):
    while True:
        try:
            time.sleep(0.01)
        except Exception:  # não engole o fim do tempo (é BaseException)
            pass


def _returns_fake_equal(x):
    class AlwaysEqual(np.ndarray):
        def __eq__(self, other):
            return True

    return np.zeros_like(x).view(AlwaysEqual)


BAD_NUMPY_ANSWERS = [
    (_raises, "ValueError: explodiu de propósito", "levantou uma exceção"),
    (_not_implemented, "NotImplementedError", "ainda não foi respondida"),
    (_exits, "SystemExit: tchau", "levantou uma exceção"),
    (_returns_none, "None", "return"),
    (_wrong_shape, "forma (3, 2)", "forma errada"),
    (_wrong_dtype, "dtype float32", "dtype errado"),
    (_nan, "nan", "não finitos"),
    (_inf, "inf", "não finitos"),
    (_torch_instead_of_numpy, "torch.Tensor", "pede numpy"),
    (_mutates, "x", "alterou a entrada x"),
    (_slow, "", "limite de 1 s"),
    (_slow_swallowing_exception, "", "limite de 1 s"),
    (_returns_fake_equal, "", "valores errados"),
    (42, "42", "não é uma função"),
]


@pytest.mark.parametrize(
    ("answer", "obtained", "summary"),
    BAD_NUMPY_ANSWERS,
    ids=[a.__name__ if callable(a) else repr(a) for a, _, _ in BAD_NUMPY_ANSWERS],
)
def test_bad_answers_get_zero_and_a_precise_message(answer, obtained, summary):
    start = time.perf_counter()
    report = _grade(answer)
    elapsed = time.perf_counter() - start
    assert report.points == 0.0, _text(report)
    assert report.status in {"errada", "não respondida"}
    text = _text(report)
    assert summary in text and obtained in text, text
    # o limite de 1 s vale por caso, e depois de estourar os outros casos não rodam
    assert elapsed < 5.0


def test_numpy_where_torch_was_asked_is_rejected():
    report = _grade(lambda x: (2 * x).numpy(), backend="torch")
    assert report.points == 0.0
    assert "esperava um torch.Tensor, recebi um array do numpy" in _text(report)


def test_timeout_is_a_base_exception_and_the_alarm_is_cleaned_up():
    outcome = call_answer(_slow, (np.zeros(2),), limit=0.3)
    assert outcome.status == "timeout" and 0.25 < outcome.elapsed < 2.0
    # depois do tempo esgotado, nada de alarme pendente: código lento do próprio teste roda em paz
    time.sleep(0.4)
    assert call_answer(lambda: 1, (), limit=0.3).value == 1


def test_keyboard_interrupt_is_not_swallowed():
    def interrupt():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        call_answer(interrupt, ())


def test_mutation_names_the_dict_key_that_changed():
    before = [{"weight_ih": np.ones(2), "bias": np.zeros(2)}]
    after = [{"weight_ih": np.ones(2), "bias": np.array([0.0, 1.0])}]
    assert find_mutation(before, after, ["params"]) == "params['bias']"
    assert find_mutation(before, [{k: v.copy() for k, v in before[0].items()}], ["p"]) is None


def test_partial_credit_is_proportional_to_the_cases_that_pass():
    def only_first_case(x):
        return 2 * x if x.shape == (2, 3) else 3 * x

    report = _grade(only_first_case)
    assert report.points == 1.0 and report.status == "parcial"


def test_a_mutating_answer_gets_zero_even_when_some_cases_pass():
    def mutates_only_big_inputs(x):
        if x.size > 2:
            x += 0.5
            return 2 * (x - 0.5)
        return 2 * x

    report = _grade(mutates_only_big_inputs)
    assert [r.passed for r in report.results] == [False, True]
    assert report.points == 0.0 and "altera as entradas" in report.note


def test_values_report_the_first_differing_position():
    expected = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    got = expected.copy()
    got[1, 2] = 7.0
    failure = check_array(got, expected, name="h")
    assert failure.kind == "values"
    assert (
        "1 de 6 posição(ões) diferem; a primeira é (1, 2): esperado 6, obtido 7" in failure.detail
    )
    assert check_array(expected.copy(), expected) is None


def test_transposed_output_is_reported_as_swapped_axes():
    expected = np.zeros((2, 3))
    failure = check_array(np.zeros((3, 2)), expected, name="H")
    assert failure.kind == "shape" and "transposto" in failure.detail


def test_scalars_and_strings_are_converted_before_comparing():
    assert check_float(np.float64(2.0), 2.0) is None
    assert check_float(True, 1.0).kind == "type"  # bool não é número aqui
    assert check_float(torch.tensor(2.0), 2.0).kind == "type"
    assert check_str("rede", "rede") is None
    assert check_str(["r", "e"], "re").kind == "type"
    assert "posição 3" in check_str("reda", "rede").detail  # posições contadas a partir de 0


def test_contractions_in_messages():
    assert of("as probabilidades") == "das probabilidades"
    assert of("o one-hot") == "do one-hot"
    assert of("h") == "de h"


def test_reports_render_as_text_and_html():
    report = _grade(_wrong_shape)
    html = report._repr_html_()
    assert "<div" in html and "✘ falhou" in html and "forma errada" in html
    assert "<script" not in html
    assert repr(report).startswith("Questão 1 — Dobrar (double): 0 de 2 ponto(s)")
    # a mesma exceção nos dois casos aparece por extenso só uma vez
    text = repr(_grade(_raises))
    assert text.count("ValueError: explodiu de propósito") == 1
    assert "o mesmo problema do caso anterior" in text


def test_html_escapes_what_the_answer_returns():
    report = _grade(lambda x: "<script>alert(1)</script>")
    assert "<script>" not in report._repr_html_()


def test_summary_table_counts_only_verified_questions():
    lista = ExerciseList("lista_99", "teste", [_question()])
    assert lista.resumo().total == 0 and "não verificada" in repr(lista.resumo())
    lista.verificar("q1", _wrong_shape)
    lista.verificar(1, lambda x: 2 * x)  # a última verificação é a que vale
    summary = lista.resumo()
    assert summary.total == 2.0 and summary.max_total == 2.0
    assert "total" in repr(summary) and "<table" in summary._repr_html_()


def test_format_points_uses_the_brazilian_decimal_comma():
    assert format_points(1.5) == "1,5"
    assert format_points(2.0) == "2"
    assert format_points(0.67) == "0,67"


def test_lists_open_by_number_or_name():
    assert listas_disponiveis()[:5] == [f"lista_{i:02d}" for i in range(1, 6)]
    assert abrir_lista(1).list_id == "lista_01"
    assert abrir_lista("lista_02").list_id == "lista_02"
    with pytest.raises(ValueError, match="lista desconhecida"):
        abrir_lista(99)
    with pytest.raises(KeyError, match="questão desconhecida"):
        abrir_lista(1).verificar("q9", print)


def test_import_of_the_student_api_does_not_load_torch_or_nbclient():
    import subprocess
    import sys

    code = (
        "import sys; import rnncourse.grading; lista = rnncourse.grading.abrir_lista(1); "
        "print('torch' in sys.modules, 'nbclient' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# ------------------------------------------------- o juiz só vê dados simples
def test_the_judge_only_sees_plain_data():
    from rnncourse.grading.wire import Opaque

    seen = []

    def judge(obtained, args):
        seen.append(type(obtained))
        return None

    case = Case("caso", lambda: (np.ones(2),), judge, arg_names=("x",))
    question = Question("q1", "t", "f", "f(x)", 1.0, (case,))

    class Tricky(np.ndarray):
        def __eq__(self, other):
            return True

    grade_question(question, lambda x: x.view(Tricky))
    grade_question(question, lambda x: lambda: 1)
    grade_question(question, lambda x: torch.ones(2))
    assert seen == [np.ndarray, Opaque, torch.Tensor]


FORGED = [
    {"status": "ok"},
    {"status": "ok", "value": {"$": "pickle", "v": "gASV"}, "after": [None]},
    {"status": "ok", "value": 1.0, "after": []},
    {"status": "ok", "value": {"$": "array", "dtype": "|O", "shape": [1], "b64": ""}},
    {"status": "raised", "exception": 5},
    {"status": "timeout", "elapsed": "muito"},
    {"status": "???"},
    {},
    [],
    None,
]


@pytest.mark.parametrize("data", FORGED, ids=[str(i) for i in range(len(FORGED))])
def test_forged_answer_data_never_raises_and_never_passes(data):
    from rnncourse.grading.core import judge_exchange

    case = _question().cases[0]
    result, _ = judge_exchange(case, "double(x)", case.make_args(), data)
    assert not result.passed and result.failure is not None


def test_a_mutation_is_seen_through_the_returned_state():
    report = _grade(_mutates)
    assert report.points == 0 and "alterou a entrada x" in _text(report)


# ------------------------------------------------------- resumo() reverifica
def test_resumo_rechecks_the_functions_as_they_are_now():
    ns: dict = {"calls": 0}
    exec(
        "def helper(x):\n    return 3 * x\n"
        "def double(x):\n    global calls\n    calls += 1\n    return helper(x)\n",
        ns,
    )
    lista = ExerciseList("lista_99", "teste", [_question()])
    assert lista.verificar("q1", ns["double"]).points == 0
    calls = ns["calls"]
    assert lista.resumo(ns).total == 0 and ns["calls"] == calls  # nada mudou: não roda de novo
    exec("def helper(x):\n    return 2 * x\n", ns)  # corrigiu só a auxiliar
    assert lista.resumo(ns).total == 2 and ns["calls"] > calls
    exec("def double(x):\n    return x\n", ns)  # redefiniu a resposta, errada
    summary = lista.resumo(ns)
    assert summary.total == 0 and "errada" in repr(summary)


def test_resumo_checks_a_defined_function_never_verified():
    lista = ExerciseList("lista_99", "teste", [_question()])
    assert lista.resumo({}).total == 0 and "não verificada" in repr(lista.resumo({}))
    assert lista.resumo({"double": lambda x: 2 * x}).total == 2
