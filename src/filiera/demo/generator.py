"""The demo plan: organisations, memberships, people and opportunities, generated from the data files.

Pure Python (no Django), so the plan can be built, inspected and tested without a database. The same seed and the
same `today` give the same plan. Membership history and consents use fixed dates (2015-2026); the posting dates and
expiries of opportunities are relative to `today`, so the demo never goes stale.
"""

from __future__ import annotations

import json
import random
import re
import string
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources

SEED = 2026
# Membership history and consents end here (fixed, so that the history is the same whenever the demo is loaded).
HISTORY_END = date(2026, 10, 31)
GDPR_START = date(2018, 5, 25)
TEXT_LANGUAGES = ("it", "da", "es", "de", "en")
# People and users may only have a user-interface language (settings.LANGUAGES).
UI_LANGUAGES = {"en", "it", "da", "es"}
ALL_FAMILIES = ("device", "digital", "bio", "pharma", "care", "food", "service")
KIND_FAMILIES = {
    "sme": ALL_FAMILIES,
    "startup": ("device", "digital", "bio", "pharma", "care", "food"),
    "large_enterprise": ("device", "pharma", "bio", "digital", "food"),
    "university": ("device", "digital", "bio", "pharma", "care", "food"),
    "research_centre": ("device", "digital", "bio", "pharma", "care", "food"),
    "hospital": ("digital", "care", "device", "bio"),
    "public_body": ("care", "digital"),
    "training_body": ALL_FAMILIES,
    "foundation": ("bio", "care", "digital", "pharma"),
    "other": ("service", "digital"),
    "patient_association": ("care", "digital", "device"),
}
# Activities that universities, research centres, foundations and patient associations do not "research".
NOT_FOR_NON_PROFITS = {"pharma-manufacturing", "sterilisation", "hospital-logistics", "regulatory-mdr"}
NON_PROFIT_KINDS = {"university", "research_centre", "foundation", "patient_association"}
COMPETENCES_PER_KIND = {
    "sme": (2, 2), "startup": (1, 2), "large_enterprise": (3, 3), "university": (3, 3), "research_centre": (2, 3),
    "hospital": (2, 3), "public_body": (2, 2), "training_body": (2, 2), "foundation": (2, 2), "other": (2, 2),
    "patient_association": (1, 2),
}
# Second and third competences come from the same or a neighbouring family (a food company does not also make VR).
RELATED_FAMILIES = {
    "device": ("device", "digital"), "digital": ("digital", "device", "care"), "bio": ("bio", "pharma"),
    "pharma": ("pharma", "bio", "food"), "care": ("care", "digital"), "food": ("food", "pharma"),
    "service": ("service", "device", "pharma"),
}
GROUP_OF_KIND = {
    "sme": "industry", "startup": "industry", "large_enterprise": "industry", "university": "academia",
    "research_centre": "academia", "hospital": "hospital", "public_body": "public", "training_body": "training",
    "patient_association": "patient", "foundation": "foundation", "other": "other",
}
FOUNDED = {
    "sme": (1972, 2017), "startup": (2016, 2024), "large_enterprise": (1948, 2004), "university": (1962, 2008),
    "research_centre": (1985, 2019), "hospital": (1950, 2010), "public_body": (1975, 2016),
    "training_body": (1980, 2015), "patient_association": (1984, 2019), "foundation": (1968, 2015),
    "other": (1990, 2019),
}
PEOPLE_PER_KIND = {
    "large_enterprise": (2, 3), "university": (2, 3), "research_centre": (2, 3), "hospital": (2, 3), "sme": (1, 3),
}
FEE_BY_KIND = {
    "sme": "medium", "startup": "small", "large_enterprise": "large", "university": "large",
    "research_centre": "medium", "hospital": "large", "public_body": "large", "training_body": "medium",
    "patient_association": "small", "foundation": "medium", "other": "medium",
}
MEMBERSHIP_STATUS_WEIGHTS = {"active": 80, "applicant": 6, "lapsed": 5, "left": 7, "rejected": 2}
VISIBILITY_WEIGHTS = {"public": 86, "members": 6, "network": 5, "private": 3}
OPPORTUNITY_VISIBILITY_WEIGHTS = {"public": 74, "members": 12, "network": 9, "private": 5}
OPPORTUNITY_TYPES = {
    "sme": {"technology_offer": 35, "business_offer": 25, "rd_partner_search": 20, "business_request": 12,
            "technology_request": 8},
    "large_enterprise": {"technology_offer": 30, "business_offer": 20, "rd_partner_search": 25,
                         "business_request": 15, "technology_request": 10},
    "startup": {"technology_offer": 40, "rd_partner_search": 30, "business_offer": 15, "business_request": 10,
                "technology_request": 5},
    "university": {"technology_offer": 45, "rd_partner_search": 55},
    "research_centre": {"technology_offer": 50, "rd_partner_search": 50},
    "hospital": {"technology_request": 55, "rd_partner_search": 30, "business_request": 15},
    "public_body": {"technology_request": 50, "rd_partner_search": 50},
    "training_body": {"business_offer": 50, "rd_partner_search": 50},
    "patient_association": {"rd_partner_search": 60, "technology_request": 40},
    "foundation": {"rd_partner_search": 100},
    "other": {"business_offer": 70, "rd_partner_search": 30},
}
OPPORTUNITY_POSTER_WEIGHT = {
    "sme": 3, "startup": 3, "large_enterprise": 3, "university": 2, "research_centre": 2, "hospital": 2,
    "public_body": 1.5,
}
STAGES = {
    "technology_offer": {"development": 15, "prototype": 25, "demonstration": 25, "market": 35},
    "business_offer": {"market": 80, "demonstration": 20},
    "rd_partner_search": {"idea": 60, "development": 40},
    "technology_request": {"": 100},
    "business_request": {"": 100},
}
REQUEST_TYPES = ("technology_request", "business_request")
OFFER_TYPES = ("technology_offer", "business_offer")
SETTING_CONCEPTS = {
    "hospital": "hospital-care", "home": "home-care", "care_home": "nursing-homes", "remote": "remote-areas",
    "primary": "primary-care",
}
GENERATED_OPPORTUNITIES = 236
CE_MARKED = re.compile(r"\bCE\b|\bCE-")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")


