"""Admin of the leads app: each model registers here with its filters and actions."""
