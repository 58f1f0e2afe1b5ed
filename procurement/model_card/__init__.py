"""The CHAI Applied Model Card (XML, schema v0.2): reading a vendor's card safely, and writing one.

- `parsing`: the size limit, the hardened parser and the schema check (`parse_card`).
- `mapping`: which card element answers which question of the shipped library (`card_answers`).
- `export`: an evaluation's answers as a card that validates against the schema (`build_card`).

Writing the answers it yields (prefilled, to be confirmed) is `procurement.services.prefill`.
"""

from __future__ import annotations

from procurement.model_card.parsing import NAMESPACE, SCHEMA_VERSION, CardError, card_schema, parse_card

__all__ = ["NAMESPACE", "SCHEMA_VERSION", "CardError", "card_schema", "parse_card"]
