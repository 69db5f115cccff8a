"""What every file Filiera writes for a spreadsheet shares (CSV and XLSX exports, reports, evidence packs)."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Neutralise spreadsheet formulas: a text cell starting with = + - @ (or a tab or carriage return, which some
    spreadsheets skip) is prefixed with an apostrophe, so that it opens as the text it is."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value