@cache
def load(name: str):
    """A JSON file of filiera/demo/data."""
    return json.loads((resources.files("filiera.demo") / "data" / name).read_text(encoding="utf-8"))


# --- small text helpers ------------------------------------------------------------------------------------------

_SPECIAL = str.maketrans({"æ": "ae", "Æ": "Ae", "ø": "o", "Ø": "O", "å": "aa", "Å": "Aa", "ß": "ss", "ł": "l",
                          "Ł": "L", "·": "", "’": "", "'": ""})


def ascii_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def slugify(text: str, max_length: int = 100) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_fold(text).lower()).strip("-")
    return slug[:max_length].strip("-")


def lc_first(text: str) -> str:
    """'Sensori indossabili' -> 'sensori indossabili', but 'AI for …' and 'HL7 …' keep their capitals."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def uc_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def euphony(text: str, language: str) -> str:
    """Italian euphonic d: 'a Aprilia' -> 'ad Aprilia', 'e esportazione' -> 'ed esportazione'."""
    if language != "it":
        return text
    text = re.sub(r"\b([aA]) (?=[aAàÀ])", r"\1d ", text)
    return re.sub(r"\b([eE]) (?=[eEèÈéÉ])", r"\1d ", text)


def fields_of(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def fmt_int(number: int, language: str) -> str:
    grouped = f"{number:,}"
    return grouped if language == "en" else grouped.replace(",", ".")


def fmt_date(day: date, language: str) -> str:
    if language == "en":
        return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"
    if language in ("da", "de"):
        return f"{day.day:02d}.{day.month:02d}.{day.year}"
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


CONJUNCTION = {"it": "e", "da": "og", "es": "y", "de": "und", "en": "and"}


def join_words(words: list[str], language: str) -> str:
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} {CONJUNCTION[language]} {words[-1]}"


# --- the plan ----------------------------------------------------------------------------------------------------


@dataclass
class MembershipSpec:
    cluster: str
    status: str
    applied_on: date
    joined_on: date | None = None
    ended_on: date | None = None
    fee_tier: str = ""
    application_message: str = ""
    notes: str = ""


@dataclass
class PersonSpec:
    first_name: str
    last_name: str
    email: str
    job_title: str
    language: str
    is_representative: bool = False
    consent_directory_at: datetime | None = None
    consent_newsletter_at: datetime | None = None
    username: str = ""  # the demo account linked to this person, if any


@dataclass
class OrganisationSpec:
    slug: str
    name: str
    kind: str
    country: str
    language: str
    description: str
    short_name: str = ""
    is_sme: bool = False
    region: str = ""
    city: str = ""
    postcode: str = ""
    website: str = ""
    languages_spoken: str = ""
    keywords: str = ""
    visibility: str = "public"
    verified: bool = True
    value_chains: list[str] = field(default_factory=list)
    concepts: list[str] = field(default_factory=list)
    memberships: list[MembershipSpec] = field(default_factory=list)
    people: list[PersonSpec] = field(default_factory=list)
    fictional: bool = True
    competences: list[str] = field(default_factory=list)

    def active_memberships(self) -> list[MembershipSpec]:
        return sorted((m for m in self.memberships if m.status == "active"), key=lambda m: m.joined_on or m.applied_on)

    @property
    def created_on(self) -> date:
        return min((m.applied_on for m in self.memberships), default=date(2019, 1, 15))


@dataclass
class OpportunitySpec:
    organisation: str  # slug
    cluster: str | None
    type: str
    title: str
    summary: str
    body: str
    language: str
    posted_on: date
    stage: str = ""
    expires_on: date | None = None
    visibility: str = "public"
    status: str = "published"
    concepts: list[str] = field(default_factory=list)
    value_chains: list[str] = field(default_factory=list)
    author: str = ""  # username
    reviewed_by: str = ""  # username
    reviewed_on: date | None = None
    moderation_note: str = ""


@dataclass
class DemoPlan:
    organisations: list[OrganisationSpec]
    opportunities: list[OpportunitySpec]


def build_plan(today: date, seed: int = SEED) -> DemoPlan:
    """The whole demo as plain data. Deterministic for a given seed and day."""
    return _Generator(today, seed).build()


class _Generator:
    def __init__(self, today: date, seed: int):
        self.today = today
        self.rng = random.Random(seed)
        self.texts = {lang: load(f"texts_{lang}.json") for lang in TEXT_LANGUAGES}
        self.competences = {c["key"]: c for c in load("competences.json")["competences"]}
        self.patient_groups = load("competences.json")["patient_groups"]
        self.names = load("names.json")
        self.clusters = {c["slug"]: c for c in load("clusters.json")["clusters"]}
        self.accounts = load("accounts.json")["accounts"]
        self.reviewers: dict[str, list[str]] = {}
        for account in self.accounts:
            cluster_role = account.get("cluster_role")
            if cluster_role and cluster_role[1] in ("manager", "staff"):
                self.reviewers.setdefault(cluster_role[0], []).append(account["username"])
        self.used_names: set[str] = set()
        self.used_slugs: set[str] = set()
        self.used_descriptions: set[str] = set()
        self.used_titles: set[str] = set()
        self.used_brands: set[str] = set()

    # --- random helpers ------------------------------------------------------------------------------------------
    def weighted(self, weights: dict):
        keys = list(weights)
        return self.rng.choices(keys, weights=[weights[k] for k in keys])[0]

    def between(self, low: date, high: date) -> date:
        # always draws once, so that the random stream does not depend on the dates
        return low + timedelta(days=self.rng.randint(0, max(0, (high - low).days)))

    def moment(self, day: date) -> datetime:
        return datetime(day.year, day.month, day.day, self.rng.randint(8, 18), self.rng.randint(0, 59))

    def pick(self, templates: list[str], slots: dict, avoid: set[str] = frozenset()) -> str:
        usable = [t for t in templates if fields_of(t) <= slots.keys() and not fields_of(t) & avoid]
        return self.rng.choice(usable).format_map(slots)

    @staticmethod
    def variant(templates: dict, key: str, competence: dict, buyer: bool = False) -> list[str]:
        """The templates for `key`; or for `key:service` when the competence is a service (one does not
        "manufacture" sequencing services), or `key:buyer` for public buyers, when the language has them."""
        if competence.get("service") and f"{key}:service" in templates:
            return templates[f"{key}:service"]
        if buyer and f"{key}:buyer" in templates:
            return templates[f"{key}:buyer"]
        return templates[key]

    # --- the whole plan ------------------------------------------------------------------------------------------
    def build(self) -> DemoPlan:
        organisations = [self.named(spec) for spec in load("named_organisations.json")["organisations"]]
        showcase = load("showcase.json")
        organisations += [self.handwritten(spec) for spec in showcase["organisations"]]
        for area in load("places.json")["areas"]:
            for _ in range(area["count"]):
                organisations.append(self.fictional(area))
        by_slug = {o.slug: o for o in organisations}
        opportunities = [self.handwritten_opportunity(spec, by_slug) for spec in showcase["opportunities"]]
        # organisations with hand-written opportunities keep just those, so that the matching pairs stay clear
        handwritten = {spec["organisation"] for spec in showcase["opportunities"]}
        opportunities += self.generated_opportunities([
            o for o in organisations
            if o.fictional and o.competences and o.active_memberships() and o.slug not in handwritten
        ])
        return DemoPlan(organisations=organisations, opportunities=opportunities)

    def remember(self, name: str, slug: str, description: str) -> None:
        self.used_names.add(ascii_fold(name).lower())
        self.used_slugs.add(slug)
        self.used_descriptions.add(description)

    # --- organisations named in the seed articles (real: no invented people) ------------------------------------
    def named(self, spec: dict) -> OrganisationSpec:
        org = OrganisationSpec(
            slug=spec["slug"], name=spec["name"], short_name=spec.get("short_name", ""), kind=spec["kind"],
            is_sme=spec.get("is_sme", False), country=spec["country"], region=spec.get("region", ""),
            city=spec.get("city", ""), postcode=spec.get("postcode", ""), website=spec.get("website", ""),
            language=spec["language"], languages_spoken=spec.get("languages_spoken", ""),
            description=spec["description"], keywords=";".join(spec.get("keywords", [])),
            value_chains=spec.get("value_chains", []), concepts=spec.get("concepts", []),
            memberships=[self.membership_from(m) for m in spec.get("memberships", [])], fictional=False,
        )
        self.remember(org.name, org.slug, org.description)
        return org

    @staticmethod
    def membership_from(spec: dict) -> MembershipSpec:
        def day(key):
            return date.fromisoformat(spec[key]) if spec.get(key) else None

        return MembershipSpec(
            cluster=spec["cluster"], status=spec.get("status", "active"), applied_on=day("applied_on"),
            joined_on=day("joined_on"), ended_on=day("ended_on"), fee_tier=spec.get("fee_tier", ""),
            application_message=spec.get("application_message", ""), notes=spec.get("notes", ""),
        )

    # --- hand-written fictional organisations (the accounts' organisation, matching pairs, other Clust-ERs) ----
    def handwritten(self, spec: dict) -> OrganisationSpec:
        org = OrganisationSpec(
            slug=spec["slug"], name=spec["name"], short_name=spec.get("short_name", ""), kind=spec["kind"],
            is_sme=spec["kind"] in ("sme", "startup"), country=spec["country"], region=spec["region"],
            city=spec["city"], postcode=spec["postcode"], website=f"https://{spec['slug']}.example",
            language=spec["language"], languages_spoken=spec["languages_spoken"], description=spec["description"],
            keywords=";".join(spec.get("keywords", [])), value_chains=spec.get("value_chains", []),
            concepts=spec.get("concepts", []), memberships=[self.membership_from(m) for m in spec["memberships"]],
            competences=spec.get("competences", []),
        )
        domain = f"{spec['slug']}.example"
        people = [self.person_from(p, org, domain) for p in spec.get("people", [])]
        country_names = self.names["countries"][spec.get("names", spec["country"])]
        while len(people) < spec.get("people_count", 2):
            people.append(self.person(org, country_names, domain, representative=not people, taken=people))
        org.people = people
        self.remember(org.name, org.slug, org.description)
        return org

    def person_from(self, spec: dict, org: OrganisationSpec, domain: str) -> PersonSpec:
        directory = date.fromisoformat(spec["consent_directory_on"]) if spec.get("consent_directory_on") else None
        newsletter = date.fromisoformat(spec["consent_newsletter_on"]) if spec.get("consent_newsletter_on") else None
        return PersonSpec(
            first_name=spec["first_name"], last_name=spec["last_name"],
            email=f"{self.email_local(spec['first_name'], spec['last_name'])}@{domain}",
            job_title=spec["job_title"], language=spec.get("language", org.language),
            is_representative=spec.get("is_representative", False),
            consent_directory_at=self.moment(directory) if directory else None,
            consent_newsletter_at=self.moment(newsletter) if newsletter else None,
            username=spec.get("username", ""),
        )

    # --- generated fictional organisations -----------------------------------------------------------------------
    def fictional(self, area: dict) -> OrganisationSpec:
        rng = self.rng
        kind = self.weighted(area.get("kinds") or load("places.json")["kind_weights"])
        language = area["language"]
        texts = self.texts[language]
        # universities sit in the larger cities, which come first in each area's list
        city, postcode, *local_geo = rng.choice(area["cities"][:4] if kind == "university" else area["cities"])
        geo = local_geo[0] if local_geo else area["geo"]
        group_key = None
        if kind == "patient_association":
            group_key = rng.choice(sorted(self.patient_groups))
            competences = [self.competences[self.patient_groups[group_key]["competence"]]]
            if rng.random() < 0.5:
                competences += self.related(competences, kind, area, 1)
        else:
            competences = self.choose_competences(kind, area)
        name = self.organisation_name(kind, area, texts, competences[0], city, geo, group_key)
        slug = slugify(name)
        domain_base = slugify(re.sub(r"\b(S\.?r\.?l\.?|S\.p\.A\.|ApS|A/S|SL|SA|GmbH|AG|e\.V\.|SAS|BV|B\.V\.|AB|"
                                     r"sp\. z o\.o\.|ODV|APS|UG)$", "", name).strip(), 48)
        founded = rng.randint(*FOUNDED[kind])
        memberships = self.memberships_for(kind, area, competences, founded)
        org = OrganisationSpec(
            slug=slug, name=name, kind=kind, is_sme=kind in ("sme", "startup", "other"), country=area["country"],
            region=area["region"], city=city, postcode=postcode, website=f"https://{domain_base}.example",
            language=language, languages_spoken=self.working_languages(area), description="",
            visibility=self.weighted(VISIBILITY_WEIGHTS), memberships=memberships,
            competences=[c["key"] for c in competences],
        )
        if memberships and all(m.status in ("applicant", "rejected") for m in memberships):
            org.verified = False  # registered through an application that is not approved (yet)
        org.description = self.describe(org, texts, competences, founded, group_key)
        keywords: list[str] = []
        for competence in competences:
            keywords += [k for k in competence[language]["kw"] if k not in keywords]
        org.keywords = ";".join(keywords[:6])
        org.value_chains = sorted({vc for c in competences for vc in c["value_chains"]})
        concepts = [slug for c in competences for slug in c["concepts"]]
        if group_key:
            concepts.append(self.patient_groups[group_key]["concept"])
        if kind == "hospital":
            concepts.append("hospital-care")
        org.concepts = sorted(set(concepts))
        country_names = self.names["countries"][area.get("names", area["country"])]
        count = rng.randint(*PEOPLE_PER_KIND.get(kind, (1, 2)))
        people: list[PersonSpec] = []
        for i in range(count):
            people.append(self.person(org, country_names, domain_base + ".example", representative=i == 0,
                                      taken=people))
        org.people = people
        self.remember(org.name, org.slug, org.description)
        return org

    def allowed(self, competence: dict, kind: str) -> bool:
        if kind in NON_PROFIT_KINDS and competence["key"] in NOT_FOR_NON_PROFITS:
            return False
        return competence["family"] in KIND_FAMILIES[kind]

    def choose_competences(self, kind: str, area: dict) -> list[dict]:
        allowed = [c for c in self.competences.values() if self.allowed(c, kind)]
        focus = set(area.get("focus", []))
        first = self.rng.choices(allowed, weights=[4 if c["key"] in focus else 1 for c in allowed])[0]
        low, high = COMPETENCES_PER_KIND[kind]
        return [first] + self.related([first], kind, area, self.rng.randint(low, high) - 1)

    def related(self, chosen: list[dict], kind: str, area: dict, count: int) -> list[dict]:
        """Competences that go with the chosen ones: same family or a shared value chain."""
        focus = set(area.get("focus", []))
        picked = list(chosen)
        first_family = chosen[0]["family"]
        for _ in range(count):
            chains = {vc for c in picked for vc in c["value_chains"]}
            candidates = [
                c for c in self.competences.values()
                if c not in picked and self.allowed(c, kind) and c["family"] in RELATED_FAMILIES[first_family]
            ]
            if not candidates:
                break

            weights = [
                (3 if c["family"] == first_family else 1) * (2 if chains & set(c["value_chains"]) else 1)
                * (2 if c["key"] in focus else 1)
                for c in candidates
            ]
            picked.append(self.rng.choices(candidates, weights=weights)[0])
        return picked[len(chosen):]

    def working_languages(self, area: dict) -> str:
        languages = list(area["languages"])
        for extra in area.get("extra_languages", []):
            if extra not in languages and self.rng.random() < 0.2:
                languages.append(extra)
        return ",".join(languages)

    def brand(self) -> str:
        """An invented start-up name such as 'Nerivo'; no syllable repeated ('Tatata')."""
        parts = load("names.json")["brand_syllables"]
        while True:
            syllables = [self.rng.choice(parts[key]) for key in ("start", "middle", "end")]
            lowered = [s.lower() for s in syllables]
            word = "".join(syllables).capitalize()
            if len(set(lowered)) == 3 and not lowered[2].startswith(lowered[1]) and word not in self.used_brands:
                return word

    def organisation_name(self, kind: str, area: dict, texts: dict, competence: dict, city: str, geo: list[str],
                          group_key) -> str:
        parts = texts["name_parts"]
        family = competence["family"]
        last_names = self.names["countries"][area.get("names", area["country"])]["last"]
        roots = parts["roots"][family] + competence.get("roots", [])
        for _attempt in range(60):
            slots = {
                "geo": self.rng.choice(geo if _attempt < 30 else area["geo"]),
                "city": city,
                "legal": area["legal"].get(kind, area["legal"]["sme"]),
                "root": self.rng.choice(roots),
                "sector": self.rng.choice(parts["sectors"][family]),
                "field": self.rng.choice(parts["fields"][family]),
                "brand": self.brand(),
                "domain": self.rng.choice(load("names.json")["startup_domains"][family]),
                "surname": self.rng.choice(last_names),
                "surname2": self.rng.choice(last_names),
            }
            if group_key:
                slots["topic"] = texts["patient_groups"][group_key]["topic"]
            if slots["surname"] == slots["surname2"]:
                continue
            template = self.rng.choice([t for t in texts["names"][kind] if fields_of(t) <= slots.keys()])
            name = re.sub(r"\s+", " ", template.format_map(slots)).strip()
            if ascii_fold(name).lower() not in self.used_names and slugify(name) not in self.used_slugs:
                if "{brand}" in template:
                    self.used_brands.add(slots["brand"])
                return name
        raise RuntimeError(f"No free organisation name for {kind} in {area['key']}")

    def describe(self, org: OrganisationSpec, texts: dict, competences: list[dict], founded: int, group_key) -> str:
        rng = self.rng
        language = org.language
        description_texts = texts["description"]
        group = GROUP_OF_KIND[org.kind]
        whats = [c[language]["what"] for c in competences]
        departments = rng.sample(texts["departments"], rng.randint(2, 3))
        beds = rng.randrange(60, 640, 10)
        slots = {
            "name": org.name, "city": org.city, "year": str(founded),
            "customers": rng.choice(texts["customers"][competences[0]["family"]]),
            "employees": fmt_int(
                {"large_enterprise": rng.randrange(350, 4800, 10), "startup": rng.randint(3, 24)}.get(
                    org.kind, rng.randint(9, 180)), language),
            "export": str(rng.randrange(20, 86, 5)), "patents": str(rng.randint(2, 24)),
            "countries": str(rng.randrange(15, 95, 5)), "rd": str(rng.randint(4, 12)),
            "beds": str(beds), "staff": fmt_int(beds * rng.randint(3, 5), language),
            "patients_n": fmt_int(rng.randrange(6000, 90000, 500), language),
            "population": fmt_int(rng.randrange(25000, 420000, 5000), language),
            "students": fmt_int(rng.randrange(80, 1500, 10), language),
            "members": fmt_int(rng.randrange(150, 3200, 10), language), "volunteers": str(rng.randint(12, 240)),
            "researchers": str(rng.randint(14, 220)), "grants": str(rng.randint(18, 160)),
            "departments": join_words(departments, language), "round_year": str(rng.randint(max(founded, 2019), 2025)),
            "what1": whats[0],
        }
        if len(whats) > 1:
            slots["what2"] = whats[1]
        if len(whats) > 2:
            slots["what3"] = whats[2]
        if group_key:
            slots["patients"] = texts["patient_groups"][group_key]["phrase"]
        active = org.active_memberships()
        for _attempt in range(12):
            intro = self.pick(self.variant(description_texts["intro"], org.kind, competences[0]), slots)
            # the customers are named once
            used = {"customers"} if slots["customers"] in intro else set()
            detail = self.pick(self.variant(description_texts["detail"], group, competences[0]), slots, used)
            sentences = [intro, detail]
            if rng.random() < 0.8:
                sentences.append(self.pick(description_texts["fact"][org.kind], slots))
            if rng.random() < 0.6:
                sentences.append(self.pick(description_texts["closing"][group], slots))
            if active and len(sentences) < 4 and rng.random() < 0.5:
                cluster = self.clusters[active[0].cluster]
                sentences.append(description_texts["membership"].format(
                    cluster=cluster["short_name"] or cluster["name"], joined_year=active[0].joined_on.year))
            text = euphony(" ".join(uc_first(s) for s in sentences), language)
            if text not in self.used_descriptions:
                return text
        raise RuntimeError(f"No unique description for {org.name}")

    # --- memberships ---------------------------------------------------------------------------------------------
    def memberships_for(self, kind: str, area: dict, competences: list[dict], founded: int) -> list[MembershipSpec]:
        rng = self.rng
        memberships: list[MembershipSpec] = []
        if area.get("cluster"):
            memberships.append(self.membership(area["cluster"], kind, founded))
        elif area.get("partner_clusters") and rng.random() < area.get("membership_share", 0):
            memberships.append(self.membership(rng.choice(area["partner_clusters"]), kind, founded))
        taken = {m.cluster for m in memberships}
        others = [c for comp in competences for c in comp.get("other_clusters", []) if c not in taken]
        if area.get("other_clusters_of_competences") and others and rng.random() < 0.6:
            memberships.append(self.membership(others[0], kind, founded, mostly_active=True))
            taken.add(others[0])
        cross = [c for c in area.get("cross_clusters", []) if c not in taken]
        if cross and rng.random() < area.get("cross_share", 0):
            memberships.append(self.membership(rng.choice(cross), kind, founded))
        return memberships

    def membership(self, cluster_slug: str, kind: str, founded: int, mostly_active: bool = False) -> MembershipSpec:
        rng = self.rng
        cluster = self.clusters[cluster_slug]
        texts = self.texts[cluster["language"]]["membership"]
        start = max(cluster["members_since"], founded + 1)
        status = "active" if mostly_active and rng.random() < 0.9 else self.weighted(MEMBERSHIP_STATUS_WEIGHTS)
        if start > 2025 and status != "applicant":
            status = "applicant"
        fee = FEE_BY_KIND[kind]
        spec = MembershipSpec(cluster=cluster_slug, status=status, applied_on=HISTORY_END, fee_tier=fee)
        if status == "applicant":
            spec.applied_on = self.between(date(2026, 4, 1), HISTORY_END - timedelta(days=3))
        elif status == "rejected":
            spec.applied_on = self.between(date(max(start, 2023), 1, 10), date(2025, 11, 30))
            spec.ended_on = spec.applied_on + timedelta(days=rng.randint(20, 60))
            spec.fee_tier = ""
        else:
            spec.applied_on = self.between(date(start, 1, 15), date(2025, 12, 15))
            spec.joined_on = spec.applied_on + timedelta(days=rng.randint(10, 70))
            if spec.joined_on.year == cluster["members_since"] and kind in (
                "university", "hospital", "public_body", "large_enterprise"
            ) and rng.random() < 0.5:
                spec.fee_tier = "honorary"
            earliest_end = spec.joined_on + timedelta(days=400)
            if status in ("left", "lapsed") and earliest_end >= HISTORY_END:
                status = spec.status = "active"
            if status == "left":
                spec.ended_on = self.between(earliest_end, HISTORY_END)
            elif status == "lapsed":
                spec.ended_on = self.between(max(earliest_end, date(2025, 3, 31)), HISTORY_END)
        if status == "applicant" or rng.random() < 0.2:
            spec.application_message = rng.choice(texts["application"])
        if rng.random() < 0.15 or status in ("lapsed", "left", "rejected"):
            spec.notes = rng.choice(texts["notes"][status])
        return spec

    # --- people --------------------------------------------------------------------------------------------------
    @staticmethod
    def email_local(first_name: str, last_name: str) -> str:
        def part(text):
            return re.sub(r"[^a-z0-9]+", "", ascii_fold(text).lower())

        return f"{part(first_name)}.{part(last_name)}"

    def person(self, org: OrganisationSpec, names: dict, domain: str, representative: bool,
               taken: list[PersonSpec]) -> PersonSpec:
        rng = self.rng
        texts = self.texts[org.language]
        titles = texts["job_titles"][GROUP_OF_KIND[org.kind] if org.kind != "startup" else "startup"]
        while True:
            gender = rng.choice("fm")
            first = rng.choice(names["first"][gender])
            last = rng.choice(names["last"])
            if gender == "f" and names.get("feminine_surnames"):
                for masculine, feminine in names["feminine_surnames"].items():
                    if last.endswith(masculine):
                        last = last[: -len(masculine)] + feminine
                        break
            emails = {p.email for p in taken}
            email = f"{self.email_local(first, last)}@{domain}"
            if email not in emails:
                break
        title = rng.choice(titles["lead"] if representative else titles["lead"] + titles["staff"] * 2)
        if "|" in title:
            masculine, feminine = title.split("|")
            title = feminine if gender == "f" else masculine
        base = max(org.created_on, GDPR_START)
        directory = self.between(base, HISTORY_END) if rng.random() < 0.86 else None
        newsletter = self.between(base, HISTORY_END) if rng.random() < 0.5 else None
        return PersonSpec(
            first_name=first, last_name=last, email=email, job_title=title,
            language=org.language if org.language in UI_LANGUAGES else "en", is_representative=representative,
            consent_directory_at=self.moment(directory) if directory else None,
            consent_newsletter_at=self.moment(newsletter) if newsletter else None,
        )

    # --- opportunities -------------------------------------------------------------------------------------------
    def handwritten_opportunity(self, spec: dict, organisations: dict[str, OrganisationSpec]) -> OpportunitySpec:
        org = organisations[spec["organisation"]]
        posted = self.today - timedelta(days=spec["posted_days_ago"])
        cluster = spec.get("cluster") or (org.active_memberships()[0].cluster if org.active_memberships() else None)
        reviewed_by = spec.get("reviewed_by", "")
        return OpportunitySpec(
            organisation=org.slug, cluster=cluster, type=spec["type"], title=spec["title"],
            summary=spec["summary"], body=spec["body"], language=spec["language"], posted_on=posted,
            stage=spec.get("stage", ""),
            expires_on=self.today + timedelta(days=spec["expires_in_days"]) if "expires_in_days" in spec else None,
            visibility=spec.get("visibility", "public"), status=spec.get("status", "published"),
            concepts=spec.get("concepts", []), value_chains=spec.get("value_chains", []),
            author=spec.get("author", ""), reviewed_by=reviewed_by,
            reviewed_on=posted + timedelta(days=2) if reviewed_by else None,
            moderation_note=spec.get("moderation_note", ""),
        )

    def generated_opportunities(self, posters: list[OrganisationSpec]) -> list[OpportunitySpec]:
        rng = self.rng
        weights = [OPPORTUNITY_POSTER_WEIGHT.get(o.kind, 1) for o in posters]
        posted_by: dict[str, list[tuple[str, str]]] = {}
        opportunities: list[OpportunitySpec] = []
        while len(opportunities) < GENERATED_OPPORTUNITIES:
            org = rng.choices(posters, weights=weights)[0]
            done = posted_by.setdefault(org.slug, [])
            cap = 3 if org.kind in ("large_enterprise", "research_centre", "university") else 2
            if len(done) >= cap:
                continue
            kind_types = OPPORTUNITY_TYPES[org.kind]
            opportunity_type = self.weighted(kind_types)
            competence = self.competences[rng.choice(org.competences)]
            if (opportunity_type, competence["key"]) in done:
                continue
            done.append((opportunity_type, competence["key"]))
            opportunities.append(self.opportunity(org, opportunity_type, competence))
        return opportunities

    def opportunity(self, org: OrganisationSpec, opportunity_type: str, competence: dict) -> OpportunitySpec:
        rng = self.rng
        language = org.language if org.language == "en" or rng.random() > 0.27 else "en"
        texts = self.texts[language]
        words = competence[language]
        membership = org.active_memberships()[0]
        cluster = membership.cluster
        low = max(membership.joined_on + timedelta(days=1), self.today - timedelta(days=420))
        posted = self.between(low, self.today - timedelta(days=2))
        if opportunity_type == "rd_partner_search":
            expires = posted + timedelta(days=rng.randint(45, 320))
        else:
            expires = posted + timedelta(days=365) if rng.random() < 0.9 else None
        # a need is piloted where it makes sense: in a setting the competence is tagged with, when there is one
        fitting = sorted(k for k, concept in SETTING_CONCEPTS.items() if concept in competence["concepts"])
        setting_key = rng.choice(fitting if fitting and rng.random() < 0.75 else sorted(texts["settings"]))
        opportunity_texts = texts["opportunity"]
        call = rng.choice(opportunity_texts["training_calls" if org.kind == "training_body" else "calls"])
        # only public buyers speak of (pre-commercial) public procurement
        buyer = GROUP_OF_KIND[org.kind] in ("hospital", "public")
        coop_kinds = rng.sample(self.variant(opportunity_texts["coop_kinds"], opportunity_type, {}, buyer), 2)
        slots = {
            "Title": uc_first(words["title"]), "title": lc_first(words["title"]), "what": words["what"],
            "name": org.name, "city": org.city, "setting": texts["settings"][setting_key], "call": call,
            "coop": join_words(coop_kinds, language), "partner": rng.choice(opportunity_texts["partners"]),
            "deadline": fmt_date(expires, language) if expires else "", "n": str(rng.randrange(20, 400, 10)),
            "pct": str(rng.randrange(15, 45, 5)),
        }
        title = uc_first(self.pick(opportunity_texts["title"][opportunity_type], slots))
        for _attempt in range(6):
            if title not in self.used_titles:
                break
            title = uc_first(self.pick(opportunity_texts["title"][opportunity_type], slots))
        self.used_titles.add(title)
        stage = self.weighted(STAGES[opportunity_type])
        family = competence["family"]
        body = [self.pick(self.variant(opportunity_texts["lead"], opportunity_type, competence), slots),
                self.pick(opportunity_texts["context"][GROUP_OF_KIND[org.kind]], slots)]
        points = opportunity_texts["requirements" if opportunity_type in REQUEST_TYPES else "advantages"][family]
        if stage in ("idea", "development", "prototype"):
            points = [p for p in points if not CE_MARKED.search(p)]  # not yet on the market
        body += [p.format_map(slots) for p in rng.sample(points, rng.randint(1, 2))]
        if stage:
            body.append(opportunity_texts["stage"][stage])
        body.append(self.pick(opportunity_texts["cooperation"][opportunity_type], slots))
        if opportunity_type == "rd_partner_search" and expires:
            body.append(opportunity_texts["deadline"].format_map(slots))
        if rng.random() < 0.5:
            body.append(rng.choice(opportunity_texts["closing"]))
        status = "published"
        if expires and expires < self.today:
            status = "archived" if rng.random() < 0.5 else "published"
        elif rng.random() < 0.06:
            status = "draft"
        elif cluster in self.reviewers and rng.random() < 0.05:
            status = "hidden"
        summary = uc_first(self.pick(opportunity_texts["summary"][opportunity_type], slots))
        spec = OpportunitySpec(
            organisation=org.slug, cluster=cluster, type=opportunity_type, title=euphony(title, language)[:200],
            summary=euphony(summary, language)[:500], body=euphony(" ".join(body), language),
            language=language, posted_on=posted, stage=stage, expires_on=expires,
            visibility=self.weighted(OPPORTUNITY_VISIBILITY_WEIGHTS), status=status,
            concepts=sorted(set(competence["concepts"] + (
                [SETTING_CONCEPTS[setting_key]] if opportunity_type in REQUEST_TYPES else []))),
            value_chains=list(competence["value_chains"]),
            author=next((p.username for p in org.people if p.username and p.is_representative), ""),
        )
        reviewers = self.reviewers.get(cluster)
        if reviewers and (status == "hidden" or (status in ("published", "archived") and rng.random() < 0.65)):
            spec.reviewed_by = rng.choice(reviewers)
            spec.reviewed_on = min(posted + timedelta(days=rng.randint(0, 5)), self.today)
            if status == "hidden":
                cluster_language = self.clusters[cluster]["language"]
                spec.moderation_note = rng.choice(self.texts[cluster_language]["membership"]["moderation_notes"])
        return spec
