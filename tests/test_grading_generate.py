"""Os notebooks do estudante gerados das fontes: atualizados, sem soluções, com os esboços certos.

``tools/make_exercises.py --check`` falha quando um notebook gerado está desatualizado; aqui se
confere que isso de fato acontece (numa cópia do repositório com a fonte alterada), que os
esboços levantam ``NotImplementedError`` com mensagem em português, que nenhuma linha de solução
nem célula de instrutor vaza para o estudante e que cada questão do banco tem enunciado, função
e verificação no notebook. Também os limites que a correção em lote impõe ao kernel.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from book_layout import load_tool

from rnncourse.grading import abrir_lista
from rnncourse.grading.batch import _is_check_only

make_exercises = load_tool("make_exercises")

ROOT = Path(__file__).resolve().parents[1]
LISTS = ["lista_01", "lista_02", "lista_03", "lista_04", "lista_05"]


def _cells(path: Path):
    return nbformat.read(path, as_version=4).cells


def test_generated_notebooks_are_up_to_date():
    assert make_exercises.problems() == []
    proc = subprocess.run(
        [sys.executable, "tools/make_exercises.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_check_fails_when_a_source_changes(tmp_path):
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    shutil.copytree(ROOT / "exercises", tmp_path / "exercises")
    assert make_exercises.problems(tmp_path) == []
    source = tmp_path / "exercises" / "sources" / "lista_01_fonte.ipynb"
    nb = nbformat.read(source, as_version=4)
    nb.cells[2].source += "\n\nUma frase nova no enunciado."
    nbformat.write(nb, source)
    found = make_exercises.problems(tmp_path)
    assert found == [
        "exercises/lista_01.ipynb: desatualizado em relação a "
        "exercises/sources/lista_01_fonte.ipynb (rode tools/make_exercises.py)"
    ]
    assert make_exercises.write(tmp_path) == [tmp_path / "exercises" / "lista_01.ipynb"]
    assert make_exercises.problems(tmp_path) == []
    (tmp_path / "exercises" / "lista_02.ipynb").unlink()
    assert any("não existe" in p for p in make_exercises.problems(tmp_path))


def test_strip_solutions_keeps_signature_and_docstring():
    code = (
        "def f(x):\n"
        '    """Doc."""\n'
        "    ### BEGIN SOLUTION\n"
        "    y = x + 1\n"
        "    return y\n"
        "    ### END SOLUTION\n"
    )
    assert make_exercises.strip_solutions(code) == (
        "def f(x):\n"
        '    """Doc."""\n'
        "    # Escreva a sua resposta aqui, no lugar da linha abaixo.\n"
        '    raise NotImplementedError("Questão sem resposta: complete a função f.")'
    )


@pytest.mark.parametrize(
    "code",
    [
        "### BEGIN SOLUTION\nx = 1\n",
        "x = 1\n### END SOLUTION\n",
        "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n",
    ],
    ids=["sem-fim", "sem-inicio", "aninhado"],
)
def test_unbalanced_markers_are_errors(code):
    with pytest.raises(ValueError):
        make_exercises.strip_solutions(code)


@pytest.mark.parametrize(
    "name", ["f", "smoothed_distribution", "a" * 60], ids=["curto", "medio", "longo"]
)
def test_stubs_are_already_formatted_by_ruff(name):
    # o notebook do estudante passa no `ruff format --check` do CI sem retoque
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        pytest.skip("ruff não está instalado neste ambiente")
    code = f"def {name}(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION"
    stub = make_exercises.strip_solutions(code) + "\n"
    formatted = subprocess.run(
        [str(ruff), "format", "--stdin-filename", "stub.py", "-"],
        input=stub,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout
    assert formatted == stub
    compile(stub, "<stub>", "exec")


@pytest.mark.parametrize("name", LISTS)
def test_student_notebook_has_no_solutions_and_no_instructor_cells(name):
    source = _cells(ROOT / "exercises" / "sources" / f"{name}_fonte.ipynb")
    student = _cells(ROOT / "exercises" / f"{name}.ipynb")
    text = "\n".join(c.source for c in student)
    assert "### BEGIN SOLUTION" not in text and "adicionar_teste_oculto" not in text
    for cell in source:
        if "### BEGIN SOLUTION" in cell.source:
            inside = cell.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
            for line in inside.strip().splitlines():
                assert line.strip() not in text, (
                    f"linha de solução no notebook do estudante: {line}"
                )
    assert all(
        not c.get("outputs") and c.get("execution_count") is None
        for c in student
        if c.cell_type == "code"
    )
    instructor = [c for c in source if "instrutor" in c.metadata.get("tags", [])]
    assert instructor, "a fonte deveria ter células de instrutor"


@pytest.mark.parametrize("name", LISTS)
def test_every_question_has_statement_function_and_check(name):
    lista = abrir_lista(name)
    student = _cells(ROOT / "exercises" / f"{name}.ipynb")
    markdown = "\n".join(c.source for c in student if c.cell_type == "markdown")
    code = [c for c in student if c.cell_type == "code"]
    for qid, question in lista.questions.items():
        number = qid.removeprefix("q")
        assert f"## Questão {number} — " in markdown
        points = f"{question.points:g} ponto"
        assert points in markdown.split(f"## Questão {number} — ")[1].split("\n")[0]
        heads = (f"def {question.answer_name}(", f"class {question.answer_name}(")
        defs = [c for c in code if c.source.startswith(heads)]
        assert len(defs) == 1 and "raise NotImplementedError" in defs[0].source
        checks = [
            c for c in code if c.source == f'lista.verificar("{qid}", {question.answer_name})'
        ]
        assert len(checks) == 1 and "verificar" in checks[0].metadata["tags"]
        assert _is_check_only(checks[0].source)
    assert f"abrir_lista({int(name[-2:])})" in code[1].source
    assert code[-1].source == "lista.resumo()"


def test_check_only_cells_are_recognised_conservatively():
    assert _is_check_only('lista.verificar("q1", f)\nlista.resumo()')
    assert not _is_check_only('lista.verificar("q1", f)\ndef g():\n    pass')
    assert not _is_check_only("x = lista.resumo()")
    assert not _is_check_only("lista.verificar(")  # erro de sintaxe: roda, não é pulada


def test_kernel_limits_are_applied(tmp_path):
    """O processo da submissão limita a si mesmo antes da primeira linha do estudante."""
    pytest.importorskip("resource")
    code = (
        "from rnncourse.grading.runner import _apply_limits\n"
        + "_apply_limits({'memory_bytes': 2**30, 'file_bytes': 2**20})\n"
        + "import resource\n"
        + "print(resource.getrlimit(resource.RLIMIT_AS)[0] // 2**20)\n"
        + "import numpy as np\n"
        + "try:\n"
        + "    np.empty(2 * 2**30, dtype=np.uint8)\n"  # 2 GiB de endereços, sem tocar na memória
        + "    print('alocou')\n"
        + "except MemoryError:\n"
        + "    print('MemoryError')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    assert proc.stdout.split() == ["1024", "MemoryError"]
