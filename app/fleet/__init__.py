"""Fleet mode: many kiosks in many stores on one central PostgreSQL, each kiosk staying offline-first.

- `config`: is a fleet configured, and this kiosk's id (imports nothing of PostgreSQL).
- `connection`: the DSN from the secrets, never shown with its password; connecting.
- `schema`: the central, versioned schema (`aisle fleet init`).
- `publish`: a catalog (or one store's prices and stock) becomes a new catalog version (`aisle fleet publish`).
- `catalog_sync`: a kiosk builds its local SQLite catalog from the newest version, ready to swap in.
- `outbox`: every history write also records an outbox row in the same SQLite transaction.
- `central` + `shipper`: the outbox shipped to PostgreSQL in batches with idempotent upserts, oldest first.
- `service`: the kiosk side (shipping, catalog swap between shoppers, heartbeat), run when a fleet DSN is configured.
- `reports` + `commands`: orders and status for the store's desk and IT (`aisle fleet orders|status`).

Without a fleet DSN none of this runs and psycopg is not imported: such a kiosk behaves exactly as before.
"""
