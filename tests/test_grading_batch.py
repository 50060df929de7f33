"""A correção em lote (``python -m rnncourse.grading corrigir``) sobre pastas de submissões.

Uma pasta da lista 2 com uma submissão completa (a própria fonte), uma vazia (o
notebook do estudante), uma parcial (com um erro plantado), uma que nem é JSON,
uma com erro de sintaxe e uma que derruba o kernel: a tabela sai como esperado, as
notas são as mesmas da verificação no próprio processo, cada estudante recebe a sua
devolutiva, o ``results.json`` do Gradescope é válido e nenhum arquivo da pasta muda
(sha256, data de modificação e lista de arquivos). Pela linha de comando, na lista 1
e em paralelo: um laço infinito esgota o tempo e uma submissão que imprime e grava
uma nota falsa continua com zero; sem o bubblewrap, o comando recusa corrigir a menos
que o instrutor peça o modo mais fraco, que a tabela e o relatório identificam; uma
correção interrompida retoma de onde parou. E os notebooks do estudante rodam inteiros.
Os ataques de uma turma hostil estão em ``test_grading_hostile.py``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from hostile import require_bwrap

from rnncourse.grading.batch import GradingLimits, grade_folder, scan_warnings
from rnncourse.grading.core import LISTS

pytestmark = pytest.mark.stage(1)

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"


def _source(list_id: str) -> Path:
    return EXERCISES / "sources" / f"{list_id}_fonte.ipynb"


def _solution(list_id: str, name: str) -> str:
    """O código da célula que define ``name`` na fonte, sem os marcadores."""
    nb = nbformat.read(_source(list_id), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith(f"def {name}("):
            lines = [ln for ln in cell.source.splitlines() if "### " not in ln]
            return "\n".join(lines)
    raise LookupError(name)


def _student_with(list_id: str, answers: dict[str, str], extra: dict[int, str] | None = None):
    """O notebook do estudante com algumas respostas trocadas (e células extras inseridas)."""
    nb = nbformat.read(EXERCISES / f"{list_id}.ipynb", as_version=4)
    for cell in nb.cells:
        for name, code in answers.items():
            if cell.cell_type == "code" and cell.source.startswith(f"def {name}("):
                cell.source = code
    for index, code in sorted((extra or {}).items(), reverse=True):
        nb.cells.insert(index, nbformat.v4.new_code_cell(code))
    return nb


def _fingerprint(folder: Path) -> dict[str, tuple[str, int]]:
    return {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.iterdir())
    }


def _rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {row["submissao"]: row for row in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def graded_02(tmp_path_factory, timings):
    require_bwrap()
    base = tmp_path_factory.mktemp("lote02")
    folder = base / "submissoes"
    folder.mkdir()
    shutil.copy(_source("lista_02"), folder / "completa.ipynb")
    shutil.copy(EXERCISES / "lista_02.ipynb", folder / "vazia.ipynb")
    planted = _solution("lista_02", "top_k_softmax").replace(
        "z = logits / temperature", "z = logits * temperature"
    )
    nbformat.write(
        _student_with(
            "lista_02",
            {
                "leaky_rnn_cell_forward": _solution("lista_02", "leaky_rnn_cell_forward"),
                "top_k_softmax": planted,
            },
        ),
        folder / "parcial.ipynb",
    )
    (folder / "json_invalido.ipynb").write_text('{"cells": [', encoding="utf-8")
    broken = _solution("lista_02", "leaky_rnn_cell_forward").replace(
        "def leaky_rnn_cell_forward(x, h_prev, params, alpha):",
        "def leaky_rnn_cell_forward(x, h_prev, params, alpha)",
    )
    nbformat.write(
        _student_with(
            "lista_02",
            {
                "leaky_rnn_cell_forward": broken,
                "top_k_softmax": _solution("lista_02", "top_k_softmax"),
            },
        ),
        folder / "sintaxe.ipynb",
    )
    nbformat.write(
        _student_with("lista_02", {}, extra={4: "import os\n\nos._exit(3)"}),
        folder / "kernel_morre.ipynb",
    )
    # uma resposta certa que importa o torch dentro da função, num notebook sem a célula de
    # configuração (que já importaria o torch): o aquecimento o importa antes do relógio
    cold = _solution("lista_02", "leaky_rnn_cell_forward").replace(
        '    """', '    import torch  # noqa: F401\n    """', 1
    )
    nb = _student_with("lista_02", {"leaky_rnn_cell_forward": cold})
    nb.cells = [c for c in nb.cells if "setup" not in c.metadata.get("tags", [])]
    nbformat.write(nb, folder / "torch_dentro.ipynb")
    before = _fingerprint(folder)
    out = base / "saida"
    start = time.perf_counter()
    results = grade_folder(
        folder,
        "lista_02",
        out,
        source=_source("lista_02"),
        limits=GradingLimits(student_seconds=90, grading_seconds=240),
        gradescope=True,
    )
    timings["correção em lote da lista 2 (7 submissões)"] = time.perf_counter() - start
    return folder, out, results, before


