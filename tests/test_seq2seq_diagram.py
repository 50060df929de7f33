"""Diagrama do codificador–decodificador (rnncourse.seq2seq_diagram), no backend Agg."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402

from rnncourse.seq2seq_diagram import draw_encoder_decoder  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_without_attention_only_the_final_state_links_the_two_halves():
    ax = draw_encoder_decoder("dez", "10")
    texts = _texts(ax)
    assert [f"$h_{{{i}}}$" for i in (1, 2, 3)] == [t for t in texts if t.startswith("$h_")]
    assert [f"$s_{{{i}}}$" for i in (1, 2, 3)] == [t for t in texts if t.startswith("$s_")]
    for label in ("d", "e", "z", "<s>", "</s>", "codificador", "decodificador", "estado\nfinal"):
        assert label in texts
    assert not any(isinstance(p, Circle) for p in ax.patches)  # nenhum contexto de atenção
    assert "atenção" not in texts


def test_attention_draws_one_line_per_source_symbol_with_width_from_the_weights():
    weights = [0.1, 0.7, 0.2]
    ax = draw_encoder_decoder("dez", "10", attention=True, weights=weights, attend_step=2)
    texts = _texts(ax)
    assert "$c_{2}$" in texts and "atenção" in texts
    assert sum(isinstance(p, Circle) for p in ax.patches) == 1
    widths = [line.get_linewidth() for line in ax.lines]
    assert len(widths) == 3 and widths.index(max(widths)) == 1  # a mais grossa tem peso 0,7


def test_spaces_are_shown_as_a_visible_symbol():
    assert "␣" in _texts(draw_encoder_decoder("mil e um", "1001"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"source": ""}, "ao menos um"),
        ({"attention": True, "weights": [0.5, 0.5]}, "weights"),
        ({"attention": True, "weights": [0.5, 0.6, -0.1]}, "weights"),
        ({"attention": True, "attend_step": 4}, "attend_step"),
    ],
    ids=["entrada vazia", "pesos a menos", "peso negativo", "passo inexistente"],
)
def test_bad_arguments_are_explained(kwargs, message):
    with pytest.raises(ValueError, match=message):
        draw_encoder_decoder(**({"source": "dez", "target": "10"} | kwargs))
