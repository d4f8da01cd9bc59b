"""Aisle's conversation brains and the shopping tools they call. No Qt here."""
