"""``tools/check_robustness.py``: a perturbação chega ao kernel e a falha é relatada com a linha.

Um notebook mínimo lê a semente de ``RNNCOURSE_SEED`` (como a célula de configuração) e as
threads de ``OMP_NUM_THREADS``; um ``assert`` falha só com a semente 2. O script deve relatar
exatamente essa combinação, com a célula e a linha do ``assert``, e guardar as variáveis
numéricas quando pedido.
"""

from __future__ import annotations

import os
import pickle

import nbformat
import pytest
from book_layout import load_tool

robustness = load_tool("check_robustness")


@pytest.fixture
def notebook(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import os\n"
            'SEED = int(os.environ.get("RNNCOURSE_SEED", "0"))\n'
            'THREADS = int(os.environ["OMP_NUM_THREADS"])\n'
            "medida = {(1, 'a'): 10.0 * SEED}"
        ),
        nbformat.v4.new_code_cell("assert SEED != 2, 'só a semente 2 quebra'"),
        nbformat.v4.new_code_cell("depois = SEED + 1  # roda mesmo depois de uma falha"),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = tmp_path / "mini.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize(("seed", "threads"), [(1, 1), (2, 2)], ids=["passa", "falha"])
def test_run_one_reports_the_failing_assert(notebook, tmp_path, seed, threads) -> None:
    dump = tmp_path / "dump"
    keys = ("RNNCOURSE_SEED", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "MPLBACKEND", "RNNCOURSE_DUMP")
    before = {key: os.environ.get(key) for key in keys}
    result = robustness.run_one(str(notebook), seed, threads, str(dump), timeout=120)
    # a perturbação não vaza: os notebooks executados depois, no mesmo pytest, rodariam com
    # a semente e as threads deste teste (duas threads por kernel travam a máquina de 2 núcleos)
    assert {key: os.environ.get(key) for key in keys} == before
    if seed == 2:
        assert [f["cell"] for f in result["failures"]] == [1]
        assert "só a semente 2 quebra" in result["failures"][0]["error"]
        assert "assert SEED != 2" in result["failures"][0]["line"]
    else:
        assert result["failures"] == []
    values = pickle.loads((dump / f"mini__s{seed}_t{threads}.pkl").read_bytes())
    assert values["SEED"] == seed and values["THREADS"] == threads
    assert values["medida"] == {(1, "a"): 10.0 * seed}
    assert values["depois"] == seed + 1
