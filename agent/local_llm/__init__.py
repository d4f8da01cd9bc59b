"""Brain 5: a local LLM (any OpenAI-compatible chat endpoint on the kiosk or the store network) with Aisle's own
offline recognition and speech output. See `agent.local_llm.brain`."""
