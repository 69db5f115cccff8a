"""What every file Filiera writes for a spreadsheet shares (CSV and XLSX exports, reports, evidence packs)."""

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Neutralise spreadsheet formulas: a text cell starting with = + - @ (or a tab or carriage return, which some
    spreadsheets skip) is prefixed with an apostrophe, so that it opens as the text it is. A text whose apostrophes
    are already followed by one of them gets one more: the organisation import takes one apostrophe off such a
    cell (see is_escaped), so that "'=x" comes back as itself and not as "=x"."""
    if isinstance(value, str) and value.lstrip("'")[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def is_escaped(text: str) -> bool:
    """Whether a cell read back from a spreadsheet was protected by safe_cell (its first apostrophe is ours)."""
    return text[:1] == "'" and text.lstrip("'")[:1] in FORMULA_STARTS


def safe_xlsx_cell(value):
    """safe_cell for a workbook, without the control characters a workbook cannot hold: openpyxl refuses the whole
    file for one, so a name typed or imported with one would break every export it is in. They go first, so that
    what they hid ("\x01=1") is neutralised too."""
    return safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value)
