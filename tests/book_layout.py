"""O que os arquivos de configuração dizem sobre o livro, para os testes de infraestrutura.

Lê ``_config.yml`` (endereço do repositório e ramo) e ``_toc.yml`` (as páginas,
na ordem do sumário) e diz de que arquivo cada página é construída e qual o
link do Colab que ela deve ter. Não constrói nada nem abre navegador: isso fica
em ``conftest.py`` (construção) e nos ``test_*.py``.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

__all__ = [
    "ROOT",
    "Page",
    "fail_or_skip",
    "in_ci",
    "load_config",
    "load_tool",
    "repo_files",
    "toc_pages",
]

ROOT = Path(__file__).resolve().parents[1]
SOURCE_SUFFIXES = (".ipynb", ".md")


def in_ci() -> bool:
    """Verdadeiro quando roda no CI (variável ``CI`` com valor verdadeiro)."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def fail_or_skip(reason: str) -> None:
    """Pula o teste com ``reason``, exceto no CI, onde pular esconderia um defeito: lá falha."""
    if in_ci():
        pytest.fail(f"{reason} (no CI este teste não pode ser pulado)", pytrace=False)
    pytest.skip(reason)


def load_tool(name: str, root: Path = ROOT):
    """Importa ``tools/<name>.py`` como módulo (a pasta tools/ não é um pacote)."""
    spec = importlib.util.spec_from_file_location(f"tools_{name}", root / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as dataclasses do módulo procuram por ele aqui
    spec.loader.exec_module(module)
    return module


def load_config(root: Path = ROOT) -> dict:
    return yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Page:
    """Uma página do sumário: ``docname`` sem extensão e o arquivo-fonte (ou None se falta)."""

    docname: str
    source: Path | None

    @property
    def is_notebook(self) -> bool:
        return self.source is not None and self.source.suffix == ".ipynb"

    @property
    def html(self) -> str:
        """Caminho da página construída, relativo a ``_build/html``."""
        return f"{self.docname}.html"

    def colab_url(self, config: dict) -> str:
        """O link do Colab que a página deve ter, montado só a partir de ``_config.yml``."""
        repo = config["repository"]
        slug = repo["url"].rstrip("/").removeprefix("https://github.com/")
        branch = repo["branch"]
        book = repo.get("path_to_book") or ""
        path = "/".join(p for p in (book.strip("/"), f"{self.docname}.ipynb") if p)
        return f"https://colab.research.google.com/github/{slug}/blob/{branch}/{path}"


def _entries(node) -> list[str]:
    found = []
    if isinstance(node, dict):
        if "file" in node:
            found.append(str(node["file"]))
        for key in ("parts", "chapters", "sections"):
            for child in node.get(key) or []:
                found += _entries(child)
    return found


def toc_pages(root: Path = ROOT) -> list[Page]:
    """As páginas de ``_toc.yml`` na ordem do sumário, começando pela raiz."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    names = [str(toc["root"]), *_entries(toc)]
    pages = []
    for name in names:
        stem = name.removesuffix(".ipynb").removesuffix(".md")
        found = [root / f"{stem}{s}" for s in SOURCE_SUFFIXES if (root / f"{stem}{s}").is_file()]
        pages.append(Page(stem, found[0] if len(found) == 1 else None))
    return pages


def repo_files(pattern: str, root: Path = ROOT) -> list[Path]:
    """Arquivos que o git guarda ou guardaria (versionados e novos não ignorados)."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", pattern],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sorted({root / line for line in out.splitlines() if (root / line).is_file()})
