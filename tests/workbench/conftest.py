# The need, achievement and proposal between them are shared with tests/deals.
from tests.deals.conftest import achievement, need, proposal  # noqa: F401
