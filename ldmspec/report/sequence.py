"""The sequence diagram of a counterexample, as inline SVG (no script, no network).

One lifeline per host, time flowing down. An ``ldm`` command is a box on the lifeline of
the host it ran on; a simulator event (``.tick``, ``.drop``, ``.kill``...) a dashed band
across every lifeline; each protocol message an arrow from its source to its destination,
labelled with its kind; a dropped message ends half-way in a red cross. The diagram ends
with a red band naming the violated property.

Every text comes from a run or an inventory, so every text is escaped; long ones are
shortened in the picture and kept whole in a ``<title>`` tooltip.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from ldmspec.report.values import Counterexample, Message, ReportStep

__all__ = ["collapse_messages", "render_sequence_svg"]

_REPEAT = 3  # a block of messages repeated this often or more is drawn once, "×N"

_LEFT = 44  # room for step numbers
_TOP = 12
_HEAD = 30
_CHAR = 6.6  # average width of a 11px monospace character
_ROW = 30
_MSG = 28


@dataclass(frozen=True)
class _Layout:
    hosts: tuple[str, ...]
    column: int

    def x(self, host: str) -> float:
        return _LEFT + self.column * (self.hosts.index(host) + 0.5)

    @property
    def width(self) -> int:
        return _LEFT + self.column * max(len(self.hosts), 1) + 12

    @property
    def left(self) -> float:
        return _LEFT + 4

    @property
    def right(self) -> float:
        return self.width - 16


def _fit(text: str, width: float) -> str:
    chars = max(int(width / _CHAR), 4)
    return text if len(text) <= chars else text[: chars - 1] + "…"


def _text(x: float, y: float, text: str, width: float, cls: str, anchor: str = "middle") -> str:
    shown = _fit(text, width)
    title = f"<title>{escape(text)}</title>" if shown != text else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" class="{cls}" text-anchor="{anchor}">'
        f"{title}{escape(shown)}</text>"
    )


def _key(m: Message) -> tuple[str, str, str, bool]:
    return (m.src, m.dst, m.kind, m.delivered)


def collapse_messages(messages: tuple[Message, ...]) -> list[tuple[Message, int]]:
    """``messages`` with runs of a repeated message, or pair of messages, counted once.

    Pre-copy sends hundreds of ``Pages``/``PagesAck`` pairs; a reader needs one pair
    and how often it repeated. Only ``src``, ``dst``, ``kind`` and delivery must match.
    """
    result: list[tuple[Message, int]] = []
    i = 0
    while i < len(messages):
        for width in (1, 2):
            block = [_key(m) for m in messages[i : i + width]]
            if len(block) < width:
                continue
            count = 1
            while [_key(m) for m in messages[i + count * width : i + (count + 1) * width]] == block:
                count += 1
            if count >= _REPEAT:
                result += [(m, count) for m in messages[i : i + width]]
                i += count * width
                break
        else:
            result.append((messages[i], 1))
            i += 1
    return result


def _label(m: Message, count: int) -> str:
    times = f" ×{count}" if count > 1 else ""
    return f"{m.kind}{times} {m.detail}".strip()


def _message(layout: _Layout, m: Message, y: float, count: int = 1) -> list[str]:
    label = _label(m, count)
    x1, x2 = layout.x(m.src), layout.x(m.dst)
    if x1 == x2:  # a message to itself: a small loop to the right
        path = f"M{x1:.1f},{y:.1f} h30 v10 h-30"
        return [
            f'<path d="{path}" class="msg" fill="none" marker-end="url(#arrow)"/>',
            _text(x1 + 36, y + 8, label, layout.column - 40, "msglabel", "start"),
        ]
    span = abs(x2 - x1)
    mid = (x1 + x2) / 2
    parts = [_text(mid, y - 5, label, span - 12, "msglabel")]
    if m.delivered:
        parts.insert(
            0,
            f'<line x1="{x1:.1f}" y1="{y:.1f}" x2="{x2:.1f}" y2="{y:.1f}" class="msg" '
            'marker-end="url(#arrow)"/>',
        )
    else:
        stop = x1 + (x2 - x1) * 0.6
        parts.insert(
            0,
            f'<line x1="{x1:.1f}" y1="{y:.1f}" x2="{stop:.1f}" y2="{y:.1f}" class="msg lost"/>'
            f'<path d="M{stop - 5:.1f},{y - 5:.1f} l10,10 m0,-10 l-10,10" class="cross"/>',
        )
    return parts


def render_sequence_svg(cx: Counterexample) -> str:
    """An ``<svg>`` element drawing the steps and messages of ``cx`` between its hosts."""
    hosts = cx.hosts or ("(no host)",)
    layout = _Layout(hosts, _column_width(cx, hosts))
    body: list[str] = []
    y = _TOP + _HEAD + 22.0
    for number, step in enumerate(cx.steps, 1):
        y = _draw_step(body, layout, number, step, y)
    y = _draw_violation(body, layout, cx.property_id, y)
    height = y + 36
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="sequence" '
            f'width="{layout.width}" height="{height:.0f}" '
            f'viewBox="0 0 {layout.width} {height:.0f}" role="img" '
            f'aria-label="sequence diagram of the messages between {len(hosts)} hosts">',
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" '
            'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
            '<path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>',
            *_lifelines(layout, hosts, height),
            *body,
            "</svg>",
        ]
    )


def _column_width(cx: Counterexample, hosts: tuple[str, ...]) -> int:
    """Wide enough for the longest host name and, within reason, the longest command."""
    longest_host = max(len(h) for h in hosts) * _CHAR + 24
    longest_command = max((len(s.command) for s in cx.steps if s.host), default=0) * _CHAR + 24
    labels = (len(_label(m, n)) for s in cx.steps for m, n in collapse_messages(s.messages))
    longest_label = max(labels, default=0) * _CHAR + 24
    return int(min(max(180, longest_host, longest_command, longest_label), 330))


def _draw_step(body: list[str], layout: _Layout, number: int, step: ReportStep, y: float) -> float:
    """Append step ``number`` (its command box and messages) at ``y``; the next free y."""
    hosts = layout.hosts
    body.append(f'<g class="step" id="seq-step-{number}">')
    body.append(_text(8, y + 15, str(number), _LEFT, "stepno", "start"))
    if step.is_event or step.host not in hosts:
        width = layout.right - layout.left
        body.append(
            f'<rect x="{layout.left:.1f}" y="{y:.1f}" width="{width:.1f}" height="22" '
            'class="event" rx="3"/>'
        )
        body.append(_text(layout.left + width / 2, y + 15, step.command, width - 10, "cmd"))
    else:
        # The box starts in the host's column and may run right, over idle columns.
        left = layout.x(step.host) - layout.column / 2 + 6
        width = min(len(step.command) * _CHAR + 16, layout.right - left)
        width = max(width, layout.column - 12)
        body.append(
            f'<rect x="{left:.1f}" y="{y:.1f}" width="{width:.1f}" height="22" '
            'class="command" rx="3"/>'
        )
        body.append(_text(left + 8, y + 15, step.command, width - 12, "cmd", "start"))
    y += _ROW
    for message, count in collapse_messages(step.messages):
        y += 12
        body.extend(_message(layout, message, y, count))
        y += _MSG - 12
    body.append("</g>")
    return y + 6


def _draw_violation(body: list[str], layout: _Layout, property_id: str, y: float) -> float:
    width = layout.right - layout.left
    body.append(
        f'<rect x="{layout.left:.1f}" y="{y:.1f}" width="{width:.1f}" '
        'height="24" class="violation" rx="3"/>'
    )
    label = f"✗ {property_id} violated"
    body.append(_text(layout.left + width / 2, y + 16, label, width - 10, "violationlabel"))
    return y


def _lifelines(layout: _Layout, hosts: tuple[str, ...], height: float) -> list[str]:
    """Each host's name box and the vertical line its messages leave from."""
    head: list[str] = []
    for host in hosts:
        x = layout.x(host)
        w = layout.column - 20
        head.append(
            f'<line x1="{x:.1f}" y1="{_TOP + _HEAD}" x2="{x:.1f}" y2="{height - 8:.1f}" '
            'class="lifeline"/>'
        )
        head.append(
            f'<rect x="{x - w / 2:.1f}" y="{_TOP}" width="{w}" height="{_HEAD}" class="host" '
            'rx="4"/>'
        )
        head.append(_text(x, _TOP + 20, host, w - 8, "hostname"))
    return head
