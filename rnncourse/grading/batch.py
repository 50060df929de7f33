"""Correção em lote: cada submissão (.ipynb) num kernel separado, e as notas de toda a turma.

Para cada notebook submetido, ``grade_submission``:

1. lê os bytes do arquivo (nunca o abre para escrita) e confere que é um
   notebook válido;
2. monta um notebook de execução, na memória: uma célula que impõe limites ao
   próprio kernel (memória, CPU, tamanho de arquivo, com ``resource.setrlimit``
   onde o sistema tem), as células de código do estudante (as que só chamam
   ``lista.verificar``/``lista.resumo`` são puladas: a correção roda tudo de
   novo no fim), uma célula que abre a lista, as células de instrutor da fonte
   e uma célula final que corrige as funções definidas e grava um JSON num
   caminho sorteado, que só aparece nesta última célula;
3. roda esse notebook com o ``nbclient`` num kernel novo (outro processo, numa
   pasta temporária), com limite de tempo para as células do estudante e outro
   para as da correção;
4. valida o JSON (formato, código sorteado, questões e pontos possíveis) e
   devolve um ``SubmissionResult``. Qualquer falha (JSON inválido, tempo
   esgotado, kernel que morreu, correção que não terminou) vira uma linha com
   zero e o motivo, e a turma segue.

``grade_folder`` faz isso para uma pasta e escreve a tabela CSV, uma
devolutiva por estudante e, se pedido, o ``results.json`` do Gradescope.

O que este isolamento garante e o que não garante está em
``exercises/README.md`` ("Isolamento"): em resumo, protege contra erros e
contra quem só imprime uma nota; não contra código malicioso, que roda com
o seu usuário e pode alterar a verificação no próprio processo.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import json
import math
import os
import re
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from rnncourse.grading.core import RESULTS_FORMAT, build_list, canonical_list_id
from rnncourse.grading.report import format_points

__all__ = [
    "GradingLimits",
    "SubmissionResult",
    "default_source",
    "feedback_text",
    "find_submissions",
    "grade_folder",
    "grade_submission",
    "gradescope_results",
    "instructor_cells",
    "scan_warnings",
]

#: etiqueta das células de instrutor nas fontes das listas
INSTRUCTOR_TAG = "instrutor"
#: etiqueta das células que só chamam lista.verificar(...) (a correção as pula)
CHECK_TAG = "verificar"
_GRADER_TAG = "rnncourse-corretor"
_KERNEL_NAME = "rnncourse-corretor"


@dataclass(frozen=True)
class GradingLimits:
    """Limites de cada submissão.

    ``student_seconds``: tempo total das células do estudante; ``grading_seconds``:
    tempo das células de correção (cada caso ainda tem o próprio limite);
    ``memory_mb``: limite de espaço de endereçamento do kernel (``RLIMIT_AS``;
    0 desliga). O torch sozinho reserva uns 3,4 GB de endereços, por isso o
    padrão é folgado. ``file_mb``: maior arquivo que o kernel pode escrever.
    """

    student_seconds: float = 120.0
    grading_seconds: float = 300.0
    memory_mb: int = 6144
    file_mb: int = 256
    startup_seconds: int = 60


@dataclass
class SubmissionResult:
    """A nota de uma submissão e tudo o que o estudante e o instrutor precisam saber."""

    name: str
    points: dict[str, float]
    max_points: dict[str, float]
    status: str  # "ok" ou "erro"
    reason: str = ""
    feedback: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    cell_errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    sha256: str = ""

    @property
    def total(self) -> float:
        return round(sum(self.points.values()), 2)

    @property
    def max_total(self) -> float:
        return round(sum(self.max_points.values()), 2)


# ------------------------------------------------------------ células auxiliares
def _limits_source(limits: GradingLimits) -> str:
    cpu = int(limits.student_seconds + limits.grading_seconds) * 2 + 60
    memory = limits.memory_mb * 1024 * 1024
    return "\n".join(
        [
            "# célula do corretor: limites do próprio kernel (quando o sistema permite)",
            "try:",
            "    import resource as _rnncourse_resource",
            "except ImportError:",
            "    _rnncourse_resource = None",
            "if _rnncourse_resource is not None:",
            "    for _name, _value in (",
            f"        ('RLIMIT_AS', {memory}),",
            f"        ('RLIMIT_CPU', {cpu}),",
            f"        ('RLIMIT_FSIZE', {limits.file_mb * 1024 * 1024}),",
            "        ('RLIMIT_CORE', 0),",
            "    ):",
            "        _which = getattr(_rnncourse_resource, _name, None)",
            "        if _which is None or (_name == 'RLIMIT_AS' and _value == 0):",
            "            continue",
            "        try:",
            "            _rnncourse_resource.setrlimit(_which, (_value, _value))",
            "        except (ValueError, OSError):",
            "            pass",
        ]
    )


def _is_check_only(source: str) -> bool:
    """Diz se a célula só chama ``lista.verificar(...)``/``lista.resumo()``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    if not tree.body:
        return False
    for node in tree.body:
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
            return False
        func = node.value.func
        if not (
            isinstance(func, ast.Attribute)
            and func.attr in {"verificar", "resumo"}
            and isinstance(func.value, ast.Name)
            and func.value.id == "lista"
        ):
            return False
    return True


