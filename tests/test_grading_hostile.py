"""Uma turma hostil corrigida num só comando (lista 1), como um instrutor a receberia.

A turma (``tests/hostile.py``) mistura submissões honestas (completa, vazia, parcial,
nomes de arquivo estranhos), arquivos que não são notebooks, metadados absurdos e
ataques de cada classe da issue, mais de um por classe: trocar funções do corretor, do
numpy, do ``json`` e dos *builtins*; forjar mensagens no canal do corretor; uma
*thread* e processos (``setsid``, dois ``fork``) que sobrevivem às células; gravar,
apagar e trocar arquivos de fora (outras submissões, saídas, ``kernel.json``, o próprio
pacote, temporários); ler o ambiente e os arquivos do corretor, a fonte do instrutor e
as outras submissões; a rede; alterar as entradas para enganar o juiz; um kernel que
morre (``os._exit``, falha de segmentação, ``SIGKILL`` no meio de uma resposta); laços
infinitos (um que bloqueia o alarme); enxurrada de saída; memória e disco esgotados.

Para cada ataque: ele ganha só o que resolveu; as linhas, devolutivas e ``results.json``
dos honestos são idênticas às da correção sem os ataques; nenhum arquivo de submissão
muda; nada de fora muda; nenhum processo sobra; nenhum segredo vaza; e a turma termina.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from hostile import MARK, build_class, require_bwrap

import rnncourse
from rnncourse.grading.batch import GradingLimits, display_name, feedback_names, grade_folder

pytestmark = pytest.mark.stage(1)

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "exercises" / "sources" / "lista_01_fonte.ipynb"
KERNEL = Path(sys.prefix) / "share" / "jupyter" / "kernels" / "python3" / "kernel.json"
PACKAGE = Path(rnncourse.__file__).resolve().parent
TARGET = PACKAGE / "grading" / "wire.py"  # o arquivo do pacote que um ataque tenta sabotar
LIMITS = GradingLimits(student_seconds=15, grading_seconds=120, memory_mb=4096)


def _tree(folder: Path) -> dict[str, tuple]:
    """Conteúdo, data e tipo de cada entrada (links não são seguidos)."""
    out = {}
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        st = entry.stat(follow_symlinks=False)
        if entry.is_symlink():
            out[entry.name] = ("link", os.readlink(entry.path), st.st_mtime_ns)
        else:
            data = Path(entry.path).read_bytes()
            out[entry.name] = (hashlib.sha256(data).hexdigest(), st.st_mtime_ns)
    return out


def _hashes(paths) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.is_file()}


def _rows(out: Path) -> dict[str, dict[str, str]]:
    with (out / "notas.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = {}
    for row in rows:
        name = row["submissao"]
        out[name[1:] if name.startswith("'") else name] = row
    assert len(out) == len(rows)
    return out


class _Listener:
    """Um servidor TCP local: se algum ataque conseguir rede, ele registra."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.received.append(conn.recv(1000) or b"(conexao)")
                except OSError:
                    self.received.append(b"(conexao)")

    def close(self):
        self.stop.set()
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.fixture(scope="module")
def turma(tmp_path_factory, timings):
    require_bwrap()
    base = tmp_path_factory.mktemp("turma")
    subs, out = base / "submissoes", base / "saida"
    alone_subs, alone_out = base / "sozinhos", base / "saida_sozinhos"
    victim = base / "vitima"
    victim.mkdir()
    (victim / "dados.txt").write_text("original\n", encoding="utf-8")
    grader_tmp = base / "temporarios_do_corretor"  # o que um corretor deixaria em /tmp
    grader_tmp.mkdir()
    (grader_tmp / "kernel-123.json").write_text("{}", encoding="utf-8")
    home_kernel = base / "home" / ".local" / "share" / "jupyter" / "kernels" / "python3"
    home_kernel.mkdir(parents=True)
    (home_kernel / "kernel.json").write_text('{"argv": ["python"]}', encoding="utf-8")
    secret = "segredo-" + secrets.token_hex(12)
    secret_file = base / "segredo.txt"
    secret_file.write_text(secret, encoding="utf-8")
    listener = _Listener()
    ctx = {
        "SUBS": subs,
        "OUT": out,
        "VICTIM": victim,
        "SECRET_FILE": secret_file,
        "SOURCE": SOURCE,
        "PORT": listener.port,
        "MARK": MARK,
        "KERNEL": KERNEL,
        "PKG_FILE": TARGET,
        "TMPDIR": tempfile.gettempdir(),
        "GRADER_TMP": grader_tmp,
        "HOME_KERNEL": home_kernel / "kernel.json",
    }
    expects = build_class(subs, "lista_01", ctx)
    alone_subs.mkdir()
    for name, expect in expects.items():
        if expect.honest:
            shutil.copy2(subs / name, alone_subs / name)
    # só o que os ataques miram (outros arquivos do repositório mudam com o trabalho de outros)
    outside = [KERNEL, home_kernel / "kernel.json", TARGET]
    before = {
        "subs": _tree(subs),
        "victim": _tree(victim),
        "grader_tmp": _tree(grader_tmp),
        "outside": _hashes(outside),
    }
    os.environ["RNNCOURSE_SEGREDO_DO_CORRETOR"] = secret
    try:
        start = time.perf_counter()
        results = grade_folder(
            subs, "lista_01", out, source=SOURCE, limits=LIMITS, gradescope=True, workers=2
        )
        timings[f"turma hostil da lista 1 ({len(expects)} submissões, 2 trabalhadores)"] = (
            time.perf_counter() - start
        )
        start = time.perf_counter()
        grade_folder(
            alone_subs, "lista_01", alone_out, source=SOURCE, limits=LIMITS, gradescope=True
        )
        timings["os honestos da turma, sem os ataques"] = time.perf_counter() - start
        time.sleep(5)  # tempo para um processo que tivesse escapado agir
    finally:
        os.environ.pop("RNNCOURSE_SEGREDO_DO_CORRETOR", None)
        listener.close()
        after = {
            "subs": _tree(subs),
            "victim": _tree(victim),
            "grader_tmp": _tree(grader_tmp),
            "outside": _hashes(outside),
        }
    return {
        "subs": subs,
        "out": out,
        "alone_out": alone_out,
        "victim": victim,
        "expects": expects,
        "results": results,
        "before": before,
        "after": after,
        "secret": secret,
        "listener": listener,
    }


