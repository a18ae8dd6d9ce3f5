"""``ldm list-constraints -x``: each domain's constraints, from either XML layout.

XML is parsed with :mod:`defusedxml`: documents with a DTD, entity declarations or
external references are refused (``ldm`` never writes them), so no entity expansion
("billion laughs") or external fetch can happen.
"""

from __future__ import annotations

import xml.sax
from collections.abc import Callable
from dataclasses import dataclass, field

import defusedxml
import defusedxml.sax

from ldmspec.errors import InputError
from ldmspec.inventory.processors import CpuArch
from ldmspec.inventory.records import as_arch, as_number, as_size

__all__ = ["Constraint", "parse_constraints_xml"]


@dataclass(frozen=True)
class Constraint:
    """One domain of ``ldm list-constraints -x``."""

    name: str
    line: int
    vcpus: int | None = None
    whole_core: bool = False
    memory: int | None = None
    cpu_arch: CpuArch = CpuArch.NATIVE
    vdisks: tuple[tuple[str, str], ...] = ()
    vnets: tuple[tuple[str, str], ...] = ()


# --------------------------------------------------------------------------- XML
@dataclass
class _Node:
    tag: str
    attrs: dict[str, str]
    line: int
    text: str = ""
    children: list[_Node] = field(default_factory=list)

    def find_all(self, tag: str) -> list[_Node]:
        """Descendants called ``tag``, in document order (no recursion: depth is free)."""
        found: list[_Node] = []
        stack = list(reversed(self.children))
        while stack:
            node = stack.pop()
            if node.tag == tag:
                found.append(node)
            stack.extend(reversed(node.children))
        return found


def _local(name: str) -> str:
    return name.rpartition(":")[2]


