"""Cada notebook (capítulos e fontes das listas, com as soluções) executado uma única vez.

Todo ``assert`` de um notebook é um teste: este arquivo executa cada notebook inteiro num
kernel novo (``execute`` de ``tools/check_robustness.py``, que não para na primeira célula que
falha) e falha com a célula, o erro e a linha do ``assert`` de cada falha.

**Uma execução só.** Os capítulos executados aqui com sucesso entram no cache do myst-nb
(``_build/.jupyter_cache``, o mesmo que a construção do site consulta), e a construção do
site no mesmo pytest (``tools/build_book.sh --reuse-executed``) usa essas saídas em vez de
executar de novo. O cache guarda o notebook *fonte* com as saídas; o myst-nb o reconhece pelo
hash das células de código, então qualquer mudança num capítulo força uma nova execução.

**Perturbação de graça.** ``tools/test.sh`` roda tudo com ``RNNCOURSE_SEED=1`` e
``OMP_NUM_THREADS=1``: as afirmações sobre treinos têm de valer numa semente que o autor não
escolheu. Mais perturbações: ``tools/check_robustness.py``.

**Dois ao mesmo tempo.** Com uma thread por kernel, dois notebooks por vez ocupam os 2 núcleos
da máquina do CI (``RNNCOURSE_NOTEBOOK_JOBS`` muda o número). As medidas de tempo dos
capítulos são razões dentro de um mesmo notebook, com margens largas.
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import nbformat
import pytest
from book_layout import ROOT, load_tool, repo_files, toc_pages

pytestmark = pytest.mark.stage(1)

CELL_TIMEOUT_S = 600
CACHE_DIR = ROOT / "_build" / ".jupyter_cache"
NOTEBOOKS = [
    p
    for p in repo_files("*.ipynb")
    if p.relative_to(ROOT).as_posix().startswith(("chapters/", "exercises/sources/"))
]


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _cache_for_the_book(cache, path: Path, executed: nbformat.NotebookNode, seconds: float):
    """Guarda no cache do myst-nb o notebook fonte com as saídas da execução."""
    from jupyter_cache.base import CacheBundleIn

    source = nbformat.read(path, as_version=4)
    for cell, done in zip(source.cells, executed.cells, strict=True):
        if cell.cell_type == "code":
            cell.outputs = done.get("outputs", [])
            cell.execution_count = done.get("execution_count")
    for key in ("language_info", "widgets"):
        if key in executed.metadata:
            source.metadata[key] = executed.metadata[key]
    cache.cache_notebook_bundle(
        CacheBundleIn(source, str(path), data={"execution_seconds": seconds}),
        check_validity=False,
        overwrite=True,
    )


@pytest.fixture(scope="session")
def executed_notebooks(
    timings: dict[str, float], pytestconfig: pytest.Config
) -> dict[Path, tuple[list[dict], float]]:
    """Executa todos os notebooks (``RNNCOURSE_NOTEBOOK_JOBS`` por vez, padrão 2)."""
    from jupyter_cache import get_cache

    robust = load_tool("check_robustness")
    jobs = max(1, int(os.environ.get("RNNCOURSE_NOTEBOOK_JOBS", "2")))
    in_book = {p.source for p in toc_pages() if p.is_notebook}
    # os maiores (em geral os mais lentos) primeiro: os dois trabalhadores terminam juntos
    order = sorted(NOTEBOOKS, key=lambda p: p.stat().st_size, reverse=True)
    cache = get_cache(str(CACHE_DIR))
    results: dict[Path, tuple[list[dict], float]] = {}
    # o pytest captura a saída dos testes (até o descritor 1): o progresso vai para o terminal
    # de verdade com a captura suspensa, como o pytest faz com o próprio relatório
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")

    def say(line: str) -> None:
        if reporter is None or capture is None:
            print(line, file=sys.__stderr__, flush=True)
            return
        with capture.global_and_fixture_disabled():
            reporter.write_line(line)

    # o kernel herda o ambiente: volta ao do início da sessão (semente e threads de
    # tools/test.sh), e sem MPLBACKEND, que tiraria as figuras do site
    for key, value in getattr(pytestconfig, "rnncourse_start_env", {}).items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    os.environ.pop("MPLBACKEND", None)
    say(
        f"semente {os.environ.get('RNNCOURSE_SEED', '0')}, "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '(padrão)')}"
    )
    start = time.perf_counter()

    def run(path: Path):
        nb = nbformat.read(path, as_version=4)
        failures, seconds = robust.execute(nb, path.parent, CELL_TIMEOUT_S)
        return nb, failures, seconds

    say(f"executando {len(order)} notebooks, {jobs} por vez")
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(run, path): path for path in order}
        for future in as_completed(futures):
            path = futures[future]
            try:
                nb, failures, seconds = future.result()
            except Exception as exc:  # o notebook nem pôde ser lido ou o kernel não subiu
                nb, failures, seconds = None, [{"cell": None, "error": repr(exc)[:500]}], 0.0
            results[path] = (failures, seconds)
            timings[f"notebook {_rel(path)}"] = seconds
            if nb is not None and not failures and path in in_book:
                _cache_for_the_book(cache, path, nb, seconds)
            status = "ok" if not failures else f"{len(failures)} falha(s)"
            say(f"  {seconds:6.1f} s  {_rel(path)}: {status}")
    timings[f"notebooks ({jobs} por vez), no total"] = time.perf_counter() - start
    os.environ["RNNCOURSE_EXECUTED_IN_SESSION"] = "1"  # a construção do site pode usar o cache
    return results


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_rel)
def test_notebook_runs_and_its_asserts_hold(path: Path, executed_notebooks) -> None:
    failures, _ = executed_notebooks[path]
    lines = []
    for f in failures:
        where = "kernel" if f["cell"] is None else f"célula {f['cell']}"
        line = f" — na linha: {f['line']}" if f.get("line") else ""
        lines.append(f"{where}: {f['error']}{line}")
    assert not failures, f"{_rel(path)} falhou:\n" + "\n".join(lines)


def test_every_chapter_and_list_source_is_executed() -> None:
    expected = {"chapters", "exercises/sources"}
    found = {_rel(p.parent) for p in NOTEBOOKS}
    assert found == expected, f"pastas com notebooks executados: {sorted(found)}"
    on_disk = sorted((ROOT / "chapters").glob("*.ipynb")) + sorted(
        (ROOT / "exercises" / "sources").glob("*.ipynb")
    )
    missing = sorted(_rel(p) for p in on_disk if p not in NOTEBOOKS)
    assert not missing, f"notebooks fora da execução (não estão no git?): {missing}"