def test_the_batch_completes_with_one_row_per_file(turma):
    rows = _rows(turma["out"])
    names = {display_name(turma["subs"] / n) for n in turma["expects"]}
    assert set(rows) == names
    assert len(turma["results"]) == len(names)
    report = (turma["out"] / "relatorio.txt").read_text(encoding="utf-8")
    assert "Isolamento: caixa de areia (bwrap)" in report
    assert all(row["isolamento"] == "caixa de areia (bwrap)" for row in rows.values())


def test_each_cheat_scores_only_what_it_solved(turma):
    rows = _rows(turma["out"])
    for name, expect in turma["expects"].items():
        if expect.honest:
            continue
        row = rows[display_name(turma["subs"] / name)]
        total = float(row["total"])
        assert total <= expect.solved + 1e-9, (name, row)
        if expect.status == "ok":
            assert total == expect.solved, (name, row)
        if expect.status is not None:
            assert row["situacao"] == expect.status, (name, row)
        assert expect.reason in row["motivo"], (name, row)


def test_honest_rows_feedback_and_results_are_what_grading_them_alone_gives(turma):
    rows, alone = _rows(turma["out"]), _rows(turma["alone_out"])
    honest = [n for n, e in turma["expects"].items() if e.honest]
    assert len(honest) >= 6
    stems = feedback_names([turma["subs"] / n for n in turma["expects"]])
    for name in honest:
        key = display_name(turma["subs"] / name)
        assert rows[key] == alone[key], name
        stem = stems[turma["subs"] / name]
        for rel in (f"devolutivas/{stem}.txt", f"gradescope/{stem}/results.json"):
            assert (turma["out"] / rel).read_bytes() == (turma["alone_out"] / rel).read_bytes()
    assert float(rows["completa.ipynb"]["total"]) == 10


