"""Números calculados no notebook e citados no texto: formato pt-BR e ``glue`` do myst-nb.

Todo número que o texto de um capítulo cita sai da computação, nunca de "o valor impresso
acima". A célula que mede chama ``glue``; o texto cita o nome::

    acc = 0.953
    glue("ch6_acc_bi", acc, digits=2)        # guarda "0,95" com o nome ch6_acc_bi

e, no markdown do capítulo, ``{glue:text}`ch6_acc_bi``` vira "0,95" no site. O nome começa
pelo capítulo (``ch6_``), para não colidir entre notebooks.

A convenção de números do curso (a mesma no texto e nos rótulos das figuras):

- vírgula decimal: ``0,95``;
- milhares separados por um espaço fino inseparável (U+202F) a partir de cinco algarismos,
  como recomenda o SI: ``16 000``; com quatro algarismos, sem separador: ``1000``;
- porcentagens com ``percent=True``: ``0.953`` vira ``95,3 %`` (com ``digits=1``);
- notação científica com ``scientific=True``: ``5.41e-10`` vira ``5,4 × 10⁻¹⁰`` (com ``digits=1``).

Fora do site (no Colab, por exemplo) o myst-nb não está instalado e ``glue`` só devolve o
texto formatado, que a célula pode imprimir; o texto do notebook mostra o nome do número no
lugar dele. Fora do escopo: formatar tabelas (use pandas ou markdown).
"""

from __future__ import annotations

import math
import numbers

__all__ = ["format_number", "glue"]

#: espaço fino inseparável: o separador de milhares do curso
THIN_SPACE = "\u202f"


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def format_number(
    value: float, digits: int = 2, percent: bool = False, scientific: bool = False
) -> str:
    """Formata ``value`` na convenção do curso (vírgula decimal, milhares com espaço fino).

    ``digits`` é o número de casas decimais; inteiros (``int``) saem sem casas. Com
    ``percent=True`` o valor é multiplicado por 100 e ganha `` %``; com ``scientific=True``
    sai como mantissa e potência de 10 (``5,4 × 10⁻¹⁰``).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"format_number espera um número, não {type(value).__name__}")
    if not isinstance(digits, numbers.Integral) or digits < 0:
        raise ValueError(f"digits deve ser um inteiro não negativo, não {digits!r}")
    number = float(value) * (100 if percent else 1)
    if not math.isfinite(number):
        raise ValueError(f"não dá para citar no texto um número não finito ({value!r})")
    if scientific:
        mantissa, _, exponent = f"{number:.{digits}e}".partition("e")
        power = f"10{str(int(exponent)).translate(_SUPERSCRIPT)}"
        return f"{mantissa.replace('.', ',')} × {power}"
    if isinstance(value, numbers.Integral) and not percent:
        text = f"{int(value):d}"
    else:
        text = f"{number:.{digits}f}"
    sign = "-" if text.startswith("-") else ""
    integer, _, decimals = text.lstrip("-").partition(".")
    if len(integer) >= 5:
        groups = []
        while integer:
            groups.insert(0, integer[-3:])
            integer = integer[:-3]
        integer = THIN_SPACE.join(groups)
    text = sign + integer + ("," + decimals if decimals else "")
    return text + (f"{THIN_SPACE}%" if percent else "")


class _Text:
    """Um texto cuja representação é ele mesmo (sem as aspas de ``repr(str)``)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def glue(name: str, value, digits: int = 2, percent: bool = False, scientific: bool = False) -> str:
    """Guarda ``value``, já formatado, com o nome ``name`` para o texto citar; devolve o texto.

    Números passam por ``format_number(value, digits, percent, scientific)``; textos vão
    como estão.
    No site, ``{glue:text}`name``` mostra o texto. Sem o myst-nb (Colab), nada é guardado.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"o nome de um glue deve ser um identificador Python, não {name!r}")
    if isinstance(value, str):
        text = value
    else:
        text = format_number(value, digits, percent, scientific)
    try:
        from IPython import get_ipython  # noqa: PLC0415
        from myst_nb import glue as myst_glue  # noqa: PLC0415 - só existe no ambiente do site
    except ImportError:
        return text
    if get_ipython() is None:  # fora de um kernel (um script, os testes): nada a guardar
        return text
    myst_glue(name, _Text(text), display=False)
    return text
