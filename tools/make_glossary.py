"""Gera o apêndice A2 a partir do glossário e procura variantes proibidas no texto do curso.

Uso (com o Python do ``.venv``, na raiz do repositório)::

    python tools/make_glossary.py          # reescreve chapters/A2_glossario.md
    python tools/make_glossary.py --check  # sai com 1 se o A2 estiver velho ou se algum
                                           # texto usar uma variante de "evitar"

A fonte é ``chapters/A2_glossario.yml`` (o formato está no cabeçalho dele). O texto verificado:
as células markdown e os comentários das células de código dos capítulos e das fontes das
listas; as páginas ``.md`` do site (menos o próprio A2, que cita as variantes para dizer que as
evitamos) e o ``exercises/README.md``; e, no pacote, docstrings, comentários e textos entre
aspas (as dicas do avaliador). Ficam de fora o código entre crases, a matemática entre ``$``,
o itálico entre asteriscos (onde o termo inglês aparece de propósito), endereços e
identificadores com ponto ou sublinhado (``nn.Embedding``, ``embedding_dim``).
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import tokenize
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "chapters" / "A2_glossario.yml"
TARGET = ROOT / "chapters" / "A2_glossario.md"
GENERATED_NOTE = (
    "<!-- Gerado por tools/make_glossary.py a partir de A2_glossario.yml: não edite à mão. -->"
)


def load(path: Path = SOURCE) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for term in data["termos"]:
        missing = {"pt", "en"} - set(term)
        if missing:
            raise ValueError(f"termo sem {sorted(missing)} no glossário: {term}")
        unknown = set(term) - {"pt", "en", "nota", "evitar"}
        if unknown:
            raise ValueError(f"campos desconhecidos {sorted(unknown)} no termo {term['pt']!r}")
    return data


def _sort_key(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return plain.casefold()


def render(data: dict) -> str:
    """O markdown do apêndice A2: o texto de abertura e a tabela, em ordem alfabética."""
    names = [t["pt"] for t in data["termos"]]
    if names != sorted(names, key=_sort_key):
        raise ValueError("os termos do glossário não estão em ordem alfabética (sem acentos)")
    if len(set(names)) != len(names):
        raise ValueError("termo repetido no glossário")
    lines = [GENERATED_NOTE, "", data["texto"].rstrip(), ""]
    lines += ["| português (termo do curso) | inglês | observações |", "| --- | --- | --- |"]
    for t in data["termos"]:
        lines.append(f"| **{t['pt']}** | *{t['en']}* | {t.get('nota', '')} |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- texto corrido
_STRIP = [
    re.compile(r"```.*?```", re.S),  # blocos de código
    re.compile(r"\$\$.*?\$\$", re.S),  # matemática em bloco
    re.compile(r"`[^`]*`"),  # código e papéis ({cite}`x`, {glue:text}`y`)
    re.compile(r"\$[^$]*\$"),  # matemática na linha
    re.compile(r"(?<!\*)\*[^*\n]+\*(?!\*)"),  # itálico (o negrito, já sem asteriscos, fica)
    re.compile(r"https?://\S+"),  # endereços
    re.compile(r"\]\([^)]*\)"),  # alvos de links
]


_BOLD = re.compile(r"\*\*([^*\n]+)\*\*")


def prose(text: str) -> str:
    """O texto corrido: sem código, matemática, itálico e endereços."""
    text = _BOLD.sub(r"\1", text)
    for pattern in _STRIP:
        text = pattern.sub(" ", text)
    return text


def _python_text(source: str) -> str:
    """Comentários e textos entre aspas de um código Python (docstrings, mensagens)."""
    parts = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                parts.append(tok.string.lstrip("#"))
            elif tok.type == tokenize.STRING:
                parts.append(tok.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        # célula com mágicas (%pip) ou código incompleto: os comentários, linha a linha
        parts = [line.split("#", 1)[1] for line in source.splitlines() if "#" in line]
    return "\n".join(parts)


def texts(root: Path = ROOT) -> list[tuple[str, str]]:
    """``(onde, texto corrido)`` de cada pedaço de texto do curso que o glossário rege."""
    found: list[tuple[str, str]] = []
    notebooks = sorted((root / "chapters").glob("*.ipynb"))
    notebooks += sorted((root / "exercises" / "sources").glob("*.ipynb"))
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for i, cell in enumerate(nb["cells"]):
            source = "".join(cell["source"])
            where = f"{path.relative_to(root)} (célula {i})"
            if cell["cell_type"] == "markdown":
                found.append((where, prose(source)))
            elif cell["cell_type"] == "code":
                source = "\n".join(
                    line for line in source.splitlines() if not line.lstrip().startswith("%")
                )
                found.append((where, prose(_python_text(source))))
    pages = sorted((root / "chapters").glob("*.md")) + [
        root / "intro.md",
        root / "exercises" / "index.md",
        root / "exercises" / "README.md",
    ]
    for path in pages:
        if path == root / TARGET.relative_to(ROOT) or not path.exists():
            continue
        found.append((str(path.relative_to(root)), prose(path.read_text(encoding="utf-8"))))
    for path in sorted((root / "rnncourse").rglob("*.py")):
        text = _python_text(path.read_text(encoding="utf-8"))
        found.append((str(path.relative_to(root)), prose(text)))
    return found


@dataclass(frozen=True)
class Violation:
    where: str
    found: str
    preferred: str
    context: str

    def __str__(self) -> str:
        return f'{self.where}: "{self.found}" (use "{self.preferred}") … {self.context} …'


def scan(data: dict, root: Path = ROOT) -> list[Violation]:
    """Cada uso de uma variante proibida no texto do curso."""
    rules = [
        (re.compile(rf"(?<![\w.-]){pattern}(?![\w.-])", re.I), term["pt"])
        for term in data["termos"]
        for pattern in term.get("evitar", [])
    ]
    violations = []
    for where, text in texts(root):
        for regex, preferred in rules:
            for match in regex.finditer(text):
                start, end = max(0, match.start() - 40), match.end() + 40
                context = " ".join(text[start:end].split())
                violations.append(Violation(where, match.group(0), preferred, context))
    return violations


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="só confere; não escreve nada")
    args = parser.parse_args(argv)
    data = load()
    text = render(data)
    status = 0
    if args.check:
        if TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET.relative_to(ROOT)} está desatualizado: rode tools/make_glossary.py")
            status = 1
    else:
        TARGET.write_text(text, encoding="utf-8")
        print(f"escrito: {TARGET.relative_to(ROOT)} ({len(data['termos'])} termos)")
    violations = scan(data)
    for v in violations:
        print(v)
    if violations:
        print(f"{len(violations)} uso(s) de variantes que o glossário manda evitar")
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
