"""Brain 3, the Azure Speech pipeline: Azure Speech recognition → streamed chat completions with the shopping tools →
Azure neural TTS, sentence by sentence, through the kiosk's own playback. See `brain` for how the parts meet."""

from agent.speech_pipeline.brain import SpeechPipelineBrain
from agent.speech_pipeline.chat import ChatAgent, ChatConfig
from agent.speech_pipeline.factory import build_chat, build_from_settings
from agent.speech_pipeline.recognition import AzureRecognizer, Recognizer
from agent.speech_pipeline.sdk import AzureSpeechConfig
from agent.speech_pipeline.synthesis import AzureSynthesizer, Synthesizer

__all__ = [
    "AzureRecognizer",
    "AzureSpeechConfig",
    "AzureSynthesizer",
    "ChatAgent",
    "ChatConfig",
    "Recognizer",
    "SpeechPipelineBrain",
    "Synthesizer",
    "build_chat",
    "build_from_settings",
]
