"""Gera os notebooks do estudante (``exercises/lista_XX.ipynb``) a partir das fontes com soluções.

Uso::

    python tools/make_exercises.py          # (re)gera o que estiver diferente
    python tools/make_exercises.py --check  # só confere; sai com 1 se algo estiver desatualizado

Cada lista tem uma única fonte, ``exercises/sources/lista_XX_fonte.ipynb``, com as
soluções. O notebook do estudante é a fonte com três mudanças:

- o código entre ``### BEGIN SOLUTION`` e ``### END SOLUTION`` (inclusive) vira um
  esboço que levanta ``NotImplementedError`` com uma mensagem em português;
- as células com a etiqueta ``instrutor`` (testes extras da correção em lote,
  comentários de solução) saem;
- as duas primeiras células são o link do Colab e a configuração, geradas por
  ``tools/sync_notebooks.py`` para o caminho do notebook do estudante.

Saídas e contadores de execução nunca são copiados. Os ids das células vêm da
fonte, para que gerar duas vezes dê o mesmo arquivo. A comparação do ``--check``
ignora os ids (``sync_notebooks.py`` os sorteia quando reescreve o cabeçalho).
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOURCES = Path("exercises") / "sources"
BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
INSTRUCTOR_TAG = "instrutor"
LINE_LENGTH = 100  # o mesmo do ruff (pyproject.toml)


def _sync_module():
    spec = importlib.util.spec_from_file_location(
        "sync_notebooks", ROOT / "tools" / "sync_notebooks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sync_notebooks = _sync_module()


def sources(root: Path = ROOT) -> list[Path]:
    """As fontes das listas, em ordem."""
    return sorted((root / SOURCES).glob("*_fonte.ipynb"))


def student_path(source: Path, root: Path = ROOT) -> Path:
    """``exercises/sources/lista_02_fonte.ipynb`` -> ``exercises/lista_02.ipynb``."""
    return root / "exercises" / (source.stem.removesuffix("_fonte") + ".ipynb")


def _function_name(lines: list[str], index: int) -> str | None:
    for line in reversed(lines[:index]):
        match = re.match(r"\s*def\s+(\w+)\s*\(", line)
        if match:
            return match.group(1)
    return None


def strip_solutions(code: str) -> str:
    """Troca cada trecho ``BEGIN/END SOLUTION`` por um esboço com ``NotImplementedError``."""
    lines = code.splitlines()
    out: list[str] = []
    inside = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ValueError(f"'{BEGIN}' dentro de outra solução (linha {i + 1})")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            name = _function_name(lines, i)
            what = f"complete a função {name}" if name else "complete este trecho"
            message = f'"Questão sem resposta: {what}."'
            out.append(f"{indent}# Escreva a sua resposta aqui, no lugar da linha abaixo.")
            if len(indent) + len(f"raise NotImplementedError({message})") <= LINE_LENGTH:
                out.append(f"{indent}raise NotImplementedError({message})")
            else:  # quebrada como o ruff format quebraria
                out += [
                    f"{indent}raise NotImplementedError(",
                    f"{indent}    {message}",
                    f"{indent})",
                ]
        elif stripped == END:
            if not inside:
                raise ValueError(f"'{END}' sem '{BEGIN}' antes (linha {i + 1})")
            inside = False
        elif not inside:
            out.append(line)
        elif BEGIN in line or END in line:
            raise ValueError(f"marcador fora do lugar na linha {i + 1}: {line!r}")
    if inside:
        raise ValueError(f"'{BEGIN}' sem '{END}' depois")
    return "\n".join(out)


def make_student(source: Path, root: Path = ROOT):
    """O notebook do estudante gerado a partir de ``source`` (não escreve nada)."""
    nb = nbformat.read(source, as_version=4)
    head_tags = {sync_notebooks.BADGE_TAG, sync_notebooks.SETUP_TAG}
    cells = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & head_tags or INSTRUCTOR_TAG in tags:
            continue
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source)
            cell.outputs = []
            cell.execution_count = None
        elif BEGIN in cell.source or END in cell.source:
            raise ValueError(f"{source.name}: marcador de solução numa célula de {cell.cell_type}")
        cells.append(cell)
    target = student_path(source, root)
    badge, setup = sync_notebooks.expected_head(target, root)
    badge.id, setup.id = "colab-badge", "setup"
    nb.cells = [badge, setup, *cells]
    nb.metadata = {
        "kernelspec": {
            "name": "python3",
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
        },
        "language_info": {"name": "python"},
    }
    return nb


def _normalized(nb) -> str:
    """O que importa comparar: tipo, texto e etiquetas de cada célula, e o kernel (sem ids)."""
    cells = [
        {
            "type": c.cell_type,
            "source": c.source,
            "tags": sorted(c.get("metadata", {}).get("tags", [])),
            "outputs": bool(c.get("outputs")),
            "count": c.get("execution_count"),
        }
        for c in nb.cells
    ]
    return json.dumps(
        {"cells": cells, "kernel": nb.metadata.get("kernelspec", {}).get("name")},
        ensure_ascii=False,
        indent=1,
    )


def problems(root: Path = ROOT) -> list[str]:
    """O que está desatualizado ou errado (lista vazia se tudo certo)."""
    found = []
    all_sources = sources(root)
    if not all_sources:
        return [f"nenhuma fonte em {SOURCES}"]
    for source in all_sources:
        rel = source.relative_to(root)
        found += [f"{rel}: {p}" for p in sync_notebooks.problems(source, root)]
        try:
            generated = make_student(source, root)
        except ValueError as err:
            found.append(f"{rel}: {err}")
            continue
        for cell in generated.cells[2:]:
            if cell.cell_type == "code":
                try:
                    ast.parse(cell.source)
                except SyntaxError as err:
                    found.append(f"{rel}: o esboço gerado não é Python válido ({err})")
        target = student_path(source, root)
        trel = target.relative_to(root)
        if not target.is_file():
            found.append(f"{trel}: não existe (rode tools/make_exercises.py)")
            continue
        on_disk = nbformat.read(target, as_version=4)
        if _normalized(on_disk) != _normalized(generated):
            found.append(f"{trel}: desatualizado em relação a {rel} (rode tools/make_exercises.py)")
    return found


def write(root: Path = ROOT) -> list[Path]:
    """Gera os notebooks do estudante; devolve os que mudaram."""
    changed = []
    for source in sources(root):
        # o cabeçalho da própria fonte (Colab e configuração) vem de sync_notebooks.py;
        # só reescreve quando discorda, porque sync() sorteia ids novos a cada vez
        if sync_notebooks.problems(source, root) and sync_notebooks.sync(source, root):
            changed.append(source)
        target = student_path(source, root)
        generated = make_student(source, root)
        if target.is_file():
            on_disk = nbformat.read(target, as_version=4)
            if _normalized(on_disk) == _normalized(generated):
                continue
        text = nbformat.writes(generated)
        target.write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")
        changed.append(target)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="só confere, não escreve")
    args = parser.parse_args(argv)
    if args.check:
        found = problems()
        for line in found:
            print(line)
        if found:
            print("rode: python tools/make_exercises.py", file=sys.stderr)
        return 1 if found else 0
    for path in write():
        print(f"gerado: {path.relative_to(ROOT)}")
    found = problems()
    for line in found:
        print(line, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
