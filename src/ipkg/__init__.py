"""ipkg: an open knowledge graph of China's intellectual-property enforcement."""

__version__ = "0.1.0"
#: The release date of this version (also in CITATION.cff and CHANGELOG.md); void.ttl's dcterms:issued.
__released__ = "2026-11-30"
