"""Tenure: identity governance for AI platforms (Claude and OpenAI)."""

__version__ = "0.1.0"
