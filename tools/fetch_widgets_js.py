"""Copia para ``_vendor/widgets/`` o JavaScript que desenha os widgets (barras do tqdm) no site.

Uso::

    python tools/fetch_widgets_js.py          # baixa só se faltar
    python tools/fetch_widgets_js.py --check  # só confere; sai com 1 se faltar algo

Quando o Jupyter Book executa um capítulo, as barras de progresso do
``tqdm.auto`` viram widgets (ipywidgets), e o estado final de cada uma fica
guardado na página. Para desenhá-las, o myst-nb carrega por padrão o RequireJS
e o ``@jupyter-widgets/html-manager`` de uma CDN; o site do curso precisa
funcionar sem internet, então os dois vêm do registro do npm (``npm pack``) no
momento da construção e são publicados com o site (``_config.yml``:
``nb_ipywidgets_js``). As versões são as que o myst-nb 1.x usa.
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEST = ROOT / "_vendor" / "widgets"
# pacote do npm -> (arquivo dentro do pacote, nome publicado)
PACKAGES = {
    "requirejs@2.3.4": ("package/require.js", "require.js"),
    "@jupyter-widgets/html-manager@1.0.6": ("package/dist/embed-amd.js", "embed-amd.js"),
}
FONT_SUFFIXES = {".woff", ".woff2", ".ttf", ".eot", ".svg"}
ASSETS_SCRIPT = "assets-path.js"
FONT_DIR = "html-manager/dist"


def problems(dest: Path = DEST) -> list[str]:
    out = []
    for name in [name for _, name in PACKAGES.values()] + [ASSETS_SCRIPT]:
        path = dest / name
        if not path.is_file() or path.stat().st_size < (10_000 if name != ASSETS_SCRIPT else 10):
            out.append(f"falta {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return out


def fetch(dest: Path = DEST) -> None:
    if shutil.which("npm") is None:
        raise RuntimeError(
            "o npm não foi encontrado: ele é preciso para publicar os widgets com o site "
            "(no Debian: apt-get install npm)"
        )
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for spec, (member, name) in PACKAGES.items():
            proc = subprocess.run(
                ["npm", "pack", spec, "--silent", "--pack-destination", tmp],
                capture_output=True,
                text=True,
                timeout=300,
            )
            if proc.returncode != 0:
                raise RuntimeError(f"npm pack {spec} falhou:\n{proc.stderr}")
            tgz = Path(tmp) / proc.stdout.strip().splitlines()[-1]
            with tarfile.open(tgz) as tar:
                data = tar.extractfile(member)
                if data is None:
                    raise RuntimeError(f"{member} não está em {spec}")
                (dest / name).write_bytes(io.BytesIO(data.read()).getvalue())
                # as fontes de ícones que o CSS dos widgets pede, ao lado do script
                for info in tar.getmembers():
                    if (
                        info.isfile()
                        and info.name.startswith("package/dist/")
                        and (Path(info.name).suffix in FONT_SUFFIXES)
                    ):
                        font = tar.extractfile(info)
                        if font is not None:
                            fonts = dest / FONT_DIR
                            fonts.mkdir(parents=True, exist_ok=True)
                            (fonts / Path(info.name).name).write_bytes(font.read())
    # O html-manager calcula onde estão as fontes a partir do endereço que o
    # RequireJS dá ao módulo "@jupyter-widgets/html-manager" (por padrão, relativo
    # à página, onde nada existe): este script aponta esse módulo para esta pasta.
    (dest / ASSETS_SCRIPT).write_text(
        "// gerado por tools/fetch_widgets_js.py\n"
        "(function () {\n"
        "  var base = document.currentScript.src.replace(/[^/]*$/, '');\n"
        f"  window.__jupyter_widgets_assets_path__ = base + '{FONT_DIR}/';\n"
        "  require.config({paths: {'@jupyter-widgets/html-manager': base + 'html-manager'}});\n"
        "})();\n",
        encoding="utf-8",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="só confere, não baixa")
    args = parser.parse_args(argv)
    if not args.check and problems():
        fetch()
    missing = problems()
    for line in missing:
        print(line, file=sys.stderr)
    if not missing:
        print(f"widgets: {DEST.relative_to(ROOT)} pronto", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
