"""Pledge: privacy operations driven by one declaration of a company's personal data."""

__version__ = "0.1.0"
