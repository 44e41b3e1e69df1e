"""ipkg: an open knowledge graph of China's intellectual-property enforcement."""

__version__ = "0.1.0"
