"""A synthetic app of 200 generated models, to measure schema build time and memory."""
