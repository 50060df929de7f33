"""Copia o MathJax 3 para ``_vendor/mathjax/``, para o site mostrar as equações sem internet.

Uso::

    python tools/fetch_mathjax.py            # baixa só se faltar; depois confere os arquivos
    python tools/fetch_mathjax.py --force    # apaga e baixa de novo
    python tools/fetch_mathjax.py --source pypi

Por padrão o Sphinx carrega o MathJax de uma CDN; sem rede as fórmulas ficam
cruas (``\\[h_t = ...\\]``). O ``_config.yml`` põe ``_vendor/`` em
``html_static_path`` (o Sphinx publica o conteúdo em ``_build/html/_static/``) e
aponta ``mathjax_path`` para ``mathjax/tex-chtml.js``; este script põe em
``_vendor/mathjax/`` a pasta ``es5/`` do MathJax 3, tirada de um pacote de registro:

* ``npm``: o pacote oficial ``mathjax@3.2.2`` (``npm pack``), quando o ``npm`` existe;
* ``pypi``: o pacote ``django-static-mathjax==3.2.2.1`` (``pip download``), que traz
  a mesma pasta ``es5/`` do MathJax 3.2.2; usado quando não há ``npm``.

A pasta é ignorada pelo git (``.gitignore``). Depois de copiar, o script confere
os arquivos de que a página precisa (o ``tex-chtml.js`` e as fontes ``woff-v2``
da saída CHTML) e sai com erro se algum faltar. Não cobre o MathJax 4, cujo
layout de arquivos é outro.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEST = ROOT / "_vendor" / "mathjax"
VERSION = "3.2.2"
NPM_SPEC = f"mathjax@{VERSION}"
PYPI_SPEC = "django-static-mathjax==3.2.2.1"
STAMP = ".origem"

# o que a página usa: o componente TeX + CHTML e as fontes que ele carrega
REQUIRED = [
    "tex-chtml.js",
    "input/tex/extensions/physics.js",
    "output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff",
    "output/chtml/fonts/woff-v2/MathJax_Main-Bold.woff",
    "output/chtml/fonts/woff-v2/MathJax_Math-Italic.woff",
    "output/chtml/fonts/woff-v2/MathJax_Size1-Regular.woff",
    "output/chtml/fonts/woff-v2/MathJax_AMS-Regular.woff",
]


def problems(dest: Path = DEST) -> list[str]:
    """O que falta ou está errado em ``dest`` (lista vazia se está tudo certo)."""
    out = [f"falta {name}" for name in REQUIRED if not (dest / name).is_file()]
    main = dest / "tex-chtml.js"
    if main.is_file():
        text = main.read_text(encoding="utf-8", errors="replace")
        if len(text) < 500_000:
            out.append(f"tex-chtml.js pequeno demais ({len(text)} caracteres)")
        if f'"{VERSION}"' not in text and f"'{VERSION}'" not in text:
            out.append(f"tex-chtml.js não é a versão {VERSION} do MathJax")
    return out


def _from_npm(tmp: Path) -> tuple[dict[str, bytes], str]:
    subprocess.run(
        ["npm", "pack", NPM_SPEC, "--silent", "--pack-destination", str(tmp)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    (tarball,) = tmp.glob("mathjax-*.tgz")
    files = {}
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            prefix = "package/es5/"
            if member.isfile() and member.name.startswith(prefix):
                files[member.name.removeprefix(prefix)] = tar.extractfile(member).read()
    return files, f"npm:{NPM_SPEC}"


def _from_pypi(tmp: Path) -> tuple[dict[str, bytes], str]:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(tmp), PYPI_SPEC],
        check=True,
    )
    (wheel,) = tmp.glob("*.whl")
    prefix = "mathjax/static/mathjax/es5/"
    files = {}
    with zipfile.ZipFile(wheel) as zf:
        for name in zf.namelist():
            if name.startswith(prefix) and not name.endswith("/"):
                files[name.removeprefix(prefix)] = zf.read(name)
    return files, f"pypi:{PYPI_SPEC}"


def fetch(source: str, dest: Path = DEST) -> str:
    """Baixa o MathJax pela ``source`` (``npm`` ou ``pypi``) e o grava em ``dest``."""
    with tempfile.TemporaryDirectory() as tmp:
        getter = _from_npm if source == "npm" else _from_pypi
        files, origin = getter(Path(tmp))
    if not files:
        raise RuntimeError(f"o pacote de {source} não trouxe a pasta es5/ do MathJax")
    staging = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    for name, data in files.items():
        target = staging / name
        # nenhum nome do pacote pode escapar da pasta de destino
        if not target.resolve().is_relative_to(staging.resolve()):
            raise RuntimeError(f"caminho suspeito no pacote: {name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    (staging / STAMP).write_text(origin + "\n", encoding="utf-8")
    shutil.rmtree(dest, ignore_errors=True)
    staging.rename(dest)
    return origin


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="apaga e baixa de novo")
    parser.add_argument(
        "--source",
        choices=["auto", "npm", "pypi"],
        default="auto",
        help="de onde baixar (auto: npm se existir, senão PyPI)",
    )
    parser.add_argument("--dest", type=Path, default=DEST, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    dest = args.dest
    if not args.force and (dest / STAMP).is_file() and not problems(dest):
        origin = (dest / STAMP).read_text(encoding="utf-8").strip()
        print(f"MathJax já está em {dest} ({origin})")
        return 0
    if args.source != "auto":
        origin = fetch(args.source, dest)
    elif shutil.which("npm"):
        try:
            origin = fetch("npm", dest)
        except (subprocess.CalledProcessError, ValueError, RuntimeError) as error:
            print(f"npm falhou ({error}); tentando o PyPI", file=sys.stderr)
            origin = fetch("pypi", dest)
    else:
        origin = fetch("pypi", dest)
    bad = problems(dest)
    if bad:
        for item in bad:
            print(f"MathJax em {dest}: {item}", file=sys.stderr)
        return 1
    count = sum(1 for p in dest.rglob("*") if p.is_file())
    print(f"MathJax copiado para {dest} ({origin}, {count} arquivos)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
