"""Bearer API keys: made (shown once), listed, revoked."""
