"""`filiera recommend --for-org REF | --for-opportunity ID`: partners for an organisation (from what it does and from
its collaboration history), or the organisations and opportunities that answer an opportunity."""

from __future__ import annotations

from django.db.models import Q

from filiera.directory.models import Opportunity, Organisation
from filiera.matching.management.commands._common import MatchingCommand, UsageError
from filiera.matching.services import MatchingError, recommend_for_opportunity, recommend_partners
from filiera.projects.services import partners_for


class Command(MatchingCommand):
    help = "Recommend partners for an organisation, or answers to an opportunity (a need or an offer)."

    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group()
        target.add_argument("--for-org", default="", help="The organisation's reference (e.g. its PIC) or slug.")
        target.add_argument("--for-opportunity", default="", help="The opportunity's id.")
        parser.add_argument("--eu-call", action="store_true",
                            help="Partners for an EU call: prefer organisations from other countries.")
        parser.add_argument("--no-history", action="store_true",
                            help="Partners from the matching engine only, without the collaboration history (past "
                                 "partners' partners, the kinds of partner its consortia include).")
        self.add_common(parser)

    def handle(self, *args, **options):
        try:
            if options["top"] < 1:
                raise UsageError("--top must be at least 1")
            viewer = self.viewer(options)
            if options["for_org"]:
                ref = options["for_org"].strip()
                organisation = Organisation.objects.filter(Q(ref=ref) | Q(slug=ref)).first()
                if organisation is None or not viewer.can_see_organisation(organisation):
                    raise UsageError(f"unknown organisation {ref!r} (give its reference or slug)")
                if options["no_history"]:
                    matches = recommend_partners(viewer, organisation, options["top"],
                                                 international=options["eu_call"])
                else:
                    matches = partners_for(viewer, organisation, options["top"], international=options["eu_call"])
            elif options["for_opportunity"]:
                raw = options["for_opportunity"].strip()
                opportunity = Opportunity.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
                if opportunity is None or not viewer.visible_opportunities_among([opportunity.pk]).exists():
                    raise UsageError(f"unknown opportunity {raw!r} (give its id)")
                matches = recommend_for_opportunity(viewer, opportunity, options["top"])
            else:
                raise UsageError("give --for-org REF or --for-opportunity ID")
        except (UsageError, MatchingError) as exc:
            self.fail(str(exc))
        self.output(matches, options)
