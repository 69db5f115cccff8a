"""`filiera network`: the collaboration network of a cluster or of a network of clusters, measured, or written as a
file for Gephi, yEd or a spreadsheet."""

from __future__ import annotations

import argparse
import datetime
import json

from django.core.management.base import BaseCommand, CommandError

from filiera.core.models import Cluster, Network
from filiera.network import engine, services
from filiera.network.services import Scope

BAD_INPUT = 2

HELP = """\
The organisations of a cluster (its members in the window and everyone tied to them) and their ties: shared projects,
B2B meetings held, events attended together and agreements signed. Without --out it prints the measures: size,
density, components, communities, cross-border and cross-helix ties, the members left out, the brokers, the bridges
between clusters and the missing links worth making; --json prints them all as JSON.

Examples:
  .venv/bin/filiera network --cluster clust-er-health --from 2024-01-01
  .venv/bin/filiera network --network rete-clust-er-emilia-romagna --kinds project,agreement --json
  .venv/bin/filiera network --cluster clust-er-health --format gexf --out clust-er-health.gexf
"""


def _day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from exc


class Command(BaseCommand):
    help = "Measure or export the collaboration network of a cluster or of a network of clusters."

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        parser.description = HELP
        return parser

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--cluster", metavar="SLUG", help="one cluster")
        which.add_argument("--network", metavar="SLUG", help="every cluster of a network")
        parser.add_argument("--from", dest="start", type=_day, help="first day of the window (YYYY-MM-DD)")
        parser.add_argument("--to", dest="end", type=_day, help="last day of the window (YYYY-MM-DD)")
        parser.add_argument("--kinds", default=",".join(engine.KINDS),
                            help=f"kinds of tie, comma-separated (default: {','.join(engine.KINDS)})")
        parser.add_argument("--format", choices=sorted(services.EXPORT_FORMATS), help="write a file in this format")
        parser.add_argument("--out", metavar="FILE", help="the file to write (with --format)")
        parser.add_argument("--json", action="store_true", help="print the measures as JSON")
        parser.add_argument("--top", type=int, default=10, help="how many brokers and suggested links (default 10)")

    def handle(self, *args, cluster=None, network=None, start=None, end=None, kinds="", format=None, out=None,
               json=False, top=10, **options):
        what = (Cluster.objects.filter(slug=cluster).first() if cluster else
                Network.objects.filter(slug=network).first())
        if what is None:
            raise CommandError(f"No {'cluster' if cluster else 'network'} “{cluster or network}”.",
                               returncode=BAD_INPUT)
        chosen = [k.strip() for k in kinds.split(",") if k.strip()]
        unknown = sorted(set(chosen) - set(engine.KINDS))
        if unknown or not chosen:
            raise CommandError(f"--kinds: choose among {', '.join(engine.KINDS)} (not {', '.join(unknown) or 'none'}).",
                               returncode=BAD_INPUT)
        if start and end and start > end:
            raise CommandError("--from is after --to.", returncode=BAD_INPUT)
        if bool(format) != bool(out):
            raise CommandError("--format and --out go together.", returncode=BAD_INPUT)
        collaboration = services.collaboration(Scope.of(what, start, end))
        graph = collaboration.graph(chosen)
        measures = engine.measure(graph, members=collaboration.members)
        if out:
            content = services.export(graph, measures, format)
            with open(out, "wb") as stream:
                stream.write(content)
            self.stdout.write(f"{what}: {graph.number_of_nodes():,} organisations, {graph.number_of_edges():,} ties "
                              f"-> {out} ({format})")
            return
        suggestions = engine.suggest_links(graph, candidates=collaboration.members, top=top)
        if json:
            self.stdout.write(_json({"measures": measures.as_dict(),
                                     "suggestions": [s.as_dict() for s in suggestions]}))
            return
        self.stdout.write(summary(what, graph, measures, suggestions, top))


def _json(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=list)


def summary(what, graph, measures: engine.Measures, suggestions, top: int) -> str:
    name = dict(graph.nodes(data="name"))

    def share(value):
        return "–" if value is None else f"{100 * value:.1f} %"

    lines = [f"{what}: {measures.node_count:,} organisations, {measures.edge_count:,} ties, density "
             f"{measures.density:.4f}, {measures.components:,} components (largest {measures.largest_component:,}), "
             f"{measures.communities:,} communities (modularity {measures.modularity:.2f})",
             f"cross-border ties {share(measures.cross_border_share)}, across helices "
             f"{share(measures.cross_helix_share)}",
             f"members with no tie: {len(measures.isolated_members)}"
             + (": " + ", ".join(name[i] for i in measures.isolated_members[:top])
                if measures.isolated_members else ""),
             "brokers (betweenness):"]
    for node in sorted(measures.nodes, key=lambda n: (-n.betweenness, n.id))[:top]:
        if node.betweenness > 0:
            lines.append(f"  {name[node.id]}: {node.betweenness:.3f}, {node.degree} partners, brokerage "
                         + ", ".join(f"{k} {v}" for k, v in node.brokerage.items()))
    if measures.bridging_organisations:
        lines.append("bridges between clusters:")
        lines += [f"  {name[b.id]}: {b.ties_across} ties to clusters {', '.join(map(str, b.reaches))}"
                  for b in measures.bridging_organisations[:top]]
    if suggestions:
        lines.append("missing links worth making:")
        lines += [f"  {name[s.a]} – {name[s.b]}: {s.score:.2f} ({len(s.shared_partners)} shared partners, "
                  f"{len(s.complementary_concepts)} complementary competences)" for s in suggestions]
    return "\n".join(lines)
