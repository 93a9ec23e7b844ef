"""What Ask the hub adds to the rest of the hub (imported from apps.ready()): registrations only."""
