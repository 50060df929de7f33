"""Comparar o que a resposta devolveu com o esperado e dizer, em pt-BR, onde difere.

Cada função ``check_*`` devolve ``None`` quando o valor obtido está certo e,
caso contrário, uma ``Failure``: o que se esperava, o que veio, um detalhe
(a primeira posição diferente, por exemplo) e, às vezes, uma dica própria do
tipo de erro (``None`` devolvido, tensor do PyTorch no lugar de numpy, ``NaN``).

A ordem das verificações é sempre a mesma: tipo, forma, ``dtype``, valores
finitos e, por último, valores. Assim a mensagem aponta o primeiro problema, o
mais fácil de corrigir. Os valores são convertidos para tipos básicos antes de
comparar (``np.asarray``, ``int``, ``str``): um objeto da resposta com um
``__eq__`` que sempre diz "igual" não passa por certo.

Fora do escopo: o texto das dicas específicas de cada questão (ficam nos
bancos de questões ``lista_XX.py``).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnncourse.grading.guard import is_torch_tensor, safe_repr

__all__ = [
    "Failure",
    "check_array",
    "check_float",
    "check_int_mapping",
    "check_sequence_of_floats",
    "check_str",
    "check_tuple",
    "describe",
    "format_number",
    "matches_any",
    "of",
]


@dataclass
class Failure:
    """Por que um caso falhou: textos prontos para o relatório.

    ``kind`` classifica o problema (``"none"``, ``"type"``, ``"shape"``,
    ``"dtype"``, ``"nonfinite"``, ``"values"``, ``"length"``, ``"keys"``) para
    que a questão escolha a dica; ``hint`` é uma dica específica que, quando
    presente, substitui a dica geral do caso.
    """

    summary: str
    expected: str = ""
    obtained: str = ""
    detail: str = ""
    hint: str | None = None
    kind: str = "values"


def of(name: str) -> str:
    """``"de"`` contraído com o artigo: ``of("as probabilidades")`` -> ``"das probabilidades"``."""
    for article, contraction in (("os ", "dos "), ("as ", "das "), ("o ", "do "), ("a ", "da ")):
        if name.startswith(article):
            return contraction + name[len(article) :]
    return f"de {name}"


def format_number(x: Any) -> str:
    """Número com 6 algarismos significativos (ou o ``repr`` seguro, se não for número)."""
    try:
        if isinstance(x, (bool, np.bool_)):
            return str(bool(x))
        if isinstance(x, (numbers.Integral, np.integer)):
            return str(int(x))
        value = float(x)
    except Exception:
        return safe_repr(x, 60)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.6g}"


def describe(obj: Any) -> str:
    """Descrição curta de um objeto: tipo, ``dtype`` e forma quando fizer sentido."""
    if obj is None:
        return "None"
    if isinstance(obj, np.ndarray):
        return f"numpy.ndarray {obj.dtype} de forma {tuple(obj.shape)}"
    if is_torch_tensor(obj):
        try:
            return (
                f"torch.Tensor {str(obj.dtype).removeprefix('torch.')} de forma {tuple(obj.shape)}"
            )
        except Exception:
            return "torch.Tensor"
    if isinstance(obj, (str, bool, numbers.Number, np.generic)):
        return f"{type(obj).__name__} {safe_repr(obj, 80)}"
    if isinstance(obj, (list, tuple, dict, set)):
        return f"{type(obj).__name__} com {len(obj)} elemento(s)"
    return f"objeto do tipo {type(obj).__module__}.{type(obj).__qualname__}"


def _none_failure(what: str) -> Failure:
    return Failure(
        f"a resposta devolveu None em vez de {what}",
        expected=what,
        obtained="None",
        hint="Confira se a função termina com `return ...` (sem o return o Python devolve None).",
        kind="none",
    )


def _small(arr: np.ndarray) -> str:
    return np.array2string(arr, precision=4, suppress_small=True, max_line_width=90)


def check_array(
    obtained: Any,
    expected: np.ndarray,
    *,
    name: str = "a saída",
    rtol: float = 1e-7,
    atol: float = 1e-9,
    dtype: str = "exact",
    dtype_hint: str | None = None,
) -> Failure | None:
    """Confere um ``numpy.ndarray``: tipo, forma, ``dtype``, finitude e valores.

    ``dtype`` é ``"exact"`` (o mesmo do esperado), ``"float"`` (qualquer
    ponto flutuante), ``"integer"`` (qualquer inteiro) ou ``"any"``.
    """
    expected = np.asarray(expected)
    want = f"numpy.ndarray {expected.dtype} de forma {tuple(expected.shape)}"
    if obtained is None:
        return _none_failure(f"{name} ({want})")
    if is_torch_tensor(obtained):
        return Failure(
            f"tipo errado {of(name)}: um tensor do PyTorch, mas esta questão pede numpy",
            expected=want,
            obtained=describe(obtained),
            hint="Escreva a resposta só com numpy (np.tanh, @, np.exp...). "
            "Se precisar converter um tensor, use t.detach().cpu().numpy().",
            kind="type",
        )
    if not isinstance(obtained, np.ndarray):
        return Failure(
            f"tipo errado {of(name)}: esperava um numpy.ndarray",
            expected=want,
            obtained=describe(obtained),
            hint="Devolva um array do numpy (np.array(...) converte listas).",
            kind="type",
        )
    got = np.asarray(obtained)  # subclasses viram ndarray comum
    if got.shape != expected.shape:
        detail = ""
        if sorted(got.shape) == sorted(expected.shape) and got.shape != expected.shape:
            detail = (
                "as dimensões são as mesmas, em outra ordem: algum eixo foi trocado (transposto)?"
            )
        return Failure(
            f"forma errada {of(name)}",
            expected=f"forma {tuple(expected.shape)}",
            obtained=f"forma {tuple(got.shape)}",
            detail=detail,
            kind="shape",
        )
    if dtype == "exact" and got.dtype != expected.dtype:
        return Failure(
            f"dtype errado {of(name)}",
            expected=f"dtype {expected.dtype}",
            obtained=f"dtype {got.dtype}",
            hint=dtype_hint
            or f"A saída deve ter dtype {expected.dtype}; confira conversões (astype).",
            kind="dtype",
        )
    if dtype == "float" and got.dtype.kind != "f":
        return Failure(
            f"dtype errado {of(name)}: esperava ponto flutuante",
            expected="dtype de ponto flutuante (float64)",
            obtained=f"dtype {got.dtype}",
            kind="dtype",
        )
    if dtype == "integer" and got.dtype.kind not in "iu":
        return Failure(
            f"dtype errado {of(name)}: esperava inteiros",
            expected="dtype inteiro (int64)",
            obtained=f"dtype {got.dtype}",
            hint="Índices são inteiros: crie o array com dtype=np.int64.",
            kind="dtype",
        )
    if got.dtype.kind in "fc":
        bad = ~np.isfinite(got)
        if bad.any():
            pos = tuple(int(i) for i in np.argwhere(bad)[0])
            return Failure(
                f"valores não finitos (NaN ou infinito) {of(name)}",
                expected="só valores finitos",
                obtained=f"{int(bad.sum())} valor(es) não finito(s); o primeiro na posição "
                f"{pos}: {format_number(got[pos])}",
                hint="NaN e inf costumam vir de exp() de números grandes ou de log(0): "
                "subtraia o máximo antes da exponencial ou use a função pronta do numpy.",
                kind="nonfinite",
            )
    if got.dtype.kind in "iub" and expected.dtype.kind in "iub":
        differ = got != expected
    else:
        differ = ~np.isclose(got, expected, rtol=rtol, atol=atol)
    if not differ.any():
        return None
    pos = tuple(int(i) for i in np.argwhere(differ)[0])
    n_bad, n = int(differ.sum()), differ.size
    detail = (
        f"{n_bad} de {n} posição(ões) diferem; a primeira é {pos}: "
        f"esperado {format_number(expected[pos])}, obtido {format_number(got[pos])}"
    )
    if got.dtype.kind in "fc" and expected.dtype.kind in "fc":
        detail += f"; maior diferença absoluta {format_number(np.max(np.abs(got - expected)))}"
    failure = Failure(f"valores errados {of(name)}", detail=detail, kind="values")
    if expected.size <= 12:
        failure.expected, failure.obtained = _small(expected), _small(got)
    return failure


def check_tuple(obtained: Any, length: int, form: str) -> Failure | None:
    """Confere que a resposta é uma tupla (ou lista) com ``length`` elementos, como ``form``."""
    if obtained is None:
        return _none_failure(f"uma tupla {form}")
    if not isinstance(obtained, (tuple, list)) or len(obtained) != length:
        hint = None
        if isinstance(obtained, np.ndarray) or is_torch_tensor(obtained):
            hint = f"A função deve devolver a tupla {form}, não só um array."
        return Failure(
            f"a resposta deveria ser uma tupla {form}",
            expected=f"tupla com {length} elementos {form}",
            obtained=describe(obtained),
            hint=hint,
            kind="type",
        )
    return None


def check_float(
    obtained: Any, expected: float, *, name: str = "o valor", rtol: float = 1e-7, atol: float = 0.0
) -> Failure | None:
    """Confere um número real (``float``, ``np.floating`` ou inteiro; não ``bool``)."""
    if obtained is None:
        return _none_failure(f"{name} (um número)")
    if is_torch_tensor(obtained) or isinstance(obtained, np.ndarray):
        return Failure(
            f"tipo errado {of(name)}: esperava um número (float), não um array/tensor",
            expected=f"float {format_number(expected)}",
            obtained=describe(obtained),
            hint="Converta com float(...) (ou .item() para um tensor do PyTorch).",
            kind="type",
        )
    if isinstance(obtained, (bool, np.bool_)) or not isinstance(
        obtained, (numbers.Real, np.floating, np.integer)
    ):
        return Failure(
            f"tipo errado {of(name)}: esperava um número (float)",
            expected=f"float {format_number(expected)}",
            obtained=describe(obtained),
            kind="type",
        )
    value = float(obtained)
    if not math.isfinite(value):
        return Failure(
            f"valor não finito {of(name)}",
            expected=format_number(expected),
            obtained=format_number(value),
            hint="Um log(0) ou uma divisão por zero costuma produzir inf/NaN.",
            kind="nonfinite",
        )
    if math.isclose(value, expected, rel_tol=rtol, abs_tol=atol):
        return None
    return Failure(
        f"valor errado {of(name)}",
        expected=format_number(expected),
        obtained=format_number(value),
        detail="diferença relativa "
        + format_number(abs(value - expected) / max(abs(expected), 1e-300)),
        kind="values",
    )


def check_sequence_of_floats(
    obtained: Any, length: int, *, name: str = "a lista"
) -> tuple[list[float] | None, Failure | None]:
    """Converte uma lista de números em ``list[float]`` conferindo tamanho e finitude."""
    if obtained is None:
        return None, _none_failure(f"{name} com {length} números")
    if not isinstance(obtained, (list, tuple)):
        return None, Failure(
            f"tipo errado {of(name)}: esperava uma lista de números",
            expected=f"list de {length} floats",
            obtained=describe(obtained),
            kind="type",
        )
    if len(obtained) != length:
        return None, Failure(
            f"tamanho errado {of(name)}",
            expected=f"{length} elementos",
            obtained=f"{len(obtained)} elementos",
            kind="length",
        )
    values = []
    for i, item in enumerate(obtained):
        if is_torch_tensor(item) or isinstance(item, np.ndarray):
            return None, Failure(
                f"o elemento {i} {of(name)} é um tensor/array, não um número",
                expected="float",
                obtained=describe(item),
                hint="Guarde loss.item() (um float do Python), não o tensor da perda.",
                kind="type",
            )
        if isinstance(item, (bool, np.bool_)) or not isinstance(
            item, (numbers.Real, np.floating, np.integer)
        ):
            return None, Failure(
                f"o elemento {i} {of(name)} não é um número",
                expected="float",
                obtained=describe(item),
                kind="type",
            )
        value = float(item)
        if not math.isfinite(value):
            return None, Failure(
                f"o elemento {i} {of(name)} não é finito",
                expected="número finito",
                obtained=format_number(value),
                hint="A perda virou NaN/inf: a taxa de aprendizado está alta demais?",
                kind="nonfinite",
            )
        values.append(value)
    return values, None


def check_str(obtained: Any, expected: str, *, name: str = "o texto") -> Failure | None:
    """Confere uma ``str`` (exatamente)."""
    if obtained is None:
        return _none_failure(f"{name} (uma str)")
    if not isinstance(obtained, str):
        return Failure(
            f"tipo errado {of(name)}: esperava uma str",
            expected=f"str {expected!r}",
            obtained=describe(obtained),
            hint="Junte os caracteres com ''.join(lista).",
            kind="type",
        )
    got = str.__str__(obtained)
    if got == expected:
        return None
    first = next(
        (i for i, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b),
        min(len(got), len(expected)),
    )
    return Failure(
        f"valor errado {of(name)}",
        expected=repr(expected),
        obtained=safe_repr(got, 120),
        detail=f"primeira diferença na posição {first}",
        kind="values",
    )


def check_int_mapping(
    obtained: Any, expected: Mapping[Any, int], *, name: str = "as contagens"
) -> Failure | None:
    """Confere um dicionário ``chave -> inteiro``; chaves com valor 0 equivalem a ausentes."""
    if obtained is None:
        return _none_failure(f"{name} (um dict)")
    if not isinstance(obtained, Mapping):
        return Failure(
            f"tipo errado {of(name)}: esperava um dict",
            expected=f"dict com {len(expected)} chaves",
            obtained=describe(obtained),
            kind="type",
        )
    got: dict[Any, int] = {}
    for key, value in obtained.items():
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            return Failure(
                f"o valor da chave {safe_repr(key, 60)} não é um inteiro",
                expected="contagens inteiras (int)",
                obtained=describe(value),
                hint="Contagens são inteiros: some 1 (não 1.0) a cada ocorrência.",
                kind="type",
            )
        if int(value) != 0:
            got[key] = int(value)
    missing = [k for k in expected if k not in got]
    extra = [k for k in got if k not in expected]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"faltam {len(missing)} chave(s), por exemplo {safe_repr(missing[0], 60)}")
        if extra:
            parts.append(f"sobram {len(extra)} chave(s), por exemplo {safe_repr(extra[0], 60)}")
        return Failure(
            f"chaves erradas {of(name)}",
            expected=f"{len(expected)} chaves",
            obtained=f"{len(got)} chaves",
            detail="; ".join(parts),
            kind="keys",
        )
    for key, want in expected.items():
        if got[key] != want:
            return Failure(
                f"a contagem de {safe_repr(key, 60)} está errada",
                expected=str(want),
                obtained=str(got[key]),
                kind="values",
            )
    return None


def matches_any(
    obtained: Any,
    candidates: Sequence[tuple[Callable[[], Any], str]],
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> str | None:
    """Compara a resposta com erros típicos; devolve a dica do primeiro que coincidir.

    ``candidates`` são pares ``(função sem argumentos que produz a saída
    errada, dica)``. Serve para dizer "você esqueceu a tanh" em vez de só "os
    valores diferem".
    """
    try:
        got = np.asarray(obtained, dtype=float)
    except Exception:
        return None
    for make_wrong, hint in candidates:
        try:
            with np.errstate(all="ignore"):
                wrong = np.asarray(make_wrong(), dtype=float)
        except Exception:
            continue
        if wrong.shape == got.shape and np.allclose(got, wrong, rtol=rtol, atol=atol):
            return hint
    return None