def test_submissions_are_never_modified(graded_02):
    folder, _, results, before = graded_02
    assert _fingerprint(folder) == before  # conteúdo, data de modificação e nada novo na pasta
    assert all(r.sha256 or r.name == "json_invalido.ipynb" for r in results)


def test_grade_table_has_a_row_per_submission_and_the_expected_points(graded_02):
    _, out, _, _ = graded_02
    rows = _rows(out / "notas.csv")
    assert set(rows) == {
        "completa.ipynb",
        "vazia.ipynb",
        "parcial.ipynb",
        "json_invalido.ipynb",
        "sintaxe.ipynb",
        "kernel_morre.ipynb",
        "torch_dentro.ipynb",
    }
    qids = ["q1", "q2", "q3", "q4", "q5"]
    header = list(next(iter(rows.values())))
    assert header == [
        "submissao",
        "devolutiva",
        *qids,
        "total",
        "maximo",
        "situacao",
        "motivo",
        "avisos",
        "isolamento",
        "sha256",
    ]
    assert {row["isolamento"] for row in rows.values()} == {"caixa de areia (bwrap)"}
    points = {name: {q: float(row[q]) for q in [*qids, "total"]} for name, row in rows.items()}

    assert points["completa.ipynb"] == {"q1": 2, "q2": 2, "q3": 2, "q4": 2, "q5": 2, "total": 10}
    assert rows["completa.ipynb"]["situacao"] == "ok" and rows["completa.ipynb"]["motivo"] == ""

    assert points["vazia.ipynb"]["total"] == 0 and rows["vazia.ipynb"]["situacao"] == "ok"
    assert rows["vazia.ipynb"]["motivo"] == ""  # o notebook do estudante roda sem erro

    partial = points["parcial.ipynb"]
    assert partial["q1"] == 2 and 0 < partial["q3"] < 2
    assert partial["q2"] == partial["q4"] == partial["q5"] == 0
    assert partial["total"] == pytest.approx(partial["q1"] + partial["q3"])

    assert points["json_invalido.ipynb"]["total"] == 0
    assert rows["json_invalido.ipynb"]["situacao"] == "erro"
    assert "não é um notebook válido" in rows["json_invalido.ipynb"]["motivo"]

    # erro de sintaxe: a questão afetada (e a que depende dela) fica com zero, o resto é corrigido
    syntax = points["sintaxe.ipynb"]
    assert syntax["q1"] == syntax["q2"] == 0 and syntax["q3"] == 2
    assert "célula" in rows["sintaxe.ipynb"]["motivo"]

    assert points["torch_dentro.ipynb"]["q1"] == 2 and points["torch_dentro.ipynb"]["total"] == 2

    assert points["kernel_morre.ipynb"]["total"] == 0
    assert rows["kernel_morre.ipynb"]["situacao"] == "erro"
    assert "o kernel morreu na célula 5" in rows["kernel_morre.ipynb"]["motivo"]


