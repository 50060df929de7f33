"""Reexecuta os notebooks com outra semente e outro número de threads e diz o que quebrou.

Uma afirmação sobre o resultado de um treino ("a LSTM resolve T = 40, a RNN não") precisa valer
em qualquer máquina, não só na execução que o autor viu: outra CPU arredonda de outro jeito, e
um treino amplifica a diferença. Este script perturba a aritmética de dois modos baratos e
reexecuta cada notebook inteiro, com os mesmos ``assert`` que os testes conferem:

- ``RNNCOURSE_SEED``: a célula de configuração lê a semente desta variável (padrão 0), e todo
  sorteio do notebook deriva de ``SEED``;
- ``OMP_NUM_THREADS`` (e ``MKL_NUM_THREADS``): o torch e o numpy somam em outra ordem com outro
  número de threads.

Uso (com o Python do ``.venv``, na raiz do repositório)::

    python tools/check_robustness.py                      # sementes 1 e 2, uma thread
    python tools/check_robustness.py --seeds 0 1 2 --threads 1 2 --jobs 2
    python tools/check_robustness.py chapters/05_lstm_gru.ipynb --seeds 3
    python tools/check_robustness.py --dump _build/robustez   # guarda as variáveis numéricas

Cada combinação (notebook, semente, threads) roda num kernel novo; uma célula que falha não
interrompe o notebook (as seguintes ainda rodam, para que um só relatório mostre todas as
falhas). Sai com 1 se alguma célula falhou. Com ``--dump``, uma célula extra no fim guarda em
``PASTA/<notebook>__s<semente>_t<threads>.pkl`` as variáveis globais numéricas (números,
arrays pequenos, dicionários e listas deles), para calcular a folga de cada ``assert`` entre as
perturbações.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]

_DUMP_CELL = """
import numbers as _numbers
import pickle as _pickle

import numpy as _np


def _plain(value, depth=0):
    # só dados: números, arrays pequenos, e dicionários/listas/tuplas deles
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, _numbers.Number):
        return float(value) if isinstance(value, _numbers.Real) else value
    if isinstance(value, _np.ndarray) and value.size <= 4096 and value.dtype.kind in "biuf":
        return value.copy()
    if type(value).__name__ in ("Tensor", "Parameter") and value.numel() <= 4096:
        return value.detach().cpu().numpy()
    if depth < 3 and isinstance(value, dict) and len(value) <= 2000:
        out = {k: _plain(v, depth + 1) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not _SKIP}
    if depth < 3 and isinstance(value, list | tuple) and len(value) <= 2000:
        out = [_plain(v, depth + 1) for v in value]
        if any(v is _SKIP for v in out):
            return _SKIP
        return out if isinstance(value, list) else tuple(out)  # namedtuples viram tuplas
    return _SKIP


_SKIP = object()
_dump = {}
for _name, _value in list(globals().items()):
    if _name.startswith("_"):
        continue
    _p = _plain(_value)
    if _p is not _SKIP:
        _dump[_name] = _p
with open(__import__("os").environ["RNNCOURSE_DUMP"], "wb") as _f:
    _pickle.dump(_dump, _f)