def test_no_submission_file_changes_and_nothing_outside_changes(turma):
    for key in ("subs", "victim", "grader_tmp", "outside"):
        assert turma["after"][key] == turma["before"][key], key
    leftovers = [p for p in Path(tempfile.gettempdir()).glob(f"{MARK}*")]
    assert not leftovers
    out = turma["out"]
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    n = len(turma["expects"])
    assert "notas.csv" in files and "relatorio.txt" in files
    assert len([f for f in files if f.startswith("devolutivas/")]) == n
    assert len([f for f in files if f.endswith("/results.json")]) == n
    assert len(files) == 2 + 2 * n
    completa = (out / "devolutivas" / "completa.txt").read_text(encoding="utf-8")
    assert completa.startswith("Correção da lista_01: completa.ipynb\nNota: 10 de 10")


def test_csv_feedback_and_gradescope_files_agree(turma):
    from rnncourse.grading.report import format_points

    rows = _rows(turma["out"])
    stems = feedback_names([turma["subs"] / n for n in turma["expects"]])
    for name in turma["expects"]:
        row = rows[display_name(turma["subs"] / name)]
        stem = stems[turma["subs"] / name]
        assert row["devolutiva"].removeprefix("'") == stem
        gs = json.loads((turma["out"] / "gradescope" / stem / "results.json").read_text("utf-8"))
        feedback = (turma["out"] / "devolutivas" / f"{stem}.txt").read_text(encoding="utf-8")
        assert gs["score"] == float(row["total"]), name
        assert [t["score"] for t in gs["tests"]] == [float(row[f"q{i}"]) for i in range(1, 6)]
        assert f"Nota: {format_points(float(row['total']))} de 10\n" in feedback, name
        assert gs["output"] == feedback


def test_no_process_outlives_the_batch(turma):
    ps = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    assert MARK not in ps


def test_the_grader_environment_and_files_do_not_leak(turma):
    secret = turma["secret"]
    for path in turma["out"].rglob("*"):
        if path.is_file():
            assert secret not in path.read_text(encoding="utf-8", errors="replace"), path
    assert turma["listener"].received == []
    rows = _rows(turma["out"])
    env = rows["ataque_ambiente.ipynb"]
    assert "célula" in env["motivo"]  # a célula do ataque rodou (e levantou o erro de propósito)
    feedback = (turma["out"] / "devolutivas" / "ataque_ambiente.txt").read_text(encoding="utf-8")
    # o ambiente e o /proc da caixa se leem, mas não têm o segredo; os arquivos nem existem lá
    for probe in ("ambiente:lido", "proc1:lido", "arquivo:FileNotFoundError"):
        assert probe in feedback, feedback
    for probe in ("submissoes:FileNotFoundError", "fonte:FileNotFoundError"):
        assert probe in feedback, feedback


def test_the_csv_opens_safely_in_a_spreadsheet(turma):
    raw = (turma["out"] / "notas.csv").read_bytes()
    assert raw.startswith("\ufeff".encode())
    raw.decode("utf-8")
    with (turma["out"] / "notas.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), row
    names = [row[0] for row in rows[1:]]
    assert "'=HIPERLINK(1).ipynb" in names
    assert "MAIÚSCULA.IPYNB" in names
    assert "nome\\u000acom linha.ipynb" in names
    assert "caf\\xe9.ipynb" in names and "caf\\\\xe9.ipynb" in names
    assert "''=HIPERLINK(1).ipynb" in names
    assert len(set(names)) == len(names) == len(turma["expects"])
    gs = json.loads((turma["out"] / "gradescope" / "completa" / "results.json").read_text("utf-8"))
    assert gs["score"] == 10 and [t["status"] for t in gs["tests"]] == ["passed"] * 5
