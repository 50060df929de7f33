#!/usr/bin/env bash
# Roda todos os testes do curso num único pytest; sai com erro se qualquer um falhar.
#
# Uso:
#     bash tools/test.sh                 # tudo (é o que o CI roda, via .ci/run)
#     bash tools/test.sh -k ngram        # argumentos extras vão para o pytest
#
# Prepara o ambiente (tools/setup_env.sh: .venv com pip install -e ".[book,test]",
# e o chromium do Debian quando roda como root) e chama o pytest sobre:
#   tests/                 testes do pacote, ruff, notebooks limpos, cabeçalhos
#                          sincronizados, construção do site, navegador, Colab;
#   chapters/              cada notebook de capítulo, célula a célula (nbval);
#   exercises/sources/     as fontes das listas de exercícios, com as soluções (nbval).
# O nbval roda com RNNCOURSE_SEED=1 e OMP_NUM_THREADS=1 (veja abaixo); o site, com a semente 0.
# A ordem (rápidos primeiro, construção do site e caminho do Colab por último)
# é definida em tests/conftest.py.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=tools/setup_env.sh
source tools/setup_env.sh
start=$SECONDS
ensure_venv
ensure_chromium
ensure_bubblewrap
echo "preparação do ambiente: $((SECONDS - start)) s" >&2

# o que o nbval executa: todo notebook de capítulo e toda fonte de lista
targets=(tests)
for dir in chapters exercises/sources; do
    if compgen -G "$dir/*.ipynb" >/dev/null; then
        targets+=("$dir")
    fi
done

export PATH="$(cd "$VENV_DIR/bin" && pwd):$PATH"
# Teste de robustez de graça: o nbval executa cada notebook com OUTRA semente e uma thread
# (as afirmações sobre treinos têm de valer para qualquer semente e qualquer CPU); a
# construção do site, logo depois, executa-os de novo com a semente 0 dos leitores
# (tools/build_book.sh ignora RNNCOURSE_SEED). Uma thread também evita que o torch dispute
# os 2 núcleos com outro processo. Mais perturbações: tools/check_robustness.py.
export RNNCOURSE_SEED="${RNNCOURSE_SEED:-1}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
echo "nbval com RNNCOURSE_SEED=$RNNCOURSE_SEED e OMP_NUM_THREADS=$OMP_NUM_THREADS" >&2
set +e
"$VENV_DIR/bin/python" -m pytest -p no:cacheprovider --nbval-lax --nbval-current-env --nbval-cell-timeout=600 \
    "${targets[@]}" "$@"
rc=$?
set -e
if [ "$rc" = 5 ]; then
    echo "erro: o pytest não coletou nenhum teste (código 5)" >&2
    exit 1
fi
echo "tempo total de tools/test.sh: $((SECONDS - start)) s" >&2
exit "$rc"