def instructor_cells(source: Path | None) -> list[str]:
    """O código das células de instrutor (etiqueta ``instrutor``) de uma fonte de lista."""
    if source is None:
        return []
    nb = nbformat.read(source, as_version=4)
    return [
        c.source
        for c in nb.cells
        if c.cell_type == "code" and INSTRUCTOR_TAG in c.metadata.get("tags", [])
    ]


def default_source(list_id: str, start: Path | None = None) -> Path | None:
    """Procura ``exercises/sources/<lista>_fonte.ipynb`` na pasta atual e na do repositório."""
    name = Path("exercises") / "sources" / f"{list_id}_fonte.ipynb"
    candidates = [Path(start or Path.cwd()) / name, Path(__file__).resolve().parents[2] / name]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return None


# as referências das listas 3 a 5 (BPTT, gradientes, LSTM e GRU)
_LISTS_3_TO_5 = (
    r"rnn_cell_backward|rnn_backward|numerical_gradient|relative_error|check_gradients"
    r"|clip_by_norm|clip_by_value|global_norm|orthogonal_matrix|identity_matrix"
    r"|jacobian_products|step_jacobians|tanh_step_jacobians"
    r"|lstm_cell_forward|lstm_forward|gru_cell_forward|gru_forward|param_count"
)

_WARNING_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        r"rnncourse\.(rnn_numpy|ngram|sampling|training|models|lm"
        r"|lstm_numpy|gru_numpy|param_count|gradcheck|clipping|init|jacobians)\b"
        r"|from\s+rnncourse(\.\w+)?\s+import\s+[^\n]*\b(rnn_cell_forward|rnn_forward|NGramLM|"
        r"apply_temperature|sample|fit|" + _LISTS_3_TO_5 + r")\b"
        r"|rnncourse\.(rnn_cell_forward|rnn_forward|NGramLM|apply_temperature|sample|fit|"
        + _LISTS_3_TO_5
        + r")\b",
        "usa uma implementação de referência do pacote rnncourse",
    ),
    (
        r"rnncourse\.grading\.(core|guard|compare|report|batch|lista_\d+)|_rnncourse_",
        "mexe em partes internas do corretor",
    ),
    (
        r"\bget_ipython\s*\(|\bsys\.modules\b|\bbuiltins\b|\bsys\.settrace\b",
        "altera o interpretador",
    ),
    (r"\bresource\.|\bsignal\.|\bctypes\b", "mexe em limites, sinais ou código nativo"),
    (r"\bsubprocess\b|\bos\.system\b|\bos\.fork\b|\bos\.exec|^\s*!", "cria processos"),
    (r"\bsocket\b|\burllib\b|\brequests\b|\bhttpx\b", "usa a rede"),
    (
        r"\bos\.environ\b|\bopen\s*\(.*,\s*(mode\s*=\s*)?['\"][wax]|\.write_(text|bytes)\(",
        "lê variáveis de ambiente ou grava arquivos",
    ),
)


def scan_warnings(code: str) -> list[str]:
    """Avisos para o instrutor revisar à mão (não mudam a nota)."""
    code = code.replace('"google.colab" in sys.modules', "")  # a célula de configuração
    found = []
    for pattern, message in _WARNING_PATTERNS:
        if re.search(pattern, code, flags=re.MULTILINE):
            found.append(message)
    return found


