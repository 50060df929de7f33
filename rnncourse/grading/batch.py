"""Correção em lote: cada submissão numa caixa de areia, o juiz no corretor, a turma em paralelo.

Para cada notebook submetido, ``grade_submission``:

1. lê os bytes do arquivo (nunca o abre para escrita; um link simbólico não é
   seguido) e extrai as células de código, aceitando qualquer JSON: o que não
   for um notebook vira uma linha com zero e o motivo;
2. inicia o processo da submissão numa caixa de areia (``sandbox.py``), manda
   as células do estudante (menos as que só chamam ``lista.verificar``) e
   espera que rodem, com prazo (``remote.py``);
3. para cada caso de cada questão, **neste processo**: cria as entradas e
   guarda uma cópia intacta; manda as entradas (dados simples) ao processo da
   submissão, que chama a resposta e devolve dados simples; julga o que voltou
   contra a cópia intacta (``core.grade_cases``). Os casos ocultos do instrutor
   (``--fonte``) são criados aqui, das células ``instrutor`` lidas sem executar
   nada (só ``lista.adicionar_teste_oculto(...)`` com valores literais).

``grade_folder`` faz isso para uma pasta, com ``trabalhadores`` submissões ao
mesmo tempo, e escreve cada linha de ``notas.csv``, cada devolutiva e cada
``results.json`` assim que a submissão termina; rodar de novo retoma de onde
parou (as linhas já escritas, com o mesmo sha256, ficam). A tabela sai em UTF-8
com BOM, sem fórmulas (um texto que começa com ``=``, ``+``, ``-`` ou ``@``
ganha um apóstrofo na frente).

O que cada modo garante está em ``exercises/README.md`` ("Isolamento").
"""

from __future__ import annotations

import ast
import csv
import hashlib
import io
import json
import os
import queue
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rnncourse.grading.core import (
    ExerciseList,
    QuestionReport,
    build_list,
    canonical_list_id,
    grade_cases,
    warm_up,
)
from rnncourse.grading.remote import SubmissionProcess
from rnncourse.grading.report import format_points
from rnncourse.grading.sandbox import Isolation, choose_isolation

__all__ = [
    "GradingLimits",
    "NotebookError",
    "SubmissionResult",
    "default_source",
    "display_name",
    "feedback_names",
    "feedback_text",
    "find_submissions",
    "grade_folder",
    "grade_submission",
    "gradescope_results",
    "hidden_specs",
    "parse_notebook",
    "scan_warnings",
]

#: etiqueta das células de instrutor nas fontes das listas
INSTRUCTOR_TAG = "instrutor"
#: etiqueta das células que só chamam lista.verificar(...) (a correção as pula)
CHECK_TAG = "verificar"
CSV_NAME = "notas.csv"


@dataclass(frozen=True)
class GradingLimits:
    """Limites de cada submissão.

    ``student_seconds``: tempo total das células do estudante;
    ``grading_seconds``: tempo total dos casos (cada caso tem ainda o seu
    limite); ``memory_mb``: espaço de endereçamento de cada processo
    (``RLIMIT_AS``; 0 desliga; o torch sozinho reserva uns 3,4 GB);
    ``file_mb``: maior arquivo que a submissão grava; ``disk_mb``: tamanho da
    pasta privada (o ``tmpfs`` da caixa); ``processes``: processos da submissão
    (``RLIMIT_NPROC``, só na caixa de areia); ``notebook_mb``: maior notebook
    lido; ``message_mb``: maior mensagem entre os processos.
    """

    student_seconds: float = 120.0
    grading_seconds: float = 300.0
    memory_mb: int = 6144
    file_mb: int = 256
    disk_mb: int = 512
    processes: int = 64
    startup_seconds: float = 60.0
    warmup_seconds: float = 60.0
    notebook_mb: int = 32
    message_mb: int = 32


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
    isolation: str = ""

    @property
    def total(self) -> float:
        return round(sum(self.points.values()), 2)

    @property
    def max_total(self) -> float:
        return round(sum(self.max_points.values()), 2)


# ------------------------------------------------------------------ o notebook
class NotebookError(ValueError):
    """O arquivo não é um notebook que dê para corrigir (a mensagem diz por quê)."""


def _text_of(source: Any) -> str | None:
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(s, str) for s in source):
        return "".join(source)
    return None


