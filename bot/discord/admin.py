"""Maintainer commands: /add-source and /remove-source, gated twice.

Discord hides them from members without Manage Server (default_member_permissions), and a
server admin can loosen that in Integrations settings, so the bot also checks its own
allowlist of user and role ids (settings.discord_admin_ids) before doing anything.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.limits import CLOSING_MESSAGE
from bot.discord.render import as_code, as_text, clip, safe, split_message
from bot.discord.reply import InteractionReplier, deliver
from retrieval.errors import BackstoryError
from retrieval.index.corpus import is_url
from retrieval.index.ingest import IngestReport, ingest, remove_document

if TYPE_CHECKING:
    from bot.discord.bot import BackstoryBot

logger = logging.getLogger(__name__)

UPLOADS_DIR = "uploads"  # under the corpus folder, so `backstory ingest` picks uploads up again
MAX_FILENAME_CHARS = 120
MAX_CHOICES = 25  # Discord's cap on autocomplete choices
CHOICE_MAX_CHARS = 100  # Discord's cap on a choice's name and value

NO_ADMINS = ("No maintainers are configured. Set BACKSTORY_DISCORD_ADMIN_IDS to the user or "
             "role ids allowed to change the sources, then restart the bot.")
NOT_ADMIN = "Only the bot's maintainers can change its sources."


def safe_filename(name: str) -> str:
    """A plain file name for an upload: no folders, no dot-files, no odd characters."""
    stem, suffix = os.path.splitext(Path(name).name)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._") or "upload"
    return stem[: MAX_FILENAME_CHARS - len(suffix)] + suffix.lower()


class AdminCog(commands.Cog, name="Maintainers"):
    """Add and remove documents from the bot's sources."""

    def __init__(self, bot: BackstoryBot) -> None:
        self.bot = bot
        self.settings = bot.settings
        self._write_lock = asyncio.Lock()  # one ingest at a time from this process

    @property
    def uploads(self) -> Path:
        return self.settings.corpus_dir / UPLOADS_DIR

    def refusal(self, user: discord.abc.User | discord.Member) -> str | None:
        """Why this user may not change the sources, or None when they may."""
        allowed = set(self.settings.discord_admin_ids)
        if not allowed:
            return NO_ADMINS
        if user.id in allowed:
            return None
        roles = getattr(user, "roles", [])
        return None if any(role.id in allowed for role in roles) else NOT_ADMIN

    # --- /add-source -------------------------------------------------------------------------
    @app_commands.command(name="add-source")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @app_commands.describe(url="A web page or PDF to add",
                           file="A document to add (.md, .txt, .html or .pdf)")
    async def add_source(self, interaction: discord.Interaction, url: str | None = None,
                         file: discord.Attachment | None = None) -> None:
        """Add a document to the bot's sources (maintainers only)."""
        problem = self.refusal(interaction.user) or self._check_input(url, file) or \
            (CLOSING_MESSAGE if self.bot.in_flight.closing else None)
        if problem:
            await interaction.response.send_message(problem, ephemeral=True)
            return
        with self.bot.in_flight.track():
            await interaction.response.defer(ephemeral=True, thinking=True)
            async with self._write_lock:
                if file is not None:
                    text = await self._add_file(file)
                else:
                    assert url is not None
                    report = await asyncio.to_thread(ingest, self.bot.answerer.store,
                                                     [url.strip()])
                    text = await self._report_text(report)
            logger.info("%s added a source: %s", interaction.user.id,
                        url or (file and file.filename))
            await deliver(InteractionReplier(interaction, ephemeral=True), split_message(text))

    def _check_input(self, url: str | None, file: discord.Attachment | None) -> str | None:
        """Refuse bad input before anything is downloaded."""
        if (url is None) == (file is None):
            return "Give either a `url` or a `file` to add (one of them)."
        if url is not None:
            return None if is_url(url.strip()) else "The url must start with http:// or https://."
        assert file is not None
        suffix = Path(file.filename).suffix.lower()
        if suffix not in {t.lower() for t in self.settings.discord_upload_types}:
            kinds = ", ".join(self.settings.discord_upload_types)
            return f"I can't read {safe(suffix or 'files without an extension')}; send {kinds}."
        if file.size > self.settings.max_file_bytes:
            return (f"That file is {file.size:,} bytes; the limit is "
                    f"{self.settings.max_file_bytes:,}.")
        return None

    async def _add_file(self, file: discord.Attachment) -> str:
        data = await file.read()
        if len(data) > self.settings.max_file_bytes:  # the declared size was wrong
            return f"That file is larger than the {self.settings.max_file_bytes:,}-byte limit."
        path = self.uploads / safe_filename(file.filename)
        previous = await asyncio.to_thread(_write, path, data)
        report = await asyncio.to_thread(ingest, self.bot.answerer.store, [str(path)])
        if report.failed or not (report.docs_added or report.docs_updated
                                 or report.docs_unchanged):
            # Keep the corpus folder re-ingestable: put back what was there before. A copy of
            # an indexed document is left out too (its file would repeat the note every run).
            await asyncio.to_thread(_restore, path, previous)
        return await self._report_text(report)

    async def _report_text(self, report: IngestReport) -> str:
        rows = {r["id"]: r for r in await asyncio.to_thread(self.bot.answerer.store.documents)}
        return ingest_reply(report, rows)

    # --- /remove-source ----------------------------------------------------------------------
    @app_commands.command(name="remove-source")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @app_commands.describe(document="The document's id, as /sources shows it")
    async def remove_source(self, interaction: discord.Interaction, document: str) -> None:
        """Remove a document from the bot's sources (maintainers only)."""
        problem = self.refusal(interaction.user) or \
            (CLOSING_MESSAGE if self.bot.in_flight.closing else None)
        if problem:
            await interaction.response.send_message(problem, ephemeral=True)
            return
        with self.bot.in_flight.track():
            await self._remove(interaction, document)

    async def _remove(self, interaction: discord.Interaction, document: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        store = self.bot.answerer.store
        async with self._write_lock:
            rows = {r["id"]: r for r in await asyncio.to_thread(store.documents)}
            try:
                removed = await asyncio.to_thread(remove_document, store, document)
            except BackstoryError as err:
                text = safe(f"Nothing removed: {err}.")
            else:
                row = rows.get(document, {})
                text = safe(f"Removed **{as_text(clip(row.get('title') or document, 200))}** "
                            f"({as_code(document)}, {removed} passages).")
                text += await asyncio.to_thread(self._forget_file, row.get("origin") or "")
        logger.info("%s removed a source: %s", interaction.user.id, document)
        await deliver(InteractionReplier(interaction, ephemeral=True), split_message(text))

    def _forget_file(self, origin: str) -> str:
        """Delete an uploaded file too; a corpus file stays and says how to drop it for good."""
        if not origin or is_url(origin):
            return ""
        path = Path(origin)
        if path.is_relative_to(self.uploads.resolve()):
            path.unlink(missing_ok=True)
            return ""
        return (" Its file stays in the corpus folder; delete it there too, or the next "
                "`backstory ingest` adds it back.")

    @remove_source.autocomplete("document")
    async def _complete_document(self, interaction: discord.Interaction,
                                 current: str) -> list[app_commands.Choice[str]]:
        if self.refusal(interaction.user):
            return []  # don't list the corpus to people who can't use the command
        rows = await asyncio.to_thread(self.bot.answerer.store.documents)
        needle = current.lower()
        choices = []
        for row in rows:
            if len(row["id"]) > CHOICE_MAX_CHARS:
                continue  # too long to offer; it can still be typed in full
            if needle in row["id"].lower() or needle in (row["title"] or "").lower():
                name = clip(f"{row['title']} ({row['id']})", CHOICE_MAX_CHARS)
                choices.append(app_commands.Choice(name=name, value=row["id"]))
        return choices[:MAX_CHOICES]


def ingest_reply(report: IngestReport, rows: dict[str, dict]) -> str:
    """What the maintainer reads after /add-source."""

    def label(doc_id: str) -> str:
        row = rows.get(doc_id, {})
        passages = f", {row['chunks']} passages" if row.get("chunks") else ""
        return f"**{as_text(clip(row.get('title') or doc_id, 200))}** ({as_code(doc_id)}{passages})"

    lines = [f"Added {label(d)}." for d in report.docs_added]
    lines += [f"Updated {label(d)}." for d in report.docs_updated]
    lines += [f"Already there, unchanged: {label(d)}." for d in report.docs_unchanged]
    lines += [f"Could not add {as_text(_shown(f.origin))}: {as_text(f.reason)}."
              for f in report.failed]
    lines += [f"Note: {as_text(_shown(n.origin))}: {as_text(n.reason)}." for n in report.notes]
    if report.flagged:
        lines.append(f"Warning: {len(report.flagged)} sentence(s) read like instructions to an "
                     "assistant; they will never be quoted.")
    return safe("\n".join(lines) or "Nothing was added.")


def _shown(origin: str) -> str:
    """A file by its name only: the bot's local folders are nobody's business on Discord."""
    return origin if is_url(origin) else Path(origin).name


def _write(path: Path, data: bytes) -> bytes | None:
    """Write atomically; return the previous content, if any (a dot-file is never ingested)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    previous = path.read_bytes() if path.exists() else None
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return previous


def _restore(path: Path, previous: bytes | None) -> None:
    if previous is None:
        path.unlink(missing_ok=True)
    else:
        _write(path, previous)
