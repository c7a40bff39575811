"""Conversation memory per thread or reply chain, bounded in turns and in conversations."""

from __future__ import annotations

from collections import OrderedDict, deque

from retrieval.answering.followup import Turn

MAX_CONVERSATIONS = 2_000  # least recently used conversations are forgotten beyond this
MAX_LINKED_MESSAGES = 20_000  # message id -> conversation, for replies to earlier answers


class Conversations:
    """Turns keyed by a thread id or the first message of a reply chain."""

    def __init__(self, max_turns: int, max_conversations: int = MAX_CONVERSATIONS,
                 max_links: int = MAX_LINKED_MESSAGES) -> None:
        self.max_turns = max_turns
        self.max_conversations = max_conversations
        self.max_links = max_links
        self._turns: OrderedDict[int, deque[Turn]] = OrderedDict()
        self._links: OrderedDict[int, int] = OrderedDict()

    def history(self, key: int) -> list[Turn]:
        turns = self._turns.get(key)
        if turns is None:
            return []
        self._turns.move_to_end(key)
        return list(turns)

    def add(self, key: int, turn: Turn) -> None:
        if self.max_turns == 0:
            return
        turns = self._turns.setdefault(key, deque(maxlen=self.max_turns))
        turns.append(turn)
        self._turns.move_to_end(key)
        while len(self._turns) > self.max_conversations:
            self._turns.popitem(last=False)

    def link(self, message_ids: list[int], key: int) -> None:
        """Remember that replying to these messages continues conversation `key`."""
        for message_id in message_ids:
            self._links[message_id] = key
            self._links.move_to_end(message_id)
        while len(self._links) > self.max_links:
            self._links.popitem(last=False)

    def key_for(self, message_id: int | None) -> int | None:
        if message_id is None:
            return None
        return self._links.get(message_id)
