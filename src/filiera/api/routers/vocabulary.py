"""The shared vocabulary: value chains and concepts, with their labels in every language."""

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from filiera.api.common import Pagination
from filiera.api.schemas import ConceptOut, ErrorOut, ValueChainOut
from filiera.core.models import Concept, ValueChain
from filiera.directory.models import fold

router = Router(tags=["vocabulary"])


def _matches(words: list[str], obj) -> bool:
    """Every word appears in the slug, a label or a synonym, in any language (accents ignored)."""
    texts = [obj.slug.replace("-", " "), *obj.labels.values()]
    for synonyms in (getattr(obj, "synonyms", None) or {}).values():
        texts.extend(synonyms)
    haystack = fold(" ".join(texts))
    return all(word in haystack for word in words)


def _search(queryset, q: str):
    words = fold(q).split()
    if not words:
        return queryset
    # Labels are JSON in every language; the vocabulary is small, so it is matched here rather than in SQL.
    return [obj for obj in queryset if _matches(words, obj)]


class ValueChainQuery(Schema):
    q: str = Field("", description="Words in a label, in any language")


class ConceptQuery(Schema):
    q: str = Field("", description="Words in a label or synonym, in any language")
    scheme: list[Concept.Scheme] = Field(default_factory=list, description="Repeatable")


@router.get("/value-chains", response=list[ValueChainOut], summary="List value chains")
@paginate(Pagination)
def list_value_chains(request, filters: Query[ValueChainQuery]):
    return _search(ValueChain.objects.order_by("slug"), filters.q)


@router.get("/concepts", response=list[ConceptOut], summary="List concepts")
@paginate(Pagination)
def list_concepts(request, filters: Query[ConceptQuery]):
    concepts = Concept.objects.select_related("broader").order_by("slug")
    if filters.scheme:
        concepts = concepts.filter(scheme__in=filters.scheme)
    return _search(concepts, filters.q)


@router.get("/value-chains/{slug}", response={200: ValueChainOut, 404: ErrorOut}, summary="A value chain")
def get_value_chain(request, slug: str):
    return get_object_or_404(ValueChain, slug=slug)


@router.get("/concepts/{slug}", response={200: ConceptOut, 404: ErrorOut}, summary="A concept")
def get_concept(request, slug: str):
    return get_object_or_404(Concept.objects.select_related("broader"), slug=slug)
