"""Fixtures e ganchos compartilhados pelos testes do curso.

- ``book_config`` e ``pages``: o que ``_config.yml`` e ``_toc.yml`` dizem (ver ``book_layout.py``).
- ``built_book``: o site construído **uma vez por sessão** (fixture ``book_build``) com
  ``tools/build_book.sh --no-setup`` (os mesmos passos do comando do README); devolve
  ``_build/html``. Se a construção falhar, todo teste que usa a fixture falha: o primeiro com
  o trecho do log que importa, os outros com uma linha; o log inteiro fica em
  ``_build/build.log``. Fora do CI, ``RNNCOURSE_REUSE_BUILD=1`` reaproveita a última
  construção bem-sucedida (útil para mexer só no teste do navegador).
- ordem: os testes rápidos primeiro, depois os notebooks (``test_notebook_execution.py``),
  depois a construção do site e o navegador, e por fim o caminho do Colab (marca ``stage``).
- ao final, um resumo dos tempos: cada notebook executado e cada etapa lenta.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from book_layout import ROOT, in_ci, load_config, toc_pages

BUILD_TIMEOUT_S = 3600
BUILD_DIR = ROOT / "_build"
_TIMINGS: dict[str, float] = {}


# as variáveis que decidem como os notebooks rodam (tools/test.sh as define); guardadas no
# início para que um teste que as mude por engano não mude a execução dos notebooks
NOTEBOOK_ENV_KEYS = ("RNNCOURSE_SEED", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "MPLBACKEND")


def pytest_configure(config: pytest.Config) -> None:
    config.rnncourse_start_env = {key: os.environ.get(key) for key in NOTEBOOK_ENV_KEYS}
    config.addinivalue_line(
        "markers",
        "stage(n): ordem de execução (0 rápidos, 1 notebooks, 2 site e navegador, 3 Colab)",
    )


def _stage(item: pytest.Item) -> int:
    marker = item.get_closest_marker("stage")
    return int(marker.args[0]) if marker else 0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # sort() é estável: dentro de cada etapa fica a ordem de coleta
    items.sort(key=_stage)


def pytest_terminal_summary(terminalreporter) -> None:
    if not _TIMINGS:
        return
    terminalreporter.section("tempos")
    for name, seconds in _TIMINGS.items():
        terminalreporter.write_line(f"{seconds:7.1f} s  {name}")


@pytest.fixture(scope="session")
def timings() -> dict[str, float]:
    """Dicionário onde os testes lentos registram quanto tempo cada etapa levou."""
    return _TIMINGS


@pytest.fixture(scope="session")
def book_config() -> dict:
    return load_config()


@pytest.fixture(scope="session")
def pages():
    return toc_pages()


def _relevant_log(text: str, tail: int = 60) -> str:
    lines = re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines()  # sem as cores do terminal
    flagged = [
        line
        for line in lines
        if any(key in line for key in ("WARNING", "ERROR", "Error", "Traceback", "erro:"))
        and "[IPKernelApp] WARNING" not in line  # aviso do ipykernel sobre TCP local, inofensivo
    ]
    parts = []
    if flagged:
        parts += ["linhas com avisos ou erros:", *flagged[:60]]
    parts += [f"últimas {tail} linhas do log:", *lines[-tail:]]
    return "\n".join(parts)


@dataclass
class BookBuild:
    """Resultado da construção do site: a pasta HTML, ou a mensagem de erro."""

    html: Path
    error: str | None = None
    reported: bool = False


@pytest.fixture(scope="session")
def book_build(timings: dict[str, float]) -> BookBuild:
    """Constrói o site uma vez por sessão (não falha aqui: quem falha é ``built_book``)."""
    html = BUILD_DIR / "html"
    ok_flag = BUILD_DIR / ".build-ok"
    if (
        os.environ.get("RNNCOURSE_REUSE_BUILD") == "1"
        and not in_ci()
        and ok_flag.is_file()
        and (html / "index.html").is_file()
    ):
        return BookBuild(html)
    BUILD_DIR.mkdir(exist_ok=True)
    ok_flag.unlink(missing_ok=True)
    log = BUILD_DIR / "build.log"
    bindir = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "PYTHON": sys.executable,
        "PATH": bindir + os.pathsep + os.environ.get("PATH", ""),
    }
    # os capítulos que test_notebook_execution.py executou NESTA sessão estão no cache do
    # myst-nb; sem essa execução, o cache pode ser de um código antigo e é apagado
    reuse = ["--reuse-executed"] if os.environ.get("RNNCOURSE_EXECUTED_IN_SESSION") else []
    start = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        try:
            proc = subprocess.run(
                ["bash", "tools/build_book.sh", "--no-setup", *reuse],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                timeout=BUILD_TIMEOUT_S,
            )
            returncode = proc.returncode
        except subprocess.TimeoutExpired:
            returncode = f"tempo esgotado após {BUILD_TIMEOUT_S} s"
    timings["construção do site (jupyter-book, executa os notebooks)"] = time.perf_counter() - start
    if returncode != 0:
        text = log.read_text(encoding="utf-8", errors="replace")
        return BookBuild(
            html, f"a construção do site falhou ({returncode}); log completo em {log}\n" + text
        )
    ok_flag.write_text("ok\n", encoding="utf-8")
    return BookBuild(html)


@pytest.fixture
def built_book(book_build: BookBuild) -> Path:
    """A pasta ``_build/html`` da construção da sessão; o teste falha se ela falhou.

    O primeiro teste que falha mostra o trecho do log que importa; os outros, só uma linha.
    """
    if book_build.error is not None:
        first_line, _, text = book_build.error.partition("\n")
        if book_build.reported:
            pytest.fail(f"{first_line} (detalhes no primeiro teste que falhou)", pytrace=False)
        book_build.reported = True
        pytest.fail(f"{first_line}\n{_relevant_log(text)}", pytrace=False)
    return book_build.html
