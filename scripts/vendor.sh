#!/usr/bin/env bash
# Refresh the vendored front-end assets from the npm registry (pinned versions; see
# src/ggzy/core/static/vendor/README.md). Needs npm. Writes each file to a temporary name first.
set -euo pipefail
cd "$(dirname "$0")/.."
BOOTSTRAP=5.3.9
HTMX=2.0.11
dest=src/ggzy/core/static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "bootstrap@$BOOTSTRAP" "htmx.org@$HTMX" >/dev/null)
mkdir -p "$work/bootstrap" "$work/htmx"
tar xzf "$work/bootstrap-$BOOTSTRAP.tgz" -C "$work/bootstrap"
tar xzf "$work/htmx.org-$HTMX.tgz" -C "$work/htmx"
install_file() { cp "$1" "$2.tmp" && mv "$2.tmp" "$2"; }
install_file "$work/bootstrap/package/dist/css/bootstrap.min.css" "$dest/bootstrap/bootstrap.min.css"
install_file "$work/bootstrap/package/dist/css/bootstrap.min.css.map" "$dest/bootstrap/bootstrap.min.css.map"
install_file "$work/bootstrap/package/LICENSE" "$dest/bootstrap/LICENSE"
install_file "$work/htmx/package/dist/htmx.min.js" "$dest/htmx/htmx.min.js"
install_file "$work/htmx/package/LICENSE" "$dest/htmx/LICENSE"
echo "vendored bootstrap $BOOTSTRAP and htmx $HTMX into $dest"
