"""The customer's private follow-up page, /f/{token}."""
