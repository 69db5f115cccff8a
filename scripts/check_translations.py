"""Fail when a UI language is incomplete or its committed .mo file does not match its .po file.

Runs msgfmt (GNU gettext) on every src/filiera/locale/<lang>/LC_MESSAGES/django.po: errors, untranslated or fuzzy
messages fail, and so does a committed django.mo that differs from a fresh compile (run `make messages`).
"""

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

LOCALE = Path(__file__).resolve().parent.parent / "src" / "filiera" / "locale"
LANGUAGES = ("it", "da", "es")


def main() -> int:
    if shutil.which("msgfmt") is None:
        print("msgfmt not found: install GNU gettext (apt-get install gettext)")
        return 1
    problems = []
    for lang in LANGUAGES:
        po = LOCALE / lang / "LC_MESSAGES" / "django.po"
        mo = po.with_suffix(".mo")
        if not po.exists() or not mo.exists():
            problems.append(f"{lang}: missing {po.name} or {mo.name}")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            fresh = Path(tmp) / "django.mo"
            result = subprocess.run(
                ["msgfmt", "--check-format", "--statistics", "-o", str(fresh), str(po)],
                capture_output=True, text=True,
            )
            stats = result.stderr.strip()
            if result.returncode != 0:
                problems.append(f"{lang}: msgfmt failed: {stats}")
                continue
            if re.search(r"\d+ (untranslated|fuzzy)", stats):
                problems.append(f"{lang}: incomplete: {stats}")
            if fresh.read_bytes() != mo.read_bytes():
                problems.append(f"{lang}: {mo} is stale; run `make messages`")
        print(f"{lang}: {stats}")
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
