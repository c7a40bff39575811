"""One typed Settings object, read from the environment and `.env`, built once at the edge."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

EmbedderName = Literal["minilm", "e5", "openai"]
# Lists read from the environment as comma-separated values ("123,456"), not JSON.
IdList = Annotated[list[int], NoDecode]
StrList = Annotated[list[str], NoDecode]
# The rule chromadb 1.5.9's Rust core enforces (its error message says it), checked here
# without importing chromadb.
COLLECTION_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9._-]{1,510}[a-zA-Z0-9]")


class Settings(BaseSettings):
    """Everything backstory can be configured with; each field is also a BACKSTORY_* variable."""

    model_config = SettingsConfigDict(
        env_prefix="BACKSTORY_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    # --- where things live -------------------------------------------------------------
    data_dir: Path = Field(
        Path("data"), description="All state: Chroma, the record manager, feedback, locks."
    )
    corpus_dir: Path = Field(
        Path("corpus"), description="Documents `backstory ingest` reads when given no path."
    )
    collection: str = Field("backstory", description="Chroma collection name.")
    chroma_url: str | None = Field(
        None,
        description="URL of a Chroma server (e.g. http://127.0.0.1:8000); unset = embedded.",
    )

    # --- embeddings ---------------------------------------------------------------------
    embedder: EmbedderName = Field(
        "minilm",
        description="minilm: packaged English all-MiniLM-L6-v2 (fast); e5: packaged "
        "multilingual-e5-small (slower ingest, questions in other languages); openai.",
    )
    multilingual: Literal["auto", "ingest", "off"] = Field(
        "auto",
        description="With the English-only minilm embedder, questions in other languages are "
        "searched in a second, multilingual (e5) index over the same passages. auto: built "
        "the first time someone asks in another language (in the background in chat and "
        "Discord, with a notice meanwhile), then kept in step by every ingest; ingest: built "
        "by every ingest; off: such questions are asked to be put in English.",
    )
    openai_embedding_model: str = Field(
        "text-embedding-3-small", description="Embedding model when embedder=openai."
    )
    embed_threads: int = Field(
        2, ge=1, le=64,
        description="onnxruntime intra-op threads for the local embedder (2 halves a "
        "question's latency on a 2-core machine; 1 leaves a core free for other work).",
    )

    # --- LLM (optional) -----------------------------------------------------------------
    openai_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("BACKSTORY_OPENAI_API_KEY", "OPENAI_API_KEY"),
        description="API key; with it (or a base URL) answers are written by an LLM.",
    )
    openai_base_url: str | None = Field(
        None,
        validation_alias=AliasChoices("BACKSTORY_OPENAI_BASE_URL", "OPENAI_BASE_URL"),
        description="OpenAI-compatible server (vLLM, Ollama, llama.cpp), e.g. "
        "http://127.0.0.1:8080/v1.",
    )
    llm_model: str = Field("gpt-4o-mini", description="Chat model name for the LLM generator.")
    llm_timeout_s: float = Field(
        30.0, gt=0,
        description="Seconds one LLM call may take in all: connecting, retries, the first "
        "token and streaming (a small local model may need 120 or more).")
    llm_retries: int = Field(2, ge=0, le=10, description="Retries after a failed LLM call.")
    llm_max_tokens: int = Field(
        600, ge=16, description="Most tokens the LLM may write for one answer (max_tokens).")
    max_answer_chars: int = Field(
        4000, ge=200,
        description="Most characters of an LLM answer read (the rest is cut off before the "
        "check): a 3.2 MB answer took 193 s to check and would have been 1,667 messages.")
    generator: Literal["auto", "extractive", "llm"] = Field(
        "auto",
        description="auto: LLM when a key or base URL is set, else extractive.",
    )

    # --- retrieval and answering ---------------------------------------------------------
    k: int = Field(6, ge=1, description="Passages retrieved per question.")
    max_k: int = Field(30, ge=1, description="Upper bound on k a user may ask for.")
    chunk_chars: int = Field(900, ge=200, description="Target passage size in characters.")
    chunk_overlap: int = Field(120, ge=0, description="Characters shared by adjacent passages.")
    max_question_chars: int = Field(1000, ge=10, description="Longest question accepted.")
    max_history_turns: int = Field(6, ge=0, description="Previous turns kept for follow-ups.")
    max_file_bytes: int = Field(
        20_000_000, ge=1, description="Largest document file or download ingest accepts."
    )
    max_passages_per_doc: int = Field(
        5_000, ge=1, description="Most passages one document may make (about 4 MB of prose)."
    )
    fetch_timeout_s: float = Field(
        20.0, gt=0, description="Total seconds a URL's download may take, headers to last byte."
    )
    chroma_timeout_s: float = Field(
        30.0, gt=0, description="Seconds a Chroma server request may take (connect: 5 s at most)."
    )
    lock_timeout_s: float = Field(
        10.0, ge=0, description="How long a writer waits for another writer's lock."
    )
    first_build_wait_s: float = Field(
        900.0, ge=0, description="How long a first question on an empty index waits for "
        "another process that is building it (several started at once all answer)."
    )

    # --- Discord --------------------------------------------------------------------------
    discord_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("BACKSTORY_DISCORD_TOKEN", "DISCORD_TOKEN"),
        description="Bot token from the Discord developer portal.",
    )
    discord_channel_ids: IdList = Field(
        default_factory=list, description="Channels where mentions are answered; empty = all."
    )
    discord_thread_per_question: bool = Field(
        False, description="Open a thread for each new question asked by mention."
    )
    discord_admin_ids: IdList = Field(
        default_factory=list,
        description="User or role ids allowed to add and remove sources (besides the "
        "Manage Server permission).",
    )
    discord_cooldown_s: float = Field(10.0, ge=0, description="Per-user seconds between questions.")
    discord_max_concurrent: int = Field(4, ge=1, description="Questions answered at once.")
    discord_sharded: bool = Field(False, description="Use AutoShardedBot (large deployments).")
    discord_shutdown_grace_s: float = Field(
        8.0, ge=0,
        description="On SIGTERM or SIGINT, seconds answers in flight get to finish before the "
        "bot disconnects (under docker stop's 10 s).",
    )
    discord_upload_types: StrList = Field(
        default_factory=lambda: [".md", ".txt", ".html", ".htm", ".pdf"],
        description="File types maintainers may attach.",
    )

    @field_validator("discord_channel_ids", "discord_admin_ids", "discord_upload_types",
                     mode="before")
    @classmethod
    def _split_commas(cls, value):
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("collection")
    @classmethod
    def _chroma_collection_name(cls, value: str) -> str:
        # Chroma's own rule, checked here so a bad name is a setting error, not a traceback
        # from deep inside the first query.
        if not COLLECTION_NAME.fullmatch(value):
            raise ValueError("use 3-512 letters, digits, '.', '_' or '-', starting and ending "
                             "with a letter or digit")
        return value

    def model_post_init(self, context) -> None:
        # The key, token and a password in OPENAI_BASE_URL are redacted from errors and logs
        # from the moment they are read (a server may echo a key back in an error).
        from retrieval.redact import register_settings

        register_settings(self)

    @property
    def uses_llm(self) -> bool:
        if self.generator == "extractive":
            return False
        if self.generator == "llm":
            return True
        return self.openai_api_key is not None or self.openai_base_url is not None

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def record_db(self) -> Path:
        return self.data_dir / "records.sqlite"

    @property
    def lock_path(self) -> Path:
        return self.data_dir / "writer.lock"

    @property
    def feedback_db(self) -> Path:
        return self.data_dir / "feedback.sqlite"
