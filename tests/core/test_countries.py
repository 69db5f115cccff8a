"""Country names in the reader's language, remembered per language (a page names the same countries many times),
and choice labels read from a dict made once per field (core.models.ChoiceLabels)."""

from __future__ import annotations

from django.utils import translation

from filiera.core.countries import country_name
from filiera.directory.models import Opportunity, Organisation


def test_a_country_is_named_in_the_active_language_each_time():
    for _ in range(2):  # the second round reads the remembered names
        with translation.override("it"):
            assert country_name("de") == "Germania"
        with translation.override("da"):
            assert country_name("DE") == "Tyskland"
        with translation.override("en"):
            assert country_name("DE") == "Germany"
    assert country_name("XK") == "Kosovo" and country_name("ZZ") == "ZZ" and country_name("") == ""


def test_an_organisation_names_its_kind_in_the_active_language():
    organisation = Organisation(kind="university")
    with translation.override("en"):
        assert organisation.get_kind_display() == "University"
    with translation.override("it"):
        assert organisation.get_kind_display() == "Università"
    assert Organisation(kind="no-such-kind").get_kind_display() == "no-such-kind"


def test_an_opportunity_names_its_type_in_the_active_language():
    opportunity = Opportunity(type=Opportunity.Type.TECHNOLOGY_REQUEST)
    with translation.override("en"):
        english = opportunity.get_type_display()
    with translation.override("it"):
        italian = opportunity.get_type_display()
    assert english == str(Opportunity.Type.TECHNOLOGY_REQUEST.label) and italian != english