def parse_notebook(raw: bytes) -> list[tuple[int, str, list[str]]]:
    """As células de código ``(índice, código, etiquetas)`` de um notebook, de qualquer JSON.

    Aceita o formato 4 (``cells``) e o 3 (``worksheets``); ignora células e
    metadados mal formados (uma etiqueta que não é texto não conta) e levanta
    ``NotebookError`` quando não há notebook nenhum.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NotebookError("o arquivo não é um notebook válido (não está em UTF-8)") from None
    try:
        data = json.loads(text)
    except RecursionError:
        raise NotebookError("o arquivo não é um notebook válido (JSON aninhado demais)") from None
    except ValueError as err:
        raise NotebookError(
            f"o arquivo não é um notebook válido (JSON inválido: {str(err)[:120]})"
        ) from None
    if not isinstance(data, dict):
        raise NotebookError("o arquivo não é um notebook válido (o JSON não é um objeto)")
    cells = data.get("cells")
    old_format = False
    if cells is None and isinstance(data.get("worksheets"), list) and data["worksheets"]:
        sheet = data["worksheets"][0]
        cells = sheet.get("cells") if isinstance(sheet, dict) else None
        old_format = True
    if not isinstance(cells, list):
        raise NotebookError("o arquivo não é um notebook válido (não tem a lista 'cells')")
    out = []
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = _text_of(cell.get("input") if old_format else cell.get("source"))
        if source is None:
            continue
        metadata = cell.get("metadata")
        tags = metadata.get("tags") if isinstance(metadata, dict) else None
        tags = [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []
        out.append((index, source, tags))
    return out


def _is_check_only(source: str) -> bool:
    """Diz se a célula só chama ``lista.verificar(...)``/``lista.resumo()``."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
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


def hidden_specs(source: Path | None) -> list[tuple[str, str, dict[str, Any]]]:
    """Os casos ocultos das células ``instrutor`` de uma fonte, sem executar nada.

    Cada célula só pode ter chamadas ``lista.adicionar_teste_oculto(questão,
    descrição, nome=valor, ...)`` com valores literais (números, textos,
    tuplas, listas, dicionários) e comentários; qualquer outra coisa levanta
    ``ValueError`` (o corretor não executa código da fonte).
    """
    if source is None:
        return []
    nb = json.loads(Path(source).read_text(encoding="utf-8"))
    specs = []
    for number, cell in enumerate(nb.get("cells", []), start=1):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.get("cell_type") != "code" or INSTRUCTOR_TAG not in tags:
            continue
        code = _text_of(cell.get("source")) or ""
        for node in ast.parse(code).body:
            call = node.value if isinstance(node, ast.Expr) else None
            func = call.func if isinstance(call, ast.Call) else None
            if not (
                isinstance(func, ast.Attribute)
                and func.attr == "adicionar_teste_oculto"
                and isinstance(func.value, ast.Name)
                and func.value.id == "lista"
            ):
                raise ValueError(
                    f"a célula de instrutor {number} de {source} tem código que não é "
                    "lista.adicionar_teste_oculto(...): o corretor não executa código da fonte"
                )
            try:
                args = [ast.literal_eval(a) for a in call.args]
                kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
            except ValueError:
                raise ValueError(
                    f"a célula de instrutor {number} de {source} passa valores que não são "
                    "literais a adicionar_teste_oculto"
                ) from None
            if len(args) != 2 or None in kwargs:
                raise ValueError(
                    f"a célula de instrutor {number} de {source}: use "
                    "lista.adicionar_teste_oculto('qN', 'descrição', nome=valor, ...)"
                )
            specs.append((str(args[0]), str(args[1]), kwargs))
    return specs


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
        r"rnncourse\.grading\.(core|guard|compare|report|batch|wire|runner|lista_\d+)",
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
    for standard in ('"google.colab" in sys.modules', 'os.environ.get("RNNCOURSE_SEED", "0")'):
        code = code.replace(standard, "")  # a célula de configuração
    found = []
    for pattern, message in _WARNING_PATTERNS:
        if re.search(pattern, code, flags=re.MULTILINE):
            found.append(message)
    return found