def test_the_batch_gives_the_same_points_as_checking_in_the_same_process(graded_02):
    """O juiz recebe os mesmos dados simples nos dois modos: as notas batem."""
    from test_grading_lists import _namespace

    folder, out, _, _ = graded_02
    rows = _rows(out / "notas.csv")
    for name in ("completa.ipynb", "parcial.ipynb", "vazia.ipynb"):
        ns = _namespace(folder / name)
        lista = ns["lista"]
        if not lista.hidden_specs:  # a fonte já os acrescentou nas células de instrutor
            for qid, question, params in _hidden("lista_02"):
                lista.adicionar_teste_oculto(qid, question, **params)
        reports = lista.grade_namespace(ns)
        assert [float(rows[name][r.question.id]) for r in reports] == [r.points for r in reports]


def _hidden(list_id: str):
    from rnncourse.grading.batch import hidden_specs

    return hidden_specs(_source(list_id))


def test_each_student_gets_feedback_in_portuguese(graded_02):
    _, out, results, _ = graded_02
    for result in results:
        path = out / "devolutivas" / (Path(result.name).stem + ".txt")
        assert path.is_file()
    partial = (out / "devolutivas" / "parcial.txt").read_text(encoding="utf-8")
    assert "Nota: " in partial
    assert "Você multiplicou os logits pela temperatura" in partial  # o erro plantado
    assert "[instrutor]" in partial  # os testes do instrutor também rodaram
    syntax = (out / "devolutivas" / "sintaxe.txt").read_text(encoding="utf-8")
    assert "SyntaxError" in syntax and "não encontrei a função leaky_rnn_cell_forward" in syntax


def test_gradescope_results_follow_the_format(graded_02):
    _, out, results, _ = graded_02
    rows = _rows(out / "notas.csv")
    for result in results:
        data = json.loads(
            (out / "gradescope" / Path(result.name).stem / "results.json").read_text("utf-8")
        )
        assert data["score"] == pytest.approx(float(rows[result.name]["total"]))
        assert [t["number"] for t in data["tests"]] == ["1", "2", "3", "4", "5"]
        assert sum(t["max_score"] for t in data["tests"]) == 10
        assert all(0 <= t["score"] <= t["max_score"] for t in data["tests"])
        assert isinstance(data["output"], str) and data["output"]


def _run_cli(*args: str, timeout: float = 300, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rnncourse.grading", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, "OMP_NUM_THREADS": "1"} if env is None else env,
    )


def test_cli_stops_infinite_loops_and_ignores_printed_scores(tmp_path, timings):
    require_bwrap()
    folder = tmp_path / "submissoes"
    folder.mkdir()
    shutil.copy(_source("lista_01"), folder / "completa.ipynb")
    shutil.copy(EXERCISES / "lista_01.ipynb", folder / "vazia.ipynb")
    nbformat.write(
        _student_with("lista_01", {}, extra={4: "while True:\n    pass"}), folder / "laco.ipynb"
    )
    fake = (
        "import json, os, tempfile\n"
        "fake = {'format': 'rnncourse-grading/1', 'list_id': 'lista_01', 'questions': []}\n"
        "print('Nota: 10 de 10'); print(json.dumps(fake))\n"
        "for d in (os.getcwd(), tempfile.gettempdir()):\n"
        "    open(os.path.join(d, 'results.json'), 'w').write(json.dumps(fake))\n"
    )
    nbformat.write(_student_with("lista_01", {}, extra={4: fake}), folder / "falsa.ipynb")
    before = _fingerprint(folder)
    out = tmp_path / "saida"
    start = time.perf_counter()
    proc = _run_cli(
        "corrigir",
        str(folder),
        "--lista",
        "1",
        "--saida",
        str(out),
        "--tempo-limite",
        "12",
        "--trabalhadores",
        "2",
    )
    timings["correção em lote da lista 1 pela linha de comando (4 submissões)"] = (
        time.perf_counter() - start
    )
    assert proc.returncode == 0, proc.stderr
    rows = _rows(out / "notas.csv")
    assert float(rows["completa.ipynb"]["total"]) == 10
    assert float(rows["vazia.ipynb"]["total"]) == 0 and rows["vazia.ipynb"]["motivo"] == ""
    assert float(rows["laco.ipynb"]["total"]) == 0
    assert rows["laco.ipynb"]["situacao"] == "erro"
    assert "tempo esgotado" in rows["laco.ipynb"]["motivo"]
    assert float(rows["falsa.ipynb"]["total"]) == 0
    assert "grava arquivos" in rows["falsa.ipynb"]["avisos"]
    assert _fingerprint(folder) == before
    assert "laco.ipynb: 0 de 10" in proc.stderr and "[4/4]" in proc.stderr


