"""What the project importers read from a file before anything is written: plain records, each with the row it came
from, so that a problem is reported where the user finds it. The participations file and the CORDIS exports both
come down to these, and one planner (projects.importing) turns them into projects, partners and organisations."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

COORDINATOR = "coordinator"
PARTNER = "partner"
ASSOCIATED = "associated"

# How the sources name a partner's role; CORDIS says "participant" and "thirdParty", older files "partner".
ROLE_ALIASES = {
    "coordinator": COORDINATOR, "coord": COORDINATOR, "coo": COORDINATOR,
    "participant": PARTNER, "partner": PARTNER, "beneficiary": PARTNER, "par": PARTNER,
    "associated": ASSOCIATED, "associatedpartner": ASSOCIATED, "thirdparty": ASSOCIATED,
    "internationalpartner": ASSOCIATED, "partnerorganisation": ASSOCIATED,
}


def role_of(text: str) -> str | None:
    """Our role for a source's role name, or None when it is not one."""
    key = "".join(ch for ch in (text or "").lower() if ch.isalnum())
    return ROLE_ALIASES.get(key)


@dataclass
class ProjectRecord:
    ref: str  # the source's id of the project (CORDIS project id or RCN)
    row: int  # where it was read (a JSON file: the object's position, from 1)
    acronym: str = ""
    title: str = ""
    programme: str = ""
    call: str = ""  # the call or topic identifier
    summary: str = ""
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    total_cost: Decimal | None = None
    eu_contribution: Decimal | None = None


@dataclass
class OrganisationRecord:
    """An organisation as a CORDIS export describes it (the participations file names organisations by ref only)."""

    ref: str  # the EU PIC
    row: int
    name: str
    short_name: str = ""
    cordis_type: str = ""  # PRC, HES, REC, PUB, OTH
    is_sme: bool = False
    country: str = ""  # ISO 3166 alpha-2, as read (UK and EL are mapped by the planner)
    city: str = ""
    postcode: str = ""
    region: str = ""  # NUTS code
    website: str = ""


@dataclass
class ParticipationRecord:
    project_ref: str
    org_ref: str
    row: int
    role: str = PARTNER
    contribution: Decimal | None = None  # the EU contribution to this partner, EUR
