"""The offline embedded brain: understands ordinary shopping requests with no key and no network."""
