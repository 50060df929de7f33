"""Os notebooks como arquivos: limpos no git, com o cabeçalho sincronizado e todos executados.

- Todo ``.ipynb`` que o git guarda (ou guardaria: novos e não ignorados) é válido,
  não tem saídas nem contadores de execução e usa o kernel ``python3``.
- ``tools/sync_notebooks.py --check`` passa: o link do Colab e a célula de
  configuração de cada notebook concordam com ``_config.yml``.
- Os capítulos do sumário existem, têm nomes ``NN_slug.ipynb`` e todo notebook
  de ``chapters/`` está no sumário.
A execução dos notebooks é de ``test_notebook_execution.py``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from book_layout import ROOT, repo_files, toc_pages

NOTEBOOKS = repo_files("*.ipynb")
CHAPTER_NAME = re.compile(r"^\d{2}_[a-z0-9_]+\.ipynb$")


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_repository_has_notebooks() -> None:
    assert any(_rel(p).startswith("chapters/") for p in NOTEBOOKS), (
        "nenhum notebook de capítulo no repositório"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_rel)
def test_notebook_is_stored_clean(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, (
        f"{_rel(path)}: células com saída ou contador de execução: {dirty}. "
        "Guarde o notebook limpo (por exemplo, 'jupyter nbconvert --clear-output --inplace')."
    )
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    assert kernel == "python3", f"{_rel(path)}: kernelspec {kernel!r}, deveria ser 'python3'"


def test_notebook_heads_match_config() -> None:
    proc = subprocess.run(
        [sys.executable, "tools/sync_notebooks.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, (
        "cabeçalhos fora de sincronia com _config.yml "
        "(rode: python tools/sync_notebooks.py):\n" + proc.stdout + proc.stderr
    )


def test_toc_sources_exist() -> None:
    missing = [p.docname for p in toc_pages() if p.source is None]
    assert not missing, f"páginas do _toc.yml sem um (e só um) arquivo .md ou .ipynb: {missing}"


def test_chapter_notebooks_are_named_and_listed() -> None:
    listed = {p.source for p in toc_pages() if p.source is not None}
    chapters = sorted((ROOT / "chapters").glob("*.ipynb"))
    bad_names = [p.name for p in chapters if not CHAPTER_NAME.match(p.name)]
    assert not bad_names, f"nomes fora do padrão NN_slug.ipynb: {bad_names}"
    prefixes = [p.name[:2] for p in chapters]
    assert len(prefixes) == len(set(prefixes)), f"prefixos repetidos: {sorted(prefixes)}"
    unlisted = [p.name for p in chapters if p not in listed]
    assert not unlisted, f"capítulos fora do _toc.yml: {unlisted}"
