"""Card protection: rate limits on the public card, and bot traps that never drop a real card.

- `limiter`: the burst limit per (client, code), the code-wide ceiling past which cards are stored
  without alerts, and the count of refused submissions an owner sees; in Redis when
  TELLUS_REDIS_URL is set, else in the database on PostgreSQL (`database_store`) and in the
  process's memory on SQLite.
- `loop_counts`: a card's counts in Redis in one round trip from the event loop, on the keys
  `limits` keeps.
- `clients`: the address a client is counted by (an IPv6 client by its /64).
- `form_tokens`: the card form's signed token (issue time and a nonce) and the confirm step's.
- `traps`: the honeypot field and the minimum fill time.

This package has no routes: the customer's card POST and the public API call it.
"""