def test_without_bubblewrap_the_command_refuses_unless_the_weaker_mode_is_asked(tmp_path):
    folder = tmp_path / "submissoes"
    folder.mkdir()
    shutil.copy(_source("lista_01"), folder / "completa.ipynb")
    env = {**os.environ, "PATH": str(tmp_path / "sem-bwrap")}  # nenhum bwrap no PATH
    out = tmp_path / "saida"
    args = ["corrigir", str(folder), "--lista", "1", "--saida", str(out)]
    proc = _run_cli(*args, env=env)
    assert proc.returncode == 2
    assert "bubblewrap" in proc.stderr and "--isolamento processo" in proc.stderr
    assert not out.exists()
    proc = _run_cli(*args, "--isolamento", "processo", env=env)
    assert proc.returncode == 0, proc.stderr
    row = _rows(out / "notas.csv")["completa.ipynb"]
    assert float(row["total"]) == 10
    assert row["isolamento"].startswith("SEM caixa de areia")
    report = (out / "relatorio.txt").read_text(encoding="utf-8")
    assert "ATENÇÃO: sem a caixa de areia" in report
    feedback = (out / "devolutivas" / "completa.txt").read_text(encoding="utf-8")
    assert "Isolamento: SEM caixa de areia" in feedback


def test_an_interrupted_batch_resumes_where_it_stopped(tmp_path):
    require_bwrap()
    folder = tmp_path / "submissoes"
    folder.mkdir()
    shutil.copy(EXERCISES / "lista_01.ipynb", folder / "a.ipynb")
    shutil.copy(EXERCISES / "lista_01.ipynb", folder / "b.ipynb")
    out = tmp_path / "saida"
    assert _run_cli("corrigir", str(folder), "--lista", "1", "--saida", str(out)).returncode == 0
    table = out / "notas.csv"
    lines = table.read_text(encoding="utf-8-sig").splitlines()
    assert [ln.split(",")[0] for ln in lines] == ["submissao", "a.ipynb", "b.ipynb"]
    # o corretor "caiu" no meio da linha de b.ipynb
    table.write_text("\ufeff" + "\r\n".join(lines[:2]) + "\r\n" + lines[2][:30], "utf-8")
    (out / "devolutivas" / "b.txt").unlink()
    shutil.copy(_source("lista_01"), folder / "c.ipynb")
    proc = _run_cli("corrigir", str(folder), "--lista", "1", "--saida", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "[2/2]" in proc.stderr and "a.ipynb" not in proc.stderr  # só b e c rodaram
    rows = _rows(table)
    assert list(rows) == ["a.ipynb", "b.ipynb", "c.ipynb"]
    assert float(rows["c.ipynb"]["total"]) == 10 and (out / "devolutivas" / "b.txt").is_file()
    assert "1 corrigidas agora" not in (out / "relatorio.txt").read_text(encoding="utf-8")
    # um arquivo trocado (outro sha256) é corrigido de novo; --recomecar corrige tudo
    shutil.copy(_source("lista_01"), folder / "a.ipynb")
    proc = _run_cli("corrigir", str(folder), "--lista", "1", "--saida", str(out))
    assert "[1/1] a.ipynb: 10 de 10" in proc.stderr
    assert float(_rows(table)["a.ipynb"]["total"]) == 10
    proc = _run_cli("corrigir", str(folder), "--lista", "1", "--saida", str(out), "--recomecar")
    assert "[3/3]" in proc.stderr


def test_cli_refuses_an_output_folder_inside_the_submissions(tmp_path):
    folder = tmp_path / "submissoes"
    folder.mkdir()
    shutil.copy(EXERCISES / "lista_01.ipynb", folder / "a.ipynb")
    proc = _run_cli("corrigir", str(folder), "--lista", "1", "--saida", str(folder / "notas"))
    assert proc.returncode == 2 and "não pode ficar dentro" in proc.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["a.ipynb"]
    out = tmp_path / "saida"
    assert _run_cli("corrigir", str(folder), "--lista", "99", "--saida", str(out)).returncode == 2
    assert not out.exists()


def test_cli_lists_the_lists():
    proc = _run_cli("listas")
    assert proc.returncode == 0
    assert "lista_01" in proc.stdout
    assert "leaky_rnn_cell_forward(x, h_prev, params, alpha)" in proc.stdout


def test_warnings_flag_reference_implementations_and_tampering():
    assert scan_warnings("from rnncourse import rnn_cell_forward") == [
        "usa uma implementação de referência do pacote rnncourse"
    ]
    assert scan_warnings("h = rnncourse.rnn_numpy.rnn_forward(X, h0, p)")
    assert "altera o interpretador" in scan_warnings("get_ipython().events.register('x', f)")
    # a célula de configuração padrão não gera aviso
    assert scan_warnings('if "google.colab" in sys.modules:\n    pass') == []


@pytest.mark.parametrize("list_id", ["lista_01", "lista_02", "lista_03", "lista_04", "lista_05"])
def test_student_notebooks_run_to_the_end_without_errors(list_id, tmp_path, timings):
    from nbclient import NotebookClient

    nb = nbformat.read(EXERCISES / f"{list_id}.ipynb", as_version=4)
    start = time.perf_counter()
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute(env={**os.environ, "OMP_NUM_THREADS": "1"})
    timings[f"notebook do estudante {list_id} (esboços)"] = time.perf_counter() - start
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors
    summary = nb.cells[-1].outputs[0]["data"]["text/plain"]
    assert "total" in summary and "0 / 10" in summary


def test_a_student_fixes_a_planted_mistake_and_sees_the_score_rise(tmp_path):
    """O percurso do estudante num kernel de verdade: erro plantado, dica, correção, nota maior."""
    from nbclient import NotebookClient

    right = _solution("lista_02", "leaky_rnn_cell_forward")
    planted = right.replace('params["weight_hh"].T', 'params["weight_hh"]')
    assert planted != right
    nb = _student_with("lista_02", {"leaky_rnn_cell_forward": planted})
    check = 'lista.verificar("q1", leaky_rnn_cell_forward)'
    nb.cells += [nbformat.v4.new_code_cell(s) for s in (right, check, "lista.resumo()")]
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    first, second = [c for c in nb.cells if c.source == check]
    before, after = first.outputs[0]["data"], second.outputs[0]["data"]
    assert "[parcial]" in before["text/plain"]
    assert "Faltou transpor weight_hh" in before["text/plain"]
    assert "Faltou transpor weight_hh" in before["text/html"]  # o Jupyter e o Colab mostram o HTML
    assert "2 de 2 ponto(s) [completa]" in after["text/plain"]
    summary = nb.cells[-1].outputs[0]["data"]["text/plain"]
    q1 = next(line for line in summary.splitlines() if line.startswith("q1"))
    assert "2 / 2" in q1 and "completa" in q1


# as listas 1 e 2 têm os testes acima; aqui, toda lista registrada: a fonte (com as soluções)
# corrigida em lote, na caixa de areia, leva a nota cheia. Prova que as respostas e os casos
# de cada lista atravessam a fronteira de dados simples (wire) entre a submissão e o juiz.
@pytest.mark.parametrize("list_id", sorted(set(LISTS) - {"lista_01", "lista_02"}))
def test_each_list_solution_gets_full_marks_in_the_batch(list_id, tmp_path, timings):
    require_bwrap()
    folder = tmp_path / "turma"
    folder.mkdir()
    shutil.copy(_source(list_id), folder / "completa.ipynb")
    start = time.perf_counter()
    (result,) = grade_folder(
        folder,
        list_id,
        tmp_path / "saida",
        source=_source(list_id),
        limits=GradingLimits(student_seconds=120, grading_seconds=240),
    )
    timings[f"correção em lote da solução da {list_id}"] = time.perf_counter() - start
    assert result.status == "ok", result.reason
    lost = {
        q: (p, result.max_points[q]) for q, p in result.points.items() if p != result.max_points[q]
    }
    assert not lost, f"{list_id}: a solução perdeu pontos no lote: {lost}\n" + "\n".join(
        result.feedback
    )
    assert sum(result.max_points.values()) == 10
