"""Estilo, curvas de treino e diagrama da RNN desenrolada (backend Agg, sem janela)."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from rnncourse.plotting import (  # noqa: E402
    OKABE_ITO,
    draw_unrolled_rnn,
    plot_history,
    pt_br_tick,
    use_style,
)
from rnncourse.training import History  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    with matplotlib.rc_context():  # o estilo aplicado num teste não vaza para os outros
        yield
    plt.close("all")


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_use_style_sets_the_okabe_ito_cycle():
    use_style()
    colors = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    assert [c.lower() for c in colors] == [c.lower() for c in OKABE_ITO.values()]
    assert matplotlib.rcParams["font.size"] >= 10
    assert matplotlib.rcParams["image.cmap"] == "viridis"


def test_plot_history_lines_labels_and_values():
    history = History(train_loss=[2.0, 1.5, 1.2], val_loss=[2.1, 1.4, 1.6])
    ax = plot_history(history, scale=1 / math.log(2), title="Curvas")
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["treino", "validação", "melhor época"]
    assert ax.get_xlabel() == "época"
    assert ax.get_ylabel() == "perda (entropia cruzada)"
    assert ax.get_title() == "Curvas"
    train, val, best = ax.get_lines()
    assert list(train.get_xdata()) == [1, 2, 3]
    assert list(val.get_ydata()) == pytest.approx([v / math.log(2) for v in history.val_loss])
    assert list(best.get_xdata()) == [2, 2]  # a melhor época de validação
    assert [t.get_text() for t in ax.get_legend().get_texts()] == labels


def test_plot_history_without_validation_and_from_a_dict():
    _, ax = plt.subplots()
    out = plot_history({"train_loss": [1.0, 0.5]}, ax=ax, ylabel="bits por caractere")
    assert out is ax
    assert [line.get_label() for line in ax.get_lines()] == ["treino"]
    assert ax.get_ylabel() == "bits por caractere"


def test_plot_history_empty_raises():
    with pytest.raises(ValueError, match="nenhuma época"):
        plot_history(History())


@pytest.mark.parametrize("T", [1, 4, 6], ids=["T1", "T4", "T6"])
def test_unrolled_rnn_diagram_counts(T):
    ax = draw_unrolled_rnn(T)
    texts = _texts(ax)
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    # dobrada: x_t, h_t, ŷ_t; desenrolada: h_0 e (x, h, ŷ) por passo
    assert len(boxes) == 3 + 1 + 3 * T
    # dobrada: entrada, saída, laço e "desenrolar"; desenrolada: 3 setas por passo
    assert len(arrows) == 4 + 3 * T
    assert texts.count(r"$W_{ih}$") == T + 1
    assert texts.count(r"$W_{hh}$") == T + 1
    assert texts.count(r"$W_{hy}$") == T + 1
    for t in range(1, T + 1):
        for label in (rf"$x_{{{t}}}$", rf"$h_{{{t}}}$", rf"$\hat{{y}}_{{{t}}}$"):
            assert label in texts
    assert {r"$x_t$", r"$h_t$", r"$\hat{y}_t$", r"$h_0$", "desdobrar"} <= set(texts)
    assert not ax.axison
    ax.figure.canvas.draw()  # o mathtext de todos os rótulos é válido


def test_unrolled_rnn_without_folded_part_on_given_axes():
    _, ax = plt.subplots()
    out = draw_unrolled_rnn(3, ax=ax, folded=False)
    assert out is ax
    texts = _texts(ax)
    assert "desenrolar" not in texts and r"$x_t$" not in texts
    assert texts.count(r"$W_{hh}$") == 3


@pytest.mark.parametrize("T", [0, 2.5], ids=["zero", "fracionario"])
def test_unrolled_rnn_invalid_T(T):
    with pytest.raises(ValueError, match="T deve ser"):
        draw_unrolled_rnn(T)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.25", "0,25"),
        ("−1.5", "−1,5"),
        ("2000", "2000"),
        ("12000", "12\u202f000"),
        ("−16384.5", "−16\u202f384,5"),
        ("1e−5", "1e−5"),
        ("$\\mathdefault{0.5}$", "$\\mathdefault{0{,}5}$"),
        ("$\\mathdefault{12000}$", "$\\mathdefault{12000}$"),
    ],
    ids=[
        "decimal",
        "negativo",
        "4-digitos",
        "5-digitos",
        "milhares-e-decimal",
        "expoente",
        "mathtext",
        "mathtext-milhares",
    ],
)
def test_tick_text_follows_the_course_number_convention(text, expected):
    assert pt_br_tick(text) == expected


def test_use_style_puts_decimal_commas_on_linear_axes():
    use_style()
    use_style()  # duas vezes não embrulha o formatador duas vezes
    fig, ax = plt.subplots()
    ax.plot([0.0, 0.5, 1.0], [0.0, 0.25, 12000.0])
    fig.canvas.draw()
    x_labels = [t.get_text() for t in ax.get_xticklabels()]
    y_labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "0,5" in x_labels or "0,4" in x_labels, x_labels
    assert not any("." in label for label in x_labels + y_labels), x_labels + y_labels
    assert "12\u202f000" in y_labels or "10\u202f000" in y_labels, y_labels
