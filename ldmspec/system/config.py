"""The knobs of the reference implementation, as one frozen value."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SystemConfig"]


@dataclass(frozen=True)
class SystemConfig:
    """How fast and how patient the simulated machines are (all times in ticks).

    * ``group_pages``: pages per page group, the granularity of contents and dirty
      tracking (64 pages of 8 KB = 512 KB; a 16 GB domain has 32,768 groups);
      ``max_groups`` caps the groups of one domain (bigger domains get bigger groups:
      a 1 TB domain has 65,536 groups of 2,048 pages).
    * ``bandwidth_pages``: pages one pre-copy message carries. The source sends the next
      message when the previous one is acknowledged (stop-and-wait), so with the default
      latency of one tick the link moves ``bandwidth_pages`` pages every two ticks
      (:attr:`pages_per_tick`).
    * ``round_limit``: pre-copy rounds before the source suspends regardless.
    * ``reply_timeout``: how long a Manager waits for its peer's reply.
    * ``target_timeout``: how long a target waits for the source before it gives the
      migration up and destroys the domain it created.
    * ``max_migrations_per_host``: migrations a host takes part in at once.
    * ``scrub_ticks_per_gib``: how long the hypervisor scrubs each GB of a destroyed
      guest's memory before it is free again, ``ldm`` being unresponsive meanwhile
      (dossier §11.4: up to 7 minutes for 500 GB on a T4, about 1 tick per GB at one
      tick a second). 0, the default, scrubs at once.
    """

    group_pages: int = 64
    max_groups: int = 65536
    bandwidth_pages: int = 65536
    round_limit: int = 8
    latency: int = 1
    reply_timeout: int = 6
    target_timeout: int = 20
    max_migrations_per_host: int = 1
    scrub_ticks_per_gib: int = 0

    @property
    def pages_per_tick(self) -> float:
        """What the link moves per tick: one message out and its acknowledgement back."""
        return self.bandwidth_pages / (2 * self.latency)

    def __post_init__(self) -> None:
        for name in ("group_pages", "max_groups", "bandwidth_pages", "round_limit", "latency"):
            if getattr(self, name) < 1:
                raise ValueError(f"SystemConfig.{name} must be at least 1")
        if self.scrub_ticks_per_gib < 0 or self.max_migrations_per_host < 1:
            raise ValueError("SystemConfig: scrub time >= 0 and at least 1 migration per host")
        if self.target_timeout <= self.reply_timeout:
            raise ValueError("SystemConfig.target_timeout must exceed reply_timeout")
