# Funções de preparação do ambiente, usadas por tools/test.sh e tools/build_book.sh.
#
# Uso (dentro de outro script bash, a partir da raiz do repositório):
#     source tools/setup_env.sh
#     ensure_venv        # cria/atualiza .venv com pip install -e ".[book,test]"
#     ensure_chromium    # instala o chromium do Debian (só como root, só se faltar)
#     ensure_bubblewrap  # instala o bwrap do Debian (a caixa de areia da correção em lote)
#
# ensure_venv é idempotente: guarda em .venv/.rnncourse-stamp um resumo do
# pyproject.toml e da versão do Python; se nada mudou, não chama o pip (leva
# menos de um segundo). Quando o pyproject muda, o pip só instala o que falta:
# o torch já instalado não é baixado de novo.

VENV_DIR="${VENV_DIR:-.venv}"

_log() { printf '\n==> %s\n' "$*" >&2; }

_stamp() {
    # resumo do que define o ambiente: o pyproject e o Python do .venv
    {
        cat pyproject.toml
        "$VENV_DIR/bin/python" -c 'import sys; print(sys.version)'
    } | sha256sum | cut -d' ' -f1
}

ensure_venv() {
    local py="${PYTHON3:-python3}"
    if ! command -v "$py" >/dev/null 2>&1; then
        echo "erro: '$py' não encontrado; instale o Python 3.10 ou mais novo" >&2
        return 1
    fi
    if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
        echo "erro: o curso precisa de Python 3.10 ou mais novo ($("$py" --version))" >&2
        return 1
    fi
    # um .venv quebrado (Python removido ou movido) é recriado
    if [ -d "$VENV_DIR" ] && ! "$VENV_DIR/bin/python" -c 'import sys' >/dev/null 2>&1; then
        _log "o $VENV_DIR existente está quebrado; recriando"
        rm -rf "$VENV_DIR"
    fi
    if [ ! -x "$VENV_DIR/bin/python" ]; then
        _log "criando o ambiente virtual $VENV_DIR"
        if ! "$py" -m venv "$VENV_DIR"; then
            # no Debian o módulo venv vem num pacote à parte (python3-venv)
            rm -rf "$VENV_DIR"
            if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
                _log "instalando python3-venv com apt-get"
                apt-get update -qq
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
                "$py" -m venv "$VENV_DIR"
            else
                echo "erro: '$py -m venv' falhou; instale o pacote python3-venv" >&2
                return 1
            fi
        fi
    fi
    local want
    want="$(_stamp)"
    if [ -f "$VENV_DIR/.rnncourse-stamp" ] && [ "$(cat "$VENV_DIR/.rnncourse-stamp")" = "$want" ] \
        && "$VENV_DIR/bin/python" -c 'import rnncourse' >/dev/null 2>&1; then
        echo "ambiente $VENV_DIR em dia (pyproject.toml não mudou)" >&2
        return 0
    fi
    _log "instalando o pacote e as dependências (pip install -e \".[book,test]\")"
    "$VENV_DIR/bin/python" -m pip install -q -e ".[book,test]"
    _stamp >"$VENV_DIR/.rnncourse-stamp"
}

chromium_path() {
    command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null || true
}

ensure_chromium() {
    if [ -n "$(chromium_path)" ]; then
        return 0
    fi
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        _log "instalando o chromium do Debian (apt-get), usado pelo teste no navegador"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "aviso: chromium não encontrado e não dá para instalá-lo sem ser root;" \
            "o teste no navegador será pulado (em CI ele falha)" >&2
    fi
}

ensure_bubblewrap() {
    # a correção em lote roda cada submissão numa caixa de areia do bubblewrap; os testes
    # da turma hostil (tests/test_grading_hostile.py) precisam dele
    if command -v bwrap >/dev/null 2>&1; then
        return 0
    fi
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        _log "instalando o bubblewrap do Debian (apt-get), a caixa de areia da correção em lote"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null
    else
        echo "aviso: bwrap não encontrado e não dá para instalá-lo sem ser root;" \
            "os testes da correção em lote com caixa de areia serão pulados" >&2
    fi
}
