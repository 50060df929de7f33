"""O lado do corretor na conversa com o processo de uma submissão (``runner.py``).

``Session`` é um processo isolado (``sandbox.Isolation.spawn``) e os seus canos:
uma *thread* lê as mensagens enquadradas da saída (com tamanho máximo e fila
limitada, para que uma enxurrada não encha a memória do corretor), outra guarda
só o começo da saída de erros (mensagens do ``bwrap`` e do Python), e uma
terceira escreve, para que um processo que parou de ler nunca trave o corretor.
Toda espera tem prazo: passou, o processo é morto.

``SubmissionProcess`` conduz uma submissão: inicia a caixa, manda as células,
espera o fim delas (com o prazo das células), aquece os imports e roda os
casos, um de cada vez, atendendo aos pedidos de *callback* (as funções do
corretor que a resposta recebe, como o modelo de ``sample_word``, são calculadas
aqui, com os argumentos decodificados como dados simples). Se o processo morre
ou trava durante um caso, o caso falha e a próxima questão começa num processo
novo (as células rodam de novo), até ``MAX_RESTARTS`` vezes.

Fora do escopo: a caixa de areia (``sandbox.py``) e o julgamento (``core.py``).
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rnncourse.grading import wire
from rnncourse.grading.sandbox import Isolation

__all__ = ["MAX_RESTARTS", "CellsOutcome", "RemoteError", "Session", "SubmissionProcess"]

#: quantas vezes o processo de uma submissão pode ser reiniciado depois de morrer num caso
MAX_RESTARTS = 2
#: pedidos de callback por caso (uma palavra sorteada pede algumas dezenas)
MAX_CALLBACKS = 200_000
_STDERR_KEEP = 16 * 1024


class RemoteError(Exception):
    """O processo da submissão morreu (``died``), travou (``hung``) ou saiu do protocolo."""

    def __init__(self, status: str, message: str = ""):
        super().__init__(message or status)
        self.status = status
        self.message = message


class Session:
    """Um processo isolado e os seus canos, com prazos em toda espera."""

    def __init__(self, isolation: Isolation, disk_mb: int, slot: int, max_bytes: int):
        self.isolation = isolation
        self.slot = slot
        self.max_bytes = max_bytes
        self.proc, self.workdir = isolation.spawn(disk_mb, slot)
        self.closed = threading.Event()
        self.frames: queue.Queue = queue.Queue(maxsize=64)
        self.outbox: queue.Queue = queue.Queue()
        self.stderr_head = bytearray()
        self.threads = [
            threading.Thread(target=self._read_frames, daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True),
            threading.Thread(target=self._write, daemon=True),
        ]
        for thread in self.threads:
            thread.start()

    # ------------------------------------------------------------------ threads
    def _put(self, item: tuple) -> None:
        while not self.closed.is_set():
            try:
                self.frames.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def _read_frames(self) -> None:
        reader = wire.FrameReader(self.max_bytes)
        fd = self.proc.stdout.fileno()
        try:
            while not self.closed.is_set():
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    break
                for frame in reader.feed(chunk):
                    self._put(("frame", frame))
        except wire.WireError as err:
            self._put(("error", str(err)))
            return
        except (OSError, ValueError):
            pass
        self._put(("eof", None))

    def _read_stderr(self) -> None:
        fd = self.proc.stderr.fileno()
        try:
            while True:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    return
                room = _STDERR_KEEP - len(self.stderr_head)
                if room > 0:
                    self.stderr_head += chunk[:room]
        except (OSError, ValueError):
            return

    def _write(self) -> None:
        while True:
            item = self.outbox.get()
            if item is None:
                return
            data, done, failed = item
            try:
                view = memoryview(data)
                while view:
                    written = self.proc.stdin.write(view)
                    view = view[written or 0 :]
            except (OSError, ValueError):
                failed.set()
            done.set()

    # ------------------------------------------------------------------ conversa
    def send(self, message: Any, timeout: float) -> None:
        """Manda uma mensagem; ``RemoteError`` se o processo não a ler em ``timeout`` s."""
        chunks: list[bytes] = []
        try:
            wire.write_frame(chunks.append, message, self.max_bytes)
        except wire.WireError as err:
            raise RemoteError("protocol", f"mensagem do corretor grande demais ({err})") from None
        done, failed = threading.Event(), threading.Event()
        self.outbox.put((b"".join(chunks), done, failed))
        if not done.wait(timeout):
            raise RemoteError("hung", "o processo parou de ler as mensagens do corretor")
        if failed.is_set():
            raise RemoteError("died", self.stderr_tail())

    def receive(self, deadline: float) -> dict:
        """A próxima mensagem, até ``deadline`` (relógio ``time.monotonic``)."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise RemoteError("hung", "prazo esgotado")
        try:
            kind, value = self.frames.get(timeout=remaining)
        except queue.Empty:
            raise RemoteError("hung", "prazo esgotado") from None
        if kind == "eof":
            self.proc.poll()
            raise RemoteError("died", self.stderr_tail())
        if kind == "error":
            raise RemoteError("protocol", value)
        if not isinstance(value, dict):
            raise RemoteError("protocol", "mensagem que não é um objeto JSON")
        return value

    def stderr_tail(self) -> str:
        text = bytes(self.stderr_head).decode("utf-8", errors="replace").strip()
        return text.splitlines()[-1][:300] if text else ""

    def close(self) -> None:
        self.closed.set()
        self.isolation.kill(self.proc, self.workdir, self.slot)
        self.outbox.put(None)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except OSError:
                pass
        for thread in self.threads:
            thread.join(timeout=5)


