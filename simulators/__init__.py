"""Standalone asyncio HTTP service simulating the external systems (see README.md).

It runs in its own process with in-memory state and must never import Django or
the rest of the project, so that it behaves like a remote partner would.
"""
