"""The synthetic country: a deterministic, Estonia-like population written into each member's
own database, and a schedule of future births and deaths for the simulator."""

from tenfold.country.models import DEFAULT_AS_OF, GENERATOR_VERSION, Country, GenerationRequest
from tenfold.country.service import CountryExists, NoCountry, Outcome, Progress, current, generate, roles, summary
from tenfold.country.summary import FIGURES

__all__ = [
    "DEFAULT_AS_OF", "FIGURES", "GENERATOR_VERSION", "Country", "CountryExists", "GenerationRequest", "NoCountry",
    "Outcome", "Progress", "current", "generate", "roles", "summary",
]
