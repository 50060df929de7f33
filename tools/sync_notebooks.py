"""Reescreve o link do Colab e a célula de configuração dos notebooks a partir de _config.yml.

Uso::

    python tools/sync_notebooks.py          # reescreve o que estiver diferente
    python tools/sync_notebooks.py --check  # só verifica; sai com 1 se algo discordar

O endereço do repositório e o ramo vêm de ``repository:`` em ``_config.yml``,
o único lugar onde estão escritos. Cada notebook de ``chapters/`` e
``exercises/`` (inclusive as fontes das listas) começa com duas células
marcadas por etiquetas: ``colab-badge`` (markdown, o link para abrir a página
no Colab) e ``setup`` (código: instala o pacote no Colab, fixa a semente e
escolhe o dispositivo).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIRS = ("chapters", "exercises")
BADGE_TAG = "colab-badge"
SETUP_TAG = "setup"
# páginas em markdown que citam o repositório (clonar, citar): o endereço delas
# não é reescrito, mas --check confere que é o do _config.yml
DOCS_WITH_REPO_URL = ("intro.md",)
_GITHUB_URL = re.compile(r"https://github\.com/[\w.-]+/[\w-]+(?:\.[\w-]+)*")


def repository(root: Path = ROOT) -> tuple[str, str]:
    """``(url, ramo)`` do repositório, lidos de ``_config.yml``."""
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    repo = config["repository"]
    return repo["url"].rstrip("/"), repo.get("branch", "main")


def colab_url(relpath: str, root: Path = ROOT) -> str:
    url, branch = repository(root)
    slug = url.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{slug}/blob/{branch}/{relpath}"


def badge_source(relpath: str, root: Path = ROOT) -> str:
    return (
        f"[▶ Abrir este notebook no Google Colab]({colab_url(relpath, root)})"
        " · [Como rodar localmente](../intro.md#como-rodar-os-notebooks)"
    )


def setup_source(root: Path = ROOT) -> str:
    url, branch = repository(root)
    return "\n".join(
        [
            "# Configuração (gerada por tools/sync_notebooks.py a partir de _config.yml;",
            "# não edite à mão). No Colab instala o pacote do curso; em qualquer lugar",
            "# fixa a semente e escolhe o dispositivo (GPU se houver, senão CPU).",
            "import os",
            "import sys",
            "",
            'if "google.colab" in sys.modules:',
            f'    %pip install -q "rnncourse @ git+{url}@{branch}"',
            "",
            "import rnncourse",
            "",
            "# a variável de ambiente RNNCOURSE_SEED troca a semente do notebook inteiro",
            "# (tools/check_robustness.py a usa para conferir as afirmações com outras sementes)",
            'SEED = int(os.environ.get("RNNCOURSE_SEED", "0"))',
            "rnncourse.set_seed(SEED)",
            "device = rnncourse.get_device()",
            'print(f"rnncourse {rnncourse.__version__} | dispositivo: {device}")',
        ]
    )


def notebooks(root: Path = ROOT) -> list[Path]:
    found = []
    for folder in NOTEBOOK_DIRS:
        found += [
            p
            for p in sorted((root / folder).rglob("*.ipynb"))
            if ".ipynb_checkpoints" not in p.parts
        ]
    return found


def _tagged(nb, tag: str):
    for cell in nb.cells:
        if tag in cell.get("metadata", {}).get("tags", []):
            return cell
    return None


def expected_head(path: Path, root: Path = ROOT):
    relpath = path.relative_to(root).as_posix()
    badge = nbformat.v4.new_markdown_cell(badge_source(relpath, root))
    badge.metadata["tags"] = [BADGE_TAG]
    setup = nbformat.v4.new_code_cell(setup_source(root))
    # no site, a célula fica recolhida atrás de um botão (o título do capítulo vem
    # logo depois dela); no Colab e no Jupyter ela aparece normalmente
    setup.metadata["tags"] = [SETUP_TAG, "hide-cell"]
    # ids fixos: rodar a ferramenta duas vezes não muda nada no arquivo
    badge.id, setup.id = BADGE_TAG, SETUP_TAG
    return badge, setup


def problems(path: Path, root: Path = ROOT) -> list[str]:
    """Lista o que discorda do esperado no início de um notebook (vazia se tudo certo)."""
    nb = nbformat.read(path, as_version=4)
    badge, setup = expected_head(path, root)
    out = []
    if len(nb.cells) < 2:
        return ["o notebook tem menos de duas células"]
    for index, (want, tag) in enumerate(((badge, BADGE_TAG), (setup, SETUP_TAG))):
        cell = nb.cells[index]
        if cell.cell_type != want.cell_type or tag not in cell.metadata.get("tags", []):
            out.append(f"a célula {index} deveria ser a célula '{tag}'")
        elif cell.source != want.source:
            out.append(f"a célula '{tag}' não é a gerada a partir de _config.yml")
        elif cell.metadata.get("tags") != want.metadata["tags"]:
            out.append(f"a célula '{tag}' deveria ter as etiquetas {want.metadata['tags']}")
    if nb.metadata.get("kernelspec", {}).get("name") != "python3":
        out.append("kernelspec deveria ser 'python3'")
    return out


def doc_problems(root: Path = ROOT) -> list[str]:
    """Endereços do GitHub nas páginas de DOCS_WITH_REPO_URL que não são o do _config.yml."""
    url, _ = repository(root)
    out = []
    for name in DOCS_WITH_REPO_URL:
        text = (root / name).read_text(encoding="utf-8")
        for found in _GITHUB_URL.findall(text):
            if found.removesuffix(".git") != url:
                out.append(
                    f"{name}: {found} não é o repositório do _config.yml ({url}); corrija à mão"
                )
    return out


def sync(path: Path, root: Path = ROOT) -> bool:
    """Reescreve o início de ``path``; devolve True se o arquivo mudou."""
    nb = nbformat.read(path, as_version=4)
    before = nbformat.writes(nb)
    badge, setup = expected_head(path, root)
    nb.cells = [
        c
        for c in nb.cells
        if not {BADGE_TAG, SETUP_TAG} & set(c.get("metadata", {}).get("tags", []))
    ]
    nb.cells[:0] = [badge, setup]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.metadata.setdefault("language_info", {"name": "python"})
    after = nbformat.writes(nb)
    if after != before:
        path.write_text(after + ("" if after.endswith("\n") else "\n"), encoding="utf-8")
        return True
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="só verifica, não escreve")
    args = parser.parse_args(argv)
    bad = 0
    for path in notebooks():
        rel = path.relative_to(ROOT)
        if args.check:
            for problem in problems(path):
                print(f"{rel}: {problem}")
                bad += 1
        elif sync(path):
            print(f"atualizado: {rel}")
    if args.check:
        for problem in doc_problems():
            print(problem)
            bad += 1
    if args.check and bad:
        print("rode: python tools/sync_notebooks.py", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
