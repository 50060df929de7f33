"""O autograder do Gradescope (``python -m rnncourse.grading gradescope``), rodado como lá.

O ``.zip`` segue a especificação (https://gradescope-autograders.readthedocs.io/en/latest/specs/):
``setup.sh`` e ``run_autograder`` na raiz, executáveis; o pacote vai junto, na mesma
versão e com os mesmos arquivos do instalado aqui; os casos ocultos vão sem as
soluções. Depois o ``.zip`` é aberto numa pasta temporária arrumada como o
``/autograder`` do Gradescope (``source/``, ``run_autograder``, ``submission/``,
``results/``) e o ``run_autograder`` roda de verdade (``AUTOGRADER_ROOT`` aponta para
ela e ``RNNCOURSE_PYTHON`` para este Python, no lugar do que o ``setup.sh`` instalaria):
o ``results.json`` tem os campos da especificação e as notas da correção em lote,
inclusive com uma submissão hostil, uma sem notebook e uma com vários.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
from hostile import require_bwrap, student

import rnncourse

pytestmark = pytest.mark.stage(1)

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "exercises" / "sources" / "lista_01_fonte.ipynb"

#: os campos que a especificação define (no topo e em cada teste)
TOP_FIELDS = {
    "score",
    "execution_time",
    "output",
    "output_format",
    "test_output_format",
    "test_name_format",
    "visibility",
    "stdout_visibility",
    "extra_data",
    "tests",
    "leaderboard",
}
TEST_FIELDS = {
    "score",
    "max_score",
    "status",
    "name",
    "name_format",
    "number",
    "output",
    "output_format",
    "tags",
    "visibility",
    "extra_data",
}
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
FORMATS = {"text", "html", "simple_format", "md", "ansi"}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("zip") / "autograder.zip"
    proc = subprocess.run(
        [sys.executable, "-m", "rnncourse.grading", "gradescope", "--lista", "1"]
        + ["--fonte", str(SOURCE), "--saida", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    return out


def _layout(bundle: Path, base: Path, files: dict[str, bytes]) -> Path:
    """Uma pasta como o /autograder do Gradescope, com a submissão ``files``."""
    root = base / "autograder"
    with zipfile.ZipFile(bundle) as zf:
        for info in zf.infolist():
            target = root / "source" / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(info))
            target.chmod((info.external_attr >> 16) & 0o777 or 0o644)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    for name, data in files.items():
        path = root / "submission" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (root / "submission").mkdir(parents=True, exist_ok=True)
    return root


def _run(root: Path, path_env: str | None = None) -> dict:
    env = {
        **os.environ,
        "AUTOGRADER_ROOT": str(root),
        "RNNCOURSE_PYTHON": sys.executable,
        "OMP_NUM_THREADS": "1",
    }
    if path_env is not None:
        env["PATH"] = path_env
    proc = subprocess.run(
        [str(root / "run_autograder")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))


def _check_spec(data: dict) -> None:
    assert set(data) <= TOP_FIELDS
    assert isinstance(data["score"], (int, float)) and isinstance(data["output"], str)
    assert data.get("visibility", "visible") in VISIBILITY
    assert data.get("stdout_visibility", "hidden") in VISIBILITY
    assert data.get("output_format", "text") in FORMATS
    for test in data["tests"]:
        assert set(test) <= TEST_FIELDS
        assert isinstance(test["name"], str) and isinstance(test["number"], str)
        assert 0 <= test["score"] <= test["max_score"]
        assert test["status"] in {"passed", "failed"}
        assert test["visibility"] in VISIBILITY
        assert isinstance(test["output"], str)
    assert data["score"] == pytest.approx(sum(t["score"] for t in data["tests"]))


def test_the_zip_follows_the_specification_and_pins_this_package(bundle):
    with zipfile.ZipFile(bundle) as zf:
        names = set(zf.namelist())
        for script in ("setup.sh", "run_autograder"):
            assert script in names
            mode = zf.getinfo(script).external_attr >> 16
            assert mode & stat.S_IXUSR
            text = zf.read(script).decode()
            assert text.startswith("#!/usr/bin/env bash")
            assert subprocess.run(["bash", "-n", "-c", text]).returncode == 0
        setup = zf.read("setup.sh").decode()
        assert '"$SRC/rnncourse_pkg"' in setup and "bubblewrap" in setup
        assert f"rnncourse.__version__ != '{rnncourse.__version__}'" in setup
        pyproject = zf.read("rnncourse_pkg/pyproject.toml").decode()
        assert f'version = "{rnncourse.__version__}"' in pyproject and '"torch>=2.1"' in pyproject
        package = Path(rnncourse.__file__).resolve().parent
        for path in package.rglob("*.py"):
            rel = "rnncourse_pkg/rnncourse/" + path.relative_to(package).as_posix()
            assert (
                hashlib.sha256(zf.read(rel)).digest() == hashlib.sha256(path.read_bytes()).digest()
            )
        instructor = json.loads(zf.read("instrutor.ipynb"))
        sources = [c["source"] for c in instructor["cells"]]
        assert len(sources) == 5
        assert all(s.startswith("lista.adicionar_teste_oculto(") for s in sources)
        assert not any("def " in s or "SOLUTION" in s for s in sources)
        assert not any(n.endswith("_fonte.ipynb") for n in names)


def test_run_autograder_grades_a_submission_as_gradescope_lays_it_out(bundle, tmp_path):
    require_bwrap()
    root = _layout(
        bundle,
        tmp_path,
        {
            "lista_01.ipynb": SOURCE.read_bytes(),
            "notas/README.txt": b"um arquivo qualquer",
        },
    )
    data = _run(root)
    _check_spec(data)
    assert data["score"] == 10 and len(data["tests"]) == 5
    assert [t["max_score"] for t in data["tests"]] == [1, 2, 2, 2, 3]
    assert all(t["status"] == "passed" for t in data["tests"])
    assert "Isolamento: caixa de areia (bwrap)" in data["output"]
    assert "[instrutor]" in data["tests"][0]["output"]  # os casos ocultos rodaram


def test_run_autograder_survives_a_hostile_submission_and_odd_layouts(bundle, tmp_path):
    require_bwrap()
    results = tmp_path / "hostil" / "autograder" / "results" / "results.json"
    attack = (
        "import subprocess, sys\n"
        f"for target in ({str(results)!r}, '/autograder/results/results.json'):\n"
        "    try:\n"
        "        open(target, 'w').write('{\"score\": 10}')\n"
        "    except OSError:\n"
        "        pass\n"
        f'code = \'import time\\ntime.sleep(3)\\nopen(%r, "w").write("{{}}")\' % {str(results)!r}\n'
        "subprocess.Popen([sys.executable, '-c', code], start_new_session=True)\n"
    )
    hostile = nbformat.writes(student("lista_01", extra=[attack], setup=False)).encode()
    root = _layout(bundle, tmp_path / "hostil", {"entrega/lista_01.ipynb": hostile})
    data = _run(root)
    time.sleep(5)
    data_after = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert data_after == data and data["score"] == 0
    _check_spec(data)

    root = _layout(bundle, tmp_path / "vazia", {"leia-me.txt": b"esqueci o notebook"})
    data = _run(root)
    _check_spec(data)
    assert data["score"] == 0 and "Nenhum notebook" in data["output"]

    empty = (ROOT / "exercises" / "lista_01.ipynb").read_bytes()
    root = _layout(bundle, tmp_path / "varias", {"rascunho.ipynb": empty, "Lista_01.IPYNB": empty})
    # sem o bwrap no PATH: o contêiner do Gradescope é o isolamento, e o resultado diz isso
    bin_dir = tmp_path / "sem-bwrap"
    bin_dir.mkdir()
    for tool in ("bash", "chmod", "mkdir"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    data = _run(root, path_env=str(bin_dir))
    _check_spec(data)
    assert data["score"] == 0
    assert "foi corrigido Lista_01.IPYNB" in data["output"]
    assert "Isolamento: SEM caixa de areia" in data["output"]
