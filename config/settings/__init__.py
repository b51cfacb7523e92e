"""Settings modules: `base` (shared), `development`, `test`, `production`.

Everything that differs between machines comes from the environment (see `config.env`).
"""
