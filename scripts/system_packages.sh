#!/usr/bin/env bash
# Debian packages Filiera needs beyond Python: pango (WeasyPrint's PDFs: agendas, reports) and a font.
# Installed with apt-get when missing and this runs as root; otherwise says what to install.
set -uo pipefail
missing=()
for lib in libpango-1.0.so.0 libpangoft2-1.0.so.0; do
  ldconfig -p 2>/dev/null | grep -q "$lib" || missing+=("$lib")
done
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=("DejaVuSans.ttf")
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get > /dev/null; then
  echo "installing pango and fonts for PDFs (missing: ${missing[*]})…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 \
    fonts-dejavu-core > /dev/null) || echo "WARNING: could not install pango; PDFs will fail" >&2
else
  echo "WARNING: PDFs need pango and a font (missing: ${missing[*]}): apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core" >&2
fi
