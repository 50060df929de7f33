"""Diagramas das células com portas: LSTM e GRU, desenhados com o matplotlib.

- ``draw_lstm_cell()``: uma célula LSTM com as quatro portas na ordem do PyTorch,
  (i, f, g, o), o caminho aditivo do estado da célula ``c`` no alto e o estado
  oculto ``h`` embaixo.
- ``draw_gru_cell()``: uma célula GRU na variante do PyTorch (a porta de
  reinício ``r`` multiplica ``h_{t-1} W_hn^T + b_hn``, depois do produto pela
  matriz; ``h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}``).

As duas funções seguem as equações de ``rnncourse.lstm_numpy`` e
``rnncourse.gru_numpy``: cada seta do desenho corresponde a um termo de uma
equação. Os rótulos estão em português; as cores vêm da paleta de
``rnncourse.plotting`` (portas sigmoides numa cor, ``tanh`` noutra, operações
elemento a elemento em branco). O estado que atravessa a célula pelo caminho
aditivo (``c`` na LSTM, ``h`` na GRU) é desenhado com uma linha mais grossa.

Fora do escopo: variantes com conexões *peephole*, a projeção ``proj_size`` da
LSTM e a GRU do artigo original (Cho et al., 2014), que o texto do capítulo 5
compara com a do PyTorch.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Patch

from rnncourse.plotting import OKABE_ITO

__all__ = ["draw_gru_cell", "draw_lstm_cell"]

_GATE_W, _GATE_H = 0.95, 0.62  # caixa de uma camada (σ ou tanh), em unidades de dados
_OP_R = 0.27  # raio do círculo de uma operação elemento a elemento
_COLORS = {
    "sigmoid": OKABE_ITO["azul-celeste"],
    "tanh": OKABE_ITO["laranja"],
    "linear": OKABE_ITO["amarelo"],
    "cell": "#F2F2F2",
}
_THICK, _THIN = 3.0, 1.4  # espessura do caminho aditivo e das demais linhas


def _line(
    ax: Axes,
    points,
    *,
    arrow: bool = True,
    lw: float = _THIN,
    halo: bool = False,
    zorder: int | None = None,
) -> None:
    """Polilinha pelos ``points``; com ``arrow``, uma ponta de seta no último ponto.

    Com ``halo``, a linha ganha uma borda da cor do fundo da célula e fica por
    cima das outras: onde uma linha fina a cruza, o desenho mostra uma
    passagem por baixo, não uma junção.
    """
    if zorder is None:
        zorder = 2 if halo else 1
    effects = [
        patheffects.Stroke(linewidth=lw + 6, foreground=_COLORS["cell"]),
        patheffects.Normal(),
    ]
    extra = {"path_effects": effects} if halo else {}
    xs, ys = zip(*points, strict=True)
    if len(points) > 2:
        ax.plot(xs[:-1], ys[:-1], color="black", lw=lw, solid_capstyle="butt", zorder=zorder)
    style = "-|>" if arrow else "-"
    ax.add_patch(
        FancyArrowPatch(
            points[-2],
            points[-1],
            arrowstyle=style,
            mutation_scale=13,
            lw=lw,
            color="black",
            shrinkA=0,
            shrinkB=0,
            zorder=zorder,
            **extra,
        )
    )


def _gate(ax: Axes, x: float, y: float, kind: str, label: str) -> None:
    """Caixa de uma camada com pesos: ``kind`` é ``"sigmoid"``, ``"tanh"`` ou ``"linear"``."""
    w = _GATE_W * (2.3 if kind == "linear" else 1.0)
    ax.add_patch(
        FancyBboxPatch(
            (x - w / 2, y - _GATE_H / 2),
            w,
            _GATE_H,
            boxstyle="round,pad=0.02,rounding_size=0.1",
            facecolor=_COLORS[kind],
            edgecolor="black",
            lw=1.2,
            zorder=3,
        )
    )
    size = 10 if kind == "linear" else 12
    ax.text(x, y, label, ha="center", va="center", fontsize=size, zorder=4)


def _op(ax: Axes, x: float, y: float, symbol: str) -> None:
    """Operação elemento a elemento: ``"×"`` (produto de Hadamard ⊙), ``"+"`` ou ``"1−"``."""
    ax.add_patch(Circle((x, y), _OP_R, facecolor="white", edgecolor="black", lw=1.2, zorder=3))
    ax.text(
        x, y, symbol, ha="center", va="center", fontsize=12 if len(symbol) == 1 else 9, zorder=4
    )


def _label(ax: Axes, x: float, y: float, text: str, **kw) -> None:
    kw.setdefault("ha", "center")
    kw.setdefault("va", "center")
    kw.setdefault("fontsize", 12)
    ax.text(x, y, text, zorder=5, **kw)


def _cell_box(ax: Axes, x0: float, y0: float, x1: float, y1: float) -> None:
    ax.add_patch(
        FancyBboxPatch(
            (x0, y0),
            x1 - x0,
            y1 - y0,
            boxstyle="round,pad=0.05,rounding_size=0.4",
            facecolor=_COLORS["cell"],
            edgecolor="gray",
            lw=1.2,
            zorder=0,
        )
    )


def _new_axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=(9.0, 5.6))
    return ax


def _finish(ax: Axes, xlim: tuple[float, float], ylim: tuple[float, float]) -> Axes:
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def draw_lstm_cell(ax: Axes | None = None) -> Axes:
    """Desenha uma célula LSTM (portas na ordem do PyTorch, (i, f, g, o)); devolve o ``Axes``.

    No alto, o estado da célula atravessa a célula da esquerda para a direita
    e só sofre duas operações elemento a elemento: o produto pela porta de
    esquecimento, ``f_t ⊙ c_{t-1}``, e a soma com ``i_t ⊙ g_t``. Embaixo,
    ``h_{t-1}`` e ``x_t`` alimentam as quatro camadas (três sigmoides e uma
    ``tanh``); à direita, ``h_t = o_t ⊙ tanh(c_t)`` sai para o próximo passo
    e para cima, como a saída do passo.
    """
    ax = _new_axes(ax)
    y_c, y_h, y_gate, y_mix = 5.4, 1.3, 2.9, 4.3  # alturas: célula, oculto, portas, i⊙g
    x_in, x_f, x_i, x_g, x_o, x_out = 2.3, 3.4, 4.7, 6.0, 7.3, 8.9
    _cell_box(ax, 1.3, 0.55, 10.3, 6.2)

    # caminho aditivo do estado da célula: c_{t-1} -> (× f) -> (+ i⊙g) -> c_t
    _line(ax, [(0.0, y_c), (x_f - _OP_R, y_c)], lw=_THICK)
    _op(ax, x_f, y_c, "×")
    _line(ax, [(x_f + _OP_R, y_c), (x_g - _OP_R, y_c)], lw=_THICK)
    _op(ax, x_g, y_c, "+")
    # a saída h_t cruza o estado da célula por baixo: um trecho com borda, sem ponta
    _line(ax, [(x_g + _OP_R, y_c), (10.2, y_c)], arrow=False, lw=_THICK, halo=True)
    _line(ax, [(10.2, y_c), (11.6, y_c)], lw=_THICK, zorder=2)
    _label(ax, -0.1, y_c + 0.42, r"$c_{t-1}$", ha="left")
    _label(ax, 11.6, y_c + 0.42, r"$c_t$", ha="right")
    _label(ax, 7.55, y_c + 0.4, "estado da célula", fontsize=10, style="italic")

    # entradas: h_{t-1} pela esquerda, x_t por baixo, juntas num barramento
    _line(ax, [(0.0, y_h), (x_in, y_h)], arrow=False)
    _line(ax, [(x_in, -0.35), (x_in, y_h)], arrow=False)
    _line(ax, [(x_in, y_h), (x_o, y_h)], arrow=False)
    _label(ax, -0.1, y_h + 0.35, r"$h_{t-1}$", ha="left")
    _label(ax, x_in + 0.15, -0.2, r"$x_t$", ha="left")

    # as quatro camadas, na ordem do PyTorch (i, f, g, o) nos pesos; no desenho, f primeiro
    gates = [
        (x_f, "sigmoid", r"$\sigma$", r"$f_t$"),
        (x_i, "sigmoid", r"$\sigma$", r"$i_t$"),
        (x_g, "tanh", "tanh", r"$g_t$"),
        (x_o, "sigmoid", r"$\sigma$", r"$o_t$"),
    ]
    for x, kind, text, name in gates:
        _line(ax, [(x, y_h), (x, y_gate - _GATE_H / 2)])
        _gate(ax, x, y_gate, kind, text)
        _label(ax, x - 0.25, y_gate + _GATE_H / 2 + 0.25, name, fontsize=11, ha="right")

    # f_t sobe até o produto com c_{t-1}
    _line(ax, [(x_f, y_gate + _GATE_H / 2), (x_f, y_c - _OP_R)])
    # i_t ⊙ g_t, somado ao estado da célula
    _op(ax, x_g, y_mix, "×")
    _line(ax, [(x_i, y_gate + _GATE_H / 2), (x_i, y_mix), (x_g - _OP_R, y_mix)])
    _line(ax, [(x_g, y_gate + _GATE_H / 2), (x_g, y_mix - _OP_R)])
    _line(ax, [(x_g, y_mix + _OP_R), (x_g, y_c - _OP_R)])

    # saída: h_t = o_t ⊙ tanh(c_t)
    y_tanh_c = 4.3
    _line(ax, [(x_out, y_c), (x_out, y_tanh_c + _GATE_H / 2)])
    _gate(ax, x_out, y_tanh_c, "tanh", "tanh")
    _op(ax, x_out, y_gate, "×")
    _line(ax, [(x_out, y_tanh_c - _GATE_H / 2), (x_out, y_gate + _OP_R)])
    _line(ax, [(x_o + _GATE_W / 2, y_gate), (x_out - _OP_R, y_gate)])
    _line(ax, [(x_out, y_gate - _OP_R), (x_out, y_h), (11.6, y_h)])
    _line(ax, [(9.7, y_h), (9.7, 7.0)])  # a mesma h_t é a saída do passo
    _label(ax, 11.6, y_h + 0.35, r"$h_t$", ha="right")
    _label(ax, 9.85, 6.85, r"$h_t$ (saída)", ha="left", fontsize=11)
    _label(ax, 8.15, y_h - 0.38, "estado oculto", fontsize=10, style="italic")

    _legend(
        ax,
        ["sigmoid", "tanh", "op"],
        r"$i_t$: porta de entrada    $f_t$: porta de esquecimento    $g_t$: candidato    "
        r"$o_t$: porta de saída",
    )
    return _finish(ax, (-0.3, 12.0), (-1.3, 7.3))


def draw_gru_cell(ax: Axes | None = None) -> Axes:
    """Desenha uma célula GRU na variante do PyTorch (partes (r, z, n)); devolve o ``Axes``.

    No alto, o estado oculto atravessa a célula: ``h_t = z_t ⊙ h_{t-1} +
    (1 - z_t) ⊙ n_t``, em que ``z_t`` perto de 1 conserva ``h_{t-1}``. A porta
    de reinício ``r_t`` multiplica a parte recorrente do candidato,
    ``h_{t-1} W_hn^T + b_hn``, depois do produto pela matriz (é a diferença para
    o artigo de Cho et al., 2014, que aplica ``r_t`` a ``h_{t-1}`` antes).
    """
    ax = _new_axes(ax)
    y_top, y_bus, y_gate, y_mix, y_r = 5.5, 1.3, 2.6, 4.55, 3.65
    x_down, x_in, x_z, x_r, x_lin, x_n = 1.7, 2.4, 3.3, 4.7, 6.55, 8.4
    _cell_box(ax, 1.3, 0.55, 10.3, 6.2)

    # caminho do estado oculto: h_{t-1} -> (× z) -> (+ (1-z)⊙n) -> h_t
    _line(ax, [(0.0, y_top), (x_z - _OP_R, y_top)], lw=_THICK)
    _op(ax, x_z, y_top, "×")
    _line(ax, [(x_z + _OP_R, y_top), (x_n - _OP_R, y_top)], lw=_THICK)
    _op(ax, x_n, y_top, "+")
    _line(ax, [(x_n + _OP_R, y_top), (11.6, y_top)], lw=_THICK)
    _line(ax, [(9.7, y_top), (9.7, 7.0)])  # a mesma h_t é a saída do passo
    _label(ax, -0.1, y_top + 0.42, r"$h_{t-1}$", ha="left")
    _label(ax, 11.6, y_top + 0.42, r"$h_t$", ha="right")
    _label(ax, 9.85, 6.85, r"$h_t$ (saída)", ha="left", fontsize=11)
    _label(ax, 6.0, y_top + 0.4, "estado oculto", fontsize=10, style="italic")

    # h_{t-1} desce até o barramento, onde encontra x_t; o barramento alimenta só
    # as portas z e r. A caixa h_{t-1} W_hn^T + b_hn recebe só h_{t-1}, por uma
    # linha própria, mais baixa, que x_t cruza por baixo (sem junção)
    y_h = 0.9
    _line(ax, [(x_down, y_top), (x_down, y_h)], arrow=False)
    _line(ax, [(x_down, y_bus), (x_r, y_bus)], arrow=False)
    _line(ax, [(x_in, -0.35), (x_in, y_bus)], arrow=False)
    _line(ax, [(x_down, y_h), (x_lin, y_h)], arrow=False, halo=True)
    _label(ax, x_in + 0.15, -0.2, r"$x_t$", ha="left")

    # portas de atualização (z) e de reinício (r)
    for x, name in ((x_z, r"$z_t$"), (x_r, r"$r_t$")):
        _line(ax, [(x, y_bus), (x, y_gate - _GATE_H / 2)])
        _gate(ax, x, y_gate, "sigmoid", r"$\sigma$")
        _label(ax, x - 0.22, y_gate + _GATE_H / 2 + 0.25, name, fontsize=11, ha="right")
    _line(ax, [(x_z, y_gate + _GATE_H / 2), (x_z, y_top - _OP_R)])  # z_t ⊙ h_{t-1}

    # candidato: n_t = tanh(x_t W_in^T + b_in + r_t ⊙ (h_{t-1} W_hn^T + b_hn))
    _line(ax, [(x_lin, y_h), (x_lin, y_gate - _GATE_H / 2)])
    _gate(ax, x_lin, y_gate, "linear", r"$h_{t-1} W_{hn}^\top + b_{hn}$")
    _op(ax, x_lin, y_r, "×")
    _line(ax, [(x_lin, y_gate + _GATE_H / 2), (x_lin, y_r - _OP_R)])
    _line(ax, [(x_r, y_gate + _GATE_H / 2), (x_r, y_r), (x_lin - _OP_R, y_r)])
    _gate(ax, x_n, y_r, "tanh", "tanh")
    _line(ax, [(x_lin + _OP_R, y_r), (x_n - _GATE_W / 2, y_r)])
    _line(ax, [(x_n, -0.35), (x_n, y_r - _GATE_H / 2)])  # a parte da entrada, x_t W_in^T + b_in
    _label(ax, x_n + 0.15, -0.2, r"$x_t W_{in}^\top + b_{in}$", ha="left", fontsize=11)
    _label(ax, x_n + 0.2, y_r + _GATE_H / 2 + 0.22, r"$n_t$", fontsize=11, ha="left")

    # (1 - z_t) ⊙ n_t, somado ao estado
    x_one = 5.6
    _op(ax, x_one, y_mix, "1−")
    _op(ax, x_n, y_mix, "×")
    _line(ax, [(x_z, y_mix), (x_one - _OP_R, y_mix)])
    _line(ax, [(x_one + _OP_R, y_mix), (x_n - _OP_R, y_mix)])
    _line(ax, [(x_n, y_r + _GATE_H / 2), (x_n, y_mix - _OP_R)])
    _line(ax, [(x_n, y_mix + _OP_R), (x_n, y_top - _OP_R)])

    _legend(
        ax,
        ["sigmoid", "tanh", "linear", "op"],
        r"$r_t$: porta de reinicialização    $z_t$: porta de atualização    $n_t$: candidato",
    )
    return _finish(ax, (-0.3, 12.0), (-1.3, 7.3))


def _legend(ax: Axes, kinds: list[str], names: str) -> None:
    """Embaixo da célula: os nomes das portas e a legenda das formas usadas."""
    text_of = {
        "sigmoid": "camada sigmoide (porta)",
        "tanh": "camada tanh",
        "linear": "camada linear",
        "op": "operação elemento a elemento",
    }
    handles = []
    for kind in kinds:
        if kind == "op":
            handle = Line2D(
                [],
                [],
                marker="o",
                markersize=12,
                markerfacecolor="white",
                markeredgecolor="black",
                linestyle="none",
            )
        else:
            handle = Patch(facecolor=_COLORS[kind], edgecolor="black")
        handle.set_label(text_of[kind])
        handles.append(handle)
    ax.text(5.8, -0.95, names, ha="center", va="center", fontsize=10.5, zorder=5)
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=len(handles),
        frameon=False,
        fontsize=9.5,
        handlelength=1.2,
        columnspacing=1.2,
    )
