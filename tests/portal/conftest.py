"""The vendor portal's tests use the same evaluation, questions and invite as the answer services'."""

from tests.procurement.conftest import _clear_cache, evaluation, invite, questions  # noqa: F401
