"""Reading an uploaded card: refused before parsing when too big, parsed without DTDs, entities or
network, then checked for its root, namespace and version and validated against the CHAI schema."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lxml import etree

NAMESPACE = "https://mc.chai.org/v0.2/schema.xsd"
SCHEMA_VERSION = "v0.2"
SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"


class CardError(ValueError):
    """The file is not a card this application can read; the message says why, for the vendor."""

    def __init__(self, message: str, *, code: str = "model_card", details: list[str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.details = details or []


def _parser() -> etree.XMLParser:
    # Every option that could make the parser fetch, expand or grow is off: no DTD is loaded, no
    # entity is substituted, nothing is fetched over the network, and libxml2's limits on depth
    # and text size stay on (huge_tree=False).
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


@lru_cache(maxsize=1)
def card_schema() -> etree.XMLSchema:
    """The CHAI v0.2 schema, with its by-URL import of the signature schema pointed at a local stub."""
    tree = etree.parse(str(SCHEMA_DIR / "schema-v0.2.xsd"), _parser())
    for node in tree.getroot().iterfind(f"{{{XSD_NS}}}import"):
        if node.get("namespace") == DSIG_NS:
            node.set("schemaLocation", (SCHEMA_DIR / "xmldsig-stub.xsd").as_uri())
    return etree.XMLSchema(tree)


def parse_card(data: bytes, *, max_bytes: int) -> etree._Element:
    """The validated root element of a card, or CardError. Nothing is written either way."""
    if not data:
        raise CardError("The file is empty.", code="empty")
    if len(data) > max_bytes:
        raise CardError(
            f"The model card is larger than {max_bytes // 1024} KB; a card of that size is not read.",
            code="too_large",
        )
    # A document type declaration is where entity tricks live (billion laughs, external entities);
    # no CHAI card needs one, so one anywhere in the file refuses it.
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise CardError(
            "The file declares a document type or entities, which a model card never needs.", code="doctype"
        )
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise CardError(
            f"The file is not well-formed XML: {exc.msg} (line {exc.lineno}).", code="not_xml"
        ) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise CardError(
            "The file declares a document type or entities, which a model card never needs.", code="doctype"
        )
    qname = etree.QName(root)
    if qname.localname != "AppliedModelCard":
        raise CardError(
            f"This is not a CHAI Applied Model Card: its root element is {qname.localname}.",
            code="not_a_card",
        )
    if qname.namespace != NAMESPACE:
        found = qname.namespace or "no namespace"
        raise CardError(
            f"This card uses another schema ({found}); only CHAI Applied Model Card {SCHEMA_VERSION} "
            f"({NAMESPACE}) can be read.",
            code="wrong_version",
        )
    schema = card_schema()
    if not schema.validate(root):
        details = [
            f"line {e.line}: {e.message.replace('{' + NAMESPACE + '}', '')}"
            for e in list(schema.error_log)[:10]
        ]
        raise CardError(
            "The model card does not follow the CHAI Applied Model Card v0.2 schema.",
            code="schema_invalid",
            details=details,
        )
    return root
