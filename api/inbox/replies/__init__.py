"""Managers' replies to cards, and the organisation's reply templates."""
