"""Fixtures of the challenge tests: the shipped vocabulary, a hospital of cluster_a that owns a challenge collecting
needs, and nine needs in three languages that fall into three obvious themes through the concepts they name (the
tests run without an embeddings backend)."""

from __future__ import annotations

import datetime

import pytest

from filiera.challenges.models import Challenge, Need
from filiera.core.vocabulary import sync_vocabulary
from filiera.directory.models import Membership, Organisation

NEEDS = {
    "heart": [("it", "gp", "I pazienti con scompenso cardiaco vanno seguiti con il telemonitoraggio a casa."),
              ("da", "nurse", "Patienter med hjertesvigt skal have telemonitorering hjemme efter udskrivelsen."),
              ("es", "clinician", "Los pacientes con insuficiencia cardiaca necesitan telemonitorización en casa.")],
    "falls": [("it", "social_worker", "Il rischio di caduta degli anziani soli in montagna è alto."),
              ("da", "nurse", "Faldulykker og hoftebrud hos ældre der bor alene på landet."),
              ("es", "carer", "La fractura de cadera tras una caída deja a mi madre sin autonomía.")],
    "diabetes": [("it", "gp", "Il diabete mellito dei pazienti lontani dall'ambulatorio è mal controllato."),
                 ("da", "patient", "Med sukkersyge er det svært at komme til kontrol, når man bor langt væk."),
                 ("es", "pharmacist", "La diabetes mellitus de los pacientes rurales se controla poco.")],
}


@pytest.fixture
def vocabulary(db):
    sync_vocabulary()


@pytest.fixture
def hospital(cluster_a):
    org = Organisation.objects.create(slug="ausl-appennino", name="AUSL dell'Appennino", kind="hospital",
                                      country="IT", city="Porretta Terme", language="it")
    Membership.objects.create(organisation=org, cluster=cluster_a, status=Membership.Status.ACTIVE,
                              joined_on=datetime.date(2020, 1, 1))
    return org


@pytest.fixture
def challenge(cluster_a, hospital, vocabulary):
    return Challenge.objects.create(
        cluster=cluster_a, owner=hospital, title="Fragile and chronic patients in remote areas",
        statement="How can fragile and chronic patients living in mountain villages be cared for at home?",
        scope="Apennine valleys of the province", language="en", stage=Challenge.Stage.NEEDS)


@pytest.fixture
def needs(challenge):
    """The nine needs, by theme: {"heart": [Need, …], …}."""
    return {theme: [Need.objects.create(challenge=challenge, text=text, language=language, actor=actor)
                    for language, actor, text in voiced] for theme, voiced in NEEDS.items()}
