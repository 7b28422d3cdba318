"""``python -m tenure.cli``."""

from tenure.cli import main

main()
