"""The kiosk window: PySide6 widgets on a qasync loop. Widgets render view state and emit intents; `ui.bridge` turns
bus events into Qt signals; `ui.controller` turns intents into conversation calls. Nothing here touches SQLite, the
network or audio on the UI thread."""
