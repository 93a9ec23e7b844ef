"""What events give the hub's other surfaces (core.providers): the feed, search and digests; registered in
events/extensions.py. Each reads through events.permissions."""
