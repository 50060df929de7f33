"""Onde roda uma submissão: a caixa de areia do bubblewrap ou, só a pedido, um processo comum.

No Linux, cada submissão roda sob o ``bwrap`` (pacote ``bubblewrap`` do Debian e
do Ubuntu), com:

- o sistema só para leitura, e só o que o Python precisa: ``/usr``, ``/bin``,
  ``/lib*``, uns poucos arquivos de ``/etc`` (nada de ``/etc/shadow``), a
  instalação do Python, os ``site-packages`` e a pasta do pacote ``rnncourse``;
- uma pasta de trabalho privada e gravável (um ``tmpfs`` em ``/tmp``, com
  tamanho máximo), que some com a caixa;
- nenhuma rede (``--unshare-net``), o próprio espaço de PIDs (nada do que a
  submissão inicia, ``setsid`` inclusive, sobrevive a ela), nenhuma
  capacidade (``--cap-drop ALL``), sessão nova (``--new-session``) e a morte
  junto com o corretor (``--die-with-parent``);
- o ambiente limpo (``--clearenv``): só ``PATH``, ``HOME``, o idioma e os
  ajustes de threads e do matplotlib;
- a pasta das submissões, a de saída e a fonte do instrutor escondidas, mesmo
  que fiquem dentro de algo que a caixa enxerga.

Os limites de memória (``RLIMIT_AS``), de CPU, de tamanho de arquivo e de
processos são aplicados pelo próprio ``runner.py`` antes da primeira linha do
estudante; o tempo de cada etapa é contado pelo corretor, que mata a caixa.

Sem o ``bwrap`` (macOS, Windows, um contêiner sem *user namespaces*), o modo
``processo`` roda a submissão num processo comum, numa pasta temporária, com o
ambiente limpo, os mesmos limites e o grupo de processos morto ao fim; como
root, num usuário próprio sem privilégios. Ele **não** esconde arquivos, não
corta a rede e não segura um processo que se desliga com ``setsid`` (exceto
como root, quando todos os processos daquele usuário são mortos ao fim). Só é
usado quando o instrutor pede (``--isolamento processo`` ou ``auto``), e a
tabela e as devolutivas dizem isso.

Fora do escopo: o que roda dentro (``runner.py``) e a conversa com ele
(``remote.py``).
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import site
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "MODES",
    "Isolation",
    "IsolationError",
    "bwrap_status",
    "choose_isolation",
]

#: valores aceitos por ``--isolamento``
MODES = ("bwrap", "processo", "auto")

#: o comando que roda dentro da caixa (``-I``: sem variáveis PYTHON*, sem a pasta atual)
RUNNER = ("-I", "-B", "-m", "rnncourse.grading.runner")

_HOME = "/tmp/aluno"
_SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_ETC = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/passwd",
    "/etc/group",
    "/etc/nsswitch.conf",
    "/etc/hosts",
    "/etc/alternatives",
    "/etc/mime.types",
    "/etc/matplotlibrc",
)
#: o ambiente do próprio bwrap (que é o processo 1 dentro da caixa)
_BWRAP_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
#: usuários sem privilégios para o modo ``processo`` como root (um por trabalhador)
_BASE_UID = 61000


class IsolationError(RuntimeError):
    """O isolamento pedido não está disponível (com o motivo em pt-BR)."""


def _environment(home: str, tmp: str, extra_path: Sequence[str] = ()) -> dict[str, str]:
    """O ambiente da submissão: nada do corretor, só o necessário."""
    path = [*extra_path, "/usr/local/bin", "/usr/bin", "/bin"]
    return {
        "PATH": os.pathsep.join(dict.fromkeys(path)),
        "HOME": home,
        "TMPDIR": tmp,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": os.path.join(home, ".config", "matplotlib"),
        "IPYTHONDIR": os.path.join(home, ".ipython"),
        "XDG_CACHE_HOME": os.path.join(home, ".cache"),
    }


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _python_roots() -> list[str]:
    """As pastas que o Python do corretor precisa para importar o rnncourse e as dependências."""
    import rnncourse

    candidates = [
        sys.prefix,
        sys.exec_prefix,
        sys.base_prefix,
        sys.base_exec_prefix,
        str(Path(os.path.realpath(sys.executable)).parent.parent),
        *site.getsitepackages(),
        str(Path(rnncourse.__file__).resolve().parent),
    ]
    if site.ENABLE_USER_SITE and site.getusersitepackages() in sys.path:
        candidates.append(site.getusersitepackages())
    roots: list[str] = []
    for candidate in candidates:
        real = os.path.realpath(candidate)
        if not os.path.isdir(real) or any(_inside(real, s) for s in _SYSTEM):
            continue
        roots.append(real)
    roots = sorted(set(roots), key=len)
    return [r for i, r in enumerate(roots) if not any(_inside(r, o) for o in roots[:i])]


@functools.lru_cache(maxsize=1)
def _bwrap_features() -> frozenset[str]:
    try:
        text = subprocess.run(
            ["bwrap", "--help"], capture_output=True, text=True, timeout=20
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(flag for flag in ("--disable-userns", "--size") if flag in text)


def _bwrap_argv(hide: Sequence[str], disk_mb: int) -> list[str]:
    features = _bwrap_features()
    argv = [
        shutil.which("bwrap") or "bwrap",
        "--unshare-all",
        "--unshare-user",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--uid",
        "65534",
        "--gid",
        "65534",
        "--hostname",
        "caixa-de-areia",
    ]
    if "--disable-userns" in features:
        argv.append("--disable-userns")
    for path in (*_SYSTEM, *_ETC):
        argv += ["--ro-bind-try", path, path]
    argv += ["--proc", "/proc", "--dev", "/dev"]
    if "--size" in features and disk_mb > 0:
        argv += ["--size", str(disk_mb * 1024 * 1024)]
    argv += ["--tmpfs", "/tmp", "--dir", _HOME, "--chdir", _HOME]
    roots = _python_roots()
    for root in roots:
        argv += ["--ro-bind", root, root]
    for path in hide:  # o que não pode aparecer, mesmo dentro de algo montado
        real = os.path.realpath(path)
        if not any(_inside(real, r) for r in (*roots, *_SYSTEM, *_ETC)):
            continue
        if os.path.isdir(real):
            argv += ["--tmpfs", real]
        elif os.path.exists(real):
            argv += ["--ro-bind", "/dev/null", real]
    argv.append("--clearenv")
    env = _environment(_HOME, "/tmp", [str(Path(sys.executable).parent)])
    for name, value in env.items():
        argv += ["--setenv", name, value]
    return [*argv, sys.executable, *RUNNER]


@functools.lru_cache(maxsize=1)
def bwrap_status() -> tuple[bool, str]:
    """``(funciona, motivo)``: se o ``bwrap`` existe e consegue abrir uma caixa aqui."""
    if not sys.platform.startswith("linux"):
        return False, f"o bubblewrap só existe no Linux (este sistema é {sys.platform})"
    if shutil.which("bwrap") is None:
        return False, (
            "o comando bwrap não foi encontrado; instale o pacote bubblewrap "
            "(apt-get install bubblewrap)"
        )
    argv = _bwrap_argv((), 16)
    argv = argv[: -len(RUNNER)] + ["-I", "-c", "import numpy, rnncourse; print('ok')"]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=_BWRAP_ENV)
    except (OSError, subprocess.SubprocessError) as err:
        return False, f"o bwrap não rodou: {err}"
    if proc.returncode != 0 or proc.stdout.strip() != "ok":
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["sem mensagem"]
        return False, f"o bwrap não conseguiu abrir uma caixa de areia aqui: {tail[0][:300]}"
    return True, ""


@functools.lru_cache(maxsize=1)
def _unprivileged_python_works() -> bool:
    """Como root: o Python do corretor roda num usuário sem privilégios?"""
    try:
        proc = subprocess.run(
            [sys.executable, "-I", "-c", "import rnncourse"],
            capture_output=True,
            timeout=120,
            user=_BASE_UID,
            group=_BASE_UID,
            extra_groups=[],
            cwd="/",
            env=_environment("/tmp", "/tmp"),
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return proc.returncode == 0


@dataclass(frozen=True)
class Isolation:
    """Como as submissões rodam: ``mode`` é ``"bwrap"`` ou ``"processo"``.

    ``hide``: caminhos que a submissão não pode ver (pasta das submissões,
    pasta de saída, fonte do instrutor).
    """

    mode: str
    hide: tuple[str, ...] = ()
    reason: str = ""  # por que o bwrap não foi usado (no modo processo)
    _drop: bool = field(default=False, repr=False)

    @property
    def own_user(self) -> bool:
        """A submissão roda num usuário (ou *user namespace*) só dela?"""
        return self.mode == "bwrap" or self._drop

    @property
    def label(self) -> str:
        """O rótulo da tabela e das devolutivas."""
        if self.mode == "bwrap":
            return "caixa de areia (bwrap)"
        if self._drop:
            return "SEM caixa de areia: processo comum, usuário sem privilégios"
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            return "SEM caixa de areia: processo comum, como root"
        return "SEM caixa de areia: processo comum"

    def spawn(self, disk_mb: int, slot: int = 0) -> tuple[subprocess.Popen, str | None]:
        """Inicia o ``runner`` isolado; devolve o processo e a pasta privada (a apagar)."""
        pipes = {
            "stdin": subprocess.PIPE,
            "stdout": subprocess.PIPE,
            "stderr": subprocess.PIPE,
            "bufsize": 0,
        }
        if self.mode == "bwrap":
            # o próprio bwrap vira o processo 1 da caixa, e o ambiente dele aparece em
            # /proc/1/environ: ele também não recebe nada do corretor
            argv = _bwrap_argv(self.hide, disk_mb)
            return subprocess.Popen(argv, cwd="/", env=_BWRAP_ENV, **pipes), None
        workdir = tempfile.mkdtemp(prefix="rnncourse-aluno-")
        os.mkdir(os.path.join(workdir, "tmp"))
        extra: dict = {}
        if sys.platform != "win32":
            extra["start_new_session"] = True
        if self._drop:
            uid = _BASE_UID + slot
            for path in (workdir, os.path.join(workdir, "tmp")):
                os.chown(path, uid, uid)
            extra.update(user=uid, group=uid, extra_groups=[])
        os.chmod(workdir, 0o700)
        env = _environment(
            workdir, os.path.join(workdir, "tmp"), [str(Path(sys.executable).parent)]
        )
        if sys.platform == "win32":  # o Windows precisa destas para iniciar o Python
            env.update({k: os.environ[k] for k in ("SYSTEMROOT", "COMSPEC") if k in os.environ})
        proc = subprocess.Popen([sys.executable, *RUNNER], cwd=workdir, env=env, **pipes, **extra)
        return proc, workdir

    def kill(self, proc: subprocess.Popen, workdir: str | None, slot: int = 0) -> None:
        """Mata a submissão e tudo o que ela iniciou (no que o modo permite) e apaga a pasta."""
        if self.mode == "processo" and sys.platform != "win32":
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError, OSError):
                pass
        try:
            proc.kill()
        except OSError:
            pass
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # pragma: no cover - processo preso no kernel
            pass
        if self._drop:  # todos os processos do usuário próprio, setsid inclusive
            uid = _BASE_UID + slot
            try:
                subprocess.run(
                    [sys.executable, "-I", "-c", "import os, signal; os.kill(-1, signal.SIGKILL)"],
                    user=uid,
                    group=uid,
                    extra_groups=[],
                    cwd="/",
                    env=_environment("/tmp", "/tmp"),
                    timeout=30,
                    capture_output=True,
                )
            except (OSError, subprocess.SubprocessError):
                pass
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)


def choose_isolation(requested: str, hide: Sequence[str | Path] = ()) -> Isolation:
    """O isolamento para ``requested`` (``"bwrap"``, ``"processo"`` ou ``"auto"``).

    ``"bwrap"`` levanta ``IsolationError`` quando o bubblewrap não funciona
    aqui; ``"auto"`` usa o bwrap quando ele funciona e o modo processo quando não.
    """
    if requested not in MODES:
        raise IsolationError(f"isolamento desconhecido {requested!r}; use um de {MODES}")
    hidden = tuple(os.path.realpath(str(p)) for p in hide)
    if requested in {"bwrap", "auto"}:
        works, reason = bwrap_status()
        if works:
            return Isolation("bwrap", hidden)
        if requested == "bwrap":
            raise IsolationError(
                f"{reason}.\nSem a caixa de areia, cada submissão poderia ler e alterar os seus "
                "arquivos e os dos outros estudantes. Para corrigir mesmo assim, num modo mais "
                "fraco, passe --isolamento processo (ou --isolamento auto), de preferência "
                "dentro de um contêiner descartável."
            )
    else:
        reason = "pedido com --isolamento processo"
    drop = hasattr(os, "geteuid") and os.geteuid() == 0 and _unprivileged_python_works()
    return Isolation("processo", hidden, reason, drop)
