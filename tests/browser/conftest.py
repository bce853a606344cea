"""Browser journeys reuse the deals fixtures: a need of A, an achievement of U and a proposal between them."""

from tests.deals.conftest import achievement, need, proposal  # noqa: F401