"""


def default_notebooks() -> list[Path]:
    return sorted((ROOT / "chapters").glob("*.ipynb")) + sorted(
        (ROOT / "exercises" / "sources").glob("*.ipynb")
    )


def run_one(path: str, seed: int, threads: int, dump_dir: str | None, timeout: int) -> dict:
    """Executa um notebook com a perturbação dada; devolve as falhas e o tempo.

    O kernel herda o ambiente deste processo: as variáveis da perturbação valem só durante a
    execução, e o ``os.environ`` de quem chamou volta a ser o que era (um teste que chame esta
    função não muda a semente nem as threads dos notebooks executados depois dele).
    """
    env = {
        "RNNCOURSE_SEED": str(seed),
        "OMP_NUM_THREADS": str(threads),
        "MKL_NUM_THREADS": str(threads),
        "MPLBACKEND": "Agg",
    }
    nb = nbformat.read(path, as_version=4)
    n_cells = len(nb.cells)
    if dump_dir:
        target = Path(dump_dir) / f"{Path(path).stem}__s{seed}_t{threads}.pkl"
        target.parent.mkdir(parents=True, exist_ok=True)
        env["RNNCOURSE_DUMP"] = str(target)
        nb.cells.append(nbformat.v4.new_code_cell(_DUMP_CELL))
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        failures, elapsed = execute(nb, Path(path).parent, timeout, n_cells=n_cells)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    if dump_dir:
        for output in nb.cells[-1].get("outputs", []):
            if output.get("output_type") == "error":
                failures.append({"cell": "dump", "error": f"{output['ename']}: {output['evalue']}"})
    return {
        "notebook": _display_path(path),
        "seed": seed,
        "threads": threads,
        "seconds": elapsed,
        "failures": failures,
    }


def execute(
    nb: nbformat.NotebookNode, cwd: Path, timeout: int, n_cells: int | None = None
) -> tuple[list[dict], float]:
    """Executa ``nb`` (no lugar) num kernel novo, sem parar na primeira célula que falha.

    O kernel herda o ambiente deste processo. Devolve as falhas das ``n_cells`` primeiras
    células (todas, por padrão) — célula, erro e a linha do ``assert`` que falhou — e os
    segundos da execução. Usada também por ``tests/test_notebook_execution.py``.
    """
    n_cells = len(nb.cells) if n_cells is None else n_cells
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(cwd)}},
    )
    start = time.perf_counter()
    failures = []
    try:
        client.execute()
    except Exception as exc:  # o kernel morreu, estourou o tempo...
        failures.append({"cell": None, "error": f"{type(exc).__name__}: {exc}"[:500]})
    elapsed = time.perf_counter() - start
    for index, cell in enumerate(nb.cells[:n_cells]):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                failures.append(
                    {
                        "cell": index,
                        "error": f"{output['ename']}: {output['evalue']}"[:300],
                        "line": _failing_line(cell.source, output),
                    }
                )
    return failures, elapsed


def _display_path(path: str) -> str:
    resolved = Path(path).resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(resolved)


def _failing_line(source: str, output: dict) -> str:
    # a linha do assert que falhou, tirada do traceback (---> N ...)
    import re

    for frame in output.get("traceback", []):
        clean = re.sub(r"\x1b\[[0-9;]*m", "", frame)
        for row in clean.splitlines():
            if row.lstrip().startswith("---->") or row.lstrip().startswith("--->"):
                return row.split(">", 1)[1].strip()[:200]
    return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="padrão: capítulos e fontes")
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--threads", nargs="+", type=int, default=[1])
    parser.add_argument("--jobs", type=int, default=1, help="kernels ao mesmo tempo")
    parser.add_argument("--dump", default=None, help="pasta para as variáveis numéricas")
    parser.add_argument("--timeout", type=int, default=900, help="limite por célula (s)")
    args = parser.parse_args(argv)

    notebooks = [p.resolve() for p in args.notebooks] or default_notebooks()
    jobs = [(str(p), s, t) for p in notebooks for s in args.seeds for t in args.threads]
    print(
        f"{len(jobs)} execuções ({len(notebooks)} notebooks × sementes {args.seeds} × "
        f"threads {args.threads}), {args.jobs} por vez",
        flush=True,
    )
    results = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_one, *job, args.dump, args.timeout) for job in jobs]
        for future in as_completed(futures):
            r = future.result()
            results.append(r)
            status = "ok" if not r["failures"] else f"{len(r['failures'])} falha(s)"
            print(
                f"{r['seconds']:7.1f} s  {r['notebook']}  semente {r['seed']}, "
                f"{r['threads']} thread(s): {status}",
                flush=True,
            )
            for f in r["failures"]:
                print(
                    f"           célula {f['cell']}: {f['error']}  [{f.get('line', '')}]",
                    flush=True,
                )
    failed = [r for r in results if r["failures"]]
    print(f"\n{len(results) - len(failed)} passaram, {len(failed)} falharam")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
