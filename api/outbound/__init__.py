"""Connections to addresses an owner or manager typed: webhooks, push services, an organisation's
mail server. `destinations` checks where a name leads; `http` and `smtp` connect only there."""
