"""Benchmarks: `make bench` (or `python -m bench [name ...]`) runs every `bench_*.py` module.

They print figures; they are not timed tests and assert nothing beyond "it ran to the end".
Each module has a `run()` function. By default they use their own SQLite database and
filesystem broker under var/bench/; set DATABASE_URL and CELERY_BROKER_URL to measure on
PostgreSQL and Redis (the database named there is written to: use a scratch one).
"""