@dataclass
class CellsOutcome:
    """As células: os erros de cada uma e, se a submissão não pode ser corrigida, o motivo."""

    errors: list[tuple[int, str, str]] = field(default_factory=list)
    fatal: str = ""


def _serve_callback(registry: Mapping[int, Any], message: Mapping[str, Any]) -> dict:
    """Calcula aqui uma função do corretor pedida pela resposta (argumentos: dados simples)."""
    seq = message.get("seq")
    try:
        target = registry[message.get("ref")]
        args = wire.decode(message.get("args"))
        kwargs = wire.decode(message.get("kwargs"))
        if not isinstance(args, list) or not isinstance(kwargs, dict):
            raise TypeError("argumentos mal formados")
        if not all(isinstance(k, str) for k in kwargs):
            raise TypeError("nomes de argumentos devem ser str")
        value = target(*args, **kwargs)
        return {"op": "callback_result", "seq": seq, "value": wire.encode(value)}
    except Exception as exc:  # o erro volta para a resposta, como se a função fosse local
        kind = "TypeError" if isinstance(exc, (KeyError, wire.WireError)) else type(exc).__name__
        return {"op": "callback_error", "seq": seq, "type": kind, "message": str(exc)[:500]}


class SubmissionProcess:
    """O processo de uma submissão, com as células já rodadas, pronto para os casos."""

    def __init__(
        self,
        isolation: Isolation,
        limits: Any,  # batch.GradingLimits
        slot: int,
        list_id: str,
        hidden: Sequence[tuple[str, str, dict]],
        cells: Sequence[tuple[int, str]],
        warm_modules: Sequence[str],
    ):
        self.isolation = isolation
        self.limits = limits
        self.slot = slot
        self.list_id = list_id
        self.hidden = wire.encode([list(h) for h in hidden], trusted=True)
        self.cells = [[int(k), str(src)] for k, src in cells]
        self.warm_modules = list(warm_modules)
        self.session: Session | None = None
        self.broken = ""
        self.restarts = 0
        self.deaths: list[str] = []

    def _limits_message(self) -> dict:
        lim = self.limits
        cpu = int(lim.student_seconds + lim.grading_seconds) * 2 + 120
        return {
            "memory_bytes": int(lim.memory_mb) * 1024 * 1024,
            "cpu_seconds": cpu,
            "file_bytes": int(lim.file_mb) * 1024 * 1024,
            # RLIMIT_NPROC conta todos os processos do usuário: só vale na caixa (um user
            # namespace próprio) ou num usuário só da submissão
            "processes": int(lim.processes) if self.isolation.own_user else 0,
        }

    def start(self) -> CellsOutcome:
        """Inicia o processo e roda as células; ``fatal`` diz por que não dá para corrigir."""
        self.close()
        lim = self.limits
        outcome = CellsOutcome()
        try:
            self.session = Session(
                self.isolation, lim.disk_mb, self.slot, lim.message_mb * 1024 * 1024
            )
        except OSError as err:
            outcome.fatal = f"não consegui iniciar o processo da submissão: {err}"
            return outcome
        session = self.session
        current: int | None = None
        phase = "startup"
        try:
            session.send(
                {
                    "op": "start",
                    "list_id": self.list_id,
                    "hidden": self.hidden,
                    "cells": self.cells,
                    "limits": self._limits_message(),
                },
                timeout=lim.startup_seconds,
            )
            deadline = time.monotonic() + lim.startup_seconds
            message = session.receive(deadline)
            if message.get("event") != "ready":
                raise RemoteError("protocol", "o processo não se apresentou")
            phase = "cells"
            known = {k for k, _ in self.cells}
            deadline = time.monotonic() + lim.student_seconds
            while True:
                message = session.receive(deadline)
                event = message.get("event")
                if event == "cell" and message.get("k") in known:
                    current = message["k"]
                elif event == "cell_error" and message.get("k") in known:
                    outcome.errors.append(
                        (
                            message["k"],
                            str(message.get("ename", "?"))[:80],
                            str(message.get("evalue", ""))[:200],
                        )
                    )
                elif event == "cells_done":
                    break
            phase = "warm"
            session.send({"op": "warm", "modules": self.warm_modules}, timeout=lim.startup_seconds)
            deadline = time.monotonic() + lim.warmup_seconds
            while session.receive(deadline).get("event") != "warm_done":
                pass
        except RemoteError as err:
            where = (
                f"na célula {current + 1}" if current is not None else "antes da primeira célula"
            )
            if phase == "startup":
                detail = f" ({err.message})" if err.message else ""
                outcome.fatal = f"o processo da submissão não iniciou{detail}"
            elif phase == "cells" and err.status == "hung":
                outcome.fatal = (
                    f"tempo esgotado: as células do notebook passaram de "
                    f"{lim.student_seconds:g} s (parou {where})"
                )
            elif phase == "cells" and err.status == "died":
                outcome.fatal = (
                    f"o kernel morreu {where} (falta de memória, os._exit, falha em código "
                    "nativo ou um sinal)"
                )
            elif phase == "cells":
                outcome.fatal = (
                    f"o notebook escreveu no canal do corretor ({where}); a submissão não foi "
                    "corrigida"
                )
            else:  # o processo não respondeu depois das células: não adianta reiniciar
                self.close()
                self.broken = f"o processo da submissão parou de responder ({err.status})"
        return outcome

    def execute(self, qid: str, index: int, case: Any, args: tuple) -> dict:
        """Roda o lado da resposta de um caso no processo da submissão; devolve dados simples."""
        if self.session is None:
            if self.broken:
                return {"status": "unavailable", "message": self.broken}
            if self.restarts >= MAX_RESTARTS:
                return {"status": "unavailable", "message": "; ".join(self.deaths)[:300]}
            self.restarts += 1
            outcome = self.start()
            if outcome.fatal or self.session is None:
                self.close()
                return {"status": "unavailable", "message": outcome.fatal or self.broken}
        session = self.session
        registry: dict[int, Any] = {}
        hard = case.time_limit + case.probe_time
        deadline = time.monotonic() + hard + max(15.0, 0.5 * hard)
        calls = 0
        try:
            encoded = wire.encode(list(args), callbacks=registry, trusted=True)
        except wire.WireError as err:  # um defeito do banco de questões, não da submissão
            return {"status": "internal", "message": str(err)[:300]}
        try:
            session.send(
                {"op": "case", "qid": qid, "index": index, "args": encoded},
                timeout=max(1.0, deadline - time.monotonic()),
            )
            while True:
                message = session.receive(deadline)
                event = message.get("event")
                if event == "result":
                    data = message.get("data")
                    if not isinstance(data, dict):
                        raise RemoteError("protocol", "resultado mal formado")
                    return data
                if event == "callback":
                    calls += 1
                    if calls > MAX_CALLBACKS:
                        raise RemoteError("protocol", "pedidos de callback demais")
                    reply = _serve_callback(registry, message)
                    session.send(reply, timeout=max(1.0, deadline - time.monotonic()))
                # outros eventos (de uma thread da submissão, por exemplo) são ignorados
        except RemoteError as err:
            self.deaths.append(f"{qid}: {err.status}")
            self.close()
            return {"status": err.status, "message": err.message[:300]}

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None