# ---------------------------------------------------------------- uma submissão
def display_name(path: Path) -> str:
    r"""O nome do arquivo em texto seguro, sem ambiguidade.

    Bytes que não são UTF-8 viram ``\xNN``, caracteres de controle e de formato
    viram ``\uNNNN`` e a própria barra invertida vira ``\\``: dois nomes
    diferentes nunca dão o mesmo texto (a tabela não pode misturar duas linhas).
    """
    name = os.fsencode(path.name).decode("utf-8", errors="surrogateescape")
    out = []
    for ch in name:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # um byte que não é UTF-8
            out.append(f"\\x{code - 0xDC00:02x}")
        elif ch == "\\":
            out.append("\\\\")
        elif unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Zl", "Zp"}:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def _zero(name: str, max_points: dict[str, float], reason: str, **extra) -> SubmissionResult:
    return SubmissionResult(
        name, {q: 0.0 for q in max_points}, dict(max_points), "erro", reason, **extra
    )


def _build(list_id: str, hidden: Iterable[tuple[str, str, dict]]) -> ExerciseList:
    lista = build_list(list_id)
    for qid, description, params in hidden:
        lista.adicionar_teste_oculto(qid, description, **params)
    return lista


def grade_submission(
    path: Path,
    list_id: str,
    hidden: Sequence[tuple[str, str, dict]] = (),
    limits: GradingLimits | None = None,
    isolation: Isolation | None = None,
    slot: int = 0,
) -> SubmissionResult:
    """Corrige um notebook submetido; nunca levanta exceção por causa da submissão."""
    limits = limits or GradingLimits()
    list_id = canonical_list_id(list_id)
    isolation = isolation or choose_isolation("bwrap")
    lista = _build(list_id, hidden)
    max_points = {qid: q.points for qid, q in lista.questions.items()}
    name = display_name(Path(path))
    start = time.perf_counter()
    base = {"isolation": isolation.label}
    path = Path(path)
    try:
        if path.is_symlink():
            return _zero(name, max_points, "o arquivo é um link simbólico (não foi lido)", **base)
        if path.stat().st_size > limits.notebook_mb * 1024 * 1024:
            return _zero(
                name,
                max_points,
                f"o arquivo passa de {limits.notebook_mb} MB (não foi lido)",
                **base,
            )
        raw = path.read_bytes()
    except OSError as err:
        return _zero(name, max_points, f"não consegui ler o arquivo: {err.strerror}", **base)
    base["sha256"] = hashlib.sha256(raw).hexdigest()
    try:
        cells = parse_notebook(raw)
    except NotebookError as err:
        return _zero(name, max_points, str(err), **base)

    student = [
        (i, src) for i, src, tags in cells if not (CHECK_TAG in tags and _is_check_only(src))
    ]
    code = "\n".join(src for _, src in student)
    warnings = scan_warnings(code)
    warm = {m for q in lista.questions.values() for m in q.warm_up} | {"numpy"}
    if re.search(r"\btorch\b", code):
        warm.add("torch")
    process = SubmissionProcess(
        isolation, limits, slot, list_id, lista.hidden_specs, student, sorted(warm)
    )
    reports: list[QuestionReport] = []
    try:
        cells_outcome = process.start()
        cell_errors = [
            f"célula {k + 1}: {ename}: {evalue}" for k, ename, evalue in cells_outcome.errors
        ]
        extra = {**base, "warnings": warnings, "cell_errors": cell_errors}
        if cells_outcome.fatal:
            return _zero(
                name,
                max_points,
                cells_outcome.fatal,
                elapsed=time.perf_counter() - start,
                **extra,
            )
        budget = time.monotonic() + limits.grading_seconds
        for qid, question in lista.questions.items():
            cases = lista.cases(qid)
            index_of = {id(c): i for i, c in enumerate(cases)}

            def execute(case, args, qid=qid, index_of=index_of):
                if time.monotonic() > budget:
                    return {"status": "budget"}
                return process.execute(qid, index_of[id(case)], case, args)

            reports.append(grade_cases(question, cases, execute))
    finally:
        process.close()
    points = {r.question.id: r.points for r in reports}
    notes = []
    if cell_errors:
        notes.append(f"{len(cell_errors)} célula(s) do notebook levantaram erro")
    if process.broken:
        notes.append(process.broken)
    if process.deaths:
        notes.append(
            "o processo da submissão morreu ou travou em "
            + ", ".join(d.split(":")[0] for d in process.deaths)
        )
    return SubmissionResult(
        name,
        points,
        dict(max_points),
        "ok",
        "; ".join(notes),
        feedback=[r.as_text() for r in reports],
        elapsed=time.perf_counter() - start,
        **extra,
    )


