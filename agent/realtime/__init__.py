"""The realtime voice protocol layer (OpenAI Realtime and Azure OpenAI), free of app concepts.

- `events`: server events parsed into small frozen types (GA names, whatever dialect arrives) and client event
  builders for both dialects.
- `truncation`: what to tell the server about assistant audio that was cut off.
- `endpoints`: where to connect (OpenAI, Azure v1, Azure preview) and with which credentials.
- `connection`: one socket opened through the official `openai` SDK, failures classified, plus a backoff policy.

No Qt, no audio devices, no shopping here: this package speaks the protocol and nothing else.
"""
