"""O caminho do estudante: o pacote instalado de um wheel num ambiente novo roda um capítulo.

No Colab o notebook chega sozinho e a célula de configuração instala
``rnncourse`` com o pip; nada do repositório fica ao lado. Este teste faz o
equivalente local, sem depender da rede além do registro de pacotes:

1. constrói o wheel do pacote (``pip wheel --no-deps``);
2. cria um ambiente virtual novo e instala o wheel, deixando o pip resolver as
   dependências como faria para um estudante (``pip check`` confere o resultado);
3. copia o primeiro capítulo para uma pasta temporária fora do repositório e o
   executa com o kernel desse ambiente (nbclient), com uma célula de sonda no fim
   que informa de onde veio o ``rnncourse`` e qual Python rodou.

Falha se alguma célula der erro, se o notebook não chegar ao fim, ou se o
``rnncourse`` importado não for o do site-packages do ambiente novo (por exemplo,
o do repositório, por um caminho vazado).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from book_layout import ROOT, fail_or_skip, toc_pages

pytestmark = pytest.mark.stage(3)

INSTALL_TIMEOUT_S = 1200
EXECUTE_TIMEOUT_S = 900
PROBE_TAG = "sonda-colab"
PROBE = """\
import json, sys
import rnncourse
print(json.dumps({"rnncourse": rnncourse.__file__, "executable": sys.executable}))
"""
RUNNER = """\
import sys
import nbclient
import nbformat

source, target, workdir = sys.argv[1:4]
nb = nbformat.read(source, as_version=4)
client = nbclient.NotebookClient(
    nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": workdir}}
)
try:
    client.execute()
finally:
    nbformat.write(nb, target)
"""


def _run(cmd: list[str], *, timeout: float, **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, **kwargs
    )
    if proc.returncode != 0:
        pytest.fail(
            f"falhou ({proc.returncode}): {' '.join(map(str, cmd))}\n"
            f"--- stdout ---\n{proc.stdout[-4000:]}\n--- stderr ---\n{proc.stderr[-4000:]}",
            pytrace=False,
        )
    return proc


def _student_env(venv: Path, home: Path) -> dict[str, str]:
    """Ambiente de um processo do estudante: só o Python do ambiente novo no PATH."""
    repo_bins = {str(ROOT / ".venv" / "bin"), str(Path(sys.executable).parent)}
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p not in repo_bins]
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "JUPYTER_PATH"}
    }
    env.update(PATH=os.pathsep.join([str(venv / "bin"), *path]), HOME=str(home))
    env["MPLCONFIGDIR"] = str(home / "mpl")
    return env


def _first_chapter() -> Path | None:
    for page in toc_pages():
        if page.is_notebook and page.docname.startswith("chapters/"):
            return page.source
    return None


@pytest.fixture
def base(tmp_path_factory: pytest.TempPathFactory, timings: dict[str, float]):
    """Pasta temporária fora do repositório; o ambiente novo é apagado no fim, passe ou não."""
    base = tmp_path_factory.mktemp("colab")
    assert not base.resolve().is_relative_to(ROOT), "a pasta temporária caiu dentro do repo"
    yield base
    # o ambiente tem alguns GB (o torch do PyPI traz as bibliotecas CUDA); o resto
    # (o notebook executado) fica para inspeção
    start = time.perf_counter()
    shutil.rmtree(base / "venv", ignore_errors=True)
    timings["Colab: apagar o ambiente novo"] = time.perf_counter() - start


def test_wheel_in_fresh_venv_runs_first_chapter(base: Path, timings: dict[str, float]) -> None:
    chapter = _first_chapter()
    if chapter is None:
        fail_or_skip("o sumário ainda não tem nenhum capítulo em notebook")

    # 1. o wheel
    start = time.perf_counter()
    dist = base / "dist"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
        timeout=INSTALL_TIMEOUT_S,
    )
    (wheel,) = dist.glob("rnncourse-*.whl")
    timings["Colab: construir o wheel"] = time.perf_counter() - start

    # 2. ambiente novo, dependências resolvidas pelo pip
    start = time.perf_counter()
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], timeout=300)
    python = venv / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "-q", str(wheel)], timeout=INSTALL_TIMEOUT_S)
    _run([str(python), "-m", "pip", "check"], timeout=300)
    timings["Colab: ambiente novo + pip install do wheel"] = time.perf_counter() - start

    # 3. o capítulo, sozinho numa pasta fora do repositório, com uma sonda no fim
    work = base / "aluno"
    home = base / "home"
    work.mkdir()
    home.mkdir()
    nb = nbformat.read(chapter, as_version=4)
    n_code = sum(cell.cell_type == "code" for cell in nb.cells)
    probe = nbformat.v4.new_code_cell(PROBE)
    probe.metadata["tags"] = [PROBE_TAG]
    nb.cells.append(probe)
    source = work / chapter.name
    nbformat.write(nb, source)
    runner = base / "executar.py"
    runner.write_text(RUNNER, encoding="utf-8")
    executed = work / f"executado_{chapter.name}"
    start = time.perf_counter()
    _run(
        [str(python), str(runner), str(source), str(executed), str(work)],
        timeout=EXECUTE_TIMEOUT_S,
        cwd=work,
        env=_student_env(venv, home),
    )
    timings[f"Colab: executar {chapter.name} no ambiente novo"] = time.perf_counter() - start

    result = nbformat.read(executed, as_version=4)
    code = [cell for cell in result.cells if cell.cell_type == "code"]
    assert len(code) == n_code + 1
    not_run = [i for i, cell in enumerate(code) if cell.execution_count is None]
    assert not not_run, f"células de código que não rodaram: {not_run}"
    errors = [o for cell in code for o in cell.outputs if o.output_type == "error"]
    assert not errors, f"erros na execução: {[e.ename for e in errors]}"

    printed = "".join(o.get("text", "") for o in code[-1].outputs if o.output_type == "stream")
    info = json.loads(printed.strip().splitlines()[-1])
    site = venv.resolve()
    imported = Path(info["rnncourse"]).resolve()
    assert imported.is_relative_to(site) and "site-packages" in imported.parts, (
        f"o rnncourse veio de {imported}, não do site-packages de {site}"
    )
    assert not imported.is_relative_to(ROOT), f"o rnncourse veio do repositório: {imported}"
    assert Path(info["executable"]).parent.resolve() == (venv / "bin").resolve(), (
        f"o kernel rodou com {info['executable']}, não com o Python do ambiente novo"
    )
