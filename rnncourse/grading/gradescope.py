"""O autograder do Gradescope: o ``.zip`` com esta versão do pacote, e a correção lá dentro.

Segue a especificação de autograders do Gradescope
(https://gradescope-autograders.readthedocs.io/en/latest/specs/): um ``.zip``
com ``setup.sh`` (roda uma vez, como root, ao montar a imagem Ubuntu; instala
as dependências) e ``run_autograder`` (roda a cada submissão, na pasta
``/autograder``, com a submissão em ``/autograder/submission`` e o resultado
em ``/autograder/results/results.json``). O Gradescope põe o conteúdo do
``.zip`` em ``/autograder/source`` e roda cada submissão num contêiner próprio.

``build_autograder`` escreve esse ``.zip`` com:

- ``rnncourse_pkg/``: uma cópia do pacote ``rnncourse`` instalado aqui, com um
  ``pyproject.toml`` na mesma versão e com as mesmas dependências, que o
  ``setup.sh`` instala (a correção no Gradescope usa exatamente este código);
- ``instrutor.ipynb``: só as chamadas ``lista.adicionar_teste_oculto(...)`` da
  fonte (sem as soluções);
- ``setup.sh`` e ``run_autograder``, que chama ``python -m rnncourse.grading
  autograder``, isto é, ``run_autograder`` abaixo.

``AUTOGRADER_ROOT`` e ``RNNCOURSE_PYTHON`` trocam ``/autograder`` e o Python
instalado pelo ``setup.sh``: é assim que os testes rodam o ``.zip`` numa pasta
temporária, como o Gradescope o rodaria.

Fora do escopo: a correção em si (``batch.py``).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

import rnncourse
from rnncourse.grading.batch import (
    feedback_text,
    grade_folder,
    gradescope_results,
    hidden_specs,
)
from rnncourse.grading.core import build_list, canonical_list_id
from rnncourse.grading.sandbox import choose_isolation

__all__ = ["build_autograder", "run_autograder"]

_SETUP = """#!/usr/bin/env bash
# Gerado por `python -m rnncourse.grading gradescope` (rnncourse {version}, {list_id}).
# O Gradescope roda este script uma vez, como root, ao montar a imagem (Ubuntu).
set -euo pipefail
SRC="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
VENV=/autograder/rnncourse-venv
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# bubblewrap: a caixa de areia, se o contêiner permitir (senão, o contêiner isola)
apt-get install -y -qq python3 python3-venv python3-pip bubblewrap
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
# o torch só para CPU: a imagem não tem GPU, e a roda padrão traz gigabytes de CUDA
"$VENV/bin/python" -m pip install -q "torch>=2.1" --index-url https://download.pytorch.org/whl/cpu
"$VENV/bin/python" -m pip install -q "$SRC/rnncourse_pkg"
"$VENV/bin/python" -c "import rnncourse, sys; sys.exit(rnncourse.__version__ != '{version}')"
"""

_RUN = """#!/usr/bin/env bash
# Gerado por `python -m rnncourse.grading gradescope` (rnncourse {version}, {list_id}).
# O Gradescope roda este script a cada submissão; o resultado vai para results/results.json.
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{RNNCOURSE_PYTHON:-/autograder/rnncourse-venv/bin/python}}"
# os casos ocultos ficam legíveis só para o root (a submissão roda noutro usuário)
chmod -R go-rwx "$ROOT/source" 2>/dev/null || true
mkdir -p "$ROOT/results"
exec "$PYTHON" -m rnncourse.grading autograder --lista {list_id} --raiz "$ROOT" {source_args} \\
    --isolamento auto
