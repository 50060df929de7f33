"""Chamar a resposta de um estudante sem deixar que ela derrube a verificação.

``call_answer`` roda a função do estudante com um limite de tempo e devolve
um ``CallOutcome`` em vez de propagar o que der errado: exceção, tempo
esgotado ou um objeto que nem é função. ``find_mutation`` compara as entradas
depois da chamada com uma cópia feita antes e diz qual delas foi alterada.

O limite de tempo usa ``SIGALRM`` (``signal.setitimer``): só existe em
sistemas POSIX (Linux, macOS, Colab) e só na *thread* principal, que é onde o
Jupyter roda as células. Fora disso a chamada roda sem interrupção e o tempo
só é medido depois. O sinal interrompe código Python; uma única operação longa
em C (um produto de matrizes gigante) só é interrompida quando termina.

Fora do escopo: isolar a resposta do resto do processo. Ela roda no mesmo
interpretador que quem a chama; na correção em lote, esse é o processo da
submissão, numa caixa de areia, e o juiz fica noutro (``batch.py``, ``sandbox.py``).
"""

from __future__ import annotations

import copy
import math
import signal
import threading
import time
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "AnswerTimeout",
    "CallOutcome",
    "call_answer",
    "describe_exception",
    "find_mutation",
    "is_torch_tensor",
    "safe_copy",
    "safe_repr",
]

# arquivos deste subpacote: o alarme nunca interrompe o nosso próprio código
_GRADING_DIR = str(Path(__file__).resolve().parent)


class AnswerTimeout(BaseException):
    """Levantada dentro da resposta quando o tempo acaba.

    Deriva de ``BaseException`` (como ``KeyboardInterrupt``) para que um
    ``except Exception`` na resposta do estudante não a engula.
    """


@dataclass
class CallOutcome:
    """O que aconteceu ao chamar a resposta.

    ``status`` é ``"ok"`` (devolveu ``value``), ``"raised"`` (levantou
    ``exception``), ``"timeout"`` (passou de ``limit`` segundos) ou
    ``"not_callable"`` (a resposta não é uma função).
    """

    status: str
    value: Any = None
    exception: BaseException | None = None
    elapsed: float = 0.0
    limit: float = math.inf


def safe_repr(obj: Any, limit: int = 200) -> str:
    """``repr`` que nunca levanta exceção e nunca passa de ``limit`` caracteres."""
    try:
        text = repr(obj)
    except Exception as err:  # um __repr__ quebrado na resposta não pode derrubar a verificação
        text = f"<{type(obj).__name__}: repr falhou com {type(err).__name__}>"
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def is_torch_tensor(obj: Any) -> bool:
    """Diz se ``obj`` é um tensor do PyTorch sem importar o torch."""
    cls = type(obj)
    return cls.__module__.split(".")[0] == "torch" and cls.__name__ in {"Tensor", "Parameter"}


def describe_exception(exc: BaseException) -> tuple[str, str]:
    """``(tipo: mensagem, linha)``: a exceção e a última linha de código do estudante.

    A linha é a do quadro mais interno que não pertence a este subpacote nem a
    bibliotecas instaladas (numpy, torch), ou ``""`` se não houver.
    """
    message = f"{type(exc).__name__}: {safe_repr(str(exc), 300).strip(chr(39))}"
    where = ""
    try:
        frames = traceback.extract_tb(exc.__traceback__)
    except Exception:
        frames = []
    for frame in reversed(frames):
        filename = frame.filename or ""
        if filename.startswith(_GRADING_DIR) or "site-packages" in filename:
            continue
        code = (frame.line or "").strip()
        if code:
            where = f"linha {frame.lineno} de {frame.name}(): {code}"
            break
    return message, where


def safe_copy(obj: Any) -> Any:
    """Cópia profunda; objetos que não se deixam copiar voltam como estão."""
    try:
        return copy.deepcopy(obj)
    except Exception:
        return obj


