"""Aisle's application core: settings, the event bus, the shopper session, storage and the composition root.

Nothing in this package imports Qt except the kiosk entry point, so a whole conversation runs without a screen.
"""
