"""Admin of the supplier evaluations app: each model registers here with its filters and actions."""
