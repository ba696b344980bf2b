"""How alerts are delivered: email, webhooks, Web Push."""
