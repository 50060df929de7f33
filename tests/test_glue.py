"""``rnncourse.glue``: a convenção de números do curso e o ``glue`` fora de um kernel."""

from __future__ import annotations

import numpy as np
import pytest

from rnncourse import format_number, glue
from rnncourse.glue import THIN_SPACE


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        (0.953, {}, "0,95"),
        (0.953, {"digits": 1, "percent": True}, f"95,3{THIN_SPACE}%"),
        (1234, {}, "1234"),  # quatro algarismos: sem separador
        (16000, {}, f"16{THIN_SPACE}000"),
        (1234567.891, {"digits": 1}, f"1{THIN_SPACE}234{THIN_SPACE}567,9"),
        (-12345.5, {"digits": 0}, f"-12{THIN_SPACE}346"),
        (np.float32(2.5), {"digits": 3}, "2,500"),
        (np.int64(40), {}, "40"),
        (3, {"digits": 2, "percent": True}, f"300,00{THIN_SPACE}%"),
        (5.41e-10, {"digits": 1, "scientific": True}, "5,4 × 10⁻¹⁰"),
        (123456.0, {"digits": 2, "scientific": True}, "1,23 × 10⁵"),
    ],
    ids=[
        "decimal",
        "percent",
        "4-digits",
        "thousands",
        "millions",
        "negative",
        "np-float",
        "np-int",
        "int-percent",
        "sci-small",
        "sci-large",
    ],
)
def test_format_number(value, kwargs, expected) -> None:
    assert format_number(value, **kwargs) == expected


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "3", None, True])
def test_format_number_rejects(bad) -> None:
    with pytest.raises((TypeError, ValueError)):
        format_number(bad)


def test_glue_outside_a_kernel_returns_the_text() -> None:
    assert glue("ch0_teste", 0.5, digits=1) == "0,5"
    assert glue("ch0_texto", "LSTM") == "LSTM"
    with pytest.raises(ValueError, match="identificador"):
        glue("ch0 com espaço", 1.0)