def _differs(before: Any, after: Any) -> bool:
    """Diz se ``after`` difere de ``before`` (valores, formas e tipos)."""
    if before is after:
        return False
    if isinstance(before, np.ndarray):
        if not isinstance(after, np.ndarray) or before.shape != after.shape:
            return True
        if before.dtype != after.dtype:
            return True
        return not np.array_equal(before, after, equal_nan=before.dtype.kind in "fc")
    if is_torch_tensor(before):
        import torch

        if not is_torch_tensor(after) or before.shape != after.shape:
            return True
        return before.dtype != after.dtype or not torch.equal(before, after)
    if isinstance(before, Mapping):
        if not isinstance(after, Mapping) or set(before) != set(after):
            return True
        return any(_differs(before[k], after[k]) for k in before)
    if isinstance(before, (list, tuple)):
        if type(before) is not type(after) or len(before) != len(after):
            return True
        return any(_differs(b, a) for b, a in zip(before, after, strict=True))
    if isinstance(before, (str, bytes, int, float, complex, bool, type(None))):
        return type(before) is not type(after) or before != after
    return False  # funções, modelos e outros objetos: a questão decide se importam


def _path_label(names: Sequence[str], index: int, key: Any = None) -> str:
    label = names[index] if index < len(names) else f"argumento {index + 1}"
    return label if key is None else f"{label}[{key!r}]"


def find_mutation(
    before: Sequence[Any], after: Sequence[Any], names: Sequence[str] = ()
) -> str | None:
    """Nome da primeira entrada alterada pela resposta (ou ``None`` se nada mudou).

    ``before`` é a cópia feita antes da chamada; ``after``, os objetos que a
    resposta recebeu. Em dicionários, diz qual chave mudou (``params['weight_ih']``).
    """
    for i, (b, a) in enumerate(zip(before, after, strict=True)):
        try:
            if isinstance(b, Mapping) and isinstance(a, Mapping) and set(b) == set(a):
                for key in b:
                    if _differs(b[key], a[key]):
                        return _path_label(names, i, key)
            elif _differs(b, a):
                return _path_label(names, i)
        except Exception:
            return _path_label(names, i)
    return None


def _alarm_available() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def call_answer(
    fn: Any, args: Sequence[Any], limit: float = 5.0, kwargs: Mapping[str, Any] | None = None
) -> CallOutcome:
    """Chama ``fn(*args, **kwargs)`` com limite de ``limit`` segundos; nunca levanta exceção.

    ``SystemExit`` (um ``sys.exit()`` na resposta) conta como exceção da
    resposta. ``KeyboardInterrupt`` (o botão de parar do Jupyter) continua
    passando: quem interrompe a célula quer mesmo parar.
    """
    kwargs = dict(kwargs or {})
    if not callable(fn):
        return CallOutcome("not_callable", value=fn, limit=limit)
    if not _alarm_available():
        start = time.perf_counter()
        try:
            value = fn(*args, **kwargs)
        except (Exception, SystemExit) as exc:
            return CallOutcome("raised", exception=exc, elapsed=time.perf_counter() - start)
        elapsed = time.perf_counter() - start
        if elapsed > limit:
            return CallOutcome("timeout", elapsed=elapsed, limit=limit)
        return CallOutcome("ok", value=value, elapsed=elapsed, limit=limit)

    armed = True

    def on_alarm(signum, frame):  # noqa: ARG001 - assinatura exigida por signal
        # O alarme se repete a cada 0,05 s até a resposta devolver o controle: um
        # `except:` genérico no código do estudante não o segura para sempre. Ele
        # nunca dispara dentro deste subpacote, para não interromper a limpeza abaixo.
        if armed and not (frame and frame.f_code.co_filename.startswith(_GRADING_DIR)):
            raise AnswerTimeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    start = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, max(limit, 1e-3), 0.05)
    try:
        try:
            value = fn(*args, **kwargs)
        finally:
            armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
        return CallOutcome("ok", value=value, elapsed=time.perf_counter() - start, limit=limit)
    except AnswerTimeout:
        return CallOutcome("timeout", elapsed=time.perf_counter() - start, limit=limit)
    except (Exception, SystemExit) as exc:  # sys.exit() na resposta não fecha o notebook
        return CallOutcome(
            "raised", exception=exc, elapsed=time.perf_counter() - start, limit=limit
        )
    finally:
        signal.signal(signal.SIGALRM, previous)
