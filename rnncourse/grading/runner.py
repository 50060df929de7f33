"""O processo da submissão: roda as células do estudante e responde aos casos com dados simples.

É o que roda dentro da caixa de areia (``python -I -m rnncourse.grading.runner``).
Fala com o corretor por mensagens enquadradas (``wire.write_frame``) nos
descritores 0 e 1, que ele duplica e depois aponta para ``/dev/null``: o que a
submissão imprime não chega ao corretor (as saídas de ``print`` vão para um
ralo com limite) e um ``input()`` recebe fim de arquivo.

A conversa, do lado daqui:

1. recebe ``start`` (a lista, os casos ocultos, as células e os limites),
   aplica os limites ao próprio processo (memória, CPU, tamanho de arquivo,
   processos) e responde ``ready``;
2. roda cada célula num ``InteractiveShell`` do IPython (``%magics`` e ``!``
   funcionam), avisando ``cell`` antes de cada uma e ``cell_error`` quando ela
   levanta erro; no fim, ``cells_done``;
3. ``warm``: importa o que as questões vão usar (o torch, por exemplo) e roda
   uma operação pequena, fora do relógio dos casos;
4. ``case``: decodifica as entradas (as funções do corretor viram
   ``RemoteCallable``, que pedem ``callback`` ao corretor), roda o lado da
   resposta (``core.answer_side``) e devolve ``result``.

Nada daqui é confiável para o corretor: uma submissão pode trocar este código
no próprio processo. O que ela consegue com isso é mandar dados simples
diferentes, que o juiz, no outro processo, julga como qualquer resposta.

Fora do escopo: a caixa de areia (``sandbox.py``) e o lado do corretor (``remote.py``).
"""

from __future__ import annotations

import io
import os
import sys
from typing import Any

__all__ = ["main"]

_SINK_LIMIT = 64 * 1024


