"""Files in and out: model JSON, run bundles, exports, prediction tables."""
