import pytest

# The modules moved out of conftest.py assert too: pytest rewrites them as it did conftest.py, so
# their failures are explained as before.
pytest.register_assert_rewrite(
    "tests.security.database",
    "tests.security.fuzzing",
    "tests.security.pages",
    "tests.security.seeding",
)
