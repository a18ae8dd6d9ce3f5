"""Symmetry of the protocol model: hosts and domains are interchangeable.

:class:`Renamings` finds the canonical member of a state's class under every renaming of
hosts and domains (the least relabelled state), as the explorer's symmetry reduction
needs it (:meth:`ldmspec.explorer.model.Model.representative`).
"""

from __future__ import annotations

import itertools

from ldmspec.models.protocol_domain import IDLE, ModelDomain

__all__ = ["Relabel", "Renamings"]


class Relabel(dict[int, int]):
    """Packed domain -> the same domain with its hosts renamed by ``perm`` (memoised)."""

    def __init__(self, perm: tuple[int, ...]) -> None:
        super().__init__()
        self.perm = perm

    def __missing__(self, packed: int) -> int:
        d = ModelDomain.unpack(packed)
        target = self.perm[d.target] if d.phase != IDLE else 0
        new = d._replace(home=self.perm[d.home], target=target).pack()
        self[packed] = new
        return new


class Renamings:
    """Every renaming of ``hosts`` hosts, and the least relabelled form of a state."""

    def __init__(self, hosts: int) -> None:
        self.hosts = hosts
        # every host renaming, with a cache of relabelled packed domains for each
        self.permutations = [(perm, Relabel(perm)) for perm in itertools.permutations(range(hosts))]
        self._sorting: dict[tuple[int, ...], tuple[tuple[int, ...], list[Relabel]]] = {}

    def canonical(
        self, hosts: tuple[int, ...], domains: tuple[int, ...]
    ) -> tuple[tuple[int, ...], list[int]]:
        """The least (hosts, sorted domains) over every renaming of hosts and domains.

        The least candidate lists the hosts' records in ascending order, so only the
        renamings that sort them need trying: one when the hosts differ, a few when
        some look alike. Domains are interchangeable outright and are sorted.
        """
        known = self._sorting.get(hosts)
        if known is None:
            known = self._sorting_renamings(hosts)
        ordered, tables = known
        if len(tables) == 1:
            return ordered, sorted(map(tables[0].__getitem__, domains))
        return ordered, min(sorted(map(table.__getitem__, domains)) for table in tables)

    def _sorting_renamings(self, hosts: tuple[int, ...]) -> tuple[tuple[int, ...], list[Relabel]]:
        """The hosts sorted, and the relabelling of every renaming that sorts them."""
        ordered = tuple(sorted(hosts))
        found = [
            table
            for perm, table in self.permutations
            if all(ordered[perm[h]] == hosts[h] for h in range(self.hosts))
        ]
        self._sorting[hosts] = (ordered, found)
        return ordered, found
