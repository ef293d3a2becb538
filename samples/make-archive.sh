#!/bin/sh
# Rebuilds samples/acme-support-bundle.tar.gz from samples/acme-support-bundle/.
# Deterministic: the same tree gives the same bytes (members sorted by name,
# fixed owner, mode and mtime; `gzip -n` keeps the name and time out of the
# gzip header, as GZIP=-n did before gzip deprecated that variable).
set -eu
cd "$(dirname "$0")/.."
tar --sort=name --owner=0 --group=0 --numeric-owner \
    --mode='u+rw,go+r,go-w' \
    --mtime='2026-11-20 14:03:11Z' \
    --use-compress-program='gzip -9n' \
    -C samples/acme-support-bundle \
    -cf samples/acme-support-bundle.tar.gz \
    support-bundle-2026-11-20T14_03_11
