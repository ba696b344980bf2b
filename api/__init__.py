"""Tellus: self-hosted QR comment cards."""

from api.web.id_rule import register_id_convertor

# Before any module of the package declares a route: their paths name ids as `{card_id:id}`.
register_id_convertor()
