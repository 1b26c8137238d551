"""Realtime: the event bus (in-process or Redis Streams) and the websocket channel."""
