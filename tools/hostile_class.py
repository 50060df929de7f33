"""Uma turma hostil da lista 2 corrigida num só comando, e a medida de tempo de uma turma.

Uso (da raiz do repositório)::

    .venv/bin/python tools/hostile_class.py                 # a turma hostil (40 submissões)
    .venv/bin/python tools/hostile_class.py --medir 60      # 60 submissões honestas: tempo

A turma hostil é a de ``tests/hostile.py`` (a mesma do teste da lista 1, escrita para a
lista 2): honestas, nomes de arquivo estranhos, arquivos que não são notebooks e os
ataques. O script a corrige com ``python -m rnncourse.grading corrigir`` (um comando,
``--gradescope``), corrige as honestas de novo, sem os ataques, e confere: cada ataque
ganha só o que resolveu; as linhas, as devolutivas e os ``results.json`` das honestas
são idênticos; nenhum arquivo de submissão muda; nada de fora muda; nenhum processo
sobra. Sai com erro se algo não vale.

``--medir N`` corrige N submissões honestas da lista 2 (um terço completas, um terço
parciais, um terço só com o esboço) e diz o tempo total e o de cada submissão, e a
carga da máquina antes e depois (``os.getloadavg``). Os números do
``exercises/README.md`` vêm daqui.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import nbformat  # noqa: E402
from hostile import MARK, build_class, partial_answers, student  # noqa: E402

from rnncourse.grading.batch import display_name, feedback_names  # noqa: E402
from rnncourse.grading.report import format_points  # noqa: E402

SOURCE = ROOT / "exercises" / "sources" / "lista_02_fonte.ipynb"


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "rnncourse.grading", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )


def _rows(out: Path) -> dict[str, dict[str, str]]:
    with (out / "notas.csv").open(encoding="utf-8-sig", newline="") as fh:
        return {
            row["submissao"][1:] if row["submissao"].startswith("'") else row["submissao"]: row
            for row in csv.DictReader(fh)
        }


def _tree(folder: Path) -> dict[str, tuple]:
    out = {}
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        st = entry.stat(follow_symlinks=False)
        data = os.readlink(entry.path) if entry.is_symlink() else Path(entry.path).read_bytes()
        out[entry.name] = (data, st.st_mtime_ns)
    return out


def hostile_class(base: Path, workers: str) -> int:
    subs, out = base / "submissoes", base / "saida"
    alone_subs, alone_out = base / "sem_ataques", base / "saida_sem_ataques"
    victim = base / "vitima"
    victim.mkdir()
    (victim / "dados.txt").write_text("original\n", encoding="utf-8")
    secret_file = base / "segredo.txt"
    secret_file.write_text("segredo-" + os.urandom(8).hex(), encoding="utf-8")
    kernel = Path(sys.prefix) / "share" / "jupyter" / "kernels" / "python3" / "kernel.json"
    grader_tmp = base / "temporarios_do_corretor"
    grader_tmp.mkdir()
    (grader_tmp / "kernel-123.json").write_text("{}", encoding="utf-8")
    home_kernel = base / "home" / "kernel.json"
    home_kernel.parent.mkdir()
    home_kernel.write_text('{"argv": ["python"]}', encoding="utf-8")
    ctx = {
        "SUBS": subs,
        "OUT": out,
        "VICTIM": victim,
        "SECRET_FILE": secret_file,
        "SOURCE": SOURCE,
        "PORT": 9,
        "MARK": MARK,
        "KERNEL": kernel,
        "PKG_FILE": ROOT / "rnncourse" / "grading" / "wire.py",
        "TMPDIR": tempfile.gettempdir(),
        "GRADER_TMP": grader_tmp,
        "HOME_KERNEL": home_kernel,
    }
    expects = build_class(subs, "lista_02", ctx)
    alone_subs.mkdir()
    for name, expect in expects.items():
        if expect.honest:
            shutil.copy2(subs / name, alone_subs / name)
    before = (
        _tree(subs),
        _tree(victim),
        _tree(grader_tmp),
        kernel.read_bytes(),
        home_kernel.read_bytes(),
    )
    print(f"{len(expects)} submissões da lista 2 em {subs}", flush=True)
    args = ["--lista", "2", "--fonte", str(SOURCE), "--gradescope", "--trabalhadores", workers]
    load = os.getloadavg()
    start = time.perf_counter()
    proc = _cli("corrigir", str(subs), "--saida", str(out), *args)
    wall = time.perf_counter() - start
    print(f"turma inteira: {wall:.0f} s (carga antes: {load[0]:.1f})", flush=True)
    if proc.returncode != 0:
        print(proc.stderr)
        return 1
    start = time.perf_counter()
    _cli("corrigir", str(alone_subs), "--saida", str(alone_out), *args)
    print(f"só as honestas: {time.perf_counter() - start:.0f} s", flush=True)
    time.sleep(5)
    problems = []
    rows, alone = _rows(out), _rows(alone_out)
    stems = feedback_names([subs / n for n in expects])
    for name, expect in sorted(expects.items()):
        row = rows.get(display_name(subs / name))
        if row is None:
            problems.append(f"{name}: sem linha")
            continue
        total = float(row["total"])
        mark = "honesta" if expect.honest else f"resolveu {expect.solved:g}"
        print(f"  {row['submissao'][:34]:34s} {total:5g}  {mark:13s} {row['motivo'][:70]}")
        stem = stems[subs / name]
        gs = json.loads((out / "gradescope" / stem / "results.json").read_text("utf-8"))
        feedback = (out / "devolutivas" / f"{stem}.txt").read_text(encoding="utf-8")
        if (
            gs["score"] != total
            or gs["output"] != feedback
            or f"Nota: {format_points(total)} " not in feedback
        ):
            problems.append(f"{name}: tabela, devolutiva e results.json não batem")
        if expect.honest:
            key = display_name(subs / name)
            if row != alone[key]:
                problems.append(f"{name}: linha diferente da correção sem os ataques")
            for rel in (f"devolutivas/{stem}.txt", f"gradescope/{stem}/results.json"):
                if (out / rel).read_bytes() != (alone_out / rel).read_bytes():
                    problems.append(f"{name}: {rel} diferente da correção sem os ataques")
        elif total > expect.solved + 1e-9:
            problems.append(f"{name}: ganhou {total:g}, resolveu {expect.solved:g}")
    now = (
        _tree(subs),
        _tree(victim),
        _tree(grader_tmp),
        kernel.read_bytes(),
        home_kernel.read_bytes(),
    )
    if now != before:
        problems.append("um arquivo de submissão, da vítima, temporário ou um kernel.json mudou")

    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    if MARK in ps:
        problems.append("sobrou um processo de ataque")
    print("\n".join(problems) or "tudo confere: honestas idênticas, ataques sem pontos indevidos")
    return 1 if problems else 0


def measure(base: Path, n: int, workers: str) -> int:
    from rnncourse.grading.batch import GradingLimits, grade_folder

    subs = base / "submissoes"
    subs.mkdir()
    empty = (ROOT / "exercises" / "lista_02.ipynb").read_bytes()
    partial = nbformat.writes(student("lista_02", partial_answers("lista_02"))).encode()
    for i in range(n):
        data = (SOURCE.read_bytes(), partial, empty)[i % 3]
        (subs / f"aluno_{i:03d}.ipynb").write_bytes(data)
    load = os.getloadavg()
    start = time.perf_counter()
    results = grade_folder(
        subs,
        "lista_02",
        base / "saida",
        source=SOURCE,
        limits=GradingLimits(),
        workers=int(workers) if workers else None,
    )
    wall = time.perf_counter() - start
    load_after = os.getloadavg()
    kinds = {"completa": results[0::3], "parcial": results[1::3], "esboço": results[2::3]}
    print(
        f"{n} submissões da lista 2, {workers or os.cpu_count()} trabalhadores, "
        f"{os.cpu_count()} núcleos"
    )
    print(f"tempo total: {wall:.0f} s; por submissão (tempo total / N): {wall / n:.1f} s")
    for kind, group in kinds.items():
        times = sorted(r.elapsed for r in group)
        print(
            f"  {kind:8s} {len(group):3d}: mediana {times[len(times) // 2]:.1f} s, "
            f"máximo {times[-1]:.1f} s, notas {sorted({r.total for r in group})}"
        )
    print(f"carga (1 min) antes: {load[0]:.1f}; depois: {load_after[0]:.1f}")
    errors = [r for r in results if r.status != "ok"]
    return 1 if errors else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--medir", type=int, default=0, help="N submissões honestas: só o tempo")
    parser.add_argument("--trabalhadores", default="", help="padrão: o número de núcleos")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="turma-hostil-"))
    try:
        if args.medir:
            return measure(base, args.medir, args.trabalhadores)
        return hostile_class(base, args.trabalhadores or str(os.cpu_count() or 1))
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