class _Sink(io.TextIOBase):
    """``sys.stdout``/``sys.stderr`` da submissão: guarda o começo, descarta o resto."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self) -> None:
        self.kept = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.kept = min(self.kept + len(text), _SINK_LIMIT)
        return len(text)

    def isatty(self) -> bool:
        return False


class _Channel:
    def __init__(self, fd_in: int, fd_out: int):
        from rnncourse.grading.wire import FrameReader

        self.fd_in, self.fd_out = fd_in, fd_out
        self.reader = FrameReader()
        self.pending: list[Any] = []
        self.seq = 0

    def send(self, message: Any) -> None:
        from rnncourse.grading.wire import write_frame

        def write_all(data: bytes) -> None:
            view = memoryview(data)
            while view:
                view = view[os.write(self.fd_out, view) :]

        write_frame(write_all, message)

    def receive(self) -> Any:
        while not self.pending:
            chunk = os.read(self.fd_in, 1 << 16)
            if not chunk:
                os._exit(0)  # o corretor foi embora
            self.pending.extend(self.reader.feed(chunk))
        return self.pending.pop(0)

    def callback(self, ref: int, args: tuple, kwargs: dict) -> Any:
        """Pede ao corretor para calcular a função ``ref`` e espera a resposta."""
        from rnncourse.grading import wire

        self.seq += 1
        seq = self.seq
        self.send(
            {
                "event": "callback",
                "seq": seq,
                "ref": ref,
                "args": wire.encode(list(args)),
                "kwargs": wire.encode(dict(kwargs)),
            }
        )
        while True:
            message = self.receive()
            if not isinstance(message, dict) or message.get("seq") != seq:
                continue  # resposta atrasada de uma chamada interrompida pelo tempo
            if message.get("op") == "callback_result":
                return wire.decode(message.get("value"), trusted=True)
            error = _ERRORS.get(message.get("type"), RuntimeError)
            raise error(str(message.get("message", ""))[:500])


_ERRORS = {
    "ValueError": ValueError,
    "TypeError": TypeError,
    "KeyError": KeyError,
    "IndexError": IndexError,
    "ZeroDivisionError": ZeroDivisionError,
    "ArithmeticError": ArithmeticError,
    "OverflowError": OverflowError,
    "AttributeError": AttributeError,
}


def _apply_limits(limits: dict) -> None:
    try:
        import resource
    except ImportError:  # Windows
        return
    table = {
        "RLIMIT_AS": limits.get("memory_bytes", 0),
        "RLIMIT_CPU": limits.get("cpu_seconds", 0),
        "RLIMIT_FSIZE": limits.get("file_bytes", 0),
        "RLIMIT_CORE": 0,
        "RLIMIT_NPROC": limits.get("processes", 0),
    }
    for name, value in table.items():
        which = getattr(resource, name, None)
        if which is None or (value == 0 and name != "RLIMIT_CORE"):
            continue
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass


def _warm(modules: list[str]) -> None:
    import importlib

    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:
            continue
    torch = sys.modules.get("torch")
    if torch is not None:  # a primeira operação, o autograd e o Adam também custam
        try:
            layer = torch.nn.Linear(2, 2)
            optimizer = torch.optim.Adam(layer.parameters(), lr=0.01)
            layer(torch.zeros(1, 2)).sum().backward()
            optimizer.step()
        except Exception:
            pass


def _run_cells(channel: _Channel, shell: Any, cells: list) -> None:
    for k, source in cells:
        channel.send({"event": "cell", "k": k})
        result = shell.run_cell(source, store_history=False, silent=False)
        error = result.error_before_exec or result.error_in_exec
        if error is not None:
            channel.send(
                {
                    "event": "cell_error",
                    "k": k,
                    "ename": type(error).__name__,
                    "evalue": str(error)[:200],
                }
            )
    channel.send({"event": "cells_done"})


def _serve_case(channel: _Channel, shell: Any, lista: Any, message: dict) -> dict:
    from rnncourse.grading import wire
    from rnncourse.grading.core import answer_side

    question = lista.questions[message["qid"]]
    case = lista.cases(question.id)[message["index"]]
    answer = shell.user_ns.get(question.answer_name)
    if answer is None:
        return {"status": "missing"}

    def make_callback(ref: int, text: str) -> wire.RemoteCallable:
        return wire.RemoteCallable(ref, text, channel.callback)

    args = wire.decode(message["args"], trusted=True, callback=make_callback)
    return answer_side(answer, case, tuple(args))


def main() -> None:
    fd_in, fd_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    sys.stdin = io.StringIO("")
    sys.stdout = _Sink()
    sys.stderr = _Sink()
    channel = _Channel(fd_in, fd_out)
    start = channel.receive()
    _apply_limits(start.get("limits", {}))

    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    from rnncourse.grading import wire
    from rnncourse.grading.core import build_list

    lista = build_list(start["list_id"])
    for qid, description, params in wire.decode(start["hidden"], trusted=True):
        lista.adicionar_teste_oculto(qid, description, **params)
    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=config)
    channel.send({"event": "ready"})
    _run_cells(channel, shell, start["cells"])
    while True:
        message = channel.receive()
        op = message.get("op") if isinstance(message, dict) else None
        if op == "warm":
            _warm([m for m in message.get("modules", []) if isinstance(m, str)])
            channel.send({"event": "warm_done"})
        elif op == "case":
            try:
                data = _serve_case(channel, shell, lista, message)
            except BaseException as exc:  # nada do estudante derruba a conversa
                data = {"status": "bad_output", "message": f"{type(exc).__name__}: {exc}"[:300]}
            try:
                channel.send({"event": "result", "data": data})
            except wire.WireError as err:
                channel.send(
                    {"event": "result", "data": {"status": "bad_output", "message": str(err)}}
                )
        elif op == "exit":
            break
        # respostas atrasadas de callbacks e mensagens desconhecidas são ignoradas
    os._exit(0)


if __name__ == "__main__":
    main()
