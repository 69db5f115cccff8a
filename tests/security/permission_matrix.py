"""The permission matrix: what every page and every API route answers to each role.

Each route has one rule: an access level (what each role gets) and the arguments that build its URL from the world
of tests/security/conftest.py (`w.event` is the members-only brokerage event of cluster_a, `w.cluster` its slug, …).
test_permission_matrix.py discovers the routes (the URL resolver, the API's OpenAPI schema) and fails when a route
has no rule here or a rule names a route that is gone. To cover a new route, add one line to WEB or API below,
e.g. `"privacy:export": page(SIGNED_IN),` or `"GET /api/privacy/export": api(API_SIGNED_IN),`.

Outcomes: OK (anything but 401, 403, 404, 500 or a redirect to sign in), LOGIN (a page redirects to sign in; the
API answers 401), HIDDEN (404: not even said to exist), REFUSED (403: seen, not yours). Nothing may answer 500.
The rules follow src/filiera/core/access.py: another cluster's private data is a 404, never a 403; staff-only
pages are a 404 to observers; the API answers 401 to a visitor's write.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("visitor", "outsider_member", "member", "staff", "manager", "observer", "admin")

OK = "ok"
LOGIN = "login"
HIDDEN = 404
REFUSED = 403
UNKNOWN = 400  # an API write naming a record the caller may not see: refused as if it did not exist


@dataclass(frozen=True)
class Access:
    name: str
    outcomes: dict[str, object]

    def __repr__(self) -> str:
        return self.name


def level(name: str, visitor, outsider_member, member, staff, manager, observer, admin) -> Access:
    return Access(name, dict(zip(ROLES, (visitor, outsider_member, member, staff, manager, observer, admin),
                                 strict=True)))


# --- access levels of the pages ------------------------------------------------------------------------------
#                 name                        visitor outsider  member  staff   manager observer admin
PUBLIC = level("public",                      OK,     OK,       OK,     OK,     OK,     OK,      OK)
SIGNED_IN = level("signed-in",                LOGIN,  OK,       OK,     OK,     OK,     OK,      OK)
# The audience of a members-only event: the cluster's members, observers and staff (events.services.visible_events
# counts observed clusters among the viewer's own).
CLUSTER_AUDIENCE = level("cluster-audience",  HIDDEN, HIDDEN,   OK,     OK,     OK,     OK,      OK)
# Members-only records of org_a (its profile, its partner search): the fellow members of its cluster and its staff.
CLUSTER_MEMBERS = level("cluster-members",    HIDDEN, HIDDEN,   OK,     OK,     OK,     HIDDEN,  OK)
# Members-only records behind a sign-in (following org_a's members-only partner search, answering it).
SIGNED_IN_MEMBERS = level("signed-in-members", LOGIN, HIDDEN,   OK,     OK,     OK,     HIDDEN,  OK)
# A participant's own brokerage business (the marketplace, their agenda and meeting requests): org_a's
# representative, who takes part; staff run the event from the back office instead.
PARTICIPANT = level("participant",            LOGIN,  HIDDEN,   OK,     HIDDEN, HIDDEN, HIDDEN,  HIDDEN)
# org_a's own records: its representatives and its clusters' staff.
OWNER_OR_STAFF = level("owner-or-staff",      LOGIN,  HIDDEN,   OK,     OK,     OK,     HIDDEN,  OK)
# What only the organisation itself does (apply to another cluster).
REPRESENTATIVE = level("representative",      LOGIN,  HIDDEN,   OK,     HIDDEN, HIDDEN, HIDDEN,  OK)
# Answering a public challenge: a member organisation of its cluster; others see the challenge but may not answer.
SOLVER = level("solver",                      LOGIN,  REFUSED,  OK,     REFUSED, REFUSED, REFUSED, REFUSED)
# A draft record of the cluster's portfolio under a public URL (the draft project idea): its back office and the
# project's partners (not org_a).
PORTFOLIO_RECORD = level("portfolio-record",  HIDDEN, HIDDEN,   HIDDEN, OK,     OK,     OK,      OK)
# Back office under /c/<cluster>/: dashboards and reports are read by observers too; the rest is staff only.
DASHBOARD = level("observer-or-staff",        LOGIN,  HIDDEN,   HIDDEN, OK,     OK,     OK,      OK)
STAFF = level("staff",                        LOGIN,  HIDDEN,   HIDDEN, OK,     OK,     HIDDEN,  OK)
# A network's side-by-side pages: its coordinator (an observer of all its clusters) and admins.
NETWORK_COORDINATOR = level("network-coordinator", LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK)
# The Django admin: only platform admins; everyone else is sent to its sign-in page.
ADMIN_SITE = level("admin-site",              LOGIN,  LOGIN,    LOGIN,  LOGIN,  LOGIN,  LOGIN,   OK)
# Not a page: django-ninja's root of the API (its operations are below), or a feature switched off by default
# (single sign-on without OIDC_RP_CLIENT_ID).
NO_PAGE = level("no-page",                    HIDDEN, HIDDEN,   HIDDEN, HIDDEN, HIDDEN, HIDDEN,  HIDDEN)

# --- access levels of the API (LOGIN = 401) --------------------------------------------------------------------
# A visitor reads what a visitor reads (anonymous GETs are let through) and gets 401 where signing in is needed,
# and on any write; then what the caller may not see is a 404, what they see but may not change a 403.
API_PUBLIC = level("api-public",              OK,     OK,       OK,     OK,     OK,     OK,      OK)
API_SIGNED_IN = level("api-signed-in",        LOGIN,  OK,       OK,     OK,     OK,     OK,      OK)
API_CLUSTER_AUDIENCE = level("api-cluster-audience", HIDDEN, HIDDEN, OK, OK,    OK,     OK,      OK)
API_CLUSTER_MEMBERS = level("api-cluster-members", HIDDEN, HIDDEN, OK,   OK,     OK,     HIDDEN,  OK)
API_SIGNED_IN_MEMBERS = level("api-signed-in-members", LOGIN, HIDDEN, OK, OK,    OK,     HIDDEN,  OK)
API_PARTICIPANT_READ = level("api-participant-read", HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN)
API_PORTFOLIO_RECORD = level("api-portfolio-record", HIDDEN, HIDDEN, HIDDEN, OK, OK,    OK,      OK)
API_DASHBOARD = level("api-observer-or-staff", LOGIN, HIDDEN,   HIDDEN, OK,     OK,     OK,      OK)
API_STAFF = level("api-staff",                LOGIN,  HIDDEN,   HIDDEN, OK,     OK,     HIDDEN,  OK)
API_NETWORK_COORDINATOR = level("api-network-coordinator", LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK)
API_ANYONE_WRITES = level("api-token-less-write", OK, OK,       OK,     OK,     OK,     OK,      OK)
API_SIGNED_IN_WRITES = level("api-signed-in-write", LOGIN, OK,  OK,     OK,     OK,     OK,      OK)
API_AUDIENCE_WRITES = level("api-cluster-audience-write", LOGIN, HIDDEN, OK, OK, OK,    OK,      OK)
API_MEMBERS_WRITES = level("api-cluster-members-write", LOGIN, HIDDEN, OK, OK,  OK,     HIDDEN,  OK)
# Acting for an organisation one represents (an expression of interest): staff see the record but represent none.
API_MEMBER_ORGANISATION_WRITES = level("api-member-organisation-write", LOGIN, HIDDEN, OK, REFUSED, REFUSED,
                                       HIDDEN, OK)
API_OWNER_OR_STAFF = level("api-owner-or-staff", LOGIN, HIDDEN, OK, OK, OK, HIDDEN, OK)
# Someone's personal data (export, erasure): admins, the staff of the person's clusters and the person themselves;
# the representatives who see the contact may not (privacy.services.manages_personal_data).
API_DATA_CONTROLLER = level("api-data-controller", LOGIN, HIDDEN, REFUSED, OK,  OK,     HIDDEN,  OK)
# Posting for org_a (named in the body): its representatives and its cluster's staff; anyone else is refused.
API_FOR_ORGANISATION_WRITES = level("api-for-organisation-write", LOGIN, REFUSED, OK, OK, OK, REFUSED, OK)
API_PARTICIPANT_WRITES = level("api-participant-write", LOGIN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN)
# The answers to org_a's partner search are org_a's: the staff who see the search may not read or answer them.
API_SEARCH_OWNER = level("api-search-owner",  LOGIN,  HIDDEN,   OK,     REFUSED, REFUSED, HIDDEN, OK)
# Answering a challenge for org_a: whoever does not see org_a's members-only profile is told it is unknown.
API_SOLVER_WRITES = level("api-solver-write", LOGIN,  UNKNOWN,  OK,     REFUSED, REFUSED, UNKNOWN, REFUSED)
# Back-office writes: observers read the record (403) or not even that (404, API_STAFF).
API_BACK_OFFICE_WRITES = level("api-back-office-write", LOGIN, HIDDEN, HIDDEN, OK, OK,  REFUSED, OK)
# Staff work on a public challenge (and a cluster's staff on the shared calls, or on organisations): everyone
# else sees the record and is refused.
API_ANY_STAFF = level("api-any-staff",        LOGIN,  REFUSED,  REFUSED, OK,    OK,     REFUSED, OK)


@dataclass(frozen=True)
class Ref:
    """A value of the world (tests/security/conftest.py: World.values)."""

    name: str


class _World:
    def __getattr__(self, name: str) -> Ref:
        return Ref(name)


w = _World()


@dataclass(frozen=True)
class Rule:
    access: Access
    kwargs: dict = field(default_factory=dict)  # the URL's arguments
    query: dict = field(default_factory=dict)  # its query string
    methods: tuple[str, ...] | None = None  # pages: None = the methods the view accepts (see the test)
    post: Access | None = None  # pages: what a POST gets when it differs from a GET
    data: dict = field(default_factory=dict)  # pages: the POSTed form (empty unless the view needs a field to act)
    fields: dict = field(default_factory=dict)  # API writes: fields set over the minimal body made from the schema


def page(access: Access, *, methods=None, query=None, post=None, data=None, **kwargs) -> Rule:
    return Rule(access, kwargs, query or {}, tuple(methods) if methods else None, post, data or {})


def api(access: Access, *, query=None, fields=None, **kwargs) -> Rule:
    return Rule(access, kwargs, query or {}, fields=fields or {})


# The Django admin is covered by one rule for its prefix: the index and every registered model's list are asked.
ADMIN_PREFIX = "admin/"

# Web pages by URL name. The API's own pages (schema, docs, root) are here too; its operations are in API.
WEB: dict[str, Rule] = {
    # core
    "home": page(PUBLIC),
    "clusters": page(PUBLIC),
    "cluster": page(PUBLIC, slug=w.cluster),
    "network": page(PUBLIC, slug=w.network),
    "login": page(PUBLIC),
    "logout": page(PUBLIC),
    "account": page(SIGNED_IN),
    "password_change": page(SIGNED_IN),
    # Anyone signed in may ask; only their own tokens are revoked (core.services.revoke_api_token).
    "revoke_token": page(SIGNED_IN, token_id=w.member_token),
    "set_language": page(PUBLIC),
    "api:openapi-json": page(PUBLIC),
    "api:openapi-view": page(PUBLIC),
    "api:api-root": page(NO_PAGE),
    "digest:unsubscribe": page(PUBLIC, token=w.digest_token),
    "health": page(PUBLIC),
    # two-factor authentication and single sign-on (off unless OIDC_RP_CLIENT_ID is set)
    "two_factor": page(SIGNED_IN),
    "two_factor_enrol": page(SIGNED_IN),
    "two_factor_verify": page(SIGNED_IN),
    "two_factor_backup_codes": page(SIGNED_IN),
    "two_factor_disable": page(SIGNED_IN),
    "oidc_start": page(NO_PAGE),
    "oidc_callback": page(NO_PAGE),
    # privacy: the notice, one's own data, and the cluster's data-protection back office
    "privacy": page(PUBLIC),
    "privacy_my_export": page(SIGNED_IN),
    "privacy_my_erasure": page(SIGNED_IN),
    "privacy_staff:retention": page(STAFF, cluster_slug=w.cluster),
    "privacy_staff:retention_export": page(STAFF, cluster_slug=w.cluster),
    "privacy_staff:retention_erase": page(STAFF, cluster_slug=w.cluster),
    "privacy_staff:person_export": page(STAFF, cluster_slug=w.cluster, pk=w.person),
    "privacy_staff:person_erasure": page(STAFF, cluster_slug=w.cluster, pk=w.person),
    # directory: public pages
    "directory:directory": page(PUBLIC),
    "directory:export": page(PUBLIC, fmt="csv"),
    "directory:profile": page(CLUSTER_MEMBERS, slug=w.org),
    "directory:opportunities": page(PUBLIC),
    "directory:opportunity": page(CLUSTER_MEMBERS, pk=w.opportunity),
    # directory: members
    "directory:my_organisations": page(SIGNED_IN),
    "directory:register": page(PUBLIC, cluster_slug=w.cluster),  # a visitor registers with an account
    "directory:org_edit": page(OWNER_OR_STAFF, slug=w.org),
    "directory:apply": page(REPRESENTATIVE, slug=w.org),
    "directory:org_people": page(OWNER_OR_STAFF, slug=w.org),
    "directory:person_new": page(OWNER_OR_STAFF, slug=w.org),
    "directory:person_edit": page(OWNER_OR_STAFF, slug=w.org, pk=w.person),
    "directory:person_delete": page(OWNER_OR_STAFF, slug=w.org, pk=w.person),
    "directory:org_opportunities": page(OWNER_OR_STAFF, slug=w.org),
    "directory:opportunity_new": page(OWNER_OR_STAFF, slug=w.org),
    "directory:opportunity_edit": page(OWNER_OR_STAFF, pk=w.opportunity),
    "directory:opportunity_delete": page(OWNER_OR_STAFF, pk=w.opportunity),
    # directory: back office
    "staff:dashboard": page(DASHBOARD, cluster_slug=w.cluster),
    "staff:members": page(STAFF, cluster_slug=w.cluster),
    "staff:member_new": page(STAFF, cluster_slug=w.cluster),
    "staff:members_export": page(STAFF, cluster_slug=w.cluster, fmt="csv"),
    "staff:membership": page(STAFF, cluster_slug=w.cluster, pk=w.membership),
    "staff:membership_status": page(STAFF, cluster_slug=w.cluster, pk=w.membership),
    "staff:people": page(STAFF, cluster_slug=w.cluster),
    "staff:person": page(STAFF, cluster_slug=w.cluster, pk=w.person),
    "staff:opportunities": page(STAFF, cluster_slug=w.cluster),
    "staff:moderate": page(STAFF, cluster_slug=w.cluster, pk=w.opportunity),
    "staff:import": page(STAFF, cluster_slug=w.cluster),
    "staff:audit": page(STAFF, cluster_slug=w.cluster),
    "staff:history": page(STAFF, cluster_slug=w.cluster, model=w.audited_model, object_id=w.membership),
    # matching
    "matching:search": page(PUBLIC),
    "matching:like": page(CLUSTER_MEMBERS, kind="opportunity", object_id=w.opportunity),
    "matching:opportunity_panel": page(CLUSTER_MEMBERS, pk=w.opportunity),
    "matching:partners_panel": page(CLUSTER_MEMBERS, slug=w.org),
    # events: public pages of the members-only brokerage event
    "events:list": page(PUBLIC),
    "events:event": page(CLUSTER_AUDIENCE, pk=w.event),
    "events:ics": page(CLUSTER_AUDIENCE, pk=w.event),
    "events:registration": page(PUBLIC, token=w.registration_token),
    "events:registration_cancel": page(PUBLIC, token=w.registration_token),
    "events:marketplace": page(PARTICIPANT, pk=w.event),
    "events:request_meeting": page(PARTICIPANT, pk=w.event, participant_pk=w.participant),
    "events:answer_request": page(PARTICIPANT, pk=w.event, request_pk=w.meeting_request, decision="accept"),
    "events:agenda": page(PARTICIPANT, pk=w.event),
    "events:agenda_ics": page(PARTICIPANT, pk=w.event),
    "events:agenda_pdf": page(PARTICIPANT, pk=w.event),
    "events:follow_up": page(PARTICIPANT, pk=w.event, meeting_pk=w.meeting),
    # events: back office
    "events_staff:list": page(STAFF, cluster_slug=w.cluster),
    "events_staff:new": page(STAFF, cluster_slug=w.cluster),
    "events_staff:edit": page(STAFF, cluster_slug=w.cluster, pk=w.event),
    "events_staff:attendees": page(STAFF, cluster_slug=w.cluster, pk=w.event),
    "events_staff:export": page(STAFF, cluster_slug=w.cluster, pk=w.event, fmt="csv"),
    "events_staff:check_in": page(STAFF, cluster_slug=w.cluster, pk=w.event, registration_pk=w.registration),
    "events_staff:cancel": page(STAFF, cluster_slug=w.cluster, pk=w.event, registration_pk=w.registration),
    "events_staff:needs": page(STAFF, cluster_slug=w.cluster, pk=w.event),
    "events_staff:needs_export": page(STAFF, cluster_slug=w.cluster, pk=w.event, fmt="csv"),
    "events_staff:board": page(STAFF, cluster_slug=w.cluster, pk=w.event),
    "events_staff:board_setup": page(STAFF, cluster_slug=w.cluster, pk=w.event, what="tables"),
    "events_staff:board_run": page(STAFF, cluster_slug=w.cluster, pk=w.event),
    "events_staff:board_announce": page(STAFF, cluster_slug=w.cluster, pk=w.event),
    "events_staff:board_new_meeting": page(STAFF, cluster_slug=w.cluster, pk=w.event),
    "events_staff:board_meeting": page(STAFF, cluster_slug=w.cluster, pk=w.event, meeting_pk=w.meeting,
                                       action="lock"),
    # projects: public pages (calls are public; the members-only partner search is not)
    "projects:calls": page(PUBLIC),
    "projects:call": page(PUBLIC, pk=w.call, post=SIGNED_IN),  # a POST posts a partner search
    "projects:follow": page(SIGNED_IN_MEMBERS, pk=w.search),
    "projects:interest": page(SIGNED_IN_MEMBERS, pk=w.search),
    "projects:answer": page(PARTICIPANT, pk=w.interest, decision="accept"),
    "projects:list": page(PUBLIC),
    "projects:project": page(PORTFOLIO_RECORD, pk=w.project),
    # projects: back office
    "projects_staff:portfolio": page(DASHBOARD, cluster_slug=w.cluster),
    "projects_staff:board": page(DASHBOARD, cluster_slug=w.cluster),
    "projects_staff:funding": page(DASHBOARD, cluster_slug=w.cluster),
    "projects_staff:new": page(STAFF, cluster_slug=w.cluster),
    "projects_staff:project": page(DASHBOARD, cluster_slug=w.cluster, pk=w.project),
    "projects_staff:edit": page(STAFF, cluster_slug=w.cluster, pk=w.project),
    "projects_staff:move": page(STAFF, cluster_slug=w.cluster, pk=w.project),
    "projects_staff:add": page(STAFF, cluster_slug=w.cluster, pk=w.project, what="wp"),
    "projects_staff:remove": page(STAFF, cluster_slug=w.cluster, pk=w.project, what="partner", item=w.partner),
    "projects_staff:call_new": page(STAFF, cluster_slug=w.cluster),
    "projects_staff:call_edit": page(STAFF, cluster_slug=w.cluster, pk=w.call),
    "projects_staff:builder": page(STAFF, cluster_slug=w.cluster),
    "projects_staff:builder_save": page(STAFF, cluster_slug=w.cluster),
    "projects_staff:import": page(STAFF, cluster_slug=w.cluster),
    # monitoring
    "monitoring:dashboard": page(DASHBOARD, cluster_slug=w.cluster),
    "monitoring:targets": page(STAFF, cluster_slug=w.cluster),
    "monitoring:figures": page(STAFF, cluster_slug=w.cluster),
    "monitoring:survey_list": page(DASHBOARD, cluster_slug=w.cluster),
    "monitoring:survey_new": page(STAFF, cluster_slug=w.cluster),
    "monitoring:survey_detail": page(DASHBOARD, cluster_slug=w.cluster, pk=w.survey),
    "monitoring:survey_edit": page(STAFF, cluster_slug=w.cluster, pk=w.survey),
    "monitoring:survey_send": page(STAFF, cluster_slug=w.cluster, pk=w.survey),
    "monitoring:survey_close": page(STAFF, cluster_slug=w.cluster, pk=w.survey),
    "monitoring:assessment_list": page(DASHBOARD, cluster_slug=w.cluster),
    "monitoring:assessment_new": page(STAFF, cluster_slug=w.cluster),
    "monitoring:assessment_detail": page(DASHBOARD, cluster_slug=w.cluster, pk=w.assessment),
    "monitoring:assessment_answer": page(STAFF, cluster_slug=w.cluster, pk=w.assessment, criterion=w.criterion),
    "monitoring:assessment_evidence": page(STAFF, cluster_slug=w.cluster, pk=w.assessment,
                                           data={"criterion": w.criterion}),
    "monitoring:assessment_evidence_file": page(DASHBOARD, cluster_slug=w.cluster, pk=w.assessment, doc=w.evidence),
    "monitoring:assessment_evidence_delete": page(STAFF, cluster_slug=w.cluster, pk=w.assessment, doc=w.evidence),
    "monitoring:assessment_complete": page(STAFF, cluster_slug=w.cluster, pk=w.assessment),
    "monitoring:assessment_pack": page(DASHBOARD, cluster_slug=w.cluster, pk=w.assessment),
    "monitoring:action_list": page(DASHBOARD, cluster_slug=w.cluster),
    "monitoring:action_new": page(STAFF, cluster_slug=w.cluster),
    "monitoring:action_edit": page(STAFF, cluster_slug=w.cluster, pk=w.action),
    "monitoring:report_list": page(DASHBOARD, cluster_slug=w.cluster),
    "monitoring:report_annual": page(DASHBOARD, cluster_slug=w.cluster),
    "monitoring_public:network": page(NETWORK_COORDINATOR, network_slug=w.network),
    "monitoring_public:survey_answer": page(PUBLIC, token=w.survey_token),
    # network
    "network_staff:network": page(DASHBOARD, cluster_slug=w.cluster),
    "network_staff:export": page(DASHBOARD, cluster_slug=w.cluster, file_format="csv"),
    "network_public:collaboration": page(NETWORK_COORDINATOR, network_slug=w.network),
    "network_public:export": page(NETWORK_COORDINATOR, network_slug=w.network, file_format="csv"),
    # challenges: the public pages of a challenge collecting solutions
    "challenges:list": page(PUBLIC),
    "challenges:detail": page(PUBLIC, pk=w.challenge),
    "challenges:voice": page(PUBLIC, pk=w.challenge),
    "challenges:vote": page(PUBLIC, pk=w.challenge),
    "challenges:solution": page(SOLVER, pk=w.challenge, theme_pk=w.theme),
    # challenges: back office
    "challenges_staff:list": page(STAFF, cluster_slug=w.cluster),
    "challenges_staff:new": page(STAFF, cluster_slug=w.cluster),
    "challenges_staff:manage": page(STAFF, cluster_slug=w.cluster, pk=w.challenge),
    "challenges_staff:edit": page(STAFF, cluster_slug=w.cluster, pk=w.challenge),
    "challenges_staff:stage": page(STAFF, cluster_slug=w.cluster, pk=w.challenge),
    "challenges_staff:need": page(STAFF, cluster_slug=w.cluster, pk=w.challenge),
    "challenges_staff:need_action": page(STAFF, cluster_slug=w.cluster, pk=w.challenge, need_pk=w.need),
    "challenges_staff:group": page(STAFF, cluster_slug=w.cluster, pk=w.challenge),
    "challenges_staff:invite": page(STAFF, cluster_slug=w.cluster, pk=w.challenge),
    "challenges_staff:theme": page(STAFF, cluster_slug=w.cluster, pk=w.challenge, theme_pk=w.theme),
    "challenges_staff:activity": page(STAFF, cluster_slug=w.cluster, pk=w.challenge, theme_pk=w.theme),
    "challenges_staff:solution_status": page(STAFF, cluster_slug=w.cluster, pk=w.challenge, solution_pk=w.solution),
}

# API operations by "METHOD /api/path" as the OpenAPI schema writes them.
API: dict[str, Rule] = {
    # clusters and memberships
    "GET /api/clusters": api(API_PUBLIC),
    "GET /api/clusters/{slug}": api(API_PUBLIC, slug=w.cluster),
    "GET /api/clusters/{slug}/memberships": api(API_STAFF, slug=w.cluster),
    "GET /api/clusters/{slug}/memberships/{membership_id}": api(API_STAFF, slug=w.cluster,
                                                                membership_id=w.membership),
    "PATCH /api/clusters/{slug}/memberships/{membership_id}": api(API_STAFF, slug=w.cluster,
                                                                  membership_id=w.membership),
    "POST /api/clusters/{slug}/memberships/{membership_id}/status": api(API_STAFF, slug=w.cluster,
                                                                        membership_id=w.membership),
    # organisations, people, opportunities
    "GET /api/organisations": api(API_PUBLIC),
    "POST /api/organisations": api(API_ANY_STAFF, fields={"cluster": w.cluster}),
    "GET /api/organisations/{organisation_id}": api(API_CLUSTER_MEMBERS, organisation_id=w.org_id),
    "PATCH /api/organisations/{organisation_id}": api(API_OWNER_OR_STAFF, organisation_id=w.org_id),
    "GET /api/people": api(API_SIGNED_IN),
    "POST /api/people": api(API_OWNER_OR_STAFF, fields={"organisation": w.org_id}),
    "GET /api/people/{person_id}": api(API_OWNER_OR_STAFF, person_id=w.person),
    "PATCH /api/people/{person_id}": api(API_OWNER_OR_STAFF, person_id=w.person),
    "DELETE /api/people/{person_id}": api(API_OWNER_OR_STAFF, person_id=w.person),
    "GET /api/opportunities": api(API_PUBLIC),
    "POST /api/opportunities": api(API_OWNER_OR_STAFF, fields={"organisation": w.org_id}),
    "GET /api/opportunities/{opportunity_id}": api(API_CLUSTER_MEMBERS, opportunity_id=w.opportunity),
    "PATCH /api/opportunities/{opportunity_id}": api(API_OWNER_OR_STAFF, opportunity_id=w.opportunity),
    "DELETE /api/opportunities/{opportunity_id}": api(API_OWNER_OR_STAFF, opportunity_id=w.opportunity),
    # events and brokerage
    "GET /api/events": api(API_PUBLIC),
    "GET /api/events/{event_id}": api(API_CLUSTER_AUDIENCE, event_id=w.event),
    "POST /api/events/{event_id}/registrations": api(API_AUDIENCE_WRITES, event_id=w.event),
    "GET /api/events/{event_id}/registrations": api(API_STAFF, event_id=w.event),
    "POST /api/events/{event_id}/registrations/{registration_id}/cancel": api(
        API_OWNER_OR_STAFF, event_id=w.event, registration_id=w.registration),
    "GET /api/events/{event_id}/participants": api(API_CLUSTER_MEMBERS, event_id=w.event),
    "POST /api/events/{event_id}/meeting-requests": api(API_PARTICIPANT_WRITES, event_id=w.event,
                                                        fields={"receiver": w.participant}),
    "GET /api/events/{event_id}/meeting-requests": api(API_PARTICIPANT_READ, event_id=w.event),
    "POST /api/events/{event_id}/meeting-requests/{request_id}/{decision}": api(
        API_PARTICIPANT_WRITES, event_id=w.event, request_id=w.meeting_request, decision="accept"),
    "GET /api/events/{event_id}/agenda": api(API_PARTICIPANT_READ, event_id=w.event),
    "GET /api/events/{event_id}/meetings": api(API_STAFF, event_id=w.event),
    "POST /api/events/{event_id}/schedule": api(API_STAFF, event_id=w.event),
    # vocabulary and matching
    "GET /api/value-chains": api(API_PUBLIC),
    "GET /api/concepts": api(API_PUBLIC),
    "GET /api/value-chains/{slug}": api(API_PUBLIC, slug=w.value_chain),
    "GET /api/concepts/{slug}": api(API_PUBLIC, slug=w.concept),
    "GET /api/search": api(API_PUBLIC, query={"q": "telemonitoring"}),
    "GET /api/search/like/{kind}/{object_id}": api(API_CLUSTER_MEMBERS, kind="opportunity",
                                                   object_id=w.opportunity),
    "GET /api/recommendations/opportunities/{opportunity_id}": api(API_CLUSTER_MEMBERS,
                                                                   opportunity_id=w.opportunity),
    "GET /api/recommendations/organisations/{ref_or_slug}": api(API_SIGNED_IN_MEMBERS, ref_or_slug=w.org),
    # calls and projects
    "GET /api/calls": api(API_PUBLIC),
    "POST /api/calls": api(API_STAFF, fields={"cluster": w.cluster}),
    "GET /api/calls/{call_id}": api(API_PUBLIC, call_id=w.call),
    "PATCH /api/calls/{call_id}": api(API_ANY_STAFF, call_id=w.call),
    "GET /api/calls/{call_id}/partner-searches": api(API_PUBLIC, call_id=w.call),
    "POST /api/calls/{call_id}/partner-searches": api(API_FOR_ORGANISATION_WRITES, call_id=w.call,
                                                      fields={"organisation": w.org_id}),
    "POST /api/partner-searches/{search_id}/follow": api(API_MEMBERS_WRITES, search_id=w.search),
    "DELETE /api/partner-searches/{search_id}/follow": api(API_MEMBERS_WRITES, search_id=w.search),
    "POST /api/partner-searches/{search_id}/interests": api(API_MEMBER_ORGANISATION_WRITES, search_id=w.search,
                                                             fields={"organisation": w.org_id}),
    "GET /api/partner-searches/{search_id}/interests": api(API_SEARCH_OWNER, search_id=w.search),
    "POST /api/interests/{interest_id}/{decision}": api(API_SEARCH_OWNER, interest_id=w.interest,
                                                        decision="accept"),
    "GET /api/projects": api(API_PUBLIC),
    "POST /api/projects": api(API_STAFF, fields={"cluster": w.cluster}),
    "GET /api/projects/{project_id}": api(API_PORTFOLIO_RECORD, project_id=w.project),
    "PATCH /api/projects/{project_id}": api(API_BACK_OFFICE_WRITES, project_id=w.project),
    "POST /api/projects/{project_id}/status": api(API_BACK_OFFICE_WRITES, project_id=w.project),
    "POST /api/projects/{project_id}/partners": api(API_BACK_OFFICE_WRITES, project_id=w.project),
    "DELETE /api/projects/{project_id}/partners/{partner_id}": api(API_BACK_OFFICE_WRITES, project_id=w.project,
                                                                   partner_id=w.partner),
    "POST /api/projects/{project_id}/work-packages": api(API_BACK_OFFICE_WRITES, project_id=w.project),
    "POST /api/work-packages/{work_package_id}/deliverables": api(API_BACK_OFFICE_WRITES,
                                                                  work_package_id=w.work_package),
    "POST /api/projects/{project_id}/documents": api(API_BACK_OFFICE_WRITES, project_id=w.project),
    "GET /api/clusters/{slug}/portfolio": api(API_DASHBOARD, slug=w.cluster),
    "GET /api/clusters/{slug}/funding": api(API_DASHBOARD, slug=w.cluster),
    # Ids in a body name real records: PostgreSQL's sequences are not rolled back, so an id of 1 names nothing there.
    "POST /api/clusters/{slug}/consortia": api(API_STAFF, slug=w.cluster, fields={"call": w.call}),
    "POST /api/clusters/{slug}/proposals": api(API_STAFF, slug=w.cluster, fields={"call": w.call}),
    # monitoring
    "GET /api/clusters/{slug}/kpis": api(API_DASHBOARD, slug=w.cluster),
    "GET /api/clusters/{slug}/targets": api(API_DASHBOARD, slug=w.cluster),
    "PUT /api/clusters/{slug}/targets/{year}": api(API_BACK_OFFICE_WRITES, slug=w.cluster, year=w.year),
    "GET /api/clusters/{slug}/figures": api(API_DASHBOARD, slug=w.cluster),
    "POST /api/clusters/{slug}/figures": api(API_BACK_OFFICE_WRITES, slug=w.cluster),
    "GET /api/networks/{slug}/kpis": api(API_NETWORK_COORDINATOR, slug=w.network),
    "GET /api/clusters/{slug}/surveys": api(API_DASHBOARD, slug=w.cluster),
    "POST /api/clusters/{slug}/surveys": api(API_BACK_OFFICE_WRITES, slug=w.cluster),
    "GET /api/clusters/{slug}/surveys/{survey_id}": api(API_DASHBOARD, slug=w.cluster, survey_id=w.survey),
    "PATCH /api/clusters/{slug}/surveys/{survey_id}": api(API_BACK_OFFICE_WRITES, slug=w.cluster, survey_id=w.survey),
    "POST /api/clusters/{slug}/surveys/{survey_id}/send": api(API_BACK_OFFICE_WRITES, slug=w.cluster,
                                                              survey_id=w.survey),
    "POST /api/clusters/{slug}/surveys/{survey_id}/close": api(API_BACK_OFFICE_WRITES, slug=w.cluster,
                                                               survey_id=w.survey),
    "GET /api/clusters/{slug}/assessments": api(API_DASHBOARD, slug=w.cluster),
    "POST /api/clusters/{slug}/assessments": api(API_BACK_OFFICE_WRITES, slug=w.cluster),
    "GET /api/clusters/{slug}/assessments/{assessment_id}": api(API_DASHBOARD, slug=w.cluster,
                                                                assessment_id=w.assessment),
    "PUT /api/clusters/{slug}/assessments/{assessment_id}/criteria/{code}": api(
        API_BACK_OFFICE_WRITES, slug=w.cluster, assessment_id=w.assessment, code=w.criterion),
    "POST /api/clusters/{slug}/assessments/{assessment_id}/complete": api(API_BACK_OFFICE_WRITES, slug=w.cluster,
                                                                          assessment_id=w.assessment),
    "GET /api/clusters/{slug}/assessments/{assessment_id}/pack": api(API_DASHBOARD, slug=w.cluster,
                                                                     assessment_id=w.assessment),
    "GET /api/clusters/{slug}/improvement-actions": api(API_DASHBOARD, slug=w.cluster),
    "POST /api/clusters/{slug}/improvement-actions": api(API_BACK_OFFICE_WRITES, slug=w.cluster),
    "PUT /api/clusters/{slug}/improvement-actions/{action_id}": api(API_BACK_OFFICE_WRITES, slug=w.cluster,
                                                                    action_id=w.action),
    "GET /api/clusters/{slug}/reports/annual": api(API_DASHBOARD, slug=w.cluster, query={"year": 2025}),
    # collaboration network
    "GET /api/clusters/{slug}/network": api(API_DASHBOARD, slug=w.cluster),
    "GET /api/clusters/{slug}/network/analyses/{analysis_id}": api(API_DASHBOARD, slug=w.cluster,
                                                                   analysis_id=w.cluster_analysis),
    "GET /api/clusters/{slug}/network/analyses/{analysis_id}/communities/{number}": api(
        API_DASHBOARD, slug=w.cluster, analysis_id=w.cluster_analysis, number=0),
    "POST /api/clusters/{slug}/network/analyses": api(API_DASHBOARD, slug=w.cluster),  # observers ask too
    "GET /api/clusters/{slug}/network/export": api(API_DASHBOARD, slug=w.cluster),
    "GET /api/networks/{slug}/network": api(API_NETWORK_COORDINATOR, slug=w.network),
    "GET /api/networks/{slug}/network/analyses/{analysis_id}": api(API_NETWORK_COORDINATOR, slug=w.network,
                                                                   analysis_id=w.network_analysis),
    "GET /api/networks/{slug}/network/analyses/{analysis_id}/communities/{number}": api(
        API_NETWORK_COORDINATOR, slug=w.network, analysis_id=w.network_analysis, number=0),
    "POST /api/networks/{slug}/network/analyses": api(API_NETWORK_COORDINATOR, slug=w.network),
    "GET /api/networks/{slug}/network/export": api(API_NETWORK_COORDINATOR, slug=w.network),
    # challenges
    "GET /api/challenges": api(API_PUBLIC),
    "GET /api/challenges/{challenge_id}": api(API_PUBLIC, challenge_id=w.challenge),
    "PATCH /api/challenges/{challenge_id}": api(API_ANY_STAFF, challenge_id=w.challenge),
    "POST /api/challenges/{challenge_id}/needs": api(API_ANYONE_WRITES, challenge_id=w.challenge),
    "POST /api/challenges/{challenge_id}/ballot": api(API_SIGNED_IN_WRITES, challenge_id=w.challenge),
    "GET /api/challenges/{challenge_id}/solutions": api(API_SIGNED_IN, challenge_id=w.challenge),
    "POST /api/challenges/{challenge_id}/solutions": api(API_SOLVER_WRITES, challenge_id=w.challenge,
                                                         fields={"theme_id": w.theme, "organisation_id": w.org_id}),
    "POST /api/clusters/{slug}/challenges": api(API_BACK_OFFICE_WRITES, slug=w.cluster),
    "POST /api/challenges/{challenge_id}/stage": api(API_ANY_STAFF, challenge_id=w.challenge),
    "POST /api/challenges/{challenge_id}/workshop-needs": api(API_ANY_STAFF, challenge_id=w.challenge),
    "DELETE /api/challenges/{challenge_id}/needs/{need_id}": api(API_ANY_STAFF, challenge_id=w.challenge,
                                                                 need_id=w.need),
    "POST /api/challenges/{challenge_id}/needs/{need_id}/ungroup": api(API_ANY_STAFF, challenge_id=w.challenge,
                                                                       need_id=w.need),
    "POST /api/challenges/{challenge_id}/group": api(API_ANY_STAFF, challenge_id=w.challenge),
    "POST /api/challenges/{challenge_id}/themes/{theme_id}/merge": api(API_ANY_STAFF, challenge_id=w.challenge,
                                                                       theme_id=w.theme),
    "POST /api/challenges/{challenge_id}/themes/{theme_id}/split": api(API_ANY_STAFF, challenge_id=w.challenge,
                                                                       theme_id=w.theme),
    "POST /api/challenges/{challenge_id}/themes/{theme_id}/rename": api(API_ANY_STAFF,
                                                                        challenge_id=w.challenge, theme_id=w.theme),
    "POST /api/challenges/{challenge_id}/themes/{theme_id}/place": api(API_ANY_STAFF, challenge_id=w.challenge,
                                                                       theme_id=w.theme),
    "POST /api/challenges/{challenge_id}/invitations": api(API_ANY_STAFF, challenge_id=w.challenge),
    "GET /api/challenges/{challenge_id}/priorities": api(API_ANY_STAFF, challenge_id=w.challenge),
    "POST /api/challenges/{challenge_id}/solutions/{solution_id}/status": api(
        API_ANY_STAFF, challenge_id=w.challenge, solution_id=w.solution),
    "GET /api/challenges/{challenge_id}/themes/{theme_id}/consortia": api(API_ANY_STAFF, challenge_id=w.challenge,
                                                                          theme_id=w.theme),
    "POST /api/challenges/{challenge_id}/themes/{theme_id}/activity": api(API_ANY_STAFF,
                                                                          challenge_id=w.challenge,
                                                                          theme_id=w.theme),
    # privacy (GDPR)
    "GET /api/people/{person_id}/export": api(API_DATA_CONTROLLER, person_id=w.person),
    "POST /api/people/{person_id}/erasure": api(API_DATA_CONTROLLER, person_id=w.person),
    "GET /api/people/{person_id}/consents": api(API_OWNER_OR_STAFF, person_id=w.person),
    "POST /api/people/{person_id}/consents": api(API_OWNER_OR_STAFF, person_id=w.person),
    "GET /api/me/export": api(API_SIGNED_IN),
}
