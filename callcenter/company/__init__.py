"""The company's own profile: the seller's requisites printed on every invoice."""
