"""Imports every built-in connector so each registers its source type."""

from tenure.connectors import anthropic, hr_csv, openai, scim  # noqa: F401