"""


def _requirements() -> list[str]:
    """As dependências do pacote instalado (sem os extras), como estão nos metadados."""
    try:
        requires = importlib.metadata.requires("rnncourse") or []
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - pacote sem metadados
        requires = []
    return [r for r in requires if "extra ==" not in r.replace('"', "").replace("'", "")]


def _pyproject(version: str) -> str:
    deps = ",\n".join(f"    {json.dumps(r)}" for r in _requirements())
    return (
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n'
        f'[project]\nname = "rnncourse"\nversion = "{version}"\n'
        'requires-python = ">=3.10"\n'
        f"dependencies = [\n{deps}\n]\n\n"
        '[tool.setuptools.packages.find]\ninclude = ["rnncourse*"]\n\n'
        '[tool.setuptools.package-data]\n"*" = ["*"]\n'
    )


def _instructor_notebook(specs: list[tuple[str, str, dict]]) -> str:
    cells = [
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {"tags": ["instrutor"]},
            "outputs": [],
            "source": f"lista.adicionar_teste_oculto({qid!r}, {description!r}"
            + "".join(f", {k}={v!r}" for k, v in params.items())
            + ")",
        }
        for qid, description, params in specs
    ]
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(nb, ensure_ascii=False, indent=1) + "\n"


def _add(zf: zipfile.ZipFile, name: str, text: str, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.external_attr = ((0o755 if executable else 0o644) | 0o100000) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, text.encode("utf-8"))


def build_autograder(list_id: str, out_zip: Path, source: Path | None = None) -> Path:
    """Escreve o ``.zip`` do autograder da lista ``list_id`` em ``out_zip``."""
    list_id = canonical_list_id(list_id)
    specs = hidden_specs(source)
    lista = build_list(list_id)
    for qid, description, params in specs:  # confere antes de empacotar
        lista.adicionar_teste_oculto(qid, description, **params)
    version = rnncourse.__version__
    package = Path(rnncourse.__file__).resolve().parent
    out_zip = Path(out_zip)
    out_zip.parent.mkdir(parents=True, exist_ok=True)
    source_args = '--fonte "$ROOT/source/instrutor.ipynb"' if specs else "--sem-testes-do-instrutor"
    with zipfile.ZipFile(out_zip, "w") as zf:
        _add(zf, "setup.sh", _SETUP.format(version=version, list_id=list_id), executable=True)
        _add(
            zf,
            "run_autograder",
            _RUN.format(version=version, list_id=list_id, source_args=source_args),
            executable=True,
        )
        if specs:
            _add(zf, "instrutor.ipynb", _instructor_notebook(specs))
        _add(zf, "VERSAO", f"rnncourse {version}\n{list_id}\n")
        _add(zf, "rnncourse_pkg/pyproject.toml", _pyproject(version))
        for path in sorted(package.rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts or path.suffix in {".pyc", ".pyo"}:
                continue
            rel = path.relative_to(package.parent).as_posix()
            info = zipfile.ZipInfo(f"rnncourse_pkg/{rel}", date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    return out_zip


def _pick(folder: Path, list_id: str) -> tuple[Path | None, str]:
    """O notebook a corrigir numa submissão do Gradescope (que pode ter vários arquivos)."""
    found = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and not p.is_symlink()
        and p.name.lower().endswith(".ipynb")
        and ".ipynb_checkpoints" not in p.parts
    )
    if not found:
        return None, "Nenhum notebook (.ipynb) foi encontrado na submissão."
    if len(found) == 1:
        return found[0], ""
    number = re.sub(r"\D", "", list_id).lstrip("0")
    preferred = [p for p in found if re.search(rf"lista[_ -]?0*{number}\b", p.name.lower())]
    chosen = (preferred or found)[0]
    names = ", ".join(p.relative_to(folder).as_posix() for p in found)
    return chosen, (
        f"A submissão tem {len(found)} notebooks ({names}); foi corrigido "
        f"{chosen.relative_to(folder).as_posix()}."
    )


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def run_autograder(
    list_id: str, root: Path, source: Path | None = None, isolation: str = "auto"
) -> int:
    """Dentro do Gradescope: corrige ``root/submission`` e escreve ``root/results/results.json``."""
    list_id = canonical_list_id(list_id)
    root = Path(root)
    results_path = root / "results" / "results.json"
    lista = build_list(list_id)
    chosen, note = _pick(root / "submission", list_id)
    if chosen is None:
        tests = [
            {
                "name": f"Questão {qid.removeprefix('q')}",
                "number": qid.removeprefix("q"),
                "score": 0.0,
                "max_score": q.points,
                "status": "failed",
                "output": note,
                "visibility": "visible",
            }
            for qid, q in lista.questions.items()
        ]
        _write(
            results_path, {"score": 0.0, "output": note, "visibility": "visible", "tests": tests}
        )
        return 0
    work = Path(tempfile.mkdtemp(prefix="rnncourse-gradescope-"))
    try:
        entrega = work / "entrega"
        entrega.mkdir()
        target = entrega / chosen.name
        shutil.copyfile(chosen, target)
        out = work / "saida"
        hide = [root / "submission", root / "source", root / "results", work]
        chosen_isolation = choose_isolation(isolation, hide)
        results = grade_folder(
            target, list_id, out, source=source, isolation=chosen_isolation, workers=1
        )
        data = gradescope_results(results[0], list_id)
        if note:
            data["output"] = note + "\n\n" + feedback_text(results[0], list_id)
        _write(results_path, data)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0