# ----------------------------------------------------------------- execução
def _kernel_spec_dir() -> Path:
    """Uma kernelspec própria, com o mesmo Python do corretor (que tem o rnncourse)."""
    root = Path(tempfile.mkdtemp(prefix="rnncourse-kernels-"))
    spec = root / _KERNEL_NAME
    spec.mkdir()
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "rnncourse (correção)",
                "language": "python",
            }
        ),
        encoding="utf-8",
    )
    return root


def _make_client(nb, workdir: Path, spec_dir: Path, timeout_func: Callable, limits, on_error):
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpecManager
    from nbclient import NotebookClient

    class _QuietClient(NotebookClient):
        """Não guarda as saídas das células (a memória do corretor não depende do aluno)."""

        def output(self, outs, msg, display_id, cell_index):  # noqa: D102
            if msg.get("msg_type") == "error":
                return super().output(outs, msg, display_id, cell_index)
            return None

        def create_kernel_manager(self):  # noqa: D102
            self.km = AsyncKernelManager(
                kernel_name=_KERNEL_NAME,
                kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec_dir)]),
            )
            return self.km

    return _QuietClient(
        nb,
        timeout_func=timeout_func,
        startup_timeout=limits.startup_seconds,
        allow_errors=True,
        interrupt_on_timeout=False,
        shutdown_kernel="immediate",
        resources={"metadata": {"path": str(workdir)}},
        on_cell_error=on_error,
        iopub_timeout=10,
        # sem o aviso do kernel sobre TCP sem criptografia (é tudo local)
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )


def _kernel_env() -> dict[str, str]:
    env = dict(os.environ)
    # uma thread por biblioteca numérica: previsível numa máquina compartilhada
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[name] = "1"
    env["MPLBACKEND"] = "Agg"
    env.pop("RNNCOURSE_GRADING_RESULTS", None)
    return env


def _validate(payload: Any, nonce: str, list_id: str, max_points: dict[str, float]) -> str:
    """Confere o JSON do kernel; devolve ``""`` se está bom ou o motivo da recusa."""
    if not isinstance(payload, dict) or payload.get("format") != RESULTS_FORMAT:
        return "o arquivo de resultados não tem o formato esperado"
    if payload.get("nonce") != nonce:
        return "o arquivo de resultados não foi escrito por esta correção"
    if payload.get("list_id") != list_id:
        return "o arquivo de resultados é de outra lista"
    questions = payload.get("questions")
    if not isinstance(questions, list) or [
        q.get("id") for q in questions if isinstance(q, dict)
    ] != list(max_points):
        return "o arquivo de resultados não tem as questões desta lista"
    for q in questions:
        pts = q.get("points")
        if (
            not isinstance(pts, (int, float))
            or isinstance(pts, bool)
            or not math.isfinite(pts)
            or not 0 <= pts <= max_points[q["id"]] + 1e-9
            or not isinstance(q.get("text"), str)
        ):
            return f"pontos impossíveis na questão {q.get('id')}"
    return ""


def _zero(name: str, max_points: dict[str, float], reason: str, **extra) -> SubmissionResult:
    return SubmissionResult(
        name, {q: 0.0 for q in max_points}, dict(max_points), "erro", reason, **extra
    )


