"""Fleet mode: many kiosks in many stores on one central PostgreSQL, each kiosk staying offline-first.

- `schema`: the central, versioned schema (`aisle fleet init`).
- `publish`: a catalog (or one store's prices and stock) becomes a new catalog version (`aisle fleet publish`).
- `catalog_sync`: a kiosk builds its local SQLite catalog from the newest version and swaps it in between shoppers.
- `outbox`: every history write also records an outbox row in the same SQLite transaction.
- `shipper`: ships the outbox to PostgreSQL in batches with idempotent upserts, oldest first.
- `service`: the kiosk side, started with the other services when a fleet DSN is configured.
- `reports`: orders and status for the store's desk and IT (`aisle fleet orders|status`).

Nothing here is imported when no fleet DSN is configured: such a kiosk behaves exactly as before.
"""
