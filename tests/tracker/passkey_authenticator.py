"""A software passkey for server-side tests: it answers django-otp-webauthn's ceremonies as a
browser with a platform authenticator would (attestation "none", an ES256 key, user verified)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import reverse

ORIGIN = "http://localhost"
RP_ID = "localhost"
USER_PRESENT, USER_VERIFIED, ATTESTED = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _client_data(kind: str, challenge: str) -> bytes:
    data = {"type": kind, "challenge": challenge, "origin": ORIGIN, "crossOrigin": False}
    return json.dumps(data).encode()


class SoftwarePasskey:
    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.sign_count = 0
        self.user_handle = ""

    def _auth_data(self, flags: int, attested: bytes = b"") -> bytes:
        rp_hash = hashlib.sha256(RP_ID.encode()).digest()
        return rp_hash + bytes([flags]) + struct.pack(">I", self.sign_count) + attested

    def create(self, options: dict) -> dict:
        """The answer to ``navigator.credentials.create`` with these options."""
        self.user_handle = options["user"]["id"]
        numbers = self.key.public_key().public_numbers()
        cose_key = cbor2.dumps(
            {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32), -3: numbers.y.to_bytes(32)}
        )
        attested = bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id
        auth_data = self._auth_data(USER_PRESENT | USER_VERIFIED | ATTESTED, attested + cose_key)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(_client_data("webauthn.create", options["challenge"])),
                "attestationObject": b64url(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    def get(self, options: dict, *, tampered: bool = False) -> dict:
        """The answer to ``navigator.credentials.get``; ``tampered`` spoils the signature."""
        self.sign_count += 1
        client_data = _client_data("webauthn.get", options["challenge"])
        auth_data = self._auth_data(USER_PRESENT | USER_VERIFIED)
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = self.key.sign(signed + (b"x" if tampered else b""), ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": self.user_handle,
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }


def ceremony(client, name: str, answer: dict | None = None, address="10.0.0.1", query=""):
    response = client.post(
        reverse(name) + query,
        json.dumps(answer or {}),
        content_type="application/json",
        REMOTE_ADDR=address,
    )
    if response["Content-Type"] != "application/json":
        return response.status_code, {"page": response.content.decode()}
    return response.status_code, response.json()


def add_passkey(client) -> SoftwarePasskey:
    passkey = SoftwarePasskey()
    status, options = ceremony(client, "passkey_register_begin")
    assert status == 200, options
    status, body = ceremony(client, "passkey_register_complete", passkey.create(options))
    assert status == 200, body
    return passkey
