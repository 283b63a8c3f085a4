"""Solo and mute of a take's stems while previewing it (Qt-free).

The state is per take and lives only while the app runs: it shapes what the player plays,
never the files. `audible` is what the player is given: None means "the mix file" (nothing
is muted or soloed), otherwise the roles to sum.
"""

from __future__ import annotations

from ainur_studio.types import Take


def audible_roles(roles: list[str], muted: set[str], soloed: set[str]) -> list[str] | None:
    """The roles to hear, in `roles` order: the soloed ones when any is soloed, else all but
    the muted ones; None when nothing is muted or soloed (the mix file plays)."""
    muted, soloed = muted & set(roles), soloed & set(roles)
    if not muted and not soloed:
        return None
    if soloed:
        return [r for r in roles if r in soloed]
    return [r for r in roles if r not in muted]


class StemMix:
    """Which stems of which take are muted or soloed."""

    def __init__(self) -> None:
        self._muted: dict[str, set[str]] = {}   # take_id -> roles
        self._soloed: dict[str, set[str]] = {}

    def is_muted(self, take_id: str, role: str) -> bool:
        return role in self._muted.get(take_id, set())

    def is_soloed(self, take_id: str, role: str) -> bool:
        return role in self._soloed.get(take_id, set())

    def toggle_mute(self, take_id: str, role: str) -> bool:
        """Mute or unmute `role` of the take; returns whether it is muted now."""
        return _toggle(self._muted.setdefault(take_id, set()), role)

    def toggle_solo(self, take_id: str, role: str) -> bool:
        """Solo or unsolo `role` of the take (several may be soloed); returns whether it is
        soloed now."""
        return _toggle(self._soloed.setdefault(take_id, set()), role)

    def clear(self, take_id: str) -> None:
        self._muted.pop(take_id, None)
        self._soloed.pop(take_id, None)

    def audible(self, take: Take) -> list[str] | None:
        """What the player plays of `take` (see `audible_roles`); None for a single-file take."""
        if not take.parts:
            return None
        return audible_roles([p.role for p in take.parts], self._muted.get(take.take_id, set()),
                             self._soloed.get(take.take_id, set()))


def _toggle(roles: set[str], role: str) -> bool:
    if role in roles:
        roles.discard(role)
        return False
    roles.add(role)
    return True
