"""O repositório como um todo: estilo (ruff), e o CI e o README apontando para o mesmo comando.

- ``ruff check`` e ``ruff format --check`` sobre o repositório inteiro (notebooks incluídos),
  com a configuração de ``pyproject.toml``.
- ``.ci/run`` roda exatamente o comando de testes que o README ensina, e o README
  ensina os dois comandos (construir o site, rodar os testes).
- Não existe uma pasta ``_static/`` na raiz: o Jupyter Book 1 incluiria em toda
  página cada ``.js`` das pastas estáticas, o MathJax inteiro entre eles.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from book_layout import ROOT

TEST_COMMAND = "bash tools/test.sh"
BUILD_COMMAND = "bash tools/build_book.sh"


@pytest.mark.parametrize(
    "args", [["check", "."], ["format", "--check", "."]], ids=["check", "format"]
)
def test_ruff(args: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, f"ruff {' '.join(args)}:\n{proc.stdout}{proc.stderr}"


def _commands(text: str) -> list[str]:
    """As linhas de comando de um script ou dos blocos de código de um Markdown."""
    lines = (line.split(" #", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _shell_blocks(markdown: str) -> list[str]:
    """O conteúdo dos blocos de código ```bash (ou ```sh, ```console) de um Markdown."""
    blocks: list[str] = []
    inside, keep, current = False, False, []
    for line in markdown.splitlines():
        fence = re.match(r"^\s*```(\w*)", line)
        if fence and not inside:
            inside, keep, current = True, fence.group(1) in {"bash", "sh", "console"}, []
        elif fence:
            if keep:
                blocks.append("\n".join(current))
            inside = False
        elif inside:
            current.append(line)
    return blocks


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    run_lines = [c.removeprefix("exec ") for c in _commands(ci)]
    assert TEST_COMMAND in run_lines, f".ci/run deveria rodar '{TEST_COMMAND}'"
    others = [c for c in run_lines if c != TEST_COMMAND and not c.startswith(("set ", "cd "))]
    assert not others, f".ci/run faz mais do que o comando do README: {others}"


def test_readme_gives_both_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = _commands("\n".join(_shell_blocks(readme)))
    for command in (BUILD_COMMAND, TEST_COMMAND):
        assert command in lines, f"o README não traz o comando '{command}' num bloco de código"
        script = ROOT / command.split()[1]
        assert script.is_file(), f"o README manda rodar {script}, que não existe"


def test_no_static_folder_at_root() -> None:
    assert not (ROOT / "_static").exists(), (
        "não use _static/ na raiz: o Jupyter Book 1 põe em toda página cada .js e .css "
        "das pastas de html_static_path quando _static/ existe (ver _config.yml)"
    )
