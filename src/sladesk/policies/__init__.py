"""Policy versions in the database: which policy a ticket runs under."""