def grade_submission(
    path: Path,
    list_id: str,
    extra_cells: Sequence[str] = (),
    limits: GradingLimits | None = None,
    spec_dir: Path | None = None,
) -> SubmissionResult:
    """Corrige um notebook submetido; nunca levanta exceção por causa da submissão."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    limits = limits or GradingLimits()
    list_id = canonical_list_id(list_id)
    questions = build_list(list_id).questions
    max_points = {qid: q.points for qid, q in questions.items()}
    name = path.name
    start = time.perf_counter()
    try:
        raw = path.read_bytes()
    except OSError as err:
        return _zero(name, max_points, f"não consegui ler o arquivo: {err}")
    digest = hashlib.sha256(raw).hexdigest()
    try:
        submitted = nbformat.reads(raw.decode("utf-8"), as_version=4)
        cells = submitted.cells
    except Exception as err:
        return _zero(
            name,
            max_points,
            f"o arquivo não é um notebook válido ({type(err).__name__}: {str(err)[:160]})",
            sha256=digest,
        )

    student_code = [
        (i, c.source)
        for i, c in enumerate(cells)
        if c.get("cell_type") == "code" and isinstance(c.get("source"), str)
    ]
    warnings = scan_warnings("\n".join(src for _, src in student_code))
    nonce = secrets.token_hex(16)
    private = Path(tempfile.mkdtemp(prefix="rnncourse-resultado-"))
    workdir = Path(tempfile.mkdtemp(prefix="rnncourse-kernel-"))
    results_path = private / f"{secrets.token_hex(8)}.json"
    own_spec = spec_dir is None
    spec_dir = spec_dir or _kernel_spec_dir()

    exec_cells, origin = [], []  # origin[k] = índice da célula no notebook do estudante, ou None
    grader_meta = {"tags": [_GRADER_TAG]}
    exec_cells.append(nbformat.v4.new_code_cell(_limits_source(limits), metadata=grader_meta))
    origin.append(None)
    for index, source in student_code:
        if CHECK_TAG in cells[index].get("metadata", {}).get("tags", []) and _is_check_only(source):
            continue
        exec_cells.append(nbformat.v4.new_code_cell(source))
        origin.append(index)
    tail = [
        "import rnncourse.grading as _rnncourse_grading\n"
        f'lista = _rnncourse_grading.abrir_lista("{list_id}")',
        *extra_cells,
        f"lista.write_results({str(results_path)!r}, {nonce!r}, globals())",
    ]
    for source in tail:
        exec_cells.append(nbformat.v4.new_code_cell(source, metadata=grader_meta))
        origin.append(None)
    nb = nbformat.v4.new_notebook(cells=exec_cells)
    nb.metadata["kernelspec"] = {"name": _KERNEL_NAME, "language": "python", "display_name": "x"}

    deadline = [0.0]  # o prazo da célula que está rodando (do estudante ou da correção)

    def timeout_func(cell) -> int:
        return max(1, math.ceil(deadline[0] - time.monotonic()))

    errors: list[tuple[int, str, str]] = []

    def on_error(cell, cell_index, execute_reply):
        content = execute_reply.get("content", {})
        errors.append((cell_index, content.get("ename", "?"), str(content.get("evalue", ""))[:200]))

    reason = ""
    running = 0
    try:
        client = _make_client(nb, workdir, spec_dir, timeout_func, limits, on_error)
        with client.setup_kernel(env=_kernel_env(), cwd=str(workdir)):
            # a célula de limites e as do estudante dividem um prazo; as da correção, outro
            deadline[0] = time.monotonic() + limits.student_seconds
            grading = False
            for k, cell in enumerate(nb.cells):
                running = k
                if not grading and k > 0 and origin[k] is None:
                    grading = True
                    deadline[0] = time.monotonic() + limits.grading_seconds
                client.execute_cell(cell, k)
    except CellTimeoutError:
        where = origin[running]
        if where is None:
            reason = f"a correção passou do limite de {limits.grading_seconds:g} s"
        else:
            reason = (
                f"tempo esgotado: as células do notebook passaram de {limits.student_seconds:g} s "
                f"(parou na célula {where + 1})"
            )
    except DeadKernelError:
        where = origin[running]
        place = f"na célula {where + 1}" if where is not None else "durante a correção"
        reason = (
            f"o kernel morreu {place} (falta de memória, os._exit, falha em código nativo "
            "ou um sinal)"
        )
    except Exception as err:  # falha ao iniciar o kernel etc.: registra e segue com a turma
        reason = f"falha ao executar o notebook: {type(err).__name__}: {str(err)[:200]}"
    finally:
        if own_spec:
            _remove_tree(spec_dir)
        _remove_tree(workdir)

    cell_errors = []
    grading_error = ""
    for k, ename, evalue in errors:
        if origin[k] is not None:
            cell_errors.append(f"célula {origin[k] + 1}: {ename}: {evalue}")
        elif not grading_error:
            grading_error = f"{ename}: {evalue}"
    elapsed = time.perf_counter() - start
    extra = {"cell_errors": cell_errors, "warnings": warnings, "elapsed": elapsed, "sha256": digest}
    if not reason and grading_error:
        reason = f"a correção não terminou ({grading_error})"
    payload = None
    try:
        if not reason:
            payload = json.loads(results_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        reason = f"a correção não produziu resultados ({type(err).__name__})"
    finally:
        _remove_tree(private)
    if not reason:
        reason = _validate(payload, nonce, list_id, max_points)
    if reason:
        return _zero(name, max_points, reason, **extra)
    points = {q["id"]: round(float(q["points"]), 2) for q in payload["questions"]}
    feedback = [q["text"] for q in payload["questions"]]
    note = ""
    if cell_errors:
        note = f"{len(cell_errors)} célula(s) do notebook levantaram erro"
    return SubmissionResult(name, points, dict(max_points), "ok", note, feedback=feedback, **extra)


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


# ----------------------------------------------------------------- saídas
def feedback_text(result: SubmissionResult, list_id: str) -> str:
    """A devolutiva de um estudante em texto simples."""
    lines = [
        f"Correção da {list_id}: {result.name}",
        f"Nota: {format_points(result.total)} de {format_points(result.max_total)}",
    ]
    if result.status != "ok":
        lines.append(f"Não foi possível corrigir: {result.reason}")
    if result.cell_errors:
        lines.append("Células que levantaram erro ao rodar o notebook do início ao fim:")
        lines += [f"  - {e}" for e in result.cell_errors]
    lines.append("")
    lines += [f"{text}\n" for text in result.feedback]
    return "\n".join(lines).rstrip() + "\n"


def gradescope_results(result: SubmissionResult, list_id: str) -> dict[str, Any]:
    """O ``results.json`` do Gradescope para uma submissão."""
    by_id = dict(zip(result.points, result.feedback or [""] * len(result.points), strict=False))
    tests = [
        {
            "name": f"Questão {qid.removeprefix('q')}",
            "number": qid.removeprefix("q"),
            "score": result.points[qid],
            "max_score": result.max_points[qid],
            "output": by_id.get(qid, "") or result.reason,
            "visibility": "visible",
        }
        for qid in result.max_points
    ]
    return {
        "score": result.total,
        "output": feedback_text(result, list_id),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def _write_csv(results: Sequence[SubmissionResult], path: Path, qids: Sequence[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["submissao", *qids, "total", "maximo", "situacao", "motivo", "avisos"])
        for r in results:
            writer.writerow(
                [
                    r.name,
                    *(f"{r.points[q]:g}" for q in qids),
                    f"{r.total:g}",
                    f"{r.max_total:g}",
                    r.status,
                    r.reason,
                    "; ".join(r.warnings),
                ]
            )


def find_submissions(target: Path) -> list[Path]:
    """Os ``.ipynb`` de uma pasta (sem entrar em subpastas), ou o próprio arquivo."""
    if target.is_file():
        return [target]
    return sorted(p for p in target.glob("*.ipynb") if p.is_file())


def grade_folder(
    target: Path,
    list_id: str,
    out_dir: Path,
    source: Path | None = None,
    limits: GradingLimits | None = None,
    gradescope: bool = False,
    progress: Callable[[str], None] | None = None,
) -> list[SubmissionResult]:
    """Corrige todas as submissões de ``target`` e escreve ``notas.csv`` e as devolutivas."""
    list_id = canonical_list_id(list_id)
    target, out_dir = Path(target).resolve(), Path(out_dir).resolve()
    folder = target if target.is_dir() else target.parent
    if out_dir == folder or out_dir.is_relative_to(folder):
        raise ValueError("a pasta de saída não pode ficar dentro da pasta das submissões")
    submissions = find_submissions(target)
    extra = instructor_cells(source)
    qids = list(build_list(list_id).questions)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "devolutivas").mkdir(exist_ok=True)
    spec_dir = _kernel_spec_dir()
    results = []
    try:
        for n, path in enumerate(submissions, start=1):
            result = grade_submission(path, list_id, extra, limits, spec_dir)
            after = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
            if result.sha256 and after != result.sha256:
                result.warnings.append("O ARQUIVO DA SUBMISSÃO MUDOU DURANTE A CORREÇÃO")
            results.append(result)
            stem = path.stem
            (out_dir / "devolutivas" / f"{stem}.txt").write_text(
                feedback_text(result, list_id), encoding="utf-8"
            )
            if gradescope:
                gs = out_dir / "gradescope" / stem
                gs.mkdir(parents=True, exist_ok=True)
                (gs / "results.json").write_text(
                    json.dumps(gradescope_results(result, list_id), ensure_ascii=False, indent=1),
                    encoding="utf-8",
                )
            if progress:
                progress(
                    f"[{n}/{len(submissions)}] {path.name}: {format_points(result.total)} de "
                    f"{format_points(result.max_total)} ({result.elapsed:.0f} s)"
                    + (f" — {result.reason}" if result.reason else "")
                )
    finally:
        _remove_tree(spec_dir)
    _write_csv(results, out_dir / "notas.csv", qids)
    return results
