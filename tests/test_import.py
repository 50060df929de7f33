"""``import rnncourse`` é leve (sem torch nem matplotlib) e os nomes preguiçosos funcionam."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import rnncourse


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_does_not_load_torch_or_matplotlib():
    result = _run(
        """
        import sys
        import rnncourse
        heavy = sorted(m for m in ("torch", "matplotlib", "tqdm") if m in sys.modules)
        print(",".join(heavy))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_numpy_functions_work_without_torch():
    result = _run(
        """
        import sys
        import numpy as np
        import rnncourse
        X = np.zeros((1, 2, 3)); h0 = np.zeros((1, 4))
        p = {"weight_ih": np.ones((4, 3)), "weight_hh": np.eye(4)}
        H, _ = rnncourse.rnn_forward(X, h0, p)
        assert H.shape == (1, 2, 4)
        assert "torch" not in sys.modules
        """
    )
    assert result.returncode == 0, result.stderr


def test_lazy_name_loads_its_module_on_first_use():
    result = _run(
        """
        import sys
        import rnncourse
        fit = rnncourse.fit
        import rnncourse.training
        assert fit is rnncourse.training.fit
        assert "torch" in sys.modules
        assert "matplotlib" not in sys.modules  # o treino não puxa os gráficos
        """
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", sorted(rnncourse._LAZY), ids=sorted(rnncourse._LAZY))
def test_every_lazy_name_resolves(name):
    import importlib

    value = getattr(rnncourse, name)
    module = importlib.import_module(rnncourse._LAZY[name])
    assert value is getattr(module, name)
    assert name in module.__all__
    assert name in rnncourse.__all__
    assert name in dir(rnncourse)


def test_unknown_attribute_message():
    with pytest.raises(AttributeError, match="não tem o atributo"):
        rnncourse.nao_existe  # noqa: B018
