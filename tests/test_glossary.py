"""O glossário como fonte única dos termos: o A2 gerado dele e nenhuma variante proibida no texto.

``chapters/A2_glossario.yml`` fixa, para cada termo, o nome em português, o inglês e as
variantes a evitar; ``tools/make_glossary.py`` gera o apêndice A2 e procura as variantes nos
capítulos, nas listas, nas páginas e no texto do pacote. Aqui: o A2 está em dia, o texto do
curso não usa nenhuma variante proibida, e a busca acha o que deve achar (e não o que não deve).
"""

from __future__ import annotations

import json

import pytest
from book_layout import ROOT, load_tool

glossary = load_tool("make_glossary")


@pytest.fixture(scope="module")
def data() -> dict:
    return glossary.load()


def test_a2_is_generated_from_the_yml(data: dict) -> None:
    text = (ROOT / "chapters" / "A2_glossario.md").read_text(encoding="utf-8")
    assert text == glossary.render(data), "A2 desatualizado: rode tools/make_glossary.py"


def test_no_forbidden_variant_in_the_course(data: dict) -> None:
    violations = glossary.scan(data)
    assert not violations, "\n".join(map(str, violations))


def test_every_forbidden_pattern_compiles_and_has_a_preferred_term(data: dict) -> None:
    with_rules = [t for t in data["termos"] if t.get("evitar")]
    assert len(with_rules) >= 10
    for term in with_rules:
        assert isinstance(term["evitar"], list) and term["pt"]


def _write_course(root, markdown: str, code: str, module: str) -> None:
    (root / "chapters").mkdir()
    (root / "rnncourse").mkdir()
    nb = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": markdown},
            {"cell_type": "code", "metadata": {}, "source": code, "outputs": []},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (root / "chapters" / "99_x.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    (root / "rnncourse" / "m.py").write_text(module, encoding="utf-8")


def test_scan_finds_variants_in_prose_comments_and_docstrings(tmp_path, data) -> None:
    _write_course(
        tmp_path,
        "A rede desenrolada no tempo e o portão de saída.",
        "x = 1  # a passagem para a frente\n",
        '"""O embedding de cada símbolo."""\n',
    )
    found = {(v.where.split(" ")[0], v.found.lower()) for v in glossary.scan(data, tmp_path)}
    assert found == {
        ("chapters/99_x.ipynb", "desenrolada"),
        ("chapters/99_x.ipynb", "portão"),
        ("chapters/99_x.ipynb", "passagem para a frente"),
        ("rnncourse/m.py", "embedding"),
    }


def test_scan_ignores_code_math_italics_and_identifiers(tmp_path, data) -> None:
    _write_course(
        tmp_path,
        "A incorporação (*embedding*) é `nn.Embedding`; $\\text{embedding}$; "
        "veja [o link](https://x.org/embedding) e o rótulo ex-ch1-embedding.",
        "emb = nn.Embedding(10, 4)  # incorporação\nembedding_dim = 4\n",
        "self_embedding = None  # a camada de incorporação\n",
    )
    assert glossary.scan(data, tmp_path) == []
