#!/usr/bin/env bash
# Constrói o site do curso (Jupyter Book 1) em _build/html.
#
# Uso:
#     bash tools/build_book.sh              # prepara o .venv se preciso e constrói
#     bash tools/build_book.sh --no-setup   # usa o Python de $PYTHON (ou .venv) como está
#     bash tools/build_book.sh --reuse-executed   # usa as saídas que tools/test.sh guardou
#
# Passos: (1) cria ou atualiza o .venv (tools/setup_env.sh); (2) copia o
# MathJax 3 para _vendor/mathjax/ (tools/fetch_mathjax.py), para as equações
# aparecerem sem internet; (3) executa todos os notebooks e constrói o site
# com `jupyter-book build . -W -n --keep-going --all`: qualquer aviso do Sphinx
# ou erro num notebook faz o comando falhar. Sem --reuse-executed, o cache de
# execução (_build/.jupyter_cache) é apagado antes: todo capítulo roda de novo.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

setup=1
reuse=0
for arg in "$@"; do
    case "$arg" in
        --no-setup) setup=0 ;;
        --reuse-executed) reuse=1 ;;
        -h | --help)
            sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "opção desconhecida: $arg (use --help)" >&2
            exit 2
            ;;
    esac
done

if [ "$setup" = 1 ]; then
    # shellcheck source=tools/setup_env.sh
    source tools/setup_env.sh
    ensure_venv
fi
PY="${PYTHON:-${VENV_DIR:-.venv}/bin/python}"
BIN="$(dirname "$PY")"

# o site mostra o que o leitor vê ao abrir o notebook: a semente padrão (0), mesmo quando
# quem chama pediu outra semente. Com --reuse-executed, os capítulos que tools/test.sh acabou
# de executar (com a semente 1, guardados no cache do myst-nb) não rodam de novo.
unset RNNCOURSE_SEED
if [ "$reuse" = 0 ]; then
    rm -rf _build/.jupyter_cache
fi

start=$SECONDS
"$PY" tools/fetch_mathjax.py
"$PY" tools/fetch_widgets_js.py
# começa do zero: páginas ou figuras de uma construção antiga não sobram no site
rm -rf _build/html _build/.doctrees _build/jupyter_execute
"$BIN/jupyter-book" build . -W -n --keep-going --all
if [ ! -f _build/html/index.html ]; then
    echo "erro: a construção terminou sem _build/html/index.html" >&2
    exit 1
fi
echo
echo "Site construído em $((SECONDS - start)) s. Abra no navegador:"
echo "    file://$PWD/_build/html/index.html"
echo "ou sirva a pasta e abra http://127.0.0.1:8000 :"
echo "    python3 -m http.server --directory _build/html 8000"
