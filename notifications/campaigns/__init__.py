"""Notice campaigns: recipients, deliveries in leased chunks, receipts, evidence, purge."""
