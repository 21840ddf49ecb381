#!/usr/bin/env bash
# Rebuilds internal/web/static/vendor from the versions pinned in
# ui/package.json (and ui/package-lock.json once it exists): htmx, uPlot,
# d3-hierarchy, and one CodeMirror 6 bundle built with esbuild. The output
# is committed; `go build` and `go test` never need node or npm.
set -euo pipefail
cd "$(dirname "$0")"
out=../internal/web/static/vendor
command -v npm >/dev/null || { echo "npm is needed to rebuild the vendored files" >&2; exit 1; }
if [[ -f package-lock.json ]]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
mkdir -p "$out"
cp node_modules/htmx.org/dist/htmx.min.js "$out/htmx.min.js"
cp node_modules/uplot/dist/uPlot.iife.min.js "$out/uplot.min.js"
cp node_modules/uplot/dist/uPlot.min.css "$out/uplot.min.css"
cp node_modules/d3-hierarchy/dist/d3-hierarchy.min.js "$out/d3-hierarchy.min.js"
npx esbuild src/editor.js --bundle --minify --format=iife --target=es2020 --outfile="$out/editor.js" --legal-comments=none
{
	echo "Third-party code vendored by ui/vendor.sh. Versions are pinned in ui/package.json and ui/package-lock.json."
	for p in htmx.org uplot d3-hierarchy @codemirror/state @codemirror/view @codemirror/commands @codemirror/lang-sql \
		@codemirror/autocomplete @codemirror/language @codemirror/search @lezer/common @lezer/highlight @lezer/lr \
		style-mod w3c-keyname crelt @marijn/find-cluster-break; do
		[[ -d node_modules/$p ]] || continue
		v=$(node -p "require('./node_modules/$p/package.json').version")
		echo
		echo "== $p $v =="
		cat node_modules/$p/LICENSE* 2>/dev/null || node -p "require('./node_modules/$p/package.json').license"
	done
} >"$out/LICENSES.txt"
ls -la "$out"