# ----------------------------------------------------------------- as saídas
def feedback_text(result: SubmissionResult, list_id: str) -> str:
    """A devolutiva de um estudante em texto simples."""
    lines = [
        f"Correção da {list_id}: {result.name}",
        f"Nota: {format_points(result.total)} de {format_points(result.max_total)}",
    ]
    if result.isolation:
        lines.append(f"Isolamento: {result.isolation}")
    if result.status != "ok":
        lines.append(f"Não foi possível corrigir: {result.reason}")
    elif result.reason:
        lines.append(f"Observação: {result.reason}")
    if result.cell_errors:
        lines.append("Células que levantaram erro ao rodar o notebook do início ao fim:")
        lines += [f"  - {e}" for e in result.cell_errors]
    lines.append("")
    lines += [f"{text}\n" for text in result.feedback]
    return "\n".join(lines).rstrip() + "\n"


def gradescope_results(result: SubmissionResult, list_id: str) -> dict[str, Any]:
    """O ``results.json`` do Gradescope para uma submissão (campos da especificação).

    Um teste por questão, com ``score``, ``max_score``, ``status``, ``name``,
    ``number``, ``output`` e ``visibility``; no topo, ``score``, ``output`` e as
    visibilidades. Sem ``execution_time``: o arquivo é o mesmo a cada correção.
    """
    by_id = dict(zip(result.points, result.feedback or [""] * len(result.points), strict=False))
    tests = []
    for qid in result.max_points:
        score, max_score = result.points[qid], result.max_points[qid]
        tests.append(
            {
                "name": f"Questão {qid.removeprefix('q')}",
                "number": qid.removeprefix("q"),
                "score": score,
                "max_score": max_score,
                "status": "passed" if score >= max_score else "failed",
                "output": by_id.get(qid, "") or result.reason,
                "output_format": "text",
                "visibility": "visible",
            }
        )
    return {
        "score": result.total,
        "output": feedback_text(result, list_id),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def _json_text(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def _atomic_write(path: Path, text: str, encoding: str = "utf-8") -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding=encoding, newline="") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠", "'")


def _safe_cell(text: str) -> str:
    """Um texto que a planilha não toma por fórmula (e que ainda se distingue dos outros)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _unsafe_cell(text: str) -> str:
    return text[1:] if text.startswith("'") else text


class _Table:
    """``notas.csv``: uma linha por submissão, gravada assim que ela termina."""

    def __init__(self, path: Path, qids: Sequence[str], restart: bool):
        self.path = path
        self.qids = list(qids)
        self.header = [
            "submissao",
            "devolutiva",
            *self.qids,
            "total",
            "maximo",
            "situacao",
            "motivo",
            "avisos",
            "isolamento",
            "sha256",
        ]
        self.rows: dict[str, list[str]] = {}
        if path.exists() and not restart:
            self._load()
        self._rewrite(sorted(self.rows))

    def _load(self) -> None:
        with self.path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                return
            if header != self.header:
                raise ValueError(
                    f"{self.path} já existe e é de outra lista ou de outra versão do corretor; "
                    "use --recomecar para corrigir tudo de novo ou escolha outra --saida"
                )
            for row in reader:
                if len(row) == len(self.header) and re.fullmatch(r"[0-9a-f]{64}|", row[-1]):
                    self.rows[row[0]] = row

    def _line(self, row: list[str]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerow(row)
        return buffer.getvalue()

    def _rewrite(self, order: Iterable[str]) -> None:
        text = "\ufeff" + self._line(self.header) + "".join(self._line(self.rows[k]) for k in order)
        _atomic_write(self.path, text)

    def done(self, name: str, digest: str) -> bool:
        row = self.rows.get(_safe_cell(name))
        return row is not None and digest != "" and row[-1] == digest

    def row_of(self, name: str) -> list[str] | None:
        return self.rows.get(_safe_cell(name))

    def add(self, result: SubmissionResult, feedback: str) -> None:
        row = [
            _safe_cell(result.name),
            _safe_cell(feedback),
            *(f"{result.points.get(q, 0.0):g}" for q in self.qids),
            f"{result.total:g}",
            f"{result.max_total:g}",
            result.status,
            _safe_cell(result.reason),
            _safe_cell("; ".join(result.warnings)),
            _safe_cell(result.isolation),
            result.sha256,
        ]
        replacing = row[0] in self.rows
        self.rows[row[0]] = row
        if replacing:
            self._rewrite(sorted(self.rows))
            return
        with self.path.open("a", encoding="utf-8", newline="") as fh:
            fh.write(self._line(row))
            fh.flush()
            os.fsync(fh.fileno())

    def finish(self) -> None:
        self._rewrite(sorted(self.rows))


def find_submissions(target: Path) -> list[Path]:
    """Os ``.ipynb`` (em maiúsculas ou minúsculas) de uma pasta, sem subpastas, ou o arquivo."""
    target = Path(target)
    if target.is_file() or target.is_symlink() and not target.is_dir():
        return [target]
    found = []
    for entry in os.scandir(target):
        path = Path(entry.path)
        if not entry.name.lower().endswith(".ipynb"):
            continue
        if entry.is_symlink() or entry.is_file(follow_symlinks=False):
            found.append(path)
    return sorted(found, key=lambda p: os.fsencode(p.name))


def feedback_names(paths: Sequence[Path]) -> dict[Path, str]:
    """O nome (sem extensão) da devolutiva de cada submissão: seguro e sem colisões.

    É o nome do arquivo sem ``.ipynb`` quando ele só tem letras, dígitos,
    ``-``, ``_`` e ``.``; senão, a versão limpa seguida de um resumo do nome
    original. Nomes que colidiriam (também ignorando maiúsculas) ganham o resumo.
    """
    names: dict[Path, str] = {}
    for path in paths:
        raw = os.fsencode(path.name)
        stem = raw[: -len(".ipynb")] if raw.lower().endswith(b".ipynb") else raw
        text = stem.decode("utf-8", errors="replace")
        clean = "".join(c if (c.isalnum() or c in "-_.") else "_" for c in text)[:80]
        clean = clean.lstrip(".") or "submissao"
        if clean != text:
            clean = f"{clean}-{hashlib.sha1(raw).hexdigest()[:8]}"
        names[path] = clean
    counts: dict[str, int] = {}
    for value in names.values():
        counts[value.lower()] = counts.get(value.lower(), 0) + 1
    for path, value in names.items():
        if counts[value.lower()] > 1:
            names[path] = f"{value}-{hashlib.sha1(os.fsencode(path.name)).hexdigest()[:8]}"
    return names


def _digest(path: Path) -> str:
    try:
        if path.is_symlink():
            return ""
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _from_row(
    row: list[str], qids: Sequence[str], max_points: dict[str, float]
) -> SubmissionResult:
    """Uma linha já escrita (numa correção anterior) como ``SubmissionResult``, sem devolutiva."""
    values = dict(zip(["submissao", "devolutiva", *qids], row, strict=False))
    name = _unsafe_cell(values["submissao"])
    points = {q: float(values[q]) for q in qids}
    status, reason, warnings, isolation, digest = row[-5:]
    return SubmissionResult(
        name,
        points,
        dict(max_points),
        status,
        _unsafe_cell(reason),
        warnings=[w for w in _unsafe_cell(warnings).split("; ") if w],
        sha256=digest,
        isolation=_unsafe_cell(isolation),
    )


def _preload(lista: ExerciseList) -> None:
    """Importa, nesta thread, o que os juízes e as entradas vão usar.

    Dois trabalhadores importando o torch ao mesmo tempo veem o módulo pela
    metade ("partially initialized module"): os imports ficam aqui, antes deles.
    """
    warm_up(sorted({m for q in lista.questions.values() for m in q.warm_up}))
    for qid in lista.questions:
        for case in lista.cases(qid):
            try:
                case.make_args()
            except Exception:  # o caso dirá o que há de errado, na submissão
                pass


def grade_folder(
    target: Path,
    list_id: str,
    out_dir: Path,
    source: Path | None = None,
    limits: GradingLimits | None = None,
    gradescope: bool = False,
    progress: Callable[[str], None] | None = None,
    workers: int | None = None,
    isolation: str | Isolation = "bwrap",
    restart: bool = False,
) -> list[SubmissionResult]:
    """Corrige as submissões de ``target`` (pasta ou arquivo) e escreve as saídas em ``out_dir``.

    Levanta ``ValueError`` (pastas que se sobrepõem, célula de instrutor
    inválida, tabela de outra lista) ou ``sandbox.IsolationError`` antes de
    corrigir qualquer submissão; depois disso, nenhuma submissão interrompe a
    turma. Devolve os resultados em ordem de nome, os retomados inclusive
    (sem devolutiva).
    """
    list_id = canonical_list_id(list_id)
    target, out_dir = Path(target).resolve(), Path(out_dir).resolve()
    folder = target if target.is_dir() else target.parent
    if out_dir == folder or out_dir.is_relative_to(folder) or folder.is_relative_to(out_dir):
        raise ValueError("a pasta de saída não pode ficar dentro da pasta das submissões")
    hidden = hidden_specs(source)
    lista = _build(list_id, hidden)  # confere os casos ocultos antes de começar
    _preload(lista)
    qids = list(lista.questions)
    max_points = {qid: q.points for qid, q in lista.questions.items()}
    if not isinstance(isolation, Isolation):
        hide = [folder, out_dir, *([source] if source is not None else [])]
        isolation = choose_isolation(isolation, hide)
    submissions = find_submissions(target)
    stems = feedback_names(submissions)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "devolutivas").mkdir(exist_ok=True)
    table = _Table(out_dir / CSV_NAME, qids, restart)
    digests = {p: _digest(p) for p in submissions}
    pending = [p for p in submissions if not table.done(display_name(p), digests[p])]
    workers = max(1, int(workers or os.cpu_count() or 1))
    slots: queue.Queue = queue.Queue()
    for slot in range(workers):
        slots.put(slot)

    def job(path: Path) -> SubmissionResult:
        slot = slots.get()
        try:
            result = grade_submission(path, list_id, hidden, limits, isolation, slot)
        finally:
            slots.put(slot)
        if result.sha256 and _digest(path) != result.sha256:
            result.warnings.append("O ARQUIVO DA SUBMISSÃO MUDOU DURANTE A CORREÇÃO")
        return result

    start = time.perf_counter()
    results: dict[Path, SubmissionResult] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(job, p): p for p in pending}
        for n, future in enumerate(as_completed(futures), start=1):
            path = futures[future]
            try:
                result = future.result()
            except Exception as err:  # um defeito do corretor: registra e segue com a turma
                result = _zero(
                    display_name(path),
                    max_points,
                    f"erro interno do corretor: {type(err).__name__}: {str(err)[:200]}",
                    sha256=digests[path],
                    isolation=isolation.label,
                )
            results[path] = result
            stem = stems[path]
            _atomic_write(out_dir / "devolutivas" / f"{stem}.txt", feedback_text(result, list_id))
            if gradescope:
                gs = out_dir / "gradescope" / stem
                gs.mkdir(parents=True, exist_ok=True)
                _atomic_write(gs / "results.json", _json_text(gradescope_results(result, list_id)))
            table.add(result, stem)
            if progress:
                progress(
                    f"[{n}/{len(pending)}] {result.name}: {format_points(result.total)} de "
                    f"{format_points(result.max_total)} ({result.elapsed:.0f} s)"
                    + (f" — {result.reason}" if result.reason else "")
                )
    table.finish()
    elapsed = time.perf_counter() - start
    everything = []
    for path in submissions:
        if path in results:
            everything.append(results[path])
        else:
            row = table.row_of(display_name(path))
            if row is not None:
                everything.append(_from_row(row, qids, max_points))
    _write_report(out_dir, list_id, isolation, everything, len(pending), workers, elapsed)
    return everything


def _write_report(
    out_dir: Path,
    list_id: str,
    isolation: Isolation,
    results: Sequence[SubmissionResult],
    graded: int,
    workers: int,
    elapsed: float,
) -> None:
    errors = sum(r.status != "ok" for r in results)
    lines = [
        f"Correção em lote da {list_id}",
        f"Isolamento: {isolation.label}",
    ]
    if isolation.mode != "bwrap":
        lines.append(
            "ATENÇÃO: sem a caixa de areia, as submissões rodaram como processos comuns "
            f"({isolation.reason}). Veja em exercises/README.md o que este modo não garante."
        )
    lines += [
        f"Submissões: {len(results)} ({graded} corrigidas agora, {len(results) - graded} "
        f"retomadas de uma correção anterior); {errors} com erro",
        f"Trabalhadores em paralelo: {workers}; tempo desta correção: {elapsed:.0f} s",
        "",
        f"Notas em {CSV_NAME}; devolutivas em devolutivas/.",
    ]
    _atomic_write(out_dir / "relatorio.txt", "\n".join(lines) + "\n")
