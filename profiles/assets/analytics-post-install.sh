#!/bin/sh
# Acme's own post-install step (profiles/acme-analytics.yaml): pip in the work
# environment installs from Acme's PyPI mirror. PREFIX is the installation.
set -eu
cat > "$PREFIX/envs/work/pip.conf" <<'CONF'
[global]
index-url = https://pypi.acme.example/simple
CONF
