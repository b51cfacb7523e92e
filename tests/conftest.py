import pytest

pytest_plugins = [
    "tests.harness.simulators",
    "tests.harness.worker",
    "tests.harness.users",
    "tests.harness.browser",
]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded files from one test never leak into another or into var/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
