"""AES-ID: a simulator of the biometric identity card of the Confederation of Sahel States."""

__version__ = "0.1.0"
