"""👍 / 👎 under each answer, recorded in SQLite under the data dir; a summary for maintainers.

Each answer is stored when it is sent and its buttons carry the answer's row id in their
custom_id, so a vote cast after the bot restarted is still recorded (a persistent
`DynamicItem`, no in-memory view). Voters are stored as a keyed hash, never as their id.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import sqlite3
import threading
from contextlib import closing
from pathlib import Path
from typing import Any

import discord

from retrieval.models import Answer

logger = logging.getLogger(__name__)

RECENT_DOWNVOTES = 5  # how many thumbs-down questions the summary lists
VOTES = {"up": 1, "down": -1}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    abstained INTEGER NOT NULL,
    generator TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS votes (
    answer_id INTEGER NOT NULL REFERENCES answers(id),
    user_hash TEXT NOT NULL,
    vote INTEGER NOT NULL,
    voted_at TEXT NOT NULL,
    PRIMARY KEY (answer_id, user_hash)
);
"""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class FeedbackStore:
    """Answers and votes in one SQLite file; safe to call from several threads."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._salt: bytes | None = None

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10)
        conn.executescript(_SCHEMA)
        return conn

    def _user_hash(self, conn: sqlite3.Connection, user_id: int) -> str:
        # A plain hash of a Discord id can be reversed by enumerating ids; a per-install
        # secret key makes the stored value useless outside this database.
        if self._salt is None:
            row = conn.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()
            if row is None:
                conn.execute("INSERT INTO meta VALUES ('salt', ?)", (secrets.token_hex(32),))
                row = conn.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()
            self._salt = bytes.fromhex(row[0])
        return hmac.new(self._salt, str(user_id).encode(), hashlib.sha256).hexdigest()

    def record_answer(self, answer: Answer) -> int:
        """Store an answer as sent; returns the id its vote buttons carry."""
        citations = json.dumps(
            [{"n": c.n, "doc_id": c.doc_id, "title": c.title, "quote": c.quote}
             for c in answer.citations], ensure_ascii=False)
        with self._lock, closing(self._connect()) as conn, conn:
            cur = conn.execute(
                "INSERT INTO answers (question, answer, citations, abstained, generator, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (answer.question, answer.answer, citations, int(answer.abstained),
                 answer.generator, _now()))
            return int(cur.lastrowid or 0)

    def record_vote(self, answer_id: int, user_id: int, vote: str) -> bool:
        """Record (or change) one user's vote on one answer; False if the answer is unknown."""
        with self._lock, closing(self._connect()) as conn, conn:
            if conn.execute("SELECT 1 FROM answers WHERE id = ?", (answer_id,)).fetchone() is None:
                return False
            conn.execute(
                "INSERT INTO votes VALUES (?, ?, ?, ?) ON CONFLICT(answer_id, user_hash) "
                "DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at",
                (answer_id, self._user_hash(conn, user_id), VOTES[vote], _now()))
            return True

    def votes(self) -> list[dict[str, Any]]:
        """Every vote with its question, answer and citations (newest first)."""
        with self._lock, closing(self._connect()) as conn:
            conn.row_factory = sqlite3.Row
            rows = conn.execute(
                "SELECT a.id AS answer_id, a.question, a.answer, a.citations, a.abstained, "
                "v.vote, v.user_hash, v.voted_at FROM votes v JOIN answers a ON a.id = v.answer_id "
                "ORDER BY v.voted_at DESC, a.id DESC").fetchall()
        return [{**dict(r), "citations": json.loads(r["citations"]),
                 "abstained": bool(r["abstained"])} for r in rows]


def summary(path: Path) -> dict[str, Any]:
    """Counts of answers and votes, and the latest questions readers voted down."""
    if not Path(path).exists():
        return {"answers": 0, "votes": 0, "up": 0, "down": 0, "voters": 0,
                "abstained_answers": 0, "recent_down": []}
    store = FeedbackStore(path)
    votes = store.votes()
    with closing(store._connect()) as conn:
        answers, abstained = conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(abstained), 0) FROM answers").fetchone()
    down = [v for v in votes if v["vote"] < 0]
    return {
        "answers": answers,
        "votes": len(votes),
        "up": sum(1 for v in votes if v["vote"] > 0),
        "down": len(down),
        "voters": len({v["user_hash"] for v in votes}),
        "abstained_answers": abstained,
        "recent_down": [{"question": v["question"], "answer": v["answer"],
                         "voted_at": v["voted_at"]} for v in down[:RECENT_DOWNVOTES]],
    }


def summary_text(data: dict[str, Any]) -> str:
    if not data["answers"]:
        return "No answers recorded yet."
    lines = [f"{data['answers']} answers sent ({data['abstained_answers']} declined); "
             f"{data['votes']} votes from {data['voters']} people: "
             f"{data['up']} 👍, {data['down']} 👎"]
    if data["recent_down"]:
        lines.append("Latest 👎:")
        lines += [f"  {v['voted_at']}  {v['question']}" for v in data["recent_down"]]
    return "\n".join(lines)


# --- Discord buttons ---------------------------------------------------------------------------
class VoteButton(discord.ui.DynamicItem[discord.ui.Button],
                 template=r"backstory:vote:(?P<vote>up|down):(?P<answer_id>[0-9]+)"):
    """A 👍 or 👎 button; the answer it rates is in its custom_id."""

    def __init__(self, vote: str, answer_id: int) -> None:
        super().__init__(discord.ui.Button(
            emoji="👍" if vote == "up" else "👎",
            style=discord.ButtonStyle.secondary,
            custom_id=f"backstory:vote:{vote}:{answer_id}",
        ))
        self.vote = vote
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match, /) -> VoteButton:
        return cls(match["vote"], int(match["answer_id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        store: FeedbackStore = interaction.client.feedback  # type: ignore[attr-defined]
        try:
            known = await asyncio.to_thread(store.record_vote, self.answer_id,
                                            interaction.user.id, self.vote)
        except Exception:
            logger.exception("recording a vote failed")
            known = False
        text = ("Thanks — your feedback was recorded." if known
                else "Sorry — I couldn't record that vote.")
        await interaction.response.send_message(text, ephemeral=True)


def feedback_view(answer_id: int) -> discord.ui.View:
    """The two buttons under an answer (persistent: no timeout)."""
    view = discord.ui.View(timeout=None)
    view.add_item(VoteButton("up", answer_id))
    view.add_item(VoteButton("down", answer_id))
    return view
