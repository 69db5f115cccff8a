#!/usr/bin/env bash
# Debian packages Filiera needs beyond Python: pango (WeasyPrint's PDFs: agendas, reports), a font, and the
# PostgreSQL client (pg_dump and pg_restore for `filiera backup` / `filiera restore` on PostgreSQL).
# Installed with apt-get when missing and this runs as root; otherwise says what to install.
set -uo pipefail
missing=()
packages=()
for lib in libpango-1.0.so.0 libpangoft2-1.0.so.0; do
  ldconfig -p 2>/dev/null | grep -q "$lib" || { missing+=("$lib"); packages+=(libpango-1.0-0 libpangoft2-1.0-0); }
done
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || { missing+=("DejaVuSans.ttf"); packages+=(fonts-dejavu-core); }
command -v pg_dump > /dev/null || { missing+=("pg_dump"); packages+=(postgresql-client); }
[ ${#missing[@]} -eq 0 ] && exit 0
packages=($(printf '%s\n' "${packages[@]}" | sort -u))
if [ "$(id -u)" = "0" ] && command -v apt-get > /dev/null; then
  echo "installing ${packages[*]} (missing: ${missing[*]})…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" > /dev/null) \
    || echo "WARNING: could not install ${packages[*]}; PDFs or PostgreSQL backups will fail" >&2
else
  echo "WARNING: missing ${missing[*]}: apt-get install ${packages[*]}" >&2
fi
