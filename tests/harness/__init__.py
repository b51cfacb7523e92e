"""Test harnesses shared by every app's tests: real simulators, a real worker, waiting."""
