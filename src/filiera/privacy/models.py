"""Personal data: consent records, exports and erasures (GDPR)."""
