"""The source policy (outlets.yaml): who a cited domain speaks for, and which are never cited.

Front ends show the label beside every source ("TASS, Russian state news agency") so a reader
sees whose account a fact comes from; the corpus tests refuse unlabelled and denied domains.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from importlib import resources
from urllib.parse import urlsplit

import yaml

logger = logging.getLogger(__name__)

POLICY_FILE = "outlets.yaml"


@dataclass(frozen=True)
class Outlet:
    """One labelled domain."""

    domain: str
    name: str
    kind: str
    label: str
    side: str | None = None  # whose account it is; None for an independent outlet

    @property
    def display(self) -> str:
        """What readers see: 'TASS, Russian state news agency'."""
        return f"{self.name}, {self.label}"


@dataclass(frozen=True)
class Policy:
    kinds: dict[str, str]
    outlets: dict[str, Outlet]
    denied: dict[str, str]

    def outlet_for_url(self, url: str | None) -> Outlet | None:
        domain = _match(url, self.outlets)
        return self.outlets[domain] if domain else None

    def denied_reason(self, url: str | None) -> str | None:
        domain = _match(url, self.denied)
        return f"{domain}: {self.denied[domain]}" if domain else None

    def outlet_named(self, name: str | None) -> Outlet | None:
        """The outlet a document names in its front matter ('Sputnik'), when it has no URL."""
        wanted = (name or "").strip().casefold()
        return next((o for o in self.outlets.values() if o.name.casefold() == wanted), None)

    def outlet_for(self, url: str | None, name: str | None) -> Outlet | None:
        """A document's outlet: by its URL's domain, else by the outlet name it gives."""
        return self.outlet_for_url(url) or self.outlet_named(name)

    def label_for(self, url: str | None, name: str | None = None) -> str | None:
        outlet = self.outlet_for(url, name)
        return outlet.display if outlet else None


def host(url: str | None) -> str:
    try:
        return (urlsplit(url or "").hostname or "").rstrip(".").lower()
    except ValueError:  # a malformed URL (bad port, bracket) has no host worth matching
        return ""


def _match(url: str | None, domains) -> str | None:
    """The listed domain `url` is on: the domain itself or any subdomain of it."""
    name = host(url)
    parts = name.split(".")
    # longest suffix first, so "sco.wikipedia.org" wins over "wikipedia.org"
    for i in range(len(parts) - 1):
        candidate = ".".join(parts[i:])
        if candidate in domains:
            return candidate
    return None


def parse_policy(data: dict) -> Policy:
    kinds = dict(data["kinds"])
    outlets = {}
    for domain, entry in data["outlets"].items():
        if entry["kind"] not in kinds:
            raise ValueError(f"{POLICY_FILE}: {domain} has unknown kind {entry['kind']!r}")
        outlets[domain] = Outlet(domain=domain, name=entry["name"], kind=entry["kind"],
                                 label=entry["label"], side=entry.get("side"))
    return Policy(kinds=kinds, outlets=outlets, denied=dict(data["denied"]))


@cache
def load_policy() -> Policy:
    """The shipped policy, read once."""
    text = resources.files(__package__).joinpath(POLICY_FILE).read_text(encoding="utf-8")
    # libyaml's loader when present: the pure-Python one takes a few hundred ms on this file
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return parse_policy(yaml.load(text, Loader=loader))  # noqa: S506 - a safe loader
