#!/usr/bin/env bash
# Refresh the vendored front-end assets from the npm registry (pinned versions; see
# src/ggzy/core/static/vendor/README.md). Needs npm. Writes each file to a temporary name first.
set -euo pipefail
cd "$(dirname "$0")/.."
BOOTSTRAP=5.3.9
HTMX=2.0.11
TUS=4.3.1
dest=src/ggzy/core/static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "bootstrap@$BOOTSTRAP" "htmx.org@$HTMX" "tus-js-client@$TUS" >/dev/null)
mkdir -p "$work/bootstrap" "$work/htmx" "$work/tus" "$dest/tus-js-client"
tar xzf "$work/bootstrap-$BOOTSTRAP.tgz" -C "$work/bootstrap"
tar xzf "$work/htmx.org-$HTMX.tgz" -C "$work/htmx"
tar xzf "$work/tus-js-client-$TUS.tgz" -C "$work/tus"
install_file() { cp "$1" "$2.tmp" && mv "$2.tmp" "$2"; }
install_file "$work/bootstrap/package/dist/css/bootstrap.min.css" "$dest/bootstrap/bootstrap.min.css"
install_file "$work/bootstrap/package/dist/css/bootstrap.min.css.map" "$dest/bootstrap/bootstrap.min.css.map"
install_file "$work/bootstrap/package/LICENSE" "$dest/bootstrap/LICENSE"
install_file "$work/htmx/package/dist/htmx.min.js" "$dest/htmx/htmx.min.js"
install_file "$work/htmx/package/LICENSE" "$dest/htmx/LICENSE"
# the browser bundle (UMD, global `tus`) and its source map (the manifest storage follows sourceMappingURL)
install_file "$work/tus/package/dist/tus.min.js" "$dest/tus-js-client/tus.min.js"
install_file "$work/tus/package/dist/tus.min.js.map" "$dest/tus-js-client/tus.min.js.map"
install_file "$work/tus/package/LICENSE" "$dest/tus-js-client/LICENSE"
echo "vendored bootstrap $BOOTSTRAP, htmx $HTMX and tus-js-client $TUS into $dest"
