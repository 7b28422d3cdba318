"""Claude Code analytics (``usage_report/claude_code``, vendor-apis.md §2.3): pure transform.

One record per actor per UTC day becomes one ``usage`` activity, so a seat or key used through
Claude Code reaches the same activity rollups the dormancy checks read.

API-key actors are named by the key's *name* (``api_actor{api_key_name}``), and names are not
unique. A name is resolved to a key id only when exactly one *active* key of the organization
has it; the activity is then the key's (actor and credential = the key id). Otherwise the actor
stays unresolved (no id: a name is not an identity) and the run says why; records of
same-named keys are never merged into one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from enum import StrEnum

from tenure.connectors.anthropic.transform import JSON, ts
from tenure.model import Activity, ActivityCategory, ActorKind, Credential


class Unresolved(StrEnum):
    """Why a Claude Code key name was not resolved to a key."""

    NO_ACTIVE_KEY = "no active key has this name"
    AMBIGUOUS = "several active keys have this name"
    KEYS_UNKNOWN = "the API keys could not be listed"
    NO_NAME = "the record names no key"


@dataclass(frozen=True, slots=True)
class KeyNames:
    """Active API keys of one organization by name (``None``: the keys are unknown)."""

    ids: Mapping[str, tuple[str, ...]] | None

    @classmethod
    def of(cls, keys: Iterable[Credential]) -> KeyNames:
        """Index the active keys of a complete key listing by name."""
        found: dict[str, list[str]] = {}
        for key in keys:
            if key.status == "active" and key.name:
                found.setdefault(key.name, []).append(key.external_id)
        return cls({name: tuple(sorted(ids)) for name, ids in found.items()})

    def resolve(self, name: str) -> str | Unresolved:
        """The key id of ``name``, or why there is none."""
        if not name:
            return Unresolved.NO_NAME
        if self.ids is None:
            return Unresolved.KEYS_UNKNOWN
        ids = self.ids.get(name, ())
        if len(ids) == 1:
            return ids[0]
        return Unresolved.AMBIGUOUS if ids else Unresolved.NO_ACTIVE_KEY


@dataclass
class DayReader:
    """Turns the records of one day into activities, counting same-named key records so
    each keeps its own event, and collecting the names left unresolved."""

    keys: KeyNames
    unresolved: dict[str, Unresolved] = field(default_factory=dict)
    _seen_names: dict[str, int] = field(default_factory=dict)

    def activity(self, record: JSON) -> Activity | None:
        """One record (one actor, one day) as a ``usage`` activity; None when unusable."""
        day_ts = ts(record.get("date"))
        raw_actor = record.get("actor")
        actor: JSON = raw_actor if isinstance(raw_actor, Mapping) else {}
        if day_ts is None or not actor:
            return None
        day = datetime.combine(day_ts.date(), time(0), tzinfo=UTC)
        terminal = record.get("terminal_type")
        terminal = terminal if isinstance(terminal, str) else None
        if actor.get("type") == "api_actor":
            name = str(actor.get("api_key_name") or "")
            resolved = self.keys.resolve(name)
            if isinstance(resolved, Unresolved):
                # Position among today's records of this name: same-named keys stay apart.
                n = self._seen_names.get(name, 0)
                self._seen_names[name] = n + 1
                self.unresolved.setdefault(name, resolved)
                return Activity(
                    external_id=f"claude_code:{day.date()}:api:{name}:{n}", occurred_at=day,
                    actor_kind=ActorKind.API_KEY, actor_id=None, actor_email=None,
                    action="claude_code_usage", category=ActivityCategory.USAGE,
                    target_type="claude_code", target_id=terminal)
            return Activity(
                external_id=f"claude_code:{day.date()}:key:{resolved}", occurred_at=day,
                actor_kind=ActorKind.API_KEY, actor_id=resolved, actor_email=None,
                action="claude_code_usage", category=ActivityCategory.USAGE,
                target_type="claude_code", target_id=terminal, credential_id=resolved)
        email = str(actor.get("email_address") or "").strip().lower()
        if not email:
            return None
        return Activity(external_id=f"claude_code:{day.date()}:user:{email}", occurred_at=day,
                        actor_kind=ActorKind.USER, actor_id=None, actor_email=email,
                        action="claude_code_usage", category=ActivityCategory.USAGE,
                        target_type="claude_code", target_id=terminal)


def claude_code_activity(record: JSON, keys: KeyNames | None = None) -> Activity | None:
    """One record on its own (no same-day context): see :meth:`DayReader.activity`."""
    return DayReader(keys or KeyNames(None)).activity(record)
