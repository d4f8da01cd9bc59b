"""The kiosk's screens: attract, shopping (conversation, product area, cart) and finish."""
