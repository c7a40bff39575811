"""The decline the test corpora give: it names their one article (the Sputnik piece)."""

from retrieval.answering.declines import decline_message

SPUTNIK_TITLE = "Moscow questions Washington's sanity amid reports of US meddling in Karabakh"
SPUTNIK_DECLINE = decline_message([SPUTNIK_TITLE])
