"""What an electronic signature in the record covers: its *manifest*, and sealing a payload with a key.

A signed record (a campaign ``signature``, a ``deviation_closure``, a
``deviation_reopened``) carries its fields, the signer's public key and an
Ed25519 signature over the canonical JSON of the fields that give the act its
meaning. Changing any of them — the printed name, the role, the meaning, the
release decision, a root cause — or copying the signature onto another record
makes the signature fail (Part 11 §11.70: signatures linked to their records).

Two manifests:

* :func:`signature_manifest` — a campaign signature: the fixed keys of
  :data:`SIGNATURE_MANIFEST_KEYS`, plus each of :data:`SIGNATURE_OPTIONAL_KEYS`
  the payload carries (``meaning_id`` and ``release`` since signatures carry a
  release decision; a signature written before then verifies as it was signed,
  and removing the field from a newer one breaks it);
* :func:`act_manifest` — every other signed act: the whole payload except the
  key and the signature themselves (:data:`SEAL_KEYS`).

::

    payload = {"deviation_id": "DEV-001", "root_cause": "loose cable", ...}
    seal(payload, private_key, act_manifest)      # adds public key, fingerprint, signature
    verify_seal(payload, act_manifest)            # True
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mimedi_qual.evidence.store import canonical_json
from mimedi_qual.evidence.users import key_fingerprint, public_key_b64, verify_ed25519

SIGNATURE_MANIFEST_KEYS = (
    "campaign_id",
    "user_id",
    "printed_name",
    "role",
    "meaning",
    "signed_utc",
    "signed_head_seq",
    "signed_head_hash",
)
SIGNATURE_OPTIONAL_KEYS = ("meaning_id", "release")
#: the fields a seal adds; everything else of an act's payload is signed
SEAL_KEYS = ("public_key_ed25519", "key_fingerprint", "signature_ed25519")


def signature_manifest(payload: dict[str, Any]) -> bytes:
    """The bytes a campaign ``signature`` record's Ed25519 signature covers."""
    fields = {key: payload.get(key) for key in SIGNATURE_MANIFEST_KEYS}
    fields.update({key: payload[key] for key in SIGNATURE_OPTIONAL_KEYS if key in payload})
    return canonical_json(fields)


def act_manifest(payload: dict[str, Any]) -> bytes:
    """The bytes a signed act's (closure, re-opening) signature covers: all of it but the seal."""
    return canonical_json({key: value for key, value in payload.items() if key not in SEAL_KEYS})


def seal(payload: dict[str, Any], private_key: Ed25519PrivateKey,
         manifest: Callable[[dict[str, Any]], bytes]) -> dict[str, Any]:
    """Sign ``payload``'s manifest with ``private_key``; add the public key, its fingerprint and the signature."""
    signature = private_key.sign(manifest(payload))
    payload["public_key_ed25519"] = public_key_b64(private_key.public_key())
    payload["key_fingerprint"] = key_fingerprint(payload["public_key_ed25519"])
    payload["signature_ed25519"] = base64.b64encode(signature).decode("ascii")
    return payload


def verify_seal(payload: dict[str, Any], manifest: Callable[[dict[str, Any]], bytes]) -> bool:
    """True when the payload's signature verifies over its manifest with the key it embeds."""
    return verify_ed25519(str(payload.get("public_key_ed25519", "")), str(payload.get("signature_ed25519", "")),
                          manifest(payload))


__all__ = ["SEAL_KEYS", "SIGNATURE_MANIFEST_KEYS", "SIGNATURE_OPTIONAL_KEYS", "act_manifest", "seal",
           "signature_manifest", "verify_seal"]
