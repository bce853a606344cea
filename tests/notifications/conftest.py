# The need, achievement and proposal between them (with contact details) are shared with tests/deals.
from tests.deals.conftest import achievement, need, proposal  # noqa: F401