class _TreeBuilder(xml.sax.handler.ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.root = _Node("#document", {}, 1)
        self.stack = [self.root]
        self.locator: xml.sax.xmlreader.Locator | None = None

    def setDocumentLocator(self, locator: xml.sax.xmlreader.Locator) -> None:
        self.locator = locator

    def startElement(self, name: str, attrs: xml.sax.xmlreader.AttributesImpl) -> None:
        line = self.locator.getLineNumber() if self.locator else 1
        node = _Node(_local(name), {_local(k): v for k, v in attrs.items()}, line or 1)
        self.stack[-1].children.append(node)
        self.stack.append(node)

    def endElement(self, name: str) -> None:
        self.stack.pop()

    def characters(self, content: str) -> None:
        self.stack[-1].text += content


def _parse_xml(text: str, source: str) -> _Node:
    builder = _TreeBuilder()
    try:
        defusedxml.sax.parseString(
            text.encode("utf-8", "surrogatepass"),
            builder,
            forbid_dtd=True,
            forbid_entities=True,
            forbid_external=True,
        )
    except defusedxml.DTDForbidden:
        raise InputError(
            "XML without a DTD (ldm never writes one; entity expansion is refused)",
            got="a DTD",
            source=source,
            line=1,
        ) from None
    except defusedxml.EntitiesForbidden as exc:
        raise InputError(
            "XML without entity declarations (entity expansion is refused)",
            got=f"entity {exc.name}",
            source=source,
            line=1,
        ) from None
    except defusedxml.ExternalReferenceForbidden:
        raise InputError(
            "XML without external references (they are never fetched)",
            got="an external reference",
            source=source,
            line=1,
        ) from None
    except xml.sax.SAXParseException as exc:
        raise InputError(
            f"well-formed XML ({exc.getMessage()})",
            source=source,
            line=exc.getLineNumber() or 1,
        ) from None
    except (xml.sax.SAXException, ValueError, UnicodeError) as exc:
        raise InputError(f"well-formed XML ({exc})", source=source, line=1) from None
    return builder.root


def _item_type(item: _Node) -> str:
    kinds = [c for c in item.children if c.tag == "OtherResourceType"]
    return kinds[0].text.strip() if kinds else ""


def _properties(item: _Node) -> dict[str, tuple[str, int]]:
    props: dict[str, tuple[str, int]] = {}
    for child in item.children:
        if child.tag == "GenericProperty" and "key" in child.attrs:
            props.setdefault(child.attrs["key"], (child.text.strip(), child.line))
        elif child.tag in ("AllocationUnits", "Address"):
            props.setdefault(child.tag, (child.text.strip(), child.line))
    return props


def parse_constraints_xml(text: str, source: str) -> tuple[Constraint, ...]:
    """``ldm list-constraints -x``: each domain's cpu-arch, whole-core, vCPUs, memory,
    vdisks and vnets. Both layouts are read: 3.x OVF-style ``Envelope/Content/Section/Item``
    and the LDoms 1.x ``<ldom>`` elements (``ldom_info/ldom_name``, ``cpu/number``,
    ``memory/size``, ``network``, ``disk``; dossier §13.5)."""
    root = _parse_xml(text, source)
    constraints: list[Constraint] = []
    seen: dict[str, int] = {}
    contents = root.find_all("Content")
    reader: Callable[[str, _Node, str], Constraint] = _constraint
    found = [(c, c.attrs.get("id", "").strip(), reader) for c in contents]
    if not contents:
        found = [(ldom, _ldom_name(ldom), _constraint_1x) for ldom in root.find_all("ldom")]
    for node, name, read in found:
        if not name:
            raise InputError(
                'a domain name in <Content ovf:id="..."> or <ldom_name>',
                source=source,
                line=node.line,
            )
        if name in seen:
            raise InputError(
                f"each domain once (already at line {seen[name]})",
                got=name,
                source=source,
                line=node.line,
            )
        seen[name] = node.line
        constraints.append(read(name, node, source))
    return tuple(constraints)


def _child_text(node: _Node, *path: str) -> tuple[str, int] | None:
    """The text and line of the first ``path[0]/path[1]/...`` below ``node``."""
    for tag in path:
        found = next((c for c in node.children if c.tag == tag), None)
        if found is None:
            return None
        node = found
    return node.text.strip(), node.line


def _ldom_name(ldom: _Node) -> str:
    found = _child_text(ldom, "ldom_info", "ldom_name")
    return found[0] if found else ""


def _constraint_1x(name: str, ldom: _Node, source: str) -> Constraint:
    values: dict[str, object] = {}
    number = _child_text(ldom, "cpu", "number")
    if number is not None:
        values["vcpus"] = as_number(number[0], "cpu number", source, number[1])
    size = _child_text(ldom, "memory", "size")
    if size is not None:
        values["memory"] = as_size(size[0], source, size[1])
    arch = _child_text(ldom, "cpu", "cpu_arch") or _child_text(ldom, "ldom_info", "cpu_arch")
    if arch is not None:
        values["cpu_arch"] = as_arch(arch[0], source, arch[1])

    def need(node: _Node, tag: str) -> str:
        found = _child_text(node, tag)
        if found is None or not found[0]:
            raise InputError(f"a <{tag}> in this <{node.tag}>", source=source, line=node.line)
        return found[0]

    vdisks = tuple(
        (need(d, "vdisk_name"), f"{need(d, 'vol_name')}@{need(d, 'service_name')}")
        for d in ldom.children
        if d.tag == "disk"
    )
    vnets = tuple(
        (need(n, "vnet_name"), need(n, "service_name")) for n in ldom.children if n.tag == "network"
    )
    return Constraint(name, ldom.line, vdisks=vdisks, vnets=vnets, **values)  # type: ignore[arg-type]


@dataclass
class _ItemReader:
    """The properties of one constraint ``<Item>``, with located errors."""

    item: _Node
    source: str

    def __post_init__(self) -> None:
        self.kind = _item_type(self.item)
        self.props = _properties(self.item)

    def has(self, key: str) -> bool:
        return key in self.props

    def line(self, key: str) -> int:
        return self.props[key][1] if key in self.props else self.item.line

    def get(self, key: str) -> str:
        if key not in self.props or not self.props[key][0]:
            raise InputError(
                f'a "{key}" property in this {self.kind} item',
                source=self.source,
                line=self.item.line,
            )
        return self.props[key][0]


def _constraint(name: str, content: _Node, source: str) -> Constraint:
    values: dict[str, object] = {}
    vdisks: list[tuple[str, str]] = []
    vnets: list[tuple[str, str]] = []
    for node in content.find_all("Item"):
        item = _ItemReader(node, source)
        if item.kind == "ldom_info" and item.has("cpu-arch"):
            values["cpu_arch"] = as_arch(item.get("cpu-arch"), source, item.line("cpu-arch"))
        elif item.kind == "cpu":
            if item.has("AllocationUnits"):
                units = item.get("AllocationUnits")
                line = item.line("AllocationUnits")
                values["vcpus"] = as_number(units, "cpu units", source, line)
            if item.has("wcore"):
                cores = as_number(item.get("wcore"), "wcore", source, item.line("wcore"))
                values["whole_core"] = cores > 0
        elif item.kind == "memory" and item.has("AllocationUnits"):
            units = item.get("AllocationUnits")
            values["memory"] = as_size(units, source, item.line("AllocationUnits"))
        elif item.kind == "disk":
            back_end = f"{item.get('vol_name')}@{item.get('service_name')}"
            vdisks.append((item.get("vdisk_name"), back_end))
        elif item.kind == "network":
            vnets.append((item.get("vnet_name"), item.get("service_name")))
    return Constraint(
        name,
        content.line,
        vdisks=tuple(vdisks),
        vnets=tuple(vnets),
        **values,  # type: ignore[arg-type]
    )
