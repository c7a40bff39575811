"""The answer flow: Answerer -> retrieve -> generate (reader | LLM) -> check citations."""
