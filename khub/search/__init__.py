"""Permission-aware search across practice, conversations, communities and people (/search/)."""
