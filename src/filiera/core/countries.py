"""Countries: ISO 3166-1 alpha-2 codes with names in the reader's language (django-countries' translations),
plus the codes the EU uses beside ISO (Kosovo XK; EL and UK for Greece and the United Kingdom)."""

from __future__ import annotations

import functools

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_countries import countries

from filiera.directory.models import fold

# The EU's own codes for the United Kingdom and Greece, accepted on input and stored as ISO.
COUNTRY_ALIASES = {"UK": "GB", "EL": "GR"}
# Kosovo's user-assigned code, used by the EU (CORDIS, Eurostat).
EXTRA_CODES = {"XK": "Kosovo"}
COUNTRY_CODES = frozenset(code for code, _name in countries) | frozenset(EXTRA_CODES)


def country_name(code: str) -> str:
    """The country's name in the active language (the code itself when it is unknown)."""
    return _name_in((code or "").upper(), get_language())


@functools.lru_cache(maxsize=4096)
def _name_in(code: str, language: str | None) -> str:
    """A page names the same few countries many times (every card of the directory, every facet): a name is looked
    up once per language and process. `language` is the active one, which the lookup below reads."""
    if code in EXTRA_CODES:
        return EXTRA_CODES[code]
    return str(countries.name(code) or code)


def country_choices(current: str = "") -> list[tuple[str, str]]:
    """A select's options, sorted by name in the active language. A stored code that is not known (an old
    import's "EL", say) stays selectable, so that saving a profile keeps it."""
    choices = sorted(((code, country_name(code)) for code in COUNTRY_CODES), key=lambda choice: fold(choice[1]))
    if current and current not in COUNTRY_CODES:
        choices.insert(0, (current, current))
    return [("", _("Choose a country"))] + choices
