"""Development: `make run` on a laptop. Debug on, embedded SQLite and filesystem broker."""

from config.env import env_bool, env_list, env_str
from config.settings.base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)
# A fixed, obviously-unsafe key is fine here: production refuses to start without its own.
SECRET_KEY = env_str("SECRET_KEY", "") or "dev-insecure-key-do-not-use-in-production"
ENVIRONMENT_LABEL = env_str("ENVIRONMENT_LABEL", "development")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

# Static files straight from the app and project folders, no collectstatic needed.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
