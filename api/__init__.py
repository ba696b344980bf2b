"""Tellus: self-hosted QR comment cards."""
