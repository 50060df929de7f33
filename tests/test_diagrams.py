"""Diagramas das células LSTM e GRU (rnncourse.diagrams), no backend Agg, sem janela."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Circle, FancyBboxPatch  # noqa: E402

from rnncourse.diagrams import draw_gru_cell, draw_lstm_cell  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def _ops(ax) -> list[str]:
    """Símbolos dentro dos círculos (operações elemento a elemento), da esquerda para a direita."""
    circles = sorted((p for p in ax.patches if isinstance(p, Circle)), key=lambda c: c.center)
    symbols = []
    for circle in circles:
        inside = [t.get_text() for t in ax.texts if t.get_position() == circle.center]
        assert len(inside) == 1, f"círculo em {circle.center} sem um símbolo único: {inside}"
        symbols.append(inside[0])
    return symbols


def _gate_texts(ax) -> list[str]:
    """Textos centrados nas caixas de camadas (sem a moldura da célula)."""
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch) and p.get_width() < 3]
    out = []
    for box in boxes:
        cx = box.get_x() + box.get_width() / 2
        cy = box.get_y() + box.get_height() / 2
        out += [t.get_text() for t in ax.texts if t.get_position() == pytest.approx((cx, cy))]
    return out


def test_lstm_cell_has_the_four_gates_and_the_additive_path():
    ax = draw_lstm_cell()
    texts = _texts(ax)
    for name in (r"$i_t$", r"$f_t$", r"$g_t$", r"$o_t$"):
        assert name in texts
    for state in (r"$c_{t-1}$", r"$c_t$", r"$h_{t-1}$", r"$h_t$", r"$x_t$"):
        assert state in texts
    # três sigmoides (i, f, o), a tanh do candidato g e a tanh de c_t
    assert sorted(_gate_texts(ax)) == sorted([r"$\sigma$"] * 3 + ["tanh"] * 2)
    # caminho da célula: × f e + i⊙g; depois i ⊙ g e o ⊙ tanh(c)
    assert sorted(_ops(ax)) == sorted(["×", "+", "×", "×"])
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [
        "camada sigmoide (porta)",
        "camada tanh",
        "operação elemento a elemento",
    ]
    assert any("porta de esquecimento" in t for t in texts)
    assert not ax.axison
    ax.figure.canvas.draw()  # o mathtext de todos os rótulos é válido


def test_gru_cell_is_the_pytorch_variant():
    ax = draw_gru_cell()
    texts = _texts(ax)
    for name in (r"$r_t$", r"$z_t$", r"$n_t$", r"$h_{t-1}$", r"$h_t$", r"$x_t$"):
        assert name in texts
    # r multiplica h W_hn^T + b_hn (depois do produto pela matriz), não h_{t-1};
    # vetores-linha, como no apêndice A1 e no código
    assert r"$h_{t-1} W_{hn}^\top + b_{hn}$" in _gate_texts(ax)
    assert sorted(_gate_texts(ax)) == sorted(
        [r"$\sigma$", r"$\sigma$", "tanh", r"$h_{t-1} W_{hn}^\top + b_{hn}$"]
    )
    # z ⊙ h_{t-1}, r ⊙ (...), 1 − z, (1 − z) ⊙ n e a soma
    assert sorted(_ops(ax)) == sorted(["×", "×", "×", "1−", "+"])
    assert "camada linear" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("porta de atualização" in t for t in texts)
    ax.figure.canvas.draw()


@pytest.mark.parametrize("draw", [draw_lstm_cell, draw_gru_cell], ids=["lstm", "gru"])
def test_draws_on_the_given_axes(draw):
    _, ax = plt.subplots()
    assert draw(ax) is ax
    assert len(ax.patches) > 10
