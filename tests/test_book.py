"""O site construído: todas as páginas do sumário, em pt-BR, com o MathJax servido pelo site.

A construção em si (``jupyter-book build . -W -n --keep-going``, que falha com
qualquer aviso ou erro num notebook) acontece uma vez, na fixture ``built_book``
de ``conftest.py``; aqui se confere o resultado. O comportamento das páginas
num navegador fica em ``test_browser.py``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from book_layout import load_tool

fetch_mathjax = load_tool("fetch_mathjax")

pytestmark = pytest.mark.stage(2)

CDN_HINTS = ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "unpkg.com/mathjax", "polyfill.io")


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_every_toc_page_is_built(built_book: Path, pages) -> None:
    missing = [p.html for p in pages if not (built_book / p.html).is_file()]
    assert not missing, f"páginas do sumário que não viraram HTML: {missing}"
    assert (built_book / "index.html").is_file()


def test_pages_are_in_brazilian_portuguese(built_book: Path, pages) -> None:
    wrong = [p.html for p in pages if '<html lang="pt-BR"' not in _read(built_book / p.html)]
    assert not wrong, f'páginas sem <html lang="pt-BR">: {wrong}'


def test_mathjax_is_served_by_the_site(built_book: Path) -> None:
    served = built_book / "_static" / "mathjax"
    assert fetch_mathjax.problems(served) == []
    offenders = {}
    for page in sorted(built_book.rglob("*.html")):
        text = _read(page)
        hits = [hint for hint in CDN_HINTS if hint in text]
        if hits:
            offenders[str(page.relative_to(built_book))] = hits
    assert not offenders, f"páginas que ainda buscam scripts numa CDN: {offenders}"


def test_pages_with_math_load_the_local_mathjax_once(built_book: Path, pages) -> None:
    served = (built_book / "_static" / "mathjax").resolve()
    with_math = 0
    for page in pages:
        text = _read(built_book / page.html)
        scripts = [
            src
            for src in re.findall(r'<script[^>]*\ssrc="([^"]+)"', text)
            if "mathjax" in src.lower()
        ]
        if 'class="math' not in text:
            continue
        with_math += 1
        # um único script do MathJax: o Jupyter Book 1 acrescenta à página todo .js
        # que achar numa pasta _static/ da raiz, e o MathJax então carrega dezenas
        # de componentes duas vezes (erros de JavaScript, equações quebradas)
        assert len(scripts) == 1, f"{page.html} carrega {len(scripts)} do MathJax: {scripts}"
        target = ((built_book / page.html).parent / scripts[0].split("?", 1)[0]).resolve()
        assert target == served / "tex-chtml.js", (
            f"{page.html} carrega o MathJax de {scripts[0]}, não de _static/mathjax/tex-chtml.js"
        )
    assert with_math > 0, "nenhuma página tem equações: o curso deveria ter"


def test_chapter_notebooks_were_executed(built_book: Path, pages) -> None:
    # a célula de configuração imprime a versão do pacote e o dispositivo; se a
    # página não mostra essa saída, o notebook não foi executado na construção
    chapters = [p for p in pages if p.is_notebook and p.docname.startswith("chapters/")]
    assert chapters, "o sumário não tem nenhum capítulo em notebook"
    for page in chapters:
        text = _read(built_book / page.html)
        assert "cell_output" in text and "dispositivo:" in text, (
            f"{page.html} não mostra a saída da célula de configuração: o notebook rodou?"
        )


def test_the_build_reuses_the_chapters_the_tests_executed(built_book: Path, pages) -> None:
    # cada capítulo roda uma vez por sessão de testes (test_notebook_execution.py), e a
    # construção usa essas saídas pelo cache do myst-nb; se o hash não bater, o myst-nb
    # executaria tudo de novo em silêncio, dobrando o tempo do CI
    if not os.environ.get("RNNCOURSE_EXECUTED_IN_SESSION"):
        pytest.skip("os notebooks não foram executados nesta sessão")
    log = _read(built_book.parent / "build.log")
    chapters = [p for p in pages if p.is_notebook and p.docname.startswith("chapters/")]
    executed_again = [p.docname for p in chapters if f"{p.docname}.ipynb: Executing" in log]
    assert not executed_again, f"a construção executou de novo: {executed_again}"
    reused = log.count("Using cached notebook")
    assert reused == len(chapters), f"{reused} capítulos vieram do cache, e não {len(chapters)}"
